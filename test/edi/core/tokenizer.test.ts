/** The ScannedSegment view: positions, unescaping, lengths, raw text, offsets, layout flags. */
import type { ScannedSegment } from '../../../src/edi/common/scanner';
import { EdiReader } from '../../../src/edi/reader';
import { validateBuffer } from '../../../src/edi/validate';
import { isa, x12Interchange } from './helpers';

/** Run `probe` on the segment with tag `tag` while it is valid (inside the callback). */
function probe<T>(input: Buffer, tag: string, fn: (seg: ScannedSegment) => T): T[] {
  const out: T[] = [];
  const reader = new EdiReader({ segment: (seg) => (seg.tag === tag ? out.push(fn(seg)) : undefined) });
  reader.write(input);
  reader.end();
  return out;
}
const ed = (s: string, enc: BufferEncoding = 'latin1') => Buffer.from(s, enc);
const unb = (syntax = 'UNOC:4') => `UNB+${syntax}+S+R+20240101:1200+A1'UNH+1+ORDERS:D:96A:UN'`;
const unz = (n: number) => `UNT+${n}+1'UNZ+1+A1'`;

describe('ScannedSegment view', () => {
  const input = ed(unb() + "FTX+AAI++x+A?+B:C??D*E:F?'++" + "'" + unz(3));

  it('counts elements, repetitions and components (trailing empty elements included)', () => {
    const [r] = probe(input, 'FTX', (s) => ({ n: s.elementCount(), reps: s.repetitionCount(4), c1: s.componentCount(4, 1), c2: s.componentCount(4, 2), c3: s.componentCount(4, 3), beyond: s.repetitionCount(9) }));
    expect(r).toEqual({ n: 6, reps: 2, c1: 2, c2: 2, c3: 0, beyond: 0 });
  });

  it('openSimple(e) agrees with isSimple(e) and opens the element as openRepetition(e, 1)', () => {
    const [r] = probe(input, 'FTX', (s) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((e) => {
        const simple = s.openSimple(e);
        const opened = simple ? [s.componentValue(1), s.componentLength(1), s.componentIsEmpty(1), s.componentValue(2)] : null;
        const n = s.openRepetition(e, 1);
        return { simple, isSimple: s.isSimple(e), same: !simple || (n === 1 && opened?.[0] === s.componentValue(1) && opened?.[1] === s.componentLength(1) && opened?.[2] === s.componentIsEmpty(1) && opened?.[3] === '') };
      }),
    );
    expect(r.map((x) => x.simple)).toEqual(r.map((x) => x.isSimple));
    expect(r.map((x) => x.simple)).toEqual([false, true, true, true, false, true, true, false]);
    expect(r.every((x) => x.same)).toBe(true);
  });

  it('repetitionCount is 1 per present element without a repetition separator (syntax 3)', () => {
    const v3 = ed(unb('UNOC:3') + "FTX+AAI++x*y+A:B'" + unz(3));
    const [r] = probe(v3, 'FTX', (s) => [1, 2, 3, 4, 5].map((e) => s.repetitionCount(e)));
    expect(r).toEqual([1, 1, 1, 1, 0]);
  });

  it('componentBytes: the bytes of a plain component; null when the segment has release characters', () => {
    const plain = ed(unb() + "QTY+21:-12.5'" + unz(3));
    const [r] = probe(plain, 'QTY', (s) => {
      s.openRepetition(1, 1);
      const b = s.componentBytes(2);
      return b === null ? null : Buffer.from(b.subarray(s.byteStart, s.byteEnd)).toString('latin1');
    });
    expect(r).toBe('-12.5');
    const [escaped] = probe(input, 'FTX', (s) => {
      s.openRepetition(3, 1);
      return s.componentBytes(1);
    });
    expect(escaped).toBeNull();
  });

  it('value(e, c, r) unescapes; missing positions give "" and never throw', () => {
    const [r] = probe(input, 'FTX', (s) => [s.value(1), s.value(2), s.value(3), s.value(4, 1, 1), s.value(4, 2, 1), s.value(4, 1, 2), s.value(4, 2, 2), s.value(4, 3), s.value(4, 1, 3), s.value(0), s.value(99)]);
    expect(r).toEqual(['AAI', '', 'x', 'A+B', 'C?D', 'E', "F'", '', '', '', '']);
  });

  it('length() does not count release characters; isEmpty() follows the unescaped value', () => {
    const [r] = probe(input, 'FTX', (s) => [s.length(4, 1), s.length(4, 2), s.length(4, 2, 2), s.length(9), s.isEmpty(2), s.isEmpty(3), s.isEmpty(5), s.isEmpty(6), s.isEmpty(9)]);
    expect(r).toEqual([3, 3, 2, 0, true, false, true, true, true]);
  });

  it('raw(e) is the element as received, separators and release characters kept', () => {
    const [r] = probe(input, 'FTX', (s) => [s.raw(1), s.raw(4), s.raw(5), s.raw(99)]);
    expect(r).toEqual(['AAI', "A?+B:C??D*E:F?'", '', '']);
  });

  it('length() counts characters, not bytes, for UTF-8 (UNOY)', () => {
    const [r] = probe(ed(unb('UNOY:4') + 'FTX+AAI+++\u00e4\u20ac\u65e5?+x' + "'" + unz(3), 'utf8'), 'FTX', (s) => [s.value(4), s.length(4)]);
    expect(r).toEqual(['\u00e4\u20ac\u65e5+x', 5]);
  });

  it('locateOffset maps a byte offset to element / component / repetition (element 0 = tag)', () => {
    const text = unb() + 'NAD+BY+1:2*3:4' + "'" + unz(3);
    const base = text.indexOf('NAD');
    const [r] = probe(ed(text), 'NAD', (s) => [1, 4, 7, 9, 11, 13].map((k) => s.locateOffset(base + k)));
    expect(r).toEqual([
      { element: 0, component: 1, repetition: 1 },
      { element: 1, component: 1, repetition: 1 },
      { element: 2, component: 1, repetition: 1 },
      { element: 2, component: 2, repetition: 1 },
      { element: 2, component: 1, repetition: 2 },
      { element: 2, component: 2, repetition: 2 },
    ]);
  });

  it('index and offset of each segment; toParsed copies the segment out', () => {
    const text = x12Interchange({ lineBreak: '\n' });
    const all: { tag: string; index: number; offset: number }[] = [];
    const parsed: unknown[] = [];
    const reader = new EdiReader({ segment: (s) => { all.push({ tag: s.tag, index: s.index, offset: s.offset }); if (s.tag === 'BEG') parsed.push(s.toParsed()); } });
    reader.write(ed(text));
    reader.end();
    expect(all.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const s of all) expect(text.slice(s.offset, s.offset + s.tag.length)).toBe(s.tag);
    expect(parsed).toEqual([{ tag: 'BEG', elements: [[['00']], [['SA']], [['PO1']]] }]);
  });

  it('trivia holds the layout before each segment', () => {
    const text = x12Interchange({ lineBreak: '\r\n' }).replace('ST*', '  ST*');
    const trivia = probe(ed('\n' + text), 'ST', (s) => s.trivia).concat(probe(ed('\n' + text), 'ISA', (s) => s.trivia));
    expect(trivia).toEqual(['\r\n  ', '\n']);
  });

  it('unterminated: only the last segment of an input without final terminator', () => {
    const text = x12Interchange({ lineBreak: '\n' }).replace(/~\n$/, '');
    const flags: [string, boolean, string[][][]][] = [];
    const reader = new EdiReader({ segment: (s) => flags.push([s.tag, s.unterminated, s.toParsed().elements]) });
    reader.write(ed(text));
    reader.end();
    expect(flags.filter((f) => f[1]).map((f) => f[0])).toEqual(['IEA']);
    expect(flags[flags.length - 1][2]).toEqual([[['1']], [['000000001']]]);
  });

  it('crBeforeTerminator: LF terminator with CRLF layout drops the CR from the data and flags it', () => {
    // The ISA fixes LF as the terminator (the byte after ISA16); later segments end in CR LF.
    const text = isa({ terminator: '\n' }) + 'GS*PO*SENDER*RECEIVER*20240101*1200*1*X*005010\r\nST*850*0001\r\nBEG*00*SA*PO1\r\nSE*3*0001\r\nGE*1*1\r\nIEA*1*000000001\r\n';
    expect(probe(ed(text), 'BEG', (s) => [s.crBeforeTerminator, s.value(3), s.raw(3)])).toEqual([[true, 'PO1', 'PO1']]);
    expect(probe(ed(text), 'ISA', (s) => s.crBeforeTerminator)).toEqual([false]);
    // A terminator CR followed by LF layout: no CR is dropped from data.
    const crTerm = x12Interchange({ terminator: '\r', lineBreak: '\n' });
    expect(probe(ed(crTerm), 'BEG', (s) => [s.crBeforeTerminator, s.value(3)])).toEqual([[false, 'PO1']]);
  });

  it('X12 values are not unescaped ("?" is data)', () => {
    const [r] = probe(ed(x12Interchange({ groups: [[['MSG*A?*B']]] }).replace('MSG*A?*B', 'MSG*A??B')), 'MSG', (s) => [s.value(1), s.length(1)]);
    expect(r).toEqual(['A??B', 4]);
  });
});

