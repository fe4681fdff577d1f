/**
 * The SQLite ledger (better-sqlite3 12, WAL). Commits that promise something to the outside world are
 * fsynced before they are relied on: received bytes (a channel may acknowledge to the partner once
 * `receiveMany()` has returned, or `receiveManyDurable()` has resolved) and control numbers (never reused,
 * also after a power cut; acks queued by `commitProcessedSoon()` are not handed out before). The `Durable`
 * and `Soon` forms fsync the WAL file on the thread pool, one fsync for every commit waiting, so the
 * pipeline's thread goes on meanwhile. Other
 * state changes are WAL commits without their own fsync (synchronous=NORMAL): they survive a killed
 * process, and the next durable commit syncs them too; a power cut may lose the last few, which the
 * pipeline redoes idempotently (a re-post finds the Odoo record, a message is processed again).
 *
 * One gateway process owns a SQLite ledger at a time (a lock file beside it says which), so work that
 * was in flight when a process died is simply picked up again: nothing is leased in the database.
 * Scale-out with several processes is the PostgreSQL ledger's job.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

import { BackgroundCheckpointer } from './checkpointer';
import { SessionTable } from './sessions';
import type {
  DigestWindow,
  Direction,
  DueDocument,
  DocumentRow,
  DocumentState,
  EventRow,
  ExpectedAckRow,
  ExpectedAckState,
  ExportFailureRow,
  LedgerCounts,
  MessageRow,
  MessageState,
  NewEvent,
  NewExportFailure,
  NewInboundMessage,
  NewOutboundMessage,
  PartnerActivity,
  PartnerWindow,
  ProcessedMessage,
} from './types';
import { DEAD_LETTER_STATES, DOCUMENT_STATES, emptyActivity, EXPECTED_ACK_STATES, FINISHED_DOCUMENT_STATES, FINISHED_MESSAGE_STATES, MESSAGE_STATES, OPEN_DOCUMENT_STATES, OPEN_MESSAGE_STATES, type PruneResult } from './types';

type Row = Record<string, unknown>;
/** An export_failures row as `ExportFailureRow`. */
const EXPORT_FAILURE_COLUMNS = 'rowid AS id, source, key, partner_id AS partnerId, record_id AS recordId, name, reason, attempts, first_at AS firstAt, last_at AS lastAt';


/** The `operator` field of an event's detail: who did what a person did (absent for the pipeline's own doings). */
export function byOperator(operator: string | undefined): { operator?: string } {
  return operator === undefined ? {} : { operator };
}

/** A list of our own state names as SQL string literals (never partner input). */
const quoted = (states: readonly string[]): string => states.map((x) => `'${x}'`).join(', ');

/** A change of a document's state (see `SqliteLedger.documentState`). */
export interface DocumentChange {
  state: DocumentState;
  attempt?: boolean;
  nextAttemptAt?: number;
  reason?: string;
  errorKind?: 'business' | 'retryable';
  result?: unknown;
  event: string;
  detail?: unknown;
}

/** The document's correlation and message ids, which its events carry. */
type DocumentRef = Pick<DocumentRow, 'correlationId' | 'messageId'>;

/** The arguments of a document change's two statements: the row update and its event. */
interface DocumentWrites {
  id: number;
  done: unknown[];
  event: unknown[];
}

/** The columns of a new message row apart from those worked out from its bytes. */
interface NewMessageRow {
  direction: MessageRow['direction'];
  channel: string;
  source: string;
  partnerId: string | null;
  state: MessageState;
  correlationId: string;
  now: number;
  messageType: string | null;
  interchange: string | null;
  cause: number | null;
}
type Db = Database.Database;

/** What `writeProcessed` wrote: the new document and outbound ids, and what their rows were given. */
interface Written {
  ids: number[];
  outbound: number[];
  correlationId: string;
  now: number;
  replayOf: Map<number, number> | undefined;
}

export class LedgerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerError';
  }
}

/** Largest control number per level before it wraps to 1 (ISA13, GS06, ST02 and UNB 0020 hold 9 digits). */
const CONTROL_MAX = 999_999_999;

/**
 * Documents just committed as mapped that are kept as rows for `documents()`, at most: the post stage
 * reads them back within moments, and a hit spares the read of the row and its JSON. ~3.5 KB each for
 * the bench's orders; beyond this the ledger is read as before.
 */
const FRESH_DOCUMENTS = 1024;

/** Most events in one INSERT statement (6 parameters each). */
const EVENT_CHUNK = 32;

const MESSAGE_COLUMNS = 'id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at, attempts, next_attempt_at, reason, message_type, interchange_control_number, cause_message_id';
const DOCUMENT_COLUMNS =
  'id, message_id, seq, partner_id, type, message_type, interchange_control_number, group_control_number, control_number, business_key, order_key, state, attempts, next_attempt_at, reason, error_kind, (SELECT canonical FROM document_bodies WHERE document_id = documents.id) AS canonical, result, correlation_id, created_at, updated_at, replay_of';
/** What a claim of the post stage reads (see `DueDocument`), in this order. */
const DUE_COLUMNS = 'id, partner_id, type, order_key, business_key';

/**
 * How a digest window reads a table: the row's key, when it entered the state it is listed for, which rows
 * are in that state, and the columns of a listed row (`raw`: as an array, else as an object). `where` is the
 * condition of migration 16's partial index word for word (SQLite uses a partial index only when the query
 * names its condition); every export_failures row is a record not sent, so that index has none.
 */
export interface WindowSource {
  table: 'documents' | 'expected_acks' | 'export_failures';
  key: 'id' | 'rowid';
  at: string;
  where: string;
  columns: string;
  raw: boolean;
}

/** The digest's three windows (overdue acks, documents that need a person, records not sent). */
export const DIGEST_WINDOWS = {
  overdueAcks: { table: 'expected_acks', key: 'id', at: 'updated_at', where: "state = 'overdue'", columns: 'expected_acks.*', raw: false },
  // The digest lists a document by its keys and reason: its canonical JSON (a row of its own) stays unread.
  needsPerson: { table: 'documents', key: 'id', at: 'state_at', where: `state IN (${quoted(DEAD_LETTER_STATES)})`, columns: DOCUMENT_COLUMNS.replace(/\(SELECT canonical FROM document_bodies [^)]*\)/, 'NULL'), raw: true },
  exportFailures: { table: 'export_failures', key: 'rowid', at: 'first_at', where: 'first_at IS NOT NULL', columns: EXPORT_FAILURE_COLUMNS.replace('rowid', 'export_failures.rowid'), raw: false },
} satisfies Record<string, WindowSource>;

/**
 * The rows of a table that entered a state in (@since, @until], per partner: the exact count and the first
 * @rows of each partner (oldest first), in one statement. The inner select reads only the index entries of
 * the window (time and partner: see migration 16); the whole rows are read for the listed ones alone.
 * CROSS JOIN keeps that order (SQLite never reorders it); both window functions share one definition, so
 * the window's rows are sorted once. A partner's count comes with its rows, so `rows` is at least 1.
 * EXPLAIN QUERY PLAN (SQLite 3.53, asserted in test/store/digest-window.test.ts):
 *   CO-ROUTINE w
 *     SEARCH documents USING COVERING INDEX documents_needs_person (state=? AND state_at>? AND state_at<?)
 *     USE TEMP B-TREE FOR ORDER BY
 *   SCAN w
 *   SEARCH documents USING INTEGER PRIMARY KEY (rowid=?)
 * Without migration 16 the same query read every row of the states through documents_due (state=?):
 * every dead-letter ever, at every digest.
 */
export function windowQuery(s: WindowSource): string {
  return `WITH w AS (
    SELECT ${s.key} AS w_key, ${s.at} AS w_at, partner_id AS w_partner, ROW_NUMBER() OVER p AS w_n, COUNT(*) OVER (p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS w_count
    FROM ${s.table} WHERE ${s.where} AND ${s.at} > @since AND ${s.at} <= @until
    WINDOW p AS (PARTITION BY partner_id ORDER BY ${s.at}, ${s.key}))
  SELECT w_partner, w_count, w_at, ${s.columns} FROM w CROSS JOIN ${s.table} ON ${s.table}.${s.key} = w.w_key WHERE w_n <= @rows ORDER BY w_partner, w_n`;
}

/** A table the list pages read. */
export type ListTable = 'documents' | 'messages' | 'expected_acks';

/** What a list page asks for: rows in `states` (of a direction, of a partner), ids below `before`, at most `limit`. */
export interface ListFilter {
  states: readonly string[];
  direction?: Direction;
  partnerId?: string;
  before?: number;
  limit: number;
}

/**
 * The list pages' query, newest first. One arm per state, each read backwards along an index that ends in
 * (state, id) (documents_due, messages_queue, expected_acks_list); SQLite merges the arms without sorting
 * and stops reading at the limit, so a page costs the same at any depth of a ledger of any size.
 * `state IN (…)` sorted every row of those states in a temp B-tree instead. The partner is checked on
 * the rows an arm reads. EXPLAIN QUERY PLAN (SQLite 3.53, asserted in test/store/list-paging.test.ts):
 *   MERGE (UNION ALL)
 *     LEFT  SEARCH documents USING INDEX documents_due (state=? AND id<?)
 *     RIGHT SEARCH documents USING INDEX documents_due (state=? AND id<?)
 */
