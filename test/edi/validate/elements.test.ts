import type { TransactionDef } from '../../../src/edi/common/definitions';
import type { EdiIssue } from '../../../src/edi/common/issues';
import {
  CodeSet,
  CompileError,
  compileTransaction,
  countDigitsEdifact,
  countDigitsN,
  countDigitsR,
  DecimalMode,
  validDate,
  validTime,
} from '../../../src/edi/common/validate';
import {
  EDIFACT_CTX,
  edifactDict,
  edifactOrders,
  ordersTx,
  repeated,
  segment,
  validate,
  x12Dict,
  x12Tx,
  x12_850,
  x12_zts,
  X12_CTX,
} from './fixtures';

const S = segment;
const zts = compileTransaction(x12_zts, x12Dict);
const orders = compileTransaction(edifactOrders, edifactDict);

/** Issues of ST + body + SE in the element-test transaction. */
const x12 = (...body: ReturnType<typeof S>[]): EdiIssue[] => validate(zts, x12Tx('ZTS', ...body));
/** Issues of UNH BGM DTM + body + UNS UNT. */
const edi = (body: ReturnType<typeof S>[], decimalMark: string | null = '.'): EdiIssue[] =>
  validate(orders, ordersTx(S('BGM', ['220']), S('DTM', ['137', '20260101', '102']), ...body, S('UNS', 'S')), { ...EDIFACT_CTX, decimalMark: decimalMark ?? undefined });

const ctx = { interchange: '000000905', group: '17', transaction: '0001', transactionType: '850' };

describe('element counts and presence', () => {
  it('element.too_many at the first extra position', () => {
    const issues = x12(S('BEG', '00', 'SA', 'P1', '', '20260101', 'EXTRA'));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'element.too_many', segmentIndex: 2, segmentId: 'BEG', element: 6, value: 'EXTRA', ack: { x12: '3', edifact: '16' }, ...ctx }),
    ]);
    expect(issues[0].elementRef).toBeUndefined();
    const gap = x12(S('BEG', '00', 'SA', 'P1', '', '20260101', '', 'EXTRA'));
    expect(gap).toEqual([expect.objectContaining({ code: 'element.too_many', element: 6 })]);
    expect(gap[0].value).toBeUndefined();
  });

  it('trailing empty elements beyond the definition are not "too many"', () => {
    expect(x12(S('BEG', '00', 'SA', 'P1', '', '20260101', '', ''))).toEqual([]);
  });

  it('element.mandatory_missing for an empty and for an absent trailing element', () => {
    expect(x12(S('BEG', '00', '', 'P1'))).toEqual([
      expect.objectContaining({ code: 'element.mandatory_missing', segmentIndex: 2, segmentId: 'BEG', element: 2, elementRef: '92', ack: { x12: '1', edifact: '13' } }),
      expect.objectContaining({ code: 'element.mandatory_missing', segmentIndex: 2, segmentId: 'BEG', element: 5, elementRef: '373' }),
    ]);
  });

  it('element.mandatory_missing for a mandatory component of a present composite', () => {
    const issues = x12(S('ZTS', ['', '1.5']));
    expect(issues).toEqual([expect.objectContaining({ code: 'element.mandatory_missing', element: 1, component: 1, elementRef: '355' })]);
    expect(edi([S('LIN', '1'), S('QTY', ['21', ''])])).toEqual([
      expect.objectContaining({ code: 'element.mandatory_missing', segmentIndex: 5, segmentId: 'QTY', loopId: 'SG25', element: 1, component: 2, elementRef: '6060', ack: { x12: '1', edifact: '13' } }),
    ]);
  });

  it('element.mandatory_missing for an absent mandatory composite names the composite', () => {
    const issues = validate(orders, ordersTx(S('BGM', ['220']), S('DTM', ''), S('UNS', 'S')), EDIFACT_CTX);
    expect(issues).toEqual([expect.objectContaining({ code: 'element.mandatory_missing', segmentIndex: 3, segmentId: 'DTM', element: 1, elementRef: 'C507' })]);
    expect(issues[0].component).toBeUndefined();
  });

  it('an optional composite left empty is not checked', () => {
    expect(x12(S('ZTS', ['', '', '']))).toEqual([]);
  });

  it('element.too_many_repetitions at the first repetition beyond the maximum', () => {
    const issues = x12(repeated('ZTS', [['']], [['PO'], ['VN'], ['DP']]));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'element.too_many_repetitions', segmentIndex: 2, element: 2, repetition: 3, elementRef: '128', ack: { x12: '12', edifact: '35' } }),
    ]);
  });

  it('a finding in repetition 2 carries the repetition; repetition 1 is not reported as such', () => {
    const issues = x12(repeated('ZTS', [['']], [['PO'], ['XX']]), repeated('ZTS', [['']], [['YY']]));
    expect(issues).toEqual([
      expect.objectContaining({ code: 'element.invalid_code', segmentIndex: 2, element: 2, repetition: 2, elementRef: '128', value: 'XX' }),
      expect.objectContaining({ code: 'element.invalid_code', segmentIndex: 3, element: 2, elementRef: '128', value: 'YY' }),
    ]);
    expect(issues[1].repetition).toBeUndefined();
  });

  it('element.too_many_components in a simple element and in a composite', () => {
    expect(x12(S('BEG', '00', 'SA', ['P1', 'X'], '', '20260101'))).toEqual([
      expect.objectContaining({ code: 'element.too_many_components', element: 3, component: 2, elementRef: '324', value: 'X', ack: { x12: '13', edifact: '16' } }),
    ]);
    expect(x12(S('ZTS', ['EA', '1', '2', '3']))).toEqual([expect.objectContaining({ code: 'element.too_many_components', element: 1, component: 4, elementRef: 'C001', value: '3' })]);
  });
});

