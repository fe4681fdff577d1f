/** Small inline definitions and helpers shared by the validator tests. */
import type { Dictionary, ElementDef, TransactionDef } from '../../../src/edi/common/definitions';
import type { EdiIssue } from '../../../src/edi/common/issues';
import { ArraySegment, segment, type ParsedSegment } from '../../../src/edi/common/segment';
import {
  compileTransaction,
  createTransactionValidator,
  type CompiledTransaction,
  type DefinitionOverlay,
  type TransactionContext,
} from '../../../src/edi/common/validate';

const el = (type: ElementDef['type'], min: number, max: number, codes?: string[]): ElementDef => ({ name: `e${type}${min}-${max}`, type, min, max, ...(codes ? { codes } : {}) });

/** An X12-like dictionary: enough of 004010 for an 850, an 856 and a test-only segment. */
export const x12Dict: Dictionary = {
  elements: {
    '143': el('ID', 3, 3, ['850', '856', 'ZTS']),
    '329': el('AN', 4, 9),
    '353': el('ID', 2, 2, ['00', '01', '05']),
    '92': el('ID', 2, 2, ['SA', 'NE']),
    '324': el('AN', 1, 22),
    '328': el('AN', 1, 30),
    '373': el('DT', 8, 8),
    '374': el('ID', 3, 3, ['002', '010']),
    '337': el('TM', 4, 8),
    '96': el('N0', 1, 10),
    '128': el('ID', 2, 3, ['PO', 'VN', 'DP']),
    '127': el('AN', 1, 30),
    '352': el('AN', 1, 80),
    '98': el('ID', 2, 3, ['ST', 'BT', 'SF', 'BY']),
    '93': el('AN', 1, 60),
    '66': el('ID', 1, 2, ['1', '92']),
    '67': el('AN', 2, 80),
    '166': el('AN', 1, 55),
    '350': el('AN', 1, 20),
    '330': el('R', 1, 15),
    '355': el('ID', 2, 2, ['EA', 'CA']),
    '212': el('R', 1, 17),
    '235': el('ID', 2, 2, ['VP', 'BP', 'UP']),
    '234': el('AN', 1, 48),
    '349': el('ID', 1, 1, ['F', 'S']),
    '354': el('N0', 1, 6),
    '347': el('R', 1, 10),
    '628': el('AN', 1, 12),
    '734': el('AN', 1, 12),
    '735': el('ID', 1, 2, ['S', 'O', 'I']),
    '736': el('ID', 1, 1, ['0', '1']),
    '396': el('AN', 2, 30),
    '103': el('AN', 3, 5),
    '80': el('N0', 1, 7),
    '382': el('R', 1, 10),
    '1018': el('R', 1, 15),
    '649': el('R', 1, 10),
    '9001': el('N2', 2, 6),
    '9002': el('B', 1, 10),
  },
  composites: {
    C001: {
      name: 'Composite unit of measure',
      components: [
        { ref: '355', req: 'M' },
        { ref: '1018', req: 'O' },
        { ref: '649', req: 'O' },
      ],
    },
  },
  segments: {
    ST: { name: 'Transaction set header', elements: [{ ref: '143', req: 'M' }, { ref: '329', req: 'M' }] },
    SE: { name: 'Transaction set trailer', elements: [{ ref: '96', req: 'M' }, { ref: '329', req: 'M' }] },
    BEG: {
      name: 'Beginning segment for purchase order',
      elements: [
        { ref: '353', req: 'M' },
        { ref: '92', req: 'M' },
        { ref: '324', req: 'M' },
        { ref: '328', req: 'O' },
        { ref: '373', req: 'M' },
      ],
    },
    DTM: {
      name: 'Date/time reference',
      elements: [
        { ref: '374', req: 'M' },
        { ref: '373', req: 'X' },
        { ref: '337', req: 'X' },
      ],
      syntax: ['R0203', 'C0302'],
    },
    REF: {
      name: 'Reference identification',
      elements: [
        { ref: '128', req: 'M' },
        { ref: '127', req: 'X' },
        { ref: '352', req: 'X' },
      ],
      syntax: ['R0203'],
    },
    N1: {
      name: 'Name',
      elements: [
        { ref: '98', req: 'M' },
        { ref: '93', req: 'X' },
        { ref: '66', req: 'X' },
        { ref: '67', req: 'X' },
      ],
      syntax: ['R0203', 'P0304'],
    },
    N3: { name: 'Address information', elements: [{ ref: '166', req: 'M' }, { ref: '166', req: 'O' }] },
    PO1: {
      name: 'Baseline item data',
      elements: [
        { ref: '350', req: 'O' },
        { ref: '330', req: 'X' },
        { ref: '355', req: 'O' },
        { ref: '212', req: 'O' },
        { ref: '235', req: 'X' },
        { ref: '234', req: 'X' },
      ],
      syntax: ['P0506'],
    },
    PID: { name: 'Product/item description', elements: [{ ref: '349', req: 'M' }, { ref: '352', req: 'X' }] },
    CTT: { name: 'Transaction totals', elements: [{ ref: '354', req: 'M' }, { ref: '347', req: 'O' }] },
    HL: {
      name: 'Hierarchical level',
      elements: [
        { ref: '628', req: 'M' },
        { ref: '734', req: 'O' },
        { ref: '735', req: 'M' },
        { ref: '736', req: 'O' },
      ],
    },
    BSN: {
      name: 'Beginning segment for ship notice',
      elements: [
        { ref: '353', req: 'M' },
        { ref: '396', req: 'M' },
        { ref: '373', req: 'M' },
        { ref: '337', req: 'M' },
      ],
    },
    TD1: { name: 'Carrier details', elements: [{ ref: '103', req: 'O' }, { ref: '80', req: 'X' }], syntax: ['C0102'] },
    PRF: { name: 'Purchase order reference', elements: [{ ref: '324', req: 'M' }] },
    LIN: {
      name: 'Item identification',
      elements: [
        { ref: '350', req: 'O' },
        { ref: '235', req: 'M' },
        { ref: '234', req: 'M' },
      ],
    },
    SN1: {
      name: 'Item detail (shipment)',
      elements: [
        { ref: '350', req: 'O' },
        { ref: '382', req: 'M' },
        { ref: '355', req: 'M' },
      ],
    },
    MSG: { name: 'Message text', elements: [{ ref: '93', req: 'M' }] },
    /** Test-only segment: composite, repeating element, N2, B, syntax notes E and L. */
    ZTS: {
      name: 'Test segment',
      elements: [
        { ref: 'C001', req: 'O' },
        { ref: '128', req: 'O', repeat: 2 },
        { ref: '9001', req: 'O' },
        { ref: '9002', req: 'O' },
        { ref: '127', req: 'O' },
        { ref: '352', req: 'O' },
        { ref: '93', req: 'O' },
      ],
      syntax: ['E0506', 'L050607'],
    },
  },
};

