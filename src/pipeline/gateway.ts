/**
 * The whole road in one object: channels → ledger → process → post → outbox → channels. Each stop is a
 * `Stage` reading its work from the ledger, so a restart resumes exactly where the last process stopped
 * (received messages are processed, mapped and retry documents are posted, pending outbound messages are
 * sent), and a failure anywhere leaves a state from which `replay` can start again.
 */
import type { Logger } from 'pino';
import { concatMap, debounceTime, defer, merge, repeat, Subject, timer, type Subscription } from 'rxjs';
import type { CanonicalDocument } from '../canonical/document';
import { ChannelError, createPoller, createSender, type ChannelDeps, type InboundPoller, type InboundSink, type OutboundSender } from '../channels';
import type { SecretRef } from '../partners/schema';
import { OdooError } from '../odoo/errors';
import { BusinessError, HeldForPerson } from '../odoo/post';
import type { Partner, PartnerRegistry } from '../partners/registry';
import type { DocumentRow, DueDocument, Ledger, MessageRow } from '../store';
import type { GatewayMetrics } from './metrics';
import { randomUUID } from 'node:crypto';
import { replay, type ReplayResult } from './replay';
import { resend } from './resend';
import { queueOutbound } from './acks';
import { aperakFor } from './aperak';
import { processMessage } from './process';
import { backoffDelay, CircuitBreaker, DEFAULT_RETRY, type RetryPolicy } from './retry';
import type { DocumentSink } from './sink';
import type { PostResult, Settled } from '../odoo/post';
import { Stage, type StageOutcome } from './stage';
import { AnalysisWorkerError } from './analysis-pool';
import { analyseWith, type Analyse, type MessageAnalysis } from './analyse';

export interface GatewayOptions {
  ledger: Ledger;
  registry: PartnerRegistry;
  sink: DocumentSink;
  logger: Logger;
  metrics?: GatewayMetrics;
  retry?: Partial<RetryPolicy>;
  /** Posting runs at once: a run is one document, or a batch of documents the sink takes together (default 8). */
  concurrency?: number;
  /** Most documents in one batch, for the types the sink posts together (default 16; 1: none). */
  postBatch?: number;
  /** Documents of one partner posted at once (default: half of `concurrency`, at least 1). A batch counts once. */
  perPartnerConcurrency?: number;
  /** Outbound messages delivered at once (default 4). */
  sendConcurrency?: number;
  /** Poll period of the stages for scheduled retries (default 500 ms). */
  pollMs?: number;
  /** Inbound folders: files must be unchanged this long before they are taken (default 1000 ms). */
  settleMs?: number;
  /** Poll period override for every inbound folder (default: each channel's pollInterval). */
  dirPollMs?: number;
  /** Files taken per folder scan (default 500). */
  scanLimit?: number;
  /** Largest inbound file in bytes (default 100 MiB). */
  maxFileBytes?: number;
  now?: () => number;
  random?: () => number;
  /** Outbound documents from Odoo (purchase orders → 850/ORDERS, answered sale orders → 855/ORDRSP), run every `exportEveryMs`. */
  exportOrders?: () => Promise<number>;
  /** Default 60 s. */
  exportEveryMs?: number;
  /** Resolves secret references for channels (default: none can be read). */
  secret?: (ref: SecretRef, what: string) => string;
  /**
   * Analysis off the main thread (an `AnalysisPool`'s `analyse`): the next received files are then
   * scanned, checked and translated while the current one is acknowledged and committed. Default: in
   * this thread, in turn.
   */
  analyse?: Analyse;
}

/** Received files analysed ahead of their turn on a worker (each holds its bytes and documents until used). */
const ANALYSE_AHEAD = 3;

/** How a partner channel has been doing (readiness details, metrics). */
export interface ChannelHealth {
  partner: string;
  channel: string;
  direction: 'inbound' | 'outbound';
  failures: number;
  lastSuccess?: number;
  lastError?: string;
  lastErrorAt?: number;
}