export function listQuery(table: ListTable, columns: string, f: ListFilter): { sql: string; args: unknown[] } {
  // A state named twice would be an arm twice, and its rows listed twice.
  const states = [...new Set(f.states)];
  const conditions = [...(f.direction ? ['direction = ?'] : []), 'state = ?', ...(f.partnerId ? ['partner_id = ?'] : []), 'id < ?'].join(' AND ');
  const sql = `${states.map(() => `SELECT ${columns} FROM ${table} WHERE ${conditions}`).join(' UNION ALL ')} ORDER BY id DESC LIMIT +?`;
  const args = states.flatMap((state) => [...(f.direction ? [f.direction] : []), state, ...(f.partnerId ? [f.partnerId] : []), f.before ?? Number.MAX_SAFE_INTEGER]);
  return { sql, args: [...args, f.limit] };
}

/**
 * A message from a row read as an array, in `MESSAGE_COLUMNS` order: better-sqlite3 builds an object per
 * row by looking each column name up as a property key, which cost more than the mapping below.
 */
function toMessage(r: unknown[]): MessageRow {
  return {
    id: r[0] as number,
    direction: r[1] as MessageRow['direction'],
    channel: r[2] as string,
    source: r[3] as string,
    partnerId: r[4] as string | null,
    sha256: r[5] as string,
    size: r[6] as number,
    state: r[7] as MessageState,
    correlationId: r[8] as string,
    createdAt: r[9] as number,
    updatedAt: r[10] as number,
    attempts: r[11] as number,
    nextAttemptAt: r[12] as number | null,
    reason: r[13] as string | null,
    messageType: r[14] as string | null,
    interchangeControlNumber: r[15] as string | null,
    causeMessageId: r[16] as number | null,
  };
}

/** A document from a row read as an array, in `DOCUMENT_COLUMNS` order (see `toMessage`). */
function toDocument(r: unknown[]): DocumentRow {
  return {
    id: r[0] as number,
    messageId: r[1] as number,
    seq: r[2] as number,
    partnerId: r[3] as string | null,
    type: r[4] as string | null,
    messageType: r[5] as string | null,
    interchangeControlNumber: r[6] as string | null,
    groupControlNumber: r[7] as string | null,
    controlNumber: r[8] as string | null,
    businessKey: r[9] as string | null,
    orderKey: r[10] as string | null,
    state: r[11] as DocumentState,
    attempts: r[12] as number,
    nextAttemptAt: r[13] as number | null,
    reason: r[14] as string | null,
    errorKind: r[15] as DocumentRow['errorKind'],
    canonical: r[16] as string | null,
    result: r[17] as string | null,
    correlationId: r[18] as string,
    createdAt: r[19] as number,
    updatedAt: r[20] as number,
    replayOf: r[21] as number | null,
  };
}

function toExpectedAck(r: Row): ExpectedAckRow {
  return {
    id: r.id as number,
    messageId: r.message_id as number,
    partnerId: r.partner_id as string,
    ackType: r.ack_type as string,
    interchangeControlNumber: r.interchange_control_number as string,
    groupControlNumber: (r.group_control_number as string | null) ?? null,
    transactionControlNumber: (r.transaction_control_number as string | null) ?? null,
    messageType: r.message_type as string,
    deadline: r.deadline as number,
    state: r.state as ExpectedAckState,
    errors: (r.errors as string | null) ?? null,
    ackMessageId: (r.ack_message_id as number | null) ?? null,
    updatedAt: r.updated_at as number,
  };
}

/** sha256 of bytes, hex. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SqliteLedgerOptions {
  /** The database file; ':memory:' for a throw-away ledger. */
  file: string;
  /** Clock (tests). */
  now?: () => number;
  /** Take the single-owner lock (default true for files). */
  lock?: boolean;
  /**
   * Checkpoint the WAL on a thread of its own every this many ms instead of inside the commits of the
   * calling thread (see `checkpointer.ts`); files only. The service does; short-lived tools need not.
   */
  backgroundCheckpointMs?: number;
}

/** The ledger on SQLite. Every method is one transaction. */
export class SqliteLedger {
  private readonly db: Db;
  private readonly now: () => number;
  private readonly lockFile: string | undefined;
  private readonly stmt: ReturnType<SqliteLedger['prepare']>;
  /**
   * Runs a function as one transaction (a savepoint inside another). One wrapper made once:
   * better-sqlite3 builds a new one, with its variants, on every `db.transaction(fn)`, and the ledger
   * runs one per posted document.
   */
  private readonly atomically: <T>(fn: () => T) => T;
  private readonly pending: { id: number; change: DocumentChange; known: DocumentRef | undefined; resolve: () => void; reject: (err: unknown) => void; done?: boolean; error?: unknown }[] = [];
  /** The WAL file, for `synced()` (undefined in memory). */
  private readonly walFile: string | undefined;
  private walHandle: FileHandle | undefined;
  private syncing: Promise<void> | undefined;
  private syncNext: Promise<void> | undefined;
  /** Outbound messages committed but not yet on disk: not handed out to be sent. */
  private readonly unsyncedOutbound = new Set<number>();
  /**
   * Rows of mapped documents as this ledger committed them, until read by `documents()` or changed. Only
   * this object writes the ledger while it is open (the lock), and every change of a document's row
   * drops its entry first, so an entry is always the row as stored; a restart starts with none.
   */
  private readonly fresh = new Map<number, DocumentRow>();
  /** Multi-row event inserts by row count (see `insertEventRows`), prepared when first needed. */
  private readonly eventInserts = new Map<number, Database.Statement>();
  private checkpointer: BackgroundCheckpointer | undefined;
  /** The dashboard's sessions (see `sessions.ts`). */
  readonly sessions: SessionTable;

