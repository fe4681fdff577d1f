/**
 * The UN/EDIFACT definition files (src/edi/edifact/defs): every message loads through the loader (which checks
 * references), the structures follow the rules of a UN/EDIFACT segment table, spot checks of facts from the
 * directories, and the public sample files in ../shared/corpus/edifact only use segments that are defined and fit
 * the segment tables.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { definitionsDir, loadDictionary, loadTransaction } from '../../src/edi/common/definition-loader';
import type { Dictionary, LoopUse, SegmentUse, StructureNode, TransactionDef } from '../../src/edi/common/definitions';

const DIRECTORIES = ['D96A', 'D01B'] as const;
const MESSAGES = ['ORDERS', 'ORDRSP', 'DESADV', 'INVOIC', 'CONTRL', 'APERAK'] as const;

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

function findLoop(def: TransactionDef, id: string): LoopUse {
  const hit = loops(def.structure).find((l) => l.loop === id);
  if (!hit) throw new Error(`${def.id} has no ${id}`);
  return hit;
}

function trigger(loop: LoopUse): SegmentUse {
  const first = loop.segments[0];
  if (!first || !isSegment(first)) throw new Error(`${loop.loop} does not start with a segment`);
  return first;
}

/** The loop a segment group is nested in (undefined at message level). */
function parentOf(nodes: StructureNode[], id: string, parent?: LoopUse): LoopUse | undefined {
  for (const n of nodes) {
    if (!isLoop(n)) continue;
    if (n.loop === id) return parent;
    const hit = parentOf(n.segments, id, n);
    if (hit) return hit;
  }
  return undefined;
}

const load = (dir: string, id: string): TransactionDef => loadTransaction(definitionsDir('edifact', dir), id);
const dict = (dir: string): Dictionary => loadDictionary(definitionsDir('edifact', dir));