describe('X12 types', () => {
  it('DT: element.invalid_date for an impossible date, too_short for a 6-digit date where 8 are required', () => {
    expect(x12(S('DTM', '002', '20260230'))).toEqual([
      expect.objectContaining({ code: 'element.invalid_date', segmentId: 'DTM', element: 2, elementRef: '373', value: '20260230', ack: { x12: '8', edifact: '12' } }),
    ]);
    expect(x12(S('DTM', '002', '260101'))).toEqual([expect.objectContaining({ code: 'element.too_short', element: 2, elementRef: '373', value: '260101' })]);
    expect(x12(S('DTM', '002', '2026-1-1'))).toEqual([expect.objectContaining({ code: 'element.invalid_date', element: 2 })]);
    expect(x12(S('DTM', '002', '20240229'))).toEqual([]);
  });

  it('validDate: 6 or 8 digits and a real calendar date', () => {
    for (const ok of ['20240229', '20000229', '240229', '000229', '19991231', '260131', '20260430']) expect(validDate(ok)).toBe(true);
    for (const bad of ['20230229', '19000229', '20261301', '20260001', '20260100', '20260431', '2026011', '2026O101', '', '202601011']) expect(validDate(bad)).toBe(false);
  });

  it('TM: element.invalid_time for hours >= 24 or minutes >= 60', () => {
    expect(x12(S('DTM', '002', '20260101', '2460'))).toEqual([
      expect.objectContaining({ code: 'element.invalid_time', element: 3, elementRef: '337', value: '2460', ack: { x12: '9', edifact: '12' } }),
    ]);
    expect(x12(S('DTM', '002', '20260101', '1260'))).toEqual([expect.objectContaining({ code: 'element.invalid_time', element: 3 })]);
    expect(x12(S('DTM', '002', '20260101', '235959'))).toEqual([]);
  });

  it('validTime: HHMM[SS[d..]]', () => {
    for (const ok of ['0000', '2359', '235959', '2359591', '23595999']) expect(validTime(ok)).toBe(true);
    for (const bad of ['2400', '1260', '125960', '12345', '12a0', '123', '1234567a', '']) expect(validTime(bad)).toBe(false);
  });

  it('N: digits with an optional minus that does not count towards the length', () => {
    expect(x12(S('ZTS', '', '', '12A'))).toEqual([
      expect.objectContaining({ code: 'element.invalid_character', element: 3, elementRef: '9001', value: '12A', ack: { x12: '6', edifact: '37' } }),
    ]);
    expect(x12(S('ZTS', '', '', '-123456'))).toEqual([]);
    expect(x12(S('ZTS', '', '', '1234567'))).toEqual([expect.objectContaining({ code: 'element.too_long', element: 3, value: '1234567', ack: { x12: '5', edifact: '39' } })]);
    expect(x12(S('ZTS', '', '', '-5'))).toEqual([expect.objectContaining({ code: 'element.too_short', element: 3, value: '-5', ack: { x12: '4', edifact: '40' } })]);
    expect(countDigitsN('-')).toBe(-1);
    expect(countDigitsN('1.5')).toBe(-1);
    expect(countDigitsN('+1')).toBe(-1);
  });

  it('R: optional minus, digits, at most one point; sign and point not counted', () => {
    expect(x12(S('PO1', '1', '1.2.3'))).toEqual([expect.objectContaining({ code: 'element.invalid_character', segmentId: 'PO1', element: 2, elementRef: '330', value: '1.2.3' })]);
    expect(x12(S('PO1', '1', '-12345678901234.5'))).toEqual([]);
    expect(x12(S('PO1', '1', '1234567890123456'))).toEqual([expect.objectContaining({ code: 'element.too_long', element: 2 })]);
    expect(countDigitsR('.5')).toBe(1);
    expect(countDigitsR('5.')).toBe(1);
    expect(countDigitsR('-')).toBe(-1);
    expect(countDigitsR('.')).toBe(-1);
    expect(countDigitsR('1e5')).toBe(-1);
  });

  it('B and AN: length only', () => {
    expect(x12(S('ZTS', '', '', '', '\u0000\u00ff*~'))).toEqual([]);
    expect(x12(S('BEG', '00', 'SA', 'X'.repeat(23), '', '20260101'))).toEqual([
      expect.objectContaining({ code: 'element.too_long', element: 3, elementRef: '324', value: 'X'.repeat(23) }),
    ]);
    expect(validate(zts, [S('ST', 'ZTS', '001'), S('SE', '2', '0001')])).toEqual([expect.objectContaining({ code: 'element.too_short', segmentIndex: 1, segmentId: 'ST', element: 2, elementRef: '329', value: '001' })]);
  });

  it('ID: element.invalid_code from the dictionary code list', () => {
    expect(x12(S('BEG', '99', 'SA', 'P1', '', '20260101'))).toEqual([
      expect.objectContaining({ code: 'element.invalid_code', element: 1, elementRef: '353', value: '99', ack: { x12: '7', edifact: '12' } }),
    ]);
  });
});