  constructor(options: SqliteLedgerOptions) {
    this.now = options.now ?? Date.now;
    this.walFile = options.file === ':memory:' ? undefined : `${options.file}-wal`;
    if (options.file !== ':memory:') {
      mkdirSync(dirname(options.file), { recursive: true });
      if (options.lock !== false) this.lockFile = this.takeLock(`${options.file}.lock`);
    }
    try {
      this.db = new Database(options.file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      const tx = this.db.transaction((fn: () => unknown) => fn());
      this.atomically = <T>(fn: () => T): T => tx(fn) as T;
      this.migrate();
      this.stmt = this.prepare();
      this.sessions = new SessionTable(this.db);
      if (options.backgroundCheckpointMs !== undefined && options.file !== ':memory:') {
        this.checkpointer = new BackgroundCheckpointer(options.file, options.backgroundCheckpointMs, () => {
          // Without the thread the log would only grow: the commits checkpoint again, as SQLite does by default.
          this.checkpointer = undefined;
          if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
        });
        this.db.pragma('wal_autocheckpoint = 0');
      }
    } catch (err) {
      if (this.lockFile) rmSync(this.lockFile, { force: true });
      throw err;
    }
  }

  private takeLock(file: string): string {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new LedgerError(`the ledger ${file.slice(0, -5)} is in use by process ${pid}; stop that gateway first (one process owns a SQLite ledger; use PostgreSQL to run several)`);
      }
      // The owner died without closing: the lock is stale, and its in-flight work is ours to resume.
      rmSync(file, { force: true });
      return this.takeLock(file);
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new LedgerError(`the ledger was written by a newer gateway (schema ${version}, this one knows ${MIGRATIONS.length}); upgrade the gateway`);
    }
    if (version === MIGRATIONS.length) return;
    this.atomically(() => {
      for (let v = version; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v]);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    });
  }

  private prepare() {
    const db = this.db;
    // Every LIMIT is `+?`, never a bare `?`: SQLite (3.53 here) plans with the value of a bare LIMIT
    // parameter, so binding one expires the statement and every run compiled it again (10–30 µs a claim,
    // against 2–3 µs). `+?` is the same number as an expression, planned once.
    return {
      insertMessage: db.prepare(
        `INSERT INTO messages (direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at, message_type, interchange_control_number, cause_message_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertBytes: db.prepare('INSERT INTO message_bytes (message_id, bytes) VALUES (?, ?)'),
      message: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`).raw(),
      bytes: db.prepare('SELECT bytes FROM message_bytes WHERE message_id = ?').pluck(),
      messageState: db.prepare('UPDATE messages SET state = ?, reason = ?, partner_id = COALESCE(?, partner_id), message_type = COALESCE(?, message_type), interchange_control_number = COALESCE(?, interchange_control_number), updated_at = ? WHERE id = ?'),
      received: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE direction = 'inbound' AND state = 'received' ORDER BY id LIMIT +?`).raw(),
      // Pending and due retries apart, each in id order from messages_queue: the OR form walked every
      // outbound message ever sent, on every claim of the send stage.
      pendingOutbound: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' AND state = 'pending' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT +?`).raw(),
      pendingOutboundAll: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' AND state = 'pending' ORDER BY id LIMIT +?`).raw(),
      retryOutbound: db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' AND state = 'retry' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT +?`).raw(),
      nextOutbound: db.prepare(`SELECT MIN(next_attempt_at) FROM messages WHERE direction = 'outbound' AND state = 'retry'`).pluck(),
      outboundDone: db.prepare('UPDATE messages SET state = ?, attempts = attempts + ?, next_attempt_at = ?, reason = ?, updated_at = ? WHERE id = ?'),
      interchanges: db.prepare('SELECT sha256, message_id AS messageId FROM interchanges WHERE partner_id = ? AND control_number = ? AND seen_at >= ? ORDER BY seen_at'),
      // Word for word the expression and condition of the interchanges_number index (migration 8).
      lastInterchange: db.prepare(`SELECT MAX(CAST(control_number AS INTEGER)) FROM interchanges WHERE partner_id = ? AND control_number NOT GLOB '*[^0-9]*' AND control_number <> ''`).pluck(),
      insertInterchange: db.prepare('INSERT INTO interchanges (partner_id, control_number, sha256, message_id, test, seen_at) VALUES (?, ?, ?, ?, ?, ?)'),
      insertDocument: db.prepare(
        `INSERT INTO documents (message_id, seq, partner_id, type, message_type, interchange_control_number, group_control_number, control_number, business_key, order_key, state, reason, error_kind, correlation_id, created_at, updated_at, state_at, replay_of)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertBody: db.prepare('INSERT INTO document_bodies (document_id, canonical) VALUES (?, ?)'),
      document: db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE id = ?`).raw(),
      documentsOfMessage: db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE message_id = ? ORDER BY seq, id`).raw(),
      // Two index walks instead of one OR: with thousands waiting, the OR form sorted every waiting row. Only
      // the keys (as arrays): a claim looks at more rows than it takes, and a whole row costs ten times more.
      // Documents in flight are skipped by their index entries, without reading their rows.
      dueMapped: db.prepare(`SELECT ${DUE_COLUMNS} FROM documents WHERE state = 'mapped' AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT +?`).raw(),
      dueRetry: db.prepare(`SELECT ${DUE_COLUMNS} FROM documents WHERE state = 'retry' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT +?`).raw(),
      // The same with nothing in flight: the NOT IN list is built as a temporary index on every run, empty or not.
      dueMappedAll: db.prepare(`SELECT ${DUE_COLUMNS} FROM documents WHERE state = 'mapped' ORDER BY id LIMIT +?`).raw(),
      dueRetryAll: db.prepare(`SELECT ${DUE_COLUMNS} FROM documents WHERE state = 'retry' AND next_attempt_at <= ? ORDER BY id LIMIT +?`).raw(),
      documentsById: db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE id IN (SELECT value FROM json_each(?))`).raw(),
      documentRef: db.prepare('SELECT correlation_id, message_id FROM documents WHERE id = ?'),
      nextDocument: db.prepare(`SELECT MIN(next_attempt_at) FROM documents WHERE state = 'retry'`).pluck(),
      businessTwin: db.prepare(
        `SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE partner_id = ? AND type = ? AND business_key = ? AND message_id <> ? AND state IN ('mapped', 'posted', 'retry', 'parked') ORDER BY id LIMIT 1`,
      ).raw(),
      // Every run is a change of state with its event: the document enters the state now (state_at, migration 16).
      documentDone: db.prepare('UPDATE documents SET state = ?, attempts = attempts + ?, next_attempt_at = ?, reason = ?, error_kind = ?, result = COALESCE(?, result), updated_at = ?, state_at = ? WHERE id = ?'),
      insertEvent: db.prepare('INSERT INTO events (at, correlation_id, message_id, document_id, kind, detail) VALUES (?, ?, ?, ?, ?, ?)'),
      eventsOfMessage: db.prepare('SELECT * FROM events WHERE message_id = ? OR document_id IN (SELECT id FROM documents WHERE message_id = ?) ORDER BY id'),
      eventsOfDocument: db.prepare('SELECT * FROM events WHERE document_id = ? ORDER BY id'),
      controlGet: db.prepare('SELECT last FROM control_numbers WHERE partner_key = ? AND level = ?').pluck(),
      controlSet: db.prepare('INSERT INTO control_numbers (partner_key, level, last) VALUES (?, ?, ?) ON CONFLICT (partner_key, level) DO UPDATE SET last = excluded.last'),
      insertExpected: db.prepare(
        `INSERT INTO expected_acks (message_id, partner_id, ack_type, interchange_control_number, group_control_number, transaction_control_number, message_type, deadline, state, updated_at, reference)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?)`,
      ),
      expectedFor: db.prepare('SELECT * FROM expected_acks WHERE partner_id = ? AND interchange_control_number = ? ORDER BY id'),
      expectedOfGroup: db.prepare('SELECT * FROM expected_acks WHERE partner_id = ? AND group_control_number = ? ORDER BY id'),
      expectedOfTransaction: db.prepare('SELECT * FROM expected_acks WHERE partner_id = ? AND transaction_control_number = ? ORDER BY id'),
      expectedByReference: db.prepare(`SELECT * FROM expected_acks WHERE partner_id = ? AND reference = ? AND ack_type = ? AND state IN ('sent', 'overdue') ORDER BY id`),
      orderNumberOf: db.prepare(`SELECT source FROM messages WHERE id = ? AND direction = 'outbound'`).pluck(),
      orderResponse: db.prepare(
        `SELECT id, state, (SELECT canonical FROM document_bodies WHERE document_id = documents.id) AS canonical FROM documents WHERE partner_id = ? AND type = 'order_response' AND (business_key = ? OR business_key LIKE ? ESCAPE '\\') AND state <> 'replaced' ORDER BY id DESC LIMIT 1`,
      ),
      overdueByPartner: db.prepare(`SELECT partner_id AS partner, COUNT(*) AS n FROM expected_acks WHERE state = 'overdue' OR (state = 'sent' AND deadline < ?) GROUP BY partner_id`),
      expectedDone: db.prepare('UPDATE expected_acks SET state = ?, errors = ?, ack_message_id = ?, updated_at = ? WHERE id = ?'),
      markOverdue: db.prepare(`UPDATE expected_acks SET state = 'overdue', updated_at = @at WHERE state = 'sent' AND deadline < @at`),
      exportGet: db.prepare('SELECT message_id FROM exports WHERE source = ? AND key = ?').pluck(),
      exportSet: db.prepare('INSERT INTO exports (source, key, message_id, created_at, fingerprint) VALUES (?, ?, ?, ?, ?)'),
      exportSent: db.prepare('SELECT message_id AS messageId, fingerprint FROM exports WHERE source = ? AND key = ?'),
      exportFingerprintSet: db.prepare('UPDATE exports SET fingerprint = ? WHERE source = ? AND key = ?'),
      metaGet: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      exportFailureGet: db.prepare('SELECT reason, attempts FROM export_failures WHERE source = ? AND key = ?'),
      exportFailureRow: db.prepare(`SELECT ${EXPORT_FAILURE_COLUMNS} FROM export_failures WHERE rowid = ?`),
      exportFailureSet: db.prepare(
        `INSERT INTO export_failures (source, key, partner_id, record_id, name, reason, attempts, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (source, key) DO UPDATE SET name = excluded.name, reason = excluded.reason, attempts = attempts + 1, last_at = excluded.last_at`,
      ),
      exportFailureDelete: db.prepare('DELETE FROM export_failures WHERE source = ? AND key = ?'),
      exportFailureCounts: db.prepare('SELECT partner_id AS partner, count(*) AS n FROM export_failures GROUP BY partner_id'),
      metaSet: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      countMessages: db.prepare('SELECT state, COUNT(*) AS n FROM messages GROUP BY state'),
      countDocuments: db.prepare('SELECT state, COUNT(*) AS n FROM documents GROUP BY state'),
      // Through the state indexes: the time grows with what waits, not with the ledger's history.
      countOpenMessages: db.prepare(`SELECT state, COUNT(*) AS n FROM messages WHERE direction IN ('inbound', 'outbound') AND state IN (${quoted(OPEN_MESSAGE_STATES)}) GROUP BY state`),
      countOpenDocuments: db.prepare(`SELECT state, COUNT(*) AS n FROM documents WHERE state IN (${quoted(OPEN_DOCUMENT_STATES)}) GROUP BY state`),
      // Retention, over a range of ids (rowid order, so a step reads a bounded stretch of the table). A
      // message keeps its bytes while any of its documents is unfinished or finished too lately (a person
      // may still replay a discarded one), or an acknowledgment of it is awaited (it may be sent again).
      prunableMessages: db.prepare(
        `SELECT id, (SELECT length(bytes) FROM message_bytes WHERE message_id = messages.id) AS size FROM messages WHERE id > @after AND id <= @upTo AND created_at < @before AND updated_at < @before AND payload_pruned_at IS NULL AND state IN (${quoted(FINISHED_MESSAGE_STATES)}) AND NOT EXISTS (SELECT 1 FROM documents WHERE documents.message_id = messages.id AND (documents.state NOT IN (${quoted(FINISHED_DOCUMENT_STATES)}) OR documents.updated_at >= @before)) AND NOT EXISTS (SELECT 1 FROM expected_acks WHERE expected_acks.message_id = messages.id AND expected_acks.state IN ('sent', 'overdue'))`,
      ),
      prunableDocuments: db.prepare(
        `SELECT id, (SELECT length(canonical) FROM document_bodies WHERE document_id = documents.id) AS size FROM documents WHERE id > @after AND id <= @upTo AND created_at < @before AND updated_at < @before AND payload_pruned_at IS NULL AND state IN (${quoted(FINISHED_DOCUMENT_STATES)})`,
      ),
      pruneBytes: db.prepare('DELETE FROM message_bytes WHERE message_id = ?'),
      pruneBody: db.prepare('DELETE FROM document_bodies WHERE document_id = ?'),
      markMessagePruned: db.prepare('UPDATE messages SET payload_pruned_at = ? WHERE id = ?'),
      markDocumentPruned: db.prepare('UPDATE documents SET payload_pruned_at = ? WHERE id = ?'),
      messagePrunedAt: db.prepare('SELECT payload_pruned_at FROM messages WHERE id = ?').pluck(),
      // From the payload tables' own keys: rows below the lowest id that still has a payload have nothing to remove.
      payloadIds: db.prepare(
        'SELECT (SELECT MIN(message_id) FROM message_bytes) AS firstMessage, (SELECT MAX(id) FROM messages) AS lastMessage, (SELECT MIN(document_id) FROM document_bodies) AS firstDocument, (SELECT MAX(id) FROM documents) AS lastDocument',
      ),
      // The dashboard's overview: open rows through the state indexes, recent ones through an id range.
      activityOpenDocuments: db.prepare(`SELECT partner_id AS partner, state, COUNT(*) AS n FROM documents WHERE state IN (${quoted(OPEN_DOCUMENT_STATES)}) GROUP BY partner_id, state`),
      activityOpenMessages: db.prepare(
        `SELECT partner_id AS partner, direction, state, COUNT(*) AS n FROM messages WHERE direction IN ('inbound', 'outbound') AND state IN (${quoted(OPEN_MESSAGE_STATES)}) GROUP BY partner_id, direction, state`,
      ),
      activityDocuments: db.prepare('SELECT partner_id AS partner, state, COUNT(*) AS n FROM documents WHERE id >= ? GROUP BY partner_id, state'),
      activityMessages: db.prepare('SELECT partner_id AS partner, direction, COUNT(*) AS n, MAX(created_at) AS last FROM messages WHERE id >= ? GROUP BY partner_id, direction'),
      activityOpenAcks: db.prepare(`SELECT partner_id AS partner, state, COUNT(*) AS n FROM expected_acks WHERE state IN ('sent', 'overdue') GROUP BY partner_id, state`),
      activityAcks: db.prepare(`SELECT partner_id AS partner, state, COUNT(*) AS n FROM expected_acks WHERE id >= ? AND state NOT IN ('sent', 'overdue') GROUP BY partner_id, state`),
      firstMessageFrom: db.prepare('SELECT id, created_at AS at FROM messages WHERE id >= ? ORDER BY id LIMIT 1'),
      firstDocumentFrom: db.prepare('SELECT id, created_at AS at FROM documents WHERE id >= ? ORDER BY id LIMIT 1'),
      firstExpectedFrom: db.prepare('SELECT e.id, m.created_at AS at FROM expected_acks e JOIN messages m ON m.id = e.message_id WHERE e.id >= ? ORDER BY e.id LIMIT 1'),
      lastIds: db.prepare('SELECT (SELECT MAX(id) FROM messages) AS message, (SELECT MAX(id) FROM documents) AS document, (SELECT MAX(id) FROM expected_acks) AS expected'),
      countOverdue: db.prepare(`SELECT COUNT(*) FROM expected_acks WHERE state = 'overdue' OR (state = 'sent' AND deadline < ?)`).pluck(),
    };
  }

  /** Store an inbound message; returns once the bytes are on disk (the channel may acknowledge then). */
  receive(msg: NewInboundMessage): MessageRow {
    return this.receiveMany([msg])[0];
  }

  /** Run `fn` as one transaction that is on disk (fsynced) when this returns. */
  private durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return this.atomically(fn);
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  /** Store several inbound messages in one synced transaction (a folder scan, a mailbox poll). */
  receiveMany(msgs: NewInboundMessage[]): MessageRow[] {
    const ids = this.durably(() => this.insertInbound(msgs));
    return ids.map((id) => this.message(id) as MessageRow);
  }

  /** `receiveMany` without holding the thread during the fsync: resolves once the bytes are on disk. */
  async receiveManyDurable(msgs: NewInboundMessage[]): Promise<MessageRow[]> {
    const ids = this.atomically(() => this.insertInbound(msgs));
    await this.synced();
    return ids.map((id) => this.message(id) as MessageRow);
  }

  private insertInbound(msgs: NewInboundMessage[]): number[] {
    const now = this.now();
    return msgs.map((m) =>
      this.insertMessage(
        {
          direction: 'inbound',
          channel: m.channel,
          source: m.source,
          partnerId: m.partnerId ?? null,
          state: 'received',
          correlationId: m.correlationId ?? randomUUID(),
          now,
          messageType: null,
          interchange: null,
          cause: null,
        },
        m.bytes,
      ),
    );
  }

  /**
   * Resolves when everything committed so far is on disk: one fsync of the WAL file (what a
   * synchronous=FULL commit does inside the commit) on the thread pool, shared by every commit that waits
   * for it; a commit made while one is under way waits for the next.
   */
  private synced(): Promise<void> {
    if (this.walFile === undefined) return Promise.resolve();
    if (!this.syncing) {
      const wal = this.walFile;
      this.syncing = (async () => {
        // Opened on first use: the WAL file exists once something was committed.
        this.walHandle ??= await open(wal, 'r+');
        await this.walHandle.sync();
      })().finally(() => {
        this.syncing = undefined;
      });
      return this.syncing;
    }
    const next = () => {
      this.syncNext = undefined;
      return this.synced();
    };
    this.syncNext ??= this.syncing.then(next, next);
    return this.syncNext;
  }

  message(id: number): MessageRow | undefined {
    const r = this.stmt.message.get(id) as unknown[] | undefined;
    return r ? toMessage(r) : undefined;
  }

  /** The raw bytes of a message, exactly as received or sent. */
  bytes(id: number): Buffer {
    const b = this.stmt.bytes.get(id) as Buffer | undefined;
    if (b) return b;
    const pruned = this.stmt.messagePrunedAt.get(id) as number | null | undefined;
    if (typeof pruned === 'number') throw new LedgerError(`the bytes of message ${id} were removed on ${new Date(pruned).toISOString()} under the retention policy (retention.payloads); it cannot be replayed or sent again`);
    throw new LedgerError(`no message ${id} in the ledger`);
  }

  /**
   * Rewrite the database file without its free pages (after a first retention pass on a large ledger:
   * SQLite reuses freed pages but never gives them back). Needs free disk for a copy of the ledger, and
   * time in proportion to its size, during which nothing else can use it. Returns the file's bytes
   * before and after (0 in memory).
   */
  vacuum(): { before: number; after: number } {
    const size = (): number => (this.db.pragma('page_count', { simple: true }) as number) * (this.db.pragma('page_size', { simple: true }) as number);
    const before = size();
    this.db.exec('VACUUM');
    return { before, after: size() };
  }

  /** Where a retention pass starts (after the ids below the lowest one still holding a payload) and ends, per table. */
  payloadIds(): Record<'messages' | 'documents', { after: number; last: number }> {
    const r = this.stmt.payloadIds.get() as Record<'firstMessage' | 'lastMessage' | 'firstDocument' | 'lastDocument', number | null>;
    const range = (first: number | null, last: number | null) => (first === null ? { after: 0, last: 0 } : { after: first - 1, last: last ?? 0 });
    return { messages: range(r.firstMessage, r.lastMessage), documents: range(r.firstDocument, r.lastDocument) };
  }

  /**
   * One step of the payload retention over the rows with ids in (`after`, `upTo`] of one table: removes
   * the payload (raw bytes, canonical JSON) of each finished row created and last changed before
   * `before` (ms), in one transaction; the row stays, marked with when. `dry`: only counts.
   */
  prunePayloads(table: 'messages' | 'documents', after: number, upTo: number, before: number, dry = false): PruneResult {
    const messages = table === 'messages';
    const rows = (messages ? this.stmt.prunableMessages : this.stmt.prunableDocuments).all({ after, upTo, before }) as { id: number; size: number | null }[];
    const bytes = rows.reduce((n, r) => n + (r.size ?? 0), 0);
    if (!dry && rows.length > 0) {
      const at = this.now();
      this.atomically(() => {
        for (const { id } of rows) {
          if (messages) {
            this.stmt.pruneBytes.run(id);
            this.stmt.markMessagePruned.run(at, id);
          } else {
            this.fresh.delete(id);
            this.stmt.pruneBody.run(id);
            this.stmt.markDocumentPruned.run(at, id);
          }
        }
      });
    }
    return { messages: messages ? rows.length : 0, documents: messages ? 0 : rows.length, bytes };
  }

  /** Inbound messages waiting to be processed, oldest first. */
  receivedMessages(limit: number): MessageRow[] {
    return (this.stmt.received.all(limit) as unknown[][]).map(toMessage);
  }

  /** Earlier sightings of an interchange control number from a partner within the window. */
  interchangeSightings(partnerId: string, controlNumber: string, windowMs: number): { sha256: string; messageId: number }[] {
    return this.stmt.interchanges.all(partnerId, controlNumber, this.now() - windowMs) as { sha256: string; messageId: number }[];
  }

  /** The highest numeric interchange control number received from a partner, if any. */
  lastInterchangeNumber(partnerId: string): number | undefined {
    return (this.stmt.lastInterchange.get(partnerId) as number | null) ?? undefined;
  }

  /**
   * Run `fn`, which reads the ledger many times, as one read transaction: each statement outside a
   * transaction takes and releases the database's read lock itself (two fcntl calls), ~1.8 µs a lookup.
   */
  readTogether<T>(fn: () => T): T {
    return this.atomically(fn);
  }

  /** A live document of the same partner, type and business key from another message. */
  businessTwin(partnerId: string, type: string, businessKey: string, messageId: number): DocumentRow | undefined {
    const r = this.stmt.businessTwin.get(partnerId, type, businessKey, messageId) as unknown[] | undefined;
    return r ? toDocument(r) : undefined;
  }

  /** A message row and its bytes (kept apart: see migration 5). */
  private insertMessage(r: NewMessageRow, bytes: Buffer): number {
    const id = Number(
      this.stmt.insertMessage.run(r.direction, r.channel, r.source, r.partnerId, sha256(bytes), bytes.length, r.state, r.correlationId, r.now, r.now, r.messageType, r.interchange, r.cause).lastInsertRowid,
    );
    this.stmt.insertBytes.run(id, bytes);
    return id;
  }

  private insertOutbound(o: NewOutboundMessage, now: number): number {
    const id = this.insertMessage(
      {
        direction: 'outbound',
        channel: o.channel,
        source: o.name,
        partnerId: o.partnerId,
        state: 'pending',
        correlationId: o.correlationId,
        now,
        messageType: o.messageType,
        interchange: o.interchangeControlNumber ?? null,
        cause: o.causeMessageId ?? null,
      },
      o.bytes,
    );
    for (const e of o.expects ?? []) {
      this.stmt.insertExpected.run(id, o.partnerId, e.ackType, e.interchangeControlNumber, e.groupControlNumber ?? null, e.transactionControlNumber ?? null, e.messageType, e.deadline, now, e.reference ?? null);
    }
    return id;
  }

  private insertEvent(e: NewEvent, now: number): void {
    this.stmt.insertEvent.run(this.eventRow(e, now));
  }

  /** An event as the arguments of `insertEvent` (at, correlation_id, message_id, document_id, kind, detail). */
  private eventRow(e: NewEvent, now: number): unknown[] {
    return [now, e.correlationId, e.messageId ?? null, e.documentId ?? null, e.kind, e.detail === undefined ? null : JSON.stringify(e.detail)];
  }

  /**
   * Event rows written with one multi-row INSERT per EVENT_CHUNK: a statement run costs about as much
   * as the row it writes (measured: 4.9 µs an event alone, 3.1 in rows of 50).
   */
  private insertEventRows(rows: readonly unknown[][]): void {
    for (let from = 0; from < rows.length; from += EVENT_CHUNK) {
      const n = Math.min(EVENT_CHUNK, rows.length - from);
      if (n === 1) {
        this.stmt.insertEvent.run(rows[from]);
        continue;
      }
      let insert = this.eventInserts.get(n);
      if (!insert) {
        insert = this.db.prepare(`INSERT INTO events (at, correlation_id, message_id, document_id, kind, detail) VALUES ${new Array<string>(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`);
        this.eventInserts.set(n, insert);
      }
      const args: unknown[] = [];
      for (let i = from; i < from + n; i++) for (const v of rows[i]) args.push(v);
      insert.run(args);
    }
  }

  /** Write what processing one inbound message produced, atomically; returns the new document ids in order. */
  commitProcessed(p: ProcessedMessage, replayOf?: Map<number, number>): number[] {
    // Acks leave after this commit: it makes their control numbers (taken provisionally) durable with them.
    const write = () => this.writeProcessed(p, replayOf);
    const written = p.outbound.length > 0 ? this.durably(write) : this.atomically(write);
    this.remember(p, written);
    return written.ids;
  }

  /**
   * `commitProcessed` without holding the thread during the fsync: the ids at once, and `durable`, which
   * resolves when the commit is on disk. The acks it queued are not handed out (`dueOutbound`) before.
   */
  commitProcessedSoon(p: ProcessedMessage): { ids: number[]; durable: Promise<void> } {
    const written = this.atomically(() => this.writeProcessed(p));
    this.remember(p, written);
    const { ids, outbound } = written;
    if (outbound.length === 0) return { ids, durable: Promise.resolve() };
    for (const id of outbound) this.unsyncedOutbound.add(id);
    // On a failed fsync they stay held back: nothing may leave that the disk may not have.
    const durable = this.synced().then(() => {
      for (const id of outbound) this.unsyncedOutbound.delete(id);
    });
    return { ids, durable };
  }

  /** Keep the rows of the mapped documents just committed, for the post stage to read (see `fresh`). */
  private remember(p: ProcessedMessage, w: Written): void {
    for (let i = 0; i < p.documents.length && this.fresh.size < FRESH_DOCUMENTS; i++) {
      const d = p.documents[i];
      if (d.state !== 'mapped' || d.canonical == null) continue;
      // The row as writeProcessed stored it, column for column (see toDocument).
      this.fresh.set(w.ids[i], {
        id: w.ids[i],
        messageId: p.messageId,
        seq: d.seq,
        partnerId: d.partnerId,
        type: d.type,
        messageType: d.messageType,
        interchangeControlNumber: d.interchangeControlNumber,
        groupControlNumber: d.groupControlNumber,
        controlNumber: d.controlNumber,
        businessKey: d.businessKey,
        orderKey: d.orderKey ?? null,
        state: d.state,
        attempts: 0,
        nextAttemptAt: null,
        reason: d.reason ?? null,
        errorKind: d.errorKind ?? null,
        canonical: d.canonical,
        result: null,
        correlationId: w.correlationId,
        createdAt: w.now,
        updatedAt: w.now,
        replayOf: w.replayOf?.get(d.seq) ?? null,
      });
    }
  }

  private writeProcessed(p: ProcessedMessage, replayOf?: Map<number, number>): Written {
    const now = this.now();
    const msg = this.message(p.messageId);
    if (!msg) throw new LedgerError(`no message ${p.messageId} in the ledger`);
    {
      this.stmt.messageState.run(p.state, p.reason ?? null, p.partnerId ?? null, p.messageType ?? null, p.interchanges[0]?.controlNumber ?? null, now, p.messageId);
      for (const ic of p.interchanges) this.stmt.insertInterchange.run(ic.partnerId, ic.controlNumber, ic.sha256, p.messageId, ic.test ? 1 : 0, now);
      const ids = p.documents.map((d) => {
        const id = Number(
          this.stmt.insertDocument.run(
            p.messageId,
            d.seq,
            d.partnerId,
            d.type,
            d.messageType,
            d.interchangeControlNumber,
            d.groupControlNumber,
            d.controlNumber,
            d.businessKey,
            d.orderKey ?? null,
            d.state,
            d.reason ?? null,
            d.errorKind ?? null,
            msg.correlationId,
            now,
            now,
            now,
            replayOf?.get(d.seq) ?? null,
          ).lastInsertRowid,
        );
        if (d.canonical != null) this.stmt.insertBody.run(id, d.canonical);
        return id;
      });
      if (replayOf) {
        p.documents.forEach((d, i) => {
          const old = replayOf.get(d.seq);
          if (old === undefined) return;
          this.fresh.delete(old);
          this.stmt.documentDone.run('replaced', 0, null, `replayed as document ${ids[i]}`, null, null, now, now, old);
          this.insertEvent({ correlationId: msg.correlationId, messageId: p.messageId, documentId: old, kind: 'document.replaced', detail: { by: ids[i] } }, now);
        });
      }
      const outbound = p.outbound.map((o) => this.insertOutbound(o, now));
      for (const a of p.ackSettlements ?? []) this.stmt.expectedDone.run(a.state, JSON.stringify(a.errors ?? []), p.messageId, now, a.id);
      const events = p.events.map((e) => this.eventRow(e, now));
      p.documents.forEach((d, i) => events.push(this.eventRow({ correlationId: msg.correlationId, messageId: p.messageId, documentId: ids[i], kind: `document.${d.state}`, detail: d.reason ? { reason: d.reason } : undefined }, now)));
      this.insertEventRows(events);
      return { ids, outbound, correlationId: msg.correlationId, now, replayOf };
    }
  }

  /** Whether a record of a source system was exported already (the outbound message id), or undefined. */
  exported(source: string, key: string): number | null | undefined {
    const v = this.stmt.exportGet.get(source, key) as number | null | undefined;
    return v;
  }

  /**
   * Queue an outbound message made from a source record, and remember the record as exported: both or
   * neither. `fingerprint` is what the partner now has of it, and becomes that of `reference` too (the
   * export later changes are measured from). The record's failure, held under `heldAs` (default `key`), goes.
   */
  enqueueExport(source: string, key: string, o: NewOutboundMessage, x: { fingerprint?: string; reference?: { source: string; key: string }; heldAs?: string } = {}): number {
    return this.atomically(() => {
      const id = this.enqueue(o);
      this.stmt.exportSet.run(source, key, id, this.now(), x.fingerprint ?? null);
      if (x.reference && x.fingerprint !== undefined) this.stmt.exportFingerprintSet.run(x.fingerprint, x.reference.source, x.reference.key);
      // A change's failure is held under the record's own key (its export key is one per change).
      this.stmt.exportFailureDelete.run(source, x.heldAs ?? key);
      return id;
    });
  }

  /** The message a record was exported as (null: remembered without one) and what it looked like then, or undefined when it never was. */
  exportSent(source: string, key: string): { messageId: number | null; fingerprint: string | null } | undefined {
    return this.stmt.exportSent.get(source, key) as { messageId: number | null; fingerprint: string | null } | undefined;
  }

  /** Remember what the partner has of an exported record without sending anything (an export made before fingerprints were kept). */
  setExportFingerprint(source: string, key: string, fingerprint: string): void {
    this.stmt.exportFingerprintSet.run(fingerprint, source, key);
  }

  /**
   * Record that a source record could not be sent (again): its attempts count up. `fresh` says whether
   * the reason is new (first failure, or a different one), which is when it is worth telling someone.
   */
  exportFailed(f: NewExportFailure): { attempts: number; fresh: boolean } {
    return this.atomically(() => {
      const before = this.stmt.exportFailureGet.get(f.source, f.key) as { reason: string; attempts: number } | undefined;
      const now = this.now();
      this.stmt.exportFailureSet.run(f.source, f.key, f.partnerId, f.recordId, f.name, f.reason, now, now);
      return { attempts: (before?.attempts ?? 0) + 1, fresh: before?.reason !== f.reason };
    });
  }

  /** How many records of Odoo could not be sent, per partner (for the metrics). */
  exportFailuresByPartner(): Record<string, number> {
    return Object.fromEntries((this.stmt.exportFailureCounts.all() as { partner: string; n: number }[]).map((r) => [r.partner, r.n]));
  }

  /** Forget a failure whose record is no longer to be sent (cancelled in Odoo, or not for this partner any more). */
  clearExportFailure(source: string, key: string): boolean {
    return this.stmt.exportFailureDelete.run(source, key).changes > 0;
  }

  /** The records that could not be sent, oldest failure first; of one partner and/or one kind when given. */
  exportFailures(o: { partnerId?: string; source?: string; limit?: number } = {}): ExportFailureRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (o.partnerId !== undefined) {
      where.push('partner_id = ?');
      args.push(o.partnerId);
    }
    if (o.source !== undefined) {
      where.push('source = ?');
      args.push(o.source);
    }
    const sql = `SELECT ${EXPORT_FAILURE_COLUMNS} FROM export_failures${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid LIMIT +?`;
    return this.db.prepare(sql).all(...args, o.limit ?? 1000) as ExportFailureRow[];
  }

  /**
   * A person decides a record that failed is not to be sent: it is remembered as exported with no message
   * (so no run tries it again) and the decision goes into the events, with its reason.
   */
  dismissExport(id: number, reason: string, operator?: string): ExportFailureRow | undefined {
    return this.atomically(() => {
      const row = this.stmt.exportFailureRow.get(id) as ExportFailureRow | undefined;
      if (!row) return undefined;
      this.stmt.exportFailureDelete.run(row.source, row.key);
      const now = this.now();
      this.stmt.exportSet.run(row.source, row.key, null, now, null);
      this.insertEvent({ correlationId: randomUUID(), kind: 'export.dismissed', detail: { source: row.source, key: row.key, name: row.name, partner: row.partnerId, reason, ...byOperator(operator) } }, now);
      return row;
    });
  }

  /** A small persistent setting (e.g. from when on records are exported). */
  meta(key: string): string | undefined {
    return (this.stmt.metaGet.get(key) as string | undefined) ?? undefined;
  }

  setMeta(key: string, value: string): void {
    this.stmt.metaSet.run(key, value);
  }

  /** Queue one outbound message (an 850 from Odoo, a re-sent ack); `operator`: the person who sent it, for its history. */
  enqueue(o: NewOutboundMessage, operator?: string): number {
    const now = this.now();
    return this.atomically(() => {
      const id = this.insertOutbound(o, now);
      this.insertEvent({ correlationId: o.correlationId, messageId: id, kind: 'outbound.queued', detail: { messageType: o.messageType, name: o.name, ...byOperator(operator) } }, now);
      return id;
    });
  }

  /** Run several of the ledger's writes as one transaction: all of them or none (theirs nest as savepoints). */
  together<T>(fn: () => T): T {
    return this.atomically(fn);
  }

  document(id: number): DocumentRow | undefined {
    const r = this.stmt.document.get(id) as unknown[] | undefined;
    return r ? toDocument(r) : undefined;
  }

  documentsOfMessage(messageId: number): DocumentRow[] {
    return (this.stmt.documentsOfMessage.all(messageId) as unknown[][]).map(toDocument);
  }

  /** Documents ready to post (mapped, or retry whose time has come), oldest first, none of `busy`: their keys only. */
  dueDocuments(limit: number, busy?: ReadonlySet<number>): DueDocument[] {
    const except = busy && busy.size > 0 ? JSON.stringify([...busy]) : undefined;
    const mapped = (except === undefined ? this.stmt.dueMappedAll.all(limit) : this.stmt.dueMapped.all(except, limit)) as unknown[][];
    // Most claims find no retry due: the earliest retry's time (from the index) says so without reading
    // the busy list again.
    const now = this.now();
    const firstRetry = this.stmt.nextDocument.get() as number | null;
    const retry = firstRetry === null || firstRetry > now ? [] : ((except === undefined ? this.stmt.dueRetryAll.all(now, limit) : this.stmt.dueRetry.all(now, except, limit)) as unknown[][]);
    const rows = retry.length === 0 ? mapped : [...mapped, ...retry].sort((a, b) => (a[0] as number) - (b[0] as number)).slice(0, limit);
    return rows.map((r) => ({ id: r[0] as number, partnerId: r[1] as string | null, type: r[2] as string | null, orderKey: r[3] as string | null, businessKey: r[4] as string | null }));
  }

  /** Whole documents (with their JSON) by id, in the order asked; ids not in the ledger are left out. */
  documents(ids: readonly number[]): DocumentRow[] {
    const out: (DocumentRow | undefined)[] = new Array<DocumentRow | undefined>(ids.length);
    let missing: number[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const row = this.fresh.get(ids[i]);
      // Handed out once: the caller may change its copy, and its next change of state drops it anyway.
      if (row) {
        this.fresh.delete(ids[i]);
        out[i] = row;
      } else (missing ??= []).push(ids[i]);
    }
    if (missing) {
      const byId = new Map((this.stmt.documentsById.all(JSON.stringify(missing)) as unknown[][]).map((r) => [r[0] as number, toDocument(r)]));
      for (let i = 0; i < ids.length; i++) out[i] ??= byId.get(ids[i]);
    }
    return out.filter((d): d is DocumentRow => d !== undefined);
  }

  /** When the earliest scheduled retry of a document is due (epoch ms), if any. */
  nextDocumentRetry(): number | undefined {
    return (this.stmt.nextDocument.get() as number | null) ?? undefined;
  }

  /**
   * `documentState`, written together with the other changes queued in the same turn of the event loop:
   * one transaction and one fsync for a burst of posted documents instead of one each. Resolves when
   * the change is on disk.
   */
  documentStateSoon(id: number, change: DocumentChange, known?: DocumentRef): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ id, change, known, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    // A change fails before it writes (an unknown document, a result that is no JSON) or, rarely, in SQLite
    // between its two writes. Only the latter needs a savepoint to undo it alone; one per change cost a
    // SAVEPOINT and a RELEASE and copied every page it touched into the statement journal. So the batch
    // goes without, and should a write fail, it is undone whole and written again with one savepoint per
    // change: one failing change still does not undo the others.
    let writeFailed = false;
    // The events of the batch go in together at the end (fewer statements; the same rows, in the same order).
    const events: unknown[][] = [];
    try {
      this.atomically(() => {
        for (const b of batch) {
          let writes: DocumentWrites;
          try {
            writes = this.documentWrites(b.id, b.change, b.known);
          } catch (err) {
            b.error = err;
            continue;
          }
          try {
            this.fresh.delete(writes.id);
            this.stmt.documentDone.run(writes.done);
          } catch (err) {
            writeFailed = true;
            throw err;
          }
          events.push(writes.event);
          b.done = true;
        }
        try {
          this.insertEventRows(events);
        } catch (err) {
          writeFailed = true;
          throw err;
        }
      });
    } catch (err) {
      if (!writeFailed) {
        for (const b of batch) b.reject(err);
        return;
      }
      try {
        this.atomically(() => {
          for (const b of batch) {
            b.done = false;
            b.error = undefined;
            try {
              this.documentState(b.id, b.change, b.known);
              b.done = true;
            } catch (err) {
              b.error = err;
            }
          }
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
        return;
      }
    }
    for (const b of batch) {
      if (b.done) b.resolve();
      else b.reject(b.error);
    }
  }

  /** Move a document to its next state, with the event that says why. */
  documentState(
    id: number,
    change: DocumentChange,
    /** The document's correlation and message ids when the caller has them (else they are read). */
    known?: DocumentRef,
  ): void {
    const writes = this.documentWrites(id, change, known);
    this.atomically(() => this.writeDocumentChange(writes));
  }

  /** What a document change writes, worked out before anything is written: all that can fail but SQLite. */
  private documentWrites(id: number, change: DocumentChange, known: DocumentRef | undefined): DocumentWrites {
    const now = this.now();
    // Only what the event needs: the full row would read the document's JSON for nothing.
    const doc = known ? { correlation_id: known.correlationId, message_id: known.messageId } : (this.stmt.documentRef.get(id) as { correlation_id: string; message_id: number } | undefined);
    if (!doc) throw new LedgerError(`no document ${id} in the ledger`);
    const detail = change.detail ?? (change.reason ? { reason: change.reason } : undefined);
    return {
      id,
      done: [change.state, change.attempt ? 1 : 0, change.nextAttemptAt ?? null, change.reason ?? null, change.errorKind ?? null, change.result === undefined ? null : JSON.stringify(change.result), now, now, id],
      event: [now, doc.correlation_id, doc.message_id, id, change.event, detail === undefined ? null : JSON.stringify(detail)],
    };
  }

  private writeDocumentChange(w: DocumentWrites): void {
    this.fresh.delete(w.id);
    this.stmt.documentDone.run(w.done);
    this.stmt.insertEvent.run(w.event);
  }

  /** Outbound messages ready to send: pending, or retry whose time has come; oldest first. */
  dueOutbound(limit: number): MessageRow[] {
    const held = this.unsyncedOutbound.size > 0 ? JSON.stringify([...this.unsyncedOutbound]) : undefined;
    const pending = (held === undefined ? this.stmt.pendingOutboundAll.all(limit) : this.stmt.pendingOutbound.all(held, limit)) as unknown[][];
    // As in dueDocuments: the earliest retry's time (from the index) says whether any is due.
    const now = this.now();
    const firstRetry = this.stmt.nextOutbound.get() as number | null;
    const retry = firstRetry === null || firstRetry > now ? [] : (this.stmt.retryOutbound.all(now, held ?? '[]', limit) as unknown[][]);
    const rows = retry.length === 0 ? pending : [...pending, ...retry].sort((a, b) => (a[0] as number) - (b[0] as number)).slice(0, limit);
    return rows.map(toMessage);
  }

  /** When the earliest scheduled outbound retry is due (epoch ms), if any. */
  nextOutboundRetry(): number | undefined {
    return (this.stmt.nextOutbound.get() as number | null) ?? undefined;
  }

  /** Record a delivery attempt of an outbound message. */
  outboundState(id: number, change: { state: MessageState; attempt?: boolean; nextAttemptAt?: number; reason?: string; event: string; detail?: unknown }): void {
    const now = this.now();
    const msg = this.message(id);
    if (!msg) throw new LedgerError(`no message ${id} in the ledger`);
    this.atomically(() => {
      this.stmt.outboundDone.run(change.state, change.attempt ? 1 : 0, change.nextAttemptAt ?? null, change.reason ?? null, now, id);
      this.insertEvent({ correlationId: msg.correlationId, messageId: id, kind: change.event, detail: change.detail ?? (change.reason ? { reason: change.reason } : undefined) }, now);
    });
  }

  /** Set an inbound message's state (held → processed by a person, failed on an unreadable file); `operator`: the person who did. */
  messageState(id: number, state: MessageState, reason: string | undefined, event: string, operator?: string): void {
    const now = this.now();
    const msg = this.message(id);
    if (!msg) throw new LedgerError(`no message ${id} in the ledger`);
    this.atomically(() => {
      this.stmt.messageState.run(state, reason ?? null, null, null, null, now, id);
      const detail = { ...(reason ? { reason } : {}), ...byOperator(operator) };
      this.insertEvent({ correlationId: msg.correlationId, messageId: id, kind: event, detail: Object.keys(detail).length > 0 ? detail : undefined }, now);
    });
  }

  /** Record an event outside a state change. */
  event(e: NewEvent): void {
    this.insertEvent(e, this.now());
  }

  /** Events of a message and its documents, oldest first. */
  eventsOfMessage(messageId: number): EventRow[] {
    return (this.stmt.eventsOfMessage.all(messageId, messageId) as Row[]).map(toEvent);
  }

  eventsOfDocument(documentId: number): EventRow[] {
    return (this.stmt.eventsOfDocument.all(documentId) as Row[]).map(toEvent);
  }

  /**
   * The next control number of a level for a partner: strictly increasing, committed before it is
   * returned (a crash can skip a number, never reuse one), wrapping to 1 after 999999999.
   */
  next(level: string, partnerKey: string): number {
    return this.durably(() => this.take(level, partnerKey));
  }

  /**
   * Control numbers for acks that `commitProcessed` will queue: written without their own fsync, because
   * that commit is synced before anything carrying them can leave. One fsync per file instead of one per
   * number (ISA, GS, ST); a crash before the commit loses only numbers nobody has seen.
   */
  provisionalControlNumbers(): { next(level: string, partnerKey: string): number } {
    return { next: (level, partnerKey) => this.atomically(() => this.take(level, partnerKey)) };
  }

  private take(level: string, partnerKey: string): number {
    const last = this.stmt.controlGet.get(partnerKey, level) as number | undefined;
    const n = last === undefined || last >= CONTROL_MAX ? 1 : last + 1;
    this.stmt.controlSet.run(partnerKey, level, n);
    return n;
  }

  /** Acks owed to us for an interchange we sent a partner. */
  expectedAcks(partnerId: string, interchangeControlNumber: string): ExpectedAckRow[] {
    return (this.stmt.expectedFor.all(partnerId, interchangeControlNumber) as Row[]).map(toExpectedAck);
  }

  /** Acks owed to us for a functional group we sent (997/999 name the group). */
  expectedAcksOfGroup(partnerId: string, groupControlNumber: string): ExpectedAckRow[] {
    return (this.stmt.expectedOfGroup.all(partnerId, groupControlNumber) as Row[]).map(toExpectedAck);
  }

  /** Acks owed to us for a message we sent (APERAK names the message). */
  /** The answers of one kind still owed by a partner that must name `reference` (an order response: our order number). */
  openExpectationsFor(partnerId: string, ackType: string, reference: string): ExpectedAckRow[] {
    return (this.stmt.expectedByReference.all(partnerId, reference, ackType) as Row[]).map(toExpectedAck);
  }

  expectedAcksOfTransaction(partnerId: string, controlNumber: string): ExpectedAckRow[] {
    return (this.stmt.expectedOfTransaction.all(partnerId, controlNumber) as Row[]).map(toExpectedAck);
  }

  /** The latest expected acks, newest first (states checked against deadlines first). */
  expectedAckList(limit = 200): ExpectedAckRow[] {
    return this.expectedAcksIn([], limit);
  }

  /** An expected ack of an order we sent, with the supplier's order response when one arrived. */
  private withOrderResponse(a: ExpectedAckRow): ExpectedAckRow {
    if (a.messageType !== '850' && a.messageType !== 'ORDERS') return a;
    const orderNumber = this.stmt.orderNumberOf.get(a.messageId) as string | undefined;
    if (!orderNumber) return a;
    const like = `${orderNumber.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    const r = this.stmt.orderResponse.get(a.partnerId, orderNumber, like) as { id: number; state: string; canonical: string | null } | undefined;
    if (!r) return { ...a, orderResponse: null };
    const status = r.canonical ? (JSON.parse(r.canonical) as { status?: string }).status : undefined;
    return { ...a, orderResponse: { documentId: r.id, state: r.state, ...(status ? { status } : {}) } };
  }

  /** Overdue acks per partner (metrics). */
  overdueByPartner(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.stmt.overdueByPartner.all(this.now()) as { partner: string; n: number }[]) out[r.partner] = r.n;
    return out;
  }

  /** Record the partner's answer for an expected ack. */
  expectedAckState(id: number, state: ExpectedAckState, errors: unknown, ackMessageId: number | null): void {
    this.stmt.expectedDone.run(state, errors === undefined ? null : JSON.stringify(errors), ackMessageId, this.now(), id);
  }

  /** Turn every expected ack past its deadline at `at` (default now) into overdue, stamped `at`; returns how many changed. */
  markOverdue(at = this.now()): number {
    return this.stmt.markOverdue.run({ at }).changes;
  }

  /**
   * Expected acks that went overdue in the window (marked when their deadline passed; see `markOverdue`,
   * which the caller runs first), per partner.
   */
  overdueAcksIn(w: DigestWindow): PartnerWindow<ExpectedAckRow>[] {
    return this.windowed(DIGEST_WINDOWS.overdueAcks, w, (r) => toExpectedAck(r as Row));
  }

  /** Documents that entered a state needing a person (DEAD_LETTER_STATES) in the window and are still in it, per partner. */
  needsPersonIn(w: DigestWindow): PartnerWindow<DocumentRow>[] {
    return this.windowed(DIGEST_WINDOWS.needsPerson, w, (r) => toDocument((r as unknown[]).slice(3)));
  }

  /** Records of Odoo whose first failure (since they were last sent or dismissed) is in the window, per partner. */
  exportFailuresIn(w: DigestWindow): PartnerWindow<ExportFailureRow>[] {
    return this.windowed(DIGEST_WINDOWS.exportFailures, w, (r) => {
      const { w_partner: _p, w_count: _c, w_at: _a, ...row } = r as Row;
      return row as unknown as ExportFailureRow;
    });
  }

  /** The rows of {@link windowQuery}, grouped by partner (they come in partner order). */
  private windowed<T>(source: WindowSource, w: DigestWindow, toRow: (r: unknown) => T): PartnerWindow<T>[] {
    const stmt = this.db.prepare(windowQuery(source));
    const out: PartnerWindow<T>[] = [];
    for (const r of (source.raw ? stmt.raw() : stmt).all({ since: w.since, until: w.until, rows: Math.max(1, w.rows) })) {
      const [partnerId, count, at] = source.raw ? (r as [string | null, number, number]) : [(r as Row).w_partner as string | null, (r as Row).w_count as number, (r as Row).w_at as number];
      let last = out.at(-1);
      if (!last || last.partnerId !== partnerId) out.push((last = { partnerId, count, rows: [] }));
      last.rows.push({ at, row: toRow(r) });
    }
    return out;
  }

  /** Rows per state, every state (reads every row: for the CLI and tests, not for anything periodic). */
  counts(): LedgerCounts {
    return this.tally(this.stmt.countMessages, this.stmt.countDocuments);
  }

  /** Rows per state of the states that wait for the pipeline or a person ({@link OPEN_MESSAGE_STATES}, {@link OPEN_DOCUMENT_STATES}): the metrics' gauges, on every scrape. */
  openCounts(): LedgerCounts {
    return this.tally(this.stmt.countOpenMessages, this.stmt.countOpenDocuments);
  }

  private tally(messageStates: Database.Statement, documentStates: Database.Statement): LedgerCounts {
    const messages: LedgerCounts['messages'] = {};
    for (const r of messageStates.all() as { state: MessageState; n: number }[]) messages[r.state] = r.n;
    const documents: LedgerCounts['documents'] = {};
    for (const r of documentStates.all() as { state: DocumentState; n: number }[]) documents[r.state] = r.n;
    return { messages, documents, overdueAcks: this.stmt.countOverdue.get(this.now()) as number };
  }

  /**
   * Per partner: what waits (however old) and what moved since `since` (epoch ms). Index-bound whatever
   * the ledger's size, since the dashboard runs it in the gateway's thread: open rows through the state
   * indexes, recent ones from the first id created since then (ids grow with creation time; an expected
   * ack dates from its outbound message).
   */
  partnerActivity(since: number): PartnerActivity[] {
    this.markOverdue();
    const ids = this.stmt.lastIds.get() as { message: number | null; document: number | null; expected: number | null };
    const firstMessage = this.firstIdSince(this.stmt.firstMessageFrom, ids.message ?? 0, since);
    const firstDocument = this.firstIdSince(this.stmt.firstDocumentFrom, ids.document ?? 0, since);
    const firstExpected = this.firstIdSince(this.stmt.firstExpectedFrom, ids.expected ?? 0, since);
    const byPartner = new Map<string, PartnerActivity>();
    const of = (partner: string | null): PartnerActivity => {
      const key = partner ?? '';
      let a = byPartner.get(key);
      if (!a) {
        a = emptyActivity(key);
        byPartner.set(key, a);
      }
      return a;
    };
    type Counted = { partner: string | null; state: string; n: number };
    for (const r of this.stmt.activityOpenDocuments.all() as Counted[]) of(r.partner).open[r.state as DocumentState] = r.n;
    for (const r of this.stmt.activityOpenMessages.all() as (Counted & { direction: Direction })[]) of(r.partner).openMessages[r.direction][r.state as MessageState] = r.n;
    for (const r of this.stmt.activityDocuments.all(firstDocument) as Counted[]) of(r.partner).recent[r.state as DocumentState] = r.n;
    for (const r of this.stmt.activityMessages.all(firstMessage) as { partner: string | null; direction: Direction; n: number; last: number }[]) {
      const a = of(r.partner);
      if (r.direction === 'inbound') [a.received, a.lastReceivedAt] = [r.n, r.last];
      else [a.sent, a.lastSentAt] = [r.n, r.last];
    }
    for (const r of this.stmt.activityOpenAcks.all() as Counted[]) of(r.partner).acks[r.state as ExpectedAckState] = r.n;
    for (const r of this.stmt.activityAcks.all(firstExpected) as Counted[]) of(r.partner).acks[r.state as ExpectedAckState] = r.n;
    for (const [partner, n] of Object.entries(this.exportFailuresByPartner())) of(partner).exportFailures = n;
    return [...byPartner.values()].sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  }

  /** The first id of a table whose row was created at or after `since`: a binary search over ids (a few lookups on the primary key). */
  private firstIdSince(firstFrom: Database.Statement, lastId: number, since: number): number {
    let lo = 1;
    let hi = lastId + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = firstFrom.get(mid) as { id: number; at: number } | undefined;
      if (!row || row.at >= since) hi = mid;
      else lo = row.id + 1;
    }
    return lo;
  }

  /**
   * Everything about a business number, newest first: documents whose order key is `key` (an order and its
   * responses, ship notices and invoices), documents whose own number it is (an invoice, a shipment), and
   * outbound messages named by it (the orders we sent). By indexes only; `partnerIds` bounds the lookup of
   * own numbers, which the (partner, type, number) index answers.
   */
  findByNumber(key: string, partnerIds: readonly string[], limit = 100): { documents: DocumentRow[]; messages: MessageRow[] } {
    const byOrder = this.db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE order_key = ? ORDER BY id DESC LIMIT +?`).raw().all(key, limit) as unknown[][];
    const marks = partnerIds.map(() => '?').join(', ');
    const own =
      partnerIds.length === 0
        ? []
        : (this.db.prepare(`SELECT ${DOCUMENT_COLUMNS} FROM documents WHERE partner_id IN (${marks}) AND type IN ('order', 'order_response', 'ship_notice', 'invoice') AND business_key = ? ORDER BY id DESC LIMIT +?`).raw().all(...partnerIds, key, limit) as unknown[][]);
    // An order is found both ways (its order key is its own number): once is enough.
    const documents = [...new Map([...byOrder, ...own].map(toDocument).map((d) => [d.id, d])).values()].sort((a, b) => b.id - a.id).slice(0, limit);
    const messages = (this.db.prepare(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE direction = 'outbound' AND source = ? ORDER BY id DESC LIMIT +?`).raw().all(key, limit) as unknown[][]).map(toMessage);
    return { documents, messages };
  }

  /** Documents in the given states (every state when none), and of one partner if given, newest first below id `before` (dead-letter listing, dashboards). */
  documentsIn(states: readonly DocumentState[], limit = 100, partnerId?: string, before?: number): DocumentRow[] {
    return (this.newestFirst('documents', DOCUMENT_COLUMNS, { states: states.length > 0 ? states : DOCUMENT_STATES, partnerId, before, limit }) as unknown[][]).map(toDocument);
  }

  /** Messages of a direction and optional states (and partner), newest first below id `before`. */
  messages(direction: 'inbound' | 'outbound', states?: readonly MessageState[], limit = 100, partnerId?: string, before?: number): MessageRow[] {
    return (this.newestFirst('messages', MESSAGE_COLUMNS, { states: states && states.length > 0 ? states : MESSAGE_STATES, direction, partnerId, before, limit }) as unknown[][]).map(toMessage);
  }

  /** Expected acks in the given states (every state when none), and of one partner if given, newest first below id `before` (states checked against deadlines first). */
  expectedAcksIn(states: readonly ExpectedAckState[], limit = 200, partnerId?: string, before?: number): ExpectedAckRow[] {
    this.markOverdue();
    const rows = this.newestFirst('expected_acks', '*', { states: states.length > 0 ? states : EXPECTED_ACK_STATES, partnerId, before, limit }, false) as Row[];
    return rows.map(toExpectedAck).map((a) => this.withOrderResponse(a));
  }

  /** The rows of {@link listQuery}, as arrays (`raw`, in `columns` order) or as objects. */
  private newestFirst(table: ListTable, columns: string, filter: ListFilter, raw = true): unknown[] {
    const { sql, args } = listQuery(table, columns, filter);
    const stmt = this.db.prepare(sql);
    return (raw ? stmt.raw() : stmt).all(...args);
  }

  /** A cheap query that fails when the database is unusable (readiness). */
  ping(): void {
    this.db.prepare('SELECT 1').get();
  }

  close(): void {
    this.checkpointer?.stop();
    this.checkpointer = undefined;
    // An fsync under way finishes on its own; the handle is closed when the process ends if not here.
    void this.walHandle?.close().catch(() => undefined);
    this.walHandle = undefined;
    if (this.db.open) this.db.close();
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

function toEvent(r: Row): EventRow {
  return {
    id: r.id as number,
    at: r.at as number,
    correlationId: r.correlation_id as string,
    messageId: (r.message_id as number | null) ?? null,
    documentId: (r.document_id as number | null) ?? null,
    kind: r.kind as string,
    detail: (r.detail as string | null) ?? null,
  };
}

/** The ledger file under a data folder. */
export function ledgerFile(dataDir: string): string {
  return join(dataDir, 'ledger.sqlite');
}
