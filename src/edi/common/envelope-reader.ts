/**
 * What the X12 and EDIFACT envelope readers share: the open interchange / group / transaction, the
 * issue reporting with envelope context, scanner notices, and closing whatever a missing trailer left
 * open. Each standard's reader adds its own header/trailer rules.
 */
import type { EdiHandler, GroupHeader, InterchangeHeader, SegmentPlace, TransactionHeader } from './events';
import { makeIssue, type AckCodes, type IssueCode, type IssuePosition } from './issues';
import { SegmentScanner, type DelimiterDetector, type Delimiters, type ScanNotice, type ScannedSegment, type ScannerOptions } from './scanner';

export interface OpenInterchange {
  header: InterchangeHeader;
  groups: number;
  /** Messages directly in the interchange (EDIFACT without UNG) or TA1 segments (X12). */
  direct: number;
  transactions: number;
  errors: number;
  groupNumbers: Set<string>;
  transactionNumbers: Set<string>;
}
export interface OpenGroup {
  header: GroupHeader;
  transactions: number;
  errors: number;
  transactionNumbers: Set<string>;
}
export interface OpenTransaction {
  header: TransactionHeader;
  count: number;
  errors: number;
}

/** Control numbers remembered per group / interchange for the duplicate check. */
export const MAX_TRACKED = 100_000;

/** Trailer names used in messages about missing trailers. */
export interface TrailerNames {
  transaction: [header: string, trailer: string];
  group: [header: string, trailer: string];
  interchange: [header: string, trailer: string];
}

/** Base of the envelope readers: `write()` chunks, then `end()`. */
export abstract class EnvelopeReader {
  protected readonly scanner: SegmentScanner;
  protected ic: OpenInterchange | null = null;
  protected grp: OpenGroup | null = null;
  protected tx: OpenTransaction | null = null;
  protected interchangeIndex = 0;
  /** Delimiters found for the interchange whose header segment comes next. */
  protected pendingDelims: Delimiters | null = null;
  /** Bytes the detector consumed before the header (the UNA string advice). */
  protected pendingAdvice = '';
  /** Layout before the UNA string advice (for round trips). */
  protected pendingAdviceLayout = '';
  protected halted = false;
  private readonly place: SegmentPlace = { level: 'outside', position: 0 };

  protected constructor(protected readonly handler: EdiHandler, detect: DelimiterDetector, private readonly names: TrailerNames, options: ScannerOptions, headerTags: string[]) {
    this.scanner = new SegmentScanner(detect, {
      segment: (seg) => {
        if (this.halted) return;
        // Only the interchange trailer may lack its terminator (many files end without one).
        if (seg.unterminated && this.ic && seg.tag !== this.names.interchange[1]) this.report('file.truncated', { segmentId: seg.tag, segmentIndex: seg.index + 1, fileSegmentIndex: seg.index + 1, offset: seg.offset }, `the input ends inside ${seg.tag} (no segment terminator)`);
        this.onSegment(seg);
      },
      delimiters: (d, _offset, skipped, layout) => {
        this.pendingDelims = d;
        this.pendingAdvice = skipped.toString('latin1');
        this.pendingAdviceLayout = layout;
      },
      notice: (n) => this.onNotice(n),
    }, options, headerTags);
  }

  /** Feed a chunk of the input. */
  write(chunk: Buffer): void {
    this.scanner.write(chunk);
  }

  /** The input is complete: close what is still open and report missing trailers. */
  end(): void {
    this.scanner.end();
    this.closeAll(undefined);
    this.handler.end?.();
  }

  protected abstract onSegment(seg: ScannedSegment): void;

  /** Stop reading: the rest cannot be tokenized meaningfully. */
  protected haltReading(): void {
    this.halted = true;
    this.scanner.halt();
  }

  protected report(code: IssueCode, pos: IssuePosition, detail?: string, value?: string, ack?: AckCodes): void {
    const issue = makeIssue(code, {
      interchange: this.ic?.header.controlNumber,
      group: this.grp?.header.controlNumber,
      transaction: this.tx?.header.controlNumber,
      transactionType: this.tx?.header.id,
      ...pos,
    }, detail, value, ack);
    if (issue.severity === 'error') {
      if (this.tx && issue.transaction === this.tx.header.controlNumber) this.tx.errors++;
      else if (this.grp && issue.level === 'group') this.grp.errors++;
      if (this.ic) this.ic.errors++;
    }
    this.handler.issue?.(issue);
  }

  private onNotice(n: ScanNotice): void {
    switch (n.kind) {
      case 'bom':
        return this.report('file.bom', { offset: n.offset });
      case 'leading-whitespace':
        return this.report('file.leading_whitespace', { offset: n.offset });
      case 'line-break-in-segment':
        return this.report('file.line_break_in_segment', { offset: n.offset });
      case 'not-edi':
        return this.report(n.afterTrailer ? 'file.data_after_trailer' : 'file.not_edi', { offset: n.offset }, `found "${n.sample.replace(/[\r\n]+/g, ' ')}"`);
      case 'truncated':
        return this.report('file.truncated', { offset: n.offset });
      case 'trailing-layout':
        this.handler.layout?.(n.text);
        return;
      case 'segment-too-long':
        this.report('interchange.segment_terminator_invalid', { offset: n.offset }, `no segment terminator within ${n.limit} bytes`);
        this.halted = true;
        return;
    }
  }