describe('EDIFACT types', () => {
  it('a: a digit is element.invalid_character', () => {
    expect(edi([S('NAD', 'BY', ['123'], ['ACME1'])])).toEqual([
      expect.objectContaining({ code: 'element.invalid_character', segmentIndex: 4, segmentId: 'NAD', loopId: 'SG2', element: 3, component: 1, elementRef: '3036', value: 'ACME1', ack: { x12: '6', edifact: '37' } }),
    ]);
  });

  it('n: a decimal mark without a digit before it', () => {
    expect(edi([S('LIN', '1'), S('QTY', ['21', '.5'])])).toEqual([
      expect.objectContaining({ code: 'element.missing_digit_before_decimal', segmentId: 'QTY', element: 1, component: 2, elementRef: '6060', value: '.5', ack: { x12: '6', edifact: '38' } }),
    ]);
    expect(edi([S('LIN', '1'), S('QTY', ['21', '-,5'])], null)).toEqual([expect.objectContaining({ code: 'element.missing_digit_before_decimal' })]);
  });

  it('n: element.invalid_decimal for two marks, the other mark, or a mark with nothing after it', () => {
    const bad = (v: string, mark: string | null = '.') => edi([S('LIN', '1'), S('QTY', ['21', v])], mark);
    expect(bad('1.2.3')).toEqual([expect.objectContaining({ code: 'element.invalid_decimal', element: 1, component: 2, value: '1.2.3', ack: { x12: '6', edifact: '19' } })]);
    expect(bad('1,5', '.')).toEqual([expect.objectContaining({ code: 'element.invalid_decimal', value: '1,5' })]);
    expect(bad('1.5', ',')).toEqual([expect.objectContaining({ code: 'element.invalid_decimal', value: '1.5' })]);
    expect(bad('5.')).toEqual([expect.objectContaining({ code: 'element.invalid_decimal', value: '5.' })]);
    expect(bad('1,5', ',')).toEqual([]);
    expect(bad('1,5', null)).toEqual([]);
    expect(bad('1.5', null)).toEqual([]);
  });

  it('n: other characters are element.invalid_character; sign and mark do not count towards the length', () => {
    const run = (v: string) => edi([S('LIN', '1'), S('QTY', ['21', v])]);
    expect(run('12a')).toEqual([expect.objectContaining({ code: 'element.invalid_character', value: '12a', ack: { x12: '6', edifact: '37' } })]);
    expect(run('1 2')).toEqual([expect.objectContaining({ code: 'element.invalid_character' })]);
    expect(run('-12345678901234.5')).toEqual([]);
    expect(run('1234567890123456')).toEqual([expect.objectContaining({ code: 'element.too_long', elementRef: '6060', ack: { x12: '5', edifact: '39' } })]);
    expect(countDigitsEdifact('-1.50', DecimalMode.Point)).toBe(3);
  });

  it('an with a code list: element.invalid_code; a too-long composite component', () => {
    expect(edi([S('NAD', 'XX')])).toEqual([expect.objectContaining({ code: 'element.invalid_code', element: 1, elementRef: '3035', value: 'XX', ack: { x12: '7', edifact: '12' } })]);
    expect(edi([S('NAD', 'BY', ['1'.repeat(36)])])).toEqual([expect.objectContaining({ code: 'element.too_long', element: 1 + 1, component: 1, elementRef: '3039' })]);
  });

  it('the header and trailer elements are checked (UNT 0074 is n)', () => {
    const tx = ordersTx(S('BGM', ['220']), S('DTM', ['137', '20260101', '102']), S('UNS', 'S')).slice(0, -1);
    tx.push(S('UNT', '5x', 'M1'));
    expect(validate(orders, tx, EDIFACT_CTX)).toEqual([expect.objectContaining({ code: 'element.invalid_character', segmentIndex: 5, segmentId: 'UNT', element: 1, elementRef: '0074', value: '5x' })]);
  });
});

