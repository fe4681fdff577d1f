/**
 * Acknowledgments for what we receive, independent of the standard: an `AckCollector` (an EdiHandler)
 * reads the input once, runs the definition validator on every transaction like `EdiValidator` does, and
 * keeps per interchange / group / transaction only what an acknowledgment needs (bounded: a transaction
 * keeps at most `maxSegmentFindings` segment/element findings, never its segments). `acknowledge()` turns
 * each finished interchange into the acks of its standard: X12 TA1 / 997 / 999 (src/edi/x12/ack) and
 * EDIFACT CONTRL (src/edi/edifact/ack), with our own control numbers from a `ControlNumbers` source.
 */
import type { EdiHandler, GroupHeader, GroupSummary, InterchangeHeader, InterchangeSummary, SegmentPlace, Standard, TransactionHeader, TransactionSummary } from './common/events';
import { makeIssue, type EdiIssue } from './common/issues';
import type { ScannedSegment } from './common/scanner';
import { createTransactionValidator, type CompiledTransaction, type DefinitionOverlay, type TransactionValidator } from './common/validate';
import { buildContrl, contrlUnaddressable } from './edifact/ack/contrl';
import { EdiReader } from './reader';
import { definitionFor, definitionVersion } from './validate';
import { buildFunctionalAck, functionalAckKind } from './x12/ack/functional';
import { buildTa1, interchangeRejected } from './x12/ack/ta1';

// ---------------------------------------------------------------------------------------------------
// Control numbers

export type ControlLevel = 'interchange' | 'group' | 'transaction';

/** Source of our own control numbers (ISA13 / GS06 / ST02, UNB 0020 / UNH 0062), per partner and level. */
export interface ControlNumbers {
  next(level: ControlLevel, partnerKey: string): number;
}

/** Largest control number per level before wrapping to 1 (ISA13 and GS06 are 9 digits, ST02 up to 9). */
export const CONTROL_NUMBER_MAX: Record<ControlLevel, number> = { interchange: 999_999_999, group: 999_999_999, transaction: 999_999_999 };

/**
 * In-memory control numbers: strictly increasing per partner and level from `start` (default 1), wrapping
 * to 1 after the maximum. Lost on restart: the ledger-backed source replaces it in the pipeline.
 */
export class InMemoryControlNumbers implements ControlNumbers {
  private readonly last = new Map<string, number>();
  constructor(private readonly start = 1) {}

  next(level: ControlLevel, partnerKey: string): number {
    const key = `${level}\u0000${partnerKey}`;
    const prev = this.last.get(key);
    let n = prev === undefined ? this.start : prev + 1;
    if (n > CONTROL_NUMBER_MAX[level] || n < 1) n = 1;
    this.last.set(key, n);
    return n;
  }
}

// ---------------------------------------------------------------------------------------------------
// What the collector keeps

/** One finding as the ack builders need it (a trimmed EdiIssue). */
export type AckFinding = Pick<EdiIssue, 'code' | 'level' | 'ack' | 'message' | 'segmentIndex' | 'segmentId' | 'loopId' | 'element' | 'component' | 'repetition' | 'elementRef' | 'value'>;

export interface TransactionRecord {
  /** 850, ORDERS. */
  id: string;
  controlNumber: string;
  /** X12 ST03. */
  implementationReference?: string;
  /** GS08 / UNH version+release as the header gives it. */
  version: string;
  /** EDIFACT UNH S009 as received: type, version, release, agency, association. */
  messageIdentifier?: string[];
  /** Business identifier of the document (850 BEG03, 810 BIG02 ...) for the 999 CTX, when found. */
  businessUnit?: { name: string; value: string };
  segmentCount: number;
  trailerFound: boolean;
  /** Transaction-level errors (AK5 / IK5 / UCM codes). */
  errors: AckFinding[];
  /** Segment and element errors (AK3/AK4, IK3/IK4, UCS/UCD), at most `maxSegmentFindings`. */
  segmentFindings: AckFinding[];
  /** Segment/element errors not kept because of the bound. */
  droppedFindings: number;
  contentValidated: boolean;
}

