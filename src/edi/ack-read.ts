/**
 * Reading the acknowledgments partners send us: TA1, 997, 999 (X12), CONTRL and APERAK (EDIFACT), in one
 * shape (`ReceivedAck`) that names the partner and the control numbers of what we sent, so the ack tracker
 * can match each answer without knowing either standard. Reading is one pass over the `EdiReader` events:
 * an ack transaction is parsed segment by segment (src/edi/x12/ack/read.ts, src/edi/edifact/ack/read.ts)
 * and only its findings are kept, so a file of many acks costs no more memory than its largest ack.
 *
 * A malformed ack never throws: what cannot be read becomes a `problems` entry naming the interchange,
 * the ack message and the segment position; what can still be read is returned.
 */
import type { AckCounts, AckError, AckTransactionStatus, FunctionalAckStatus } from '../canonical/functional-ack';
import type { EdiHandler, GroupHeader, InterchangeHeader, SegmentPlace, Standard, TransactionHeader, TransactionSummary } from './common/events';
import type { EdiIssue } from './common/issues';
import type { ScannedSegment } from './common/scanner';
import type { SegmentView } from './common/segment';
import { createTransactionValidator, type TransactionValidator } from './common/validate';
import { contrlReader, aperakReader } from './edifact/ack/read';
import { EdiReader } from './reader';
import { definitionFor } from './validate';
import { functionalAckReader, readTa1 } from './x12/ack/read';

export type { AckError } from '../canonical/functional-ack';

/** Kinds of acknowledgment the gateway reads. */
export type ReceivedAckType = 'TA1' | '997' | '999' | 'CONTRL' | 'APERAK';

/** An interchange party as the envelope gives it (ISA05/06, UNB 0004/0007), id trimmed. */
export interface AckParty {
  qualifier: string;
  id: string;
}

/** The answer for one transaction set / message we sent (AK2..AK5, IK2..IK5, UCM, APERAK). */
export interface ReceivedAckTransaction {
  /** AK202 / IK202 / UCM 0062 / APERAK RFF+ACW: the ST02 or UNH 0062 we sent. */
  controlNumber: string;
  /** AK201 / UCM S009 message type (850, ORDERS); absent when the ack does not say. */
  type?: string;
  /** AK203 / IK203 (005010 implementation guide). */
  implementationReference?: string;
  status: AckTransactionStatus;
  /** AK3/AK4, IK3/IK4, AK502-506, UCS/UCD, UCM 0085, APERAK ERC. */
  errors: AckError[];
}

/** The business document an APERAK names (RFF other than ACW, or D01B DOC). */
export interface ReceivedAckDocument {
  /** RFF 1153 (ON, IV, AAK ...) when given by RFF. */
  qualifier?: string;
  /** DOC 1001 (220 ...) when given by DOC. */
  nameCode?: string;
  number: string;
  /** RFF 1156 line number, when the reference names a line. */
  line?: string;
}

/** What the ack answers: our interchange, group and transactions, by their control numbers. */
export interface ReceivedAckRefers {
  /** TA101 / UCI 0020. */
  interchange?: string;
  /** UCI S002 / S003: the sender and recipient of the acknowledged interchange (us, then the partner). */
  sender?: AckParty;
  recipient?: AckParty;
  /** AK1 / UCF. */
  group?: { functionalId?: string; controlNumber: string; version?: string };
  transactions?: ReceivedAckTransaction[];
  /** APERAK: the business document answered (order number, invoice number ...). */
  document?: ReceivedAckDocument;
}

