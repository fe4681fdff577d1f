/** Property tests: generated interchanges survive parse + serialize byte for byte; writer checks. */
import fc from 'fast-check';
import { EdiWriteError, type TextDelimiters } from '../../../src/edi/common/encode';
import type { ParsedSegment } from '../../../src/edi/common/segment';
import { EdifactInterchangeWriter } from '../../../src/edi/edifact/writer';
import { roundTrip } from '../../../src/edi/roundtrip';
import { validateBuffer } from '../../../src/edi/validate';
import { X12InterchangeWriter } from '../../../src/edi/x12/writer';
import { collect, splitAtPoints } from './helpers';

const NOW = new Date('2024-03-05T10:20:00Z');
const ENVELOPE_TAGS = new Set(['ISA', 'GS', 'ST', 'SE', 'GE', 'IEA', 'UNB', 'UNG', 'UNH', 'UNT', 'UNE', 'UNZ']);

/** Body segments as read back (envelope segments left out). */
function bodyOf(buf: Buffer): ParsedSegment[] {
  return collect(buf).segments.filter((s) => !ENVELOPE_TAGS.has(s.tag)).map((s) => ({ tag: s.tag, elements: s.elements }));
}

/** Structure: transactions -> body segments -> elements -> repetitions -> components. */
function bodyArb(alphabet: string[], tags: string[], maxReps: number): fc.Arbitrary<ParsedSegment[]> {
  const value = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 8 }).map((cs) => cs.join(''));
  const rep = fc.array(value, { minLength: 1, maxLength: 3 });
  const element = fc.array(rep, { minLength: 1, maxLength: maxReps });
  const seg = fc.record({ tag: fc.constantFrom(...tags), elements: fc.array(element, { minLength: 1, maxLength: 4 }) });
  return fc.array(seg, { minLength: 0, maxLength: 4 });
}

// ---------------------------------------------------------------- X12
const X12_SAFE = ['*', '|', '~', '^', '>', '!', ':', '`', '{', '}', '\\', '@', '#', '$', '%', '&'];
const BASE_ALPHABET = [...'ABCXYZabz0129 .,-/()?\'+=_"', '\u00e9', '\u20ac'];

const x12Delims: fc.Arbitrary<TextDelimiters> = fc
  .tuple(fc.shuffledSubarray(X12_SAFE, { minLength: 4, maxLength: 4 }), fc.boolean())
  .map(([[element, component, repetition, terminator], ellipsis]) => ({ element, component, repetition, release: '', terminator: ellipsis ? '\u2026' : terminator }));