/** 850-like: header N1 loop, PO1 loop with nested PID loop and a ship-to N1 loop, unbounded REF. */
export const x12_850: TransactionDef = {
  id: '850',
  name: 'Purchase order',
  functionalGroup: 'PO',
  structure: [
    { segment: 'ST', req: 'M', max: 1 },
    { segment: 'BEG', req: 'M', max: 1 },
    { segment: 'DTM', req: 'O', max: 10 },
    { segment: 'REF', req: 'O', max: 0 },
    {
      loop: 'N1',
      req: 'O',
      max: 2,
      segments: [
        { segment: 'N1', req: 'M', max: 1, codes: { '01': ['BT', 'ST', 'BY'] } },
        { segment: 'N3', req: 'O', max: 2 },
      ],
    },
    {
      loop: 'PO1',
      req: 'M',
      max: 0,
      segments: [
        { segment: 'PO1', req: 'M', max: 1 },
        { loop: 'PID', req: 'O', max: 1000, segments: [{ segment: 'PID', req: 'M', max: 1 }] },
        {
          loop: 'N1-PO1',
          req: 'O',
          max: 200,
          segments: [
            { segment: 'N1', req: 'M', max: 1, codes: { '01': ['ST'] } },
            { segment: 'N3', req: 'M', max: 2 },
          ],
        },
      ],
    },
    { segment: 'CTT', req: 'O', max: 1 },
    { segment: 'SE', req: 'M', max: 1 },
  ],
};

