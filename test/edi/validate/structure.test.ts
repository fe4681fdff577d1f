import { ArraySegment } from '../../../src/edi/common/segment';
import { compileTransaction, createTransactionValidator } from '../../../src/edi/common/validate';
import {
  EDIFACT_CTX,
  compile850,
  edifactDict,
  edifactOrders,
  ordersTx,
  segment,
  validate,
  x12Dict,
  x12Tx,
  x12_850,
  x12_856,
  X12_CTX,
} from './fixtures';

const S = segment;
const ctxFields = { interchange: '000000905', group: '17', transaction: '0001', transactionType: '850' };

const header = [S('BEG', '00', 'SA', 'PO-1', '', '20260115')];

describe('valid transactions', () => {
  it('accepts an 850 with header loops, repeated lines, nested PID loops and an unbounded REF', () => {
    const refs = Array.from({ length: 50 }, (_, i) => S('REF', 'PO', `R${i}`));
    const lines = [];
    for (let i = 1; i <= 30; i++) {
      lines.push(S('PO1', String(i), '10', 'EA', '9.99', 'VP', `SKU${i}`));
      lines.push(S('PID', 'F', `Item ${i}`));
      lines.push(S('PID', 'S', 'extra'));
      if (i % 10 === 0) lines.push(S('N1', 'ST', 'Store'), S('N3', 'Street 1'));
    }
    const tx = x12Tx(
      '850',
      ...header,
      S('DTM', '002', '20260201'),
      ...refs,
      S('N1', 'BT', 'Buyer Inc'),
      S('N3', 'Main St 1'),
      S('N1', 'ST', 'Warehouse', '92', 'WH1'),
      ...lines,
      S('CTT', '30'),
    );
    expect(validate(compile850(), tx)).toEqual([]);
  });

  it('accepts an 856 with shipment / order / item HL loops told apart by HL03', () => {
    const tx = x12Tx(
      '856',
      S('BSN', '00', 'SHIP1', '20260115', '1200'),
      S('HL', '1', '', 'S'),
      S('TD1', 'CTN25', '3'),
      S('HL', '2', '1', 'O'),
      S('PRF', 'PO-1'),
      S('HL', '3', '2', 'I'),
      S('LIN', '1', 'VP', 'A'),
      S('SN1', '1', '5', 'EA'),
      S('HL', '4', '2', 'I'),
      S('LIN', '2', 'VP', 'B'),
      S('HL', '5', '1', 'O'),
      S('PRF', 'PO-2'),
      S('HL', '6', '5', 'I'),
      S('LIN', '1', 'VP', 'C'),
      S('CTT', '6'),
    );
    expect(validate(compileTransaction(x12_856, x12Dict), tx)).toEqual([]);
  });

  it('accepts an EDIFACT ORDERS', () => {
    const tx = ordersTx(
      S('BGM', ['220'], 'PO1', '9'),
      S('DTM', ['137', '20260115', '102']),
      S('NAD', 'BY', ['5412345000013', '', '9']),
      S('NAD', 'SU', ['4012345000009', '', '9']),
      S('LIN', '1', '', ['4000862141404', 'EN']),
      S('QTY', ['21', '48']),
      S('LIN', '2', '', ['4000862141405', 'EN']),
      S('QTY', ['21', '12.5']),
      S('UNS', 'S'),
    );
    expect(validate(compileTransaction(edifactOrders, edifactDict), tx, EDIFACT_CTX)).toEqual([]);
  });
});

