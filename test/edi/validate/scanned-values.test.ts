/**
 * The validator reads typed values (DT, TM, N, R, n) straight from the scanner's bytes when it can, and
 * from decoded strings otherwise (ArraySegment, release characters, non-ASCII bytes). Both ways must
 * report exactly the same findings.
 */
import fc from 'fast-check';
import type { EdiIssue } from '../../../src/edi/common/issues';
import { makeDelimiters, SegmentScanner, type Delimiters } from '../../../src/edi/common/scanner';
import type { ParsedSegment } from '../../../src/edi/common/segment';
import { compileTransaction, createTransactionValidator, type CompiledTransaction, type TransactionContext } from '../../../src/edi/common/validate';
import { EDIFACT_CTX, edifactDict, edifactOrders, ordersTx, segment as S, validate, x12Dict, x12Tx, x12_zts, X12_CTX } from './fixtures';

const zts = compileTransaction(x12_zts, x12Dict);
const orders = compileTransaction(edifactOrders, edifactDict);

const X12: Delimiters = makeDelimiters(0x2a, 0x3e, -1, -1, Uint8Array.of(0x7e));
const EDIFACT: Delimiters = makeDelimiters(0x2b, 0x3a, -1, 0x3f, Uint8Array.of(0x27));

/** Serialize simple segments (values must not hold delimiters). */
function raw(segments: ParsedSegment[], d: Delimiters): Buffer {
  const el = String.fromCharCode(d.element);
  const comp = String.fromCharCode(d.component);
  const term = String.fromCharCode(d.terminator[0]);
  return Buffer.from(segments.map((s) => [s.tag, ...s.elements.map((e) => e[0].join(comp))].join(el) + term).join(''), 'latin1');
}

/** Issues of the segments validated through the byte scanner's views. */
function scanned(compiled: CompiledTransaction, segments: ParsedSegment[], d: Delimiters, ctx: TransactionContext): EdiIssue[] {
  const issues: EdiIssue[] = [];
  const v = createTransactionValidator(compiled, ctx, (i) => issues.push(i));
  const scanner = new SegmentScanner(() => ({ kind: 'found', delimiters: d, skip: 0 }), { segment: (seg) => v.segment(seg), delimiters: () => undefined, notice: () => undefined });
  scanner.setEncoding('latin1');
  scanner.write(raw(segments, d));
  scanner.end();
  v.end();
  // The scanner's views know their file offsets; the parsed segments do not.
  return issues.map((i) => ({ ...i, offset: undefined }));
}

const arrayIssues = (compiled: CompiledTransaction, segments: ParsedSegment[], ctx: TransactionContext): EdiIssue[] => validate(compiled, segments, ctx).map((i) => ({ ...i, offset: undefined }));

const value = fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '5', '9', '.', ',', '-', 'A', ' '), maxLength: 18 });

describe('typed values: scanner bytes and decoded strings agree', () => {
  it('X12 DT, TM, N and R', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const tx = x12Tx('ZTS', S('ZTS', '', '', a), S('DTM', '002', a, b), S('PO1', '1', b));
        expect(scanned(zts, tx, X12, X12_CTX)).toEqual(arrayIssues(zts, tx, X12_CTX));
      }),
      { numRuns: 400 },
    );
  });

  it('EDIFACT n with each decimal mark setting', () => {
    fc.assert(
      fc.property(value, fc.constantFrom<string | undefined>('.', ',', undefined), (v, mark) => {
        const tx = ordersTx(S('BGM', ['220']), S('DTM', ['137', '20260101', '102']), S('LIN', '1'), S('QTY', ['21', v]), S('UNS', 'S'));
        const ctx = { ...EDIFACT_CTX, decimalMark: mark };
        expect(scanned(orders, tx, EDIFACT, ctx)).toEqual(arrayIssues(orders, tx, ctx));
      }),
      { numRuns: 400 },
    );
  });

  it('finds the typed errors through the byte path too', () => {
    const tx = x12Tx('ZTS', S('ZTS', '', '', '12A'), S('DTM', '002', '20260230', '2460'), S('PO1', '1', '1.2.3'));
    expect(scanned(zts, tx, X12, X12_CTX).map((i) => i.code)).toEqual(['element.invalid_character', 'element.invalid_date', 'element.invalid_time', 'element.invalid_character']);
  });
});