describe('syntax notes', () => {
  it('P (paired): if any is present all are required', () => {
    expect(x12(S('N1', 'ST', 'Name', '92'))).toEqual([
      expect.objectContaining({ code: 'element.conditional_missing', segmentId: 'N1', element: 4, elementRef: '67', ack: { x12: '2', edifact: '13' } }),
    ]);
    expect(x12(S('N1', 'ST', 'Name', '', 'ID1'))).toEqual([expect.objectContaining({ code: 'element.conditional_missing', element: 3, elementRef: '66' })]);
  });

  it('R (required): at least one', () => {
    expect(x12(S('N1', 'ST'))).toEqual([expect.objectContaining({ code: 'element.conditional_missing', element: 2, elementRef: '93' })]);
    expect(x12(S('N1', 'ST', '', '92', 'ID1'))).toEqual([]);
  });

  it('E (exclusion): not more than one, reported at the second present element', () => {
    expect(x12(S('ZTS', '', '', '', '', 'A', 'B'))).toEqual([
      expect.objectContaining({ code: 'element.exclusion_violated', element: 6, elementRef: '352', value: 'B', ack: { x12: '10', edifact: '48' } }),
    ]);
  });

  it('C (conditional): if the first is present all others are required', () => {
    expect(x12(S('DTM', '002', '', '1200'))).toEqual([expect.objectContaining({ code: 'element.conditional_missing', segmentId: 'DTM', element: 2, elementRef: '373' })]);
    expect(x12(S('DTM', '002', '20260101'))).toEqual([]);
  });

  it('every presence pattern gives the findings the notes define (N1 R0203 P0304, ZTS E0506 L050607, DTM R0203 C0302)', () => {
    type Note = [kind: string, positions: number[]];
    /** Findings of the notes for the set of present positions, read literally from the note definitions. */
    const expected = (notes: Note[], present: Set<number>): [string, number][] => {
      const out: [string, number][] = [];
      for (const [kind, pos] of notes) {
        const has = pos.map((p) => present.has(p));
        const seen = has.filter(Boolean).length;
        if (kind === 'R' && seen === 0) out.push(['element.conditional_missing', pos[0]]);
        if (kind === 'P' && seen > 0 && seen < pos.length) pos.forEach((p, i) => !has[i] && out.push(['element.conditional_missing', p]));
        if (kind === 'E') pos.filter((p) => present.has(p)).slice(1).forEach((p) => out.push(['element.exclusion_violated', p]));
        if (kind === 'C' && has[0]) pos.slice(1).forEach((p, i) => !has[i + 1] && out.push(['element.conditional_missing', p]));
        if (kind === 'L' && has[0] && !has.slice(1).some(Boolean)) out.push(['element.conditional_missing', pos[1]]);
      }
      return out;
    };
    const cases: { tag: string; fixed: Record<number, string>; values: Record<number, string>; notes: Note[] }[] = [
      { tag: 'N1', fixed: { 1: 'ST' }, values: { 2: 'Name', 3: '92', 4: 'ID1' }, notes: [['R', [2, 3]], ['P', [3, 4]]] },
      { tag: 'ZTS', fixed: {}, values: { 5: 'A', 6: 'B', 7: 'C' }, notes: [['E', [5, 6]], ['L', [5, 6, 7]]] },
      { tag: 'DTM', fixed: { 1: '002' }, values: { 2: '20260101', 3: '1200' }, notes: [['R', [2, 3]], ['C', [3, 2]]] },
    ];
    for (const { tag, fixed, values, notes } of cases) {
      const positions = Object.keys(values).map(Number);
      const last = Math.max(...positions);
      for (let bits = 0; bits < 1 << positions.length; bits++) {
        const present = new Set(positions.filter((_, i) => bits & (1 << i)));
        const elements = Array.from({ length: last }, (_, i) => fixed[i + 1] ?? (present.has(i + 1) ? values[i + 1] : ''));
        const found = x12(S(tag, ...elements))
          .filter((i) => i.code === 'element.conditional_missing' || i.code === 'element.exclusion_violated')
          .map((i): [string, number] => [i.code, i.element ?? 0]);
        expect({ tag, present: [...present], found }).toEqual({ tag, present: [...present], found: expected(notes, present) });
      }
    }
  });

  it('L (list conditional): if the first is present at least one of the others', () => {
    expect(x12(S('ZTS', '', '', '', '', 'A'))).toEqual([expect.objectContaining({ code: 'element.conditional_missing', element: 6, elementRef: '352' })]);
    expect(x12(S('ZTS', '', '', '', '', 'A', '', 'C'))).toEqual([]);
  });
});

