/** X12 envelope rules: one finding per test, with its exact code, position and 997/TA1 code. */
import { collect, codes, x12Interchange, bytes, type Collected } from './helpers';

const base = x12Interchange({ lineBreak: '\n' });
// ISA~ GS~ ST~ BEG~ SE~ GE~ IEA~ (file segments 1..7)
const read = (s: string): Collected => collect(bytes(s));
const brief = (r: Collected) =>
  r.issues.filter((i) => i.severity === 'error').map((i) => ({ code: i.code, x12: i.ack.x12, segmentId: i.segmentId, segmentIndex: i.segmentIndex, element: i.element, interchange: i.interchange, group: i.group, transaction: i.transaction }));

describe('X12 envelope', () => {
  it('the base fixture is clean', () => {
    const r = read(base);
    expect(codes(r)).toEqual([]);
    expect(r.events).toEqual(['ic+000000001', 'g+1', 't+0001', 't-0001:true', 'g-1:true', 'ic-000000001:true']);
    expect(r.segments.map((s) => [s.tag, s.level, s.position])).toEqual([
      ['ISA', 'interchange', 0], ['GS', 'group', 0], ['ST', 'transaction', 1], ['BEG', 'transaction', 2], ['SE', 'transaction', 3], ['GE', 'group', 0], ['IEA', 'interchange', 0],
    ]);
  });

  it('SE01 count wrong: transaction.count_mismatch, AK502 4, SE at position 3 element 1', () => {
    expect(brief(read(base.replace('SE*3*0001', 'SE*4*0001')))).toEqual([
      { code: 'transaction.count_mismatch', x12: '4', segmentId: 'SE', segmentIndex: 3, element: 1, interchange: '000000001', group: '1', transaction: '0001' },
    ]);
  });

  it('SE01 not numeric: transaction.count_mismatch', () => {
    expect(codes(read(base.replace('SE*3*0001', 'SE*X*0001')))).toEqual(['transaction.count_mismatch']);
  });

  it('ST02 != SE02: transaction.control_number_mismatch, AK502 3, element 2', () => {
    expect(brief(read(base.replace('SE*3*0001', 'SE*3*0002')))).toEqual([
      { code: 'transaction.control_number_mismatch', x12: '3', segmentId: 'SE', segmentIndex: 3, element: 2, interchange: '000000001', group: '1', transaction: '0001' },
    ]);
  });

  it('GE01 wrong: group.count_mismatch, AK905 5, GE = file segment 6', () => {
    expect(brief(read(base.replace('GE*1*1', 'GE*2*1')))).toEqual([
      { code: 'group.count_mismatch', x12: '5', segmentId: 'GE', segmentIndex: 6, element: 1, interchange: '000000001', group: '1', transaction: undefined },
    ]);
  });

  it('GE02 != GS06: group.control_number_mismatch, AK905 4', () => {
    expect(brief(read(base.replace('GE*1*1', 'GE*1*7')))).toEqual([
      { code: 'group.control_number_mismatch', x12: '4', segmentId: 'GE', segmentIndex: 6, element: 2, interchange: '000000001', group: '1', transaction: undefined },
    ]);
  });

  it('IEA01 wrong: interchange.count_mismatch, TA1 021', () => {
    expect(brief(read(base.replace('IEA*1*', 'IEA*3*')))).toEqual([
      { code: 'interchange.count_mismatch', x12: '021', segmentId: 'IEA', segmentIndex: 7, element: 1, interchange: '000000001', group: undefined, transaction: undefined },
    ]);
  });

  it('IEA02 != ISA13: interchange.control_number_mismatch, TA1 001', () => {
    expect(brief(read(base.replace('IEA*1*000000001', 'IEA*1*000000009')))).toEqual([
      { code: 'interchange.control_number_mismatch', x12: '001', segmentId: 'IEA', segmentIndex: 7, element: 2, interchange: '000000001', group: undefined, transaction: undefined },
    ]);
  });

  it('missing SE: transaction.trailer_missing (AK502 2) when GE arrives', () => {
    const r = read(base.replace('SE*3*0001~\n', ''));
    expect(r.issues.map((i) => [i.code, i.ack.x12, i.segmentId, i.segmentIndex, i.transaction])).toEqual([['transaction.trailer_missing', '2', 'GE', 3, '0001']]);
    expect(r.events).toContain('t-0001:false');
  });

  it('missing GE: group.trailer_missing (AK905 3) when IEA arrives', () => {
    const r = read(base.replace('GE*1*1~\n', ''));
    expect(r.issues.map((i) => [i.code, i.ack.x12, i.segmentId, i.group])).toEqual([['group.trailer_missing', '3', 'IEA', '1']]);
    expect(r.events).toContain('g-1:false');
  });

  it('missing IEA: interchange.trailer_missing (TA1 023) at the end of input', () => {
    const r = read(base.replace('IEA*1*000000001~\n', ''));
    expect(r.issues.map((i) => [i.code, i.ack.x12, i.interchange])).toEqual([['interchange.trailer_missing', '023', '000000001']]);
    expect(r.events[r.events.length - 1]).toBe('ic-000000001:false');
  });

  it('missing SE, GE and IEA: all three trailers reported, innermost first', () => {
    const r = read(base.replace(/SE\*.*$/s, ''));
    expect(r.issues.map((i) => [i.code, i.ack.x12])).toEqual([['transaction.trailer_missing', '2'], ['group.trailer_missing', '3'], ['interchange.trailer_missing', '023']]);
  });

  it('duplicate ST02 in a group: transaction.control_number_duplicate, AK502 23, on the second ST', () => {
    const two = x12Interchange({ lineBreak: '\n', groups: [[['BEG*00*SA*A'], ['BEG*00*SA*B']]] }).replace('ST*850*0002', 'ST*850*0001').replace('SE*3*0002', 'SE*3*0001');
    expect(brief(read(two))).toEqual([
      { code: 'transaction.control_number_duplicate', x12: '23', segmentId: 'ST', segmentIndex: 1, element: 2, interchange: '000000001', group: '1', transaction: '0001' },
    ]);
  });

  it('duplicate GS06 in an interchange: group.control_number_duplicate, AK905 19', () => {
    const two = x12Interchange({ lineBreak: '\n', groups: [[['BEG*00*SA*A']], [['BEG*00*SA*B']]], groupControls: ['5', '5'] });
    expect(brief(read(two))).toEqual([
      { code: 'group.control_number_duplicate', x12: '19', segmentId: 'GS', segmentIndex: 7, element: 6, interchange: '000000001', group: '5', transaction: undefined },
    ]);
  });

  it('ST outside a functional group: transaction.not_in_group, AK502 18', () => {
    const input = base.replace(/GS\*[^~]*~\n/, '').replace('GE*1*1~\n', '').replace('IEA*1*', 'IEA*0*');
    const r = read(input);
    expect(r.issues.filter((i) => i.severity === 'error').map((i) => [i.code, i.ack.x12, i.segmentId, i.segmentIndex, i.transaction])).toEqual([['transaction.not_in_group', '18', 'ST', 1, '0001']]);
  });

  it('TA1 directly inside an interchange is fine', () => {
    const input = base.replace(/GS\*.*(?=IEA)/s, 'TA1*000000005*240101*1200*A*000~\n').replace('IEA*1*', 'IEA*0*');
    const r = read(input);
    expect(codes(r)).toEqual([]);
    expect(r.segments.map((s) => [s.tag, s.level])).toEqual([['ISA', 'interchange'], ['TA1', 'interchange'], ['IEA', 'interchange']]);
  });

  it('TA1 inside a functional group: interchange.invalid_structure (TA1 022)', () => {
    const input = base.replace('ST*850', 'TA1*000000005*240101*1200*A*000~\nST*850');
    const r = read(input);
    expect(r.issues.map((i) => [i.code, i.ack.x12, i.segmentId, i.segmentIndex])).toEqual([['interchange.invalid_structure', '022', 'TA1', 3]]);
    expect(r.segments[2]).toMatchObject({ tag: 'TA1', level: 'group', position: 0 });
  });

  it('several interchanges and groups per file, each with its own delimiters', () => {
    const a = x12Interchange({ lineBreak: '\n', control: '000000011', groups: [[['BEG*00*SA*A']], [['BEG*00*SA*B']]] });
    const b = x12Interchange({ lineBreak: '\r\n', control: '000000012', element: '|', component: ':', repetition: '!', terminator: '\u2026', groups: [[['N1|ST|X!Y:Z']]] });
    const c = x12Interchange({ control: '000000013', element: '~', terminator: '*', groups: [[['BEG~00~SA~C']]] });
    const r = read(a + b + c);
    expect(codes(r)).toEqual([]);
    expect(r.events.filter((e) => e.startsWith('ic') || e.startsWith('g'))).toEqual([
      'ic+000000011', 'g+1', 'g-1:true', 'g+2', 'g-2:true', 'ic-000000011:true',
      'ic+000000012', 'g+1', 'g-1:true', 'ic-000000012:true',
      'ic+000000013', 'g+1', 'g-1:true', 'ic-000000013:true',
    ]);
    expect(r.delimiters.map((d) => String.fromCharCode(d.element))).toEqual(['*', '|', '~']);
    const n1 = r.segments.find((s) => s.tag === 'N1');
    expect(n1?.elements).toEqual([[['ST']], [['X'], ['Y', 'Z']]]);
    expect(r.segments.filter((s) => s.tag === 'BEG').map((s) => s.elements[2][0][0])).toEqual(['A', 'B', 'C']);
  });

  it('garbage after IEA: file.data_after_trailer at its offset', () => {
    const r = read(base + 'this is not EDI\n');
    expect(r.issues.map((i) => [i.code, i.ack.x12, i.offset])).toEqual([['file.data_after_trailer', '022', base.length]]);
  });

  it('a new ISA without the previous IEA: interchange.trailer_missing at that ISA, then the second interchange is read', () => {
    const first = base.replace('IEA*1*000000001~\n', '');
    const second = x12Interchange({ lineBreak: '\n', control: '000000002', element: '|', component: ':' });
    const r = read(first + second);
    expect(r.issues.map((i) => [i.code, i.segmentId, i.fileSegmentIndex, i.interchange])).toEqual([['interchange.trailer_missing', 'ISA', 7, '000000001']]);
    expect(r.events).toEqual([
      'ic+000000001', 'g+1', 't+0001', 't-0001:true', 'g-1:true', 'ic-000000001:false',
      'ic+000000002', 'g+1', 't+0001', 't-0001:true', 'g-1:true', 'ic-000000002:true',
    ]);
    expect(r.delimiters.map((d) => String.fromCharCode(d.element))).toEqual(['*', '|']);
  });

  it('a new ISA with other delimiters while a transaction is open: SE, GE and IEA reported missing', () => {
    const first = base.replace(/SE\*.*$/s, '');
    const second = x12Interchange({ lineBreak: '\n', control: '000000002', element: '|', component: ':' });
    const r = read(first + second);
    expect(codes(r)).toEqual(['transaction.trailer_missing', 'group.trailer_missing', 'interchange.trailer_missing']);
    expect(r.segments.filter((s) => s.tag === 'IEA')).toHaveLength(1);
  });
});