const x12Case = x12Delims.chain((d) => {
  const alphabet = BASE_ALPHABET.filter((c) => ![d.element, d.component, d.repetition, d.terminator].includes(c));
  const tx = bodyArb(alphabet, ['BEG', 'PO1', 'REF', 'N1', 'MSG'], 2);
  return fc.record({
    d: fc.constant(d),
    groups: fc.array(fc.array(tx, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    lineBreak: fc.constantFrom('', '\n', '\r\n'),
    control: fc.integer({ min: 1, max: 999999999 }),
  });
});

function writeX12(c: { d: TextDelimiters; groups: ParsedSegment[][][]; lineBreak: string; control: number }): Buffer {
  const w = new X12InterchangeWriter({ senderQualifier: 'ZZ', senderId: 'SENDER', receiverQualifier: 'ZZ', receiverId: 'RECEIVER', version: '00501', controlNumber: c.control }, { delimiters: c.d, lineBreak: c.lineBreak, now: NOW });
  let st = 1;
  c.groups.forEach((txs, gi) => {
    w.beginGroup({ functionalId: 'PO', applicationSender: 'SENDER', applicationReceiver: 'RECEIVER', controlNumber: gi + 1, version: '005010' });
    for (const body of txs) {
      w.beginTransaction('850', st++);
      for (const s of body) w.segment(s);
      w.endTransaction();
    }
    w.endGroup();
  });
  return Buffer.from(w.end(), 'utf8');
}

describe('X12 properties', () => {
  it('roundTrip(bytes) equals bytes, values read back equal the generated ones, the envelope validates', () => {
    fc.assert(
      fc.property(x12Case, (c) => {
        const buf = writeX12(c);
        expect(roundTrip(buf).equals(buf)).toBe(true);
        expect(bodyOf(buf)).toEqual(c.groups.flat(2));
        const report = validateBuffer(buf, { content: false });
        expect(report.errors).toEqual([]);
        expect(report.interchanges).toHaveLength(1);
        expect(report.interchanges[0].groups.map((g) => g.transactionCount)).toEqual(c.groups.map((g) => g.length));
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------- EDIFACT
const EDIFACT_SAFE = [':', '+', '?', '*', "'", '|', '=', '~', '!', '^', '#', '@', '&'];
const edifactDelims: fc.Arbitrary<TextDelimiters> = fc
  .shuffledSubarray(EDIFACT_SAFE, { minLength: 5, maxLength: 5 })
  .map(([component, element, release, repetition, terminator]) => ({ component, element, release, repetition, terminator }));

const edifactCase = fc
  .record({ d: fc.oneof(fc.constant({ component: ':', element: '+', release: '?', repetition: '*', terminator: "'" }), edifactDelims), charset: fc.constantFrom('UNOC', 'UNOY'), decimal: fc.constantFrom('.', ',') })
  .chain(({ d, charset, decimal }) => {
    const specials = [d.component, d.element, d.release, d.repetition, d.terminator];
    const extra = charset === 'UNOY' ? ['\u00e4', '\u20ac', '\u65e5'] : ['\u00e4', '\u00df'];
    const alphabet = [...'ABCXYZabz0129 .,-/()', ...specials, ...specials, ...extra];
    const msg = bodyArb(alphabet, ['FTX', 'NAD', 'RFF', 'QTY'], 2);
    return fc.record({
      d: fc.constant(d),
      charset: fc.constant(charset),
      decimal: fc.constant(decimal),
      grouped: fc.boolean(),
      messages: fc.array(fc.array(msg, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
      lineBreak: fc.constantFrom('', '\n', '\r\n'),
    });
  });

function writeEdifact(c: { d: TextDelimiters; charset: string; decimal: string; grouped: boolean; messages: ParsedSegment[][][]; lineBreak: string }): Buffer {
  const w = new EdifactInterchangeWriter({ syntaxId: c.charset, syntaxVersion: 4, senderId: 'SENDER', receiverId: 'RECEIVER', controlNumber: 'IC1' }, { delimiters: c.d, decimalMark: c.decimal, lineBreak: c.lineBreak, now: NOW });
  let ref = 1;
  c.messages.forEach((msgs, gi) => {
    if (c.grouped) w.beginGroup({ messageGroupId: 'ORDERS', senderId: 'SENDER', receiverId: 'RECEIVER', controlNumber: `G${gi + 1}`, version: 'D', release: '96A' });
    for (const body of msgs) {
      w.beginMessage(ref++, 'ORDERS', 'D', '96A');
      for (const s of body) w.segment(s);
      w.endMessage();
    }
    if (c.grouped) w.endGroup();
  });
  return Buffer.from(w.end(), c.charset === 'UNOY' ? 'utf8' : 'latin1');
}

describe('EDIFACT properties', () => {
  it('roundTrip(bytes) equals bytes, escaped values read back unescaped, the envelope validates', () => {
    fc.assert(
      fc.property(edifactCase, (c) => {
        const buf = writeEdifact(c);
        expect(roundTrip(buf).equals(buf)).toBe(true);
        expect(bodyOf(buf)).toEqual(c.messages.flat(2));
        const report = validateBuffer(buf, { content: false });
        expect(report.errors).toEqual([]);
        const ic = report.interchanges[0];
        expect(ic.transactionCount).toBe(c.messages.flat().length);
        expect(ic.groups).toHaveLength(c.grouped ? c.messages.length : 0);
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------- generated inputs, split anywhere
const snapshot = (chunks: Buffer[]) => {
  const r = collect(chunks);
  return { segments: r.segments, issues: r.issues.map((i) => [i.code, i.segmentIndex, i.offset]), events: r.events };
};
const splitArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
function splitAt(buf: Buffer, fractions: number[]): Buffer[] {
  return splitAtPoints(buf, fractions.map((f) => Math.floor(f * buf.length)));
}

describe('generated interchanges fed in random chunks', () => {
  it('X12: same segments, places and issues as the whole buffer', () => {
    fc.assert(
      fc.property(x12Case, splitArb, (c, f) => {
        const buf = writeX12(c);
        expect(snapshot(splitAt(buf, f))).toEqual(snapshot([buf]));
      }),
      { numRuns: 100 },
    );
  });

  it('EDIFACT: same segments, places and issues as the whole buffer', () => {
    fc.assert(
      fc.property(edifactCase, splitArb, (c, f) => {
        const buf = writeEdifact(c);
        expect(snapshot(splitAt(buf, f))).toEqual(snapshot([buf]));
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------- writers
describe('writers', () => {
  const isaValues = { senderQualifier: 'ZZ', senderId: 'S', receiverQualifier: 'ZZ', receiverId: 'R', version: '00501', controlNumber: 7 };

  it('X12: a value holding a delimiter is refused with EdiWriteError (segment and element named)', () => {
    for (const bad of ['A*B', 'A>B', 'A^B', 'A~B']) {
      const w = new X12InterchangeWriter(isaValues, { now: NOW });
      w.beginGroup({ functionalId: 'PO', applicationSender: 'SS', applicationReceiver: 'RR', controlNumber: 1, version: '005010' }).beginTransaction('850', 1);
      let err: unknown;
      try {
        w.segment({ tag: 'REF', elements: [[['ZZ']], [[bad]]] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(EdiWriteError);
      expect((err as EdiWriteError).segmentId).toBe('REF');
      expect((err as EdiWriteError).element).toBe(2);
    }
  });

  it('X12: the multi-byte terminator inside a value is refused too', () => {
    const w = new X12InterchangeWriter(isaValues, { delimiters: { element: '*', component: ':', repetition: '^', release: '', terminator: '\u2026' }, now: NOW });
    w.beginGroup({ functionalId: 'PO', applicationSender: 'SS', applicationReceiver: 'RR', controlNumber: 1, version: '005010' }).beginTransaction('850', 1);
    expect(() => w.segment({ tag: 'MSG', elements: [[['wait\u2026']]] })).toThrow(EdiWriteError);
  });

  it('X12: ISA is padded to 106 characters with the chosen delimiters', () => {
    for (const d of [undefined, { element: '|', component: ':', repetition: '!', release: '', terminator: '\n' }]) {
      const text = new X12InterchangeWriter(isaValues, { delimiters: d, lineBreak: '', now: NOW }).end();
      const t = d?.terminator ?? '~';
      const isa = text.slice(0, text.indexOf(t) + 1);
      expect(isa).toHaveLength(106);
      expect(isa.slice(0, 4)).toBe(`ISA${d?.element ?? '*'}`);
      expect(isa[104]).toBe(d?.component ?? '>');
      expect(isa.split(d?.element ?? '*')[6]).toBe('S'.padEnd(15, ' '));
      expect(isa.split(d?.element ?? '*')[13]).toBe('000000007');
    }
  });

  it('X12: an ISA value longer than its width is refused', () => {
    expect(() => new X12InterchangeWriter({ ...isaValues, senderId: 'X'.repeat(16) })).toThrow(EdiWriteError);
  });

  it('EDIFACT: delimiters and the release character inside values are escaped', () => {
    const text = new EdifactInterchangeWriter({ syntaxId: 'UNOC', syntaxVersion: 4, senderId: 'S', receiverId: 'R', controlNumber: 1 }, { lineBreak: '', now: NOW })
      .beginMessage(1, 'ORDERS', 'D', '96A')
      .segment({ tag: 'FTX', elements: [[['AAI']], [['']], [['']], [["a'b+c:d?e*f", 'g']]] })
      .end();
    expect(text).toContain("FTX+AAI+++a?'b?+c?:d??e?*f:g'");
  });

  it('EDIFACT: UNA is written only when the delimiters or the decimal mark differ from the defaults', () => {
    const unb = { syntaxId: 'UNOC', syntaxVersion: 4 as const, senderId: 'S', receiverId: 'R', controlNumber: 1 };
    expect(new EdifactInterchangeWriter(unb, { now: NOW }).end().startsWith('UNB+UNOC:4+S+R+20240305:1020+1')).toBe(true);
    expect(new EdifactInterchangeWriter(unb, { now: NOW, delimiters: { component: ':', element: '|', release: '?', repetition: '*', terminator: "'" }, lineBreak: '' }).end().startsWith("UNA:|.?*'UNB|")).toBe(true);
    expect(new EdifactInterchangeWriter(unb, { now: NOW, decimalMark: ',', lineBreak: '' }).end().startsWith("UNA:+,?*'UNB+")).toBe(true);
    expect(new EdifactInterchangeWriter(unb, { now: NOW, una: true, lineBreak: '' }).end().startsWith("UNA:+.?*'UNB+")).toBe(true);
    expect(new EdifactInterchangeWriter({ ...unb, syntaxVersion: 3 }, { now: NOW, una: true, lineBreak: '' }).end().startsWith("UNA:+.? 'UNB+UNOC:3")).toBe(true);
  });

  it('EDIFACT: UNT counts UNH..UNT, UNE counts messages, UNZ counts groups or messages', () => {
    const unb = { syntaxId: 'UNOC', syntaxVersion: 3 as const, senderId: 'S', receiverId: 'R', controlNumber: 'X1' };
    const direct = new EdifactInterchangeWriter(unb, { now: NOW, lineBreak: '' }).beginMessage(1, 'ORDERS', 'D', '96A').segment({ tag: 'BGM', elements: [[['220']]] }).endMessage().beginMessage(2, 'ORDERS', 'D', '96A').end();
    expect(direct).toContain("UNT+3+1'");
    expect(direct).toContain("UNT+2+2'");
    expect(direct.endsWith("UNZ+2+X1'")).toBe(true);
    const grouped = new EdifactInterchangeWriter(unb, { now: NOW, lineBreak: '' })
      .beginGroup({ messageGroupId: 'ORDERS', senderId: 'S', receiverId: 'R', controlNumber: 'G', version: 'D', release: '96A' })
      .beginMessage(1, 'ORDERS', 'D', '96A').endMessage().beginMessage(2, 'ORDERS', 'D', '96A').endGroup().end();
    expect(grouped).toContain("UNE+2+G'");
    expect(grouped.endsWith("UNZ+1+X1'")).toBe(true);
  });
});
