/** EDIFACT: UNA, syntax-level defaults, release character, character sets, UNT/UNE/UNZ rules. */
import type { EdiHandler } from '../../../src/edi/common/events';
import { EdifactReader } from '../../../src/edi/edifact/reader';
import { collect, codes, type Collected } from './helpers';

interface Opts {
  una?: string;
  syntax?: string;
  body?: string[];
  e?: string;
  c?: string;
  t?: string;
  ref?: string;
}

/** UNB ... UNZ with one message; `body` segments are written as given (delimiters already in them). */
function edi(o: Opts = {}): string {
  const e = o.e ?? '+';
  const c = o.c ?? ':';
  const t = o.t ?? "'";
  const ref = o.ref ?? 'REF1';
  const body = o.body ?? [`BGM${e}220${e}PO1`];
  return (
    (o.una ?? '') +
    `UNB${e}${o.syntax ?? `UNOC${c}3`}${e}SENDER${e}RECEIVER${e}240101${c}1200${e}${ref}${t}` +
    `UNH${e}1${e}ORDERS${c}D${c}96A${c}UN${t}` +
    body.map((b) => b + t).join('') +
    `UNT${e}${body.length + 2}${e}1${t}UNZ${e}1${e}${ref}${t}`
  );
}
const read = (s: string | Buffer): Collected => collect(typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
const seg = (r: Collected, tag: string) => r.segments.find((s) => s.tag === tag);

describe('EDIFACT UNA and defaults', () => {
  it('UNA=*.? ~ : component "=", element "*", terminator "~"', () => {
    const r = read(edi({ una: 'UNA=*.? ~', e: '*', c: '=', t: '~', body: ['NAD*BY*123=9*A?*B?=C?~D??E'] }));
    expect(codes(r)).toEqual([]);
    const d = r.delimiters[0];
    expect([d.component, d.element, d.release, d.repetition, Buffer.from(d.terminator).toString()]).toEqual([0x3d, 0x2a, 0x3f, -1, '~']);
    expect(seg(r, 'NAD')?.elements).toEqual([[['BY']], [['123', '9']], [['A*B=C~D?E']]]);
  });

  it('UNA:|.? \' : element separator "|"', () => {
    const r = read(edi({ una: "UNA:|.? '", e: '|', body: ['NAD|BY|123:9|A?|B'] }));
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'NAD')?.elements).toEqual([[['BY']], [['123', '9']], [['A|B']]]);
  });

  it('UNA with "," decimal mark: reader exposes it, service string advice kept for round trips', () => {
    let advice: string | undefined;
    const handler: EdiHandler = { interchangeStart: (h) => (advice = h.serviceStringAdvice) };
    const reader = new EdifactReader(handler);
    reader.write(Buffer.from(edi({ una: "UNA:+,? '", body: ['QTY+21:12,5'] }), 'latin1'));
    expect(reader.decimal).toBe(',');
    reader.end();
    expect(advice).toBe("UNA:+,? '");
  });

  it('UNA with a repetition separator', () => {
    const r = read(edi({ una: "UNA:+.?*'", syntax: 'UNOC:4', body: ['RFF+ON:1*VN:2'] }));
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'RFF')?.elements).toEqual([[['ON', '1'], ['VN', '2']]]);
  });

  it('no UNA, syntax 3: default :+.? \' and no repetition separator ("*" is data)', () => {
    const r = read(edi({ syntax: 'UNOC:3', body: ['FTX+AAI+++A*B'] }));
    expect(codes(r)).toEqual([]);
    expect(r.delimiters[0].repetition).toBe(-1);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([['A*B']]);
  });

  it('no UNA, syntax 4: "*" is the repetition separator', () => {
    const r = read(edi({ syntax: 'UNOC:4', body: ['FTX+AAI+++A*B'] }));
    expect(codes(r)).toEqual([]);
    expect(r.delimiters[0].repetition).toBe(0x2a);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([['A'], ['B']]);
  });
});