export interface GroupRecord {
  header: GroupHeader;
  /** EDIFACT UNG S006 / S007 as received (id, qualifier). */
  applicationSender?: string[];
  applicationRecipient?: string[];
  /** GE01 / UNE 0060 as a number, undefined when missing or not numeric. */
  declaredCount?: number;
  trailerFound: boolean;
  /** Transactions received in the group. */
  received: number;
  errors: AckFinding[];
  transactions: TransactionRecord[];
}

export interface InterchangeRecord {
  standard: Standard;
  header: InterchangeHeader;
  declaredCount?: number;
  trailerFound: boolean;
  /** Interchange-level errors (TA1 / UCI codes), and lower-level errors found outside any group/transaction. */
  errors: AckFinding[];
  groups: GroupRecord[];
  /** Transactions directly in the interchange (EDIFACT without UNG, or X12 ST outside GS). */
  transactions: TransactionRecord[];
  /** Warnings seen in the interchange (they never reject). */
  warnings: number;
}

export interface AckCollectorOptions {
  /** Called when an interchange is complete; without it, records pile up in `interchanges`. */
  onInterchange?: (ic: InterchangeRecord) => void;
  /** Segment/element findings kept per transaction (default 200; the builders report at most 100 AK3/UCS). */
  maxSegmentFindings?: number;
  /** Check transaction content against the shipped definitions (default true). */
  content?: boolean;
  overlays?: Record<string, DefinitionOverlay>;
  /** Characters outside the declared EDIFACT character set are warnings, not errors. */
  lenientCharset?: boolean;
  /** Extra interchange checks that need partner knowledge (duplicates, test indicator). */
  checkInterchange?: (h: InterchangeHeader) => EdiIssue[];
}

const MAX_ENVELOPE_FINDINGS = 20;
const MAX_FILE_ISSUES = 20;

/** The business identifier a 999 CTX reports per X12 transaction set. */
const BUSINESS_UNIT: Record<string, [tag: string, element: number]> = {
  '850': ['BEG', 3], '855': ['BAK', 3], '860': ['BCH', 3], '865': ['BCA', 3], '810': ['BIG', 2], '856': ['BSN', 2], '997': ['AK1', 2], '999': ['AK1', 2],
};

function toFinding(i: EdiIssue): AckFinding {
  const f: AckFinding = { code: i.code, level: i.level, ack: i.ack, message: i.message };
  if (i.segmentIndex !== undefined) f.segmentIndex = i.segmentIndex;
  if (i.segmentId !== undefined) f.segmentId = i.segmentId;
  if (i.loopId !== undefined) f.loopId = i.loopId;
  if (i.element !== undefined) f.element = i.element;
  if (i.component !== undefined) f.component = i.component;
  if (i.repetition !== undefined) f.repetition = i.repetition;
  if (i.elementRef !== undefined) f.elementRef = i.elementRef;
  if (i.value !== undefined) f.value = i.value;
  return f;
}

/**
 * Streaming EdiHandler that keeps what acknowledgments need. Feed it through an `EdiReader` (or use
 * `write()`/`end()`, which do that).
 */
export class AckCollector implements EdiHandler {
  readonly interchanges: InterchangeRecord[] = [];
  /** Findings outside any interchange (file.empty, file.not_edi, data after a trailer). */
  readonly fileIssues: AckFinding[] = [];
  /** Transaction types received without a shipped definition ("850 003040"). */
  readonly unvalidated = new Set<string>();
  private readonly reader: EdiReader;
  private ic: InterchangeRecord | null = null;
  private grp: GroupRecord | null = null;
  private tx: TransactionRecord | null = null;
  private validator: TransactionValidator | null = null;
  /** The validator made last and its definition (see transactionStart). */
  private lastDef: CompiledTransaction | null = null;
  private lastValidator: TransactionValidator | null = null;
  private lastLookup: { standard: Standard; id: string; version: string; def: CompiledTransaction | null } | undefined;
  private decimalMark: string | undefined;
  /** The standard of the last interchange (fed by another reader, this collector's own knows nothing). */
  private lastStandard: Standard | undefined;
  private readonly maxSegmentFindings: number;

  constructor(private readonly options: AckCollectorOptions = {}) {
    this.maxSegmentFindings = options.maxSegmentFindings ?? 200;
    this.reader = new EdiReader(this);
  }

