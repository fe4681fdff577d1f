/** X12 delimiter detection from the ISA, layout after terminators, BOM / white space, ISA width errors. */
import { collect, codes, isa, x12Interchange, bytes } from './helpers';

const text = (d: { element: number; component: number; repetition: number; terminator: Uint8Array }) => ({
  element: String.fromCharCode(d.element),
  component: d.component >= 0 ? String.fromCharCode(d.component) : '',
  repetition: d.repetition >= 0 ? String.fromCharCode(d.repetition) : '',
  terminator: Buffer.from(d.terminator).toString('utf8'),
});

describe('X12 delimiter detection', () => {
  const cases: { name: string; element: string; component: string; repetition: string; terminator: string }[] = [
    { name: 'defaults * > ^ ~', element: '*', component: '>', repetition: '^', terminator: '~' },
    { name: 'pipe element separator', element: '|', component: ':', repetition: '^', terminator: '~' },
    { name: '~ as element separator with * terminator', element: '~', component: '>', repetition: '^', terminator: '*' },
    { name: '> as repetition separator', element: '*', component: ':', repetition: '>', terminator: '~' },
    { name: '! as repetition separator', element: '*', component: '>', repetition: '!', terminator: '~' },
    { name: 'U+2026 multi-byte terminator', element: '*', component: ':', repetition: '^', terminator: '\u2026' },
  ];
  it.each(cases)('$name', ({ element, component, repetition, terminator }) => {
    const body = ['PO1', '1', '10', 'EA', `A${component}B${repetition}C${component}D`].join(element);
    const input = bytes(x12Interchange({ element, component, repetition, terminator, groups: [[[body]]] }));
    const r = collect(input);
    expect(codes(r)).toEqual([]);
    expect(r.delimiters).toHaveLength(1);
    expect(text(r.delimiters[0])).toEqual({ element, component, repetition, terminator });
    expect(r.segments.map((s) => s.tag)).toEqual(['ISA', 'GS', 'ST', 'PO1', 'SE', 'GE', 'IEA']);
    const po1 = r.segments[3];
    expect(po1.elements).toEqual([[['1']], [['10']], [['EA']], [['A', 'B'], ['C', 'D']]]);
    expect(po1.level).toBe('transaction');
    expect(po1.position).toBe(2);
  });

  it('ISA11 "U" (version 00401) means no repetition separator', () => {
    const r = collect(bytes(x12Interchange({ repetition: 'U', version: '00401', groups: [[['REF*ZZ*A^B']]] })));
    expect(r.delimiters[0].repetition).toBe(-1);
    expect(r.segments[3].elements).toEqual([[['ZZ']], [['A^B']]]);
  });

  it.each([
    ['LF', '\n'],
    ['CR', '\r'],
    ['CRLF', '\r\n'],
  ])('%s after each terminator is layout, not data', (_name, lb) => {
    const plain = collect(bytes(x12Interchange()));
    const r = collect(bytes(x12Interchange({ lineBreak: lb })));
    expect(codes(r)).toEqual([]);
    expect(r.segments.map((s) => [s.tag, s.elements])).toEqual(plain.segments.map((s) => [s.tag, s.elements]));
  });

  it('LF as the segment terminator with CRLF layout: CR is not part of the last element', () => {
    const input = bytes(x12Interchange({ terminator: '\n' }).replace(/\n/g, '\r\n'));
    const r = collect(input);
    expect(codes(r)).toEqual([]);
    expect(r.segments.map((s) => s.tag)).toEqual(['ISA', 'GS', 'ST', 'BEG', 'SE', 'GE', 'IEA']);
    expect(r.segments[6].elements).toEqual([[['1']], [['000000001']]]);
  });

  it('a BOM is skipped and reported as the warning file.bom at offset 0', () => {
    const r = collect(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(x12Interchange())]));
    expect(r.issues.map((i) => [i.code, i.severity, i.offset])).toEqual([['file.bom', 'warning', 0]]);
    expect(r.segments[0].tag).toBe('ISA');
    expect(r.segments[0].offset).toBe(3);
  });

  it('leading white space is skipped and reported as the warning file.leading_whitespace', () => {
    const r = collect(bytes('\r\n  \t' + x12Interchange()));
    expect(r.issues.map((i) => [i.code, i.severity, i.offset])).toEqual([['file.leading_whitespace', 'warning', 0]]);
    expect(r.segments[0].offset).toBe(5);
    expect(r.segments.map((s) => s.tag)).toEqual(['ISA', 'GS', 'ST', 'BEG', 'SE', 'GE', 'IEA']);
  });

  it('BOM then white space: both warnings, in order', () => {
    const r = collect(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('\n' + x12Interchange())]));
    expect(r.issues.map((i) => [i.code, i.offset])).toEqual([['file.bom', 0], ['file.leading_whitespace', 3]]);
  });

  it('ISA06 one character short: delimiters still detected, TA1 code 006 on element 6', () => {
    const input = bytes(x12Interchange({ senderId: 'SENDER', element: '|' }).replace('SENDER         |', 'SENDER        |'));
    const r = collect(input);
    expect(r.delimiters[0].element).toBe('|'.charCodeAt(0));
    expect(r.segments.map((s) => s.tag)).toEqual(['ISA', 'GS', 'ST', 'BEG', 'SE', 'GE', 'IEA']);
    const bad = r.issues.filter((i) => i.code === 'interchange.header_element_invalid');
    expect(bad.map((i) => [i.element, i.elementRef, i.ack.x12, i.segmentId, i.fileSegmentIndex])).toEqual([[6, 'ISA06', '006', 'ISA', 1]]);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => i.code)).toEqual(['interchange.header_element_invalid']);
  });

  it('ISA13 with 8 digits: reported with TA1 code 018 on element 13', () => {
    const input = bytes(x12Interchange({ control: '00000001' }).replace('IEA*1*00000001', 'IEA*1*00000001'));
    const r = collect(input);
    const bad = r.issues.filter((i) => i.code === 'interchange.header_element_invalid');
    expect(bad.length).toBeGreaterThanOrEqual(1);
    for (const i of bad) expect([i.element, i.ack.x12]).toEqual([13, '018']);
    expect(r.segments.map((s) => s.tag)).toEqual(['ISA', 'GS', 'ST', 'BEG', 'SE', 'GE', 'IEA']);
  });

  it('no ISA: file.not_edi at offset 0 and no segments', () => {
    const r = collect(bytes('HELLO*WORLD~\nGS*PO~'));
    expect(r.issues.map((i) => [i.code, i.offset, i.ack.x12])).toEqual([['file.not_edi', 0, '022']]);
    expect(r.segments).toEqual([]);
  });

  it('"IS" followed by a non-ISA tag is not EDI', () => {
    expect(codes(collect(bytes('ISB*00*X~')))).toEqual(['file.not_edi']);
  });

  it('empty input and white-space-only input: file.empty', () => {
    expect(codes(collect(Buffer.alloc(0)))).toEqual(['file.empty']);
    expect(codes(collect([]))).toEqual(['file.empty']);
    expect(codes(collect(bytes(' \r\n')))).toEqual(['file.empty']);
  });

  it('the ISA alone is exactly 106 characters in the fixture', () => {
    expect(isa()).toHaveLength(106);
  });
});