describe('EDIFACT release character', () => {
  it("?' ?+ ?: ?? and ?* (syntax 4) are unescaped in every position", () => {
    const r = read(edi({ syntax: 'UNOC:4', body: ["FTX+AAI+++A?'B?+C?:D??E?*F:G?'*H"] }));
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([["A'B+C:D?E*F", "G'"], ['H']]);
  });

  it('an escaped terminator at the very end of a component', () => {
    const r = read(edi({ body: ["FTX+AAI+++ABC?'"] }));
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([["ABC'"]]);
  });

  it('release before an ordinary character: element.release_misuse, CONTRL 22, element and component', () => {
    const r = read(edi({ body: ['BGM+220+PO1', 'FTX+AAI+++OK:A?BC'] }));
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.segmentIndex, i.element, i.component, i.transaction])).toEqual([
      ['element.release_misuse', '22', 'FTX', 3, 4, 2, '1'],
    ]);
  });
});

describe('EDIFACT character sets', () => {
  it('UNOA rejects lowercase: element.charset_invalid, CONTRL 21, element 2 component 2', () => {
    const r = read(edi({ syntax: 'UNOA:3', body: ['BGM+220+PO1', 'NAD+BY+ABC:def'] }));
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.segmentIndex, i.element, i.component])).toEqual([['element.charset_invalid', '21', 'NAD', 3, 2, 2]]);
  });

  it('UNOA: lowercase in the first component reports no component', () => {
    const r = read(edi({ syntax: 'UNOA:3', body: ['FTX+AAI+++x'] }));
    expect(r.issues.map((i) => [i.code, i.segmentIndex, i.element, i.component])).toEqual([['element.charset_invalid', 2, 4, undefined]]);
  });

  it('UNOB allows lowercase', () => {
    expect(codes(read(edi({ syntax: 'UNOB:3', body: ['FTX+AAI+++lower case'] })))).toEqual([]);
  });

  it('UNOC decodes ISO-8859-1 bytes (0xE4 -> ä)', () => {
    const input = Buffer.concat([Buffer.from(edi({ syntax: 'UNOC:3', body: ['FTX+AAI+++M\u00e4rz'] }), 'latin1')]);
    expect(input.includes(0xe4)).toBe(true);
    const r = read(input);
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([['M\u00e4rz']]);
  });

  it('UNOY decodes UTF-8', () => {
    const r = read(Buffer.from(edi({ syntax: 'UNOY:4', body: ['FTX+AAI+++M\u00e4rz \u20ac \u65e5'] }), 'utf8'));
    expect(codes(r)).toEqual([]);
    expect(seg(r, 'FTX')?.elements[3]).toEqual([['M\u00e4rz \u20ac \u65e5']]);
  });

  it('UNOY: invalid UTF-8 is reported as element.charset_invalid on its element', () => {
    const text = edi({ syntax: 'UNOY:4', body: ['BGM+220+PO1', 'FTX+AAI+++AB#C'] });
    const at = Buffer.from(text, 'latin1').indexOf('#');
    const input = Buffer.from(text, 'latin1');
    input[at] = 0xc3; // lead byte followed by "C": not UTF-8
    const r = read(input);
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.segmentIndex, i.element])).toEqual([['element.charset_invalid', '21', 'FTX', 3, 4]]);
  });

  it('unknown syntax identifier: interchange.charset_unsupported, CONTRL 46, UNB element 1 component 1', () => {
    const r = read(edi({ syntax: 'ZZZZ:3' }));
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.element, i.component, i.value])).toEqual([['interchange.charset_unsupported', '46', 'UNB', 1, 1, 'ZZZZ']]);
  });
});