/** Why a post failed, and whether trying again can help. */
export function classifyPostError(err: unknown): { retryable: boolean; message: string } {
  if (err instanceof BusinessError) return { retryable: false, message: err.message };
  if (err instanceof OdooError) return { retryable: err.retryable, message: err.message };
  // An unexpected throw (a bug, a resource limit): bounded retries, then parked for a person.
  return { retryable: true, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/** The ordering key of a document: its order, so an 855, 856 and 810 for one PO post in turn. */
function orderKey(doc: DueDocument): string | undefined {
  if (!doc.partnerId) return undefined;
  return `${doc.partnerId}\u0000${doc.orderKey ?? doc.businessKey ?? doc.id}`;
}

/** Where a document came from, as a dead-letter reason names it: partner, file, interchange, transaction. */
export function postedWhere(doc: Pick<DocumentRow, 'controlNumber' | 'messageType' | 'type' | 'interchangeControlNumber'>, partner: Pick<Partner, 'id'>, file: string | undefined): string {
  return [`partner ${partner.id}`, `file ${file ?? '?'}`, `interchange ${doc.interchangeControlNumber ?? '?'}`, `transaction ${doc.controlNumber ?? '?'} (${doc.messageType ?? doc.type ?? '?'})`].join(', ');
}

/** Fill an outbound file-name template. */
export function renderFileName(template: string, partner: Partner, msg: MessageRow): string {
  const standard = partner.x12 ? 'x12' : partner.edifact ? 'edifact' : 'edi';
  const values: Record<string, string> = {
    partner: partner.id,
    standard,
    messageType: msg.messageType ?? 'message',
    controlNumber: msg.interchangeControlNumber ?? String(msg.id),
    timestamp: new Date(msg.createdAt).toISOString().replace(/[-:]/g, '').replace(/\..*$/, ''),
    messageId: String(msg.id),
  };
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? k);
}

export class Gateway {
  readonly processor: Stage<MessageRow>;
  readonly poster: Stage<DueDocument>;
  readonly sender: Stage<MessageRow>;
  readonly postBreaker: CircuitBreaker;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly pollers: { partner: Partner; poller: InboundPoller; pollMs: number }[] = [];
  private readonly senders = new Map<string, OutboundSender>();
  private readonly channelDeps: ChannelDeps;
  private readonly intake: Subscription[] = [];
  private readonly scans = new Set<Promise<unknown>>();
  private started = false;
  private stopping = false;
  private readonly health = new Map<string, ChannelHealth>();
  private overdueTimer: NodeJS.Timeout | undefined;
  private readonly exportKick$ = new Subject<void>();
  private readonly ahead = new Map<number, { bytes: Buffer; analysis: Promise<MessageAnalysis> }>();

  constructor(private readonly o: GatewayOptions) {
    this.retry = { ...DEFAULT_RETRY, ...o.retry };
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    const pollMs = o.pollMs ?? 500;
    this.postBreaker = new CircuitBreaker(this.retry, this.now, this.random);
    this.processor = new Stage<MessageRow>({
      name: 'process',
      concurrency: 1,
      pollMs,
      claim: (limit) => o.ledger.receivedMessages(limit),
      run: (msg) => this.process(msg),
      onCrash: (msg, err) => this.crashed('process', { messageId: msg.id, correlationId: msg.correlationId }, err),
    });
    this.poster = new Stage<DueDocument>({
      name: 'post',
      concurrency: o.concurrency ?? 8,
      pollMs,
      claim: (limit, busy) => o.ledger.dueDocuments(limit, busy),
      claimSkipsBusy: true,
      key: orderKey,
      group: (doc) => doc.partnerId ?? undefined,
      groupLimit: o.perPartnerConcurrency ?? Math.max(1, Math.ceil((o.concurrency ?? 8) / 2)),
      run: (doc) => this.post(doc),
      // Orders of one partner go to Odoo together: a few calls for many documents (see DocumentSink.postMany).
      ...(o.sink.postMany && o.sink.batchable
        ? { batchKey: (doc: DueDocument) => (doc.partnerId && doc.type && o.sink.batchable!.has(doc.type as CanonicalDocument['type']) ? `${doc.partnerId}\u0000${doc.type}` : undefined), batchSize: o.postBatch ?? 16, runBatch: (docs: DueDocument[]) => this.postRun(docs) }
        : {}),
      breaker: this.postBreaker,
      onCrash: (doc, err) => this.crashed('post', { documentId: doc.id }, err),
    });
    this.sender = new Stage<MessageRow>({
      name: 'send',
      concurrency: o.sendConcurrency ?? 4,
      pollMs,
      claim: (limit) => o.ledger.dueOutbound(limit),
      key: (m) => m.partnerId ?? undefined,
      run: (msg) => this.send(msg),
      onCrash: (msg, err) => this.crashed('send', { messageId: msg.id, correlationId: msg.correlationId }, err),
    });
    this.channelDeps = {
      logger: o.logger,
      now: this.now,
      settleMs: o.settleMs ?? 1000,
      maxFileBytes: o.maxFileBytes ?? 100 * 1024 * 1024,
      secret:
        o.secret ??
        ((_ref, what) => {
          throw new ChannelError(`${what}: no secret source configured`, false, 'config');
        }),
    };
    for (const partner of o.registry.partners) {
      for (const channel of partner.channels.inbound) {
        const poller = createPoller(partner, channel, this.channelDeps);
        if (poller) this.pollers.push({ partner, poller, pollMs: o.dirPollMs ?? ('pollInterval' in channel ? channel.pollInterval : 5000) });
      }
    }
  }

  /** For push channels: store what a partner sent; resolves once the bytes are fsynced in the ledger. */
  readonly receive: InboundSink = async (m) => {
    const [row] = await this.o.ledger.receiveManyDurable([{ channel: m.channel, source: m.source, partnerId: m.partnerId, bytes: m.bytes, ...(m.correlationId ? { correlationId: m.correlationId } : {}) }]);
    this.received(m.partnerId, m.channel, m.source, row);
    this.processor.kick();
    return { messageId: row.id, correlationId: row.correlationId };
  };

  /** Record the outcome of a poll or a delivery on a partner channel. */
  private channelOutcome(partner: string, channel: string, direction: 'inbound' | 'outbound', error?: string): void {
    const key = `${partner}\u0000${channel}\u0000${direction}`;
    const h = this.health.get(key) ?? { partner, channel, direction, failures: 0 };
    if (error === undefined) {
      h.failures = 0;
      h.lastSuccess = this.now();
    } else {
      h.failures++;
      h.lastError = error;
      h.lastErrorAt = this.now();
    }
    this.health.set(key, h);
  }

  /** Every partner channel that has been used, with its last success and consecutive failures. */
  channelHealth(): ChannelHealth[] {
    return [...this.health.values()].map((h) => ({ ...h }));
  }

  private received(partnerId: string, channel: string, source: string, row: MessageRow): void {
    this.channelOutcome(partnerId, channel, 'inbound');
    this.o.ledger.event({ correlationId: row.correlationId, messageId: row.id, kind: 'message.received', detail: { channel, source, bytes: row.size } });
    this.o.metrics?.message(partnerId, 'inbound', 'received');
    this.o.logger.info({ correlationId: row.correlationId, partner: partnerId, messageId: row.id, channel, source, bytes: row.size }, 'received');
  }

  private senderFor(type: string): OutboundSender | undefined {
    let s = this.senders.get(type);
    if (!s) {
      s = createSender(type, this.channelDeps);
      if (s) this.senders.set(type, s);
    }
    return s;
  }

  private crashed(stage: string, ids: Record<string, unknown>, err: unknown): void {
    this.o.logger.error({ ...ids, stage, err }, `unexpected error in the ${stage} stage; the item stays in the ledger and is tried again`);
  }

  /** The inbound channels polled, per partner ("dir /data/exchange/x/inbound"). */
  get inboundChannels(): { partner: string; label: string }[] {
    return this.pollers.map((d) => ({ partner: d.partner.id, label: d.poller.label }));
  }

  /** Start every channel and stage; work left in the ledger by an earlier process resumes now. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    for (const d of this.pollers) {
      try {
        await d.poller.prepare();
      } catch (err) {
        // A partner's server being down at start must not stop the gateway: the poll retries it.
        this.o.logger.error({ partner: d.partner.id, channel: d.poller.label, err }, 'inbound channel not ready; polling will retry');
      }
    }
    this.o.metrics?.onCollect(() => this.collect());
    // Deadlines pass without any event: look at them now and then (and at every metrics scrape).
    this.overdueTimer = setInterval(() => {
      const n = this.o.ledger.markOverdue();
      if (n > 0) this.o.logger.warn({ overdue: n }, 'acknowledgments overdue');
    }, 30_000);
    this.overdueTimer.unref();
    this.processor.start();
    this.poster.start();
    this.sender.start();
    const exportOrders = this.o.exportOrders;
    if (exportOrders) {
      const run = () =>
        this.track(
          exportOrders().then(
            (n) => {
              if (n > 0) this.sender.kick();
              return n;
            },
            (err: unknown) => {
              // One failed run must not end the schedule.
              this.crashed('export', {}, err);
              return 0;
            },
          ),
        );
      // Periodic runs, plus a run shortly after Odoo says something changed (its webhook fires before
      // its transaction commits, hence the delay); runs never overlap.
      const sub = merge(timer(0, this.o.exportEveryMs ?? 60_000), this.exportKick$.pipe(debounceTime(1500)))
        .pipe(concatMap(() => defer(run)))
        .subscribe({ error: (err: unknown) => this.crashed('export', {}, err) });
      this.intake.push(sub);
    }
    for (const d of this.pollers) {
      const sub = defer(() => this.track(this.scan(d.partner, d.poller)))
        .pipe(repeat({ delay: d.pollMs }))
        .subscribe({ error: (err: unknown) => this.crashed('intake', { partner: d.partner.id }, err) });
      this.intake.push(sub);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.scans.add(p);
    void p.finally(() => this.scans.delete(p)).catch(() => undefined);
    return p;
  }

  /** Take what a polled channel holds: stored (fsynced) first, then removed at the source. */
  async scan(partner: Partner, poller: InboundPoller): Promise<number> {
    let taken = 0;
    const channel = poller.label.split(' ')[0];
    try {
      // Batches bounded in count and bytes, one after the other while the channel says more are ready.
      for (let more = true; more; ) {
        const files = await poller.take(this.o.scanLimit ?? 500);
        this.channelOutcome(partner.id, channel, 'inbound');
        if (files.length === 0) return taken;
        const rows = await this.o.ledger.receiveManyDurable(files.map((f) => ({ channel, source: f.name, partnerId: partner.id, bytes: f.bytes })));
        this.processor.kick();
        for (let i = 0; i < files.length; i++) {
          this.received(partner.id, channel, files[i].name, rows[i]);
          await poller.commit(files[i], rows[i].id);
          taken++;
        }
        // Stopping: what is left stays in the folder for the next start.
        more = poller.truncated === true && !this.stopping;
      }
    } catch (err) {
      this.channelOutcome(partner.id, channel, 'inbound', err instanceof Error ? err.message : String(err));
      this.o.logger.error({ partner: partner.id, channel: poller.label, err }, 'inbound channel poll failed; it is tried again on the next poll');
    }
    return taken;
  }

  /**
   * Start analysing the files after `current` in the queue. Messages are processed one at a time (the
   * duplicate and gap checks need the previous one committed), but the analysis reads only the bytes and
   * the partner folders, so it can run ahead.
   */
  private analyseAhead(current: MessageRow, analyse: Analyse): void {
    const queued = this.o.ledger.receivedMessages(ANALYSE_AHEAD + 1).filter((m) => m.id !== current.id);
    const wanted = new Set(queued.map((m) => m.id));
    for (const id of this.ahead.keys()) if (!wanted.has(id)) this.ahead.delete(id);
    for (const m of queued) {
      if (this.ahead.has(m.id) || this.ahead.size >= ANALYSE_AHEAD) continue;
      const bytes = this.o.ledger.bytes(m.id);
      const analysis = analyse(bytes);
      // Failures are seen (and the analysis made again) when the message's turn comes.
      analysis.catch(() => undefined);
      this.ahead.set(m.id, { bytes, analysis });
    }
  }

  /**
   * The analysis of a message: the one started ahead of its turn, else a new one; if the worker died
   * under it, in this thread (slower, but the file does not wait for a person).
   */
  private analysisOf(msg: MessageRow): { analyse?: Analyse; bytes?: Buffer } {
    const analyse = this.o.analyse;
    if (!analyse) return {};
    const early = this.ahead.get(msg.id);
    this.ahead.delete(msg.id);
    this.analyseAhead(msg, analyse);
    // The bytes read for the early analysis serve the processing too (not read from the ledger twice).
    const out: { analyse: Analyse; bytes?: Buffer } = {
      analyse: async (bytes) => {
        try {
          return await (early?.analysis ?? analyse(bytes));
        } catch (err) {
          if (!(err instanceof AnalysisWorkerError)) throw err;
          this.o.logger.warn({ messageId: msg.id, err: err.message }, 'analysis worker failed; analysing in the main thread');
          return analyseWith(this.o.registry)(bytes);
        }
      },
    };
    if (early) out.bytes = early.bytes;
    return out;
  }

  private async process(msg: MessageRow): Promise<StageOutcome> {
    const log = this.o.logger.child({ correlationId: msg.correlationId, messageId: msg.id, partner: msg.partnerId ?? undefined });
    try {
      const { analyse, bytes } = this.analysisOf(msg);
      const result = await processMessage(msg, { ledger: this.o.ledger, registry: this.o.registry, now: this.now, ...(analyse ? { analyse } : {}) }, bytes ? { bytes } : {});
      // The acks it queued leave once the commit is on disk; the next file need not wait for the fsync.
      const { ids, durable } = this.o.ledger.commitProcessedSoon(result);
      if (result.outbound.length > 0) {
        durable.then(
          () => this.sender.kick(),
          (err: unknown) => log.error({ err }, 'the ledger could not sync its commit to disk; the acks of this file are held back'),
        );
      }
      for (const d of result.documents) this.o.metrics?.document(d.partnerId ?? 'unknown', d.type ?? 'unknown', d.state);
      this.o.metrics?.message(result.partnerId ?? 'unknown', 'inbound', result.state);
      const dead = result.documents.filter((d) => d.state !== 'mapped');
      log.info({ state: result.state, documents: ids.length, acks: result.outbound.length, notPosted: dead.length, reason: result.reason }, 'processed');
      for (const [i, d] of result.documents.entries()) if (d.state !== 'mapped') log.warn({ documentId: ids[i], state: d.state, reason: d.reason }, `document ${d.state}`);
      for (const e of result.events) if (e.kind === 'interchange.gap') log.warn(e.detail as Record<string, unknown>, 'interchange control numbers skipped: interchanges may be missing');
      this.poster.kick();
      // No sender kick here: the acks just queued are held back until their fsync (above), and nothing
      // else this commit wrote can be sent.
      return 'done';
    } catch (err) {
      // A bug or an unreadable ledger row: the message is marked failed with the reason, replayable later.
      const reason = `processing failed: ${err instanceof Error ? err.message : String(err)}`;
      log.error({ err }, reason);
      this.o.ledger.messageState(msg.id, 'failed', reason, 'message.failed');
      return 'failed';
    }
  }

  /** The partner of a document to post, or undefined once it is dead-lettered for lacking one or its JSON. */
  private postable(doc: DocumentRow): Partner | undefined {
    const partner = doc.partnerId ? this.o.registry.get(doc.partnerId) : undefined;
    if (!partner || !doc.canonical) {
      const reason = !partner ? `partner ${doc.partnerId ?? '(none)'} is not configured any more` : 'the document has no canonical form';
      this.o.ledger.documentState(doc.id, { state: 'dead', reason, errorKind: 'business', event: 'document.dead' });
      return undefined;
    }
    return partner;
  }

  private async post(due: DueDocument): Promise<StageOutcome> {
    return (await this.postRun([due]))[0]!;
  }

  /**
   * Post claimed documents: one alone (`DocumentSink.post`), or several of one partner and one type
   * together (`postMany`); one outcome each. The whole rows are read now, as they are: one a person
   * discarded meanwhile is left out.
   */
  private async postRun(due: DueDocument[]): Promise<StageOutcome[]> {
    const outcomes: StageOutcome[] = due.map(() => 'failed');
    const at = new Map(due.map((d, i) => [d.id, i]));
    const ready: { at: number; doc: DocumentRow; partner: Partner; canonical: CanonicalDocument }[] = [];
    const recorded: Promise<void>[] = [];
    const record = (i: number, doc: DocumentRow, partner: Partner, outcome: Settled<PostResult>, started: number): void => {
      recorded.push(this.posted(doc, partner, outcome, started).then((o) => void (outcomes[i] = o)));
    };
    const started = this.now();
    for (const doc of this.o.ledger.documents(due.map((d) => d.id))) {
      if (doc.state !== 'mapped' && doc.state !== 'retry') continue;
      const partner = this.postable(doc);
      if (!partner) continue;
      try {
        ready.push({ at: at.get(doc.id)!, doc, partner, canonical: JSON.parse(doc.canonical!) as CanonicalDocument });
      } catch (error) {
        record(at.get(doc.id)!, doc, partner, { ok: false, error }, started);
      }
    }
    const first = ready[0];
    if (first) {
      let results: Settled<PostResult>[];
      try {
        results =
          ready.length > 1 && this.o.sink.postMany
            ? await this.o.sink.postMany(
                ready.map((r) => r.canonical),
                first.partner,
              )
            : [{ ok: true, value: await this.o.sink.post(first.canonical, first.partner) }];
      } catch (error) {
        results = ready.map(() => ({ ok: false, error }));
      }
      ready.forEach((r, n) => record(r.at, r.doc, r.partner, results[n] ?? { ok: false, error: new Error('the sink answered no outcome') }, started));
    }
    await Promise.all(recorded);
    return outcomes;
  }

  /** Record how posting a document went: posted, retry later, parked, or dead-lettered with a negative ack. */
  private async posted(doc: DocumentRow, partner: Partner, outcome: Settled<PostResult>, started: number): Promise<StageOutcome> {
    // A child logger per document costs its bindings' serialisation even when nothing is logged.
    const ids = { correlationId: doc.correlationId, messageId: doc.messageId, documentId: doc.id, partner: partner.id };
    const log = {
      info: (o: Record<string, unknown>, m: string) => this.o.logger.info({ ...ids, ...o }, m),
      warn: (o: Record<string, unknown>, m: string) => this.o.logger.warn({ ...ids, ...o }, m),
      error: (o: Record<string, unknown>, m: string) => this.o.logger.error({ ...ids, ...o }, m),
    };
    if (outcome.ok) {
      const result = outcome.value;
      const records = result.map((r) => `${r.action} ${r.model} ${r.id} ${r.name}`);
      await this.o.ledger.documentStateSoon(doc.id, { state: 'posted', attempt: true, result, event: 'document.posted', detail: { records } }, doc);
      // A customer that gets order responses: a confirmed order is answered now, not at the next export period.
      if (doc.type === 'order' && this.o.exportOrders && partner.documents.some((e) => e.type === 'order_response' && e.direction === 'outbound')) this.exportKick$.next();
      const metrics = this.o.metrics;
      if (metrics) {
        metrics.document(partner.id, doc.type ?? 'unknown', 'posted');
        metrics.observeProcessing('post', (this.now() - started) / 1000);
        metrics.observeProcessing('end_to_end', (this.now() - doc.createdAt) / 1000);
      }
      // The line of every posted document: its fields are gathered only when the level is on.
      if (this.o.logger.isLevelEnabled('info')) log.info({ records }, 'posted');
      return 'done';
    }
    const err = outcome.error;
    const { retryable, message } = classifyPostError(err);
    const where = postedWhere(doc, partner, this.o.ledger.message(doc.messageId)?.source);
    // Nothing wrong with it: a person books it (D29). Held, replayable, and the partner gets no rejection.
    if (err instanceof HeldForPerson) {
      this.o.ledger.documentState(doc.id, { state: 'held', attempt: true, reason: `${where}: ${message}`, event: 'document.held' });
      this.o.metrics?.document(partner.id, doc.type ?? 'unknown', 'held');
      log.info({ reason: message }, 'held for a person');
      return 'done';
    }
    if (!retryable) {
      this.o.ledger.documentState(doc.id, { state: 'dead', attempt: true, reason: `${where}: ${message}`, errorKind: 'business', event: 'document.dead' });
      this.negativeAck(partner, doc, err, message);
      this.o.metrics?.document(partner.id, doc.type ?? 'unknown', 'dead');
      log.warn({ reason: message }, 'dead-lettered (business error)');
      return 'failed';
    }
    const attempts = doc.attempts + 1;
    if (attempts >= this.retry.maxAttempts) {
      this.o.ledger.documentState(doc.id, { state: 'parked', attempt: true, reason: `${where}: gave up after ${attempts} attempts: ${message}`, errorKind: 'retryable', event: 'document.parked' });
      this.o.metrics?.document(partner.id, doc.type ?? 'unknown', 'parked');
      log.error({ attempts, reason: message }, 'parked after the last attempt');
      return 'retryable';
    }
    const next = this.now() + backoffDelay(attempts, this.retry, this.random);
    this.o.ledger.documentState(doc.id, { state: 'retry', attempt: true, nextAttemptAt: next, reason: message, errorKind: 'retryable', event: 'document.retry', detail: { attempt: attempts, next: new Date(next).toISOString(), reason: message } });
    this.o.metrics?.retry(partner.id);
    log.warn({ attempt: attempts, next: new Date(next).toISOString(), reason: message }, 'will retry');
    return 'retryable';
  }

  /** An APERAK for a document Odoo refused, when the partner asks for them; never fails the post. */
  private negativeAck(partner: Partner, doc: DocumentRow, err: unknown, message: string): void {
    try {
      const out = aperakFor(this.o.ledger, partner, doc, err instanceof BusinessError ? err.code : 'other', message, new Date(this.now()));
      if (!out) return;
      const id = this.o.ledger.enqueue(out);
      this.o.logger.info({ correlationId: doc.correlationId, documentId: doc.id, messageId: id, partner: partner.id }, 'APERAK queued');
      this.sender.kick();
    } catch (e) {
      this.o.logger.error({ correlationId: doc.correlationId, documentId: doc.id, err: e }, 'APERAK could not be written');
    }
  }

  private async send(msg: MessageRow): Promise<StageOutcome> {
    const log = this.o.logger.child({ correlationId: msg.correlationId, messageId: msg.id, partner: msg.partnerId ?? undefined });
    const partner = msg.partnerId ? this.o.registry.get(msg.partnerId) : undefined;
    const channel = partner?.channels.outbound;
    try {
      if (!partner || !channel) throw new ChannelError(`partner ${msg.partnerId ?? '(none)'} has no outbound channel`, false, 'none', msg.partnerId ?? undefined);
      const sender = this.senderFor(channel.type);
      if (!sender) throw new ChannelError(`the ${channel.type} channel is not available in this build`, false, channel.type, partner.id);
      const template = 'fileName' in channel ? channel.fileName : '{messageType}-{controlNumber}.edi';
      const detail = await sender.send(partner, {
        name: renderFileName(template, partner, msg),
        bytes: this.o.ledger.bytes(msg.id),
        messageId: msg.id,
        messageType: msg.messageType,
        controlNumber: msg.interchangeControlNumber,
        correlationId: msg.correlationId,
      });
      this.o.ledger.outboundState(msg.id, { state: 'sent', attempt: true, event: 'outbound.sent', detail });
      this.channelOutcome(partner.id, channel.type, 'outbound');
      this.o.metrics?.message(partner.id, 'outbound', 'sent');
      log.info({ messageType: msg.messageType, ...detail }, 'sent');
      return 'done';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (partner && channel) this.channelOutcome(partner.id, channel.type, 'outbound', message);
      const attempts = msg.attempts + 1;
      if ((err instanceof ChannelError && !err.retryable) || attempts >= this.retry.maxAttempts) {
        const why = err instanceof ChannelError && !err.retryable ? message : `gave up after ${attempts} attempts: ${message}`;
        this.o.ledger.outboundState(msg.id, { state: 'parked', attempt: true, reason: why, event: 'outbound.parked' });
        log.error({ attempts, reason: message }, 'outbound message parked');
        return 'failed';
      }
      const next = this.now() + backoffDelay(attempts, this.retry, this.random);
      this.o.ledger.outboundState(msg.id, { state: 'retry', attempt: true, nextAttemptAt: next, reason: message, event: 'outbound.retry' });
      log.warn({ attempt: attempts, reason: message }, 'delivery failed; will retry');
      return 'retryable';
    }
  }

  private collect(): void {
    const c = this.o.ledger.openCounts();
    const m = this.o.metrics;
    if (!m) return;
    m.setDeadLetterSize((c.documents.dead ?? 0) + (c.documents.parked ?? 0) + (c.documents.held ?? 0));
    m.setQueueDepth('process', c.messages.received ?? 0);
    m.setQueueDepth('post', (c.documents.mapped ?? 0) + (c.documents.retry ?? 0));
    m.setQueueDepth('send', (c.messages.pending ?? 0) + (c.messages.retry ?? 0));
    this.o.ledger.markOverdue();
    m.setOverdueAcks(this.o.ledger.overdueByPartner());
    m.setExportFailures(this.o.ledger.exportFailuresByPartner());
    m.setChannelHealth(this.channelHealth());
  }

  /**
   * Queue an interchange of ours for a partner (an 850 from Odoo, a file a person sends): it goes out on
   * the partner's outbound channel, and the acks the partner owes for it are expected with their deadlines.
   */
  enqueue(partnerId: string, bytes: Buffer, correlationId: string = randomUUID(), operator?: string): number {
    const partner = this.o.registry.get(partnerId);
    if (!partner) throw new Error(`no partner ${partnerId}`);
    const id = queueOutbound(this.o.ledger, partner, bytes, this.now(), correlationId, operator);
    this.sender.kick();
    return id;
  }

  /** A person's replay (API, dashboard; `operator` named in the history): done, and taken up by the stages now rather than at their next poll. */
  async replay(target: { messageId?: number; documentId?: number }, operator?: string): Promise<ReplayResult> {
    const result = await replay(this.o.ledger, this.o.registry, target, this.now, operator);
    this.processor.kick();
    this.poster.kick();
    return result;
  }

  /** A person's re-send of one of our messages (API, dashboard; `operator` named in the history): queued, and the send stage woken. */
  resend(messageId: number, operator?: string): { messageId: number; resentFrom: number } {
    const result = resend(this.o.ledger, this.o.registry, messageId, this.now(), operator);
    this.sender.kick();
    return result;
  }

  /** Odoo changed something we may send (a webhook): export soon rather than at the next period. */
  kickExport(): void {
    this.exportKick$.next();
  }

  /** Poll every inbound channel once now (tests, the demo). */
  async scanAll(): Promise<number> {
    let n = 0;
    for (const d of this.pollers) n += await this.scan(d.partner, d.poller);
    return n;
  }

  /** Stop taking files, finish (or abandon to the ledger) what is in flight; the ledger stays open. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const s of this.intake.splice(0)) s.unsubscribe();
    if (this.overdueTimer) clearInterval(this.overdueTimer);
    await Promise.allSettled([...this.scans]);
    await Promise.all([this.processor.stop(graceMs), this.poster.stop(graceMs), this.sender.stop(graceMs)]);
    for (const d of this.pollers) await d.poller.close().catch(() => undefined);
    for (const s of this.senders.values()) await s.close().catch(() => undefined);
    this.senders.clear();
    this.ahead.clear();
    this.started = false;
  }
}