describe('validate report positions', () => {
  it('validateBuffer reports code, segmentIndex, segmentId, element and ack codes', () => {
    const bad = x12Interchange({ lineBreak: '\n' }).replace('SE*3*0001', 'SE*5*0001');
    const report = validateBuffer(ed(bad), { content: false });
    expect(report.valid).toBe(false);
    expect(report.errors.map((e) => ({ code: e.code, segmentIndex: e.segmentIndex, segmentId: e.segmentId, element: e.element, component: e.component, x12: e.ack.x12, edifact: e.ack.edifact }))).toEqual([
      { code: 'transaction.count_mismatch', segmentIndex: 3, segmentId: 'SE', element: 1, component: undefined, x12: '4', edifact: '29' },
    ]);
    expect(report.interchanges[0].groups[0]).toMatchObject({ controlNumber: '1', transactionCount: 1, acceptedCount: 0, trailerFound: true });
  });

  it('an EDIFACT charset error carries element and component', () => {
    const report = validateBuffer(ed(unb('UNOA:3') + "NAD+BY+ABC:def'" + unz(3)), { content: false });
    expect(report.errors.map((e) => [e.code, e.segmentIndex, e.segmentId, e.element, e.component, e.ack.edifact])).toEqual([['element.charset_invalid', 2, 'NAD', 2, 2, '21']]);
  });
});