  /** Standard of the input once detected. */
  get standard(): Standard | 'unknown' | undefined {
    return this.reader.standard;
  }

  write(chunk: Buffer): void {
    this.reader.write(chunk);
  }

  end(): void {
    this.reader.end();
  }

  interchangeStart(h: InterchangeHeader): void {
    this.ic = { standard: h.standard, header: h, trailerFound: false, errors: [], groups: [], transactions: [], warnings: 0 };
    this.lastStandard = h.standard;
    this.decimalMark = h.standard === 'edifact' ? (h.serviceStringAdvice && h.serviceStringAdvice.length >= 6 ? h.serviceStringAdvice[5] : '.') : undefined;
    for (const issue of this.options.checkInterchange?.(h) ?? []) this.issue(issue);
  }

  interchangeEnd(_h: InterchangeHeader, s: InterchangeSummary): void {
    const ic = this.ic;
    if (!ic) return;
    ic.trailerFound = s.trailerFound;
    ic.declaredCount = s.declaredCount;
    this.ic = null;
    if (this.options.onInterchange) this.options.onInterchange(ic);
    else this.interchanges.push(ic);
  }

  groupStart(g: GroupHeader): void {
    this.grp = { header: g, trailerFound: false, received: 0, errors: [], transactions: [] };
    this.ic?.groups.push(this.grp);
  }

  groupEnd(_g: GroupHeader, s: GroupSummary): void {
    if (!this.grp) return;
    this.grp.declaredCount = s.declaredCount;
    this.grp.trailerFound = s.trailerFound;
    this.grp.received = s.transactions;
    this.grp = null;
  }

  transactionStart(t: TransactionHeader): void {
    // Outside an interchange, the standard is the input's: an earlier interchange's, which is the one
    // this collector's reader detected (a reader reads one standard), and the same when another reader feeds it.
    const standard: Standard = this.ic?.standard ?? this.lastStandard ?? (this.reader.standard === 'edifact' ? 'edifact' : 'x12');
    const def = this.options.content === false ? null : this.definition(standard, t);
    this.tx = {
      id: t.id,
      controlNumber: t.controlNumber,
      version: t.version,
      segmentCount: 0,
      trailerFound: false,
      errors: [],
      segmentFindings: [],
      droppedFindings: 0,
      contentValidated: def !== null,
    };
    if (t.implementationReference !== undefined) this.tx.implementationReference = t.implementationReference;
    if (!def && this.options.content !== false) this.unvalidated.add(`${t.id} ${definitionVersion(standard, t) || '(no version)'}`);
    this.validator = null;
    if (def) {
      const ctx = { standard, interchange: t.interchangeControlNumber, group: t.groupControlNumber, transaction: t.controlNumber, transactionType: t.id, decimalMark: this.decimalMark };
      // Consecutive transactions of one definition reuse one validator (reset() starts it over).
      if (def === this.lastDef && this.lastValidator) this.lastValidator.reset(ctx);
      else {
        this.lastDef = def;
        this.lastValidator = createTransactionValidator(def, ctx, (i) => this.issue(i));
      }
      this.validator = this.lastValidator;
    }
    if (this.grp) this.grp.transactions.push(this.tx);
    else this.ic?.transactions.push(this.tx);
  }

  /** The compiled definition of a transaction (transactions of a file are mostly of one type: asked once for a run of them). */
  private definition(standard: Standard, t: TransactionHeader): CompiledTransaction | null {
    const last = this.lastLookup;
    if (last && last.standard === standard && last.id === t.id && last.version === t.version) return last.def;
    const def = definitionFor(standard, t, this.options.overlays);
    this.lastLookup = { standard, id: t.id, version: t.version, def };
    return def;
  }

  transactionEnd(_t: TransactionHeader, s: TransactionSummary): void {
    this.validator?.end();
    this.validator = null;
    if (this.tx) {
      this.tx.segmentCount = s.segmentCount;
      this.tx.trailerFound = s.trailerFound;
    }
    this.tx = null;
  }