describe.each(DIRECTORIES)('EDIFACT %s', (dir) => {
  it.each(MESSAGES)('%s loads, UNH first and UNT last', (id) => {
    const def = load(dir, id);
    expect(def.id).toBe(id);
    const first = def.structure[0];
    const last = def.structure[def.structure.length - 1];
    expect(first && isSegment(first) && first.segment).toBe('UNH');
    expect(last && isSegment(last) && last.segment).toBe('UNT');
    expect(first).toMatchObject({ req: 'M', max: 1 });
    expect(last).toMatchObject({ req: 'M', max: 1 });
  });

  it.each(MESSAGES)('%s: groups start with a mandatory trigger and are numbered SG1..SGn in order', (id) => {
    const all = loops(load(dir, id).structure);
    expect(all.length).toBeGreaterThan(0);
    all.forEach((l, i) => {
      expect(l.loop).toBe(`SG${i + 1}`);
      expect(trigger(l)).toMatchObject({ req: 'M', max: 1 });
      expect(l.max).toBeGreaterThan(0);
    });
  });

  it('every element, composite and segment of the dictionary is used', () => {
    const d = dict(dir);
    const used = new Set<string>();
    for (const id of MESSAGES) for (const t of tags(load(dir, id).structure)) used.add(t);
    expect(Object.keys(d.segments).filter((t) => !used.has(t))).toEqual([]);
    const refs = new Set<string>();
    for (const s of Object.values(d.segments)) for (const e of s.elements) refs.add(e.ref);
    for (const c of Object.values(d.composites)) for (const e of c.components) refs.add(e.ref);
    expect(Object.keys(d.composites).filter((c) => !refs.has(c))).toEqual([]);
    expect(Object.keys(d.elements).filter((e) => !refs.has(e))).toEqual([]);
  });

  it('element formats are consistent (EDIFACT types, min <= max)', () => {
    for (const [id, el] of Object.entries(dict(dir).elements)) {
      expect([id, ['a', 'n', 'an'].includes(el.type)]).toEqual([id, true]);
      expect([id, el.min <= el.max]).toEqual([id, true]);
      expect(id).toMatch(/^\d{4}$/);
    }
  });

  it('service segments: UNH, UNT, UNS and the S009 message identifier', () => {
    const d = dict(dir);
    expect(d.segments.UNH?.elements.map((e) => [e.ref, e.req]).slice(0, 2)).toEqual([['0062', 'M'], ['S009', 'M']]);
    expect(d.segments.UNT?.elements.map((e) => [e.ref, e.req])).toEqual([['0074', 'M'], ['0062', 'M']]);
    expect(d.segments.UNS?.elements).toEqual([{ ref: '0081', req: 'M' }]);
    const s009 = d.composites.S009?.components.map((c) => `${c.ref}${c.req}`);
    expect(s009?.slice(0, 5)).toEqual(['0065M', '0052M', '0054M', '0051M', '0057C']);
    expect(d.elements['0065']).toMatchObject({ type: 'an', min: 1, max: 6 });
    expect(d.elements['0062']).toMatchObject({ type: 'an', min: 1, max: 14 });
    expect(d.elements['0074']).toMatchObject({ type: 'n', min: 1, max: 6 });
    expect(d.elements['0081']?.codes).toEqual(['D', 'S']);
  });

  it('CONTRL (syntax version 3): UCI mandatory, UCM/UCS/UCD and UCF groups', () => {
    const def = load(dir, 'CONTRL');
    expect(def.structure[1]).toEqual({ segment: 'UCI', req: 'M', max: 1 });
    expect(trigger(findLoop(def, 'SG1')).segment).toBe('UCM');
    expect(trigger(findLoop(def, 'SG2')).segment).toBe('UCS');
    expect(trigger(findLoop(def, 'SG3')).segment).toBe('UCF');
    expect(parentOf(def.structure, 'SG4')?.loop).toBe('SG3');
    expect(parentOf(def.structure, 'SG5')?.loop).toBe('SG4');
    const d = dict(dir);
    expect(d.segments.UCI?.elements.map((e) => e.ref)).toEqual(['0020', 'S002', 'S003', '0083', '0085', '0013', 'S011']);
    expect(d.segments.UCD?.elements).toEqual([{ ref: '0085', req: 'M' }, { ref: 'S011', req: 'M' }]);
    expect(d.elements['0083']?.codes).toEqual(['4', '7', '8']);
    expect(d.elements['0085']?.codes).toEqual(expect.arrayContaining(['2', '7', '12', '13', '14', '15', '16', '35', '39', '40']));
  });

  it('ORDERS: header parties in SG2 (NAD), UNS separates detail and summary', () => {
    const def = load(dir, 'ORDERS');
    expect(def.structure[1]).toEqual({ segment: 'BGM', req: 'M', max: 1 });
    expect(def.structure[2]).toEqual({ segment: 'DTM', req: 'M', max: 35 });
    expect(trigger(findLoop(def, 'SG1')).segment).toBe('RFF');
    expect(trigger(findLoop(def, 'SG2')).segment).toBe('NAD');
    expect(def.structure.filter((n) => isSegment(n) && n.segment === 'UNS')).toEqual([{ segment: 'UNS', req: 'M', max: 1 }]);
  });

  it('APERAK: ERC group with nested RFF group', () => {
    const def = load(dir, 'APERAK');
    const erc = loops(def.structure).find((l) => trigger(l).segment === 'ERC');
    expect(erc).toBeDefined();
    expect(erc && loops(erc.segments).map((l) => trigger(l).segment)).toEqual(['RFF']);
    expect(tags(def.structure)).toEqual(new Set(['UNH', 'BGM', 'DTM', 'FTX', 'CNT', 'RFF', 'NAD', 'CTA', 'COM', 'ERC', 'UNT', ...(dir === 'D01B' ? ['DOC'] : [])]));
  });

  it('DESADV: line items are nested in the CPS group', () => {
    const def = load(dir, 'DESADV');
    const cps = findLoop(def, 'SG10');
    expect(trigger(cps).segment).toBe('CPS');
    const lin = loops(def.structure).find((l) => trigger(l).segment === 'LIN');
    expect(lin && parentOf(def.structure, lin.loop)?.loop).toBe('SG10');
    expect(trigger(findLoop(def, 'SG11')).segment).toBe('PAC');
  });
});

