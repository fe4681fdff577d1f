/**
 * The ASC X12 definition files (src/edi/x12/defs): every transaction set loads through the loader (which checks
 * references), the structures follow the rules of an X12 transaction set table, the dictionaries are internally
 * consistent, spot checks of facts from the standard, and the public sample files in ../shared/corpus/x12 only use
 * segments that are defined (with no more elements than the definition has).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { definitionsDir, hasTransaction, loadDictionary, loadTransaction } from '../../src/edi/common/definition-loader';
import type { Dictionary, LoopUse, SegmentUse, StructureNode, TransactionDef } from '../../src/edi/common/definitions';

const VERSIONS = ['004010', '005010'] as const;
type Version = (typeof VERSIONS)[number];
const SETS: Record<Version, string[]> = {
  '004010': ['850', '855', '856', '810', '997'],
  '005010': ['850', '855', '856', '810', '997', '999'],
};
const FUNCTIONAL_GROUP: Record<string, string> = { '850': 'PO', '855': 'PR', '856': 'SH', '810': 'IN', '997': 'FA', '999': 'FA' };

const isLoop = (n: StructureNode): n is LoopUse => 'loop' in n;
const isSegment = (n: StructureNode): n is SegmentUse => 'segment' in n;

/** All loops of a structure, depth first, in the order they appear. */
function loops(nodes: StructureNode[]): LoopUse[] {
  const out: LoopUse[] = [];
  for (const n of nodes) {
    if (isLoop(n)) out.push(n, ...loops(n.segments));
  }
  return out;
}

/** All segment tags used anywhere in a structure. */
function tags(nodes: StructureNode[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) {
    if (isSegment(n)) out.add(n.segment);
    else for (const t of tags(n.segments)) out.add(t);
  }
  return out;
}

function findLoop(nodes: StructureNode[], id: string): LoopUse {
  const hit = loops(nodes).find((l) => l.loop === id);
  if (!hit) throw new Error(`no loop ${id}`);
  return hit;
}

function trigger(loop: LoopUse): SegmentUse {
  const first = loop.segments[0];
  if (!first || !isSegment(first)) throw new Error(`${loop.loop} does not start with a segment`);
  return first;
}

/** The segment use with this tag directly in these nodes (not in nested loops). */
function directSegment(nodes: StructureNode[], tag: string): SegmentUse | undefined {
  return nodes.find((n): n is SegmentUse => isSegment(n) && n.segment === tag);
}

const dir = (v: Version): string => definitionsDir('x12', v);
const load = (v: Version, id: string): TransactionDef => loadTransaction(dir(v), id);
const dict = (v: Version): Dictionary => loadDictionary(dir(v));
/** Element (or composite) ids of a segment, in position order. */
const refs = (v: Version, tag: string): string[] => {
  const seg = dict(v).segments[tag];
  if (!seg) throw new Error(`${tag} not defined in ${v}`);
  return seg.elements.map((e) => e.ref);
};