/** One acknowledgment found in the input. */
export interface ReceivedAck {
  type: ReceivedAckType;
  standard: Standard;
  /** Sender of the ack interchange (the partner): ISA05/06, UNB S002. */
  from: AckParty;
  /** Recipient of the ack interchange (us): ISA07/08, UNB S003. */
  to: AckParty;
  /** Control number of the interchange carrying the ack (ISA13 / UNB 0020). */
  ackInterchange: string;
  /** GS06 / UNG 0048 of the group carrying the ack, when there is one. */
  ackGroup?: string;
  /** ST02 / UNH 0062 of the ack message (absent for TA1). */
  ackMessage?: string;
  /** ISA15 T / UNB 0035 1. */
  test: boolean;
  refers: ReceivedAckRefers;
  /**
   * Overall answer: TA104 A/E/R; AK901/IK901 A/E/P/R; CONTRL UCI 0083 (4 rejected, 7 and 8 accepted, then
   * partially accepted or rejected by what the UCF/UCM below say); APERAK BGM 4343, 1225 and ERC.
   */
  status: FunctionalAckStatus;
  /** The status code as received (TA104, AK901, IK901, 0083, BGM 1225), for support people. */
  code: string;
  /** AK902-904 / IK902-904. */
  counts?: AckCounts;
  /** Interchange or group level errors: TA105, AK905-909, UCI / UCF 0085; APERAK ERC. */
  errors: AckError[];
  /** APERAK free text: FTX of the message and of each ERC. */
  text?: string;
  /** What was wrong with this ack (also listed in the result's `problems`). */
  problems?: string[];
}

export interface ReadAcksResult {
  acks: ReceivedAck[];
  /** Malformed acks and envelope errors, each naming its interchange, message and segment position. */
  problems: string[];
  /** Interchanges read. */
  interchanges: number;
  /** Transactions that are not acknowledgments (850, ORDERS ...): skipped. */
  otherTransactions: number;
}

export interface ReadAcksOptions {
  /** Also check each ack message against the shipped definition (997, 999, CONTRL, APERAK); default true. */
  validate?: boolean;
  /** Most problems kept (default 1000). */
  maxProblems?: number;
}

/** The envelope around an ack message, as the standard readers need it. */
export type AckEnvelope = Pick<ReceivedAck, 'standard' | 'from' | 'to' | 'ackInterchange' | 'ackGroup' | 'ackMessage' | 'test'>;

/** Records a problem at a segment position of the ack being read. */
export type ProblemSink = (position: number, tag: string, message: string) => void;

/** A reader of one ack message (ST..SE / UNH..UNT): segments in order, then end(). */
export interface AckMessageReader {
  segment(seg: SegmentView, position: number): void;
  /** The trailer came (or the message ended without one): the acks it carried. */
  end(): ReceivedAck[];
}

const X12_ACKS = new Set(['997', '999']);
const EDIFACT_ACKS = new Set(['CONTRL', 'APERAK']);

/** Streaming handler: feeds ack messages to the standard readers and keeps what they return. */
class AckReadHandler implements EdiHandler {
  readonly acks: ReceivedAck[] = [];
  readonly problems: string[] = [];
  interchanges = 0;
  otherTransactions = 0;
  private droppedProblems = 0;
  private ic: InterchangeHeader | null = null;
  private group: GroupHeader | null = null;
  private reader: AckMessageReader | null = null;
  private validator: TransactionValidator | null = null;
  /** Problems before the current ack message started: those after it are the message's own. */
  private problemsAtStart = 0;
  /** "interchange … group … 997 0001": how problems name the ack message being read. */
  private where = '';

  constructor(private readonly options: ReadAcksOptions) {}

  private problem(text: string): void {
    if (this.problems.length < (this.options.maxProblems ?? 1000)) this.problems.push(text);
    else this.droppedProblems++;
  }

  finish(): void {
    if (this.droppedProblems > 0) this.problems.push(`${this.droppedProblems} more problem(s) not listed`);
  }

  private envelope(): AckEnvelope | null {
    const h = this.ic;
    if (!h) return null;
    const env: AckEnvelope = {
      standard: h.standard,
      from: { qualifier: h.senderQualifier.trim(), id: h.senderId.trim() },
      to: { qualifier: h.receiverQualifier.trim(), id: h.receiverId.trim() },
      ackInterchange: h.controlNumber,
      test: h.test,
    };
    if (this.group) env.ackGroup = this.group.controlNumber;
    return env;
  }

  interchangeStart(h: InterchangeHeader): void {
    this.ic = h;
    this.interchanges++;
  }

  interchangeEnd(): void {
    this.ic = null;
    this.group = null;
  }

  groupStart(g: GroupHeader): void {
    this.group = g;
  }

  groupEnd(): void {
    this.group = null;
  }