describe('per-use codes and overlays', () => {
  it('SegmentUse.codes "01" narrows the code list of one use', () => {
    const c850 = compileTransaction(x12_850, x12Dict);
    const tx = x12Tx('850', S('BEG', '00', 'SA', 'P1', '', '20260101'), S('N1', 'SF', 'x'), S('PO1', '1'));
    expect(validate(c850, tx)).toEqual([expect.objectContaining({ code: 'element.invalid_code', segmentIndex: 3, segmentId: 'N1', loopId: 'N1', element: 1, elementRef: '98', value: 'SF' })]);
  });

  it('SegmentUse.codes "01-01" narrows a component code list', () => {
    const def: TransactionDef = { ...x12_zts, structure: [x12_zts.structure[0], { segment: 'ZTS', req: 'O', max: 0, codes: { '01-01': ['CA'] } }, ...x12_zts.structure.slice(2)] };
    const compiled = compileTransaction(def, x12Dict);
    expect(validate(compiled, x12Tx('ZTS', S('ZTS', ['EA'])))).toEqual([expect.objectContaining({ code: 'element.invalid_code', element: 1, component: 1, elementRef: '355', value: 'EA' })]);
    expect(validate(compiled, x12Tx('ZTS', S('ZTS', ['CA'])))).toEqual([]);
  });

  it('overlay elements tighten the dictionary without touching the shared compilation', () => {
    const tight = compileTransaction(x12_zts, x12Dict, { elements: { '324': { max: 10 } } });
    const beg = S('BEG', '00', 'SA', 'P'.repeat(11), '', '20260101');
    expect(validate(tight, x12Tx('ZTS', beg))).toEqual([expect.objectContaining({ code: 'element.too_long', element: 3, elementRef: '324' })]);
    expect(validate(zts, x12Tx('ZTS', beg))).toEqual([]);
  });

  it('overlay segments replace a segment definition (element marked N, narrower codes at the reference)', () => {
    const overlay = {
      segments: {
        BEG: {
          name: 'BEG for partner',
          elements: [
            { ref: '353', req: 'M' as const, codes: ['00'] },
            { ref: '92', req: 'M' as const },
            { ref: '324', req: 'M' as const },
            { ref: '328', req: 'N' as const },
            { ref: '373', req: 'M' as const },
          ],
        },
      },
    };
    const compiled = compileTransaction(x12_zts, x12Dict, overlay);
    expect(validate(compiled, x12Tx('ZTS', S('BEG', '01', 'SA', 'P1', 'REL', '20260101')))).toEqual([
      expect.objectContaining({ code: 'element.invalid_code', element: 1, value: '01' }),
      expect.objectContaining({ code: 'element.implementation_not_used', element: 4, elementRef: '328', value: 'REL', ack: { x12: '3', x12Impl: 'I10', edifact: '15' } }),
    ]);
  });

  it('compiles once per (definition, dictionary) without overlay', () => {
    expect(compileTransaction(x12_zts, x12Dict)).toBe(zts);
    expect(compileTransaction(x12_zts, x12Dict, {})).not.toBe(zts);
  });

  it('CompileError for references to nothing', () => {
    const bad = (structure: TransactionDef['structure']) => () => compileTransaction({ id: 'BAD', name: 'bad', structure }, x12Dict);
    expect(bad([{ segment: 'ST', req: 'M', max: 1 }, { segment: 'QQQ', req: 'M', max: 1 }])).toThrow(CompileError);
    expect(bad([{ segment: 'ST', req: 'M', max: 1 }, { segment: 'SE', req: 'M', max: 1, codes: { '05': ['X'] } }])).toThrow(/SE has 2 elements/);
    const badNote = () => compileTransaction(x12_zts, x12Dict, { segments: { ZTS: { name: 'z', elements: [{ ref: '93', req: 'O' }], syntax: ['P0102'] } } });
    expect(badNote).toThrow(/names element 2/);
  });
});