  segment(seg: ScannedSegment, place: SegmentPlace): void {
    if (place.level === 'transaction' && this.tx) {
      this.validator?.segment(seg);
      const tx = this.tx;
      if (place.position === 1 && seg.tag === 'UNH') {
        tx.messageIdentifier = [1, 2, 3, 4, 5].map((c) => seg.value(2, c));
      } else if (!tx.businessUnit) {
        const bu = BUSINESS_UNIT[tx.id];
        if (bu && seg.tag === bu[0] && !seg.isEmpty(bu[1])) tx.businessUnit = { name: `${bu[0]}${String(bu[1]).padStart(2, '0')}`, value: seg.value(bu[1]) };
      }
      return;
    }
    if (place.level === 'group' && seg.tag === 'UNG' && this.grp) {
      this.grp.applicationSender = [seg.value(2, 1), seg.value(2, 2)];
      this.grp.applicationRecipient = [seg.value(3, 1), seg.value(3, 2)];
    }
  }

  issue(i: EdiIssue): void {
    // The issue object is left as it is: when another reader feeds this collector, its other handlers see it too.
    const severity = this.options.lenientCharset && i.code === 'element.charset_invalid' ? 'warning' : i.severity;
    if (severity !== 'error') {
      if (this.ic) this.ic.warnings++;
      return;
    }
    const f = toFinding(i);
    if (i.level === 'interchange' || !this.ic) {
      if (this.ic) push(this.ic.errors, f, MAX_ENVELOPE_FINDINGS);
      else push(this.fileIssues, f, MAX_FILE_ISSUES);
      return;
    }
    if (i.level === 'group') {
      push(this.grp ? this.grp.errors : this.ic.errors, f, MAX_ENVELOPE_FINDINGS);
      return;
    }
    const tx = this.tx;
    if (!tx) {
      // A transaction/segment/element finding outside any transaction: the envelope around it answers.
      push(this.grp ? this.grp.errors : this.ic.errors, f, MAX_ENVELOPE_FINDINGS);
      return;
    }
    if (i.level === 'transaction') push(tx.errors, f, MAX_ENVELOPE_FINDINGS);
    else if (tx.segmentFindings.length < this.maxSegmentFindings) tx.segmentFindings.push(f);
    else tx.droppedFindings++;
  }
}

function push(list: AckFinding[], f: AckFinding, max: number): void {
  if (list.length < max) list.push(f);
}

// ---------------------------------------------------------------------------------------------------
// Policy and the entry point

/** What the partner agreement says about acknowledgments (defaults: the standards' strict reading). */
export interface AckPolicy {
  /** Transactions with segment/element errors only: 'reject' (AK5 R, default) or 'accept-with-errors' (AK5 E, counted accepted). */
  transactionErrors?: 'reject' | 'accept-with-errors';
  /** Report every group/transaction ('all', default) or only those with errors ('errors'). */
  detail?: 'all' | 'errors';
  /** The partner's usage: a received interchange with the other test indicator is rejected (TA1 020 / CONTRL 25). */
  usage?: 'production' | 'test';
  /** True when this interchange was received before (TA1 025 / CONTRL 26). The ledger answers this later. */
  isDuplicate?: (h: InterchangeHeader) => boolean;
  /** 999 CTX with the document's business identifier (BEG03, BIG02 ...) in each IK3 loop (default true). */
  businessUnitContext?: boolean;
}

/** Ack types generated today; APERAK is reserved for application-level rejections. */
export type AckType = 'TA1' | '997' | '999' | 'CONTRL';
export type AckRequest = AckType | 'auto';

/** Typed hook for APERAK (not generated yet): application-level findings per received message. */
export interface ApplicationFinding {
  interchange: string;
  message: string;
  /** EDIFACT 9321 / ERC code the APERAK would carry. */
  code: string;
  text: string;
}
export interface ApplicationAckHook {
  /** Called per received EDIFACT interchange; findings become an APERAK once that builder exists. */
  aperak(ic: InterchangeRecord): ApplicationFinding[];
}