  protected emit(seg: ScannedSegment, level: SegmentPlace['level'], position: number): void {
    this.place.level = level;
    this.place.position = position;
    this.handler.segment?.(seg, this.place);
  }

  /** Position of a segment for an issue: inside the open transaction, or in the file. */
  protected segPos(seg: ScannedSegment, inTx: boolean): IssuePosition {
    return { segmentId: seg.tag, segmentIndex: inTx && this.tx ? this.tx.count : seg.index + 1, fileSegmentIndex: seg.index + 1, offset: seg.offset };
  }

  /**
   * True when `key` was seen before in `set`; remembers it otherwise. At most MAX_TRACKED control numbers
   * are remembered per group or interchange, so a 1 GB group does not grow memory without bound: beyond
   * that, duplicates of the first MAX_TRACKED are still found.
   */
  protected seenBefore(set: Set<string>, key: string): boolean {
    if (set.has(key)) return true;
    if (set.size < MAX_TRACKED) set.add(key);
    return false;
  }

  /** The level a stray segment sits at. */
  protected levelNow(): SegmentPlace['level'] {
    return this.grp ? 'group' : this.ic ? 'interchange' : 'outside';
  }

  protected openInterchange(header: InterchangeHeader): OpenInterchange {
    this.ic = { header, groups: 0, direct: 0, transactions: 0, errors: 0, groupNumbers: new Set(), transactionNumbers: new Set() };
    this.handler.interchangeStart?.(header);
    return this.ic;
  }

  protected openGroup(header: GroupHeader): OpenGroup {
    this.grp = { header, transactions: 0, errors: 0, transactionNumbers: new Set() };
    if (this.ic) this.ic.groups++;
    this.handler.groupStart?.(header);
    return this.grp;
  }

  protected openTransaction(header: TransactionHeader): OpenTransaction {
    this.tx = { header, count: 1, errors: 0 };
    if (this.grp) this.grp.transactions++;
    else if (this.ic) this.ic.direct++;
    if (this.ic) this.ic.transactions++;
    this.handler.transactionStart?.(header);
    return this.tx;
  }

  protected finishTransaction(seg: ScannedSegment | undefined, trailerFound: boolean, declared?: number): void {
    const tx = this.tx;
    if (!tx) return;
    this.tx = null;
    this.handler.transactionEnd?.(tx.header, { segmentCount: tx.count, declaredCount: declared, trailerFound, errors: tx.errors, endOffset: seg ? seg.offset : -1 });
  }

  protected finishGroup(trailerFound: boolean, declared?: number): void {
    const g = this.grp;
    if (!g) return;
    this.grp = null;
    this.handler.groupEnd?.(g.header, { declaredCount: declared, transactions: g.transactions, trailerFound, errors: g.errors });
  }

  protected finishInterchange(trailerFound: boolean, declared?: number): void {
    const ic = this.ic;
    if (!ic) return;
    this.ic = null;
    this.handler.interchangeEnd?.(ic.header, { declaredCount: declared, groups: ic.groups, transactions: ic.transactions, trailerFound, errors: ic.errors });
  }

  private missingAt(at: ScannedSegment | undefined): IssuePosition {
    return at ? { segmentId: at.tag, segmentIndex: at.index + 1, fileSegmentIndex: at.index + 1, offset: at.offset } : {};
  }

  /** Close an open transaction whose trailer never came. */
  protected closeTransaction(at: ScannedSegment | undefined): void {
    if (!this.tx) return;
    const [h, t] = this.names.transaction;
    this.report('transaction.trailer_missing', { ...this.missingAt(at), segmentIndex: this.tx.count + 1 }, `no ${t} for ${h} ${this.tx.header.controlNumber}`);
    this.finishTransaction(at, false);
  }

  /** Close an open group whose trailer never came. */
  protected closeGroup(at: ScannedSegment | undefined): void {
    if (!this.grp) return;
    const [h, t] = this.names.group;
    this.report('group.trailer_missing', this.missingAt(at), `no ${t} for ${h} ${this.grp.header.controlNumber}`);
    this.grp.errors++;
    this.finishGroup(false);
  }

  /** Close everything still open (a new header arrived, or the input ended). */
  protected closeAll(at: ScannedSegment | undefined): void {
    this.closeTransaction(at);
    this.closeGroup(at);
    if (!this.ic) return;
    const [h, t] = this.names.interchange;
    this.report('interchange.trailer_missing', this.missingAt(at), `no ${t} for ${h} ${this.ic.header.controlNumber}`);
    this.finishInterchange(false);
  }
}
