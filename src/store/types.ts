/**
 * The message ledger's vocabulary: what is stored about every message, document, event and expected
 * acknowledgment, and the states each moves through. The ledger is where work waits: the pipelines keep
 * nothing in memory that is not also here, so a killed process resumes from it.
 */

/** Direction seen from the gateway. */
export type Direction = 'inbound' | 'outbound';

/**
 * Inbound: received → processed (documents and acks written) | duplicate (a re-delivery: acked again,
 * nothing posted) | held (needs a person: same control number with other content) | failed (unreadable).
 * Outbound (the outbox): pending → sent, or → retry (scheduled) → … → parked after the attempt limit.
 */
export type MessageState = 'received' | 'processed' | 'duplicate' | 'held' | 'failed' | 'pending' | 'retry' | 'sent' | 'parked' | 'discarded';
/** Every message state (query parameters are checked against it; a list of any state reads one index range each). */
export const MESSAGE_STATES: readonly MessageState[] = ['received', 'processed', 'duplicate', 'held', 'failed', 'pending', 'retry', 'sent', 'parked', 'discarded'];

/**
 * mapped → posted, or → retry (scheduled) → … → parked after the attempt limit; dead = business error
 * (dead-letter, needs a fix then replay); held = waits for a person (test traffic for a production
 * partner, a duplicate business document under the hold policy); ignored = duplicate business document
 * under the ignore policy; discarded = a person dropped it; replaced = superseded by a replay.
 */
export type DocumentState = 'mapped' | 'posted' | 'retry' | 'parked' | 'dead' | 'held' | 'ignored' | 'discarded' | 'replaced';
/** Every document state. */
export const DOCUMENT_STATES: readonly DocumentState[] = ['mapped', 'posted', 'retry', 'parked', 'dead', 'held', 'ignored', 'discarded', 'replaced'];

/** States from which `replay` makes sense: the document did not reach Odoo. */
export const REPLAYABLE_DOCUMENT_STATES: readonly DocumentState[] = ['dead', 'parked', 'held', 'retry', 'discarded', 'ignored'];
/** States that count as the dead-letter queue. */
export const DEAD_LETTER_STATES: readonly DocumentState[] = ['dead', 'parked', 'held'];

/** The window a digest asks about: (since, until] in epoch ms, and at most `rows` (at least 1) listed per partner. */
export interface DigestWindow {
  since: number;
  until: number;
  rows: number;
}

/** What entered a state in a window of time, for one partner: every row counted, the oldest few listed. */
export interface PartnerWindow<T> {
  partnerId: string | null;
  /** Every row of the partner in the window. */
  count: number;
  /** The partner's first rows of the window, oldest first, each with when it entered the state (epoch ms). */
  rows: { at: number; row: T }[];
}

/** Ack state of something we sent (issue: sent → acknowledged | accepted_with_errors | rejected | overdue). */
export type ExpectedAckState = 'sent' | 'acknowledged' | 'accepted_with_errors' | 'rejected' | 'overdue';
/** Every expected ack state. */
export const EXPECTED_ACK_STATES: readonly ExpectedAckState[] = ['sent', 'acknowledged', 'accepted_with_errors', 'rejected', 'overdue'];

export interface NewInboundMessage {
  channel: string;
  /** File name, remote path, AS2 Message-ID, mail Message-ID: where it came from. */
  source: string;
  /** When the channel already knows the partner (a partner's folder, AS2-From). */
  partnerId?: string;
  bytes: Buffer;
  correlationId?: string;
}

export interface NewOutboundMessage {
  partnerId: string;
  channel: string;
  /** File name (or subject) the channel uses. */
  name: string;
  bytes: Buffer;
  correlationId: string;
  /** 997, CONTRL, 850 … */
  messageType: string;
  /** What caused it: the inbound message it acknowledges, the document it carries. */
  causeMessageId?: number;
  /** Our interchange control number, for matching the partner's ack. */
  interchangeControlNumber?: string;
  /** Acks the partner owes for it. */
  expects?: NewExpectedAck[];
}

export interface NewExpectedAck {
  ackType: string;
  interchangeControlNumber: string;
  groupControlNumber?: string;
  transactionControlNumber?: string;
  messageType: string;
  /** Epoch ms. */
  deadline: number;
  /** What the answer must name, for an answer matched by content (an order response: our order number). */
  reference?: string;
}

export interface MessageRow {
  id: number;
  direction: Direction;
  channel: string;
  source: string;
  partnerId: string | null;
  sha256: string;
  size: number;
  state: MessageState;
  correlationId: string;
  createdAt: number;
  updatedAt: number;
  attempts: number;
  nextAttemptAt: number | null;
  reason: string | null;
  messageType: string | null;
  interchangeControlNumber: string | null;
  causeMessageId: number | null;
}

export interface NewDocument {
  seq: number;
  partnerId: string | null;
  type: string | null;
  messageType: string | null;
  interchangeControlNumber: string | null;
  groupControlNumber: string | null;
  controlNumber: string | null;
  businessKey: string | null;
  /** The order this document is about (its own number for an order; the PO answered for the others). */
  orderKey?: string | null;
  state: DocumentState;
  reason?: string;
  errorKind?: 'business' | 'retryable';
  /** The canonical document as JSON text (absent when mapping failed). */
  canonical?: string;
}

