/**
 * Validates one transaction set / message (ST..SE, UNH..UNT) fed segment by segment: places each
 * segment in the structure (structure.ts), then checks its elements against the definition of that
 * structure position (elements.ts). Every finding carries the envelope control numbers of the context
 * and the segment's position in the transaction (ST/UNH = 1).
 *
 * Envelope matters (SE01 count, ST02 = SE02, a missing trailer) are the envelope reader's: the
 * trailer's elements are checked like any other segment's, nothing more.
 */
import type { EdiIssue, IssueCode, IssuePosition } from '../issues';
import { makeIssue } from '../issues';
import type { SegmentView } from '../segment';
import type { CompiledTransaction } from './compile';
import type { DecimalMode, ElementIssueSink } from './elements';
import { checkElements, decimalMode } from './elements';
import type { StructureIssueSink } from './structure';
import { StructureWalker } from './structure';

/** The envelope around the transaction, copied into every issue. */
export interface TransactionContext {
  standard: 'x12' | 'edifact';
  /** Interchange control number (ISA13 / UNB 0020). */
  interchange?: string;
  /** Group control number (GS06 / UNG 0048). */
  group?: string;
  /** Transaction control number (ST02 / UNH 0062). */
  transaction?: string;
  /** 850, ORDERS. */
  transactionType?: string;
  /** EDIFACT decimal mark from UNA ('.' or ','); undefined = accept either. */
  decimalMark?: string;
}

export interface TransactionValidator {
  /** Feed the next segment (header first, trailer last). The view is not kept. */
  segment(seg: SegmentView): void;
  /** The trailer has been fed (or the transaction ended without one): report what never came. */
  end(): void;
  /** Start over for the next transaction of the same type (reuses the validator's state, no allocation). */
  reset(ctx: TransactionContext): void;
}

/** Create a validator for one transaction; `report` receives each finding as it is found. */
export function createTransactionValidator(compiled: CompiledTransaction, ctx: TransactionContext, report: (issue: EdiIssue) => void): TransactionValidator {
  return new Validator(compiled, ctx, report);
}

class Validator implements TransactionValidator, ElementIssueSink, StructureIssueSink {
  private readonly walker: StructureWalker;
  private decimals: DecimalMode;
  private segmentIndex = 0;
  private segmentId = '';
  private loopId: string | undefined = undefined;
  private fileSegmentIndex = -1;
  private offset = -1;
  private ended = false;

  constructor(
    compiled: CompiledTransaction,
    private ctx: TransactionContext,
    private readonly report: (issue: EdiIssue) => void,
  ) {
    this.walker = new StructureWalker(compiled);
    this.decimals = decimalMode(ctx.decimalMark);
  }

  segment(seg: SegmentView): void {
    this.segmentIndex++;
    this.segmentId = seg.tag;
    this.fileSegmentIndex = seg.index + 1;
    this.offset = seg.offset;
    this.loopId = undefined;
    const node = this.walker.place(seg, this);
    if (node === null) return;
    this.loopId = node.parentLoopId;
    if (node.req === 'N') this.structureIssue('segment.implementation_not_used', node.tag, node.parentLoopId);
    checkElements(seg, node.segment, this, this.decimals);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.walker.end(this);
  }

  reset(ctx: TransactionContext): void {
    this.ctx = ctx;
    this.decimals = decimalMode(ctx.decimalMark);
    this.walker.reset();
    this.segmentIndex = 0;
    this.segmentId = '';
    this.loopId = undefined;
    this.fileSegmentIndex = -1;
    this.offset = -1;
    this.ended = false;
  }

  structureIssue(code: IssueCode, segmentId: string, loopId: string | undefined, detail?: string): void {
    const pos = this.position(segmentId, loopId);
    this.report(makeIssue(code, pos, detail));
  }

  elementIssue(code: IssueCode, element: number, component: number, repetition: number, elementRef: string, value: string | undefined, detail?: string): void {
    const pos = this.position(this.segmentId, this.loopId);
    pos.element = element;
    if (component > 0) pos.component = component;
    if (repetition > 1) pos.repetition = repetition;
    if (elementRef !== '') pos.elementRef = elementRef;
    this.report(makeIssue(code, pos, detail, value));
  }

  private position(segmentId: string, loopId: string | undefined): IssuePosition {
    const ctx = this.ctx;
    const pos: IssuePosition = {};
    if (ctx.interchange !== undefined) pos.interchange = ctx.interchange;
    if (ctx.group !== undefined) pos.group = ctx.group;
    if (ctx.transaction !== undefined) pos.transaction = ctx.transaction;
    if (ctx.transactionType !== undefined) pos.transactionType = ctx.transactionType;
    if (this.segmentIndex > 0) pos.segmentIndex = this.segmentIndex;
    if (this.fileSegmentIndex > 0) pos.fileSegmentIndex = this.fileSegmentIndex;
    pos.segmentId = segmentId;
    if (loopId !== undefined && loopId !== '') pos.loopId = loopId;
    if (this.offset >= 0) pos.offset = this.offset;
    return pos;
  }
}