describe.each(VERSIONS)('X12 %s definitions', (version) => {
  it.each(SETS[version])('%s loads, runs from ST to SE and names its functional group', (id) => {
    const def = load(version, id);
    expect(def.id).toBe(id);
    expect(def.functionalGroup).toBe(FUNCTIONAL_GROUP[id]);
    const first = def.structure[0];
    const last = def.structure[def.structure.length - 1];
    expect(first && isSegment(first) && first.segment).toBe('ST');
    expect(last && isSegment(last) && last.segment).toBe('SE');
    expect(first && isSegment(first) && [first.req, first.max]).toEqual(['M', 1]);
    expect(last && isSegment(last) && [last.req, last.max]).toEqual(['M', 1]);
  });

  it.each(SETS[version])('%s: every loop starts with its mandatory trigger segment, used once', (id) => {
    const def = load(version, id);
    for (const loop of loops(def.structure)) {
      const t = trigger(loop);
      expect({ loop: loop.loop, req: t.req, max: t.max }).toEqual({ loop: loop.loop, req: 'M', max: 1 });
      // Standard X12 sets name a loop after its trigger segment; the 999 guide numbers them (2000, 2100, 2110).
      if (id !== '999') expect(t.segment).toBe(loop.loop);
    }
  });

  it.each(SETS[version])('%s: every segment it uses is in segments.yaml, requirements and max uses are sane', (id) => {
    const def = load(version, id);
    const d = dict(version);
    for (const tag of tags(def.structure)) expect(d.segments[tag]).toBeDefined();
    const walk = (nodes: StructureNode[]): void => {
      for (const n of nodes) {
        expect(['M', 'O']).toContain(n.req);
        expect(n.max).toBeGreaterThanOrEqual(0);
        if (isLoop(n)) walk(n.segments);
      }
    };
    walk(def.structure);
    // ST and SE appear only at the top level.
    for (const loop of loops(def.structure)) {
      expect(directSegment(loop.segments, 'ST')).toBeUndefined();
      expect(directSegment(loop.segments, 'SE')).toBeUndefined();
    }
  });

  it('every element and composite referenced exists, and every element definition is consistent', () => {
    const d = dict(version);
    for (const [tag, seg] of Object.entries(d.segments)) {
      expect(seg.elements.length).toBeGreaterThan(0);
      for (const el of seg.elements) {
        expect({ tag, ref: el.ref, found: Boolean(d.elements[el.ref] ?? d.composites[el.ref]) }).toEqual({ tag, ref: el.ref, found: true });
        expect(['M', 'O', 'X']).toContain(el.req);
      }
      // Syntax notes only name positions the segment has.
      for (const note of seg.syntax ?? []) {
        const positions = note.slice(1).match(/\d\d/g) ?? [];
        for (const p of positions) expect({ tag, note, ok: Number(p) >= 1 && Number(p) <= seg.elements.length }).toEqual({ tag, note, ok: true });
      }
    }
    for (const [id, comp] of Object.entries(d.composites)) {
      expect(id).toMatch(/^C\d{3}$/);
      for (const c of comp.components) expect({ id, ref: c.ref, found: Boolean(d.elements[c.ref]) }).toEqual({ id, ref: c.ref, found: true });
    }
    for (const [id, el] of Object.entries(d.elements)) {
      expect(el.min).toBeLessThanOrEqual(el.max);
      expect(['AN', 'ID', 'DT', 'TM', 'R', 'N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9', 'B']).toContain(el.type);
      if (el.codes) {
        expect({ id, type: el.type }).toEqual({ id, type: 'ID' });
        expect(new Set(el.codes).size).toBe(el.codes.length);
        for (const code of el.codes) expect({ id, code, fits: code.length >= el.min && code.length <= el.max }).toEqual({ id, code, fits: true });
      }
    }
  });

  it('has the envelope segments with the standard element layout', () => {
    expect(refs(version, 'ISA')).toEqual(['I01', 'I02', 'I03', 'I04', 'I05', 'I06', 'I05', 'I07', 'I08', 'I09', version === '004010' ? 'I10' : 'I65', 'I11', 'I12', 'I13', 'I14', 'I15']);
    expect(refs(version, 'IEA')).toEqual(['I16', 'I12']);
    expect(refs(version, 'GS')).toEqual(['479', '142', '124', '373', '337', '28', '455', '480']);
    expect(refs(version, 'GE')).toEqual(['97', '28']);
    expect(refs(version, 'ST')).toEqual(version === '004010' ? ['143', '329'] : ['143', '329', '1705']);
    expect(refs(version, 'SE')).toEqual(['96', '329']);
    expect(refs(version, 'TA1')).toEqual(['I12', 'I08', 'I09', 'I17', 'I18']);
    const e = dict(version).elements;
    expect(e.I08).toMatchObject({ type: 'DT', min: 6, max: 6 });
    expect(e.I09).toMatchObject({ type: 'TM', min: 4, max: 4 });
    expect(e['373']).toMatchObject({ type: 'DT', min: 8, max: 8 });
    expect(e['337']).toMatchObject({ type: 'TM', min: 4, max: 8 });
    expect(e.I12).toMatchObject({ type: 'N0', min: 9, max: 9 });
    expect(e.I14?.codes).toEqual(expect.arrayContaining(['P', 'T', 'I']));
    expect(e.I13?.codes).toEqual(['0', '1']);
    expect(e.I01?.codes).toEqual(expect.arrayContaining(['00', '03']));
    expect(e.I03?.codes).toEqual(['00', '01']);
    expect(e.I05?.codes).toEqual(expect.arrayContaining(['01', '08', '12', '14', '16', '20', '27', '28', '30', 'ZZ']));
    expect(e.I17?.codes).toEqual(['A', 'E', 'R']);
    if (version === '004010') expect(e.I10?.codes).toEqual(['U']);
    else expect(e.I10).toBeUndefined();
  });

  it('spot checks: purchase order', () => {
    const beg = refs(version, 'BEG');
    expect(beg.length).toBeGreaterThanOrEqual(5);
    expect(beg.slice(0, 5)).toEqual(['353', '92', '324', '328', '373']);
    expect(dict(version).segments.BEG?.elements.map((x) => x.req).slice(0, 5)).toEqual(['M', 'M', 'M', 'O', 'M']);
    const def = load(version, '850');
    const po1 = findLoop(def.structure, 'PO1');
    expect(po1.req).toBe('M');
    expect(po1.max === 0 || po1.max >= 100000).toBe(true);
    expect(loops(po1.segments).map((l) => l.loop)).toEqual(expect.arrayContaining(['PID', 'SAC', 'N1', 'N9', 'SCH', 'SLN']));
    expect(findLoop(def.structure, 'N1').max).toBe(200);
    expect(findLoop(def.structure, 'N9').max).toBe(1000);
    expect(trigger(findLoop(def.structure, 'CTT')).segment).toBe('CTT');
    expect(refs(version, 'PO1').slice(0, 7)).toEqual(['350', '330', '355', '212', '639', '235', '234']);
    expect(refs(version, 'PO1')).toHaveLength(25);
    expect(refs(version, 'N1')).toEqual(['98', '93', '66', '67', '706', '98']);
    expect(dict(version).segments.N1?.syntax).toEqual(['R0203', 'P0304']);
    expect(refs(version, 'REF')).toEqual(['128', '127', '352', 'C040']);
    expect(dict(version).segments.REF?.syntax).toEqual(['R0203']);
    expect(refs(version, 'DTM')[0]).toBe('374');
    expect(refs(version, 'CTT').slice(0, 2)).toEqual(['354', '347']);
    const codes = dict(version).elements;
    expect(codes['353']?.codes).toEqual(expect.arrayContaining(['00', '01', '04', '05', '06', '07']));
    expect(codes['92']?.codes).toEqual(expect.arrayContaining(['SA', 'NE', 'BK', 'DS', 'RL']));
    expect(codes['98']?.codes).toEqual(expect.arrayContaining(['BY', 'ST', 'SE', 'SF', 'VN', 'BT', 'RI', 'SU']));
    expect(codes['355']?.codes).toEqual(expect.arrayContaining(['EA', 'CA', 'BX', 'PK', 'LB', 'KG', 'FT']));
    expect(codes['235']?.codes).toEqual(expect.arrayContaining(['BP', 'VP', 'UP', 'EN', 'UK', 'VN', 'IN', 'SK', 'MG']));
    expect(codes['66']?.codes).toEqual(expect.arrayContaining(['1', '9', '91', '92', 'UL', 'ZZ']));
  });

  it('spot checks: acknowledgment, ship notice and invoice', () => {
    expect(refs(version, 'BAK').slice(0, 4)).toEqual(['353', '587', '324', '373']);
    expect(dict(version).elements['587']?.codes).toEqual(expect.arrayContaining(['AC', 'AD', 'AE', 'AK', 'RD', 'RJ']));
    expect(dict(version).elements['668']?.codes).toEqual(expect.arrayContaining(['IA', 'IB', 'IR', 'IQ', 'BP', 'DR', 'AC']));
    const ack = load(version, '855');
    expect(findLoop(ack.structure, 'PO1').req).toBe('O');
    expect(findLoop(findLoop(ack.structure, 'PO1').segments, 'ACK').max).toBe(104);

    expect(refs(version, 'BSN').slice(0, 5)).toEqual(['353', '396', '373', '337', '1005']);
    expect(refs(version, 'HL')).toEqual(['628', '734', '735', '736']);
    const asn = load(version, '856');
    const hl = findLoop(asn.structure, 'HL');
    expect(hl.req).toBe('M');
    expect(hl.max).toBe(200000);
    for (const t of ['LIN', 'SN1', 'PRF', 'TD1', 'TD5', 'REF', 'MAN', 'DTM']) expect(tags(hl.segments).has(t)).toBe(true);
    expect(trigger(findLoop(hl.segments, 'N1')).segment).toBe('N1');
    expect(dict(version).elements['735']?.codes).toEqual(expect.arrayContaining(['S', 'O', 'P', 'T', 'I']));
    expect(dict(version).elements['1005']?.codes).toEqual(expect.arrayContaining(['0001', '0002', '0004']));

    expect(refs(version, 'BIG').slice(0, 4)).toEqual(['373', '76', '373', '324']);
    expect(refs(version, 'IT1').slice(0, 5)).toEqual(['350', '358', '355', '212', '639']);
    expect(refs(version, 'TDS')[0]).toBe('610');
    expect(dict(version).elements['610']).toMatchObject({ type: 'N2' });
    const inv = load(version, '810');
    expect(findLoop(inv.structure, 'IT1').max).toBe(200000);
    expect(directSegment(inv.structure, 'TDS')).toMatchObject({ req: 'M', max: 1 });
    expect(dict(version).elements['336']?.codes).toEqual(expect.arrayContaining(['01', '05', '08', '14']));
    expect(dict(version).elements['91']?.codes).toEqual(expect.arrayContaining(['A', 'M', 'R', 'T', 'U']));
  });

  it('spot checks: 997 functional acknowledgment', () => {
    const fa = load(version, '997');
    const ak2 = findLoop(fa.structure, 'AK2');
    const ak3 = findLoop(ak2.segments, 'AK3');
    expect(directSegment(ak3.segments, 'AK4')).toMatchObject({ req: 'O', max: 99 });
    expect(directSegment(ak2.segments, 'AK5')).toMatchObject({ req: 'M', max: 1 });
    expect(directSegment(fa.structure, 'AK1')).toMatchObject({ req: 'M', max: 1 });
    expect(directSegment(fa.structure, 'AK9')).toMatchObject({ req: 'M', max: 1 });
    expect(refs(version, 'AK4')).toEqual(['C030', '725', '723', '724']);
    expect(refs(version, 'AK9')).toEqual(['715', '97', '123', '2', '716', '716', '716', '716', '716']);
    const e = dict(version).elements;
    expect(e['715']?.codes).toEqual(expect.arrayContaining(['A', 'E', 'P', 'R']));
    expect(e['717']?.codes).toEqual(expect.arrayContaining(['A', 'E', 'R']));
    expect(e['720']?.codes).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(e['723']?.codes).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']));
    expect(e['479']?.codes).toEqual(expect.arrayContaining(['PO', 'PR', 'SH', 'IN', 'FA']));
    expect(e['143']?.codes).toEqual(expect.arrayContaining(['810', '850', '855', '856', '997', '999', '837']));
    const c030 = dict(version).composites.C030?.components.map((c) => c.ref);
    expect(c030).toEqual(version === '004010' ? ['722', '1528'] : ['722', '1528', '1686']);
    expect(refs(version, 'AK1')).toEqual(version === '004010' ? ['479', '28'] : ['479', '28', '480']);
  });

  it('999 exists only in 005010, with the 005010X231 loop structure', () => {
    expect(hasTransaction(dir(version), '999')).toBe(version === '005010');
    if (version === '004010') {
      expect(() => load(version, '999')).toThrow(/no definition for 999/);
      return;
    }
    const ia = load(version, '999');
    const l2000 = findLoop(ia.structure, '2000');
    expect(trigger(l2000).segment).toBe('AK2');
    const l2100 = findLoop(l2000.segments, '2100');
    expect(trigger(l2100).segment).toBe('IK3');
    expect(directSegment(l2100.segments, 'CTX')).toBeDefined();
    const l2110 = findLoop(l2100.segments, '2110');
    expect(trigger(l2110).segment).toBe('IK4');
    expect(directSegment(l2110.segments, 'CTX')).toBeDefined();
    expect(directSegment(l2000.segments, 'IK5')).toMatchObject({ req: 'M', max: 1 });
    expect(directSegment(ia.structure, 'AK9')).toMatchObject({ req: 'M', max: 1 });
    expect(refs(version, 'IK3')).toEqual(['721', '719', '447', '620']);
    expect(refs(version, 'IK4')).toEqual(['C030', '725', '621', '724']);
    expect(refs(version, 'IK5')[0]).toBe('717');
    expect(dict(version).segments.CTX?.elements[0]).toMatchObject({ ref: 'C998', req: 'M', repeat: 10 });
  });
});