describe('EDIFACT D96A spot checks', () => {
  it('ORDERS: 54 groups, SG25 LIN with SG28 PRI, SG54 ALC in the summary', () => {
    const def = load('D96A', 'ORDERS');
    expect(loops(def.structure)).toHaveLength(54);
    expect(findLoop(def, 'SG25')).toMatchObject({ req: 'C', max: 200000 });
    expect(trigger(findLoop(def, 'SG25')).segment).toBe('LIN');
    expect(trigger(findLoop(def, 'SG28')).segment).toBe('PRI');
    expect(parentOf(def.structure, 'SG28')?.loop).toBe('SG25');
    expect(trigger(findLoop(def, 'SG54')).segment).toBe('ALC');
    expect(parentOf(def.structure, 'SG54')).toBeUndefined();
  });

  it('INVOIC: SG25 LIN, mandatory summary MOA group SG48', () => {
    const def = load('D96A', 'INVOIC');
    expect(trigger(findLoop(def, 'SG25')).segment).toBe('LIN');
    expect(findLoop(def, 'SG48')).toMatchObject({ req: 'M', max: 100 });
    expect(trigger(findLoop(def, 'SG48')).segment).toBe('MOA');
    expect(trigger(findLoop(def, 'SG51')).segment).toBe('ALC');
  });

  it('DESADV: SG13 PCI with nested SG14 GIN, SG15 LIN in SG10, SG23 QVR', () => {
    const def = load('D96A', 'DESADV');
    expect(findLoop(def, 'SG2')).toMatchObject({ req: 'C', max: 10 });
    expect(trigger(findLoop(def, 'SG14')).segment).toBe('GIN');
    expect(parentOf(def.structure, 'SG14')?.loop).toBe('SG13');
    expect(trigger(findLoop(def, 'SG15')).segment).toBe('LIN');
    expect(parentOf(def.structure, 'SG15')?.loop).toBe('SG10');
    expect(trigger(findLoop(def, 'SG23')).segment).toBe('QVR');
  });

  it('ORDRSP: SG3 NAD, SG26 LIN', () => {
    const def = load('D96A', 'ORDRSP');
    expect(trigger(findLoop(def, 'SG3')).segment).toBe('NAD');
    expect(trigger(findLoop(def, 'SG26')).segment).toBe('LIN');
  });

  it('segment layouts', () => {
    const d = dict('D96A');
    expect(d.segments.BGM?.elements.map((e) => e.ref)).toEqual(['C002', '1004', '1225', '4343']);
    expect(d.segments.NAD?.elements.map((e) => e.ref)).toEqual(['3035', 'C082', 'C058', 'C080', 'C059', '3164', '3229', '3251', '3207']);
    expect(d.segments.LIN?.elements.map((e) => e.ref)).toEqual(['1082', '1229', 'C212', 'C829', '1222', '7083']);
    expect(d.composites.C186?.components).toEqual([{ ref: '6063', req: 'M' }, { ref: '6060', req: 'M' }, { ref: '6411', req: 'C' }]);
    expect(d.composites.C507?.components.map((c) => c.ref)).toEqual(['2005', '2380', '2379']);
    expect(d.composites.C516?.components.map((c) => c.ref)).toEqual(['5025', '5004', '6345', '6343', '4405']);
    expect(d.elements['6060']).toMatchObject({ type: 'n', min: 1, max: 15 });
    expect(d.elements['2380']).toMatchObject({ type: 'an', min: 1, max: 35 });
    expect(d.elements['7124']).toMatchObject({ type: 'n', min: 4, max: 4 });
    // D.96A: line item number is numeric; STG has no composite
    expect(d.elements['1082']).toMatchObject({ type: 'n', min: 1, max: 6 });
    expect(d.segments.STG?.elements.map((e) => e.ref)).toEqual(['9421', '6426', '6428']);
    expect(d.composites.C506?.components.map((c) => c.ref)).toEqual(['1153', '1154', '1156', '4000']);
  });
});