describe('segment findings', () => {
  const c850 = compile850();

  it('segment.unrecognized: a tag not in the dictionary; state unchanged, elements not checked', () => {
    const tx = x12Tx('850', ...header, S('ZZZ', 'x'), S('PO1', '1', '1', 'EA', '1', 'VP', 'A'));
    const issues = validate(c850, tx);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'segment.unrecognized', segmentIndex: 3, segmentId: 'ZZZ', ...ctxFields, ack: { x12: '1', edifact: '15' } });
    expect(issues[0].element).toBeUndefined();
  });

  it('segment.not_in_definition: in the dictionary but not in this transaction', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('MSG', 'hello'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.not_in_definition', segmentIndex: 3, segmentId: 'MSG', ack: { x12: '6', edifact: '15' } })]);
  });

  it('segment.out_of_sequence: the tag only has earlier positions', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('REF', 'PO', 'A'), S('DTM', '002', '20260101'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.out_of_sequence', segmentIndex: 4, segmentId: 'DTM', ack: { x12: '7', edifact: '15' } })]);
  });

  it('segment.out_of_sequence inside a loop reports the open loop; the state is unchanged', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('PO1', '1'), S('PID', 'F', 'x'), S('BEG', '00', 'SA', 'X', '', '20260101'), S('PID', 'F', 'y')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.out_of_sequence', segmentIndex: 5, segmentId: 'BEG', loopId: 'PID' })]);
  });

  it('segment.unexpected: the tag has a later position only reachable through a loop that has not started', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('PID', 'F', 'x'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.unexpected', segmentIndex: 3, segmentId: 'PID', ack: { x12: '2', edifact: '15' } })]);
  });

  it('segment.max_use_exceeded at the repeat beyond max; the segment is still checked', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('BEG', '00', 'XX', 'PO-2', '', '20260115'), S('PO1', '1')));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'segment.max_use_exceeded', segmentIndex: 3, segmentId: 'BEG', ack: { x12: '5', edifact: '35' } }),
      expect.objectContaining({ code: 'element.invalid_code', segmentIndex: 3, segmentId: 'BEG', element: 2, elementRef: '92', value: 'XX' }),
    ]);
    expect(issues[0].loopId).toBeUndefined();
  });

  it('segment.max_use_exceeded inside a loop carries the loop id', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('N1', 'BT', 'B'), S('N3', 'a'), S('N3', 'b'), S('N3', 'c'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.max_use_exceeded', segmentIndex: 6, segmentId: 'N3', loopId: 'N1' })]);
  });

  it('segment.loop_max_exceeded at the trigger of the occurrence beyond max', () => {
    const n1 = [S('N1', 'BT', 'B'), S('N1', 'ST', 'S'), S('N1', 'BY', 'Y')];
    const issues = validate(c850, x12Tx('850', ...header, ...n1, S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.loop_max_exceeded', segmentIndex: 5, segmentId: 'N1', loopId: 'N1', ack: { x12: '4', edifact: '36' } })]);
  });

  it('unbounded loops and segments (max 0) never exceed', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => S('PO1', String(i)));
    expect(validate(c850, x12Tx('850', ...header, ...lines))).toEqual([]);
  });

  it('segment.mandatory_missing: a skipped mandatory segment is reported where it was detected', () => {
    const issues = validate(c850, x12Tx('850', S('DTM', '002', '20260101'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 2, segmentId: 'BEG', ...ctxFields, ack: { x12: '3', edifact: '13' } })]);
    expect(issues[0].loopId).toBeUndefined();
  });

  it('segment.mandatory_missing: a mandatory loop that never occurs reports its trigger', () => {
    const issues = validate(c850, x12Tx('850', ...header, S('CTT', '0')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 3, segmentId: 'PO1', loopId: 'PO1' })]);
  });

  it('segment.mandatory_missing: mandatory content of a loop occurrence closed by the next occurrence / an outer segment', () => {
    const tx = x12Tx('850', ...header, S('PO1', '1'), S('N1', 'ST', 'x'), S('PO1', '2'), S('N1', 'ST', 'y'), S('CTT', '2'));
    const issues = validate(c850, tx);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 5, segmentId: 'N3', loopId: 'N1-PO1' }),
      expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 7, segmentId: 'N3', loopId: 'N1-PO1' }),
    ]);
  });

  it('per-use codes choose between loops with the same trigger; a code no use accepts falls back to the tag', () => {
    // N1*BT inside the PO1 loop: the line-level N1 only accepts ST, the header N1 loop is behind -> placed by tag, bad code.
    const tx = x12Tx('850', ...header, S('PO1', '1'), S('N1', 'BT', 'x'), S('N3', 'a'));
    const issues = validate(c850, tx);
    expect(issues).toEqual([expect.objectContaining({ code: 'element.invalid_code', segmentIndex: 4, segmentId: 'N1', loopId: 'N1-PO1', element: 1, elementRef: '98', value: 'BT' })]);
  });

  it('nested HL loops: missing mandatory content of an item, an order and the shipment', () => {
    const c856 = compileTransaction(x12_856, x12Dict);
    const tx = x12Tx(
      '856',
      S('BSN', '00', 'SHIP1', '20260115', '1200'),
      S('HL', '1', '', 'S'),
      S('HL', '2', '1', 'O'),
      S('HL', '3', '2', 'I'), // LIN missing: detected at the next HL
      S('HL', '4', '2', 'I'),
      S('LIN', '1', 'VP', 'A'),
      S('HL', '5', '1', 'O'), // PRF missing: detected at HL 6
      S('HL', '6', '5', 'I'),
      S('LIN', '1', 'VP', 'B'),
      S('CTT', '6'),
    );
    const issues = validate(c856, tx);
    expect(issues.map((i) => [i.code, i.segmentIndex, i.segmentId, i.loopId])).toEqual([
      ['segment.mandatory_missing', 5, 'PRF', 'HL-O'],
      ['segment.mandatory_missing', 6, 'LIN', 'HL-I'],
      ['segment.mandatory_missing', 9, 'PRF', 'HL-O'],
    ]);
  });

  it('nested HL loops: a mandatory loop never entered and loop max 1 exceeded', () => {
    const c856 = compileTransaction(x12_856, x12Dict);
    const tx = x12Tx('856', S('BSN', '00', 'SHIP1', '20260115', '1200'), S('HL', '1', '', 'S'), S('HL', '2', '', 'S'), S('CTT', '2'));
    const issues = validate(c856, tx);
    expect(issues.map((i) => [i.code, i.segmentIndex, i.segmentId, i.loopId])).toEqual([
      ['segment.mandatory_missing', 4, 'HL', 'HL-O'],
      ['segment.loop_max_exceeded', 4, 'HL', 'HL-S'],
      ['segment.mandatory_missing', 5, 'HL', 'HL-O'],
    ]);
  });

  it('end(): mandatory positions never reached are reported at the last segment; a missing trailer is left to the envelope', () => {
    const compiled = compileTransaction(edifactOrders, edifactDict);
    const tx = [S('UNH', 'M1', ['ORDERS', 'D', '96A', 'UN']), S('BGM', ['220'], 'PO1', '9'), S('LIN', '1')];
    const issues = validate(compiled, tx, EDIFACT_CTX);
    expect(issues.map((i) => [i.code, i.segmentIndex, i.segmentId, i.loopId])).toEqual([
      ['segment.mandatory_missing', 3, 'DTM', undefined],
      ['segment.mandatory_missing', 3, 'UNS', undefined],
    ]);
    expect(issues[0]).toMatchObject({ interchange: 'ICN1', transaction: 'M1', transactionType: 'ORDERS', ack: { x12: '3', edifact: '13' } });
  });

  it('end(): a loop left open at the end has its mandatory content checked', () => {
    const c856 = compileTransaction(x12_856, x12Dict);
    const tx = [S('ST', '856', '0001'), S('BSN', '00', 'SHIP1', '20260115', '1200'), S('HL', '1', '', 'S'), S('HL', '2', '1', 'O'), S('HL', '3', '2', 'I')];
    const issues = validate(c856, tx);
    expect(issues.map((i) => [i.code, i.segmentIndex, i.segmentId, i.loopId])).toEqual([
      ['segment.mandatory_missing', 5, 'PRF', 'HL-O'], // skipped when the item loop started
      ['segment.mandatory_missing', 5, 'LIN', 'HL-I'],
      ['segment.mandatory_missing', 5, 'CTT', undefined],
    ]);
  });

  it('conditional (C/X) loops and segments are optional for presence', () => {
    const compiled = compileTransaction(edifactOrders, edifactDict);
    expect(validate(compiled, ordersTx(S('BGM', ['220']), S('DTM', ['137', '20260101', '102']), S('UNS', 'S')), EDIFACT_CTX)).toEqual([]);
  });

  it('segment.implementation_not_used for a use marked N by a partner overlay', () => {
    const structure = x12_850.structure.map((n) => ('segment' in n && n.segment === 'DTM' ? { ...n, req: 'N' as const } : n));
    const compiled = compileTransaction(x12_850, x12Dict, { structure });
    const issues = validate(compiled, x12Tx('850', ...header, S('DTM', '002', '20260101'), S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.implementation_not_used', segmentIndex: 3, segmentId: 'DTM', ack: { x12: '2', x12Impl: 'I6', edifact: '15' } })]);
  });

  it('the trailer is checked like any other segment (counts are the envelope reader\'s)', () => {
    const tx = [...x12Tx('850', ...header, S('PO1', '1')).slice(0, -1), S('SE', 'x4', '0001')];
    const issues = validate(c850, tx, X12_CTX);
    expect(issues).toEqual([expect.objectContaining({ code: 'element.invalid_character', segmentIndex: 4, segmentId: 'SE', element: 1, elementRef: '96', value: 'x4' })]);
  });
});

describe('validator reuse', () => {
  it('reset() starts a new transaction with a new context', () => {
    const issues: import('../../../src/edi/common/issues').EdiIssue[] = [];
    const v = createTransactionValidator(compile850(), X12_CTX, (i) => issues.push(i));
    const feed = (segs: ReturnType<typeof S>[]) => {
      segs.forEach((s, i) => v.segment(new ArraySegment(s, i)));
      v.end();
    };
    feed(x12Tx('850', ...header, S('PO1', '1')));
    expect(issues).toEqual([]);
    v.reset({ ...X12_CTX, transaction: '0002' });
    feed(x12Tx('850', S('PO1', '1')));
    expect(issues).toEqual([expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 2, segmentId: 'BEG', transaction: '0002' })]);
  });
});
