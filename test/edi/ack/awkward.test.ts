/** The awkward cases of issue 4: partial acceptance, envelope-only answers, no answer, test interchanges. */
import { ack, body, expectValidAcks, fixture, replaceOnce, segments } from './helpers';

const PO = 'x12/004010/850-purchase-order.edi';
const ORDERS = 'edifact/D96A/ORDERS-unoa-una-release.edi';

/** The 850 fixture with a second 850 (ST02 0002) in the same group; `second` edits the second set. */
function twoSets(second: (tx: string) => string = (t) => t): string {
  const text = fixture(PO);
  const start = text.indexOf('ST*850*0001~');
  const end = text.indexOf('GE*1*101~');
  const tx = text.slice(start, end);
  const tx2 = second(tx.replace('ST*850*0001~', 'ST*850*0002~').replace('SE*28*0001~', 'SE*28*0002~'));
  return text.slice(0, end) + tx2 + 'GE*2*101~' + text.slice(end + 'GE*1*101~'.length);
}

describe('a transaction set rejected inside an accepted group', () => {
  test('AK9 P: 2 included, 2 received, 1 accepted; the good set AK5 A, the bad one detailed', async () => {
    const r = await ack(twoSets((t) => t.replace('BEG*00*SA*NG-45871**20240312~', 'BEG*00*SA*NG-45871**20240230~')));
    expect(r.acks.map((a) => [a.type, a.status])).toEqual([['997', 'partially_accepted']]);
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK5*A', 'AK2*850*0002', 'AK3*BEG*2**8', 'AK4*5*373*8*20240230', 'AK5*R*5', 'AK9*P*2*2*1']);
    expectValidAcks(r);
  });

  test('with detail=errors only the rejected set gets an AK2 loop; the counts stay', async () => {
    const r = await ack(twoSets((t) => t.replace('SE*28*0002~', 'SE*29*0002~')), { policy: { detail: 'errors' } });
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0002', 'AK5*R*4', 'AK9*P*2*2*1']);
    expectValidAcks(r);
  });

  test('both sets rejected: AK9 R with 0 accepted', async () => {
    const text = twoSets((t) => t.replace('SE*28*0002~', 'SE*29*0002~')).replace('SE*28*0001~', 'SE*1*0001~');
    const r = await ack(text);
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK5*R*4', 'AK2*850*0002', 'AK5*R*4', 'AK9*R*2*2*0']);
    expectValidAcks(r);
  });

  test('a duplicate ST02 in the group: AK5 R 23 for the second set', async () => {
    const r = await ack(twoSets((t) => t.replace('ST*850*0002~', 'ST*850*0001~').replace('SE*28*0002~', 'SE*28*0001~')));
    expect(body(r.acks[0].text)).toEqual(['AK1*PO*101', 'AK2*850*0001', 'AK5*A', 'AK2*850*0001', 'AK5*R*23', 'AK9*P*2*2*1']);
    expectValidAcks(r);
  });
});

describe('an interchange so broken that only a TA1 can answer it', () => {
  test('IEA01 count mismatch: TA1 R 021 and no 997', async () => {
    const r = await ack(replaceOnce(fixture(PO), 'IEA*1*000000101~', 'IEA*2*000000101~'));
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(segments(r.acks[0].text)[1]).toBe('TA1*000000101*240312*0915*R*021');
    expectValidAcks(r);
  });

  test('bad ISA (ISA09 not a date): TA1 R 014, TA102 falls back to our date since the received one is not one', async () => {
    const r = await ack(replaceOnce(fixture(PO), '*240312*0915*', '*241312*0915*'));
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(segments(r.acks[0].text)[1]).toBe('TA1*000000101*261126*0915*R*014');
    expectValidAcks(r);
  });

  test('missing IEA: TA1 R 023', async () => {
    const r = await ack(fixture('invalid/x12-missing-iea.edi'));
    expect(segments(r.acks[0].text)[1]).toBe('TA1*000000101*240312*0915*R*023');
    expectValidAcks(r);
  });

  test('a transaction set outside any functional group: TA1 R 024 (no 997 can name it)', async () => {
    let text = replaceOnce(fixture(PO), 'GS*PO*NORTHGATEIND*BRIGHTWATERVF*20240312*0915*101*X*004010~\n', '');
    text = replaceOnce(text, 'GE*1*101~\n', '');
    text = replaceOnce(text, 'IEA*1*000000101~', 'IEA*0*000000101~');
    const r = await ack(text);
    expect(r.notes.join('\n')).toMatch(/outside any functional group/);
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(segments(r.acks[0].text)[1]).toBe('TA1*000000101*240312*0915*R*024');
    expectValidAcks(r);
  });

  test('--type 997 on an envelope-broken interchange still answers with the TA1 only', async () => {
    const r = await ack(fixture('invalid/x12-iea02-mismatch.edi'), { type: '997' });
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
  });

  test('EDIFACT truncated inside a segment: CONTRL rejected on UCI level with 13', async () => {
    const r = await ack(fixture('invalid/edifact-truncated-mid-segment.edi'));
    expect(body(r.acks[0].text)).toEqual(['UCI+RSP0000088+8034567000012:14+8712345000014:14+4+13']);
    expectValidAcks(r);
  });
});