export interface DocumentRow extends Omit<NewDocument, 'reason' | 'errorKind' | 'canonical'> {
  id: number;
  messageId: number;
  attempts: number;
  nextAttemptAt: number | null;
  reason: string | null;
  errorKind: 'business' | 'retryable' | null;
  canonical: string | null;
  result: string | null;
  correlationId: string;
  createdAt: number;
  updatedAt: number;
  /** The document this one replays (a replay makes a new row, the old one becomes `replaced`). */
  replayOf: number | null;
}

/** What the post stage decides on before it takes a document: its id and the keys it is ordered and grouped by. */
export interface DueDocument {
  id: number;
  partnerId: string | null;
  type: string | null;
  orderKey: string | null;
  businessKey: string | null;
}

export interface EventRow {
  id: number;
  at: number;
  correlationId: string;
  messageId: number | null;
  documentId: number | null;
  kind: string;
  detail: string | null;
}

export interface NewEvent {
  correlationId: string;
  messageId?: number;
  documentId?: number;
  kind: string;
  detail?: unknown;
}

export interface ExpectedAckRow {
  id: number;
  messageId: number;
  partnerId: string;
  ackType: string;
  interchangeControlNumber: string;
  groupControlNumber: string | null;
  transactionControlNumber: string | null;
  messageType: string;
  deadline: number;
  state: ExpectedAckState;
  errors: string | null;
  ackMessageId: number | null;
  updatedAt: number;
  /**
   * For an order we sent (850 / ORDERS): the supplier's business answer, tracked apart from the
   * functional ack: the state of its latest order response document, or null while none arrived.
   */
  orderResponse?: { documentId: number; state: string; status?: string } | null;
}

/** Everything one processed inbound message produces, written in one transaction. */
export interface ProcessedMessage {
  messageId: number;
  state: 'processed' | 'duplicate' | 'held' | 'failed';
  partnerId?: string;
  reason?: string;
  messageType?: string;
  interchanges: { partnerId: string; controlNumber: string; sha256: string; test: boolean }[];
  documents: NewDocument[];
  outbound: NewOutboundMessage[];
  events: NewEvent[];
  /** Expected acks that acknowledgments in this message settle. */
  ackSettlements?: { id: number; state: ExpectedAckState; errors: unknown }[];
}

/** Message states a row waits in for the pipeline or a person (the others are history). */
export const OPEN_MESSAGE_STATES: readonly MessageState[] = ['received', 'held', 'failed', 'pending', 'retry', 'parked'];

/** Document states a row waits in for the pipeline or a person (the others are history). */
export const OPEN_DOCUMENT_STATES: readonly DocumentState[] = ['mapped', 'retry', 'parked', 'dead', 'held'];

/** Document states nothing changes any more: the payload of such a row may go under a retention policy. */
export const FINISHED_DOCUMENT_STATES: readonly DocumentState[] = ['posted', 'ignored', 'discarded', 'replaced'];

/** Message states nothing changes any more (inbound processed or set aside, outbound sent or given up by a person). */
export const FINISHED_MESSAGE_STATES: readonly MessageState[] = ['processed', 'duplicate', 'sent', 'discarded'];

/** One partner's line on the dashboard's first screen (see `SqliteLedger.partnerActivity`). */
export interface PartnerActivity {
  /** '' for messages whose partner was never known (unroutable files). */
  partnerId: string;
  /** Documents waiting for the pipeline or a person, per state, however old. */
  open: Partial<Record<DocumentState, number>>;
  /** Messages waiting for the pipeline or a person, per direction and state, however old. */
  openMessages: { inbound: Partial<Record<MessageState, number>>; outbound: Partial<Record<MessageState, number>> };
  /** Documents created since the window's start, per state now. */
  recent: Partial<Record<DocumentState, number>>;
  received: number;
  sent: number;
  lastReceivedAt: number | null;
  lastSentAt: number | null;
  /** Acks awaited or overdue however old; the settled ones among those expected since the window's start. */
  acks: Partial<Record<ExpectedAckState, number>>;
  /** Records of Odoo that could not be sent to the partner, however old. */
  exportFailures: number;
}

/** A record of Odoo that could not be sent to a partner (see `SqliteLedger.exportFailed`). */
export interface ExportFailureRow {
  id: number;
  /** The kind's key space (`odoo:account.move`) and the record's key in it (`partner:id`). */
  source: string;
  key: string;
  partnerId: string;
  /** The Odoo record's id and name (INV/2026/00012). */
  recordId: number;
  name: string;
  reason: string;
  attempts: number;
  firstAt: number;
  lastAt: number;
}

/** The record of a failed export as the export run reports it. */
export type NewExportFailure = Pick<ExportFailureRow, 'source' | 'key' | 'partnerId' | 'recordId' | 'name' | 'reason'>;

/** A partner's line with nothing on it yet. */
export function emptyActivity(partnerId: string): PartnerActivity {
  return { partnerId, open: {}, openMessages: { inbound: {}, outbound: {} }, recent: {}, received: 0, sent: 0, lastReceivedAt: null, lastSentAt: null, acks: {}, exportFailures: 0 };
}

/** What one pass of the payload retention removed (or, dry, would remove). */
export interface PruneResult {
  messages: number;
  documents: number;
  /** Payload bytes removed (raw message bytes plus canonical JSON). */
  bytes: number;
}

/** Counts per state, for metrics, readiness and the first screen. */
export interface LedgerCounts {
  messages: Partial<Record<MessageState, number>>;
  documents: Partial<Record<DocumentState, number>>;
  overdueAcks: number;
}