export interface AcknowledgeOptions {
  type?: AckRequest;
  controlNumbers?: ControlNumbers;
  now?: Date;
  /** Key of the partner for control numbers; default "<standard>:<qualifier>:<sender id>" of each interchange. */
  partnerKey?: string;
  policy?: AckPolicy;
  /** Text after each segment terminator (default "\n"; nothing when the terminator is itself a line break). */
  lineBreak?: string;
  content?: boolean;
  overlays?: Record<string, DefinitionOverlay>;
  lenientCharset?: boolean;
  /** Reserved for APERAK. */
  application?: ApplicationAckHook;
  /**
   * Findings the syntax check cannot see (a transaction the partner's mapping could not translate: an
   * unknown code, a missing qualifier), added to a transaction before its ack is built, so the partner
   * gets the same negative ack for them as for a syntax error.
   */
  transactionFindings?: (interchange: InterchangeHeader, transaction: TransactionRecord, group?: GroupHeader) => AckFinding[];
}

export type AckStatus = 'accepted' | 'accepted_with_errors' | 'partially_accepted' | 'rejected';

export interface GeneratedAck {
  type: AckType;
  text: string;
  /** Control number of the received interchange this ack answers. */
  interchange: string;
  /** Our control number of the ack interchange. */
  controlNumber: string;
  status: AckStatus;
  /** How `text` becomes bytes: latin1 for the ISO 8859 EDIFACT character sets (UNOA ... UNOK), utf8 otherwise. */
  encoding: 'utf8' | 'latin1';
  /** What the builder could not put in the ack (merged into the result's notes). */
  notes?: string[];
}

/** The bytes to send for an ack. */
export function ackBytes(a: GeneratedAck): Buffer {
  return Buffer.from(a.text, a.encoding);
}

/** Whether the acks accept one received transaction (what the pipeline may post). */
export interface TransactionAckVerdict {
  interchange: string;
  group?: string;
  controlNumber: string;
  id: string;
  accepted: boolean;
  /** Why not, from the first finding that rejected it. */
  reason?: string;
}

export interface AcknowledgeResult {
  acks: GeneratedAck[];
  notes: string[];
  /** One verdict per received transaction, in input order. */
  verdicts: TransactionAckVerdict[];
}

function firstFinding(...lists: AckFinding[][]): AckFinding | undefined {
  for (const l of lists) if (l.length > 0) return l[0];
  return undefined;
}

/** The verdict of every transaction of an interchange under a policy, as the acks report it. */
function interchangeVerdicts(ic: InterchangeRecord, policy: AckPolicy): TransactionAckVerdict[] {
  const out: TransactionAckVerdict[] = [];
  const icRejected = ic.standard === 'x12' ? interchangeRejected(ic) : ic.errors.length > 0;
  const verdict = (tx: TransactionRecord, group: GroupRecord | undefined): void => {
    const v: TransactionAckVerdict = { interchange: ic.header.controlNumber, controlNumber: tx.controlNumber, id: tx.id, accepted: true };
    if (group) v.group = group.header.controlNumber;
    const hard = firstFinding(ic.errors, group?.errors ?? [], tx.errors);
    const soft = tx.segmentFindings[0];
    if (icRejected || (group && group.errors.length > 0) || tx.errors.length > 0) {
      v.accepted = false;
      v.reason = hard ? describe(hard, ic.standard) : 'the interchange is rejected at envelope level';
    } else if ((soft || tx.droppedFindings > 0) && policy.transactionErrors !== 'accept-with-errors') {
      v.accepted = false;
      v.reason = soft ? `${describe(soft, ic.standard)}${soft.segmentId ? ` (segment ${soft.segmentId} at position ${soft.segmentIndex ?? '?'}${soft.element ? `, element ${soft.element}` : ''})` : ''}` : 'segments in error';
    }
    out.push(v);
  };
  for (const tx of ic.transactions) verdict(tx, undefined);
  for (const g of ic.groups) for (const tx of g.transactions) verdict(tx, g);
  return out;
}

/** What the builders share: our control numbers, the clock, the policy, the layout. */
export interface AckContext {
  controlNumbers: ControlNumbers;
  partnerKey: string;
  now: Date;
  policy: AckPolicy;
  lineBreak?: string;
}

function partnerKeyOf(h: InterchangeHeader): string {
  return `${h.standard}:${h.senderQualifier}:${h.senderId}`;
}