  transactionStart(t: TransactionHeader): void {
    const env = this.envelope();
    const isAck = env !== null && (env.standard === 'x12' ? X12_ACKS.has(t.id) : EDIFACT_ACKS.has(t.id));
    if (!env || !isAck) {
      this.otherTransactions++;
      return;
    }
    env.ackMessage = t.controlNumber;
    this.problemsAtStart = this.problems.length;
    this.where = `interchange ${env.ackInterchange}${env.ackGroup !== undefined ? ` group ${env.ackGroup}` : ''} ${t.id} ${t.controlNumber}`;
    const where = this.where;
    // Each problem names the segment by its position in the ack message (ST/UNH = 1), as validators do.
    const sink: ProblemSink = (position, tag, message) => this.problem(`${where}: segment ${position} (${tag}): ${message}`);
    if (env.standard === 'x12') this.reader = functionalAckReader(t.id === '999' ? '999' : '997', env, sink);
    else this.reader = t.id === 'CONTRL' ? contrlReader(env, sink) : aperakReader(env, sink);
    if (this.options.validate !== false) {
      const def = definitionFor(env.standard, t);
      this.validator = def
        ? createTransactionValidator(def, { standard: env.standard, interchange: t.interchangeControlNumber, group: t.groupControlNumber, transaction: t.controlNumber, transactionType: t.id }, (i) => this.issue(i))
        : null;
    }
  }

  transactionEnd(_t: TransactionHeader, _s: TransactionSummary): void {
    this.validator?.end();
    this.validator = null;
    const reader = this.reader;
    this.reader = null;
    if (!reader) return;
    let found: ReceivedAck[];
    try {
      found = reader.end();
    } catch (err) {
      this.problem(`${this.where}: could not be read (${(err as Error).message}): this message is skipped`);
      return;
    }
    // A problem found while reading this message (reader, definition or envelope) belongs to its acks too.
    const mine = this.problems.slice(this.problemsAtStart);
    for (const a of found) {
      if (mine.length > 0) a.problems = [...(a.problems ?? []), ...mine];
      this.acks.push(a);
    }
  }

  segment(seg: ScannedSegment, place: SegmentPlace): void {
    if (place.level === 'transaction') {
      if (!this.reader) return;
      this.validator?.segment(seg);
      try {
        this.reader.segment(seg, place.position);
      } catch (err) {
        // A reader bug must not lose the rest of the file: this message is given up, the others are read.
        this.problem(`${this.where}: segment ${place.position} (${seg.tag}): could not be read (${(err as Error).message}): this message is skipped`);
        this.reader = null;
      }
      return;
    }
    if (place.level === 'interchange' && seg.tag === 'TA1') {
      const env = this.envelope();
      if (!env) return;
      const where = `interchange ${env.ackInterchange} TA1 (file segment ${seg.index + 1})`;
      const got = readTa1(seg, env, (_p, tag, message) => this.problem(`${where}: ${tag}: ${message}`));
      if (got) this.acks.push(got);
    }
  }

  issue(i: EdiIssue): void {
    if (i.severity !== 'error') return;
    const at: string[] = [];
    if (i.interchange !== undefined) at.push(`interchange ${i.interchange}`);
    if (i.group !== undefined) at.push(`group ${i.group}`);
    if (i.transaction !== undefined) at.push(`${i.transactionType ?? 'transaction'} ${i.transaction}`);
    const seg = i.segmentIndex !== undefined ? `segment ${i.segmentIndex}${i.segmentId ? ` (${i.segmentId})` : ''}` : i.segmentId ?? '';
    const el = i.element !== undefined ? ` element ${i.element}${i.component !== undefined ? `:${i.component}` : ''}` : '';
    this.problem(`${at.join(' ') || 'input'}: ${seg}${el}${seg || el ? ': ' : ''}${i.code}: ${i.message}`);
  }
}

/**
 * Read every acknowledgment in the input (several interchanges and acks per file allowed). Never throws
 * on bad EDI: what cannot be read is listed in `problems`.
 */
export async function readAcks(input: Buffer | AsyncIterable<Buffer>, options: ReadAcksOptions = {}): Promise<ReadAcksResult> {
  const handler = new AckReadHandler(options);
  const reader = new EdiReader(handler);
  if (Buffer.isBuffer(input)) reader.write(input);
  else for await (const chunk of input) reader.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  reader.end();
  handler.finish();
  return { acks: handler.acks, problems: handler.problems, interchanges: handler.interchanges, otherTransactions: handler.otherTransactions };
}