/**
 * The public sample interchanges. A deliberately small tokenizer: strip a BOM and leading white space, take the element
 * separator from ISA character 4 (index 3) and the segment terminator from ISA character 106 (index 105), split, trim.
 *
 * Files the simple split cannot read are skipped (the test lists them in `skipped`):
 *  - INVALID_edifabric_810_InvalidHeader.txt: starts with "FSA" instead of "ISA".
 *  - INVALID_edifabric_810_InvalidTrailers.txt: trailing garbage after IEA ("1r").
 *  - staedi_ts210_80char.edi: wrapped at 80 characters, so the ISA is not 106 characters on one line.
 * Files named INVALID_* are negative samples; they are not used for the "all tags defined" check (one of them
 * carries the made-up segment FTE on purpose, which the last test uses to show the check can fail).
 * 999 sets are checked against 005010 (IK3/IK4/IK5/CTX do not exist in 004010); all other sets against 004010.
 */
const CORPUS = resolve(__dirname, '../../../shared/corpus/x12');
const CHECKED_SETS = new Set(['850', '855', '856', '810', '997', '999']);

interface Sample {
  file: string;
  /** Per transaction set found: its id and the segments between ST and SE (exclusive), as element lists. */
  sets: { id: string; segments: string[][] }[];
}

function tokenize(file: string): Sample | undefined {
  let text = readFileSync(resolve(CORPUS, file), 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.trimStart();
  if (!text.startsWith('ISA') || text.length < 106) return undefined;
  const elementSep = text[3];
  const terminator = text[105];
  if (!elementSep || !terminator) return undefined;
  const segments = text
    .split(terminator)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => s.split(elementSep));
  if (segments.some((s) => !/^[A-Z][A-Z0-9]{1,2}$/.test(s[0] ?? ''))) return undefined;
  const sets: Sample['sets'] = [];
  let current: Sample['sets'][number] | undefined;
  for (const seg of segments) {
    if (seg[0] === 'ST') {
      current = { id: seg[1] ?? '', segments: [] };
      sets.push(current);
    } else if (seg[0] === 'SE') {
      current = undefined;
    } else if (current) {
      current.segments.push(seg);
    }
  }
  return { file, sets };
}