/** Why an ack cannot be addressed to the sender of this interchange header, or undefined when it can. */
function unaddressable(h: InterchangeHeader): string | undefined {
  if (h.senderId === '' || h.receiverId === '') return 'the interchange header names no sender or no recipient to answer';
  if (h.standard === 'x12' && (h.senderQualifier.trim() === '' || h.receiverQualifier.trim() === '')) return 'the ISA has no sender or receiver qualifier';
  if (h.standard === 'edifact' && h.controlNumber === '') return 'the UNB has no interchange control reference to acknowledge';
  if (h.standard === 'edifact') return contrlUnaddressable(h);
  return undefined;
}

function describe(f: AckFinding, std: Standard): string {
  const code = std === 'x12' ? f.ack.x12 : f.ack.edifact;
  return `${f.code}${code ? ` (${code})` : ''}: ${f.message}`;
}

/** What one read of the input found, before any ack is built (plain data: it may come from a worker thread). */
export interface CollectedInput {
  interchanges: InterchangeRecord[];
  fileIssues: AckFinding[];
  /** Transaction types without a shipped definition ("850 003040"). */
  unvalidated: string[];
}

/** What the collection needs to know of the partner: the checks that do not depend on what was received before. */
export type CollectOptions = Pick<AcknowledgeOptions, 'content' | 'overlays' | 'lenientCharset'> & Pick<AckPolicy, 'usage'>;

/**
 * A collector for `collectForAcks`'s checks with these options, for a caller that feeds it the events of
 * its own reader of the input (`collectedBy` then gives what `collectForAcks` would).
 */
export function ackCollector(options: CollectOptions): AckCollector {
  return collector(options);
}

/** What a collector fed with a whole input found, as `collectForAcks` returns it. */
export function collectedBy(c: AckCollector): CollectedInput {
  return { interchanges: c.interchanges, fileIssues: c.fileIssues, unvalidated: [...c.unvalidated] };
}

function collector(options: CollectOptions, onInterchange?: (ic: InterchangeRecord) => void): AckCollector {
  const checkInterchange = (h: InterchangeHeader): EdiIssue[] => {
    if (!options.usage || (options.usage === 'test') === h.test) return [];
    const pos = { interchange: h.controlNumber, segmentId: h.standard === 'x12' ? 'ISA' : 'UNB' };
    return [makeIssue('interchange.test_indicator_mismatch', { ...pos, element: h.standard === 'x12' ? 15 : 11 }, `${h.test ? 'test' : 'production'} interchange for a ${options.usage} partner`)];
  };
  return new AckCollector({ onInterchange, content: options.content, overlays: options.overlays, lenientCharset: options.lenientCharset, checkInterchange });
}

async function feed(c: AckCollector, input: Buffer | AsyncIterable<Buffer>): Promise<void> {
  if (Buffer.isBuffer(input)) c.write(input);
  else for await (const chunk of input) c.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  c.end();
}

/**
 * Read the input once and keep what acks need (the syntax and content checks): the expensive half of
 * `acknowledge`, which needs no control numbers and no ledger. Keeps every interchange's record: for
 * files of a few interchanges (the pipeline's), not for streaming a huge file (`acknowledge` does that).
 */
export async function collectForAcks(input: Buffer | AsyncIterable<Buffer>, options: CollectOptions = {}): Promise<CollectedInput> {
  const c = collector(options);
  await feed(c, input);
  return collectedBy(c);
}

/**
 * A re-delivered control number (the ledger knows, the collection did not): reported where the envelope
 * check would have put it, after a test-indicator finding and before the rest.
 */
function markDuplicate(ic: InterchangeRecord): void {
  const h = ic.header;
  const issue = makeIssue('interchange.duplicate', { interchange: h.controlNumber, segmentId: h.standard === 'x12' ? 'ISA' : 'UNB', element: h.standard === 'x12' ? 13 : 5 }, `control number ${h.controlNumber}`);
  if (issue.severity !== 'error') {
    ic.warnings++;
    return;
  }
  const at = ic.errors[0]?.code === 'interchange.test_indicator_mismatch' ? 1 : 0;
  ic.errors.splice(at, 0, toFinding(issue));
  ic.errors.length = Math.min(ic.errors.length, MAX_ENVELOPE_FINDINGS);
}