/** 856-like: shipment HL loop containing order HL loops containing item HL loops, told apart by HL03. */
export const x12_856: TransactionDef = {
  id: '856',
  name: 'Ship notice/manifest',
  functionalGroup: 'SH',
  structure: [
    { segment: 'ST', req: 'M', max: 1 },
    { segment: 'BSN', req: 'M', max: 1 },
    {
      loop: 'HL-S',
      req: 'M',
      max: 1,
      segments: [
        { segment: 'HL', req: 'M', max: 1, codes: { '03': ['S'] } },
        { segment: 'TD1', req: 'O', max: 20 },
        {
          loop: 'HL-O',
          req: 'M',
          max: 0,
          segments: [
            { segment: 'HL', req: 'M', max: 1, codes: { '03': ['O'] } },
            { segment: 'PRF', req: 'M', max: 1 },
            {
              loop: 'HL-I',
              req: 'O',
              max: 0,
              segments: [
                { segment: 'HL', req: 'M', max: 1, codes: { '03': ['I'] } },
                { segment: 'LIN', req: 'M', max: 1 },
                { segment: 'SN1', req: 'O', max: 1 },
              ],
            },
          ],
        },
      ],
    },
    { segment: 'CTT', req: 'M', max: 1 },
    { segment: 'SE', req: 'M', max: 1 },
  ],
};

/** A transaction for element tests: ST, ZTS (any number), SE. */
export const x12_zts: TransactionDef = {
  id: 'ZTS',
  name: 'Element tests',
  structure: [
    { segment: 'ST', req: 'M', max: 1 },
    { segment: 'ZTS', req: 'O', max: 0 },
    { segment: 'DTM', req: 'O', max: 0 },
    { segment: 'BEG', req: 'O', max: 0 },
    { segment: 'PO1', req: 'O', max: 0 },
    { segment: 'TD1', req: 'O', max: 0 },
    { segment: 'N1', req: 'O', max: 0 },
    { segment: 'SE', req: 'M', max: 1 },
  ],
};

/** An EDIFACT-like dictionary: enough of D96A for a small ORDERS. */
export const edifactDict: Dictionary = {
  elements: {
    '0062': el('an', 1, 14),
    '0065': el('an', 1, 6, ['ORDERS']),
    '0052': el('an', 1, 3),
    '0054': el('an', 1, 3),
    '0051': el('an', 1, 2),
    '1001': el('an', 1, 3, ['220', '105']),
    '1131': el('an', 1, 3),
    '3055': el('an', 1, 3),
    '1004': el('an', 1, 35),
    '1225': el('an', 1, 3, ['9', '5']),
    '2005': el('an', 1, 3, ['137', '2']),
    '2380': el('an', 1, 35),
    '2379': el('an', 1, 3, ['102', '203']),
    '3035': el('an', 1, 3, ['BY', 'SU', 'DP']),
    '3039': el('an', 1, 35),
    '1082': el('n', 1, 6),
    '7140': el('an', 1, 35),
    '7143': el('an', 1, 3),
    '6063': el('an', 1, 3, ['21']),
    '6060': el('n', 1, 15),
    '6411': el('an', 1, 3),
    '0081': el('a', 1, 1, ['S', 'D']),
    '0074': el('n', 1, 6),
    '3036': el('a', 1, 35),
  },
  composites: {
    S009: {
      name: 'Message identifier',
      components: [
        { ref: '0065', req: 'M' },
        { ref: '0052', req: 'M' },
        { ref: '0054', req: 'M' },
        { ref: '0051', req: 'M' },
      ],
    },
    C002: {
      name: 'Document/message name',
      components: [
        { ref: '1001', req: 'C' },
        { ref: '1131', req: 'C' },
        { ref: '3055', req: 'C' },
      ],
    },
    C507: {
      name: 'Date/time/period',
      components: [
        { ref: '2005', req: 'M' },
        { ref: '2380', req: 'C' },
        { ref: '2379', req: 'C' },
      ],
    },
    C082: {
      name: 'Party identification details',
      components: [
        { ref: '3039', req: 'M' },
        { ref: '1131', req: 'C' },
        { ref: '3055', req: 'C' },
      ],
    },
    C080: { name: 'Party name', components: [{ ref: '3036', req: 'M' }, { ref: '3036', req: 'C' }] },
    C212: {
      name: 'Item number identification',
      components: [
        { ref: '7140', req: 'C' },
        { ref: '7143', req: 'C' },
      ],
    },
    C186: {
      name: 'Quantity details',
      components: [
        { ref: '6063', req: 'M' },
        { ref: '6060', req: 'M' },
        { ref: '6411', req: 'C' },
      ],
    },
  },
  segments: {
    UNH: { name: 'Message header', elements: [{ ref: '0062', req: 'M' }, { ref: 'S009', req: 'M' }] },
    BGM: {
      name: 'Beginning of message',
      elements: [
        { ref: 'C002', req: 'C' },
        { ref: '1004', req: 'C' },
        { ref: '1225', req: 'C' },
      ],
    },
    DTM: { name: 'Date/time/period', elements: [{ ref: 'C507', req: 'M' }] },
    NAD: {
      name: 'Name and address',
      elements: [
        { ref: '3035', req: 'M' },
        { ref: 'C082', req: 'C' },
        { ref: 'C080', req: 'C' },
      ],
    },
    LIN: {
      name: 'Line item',
      elements: [
        { ref: '1082', req: 'C' },
        { ref: '1225', req: 'C' },
        { ref: 'C212', req: 'C' },
      ],
    },
    QTY: { name: 'Quantity', elements: [{ ref: 'C186', req: 'M' }] },
    UNS: { name: 'Section control', elements: [{ ref: '0081', req: 'M' }] },
    UNT: { name: 'Message trailer', elements: [{ ref: '0074', req: 'M' }, { ref: '0062', req: 'M' }] },
  },
};