describe('EDIFACT D01B spot checks', () => {
  it('ORDERS has more groups than in D96A: SG28 LIN, SG60 ALC in the summary', () => {
    const def = load('D01B', 'ORDERS');
    expect(loops(def.structure).length).toBeGreaterThan(loops(load('D96A', 'ORDERS').structure).length);
    expect(trigger(findLoop(def, 'SG26')).segment).toBe('DGS');
    expect(trigger(findLoop(def, 'SG28')).segment).toBe('LIN');
    expect(trigger(findLoop(def, 'SG60')).segment).toBe('ALC');
  });

  it('INVOIC: SG26 LIN, mandatory summary MOA group SG50', () => {
    const def = load('D01B', 'INVOIC');
    expect(trigger(findLoop(def, 'SG26')).segment).toBe('LIN');
    expect(findLoop(def, 'SG50')).toMatchObject({ req: 'M' });
    expect(trigger(findLoop(def, 'SG50')).segment).toBe('MOA');
  });

  it('DESADV: SG14 GIR, SG15 GIN and SG16 COD inside SG13 PCI; SG17 LIN in SG10', () => {
    const def = load('D01B', 'DESADV');
    for (const [sg, tag] of [['SG14', 'GIR'], ['SG15', 'GIN'], ['SG16', 'COD']]) {
      expect(trigger(findLoop(def, sg)).segment).toBe(tag);
      expect(parentOf(def.structure, sg)?.loop).toBe('SG13');
    }
    expect(trigger(findLoop(def, 'SG17')).segment).toBe('LIN');
    expect(parentOf(def.structure, 'SG17')?.loop).toBe('SG10');
  });

  it('BGM carries C106, RFF C506 has the revision identifier', () => {
    const d = dict('D01B');
    expect(d.segments.BGM?.elements.map((e) => e.ref)).toEqual(['C002', 'C106', '1225', '4343']);
    expect(d.composites.C506?.components.map((c) => c.ref)).toEqual(['1153', '1154', '1156', '4000', '1060']);
    expect(d.elements['1082']).toMatchObject({ type: 'an', min: 1, max: 6 });
    expect(d.segments.NAD?.elements.map((e) => e.ref)).toContain('C819');
  });
});