/** Turns finished interchange records into acks and verdicts, one interchange at a time. */
class AckBuilder {
  readonly acks: GeneratedAck[] = [];
  readonly notes: string[] = [];
  readonly verdicts: TransactionAckVerdict[] = [];
  private count = 0;
  private readonly type: AckRequest;
  private readonly controlNumbers: ControlNumbers;
  private readonly now: Date;
  private readonly policy: AckPolicy;

  constructor(private readonly options: AcknowledgeOptions) {
    this.type = options.type ?? 'auto';
    this.controlNumbers = options.controlNumbers ?? new InMemoryControlNumbers();
    this.now = options.now ?? new Date();
    this.policy = options.policy ?? {};
  }

  interchange(ic: InterchangeRecord): void {
    const { options, policy, notes } = this;
    this.count++;
    if (policy.isDuplicate?.(ic.header)) markDuplicate(ic);
    if (options.transactionFindings) {
      const add = (tx: TransactionRecord, g?: GroupRecord): void => {
        for (const f of options.transactionFindings?.(ic.header, tx, g?.header) ?? []) {
          if (f.level === 'transaction') tx.errors.push(f);
          // Where the syntax check already found what is wrong (PO102 '120X': invalid character), the
          // mapping's failure on the same element ('not a number') would only say it again, less exactly.
          else if (!tx.segmentFindings.some((s) => s.segmentIndex === f.segmentIndex && (f.element === undefined || s.element === f.element))) tx.segmentFindings.push(f);
        }
      };
      for (const tx of ic.transactions) add(tx);
      for (const g of ic.groups) for (const tx of g.transactions) add(tx, g);
    }
    this.verdicts.push(...interchangeVerdicts(ic, policy));
    const ctx: AckContext = { controlNumbers: this.controlNumbers, partnerKey: options.partnerKey ?? partnerKeyOf(ic.header), now: this.now, policy, lineBreak: options.lineBreak };
    const missing = unaddressable(ic.header);
    if (missing) {
      notes.push(`interchange ${ic.header.controlNumber || '(no control number)'}: no acknowledgment is possible: ${missing}`);
      return;
    }
    try {
      if (ic.standard === 'x12') acknowledgeX12(ic, this.type, ctx, this.acks, notes);
      else acknowledgeEdifact(ic, this.type, ctx, this.acks, notes, options.application);
    } catch (err) {
      notes.push(`interchange ${ic.header.controlNumber}: no acknowledgment could be written: ${(err as Error).message}`);
    }
  }

  finish(fileIssues: readonly AckFinding[], unvalidated: Iterable<string>): AcknowledgeResult {
    const { notes } = this;
    for (const f of fileIssues) {
      if (f.code === 'file.not_edi' || f.code === 'file.empty') notes.push(`${f.code}: ${f.message}: no acknowledgment is possible (there is no interchange header to answer to)`);
      else notes.push(`${f.code}: ${f.message} (outside any interchange: not acknowledged)`);
    }
    if (this.count === 0 && fileIssues.length === 0) notes.push('no interchange found: nothing to acknowledge');
    for (const u of unvalidated) notes.push(`no shipped definition for ${u}: content not validated, only the envelope`);
    return { acks: this.acks, notes, verdicts: this.verdicts };
  }
}

const collectOptionsOf = (o: AcknowledgeOptions): CollectOptions => ({ content: o.content, overlays: o.overlays, lenientCharset: o.lenientCharset, usage: o.policy?.usage });

/**
 * Read the input once and build the acks the gateway would send for it. `type` 'auto' (default): X12 999
 * for 005010 groups, 997 for the others, plus a TA1 when ISA14 asks for one or when the interchange is
 * rejected at envelope level (then only the TA1); EDIFACT CONTRL. Each interchange is answered as soon
 * as it ends, so a file of any size streams.
 */
export async function acknowledge(input: Buffer | AsyncIterable<Buffer>, options: AcknowledgeOptions = {}): Promise<AcknowledgeResult> {
  const builder = new AckBuilder(options);
  const c = collector(collectOptionsOf(options), (ic) => builder.interchange(ic));
  await feed(c, input);
  return builder.finish(c.fileIssues, c.unvalidated);
}

/**
 * The acks and verdicts for what `collectForAcks` found, as `acknowledge` gives them for the same input
 * and options (the records are completed in place). The collection must have used the same partner options.
 */