describe('TA1 on request', () => {
  test('ISA14 = 1: TA1 A 000 (the received ISA13, ISA09, ISA10) and the 997, each in its own interchange', async () => {
    const r = await ack(replaceOnce(fixture(PO), '*000000101*0*P*>~', '*000000101*1*P*>~'));
    expect(r.acks.map((a) => [a.type, a.status, a.controlNumber])).toEqual([
      ['TA1', 'accepted', '000000001'],
      ['997', 'accepted', '000000002'],
    ]);
    expect(segments(r.acks[0].text)).toEqual([
      'ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *261126*1530*U*00401*000000001*0*P*>',
      'TA1*000000101*240312*0915*A*000',
      'IEA*0*000000001',
    ]);
    expectValidAcks(r);
  });

  test('--type TA1: only the TA1, also without ISA14', async () => {
    const r = await ack(fixture(PO), { type: 'TA1' });
    expect(r.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(segments(r.acks[0].text)[1]).toBe('TA1*000000101*240312*0915*A*000');
  });
});

describe('no acknowledgment possible', () => {
  test('file.not_edi: no ack, an explanation', async () => {
    const r = await ack(Buffer.from('Dear supplier, please find our order attached.\n'));
    expect(r.acks).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/file\.not_edi.*no acknowledgment is possible/);
  });

  test('empty input: no ack, an explanation', async () => {
    const r = await ack(Buffer.alloc(0));
    expect(r.acks).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/file\.empty/);
  });

  test('acknowledgments are not acknowledged: a received 997 / 999 / CONTRL gets nothing', async () => {
    for (const f of ['x12/004010/997-functional-ack-bom.edi', 'x12/005010/999-implementation-ack.edi', 'edifact/D96A/CONTRL-accepting-orders.edi']) {
      const r = await ack(fixture(f));
      expect({ f, acks: r.acks }).toEqual({ f, acks: [] });
      expect(r.notes.join('\n')).toMatch(/not acknowledged/);
    }
  });

  test('the wrong standard for the requested type: a note, no ack', async () => {
    expect((await ack(fixture(PO), { type: 'CONTRL' })).acks).toEqual([]);
    expect((await ack(fixture(ORDERS), { type: '997' })).acks).toEqual([]);
  });
});

describe('test interchanges', () => {
  test('X12 ISA15 T: the ack carries ISA15 T', async () => {
    const r = await ack(replaceOnce(fixture(PO), '*000000101*0*P*>~', '*000000101*0*T*>~'));
    expect(segments(r.acks[0].text)[0]).toMatch(/\*000000001\*0\*T\*>$/);
    expect(r.notes.join('\n')).toMatch(/test interchange/);
    expectValidAcks(r);
  });

  test('EDIFACT UNB 0035 = 1: the CONTRL UNB carries 0035 = 1', async () => {
    const r = await ack(replaceOnce(fixture(ORDERS), "+ORD0000521++ORDERS'", "+ORD0000521++ORDERS++++1'"));
    expect(segments(r.acks[0].text)[1]).toBe('UNB+UNOA:3+8034567000012:14+8712345000014:14+261126:1530+1++++++1');
    expectValidAcks(r);
  });

  test('a test interchange at a production partner: rejected at envelope level (TA1 R 020 / UCI 4 25)', async () => {
    const x = await ack(replaceOnce(fixture(PO), '*000000101*0*P*>~', '*000000101*0*T*>~'), { policy: { usage: 'production' } });
    expect(x.acks.map((a) => a.type)).toEqual(['TA1']);
    expect(segments(x.acks[0].text)).toEqual([
      'ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *261126*1530*U*00401*000000001*0*T*>',
      'TA1*000000101*240312*0915*R*020',
      'IEA*0*000000001',
    ]);
    const e = await ack(replaceOnce(fixture(ORDERS), "+ORD0000521++ORDERS'", "+ORD0000521++ORDERS++++1'"), { policy: { usage: 'production' } });
    expect(body(e.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+4+25+UNB+11']);
    expectValidAcks(x);
    expectValidAcks(e);
  });

  test('an interchange received twice (duplicate hook): TA1 R 025 / UCI 4 26', async () => {
    const x = await ack(fixture(PO), { policy: { isDuplicate: () => true } });
    expect(segments(x.acks[0].text)[1]).toBe('TA1*000000101*240312*0915*R*025');
    const e = await ack(fixture(ORDERS), { policy: { isDuplicate: (h) => h.controlNumber === 'ORD0000521' } });
    expect(body(e.acks[0].text)).toEqual(['UCI+ORD0000521+8712345000014:14+8034567000012:14+4+26+UNB+5']);
  });
});

describe('version and delimiters of the partner', () => {
  test('a 004010 group gets a 004010 997 even when 999 is asked for', async () => {
    const r = await ack(fixture(PO), { type: '999' });
    expect(r.acks.map((a) => a.type)).toEqual(['997']);
    expect(r.notes.join('\n')).toMatch(/999 is for 005010/);
  });

  test('newline as segment terminator (855 fixture): no extra line breaks', async () => {
    const r = await ack(fixture('x12/004010/855-po-acknowledgment.edi'));
    expect(r.acks[0].text.split('\n').slice(0, 3)).toEqual([
      'ISA|00|          |00|          |ZZ|NORTHGATEIND   |ZZ|BRIGHTWATERVF  |261126|1530|U|00401|000000001|0|P|^',
      'GS|FA|NORTHGATEIND|BRIGHTWATERVF|20261126|1530|1|X|004010',
      'ST|997|0001',
    ]);
    expectValidAcks(r);
  });

  test('two interchanges in one file: one 997 each, control numbers increasing per partner', async () => {
    const r = await ack(fixture('x12/004010/810-invoice-two-interchanges.edi'));
    expect(r.acks.map((a) => [a.type, a.interchange, a.controlNumber])).toEqual([
      ['997', '000000412', '000000001'],
      ['997', '000000431', '000000002'],
    ]);
    expectValidAcks(r);
  });
});