describe('EDIFACT interchange service segments (service/)', () => {
  const d = loadDictionary(definitionsDir('edifact', 'service'));

  it('loads as a dictionary with UNB, UNZ, UNG, UNE', () => {
    expect(Object.keys(d.segments).sort()).toEqual(['UNB', 'UNE', 'UNG', 'UNZ']);
  });

  it('UNB (syntax version 3)', () => {
    expect(d.segments.UNB?.elements.map((e) => `${e.ref}${e.req}`)).toEqual([
      'S001M', 'S002M', 'S003M', 'S004M', '0020M', 'S005C', '0026C', '0029C', '0031C', '0032C', '0035C',
    ]);
    expect(d.composites.S001?.components).toEqual([{ ref: '0001', req: 'M' }, { ref: '0002', req: 'M' }]);
    expect(d.elements['0001']).toMatchObject({ type: 'a', min: 4, max: 4 });
    expect(d.elements['0001']?.codes).toEqual(expect.arrayContaining(['UNOA', 'UNOB', 'UNOC', 'UNOY', 'KECA', 'IATA', 'IATB']));
    expect(d.elements['0017']).toMatchObject({ type: 'n', min: 6, max: 6 });
    expect(d.elements['0019']).toMatchObject({ type: 'n', min: 4, max: 4 });
    expect(d.elements['0020']).toMatchObject({ type: 'an', min: 1, max: 14 });
    expect(d.elements['0035']).toMatchObject({ type: 'n', min: 1, max: 1 });
  });

  it('UNZ, UNE', () => {
    expect(d.segments.UNZ?.elements).toEqual([{ ref: '0036', req: 'M' }, { ref: '0020', req: 'M' }]);
    expect(d.segments.UNE?.elements).toEqual([{ ref: '0060', req: 'M' }, { ref: '0048', req: 'M' }]);
    expect(d.elements['0036']).toMatchObject({ type: 'n', min: 1, max: 6 });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Public sample files. A tiny splitter: strip a UTF-8 BOM, honour UNA (also where a later interchange in the same
// file starts with one), split on the unescaped segment terminator, drop line breaks that are not delimiters.
// Files whose segment tags do not come out as 3 letters/digits are skipped (none at present). Files named
// INVALID_* are left out: their origin projects use them as negative tests (corrupt UNB, garbled segment tags,
// wrong trailer counts, a missing summary group).
// Structure fit is checked for messages of directory 96A or 01B against that folder's definition (CONTRL of
// syntax version 4 is only checked for segment tags: its structure differs from the version 3 one modelled here).

interface RawSegment {
  tag: string;
  elements: string[][];
}

function splitEdifact(buf: Buffer): RawSegment[] | undefined {
  let text = buf.toString('latin1');
  if (text.startsWith('\xef\xbb\xbf')) text = text.slice(3);
  let [comp, elem, rel, term] = [':', '+', '?', "'"];
  const out: RawSegment[] = [];
  let p = 0;
  for (;;) {
    while (p < text.length && ' \r\n\t'.includes(text.charAt(p))) p++;
    if (p >= text.length) break;
    if (text.startsWith('UNA', p)) {
      const una = text.slice(p + 3, p + 9);
      if (una.length < 6) return undefined;
      [comp, elem, rel, term] = [una.charAt(0), una.charAt(1), una.charAt(3), una.charAt(5)];
      p += 9;
      continue;
    }
    let cur = '';
    while (p < text.length) {
      const c = text.charAt(p);
      if (c === rel && p + 1 < text.length) {
        cur += c + text.charAt(p + 1);
        p += 2;
        continue;
      }
      p++;
      if (c === term) break;
      if ((c === '\r' || c === '\n') && term !== '\r' && term !== '\n') continue;
      cur += c;
    }
    const elements = splitUnescaped(cur, elem, rel).map((e) => splitUnescaped(e, comp, rel));
    const tag = elements[0]?.[0] ?? '';
    if (!/^[A-Z][A-Z0-9]{2}$/.test(tag)) return undefined;
    out.push({ tag, elements: elements.slice(1) });
  }
  return out;
}

function splitUnescaped(s: string, sep: string, rel: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === rel && i + 1 < s.length) {
      cur += s.charAt(i + 1);
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** Greedy match of a tag sequence against a segment table; returns the problems found. */
function fit(nodes: StructureNode[], seq: string[]): string[] {
  const problems: string[] = [];
  const walk = (list: StructureNode[], i: number, path: string): number => {
    for (const n of list) {
      if (isSegment(n)) {
        let count = 0;
        while (i < seq.length && seq[i] === n.segment && (n.max === 0 || count < n.max)) {
          i++;
          count++;
        }
        if (count === 0 && n.req === 'M') problems.push(`${path}: ${n.segment} missing before ${seq[i] ?? 'end'} (#${i})`);
      } else {
        const trig = trigger(n).segment;
        let count = 0;
        while (i < seq.length && seq[i] === trig && (n.max === 0 || count < n.max)) {
          i = walk(n.segments, i, `${path}/${n.loop}`);
          count++;
        }
        if (count === 0 && n.req === 'M') problems.push(`${path}: group ${n.loop} missing before ${seq[i] ?? 'end'} (#${i})`);
      }
    }
    return i;
  };
  const end = walk(nodes, 0, '');
  if (end < seq.length) problems.push(`unexpected ${seq[end]} (#${end}) after ${seq.slice(Math.max(0, end - 3), end).join(' ')}`);
  return problems;
}

const CORPUS_CANDIDATES = [
  process.env.EDI_CORPUS_DIR,
  resolve(__dirname, '..', '..', '..', 'shared', 'corpus', 'edifact'),
  '/work/shared/corpus/edifact',
].filter((d): d is string => !!d);
const corpusDir = CORPUS_CANDIDATES.find((d) => existsSync(d));
const IN_SCOPE = new Set(['ORDERS', 'ORDRSP', 'DESADV', 'INVOIC', 'CONTRL']);
/** Files the splitter cannot read (documented above); the test fails if another file joins them. */
const SKIPPED: string[] = [];

(corpusDir ? describe : describe.skip)('public EDIFACT samples (shared/corpus/edifact)', () => {
  const dir = corpusDir ?? '';
  const files = corpusDir ? readdirSync(dir).filter((f) => !f.startsWith('INVALID_') && !f.endsWith('.md')).sort() : [];
  const d96a = corpusDir ? dict('D96A') : undefined;
  const service = corpusDir ? loadDictionary(definitionsDir('edifact', 'service')) : undefined;
  /** Messages checked against a segment table by the tests above (they run in order). */
  const fitted: string[] = [];

  it('the splitter reads every sample that is not a negative test', () => {
    expect(files.length).toBeGreaterThan(20);
    const unreadable = files.filter((f) => !splitEdifact(readFileSync(join(dir, f))));
    expect(unreadable).toEqual(SKIPPED);
  });

  it.each(files.filter((f) => !SKIPPED.includes(f)))('%s: segments are defined and fit the segment table', (f) => {
    const segs = splitEdifact(readFileSync(join(dir, f))) ?? [];
    let current: { type: string; release: string; seq: string[] } | undefined;
    const undefinedTags = new Set<string>();
    const misfits: string[] = [];
    for (const s of segs) {
      if (['UNB', 'UNZ', 'UNG', 'UNE'].includes(s.tag)) {
        if (!service?.segments[s.tag]) undefinedTags.add(s.tag);
        continue;
      }
      if (s.tag === 'UNH') {
        const s009 = s.elements[1] ?? [];
        current = { type: s009[0] ?? '', release: s009[2] ?? '', seq: [] };
      }
      if (!current) continue;
      current.seq.push(s.tag);
      if (IN_SCOPE.has(current.type) && !d96a?.segments[s.tag]) undefinedTags.add(`${current.type}/${s.tag}`);
      if (s.tag === 'UNT') {
        const folder = current.release === '96A' ? 'D96A' : current.release === '01B' ? 'D01B' : undefined;
        if (folder && IN_SCOPE.has(current.type) && current.type !== 'CONTRL') {
          fitted.push(`${f} ${current.type}:${current.release}`);
          for (const p of fit(load(folder, current.type).structure, current.seq)) misfits.push(`${current.type} ${folder}: ${p}`);
        }
        current = undefined;
      }
    }
    expect([...undefinedTags]).toEqual([]);
    expect(misfits).toEqual([]);
  });

  it('sample messages of both directories were checked against the segment tables', () => {
    const releases = new Set<string>();
    for (const f of files) {
      for (const s of splitEdifact(readFileSync(join(dir, f))) ?? []) {
        if (s.tag === 'UNH') releases.add(`${s.elements[1]?.[0]}:${s.elements[1]?.[2]}`);
      }
    }
    expect([...releases]).toEqual(expect.arrayContaining(['ORDERS:96A', 'ORDRSP:96A', 'DESADV:96A', 'ORDERS:01B', 'CONTRL:1']));
    expect(fitted.length).toBeGreaterThanOrEqual(8);
    expect(fitted.some((m) => m.endsWith('ORDERS:01B'))).toBe(true);
  });
});