export function acknowledgeCollected(collected: CollectedInput, options: AcknowledgeOptions = {}): AcknowledgeResult {
  const builder = new AckBuilder(options);
  for (const ic of collected.interchanges) builder.interchange(ic);
  return builder.finish(collected.fileIssues, collected.unvalidated);
}

function acknowledgeX12(ic: InterchangeRecord, type: AckRequest, ctx: AckContext, acks: GeneratedAck[], notes: string[]): void {
  const h = ic.header;
  const name = `interchange ${h.controlNumber}`;
  if (type === 'CONTRL') {
    notes.push(`${name}: CONTRL answers EDIFACT; this is X12 (use TA1, 997 or 999)`);
    return;
  }
  if (h.test) notes.push(`${name}: test interchange (ISA15 T): the acks carry ISA15 T too`);
  const rejected = interchangeRejected(ic);
  const wantTa1 = type === 'TA1' || rejected || (type === 'auto' && h.ackRequested);
  if (rejected) {
    const why = ic.errors[0] ? describe(ic.errors[0], 'x12') : ic.transactions.length > 0 ? 'a transaction set outside any functional group, which no 997 can name' : 'a functional group without a valid GS01/GS06 to name in an AK1';
    notes.push(`${name}: rejected at envelope level (${why}): only a TA1 can answer it, its groups are not acknowledged`);
  }
  if (wantTa1) acks.push(buildTa1(ic, ctx));
  if (rejected || type === 'TA1') return;
  const kinds = new Map<'997' | '999', GroupRecord[]>();
  for (const g of ic.groups) {
    if (g.header.functionalId === 'FA') {
      notes.push(`${name}: group ${g.header.controlNumber} holds acknowledgments (FA): acknowledgments are not acknowledged`);
      continue;
    }
    const kind = functionalAckKind(g, type);
    if (type === '999' && kind === '997') notes.push(`${name}: group ${g.header.controlNumber} is ${g.header.version || 'without version'}: 999 is for 005010, answered with a 997`);
    const list = kinds.get(kind) ?? [];
    list.push(g);
    kinds.set(kind, list);
  }
  for (const [kind, groups] of kinds) {
    const built = buildFunctionalAck(kind, ic, groups, ctx);
    for (const n of built.notes ?? []) notes.push(`${name}: ${n}`);
    acks.push(built);
  }
  if (ic.groups.length === 0 && !wantTa1) notes.push(`${name}: no functional group: nothing to acknowledge`);
}

function acknowledgeEdifact(ic: InterchangeRecord, type: AckRequest, ctx: AckContext, acks: GeneratedAck[], notes: string[], application?: ApplicationAckHook): void {
  const h = ic.header;
  const name = `interchange ${h.controlNumber}`;
  if (type !== 'auto' && type !== 'CONTRL') {
    notes.push(`${name}: ${type} answers X12; this is EDIFACT (use CONTRL)`);
    return;
  }
  if (h.test) notes.push(`${name}: test interchange (UNB 0035 = 1): the CONTRL carries the test indicator too`);
  const all = [...ic.transactions, ...ic.groups.flatMap((g) => g.transactions)];
  const hasErrors = ic.errors.length > 0 || ic.groups.some((g) => g.errors.length > 0) || all.some((t) => t.errors.length > 0 || t.segmentFindings.length > 0);
  if (all.length > 0 && all.every((t) => t.id === 'CONTRL') && !hasErrors) {
    notes.push(`${name}: holds only CONTRL messages without errors: acknowledgments are not acknowledged`);
    return;
  }
  if (!h.ackRequested && type === 'auto') notes.push(`${name}: UNB 0031 does not ask for an acknowledgment: CONTRL generated anyway, the partner policy decides whether it is sent`);
  const ack = buildContrl(ic, ctx);
  if (ack.status === 'rejected' && ic.errors.length > 0) notes.push(`${name}: rejected at interchange level (${describe(ic.errors[0], 'edifact')}): CONTRL UCI action 4, nothing below is acknowledged`);
  acks.push(ack);
  if (application) {
    const found = application.aperak(ic);
    if (found.length > 0) notes.push(`${name}: ${found.length} application finding(s) for APERAK: APERAK generation is not implemented yet`);
  }
}