describe('EDIFACT envelope', () => {
  const group = (ref: string, msgs: string[], une?: string) =>
    `UNG+ORDERS+SENDER+RECEIVER+240101:1200+${ref}+UN+D:96A'` + msgs.join('') + (une ?? `UNE+${msgs.length}+${ref}'`);
  const msg = (ref: string, n = 3) => `UNH+${ref}+ORDERS:D:96A:UN'BGM+220+PO${ref}'UNT+${n}+${ref}'`;
  const unb = "UNB+UNOC:3+SENDER+RECEIVER+240101:1200+REF1'";

  it('UNT count wrong: transaction.count_mismatch, CONTRL 29', () => {
    const r = read(unb + msg('1', 4) + "UNZ+1+REF1'");
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.segmentIndex, i.element])).toEqual([['transaction.count_mismatch', '29', 'UNT', 3, 1]]);
  });

  it('UNT reference != UNH reference: transaction.control_number_mismatch, CONTRL 28', () => {
    const r = read(unb + msg('1').replace("UNT+3+1'", "UNT+3+2'") + "UNZ+1+REF1'");
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.element])).toEqual([['transaction.control_number_mismatch', '28', 'UNT', 2]]);
  });

  it('UNE count and reference', () => {
    expect(codes(read(unb + group('G1', [msg('1'), msg('2')]) + "UNZ+1+REF1'"))).toEqual([]);
    const bad = read(unb + group('G1', [msg('1'), msg('2')], "UNE+3+G2'") + "UNZ+1+REF1'");
    expect(bad.issues.map((i) => [i.code, i.ack.edifact, i.segmentId, i.element, i.group])).toEqual([
      ['group.count_mismatch', '29', 'UNE', 1, 'G1'],
      ['group.control_number_mismatch', '28', 'UNE', 2, 'G1'],
    ]);
  });

  it('UNZ counts groups when there are groups', () => {
    expect(codes(read(unb + group('G1', [msg('1')]) + group('G2', [msg('2'), msg('3')]) + "UNZ+2+REF1'"))).toEqual([]);
    const r = read(unb + group('G1', [msg('1')]) + group('G2', [msg('2'), msg('3')]) + "UNZ+3+REF1'");
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.element, i.value])).toEqual([['interchange.count_mismatch', '29', 1, '3']]);
  });

  it('UNZ counts messages when there are no groups', () => {
    expect(codes(read(unb + msg('1') + msg('2') + "UNZ+2+REF1'"))).toEqual([]);
    expect(codes(read(unb + msg('1') + msg('2') + "UNZ+1+REF1'"))).toEqual(['interchange.count_mismatch']);
  });

  it('UNZ reference != UNB reference: interchange.control_number_mismatch, CONTRL 28', () => {
    const r = read(unb + msg('1') + "UNZ+1+REF2'");
    expect(r.issues.map((i) => [i.code, i.ack.edifact, i.element])).toEqual([['interchange.control_number_mismatch', '28', 2]]);
  });

  it('groups and messages mixed: interchange.mixed_groups_and_messages, CONTRL 30', () => {
    const r = read(unb + group('G1', [msg('1')]) + msg('2') + "UNZ+1+REF1'");
    expect(codes(r)).toContain('interchange.mixed_groups_and_messages');
    expect(r.issues.find((i) => i.code === 'interchange.mixed_groups_and_messages')?.ack.edifact).toBe('30');
  });

  it('missing UNT / UNE / UNZ: trailer_missing with CONTRL 13', () => {
    const r = read(unb + "UNG+ORDERS+SENDER+RECEIVER+240101:1200+G1+UN+D:96A'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1'");
    expect(r.issues.map((i) => [i.code, i.ack.edifact])).toEqual([
      ['transaction.trailer_missing', '13'],
      ['group.trailer_missing', '13'],
      ['interchange.trailer_missing', '13'],
    ]);
  });

  it('UNA mid-file after a missing UNZ: trailer_missing, then the next interchange with its own delimiters', () => {
    const first = unb + msg('1');
    const second = "UNA=*.? ~\nUNB*UNOC=3*SENDER*RECEIVER*240101=1200*REF2~UNH*1*ORDERS=D=96A=UN~NAD*BY*A=B~UNT*3*1~UNZ*1*REF2~";
    const r = read(first + '\n' + second);
    expect(r.issues.map((i) => [i.code, i.interchange])).toEqual([['interchange.trailer_missing', 'REF1']]);
    expect(r.events).toEqual(['ic+REF1', 't+1', 't-1:true', 'ic-REF1:false', 'ic+REF2', 't+1', 't-1:true', 'ic-REF2:true']);
    expect(seg(r, 'NAD')?.elements).toEqual([[['BY']], [['A', 'B']]]);
    expect(String.fromCharCode(r.delimiters[1].element)).toBe('*');
  });

  it('two interchanges, the second with UNA, both complete', () => {
    const r = read(edi() + '\n' + edi({ una: "UNA:|.? '", e: '|', ref: 'REF2', body: ['BGM|220|X'] }));
    expect(codes(r)).toEqual([]);
    expect(r.events.filter((e) => e.startsWith('ic'))).toEqual(['ic+REF1', 'ic-REF1:true', 'ic+REF2', 'ic-REF2:true']);
  });
});