export const edifactOrders: TransactionDef = {
  id: 'ORDERS',
  name: 'Purchase order message',
  structure: [
    { segment: 'UNH', req: 'M', max: 1 },
    { segment: 'BGM', req: 'M', max: 1 },
    { segment: 'DTM', req: 'M', max: 35 },
    { loop: 'SG2', req: 'C', max: 99, segments: [{ segment: 'NAD', req: 'M', max: 1 }] },
    {
      loop: 'SG25',
      req: 'C',
      max: 200000,
      segments: [
        { segment: 'LIN', req: 'M', max: 1 },
        { segment: 'QTY', req: 'C', max: 99 },
      ],
    },
    { segment: 'UNS', req: 'M', max: 1 },
    { segment: 'UNT', req: 'M', max: 1 },
  ],
};

export const X12_CTX: TransactionContext = { standard: 'x12', interchange: '000000905', group: '17', transaction: '0001', transactionType: '850' };
export const EDIFACT_CTX: TransactionContext = { standard: 'edifact', interchange: 'ICN1', transaction: 'M1', transactionType: 'ORDERS', decimalMark: '.' };

/** A segment with repetitions: each element is a list of repetitions, each a list of components. */
export function repeated(tag: string, ...elements: string[][][]): ParsedSegment {
  return { tag, elements };
}

/** Validate the segments (header..trailer) and return the issues. */
export function validate(compiled: CompiledTransaction, segments: ParsedSegment[], ctx: TransactionContext = X12_CTX): EdiIssue[] {
  const issues: EdiIssue[] = [];
  const v = createTransactionValidator(compiled, ctx, (i) => issues.push(i));
  segments.forEach((s, i) => v.segment(new ArraySegment(s, i)));
  v.end();
  return issues;
}

export function compile850(overlay?: DefinitionOverlay): CompiledTransaction {
  return compileTransaction(x12_850, x12Dict, overlay);
}

/** ST + the given segments + SE with a correct count. */
export function x12Tx(id: string, ...body: ParsedSegment[]): ParsedSegment[] {
  return [segment('ST', id, '0001'), ...body, segment('SE', String(body.length + 2), '0001')];
}

/** UNH + the given segments + UNT with a correct count. */
export function ordersTx(...body: ParsedSegment[]): ParsedSegment[] {
  return [segment('UNH', 'M1', ['ORDERS', 'D', '96A', 'UN']), ...body, segment('UNT', String(body.length + 2), 'M1')];
}

export { segment };
