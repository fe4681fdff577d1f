/**
 * One X12 error of each kind, and the exact acknowledgment it gets. The inputs are the fixtures in
 * fixtures/edi/invalid (each derived from the 004010 850 with one defect) and a few made here.
 */
import type { AckFinding } from '../../../src/edi/ack';
import { ack, body, expectValidAcks, fixture, replaceOnce, segments } from './helpers';

const PO = 'x12/004010/850-purchase-order.edi';

/** The complete 997 for the 850 fixture's group with the given body between AK1 and AK9 included. */
function full997(lines: string[]): string {
  const all = [
    'ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *261126*1530*U*00401*000000001*0*P*>',
    'GS*FA*BRIGHTWATERVF*NORTHGATEIND*20261126*1530*1*X*004010',
    'ST*997*0001',
    ...lines,
    `SE*${lines.length + 2}*0001`,
    'GE*1*1',
    'IEA*1*000000001',
  ];
  return all.map((s) => s + '~\n').join('');
}

describe('997 for each kind of X12 error (004010)', () => {
  test('an accepted purchase order: the whole 997, envelope turned around', async () => {
    const r = await ack(fixture(PO));
    expect(r.acks.map((a) => [a.type, a.status])).toEqual([['997', 'accepted']]);
    expect(r.acks[0].text).toBe(full997(['AK1*PO*101', 'AK2*850*0001', 'AK5*A', 'AK9*A*1*1*1']));
    expectValidAcks(r);
  });

  test('bad segment count (SE01): AK5 R 4, no AK3', async () => {
    const r = await ack(fixture('invalid/x12-se01-count-wrong.edi'));
    expect(r.acks[0].text).toBe(full997(['AK1*PO*101', 'AK2*850*0001', 'AK5*R*4', 'AK9*R*1*1*0']));
    expectValidAcks(r);
  });

  test('control number mismatch ST02/SE02: AK5 R 3', async () => {
    const r = await ack(fixture('invalid/x12-st02-se02-mismatch.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK5*R*3', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('control number mismatch GS06/GE02: the group is rejected, AK905 4', async () => {
    const r = await ack(replaceOnce(fixture(PO), 'GE*1*101~', 'GE*1*102~'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK9*R*1*1*0*4']);
    expectValidAcks(r);
  });

  test('group count GE01 wrong: AK9 R with GE01 as included count and AK905 5', async () => {
    const r = await ack(fixture('invalid/x12-ge01-count-wrong.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK9*R*2*1*0*5']);
    expectValidAcks(r);
  });

  test('missing GE: AK9 R 3', async () => {
    const r = await ack(fixture('invalid/x12-missing-ge.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK9*R*1*1*0*3']);
    expectValidAcks(r);
  });

  test('a finding the mapping adds on an element the syntax check rejected already is not said twice; one on another element is', async () => {
    const bad = replaceOnce(fixture(PO), 'PO1*1*120*EA', 'PO1*1*120X*EA');
    const plain = await ack(bad);
    const [ak3] = body(plain.acks[0].text).filter((l) => l.startsWith('AK3'));
    const position = Number(ak3.split('*')[2]);
    const mapped = (element: number): AckFinding => ({ code: 'element.invalid_code', level: 'element', ack: { x12: '7', edifact: '12' }, message: 'not a number', segmentIndex: position, segmentId: 'PO1', element, value: 'x' });
    const r = await ack(bad, { transactionFindings: () => [mapped(2), mapped(4)] });
    expect(body(r.acks[0].text)).toEqual([...body(plain.acks[0].text).filter((l) => !l.startsWith('AK5') && !l.startsWith('AK9')), 'AK4*4**7*x', 'AK5*R*5', 'AK9*R*1*1*0']);
    expect(body(plain.acks[0].text).filter((l) => l.startsWith('AK4'))).toEqual(['AK4*2*330*6*120X']);
    expectValidAcks(r);
  });

  test('missing mandatory segment (BEG): AK3 BEG at 2 code 3', async () => {
    const r = await ack(fixture('invalid/x12-mandatory-beg-missing.edi'));
    expect(r.acks[0].text).toBe(full997(['AK1*PO*101', 'AK2*850*0001', 'AK3*BEG*2**3', 'AK5*R*5', 'AK9*R*1*1*0']));
    expectValidAcks(r);
  });

  test('element too long (BEG03): AK4 position 3, element 324, code 5, copy of the bad data', async () => {
    const r = await ack(fixture('invalid/x12-element-too-long.edi'));
    expect(r.acks[0].text).toBe(full997(['AK1*PO*101', 'AK2*850*0001', 'AK3*BEG*2**8', 'AK4*3*324*5*NG-45871-REPLENISHMENT-Q2', 'AK5*R*5', 'AK9*R*1*1*0']));
    expectValidAcks(r);
  });

  test('element too short (N104) inside the N1 loop: AK303 loop id N1, AK403 4', async () => {
    const r = await ack(fixture('invalid/x12-element-too-short.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*N1*9*N1*8', 'AK4*4*67*4*7', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('invalid code (PID01 Q): AK4 code 7', async () => {
    const r = await ack(fixture('invalid/x12-invalid-code.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*PID*20*PID*8', 'AK4*1*349*7*Q', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('invalid date (BEG05 20240230): AK4 code 8', async () => {
    const r = await ack(fixture('invalid/x12-invalid-date.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*BEG*2**8', 'AK4*5*373*8*20240230', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('invalid time (BSN04 1575, 856 with component separator :): AK4 code 9', async () => {
    const r = await ack(fixture('invalid/x12-invalid-time.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*SH*311', 'AK2*856*0001', 'AK3*BSN*2**8', 'AK4*4*337*9*1575', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('unknown segment (QQX): AK3 code 1', async () => {
    const r = await ack(fixture('invalid/x12-unknown-segment.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*QQX*5**1', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('segment out of sequence (PID after CTT): AK3 code 7 with the loop id', async () => {
    const r = await ack(fixture('invalid/x12-segment-out-of-sequence.edi'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*PID*27*CTT*7', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('non-numeric quantity and too many elements: AK4 codes 6 and 3', async () => {
    const a = await ack(fixture('invalid/x12-non-numeric-quantity.edi'));
    expect(body(a.acks[0].text)).toContain('AK4*2*330*6*2OO');
    const b = await ack(fixture('invalid/x12-too-many-elements.edi'));
    expect(body(b.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*N3*10*N1*8', 'AK4*3**3*USE GATE B', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(a);
    expectValidAcks(b);
  });

  test('a missing mandatory element: AK4 code 1 without a copy of bad data', async () => {
    const r = await ack(replaceOnce(fixture(PO), 'CUR*BY*USD~', 'CUR*BY~'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*CUR*3**8', 'AK4*2*100*1', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('several element errors in one segment: one AK3, one AK4 each, in element order', async () => {
    const r = await ack(replaceOnce(fixture(PO), 'BEG*00*SA*NG-45871**20240312~', 'BEG*00*SA*NG-45871-REPLENISHMENT-Q2**20240230~'));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*BEG*2**8', 'AK4*3*324*5*NG-45871-REPLENISHMENT-Q2', 'AK4*5*373*8*20240230', 'AK5*R*5', 'AK9*R*1*1*0']);
    expectValidAcks(r);
  });

  test('segment errors plus a bad SE count: AK5 R 5 4', async () => {
    const text = replaceOnce(fixture('invalid/x12-invalid-date.edi'), 'SE*28*0001~', 'SE*27*0001~');
    const r = await ack(text);
    expect(segments(r.acks[0].text)).toContain('AK5*R*5*4');
    expectValidAcks(r);
  });

  test('policy accept-with-errors: AK5 E and AK9 E, the set counted as accepted', async () => {
    const r = await ack(fixture('invalid/x12-invalid-code.edi'), { policy: { transactionErrors: 'accept-with-errors' } });
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK3*PID*20*PID*8', 'AK4*1*349*7*Q', 'AK5*E*5', 'AK9*E*1*1*1']);
    expect(r.acks[0].status).toBe('accepted_with_errors');
    expectValidAcks(r);
  });

  test('interchange control number mismatch (IEA02): only a TA1 R 001, no 997', async () => {
    const r = await ack(fixture('invalid/x12-iea02-mismatch.edi'));
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(r.acks[0].text).toBe(
      [
        'ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *261126*1530*U*00401*000000001*0*P*>',
        'TA1*000000101*240312*0915*R*001',
        'IEA*0*000000001',
      ].map((s) => s + '~\n').join(''),
    );
    expect(r.notes.join('\n')).toMatch(/rejected at envelope level/);
    expectValidAcks(r);
  });
});

describe('999 (005010X231A1) for X12 005010 errors', () => {
  const TWO = 'x12/005010/850-purchase-orders-two-groups.edi';

  test('invalid date in the first group: IK3, business unit CTX, IK4, IK5; the second group accepted', async () => {
    const r = await ack(replaceOnce(fixture(TWO), 'BEG*00*SA*NG-46010**20240502~', 'BEG*00*SA*NG-46010**20240230~'));
    expect(r.acks.map((a) => [a.type, a.status])).toEqual([['999', 'partially_accepted']]);
    expect(r.acks[0].text).toBe(
      [
        'ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *261126*1530*^*00501*000000001*0*P*>',
        'GS*FA*BRIGHTWATERVF*NORTHGATEIND*20261126*1530*1*X*005010X231A1',
        'ST*999*0001*005010X231A1',
        'AK1*PO*733*005010',
        'AK2*850*7330001',
        'IK3*BEG*2**8',
        'CTX*BEG03>NG-46010',
        'IK4*5*373*8*20240230',
        'IK5*R*5',
        'AK9*R*1*1*0',
        'SE*9*0001',
        'ST*999*0002*005010X231A1',
        'AK1*PO*734*005010',
        'AK2*850*7340001',
        'IK5*A',
        'AK9*A*1*1*1',
        'SE*6*0002',
        'GE*2*1',
        'IEA*1*000000001',
      ].map((s) => s + '~\n').join(''),
    );
    expectValidAcks(r);
  });

  test('--type 997 on 005010: a 005010 997 with AK103 and the C030 position', async () => {
    const r = await ack(replaceOnce(fixture(TWO), 'BEG*00*SA*NG-46010**20240502~', 'BEG*00*SA*NG-46010**20240230~'), { type: '997' });
    expect(r.acks.map((a) => a.type)).toEqual(['997']);
    expect(segments(r.acks[0].text).slice(1, 10)).toEqual([
      'GS*FA*BRIGHTWATERVF*NORTHGATEIND*20261126*1530*1*X*005010',
      'ST*997*0001',
      'AK1*PO*733*005010',
      'AK2*850*7330001',
      'AK3*BEG*2**8',
      'AK4*5*373*8*20240230',
      'AK5*R*5',
      'AK9*R*1*1*0',
      'SE*8*0001',
    ]);
    expectValidAcks(r);
  });

  test('business unit context can be switched off', async () => {
    const r = await ack(replaceOnce(fixture(TWO), 'BEG*00*SA*NG-46010**20240502~', 'BEG*00*SA*NG-46010**20240230~'), { policy: { businessUnitContext: false } });
    expect(segments(r.acks[0].text).some((s) => s.startsWith('CTX'))).toBe(false);
    expectValidAcks(r);
  });
});