const corpusFiles = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];
const corpusIt = corpusFiles.length > 0 ? it : it.skip;

describe('public sample files (shared/corpus/x12)', () => {
  const samples: Sample[] = [];
  const skipped: string[] = [];
  for (const file of corpusFiles) {
    const s = tokenize(file);
    if (s) samples.push(s);
    else skipped.push(file);
  }

  corpusIt('the simple tokenizer reads all but the known odd files', () => {
    expect(skipped).toEqual(['INVALID_edifabric_810_InvalidHeader.txt', 'INVALID_edifabric_810_InvalidTrailers.txt', 'staedi_ts210_80char.edi']);
    const ids = new Set(samples.flatMap((s) => s.sets.map((t) => t.id)));
    for (const id of CHECKED_SETS) expect(ids.has(id)).toBe(true);
  });

  corpusIt('every segment inside an 850/855/856/810/997/999 is defined, with no more elements than defined', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const sample of samples.filter((s) => !s.file.startsWith('INVALID_'))) {
      for (const set of sample.sets.filter((t) => CHECKED_SETS.has(t.id))) {
        const version: Version = set.id === '999' ? '005010' : '004010';
        const segments = dict(version).segments;
        for (const seg of set.segments) {
          checked++;
          const tag = seg[0] ?? '';
          const def = segments[tag];
          if (!def) problems.push(`${sample.file}: ${set.id} uses ${tag}, not in ${version}/segments.yaml`);
          else if (seg.length - 1 > def.elements.length) problems.push(`${sample.file}: ${tag} has ${seg.length - 1} elements, ${version} defines ${def.elements.length}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  });

  corpusIt('the check notices an undefined segment (the deliberately bad sample)', () => {
    const bad = samples.find((s) => s.file === 'INVALID_edifabric_810_BadSegment.txt');
    expect(bad).toBeDefined();
    const undefinedTags = (bad?.sets ?? []).flatMap((t) => t.segments.map((s) => s[0] ?? '')).filter((t) => !dict('004010').segments[t]);
    expect(undefinedTags).toEqual(['FTE']);
  });
});