describe('issue positions', () => {
  it('every issue carries the envelope control numbers and the segment position', () => {
    const issues = validate(zts, [S('ST', 'ZTS', '0001'), S('BEG', '99', 'SA', 'P1', '', '20260101'), S('SE', '3', '0001')], X12_CTX);
    expect(issues[0]).toEqual({
      code: 'element.invalid_code',
      severity: 'error',
      level: 'element',
      message: expect.any(String),
      ack: { x12: '7', edifact: '12' },
      interchange: '000000905',
      group: '17',
      transaction: '0001',
      transactionType: '850',
      segmentIndex: 2,
      fileSegmentIndex: 2,
      offset: 0,
      segmentId: 'BEG',
      element: 1,
      elementRef: '353',
      value: '99',
    });
  });
});

describe('CodeSet', () => {
  it('finds codes in small and large lists, packed or not', () => {
    const small = new CodeSet(['A', 'BB']);
    expect(small.has('A')).toBe(true);
    expect(small.has('C')).toBe(false);
    const codes = ['EA', 'CA', 'PK', 'BX', 'DZ', 'LB', 'KG', 'FT', 'M', '1234', 'LONGCODE', 'ÄÖ', '12345'];
    const large = new CodeSet(codes);
    for (const c of codes) expect(large.has(c)).toBe(true);
    for (const c of ['', 'E', 'EA ', 'ea', '1235', 'LONGCODF', 'Ä', '123456']) expect(large.has(c)).toBe(false);
    expect(large.values().sort()).toEqual([...codes].sort());
    expect(large.size).toBe(codes.length);
  });
});
