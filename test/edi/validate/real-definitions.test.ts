/**
 * The validator against the shipped definitions (src/edi/x12/defs/004010/850.yaml,
 * src/edi/edifact/defs/D96A/ORDERS.yaml): a small valid document gives no issue, an injected error
 * gives exactly the expected one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { definitionsDir, loadDictionary, loadTransaction } from '../../../src/edi/common/definition-loader';
import type { ParsedSegment } from '../../../src/edi/common/segment';
import { compileTransaction } from '../../../src/edi/common/validate';
import { EDIFACT_CTX, segment as S, validate, X12_CTX } from './fixtures';

const x12Dir = definitionsDir('x12', '004010');
const edifactDir = definitionsDir('edifact', 'D96A');
const haveX12 = existsSync(join(x12Dir, '850.yaml'));
const haveEdifact = existsSync(join(edifactDir, 'ORDERS.yaml'));

(haveX12 ? describe : describe.skip)('X12 004010 850 from the shipped definitions', () => {
  const compiled = () => compileTransaction(loadTransaction(x12Dir, '850'), loadDictionary(x12Dir));
  const order = (beg: ParsedSegment = S('BEG', '00', 'SA', 'PO12345', '', '20260115')): ParsedSegment[] => {
    const body = [
      beg,
      S('REF', 'DP', '042'),
      S('DTM', '002', '20260201'),
      S('N1', 'ST', 'Main Warehouse', '92', 'WH1'),
      S('N3', '1 Industrial Way'),
      S('N4', 'Springfield', 'IL', '62701', 'US'),
      S('PO1', '1', '10', 'EA', '9.99', '', 'VP', 'SKU-1', 'BP', '4711'),
      S('PID', 'F', '', '', '', 'Blue widget'),
      S('PO1', '2', '2.5', 'CA', '120', '', 'VP', 'SKU-2'),
      S('CTT', '2'),
    ];
    return [S('ST', '850', '0001'), ...body, S('SE', String(body.length + 2), '0001')];
  };

  it('a valid 850 gives no issue', () => {
    expect(validate(compiled(), order())).toEqual([]);
  });

  it('an injected bad date is reported at BEG05', () => {
    const issues = validate(compiled(), order(S('BEG', '00', 'SA', 'PO12345', '', '20260231')));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'element.invalid_date', segmentIndex: 2, segmentId: 'BEG', element: 5, elementRef: '373', value: '20260231', ack: { x12: '8', edifact: '12' } }),
    ]);
  });

  it('a missing BEG is reported where it was detected', () => {
    const tx = order().filter((s) => s.tag !== 'BEG');
    expect(validate(compiled(), tx, X12_CTX)).toEqual([expect.objectContaining({ code: 'segment.mandatory_missing', segmentIndex: 2, segmentId: 'BEG' })]);
  });
});

(haveEdifact ? describe : describe.skip)('EDIFACT D96A ORDERS from the shipped definitions', () => {
  const compiled = () => compileTransaction(loadTransaction(edifactDir, 'ORDERS'), loadDictionary(edifactDir));
  const orders = (qty = '48'): ParsedSegment[] => {
    const body = [
      S('BGM', ['220'], 'PO12345', '9'),
      S('DTM', ['137', '20260115', '102']),
      S('NAD', 'BY', ['5412345000013', '', '9']),
      S('NAD', 'SU', ['4012345000009', '', '9']),
      S('LIN', '1', '', ['4000862141404', 'EN']),
      S('QTY', ['21', qty]),
      S('LIN', '2', '', ['4000862141405', 'EN']),
      S('QTY', ['21', '12.5']),
      S('UNS', 'S'),
    ];
    return [S('UNH', 'M1', ['ORDERS', 'D', '96A', 'UN']), ...body, S('UNT', String(body.length + 2), 'M1')];
  };

  it('a valid ORDERS gives no issue', () => {
    expect(validate(compiled(), orders(), EDIFACT_CTX)).toEqual([]);
  });

  it('an injected bad quantity is reported at QTY C186-2', () => {
    expect(validate(compiled(), orders('1.2.3'), EDIFACT_CTX)).toEqual([
      expect.objectContaining({ code: 'element.invalid_decimal', segmentIndex: 7, segmentId: 'QTY', loopId: 'SG25', element: 1, component: 2, elementRef: '6060', value: '1.2.3', ack: { x12: '6', edifact: '19' } }),
    ]);
  });
});
