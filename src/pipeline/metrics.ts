/**
 * The gateway's Prometheus metrics. One `GatewayMetrics` owns one prom-client `Registry`: never the
 * global default registry, so several gateways in one process (tests, the bench) each count their own.
 * Callers use typed methods and never reach prom-client objects by name.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type MessageDirection = 'inbound' | 'outbound';
export type OdooErrorKind = 'retryable' | 'business';

/** Something that can take a warning; a pino logger fits. */
export interface MetricsLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface GatewayMetricsOptions {
  /** Collect Node's process metrics (CPU, memory, event-loop lag, GC) as well. Default true. */
  processMetrics?: boolean;
  /** Labels added to every series, e.g. `{ instance: 'gw-1' }` when several gateways share a Prometheus job. */
  defaultLabels?: Readonly<Record<string, string>>;
  /** How long one collect hook may take before the scrape goes on without it. Default 2000 ms. */
  collectTimeoutMs?: number;
  /** Where failing or slow collect hooks are reported. */
  logger?: MetricsLogger;
}

/** A function run before every scrape to refresh the gauges whose value lives elsewhere. */
export type CollectHook = () => Promise<void> | void;

/**
 * File arrival → Odoo record spans a parse of a few ms up to a slow Odoo post under load; the buckets
 * run from 1 ms to 60 s, roughly 2.5× apart so quantile estimates stay within one bucket's error.
 */
export const PROCESSING_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** One Odoo RPC is rarely under 5 ms (a round trip) and the client times out at 30 s by default. */
export const ODOO_CALL_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The gateway's metrics and the registry they are exposed from. */
export class GatewayMetrics {
  /** The Content-Type header value for `text()`'s output. */
  readonly contentType: string;

  private readonly registry = new Registry();
  private readonly hooks: CollectHook[] = [];
  private readonly collectTimeoutMs: number;
  private readonly logger: MetricsLogger | undefined;

  private readonly messages: Counter<'partner' | 'direction' | 'state'>;
  private readonly documents: Counter<'partner' | 'type' | 'state'>;
  private readonly processing: Histogram<'stage'>;
  private readonly odooCalls: Histogram<'method'>;
  private readonly odooErrors: Counter<'kind'>;
  private readonly retries: Counter<'partner'>;
  private readonly deadLetter: Gauge<string>;
  private readonly queueDepth: Gauge<'stage'>;
  private readonly overdueAcks: Gauge<'partner'>;
  private readonly exportFailures: Gauge<'partner'>;
  private readonly channelFailures: Gauge<'partner' | 'channel' | 'direction'>;
  private readonly channelLastSuccess: Gauge<'partner' | 'channel' | 'direction'>;

  constructor(options: GatewayMetricsOptions = {}) {
    this.collectTimeoutMs = options.collectTimeoutMs ?? 2000;
    this.logger = options.logger;
    this.contentType = this.registry.contentType;
    if (options.defaultLabels) this.registry.setDefaultLabels({ ...options.defaultLabels });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    const registers = [this.registry];
    this.messages = new Counter({
      name: 'edi_messages_total',
      help: 'EDI messages (interchanges, acknowledgments, MDNs) by partner, direction and the state they reached',
      labelNames: ['partner', 'direction', 'state'],
      registers,
    });
    this.documents = new Counter({
      name: 'edi_documents_total',
      help: 'Business documents (order, invoice, ...) by partner, type and the state they reached',
      labelNames: ['partner', 'type', 'state'],
      registers,
    });
    this.processing = new Histogram({
      name: 'edi_processing_seconds',
      help: 'Time spent per pipeline stage; stage "total" is file arrival to Odoo record',
      labelNames: ['stage'],
      buckets: [...PROCESSING_BUCKETS],
      registers,
    });
    this.odooCalls = new Histogram({
      name: 'edi_odoo_call_seconds',
      help: 'Duration of Odoo RPC calls by method',
      labelNames: ['method'],
      buckets: [...ODOO_CALL_BUCKETS],
      registers,
    });
    this.odooErrors = new Counter({
      name: 'edi_odoo_errors_total',
      help: 'Failed Odoo calls by kind: retryable (network, 5xx, busy) or business (validation, access, missing)',
      labelNames: ['kind'],
      registers,
    });
    this.retries = new Counter({
      name: 'edi_retries_total',
      help: 'Retries of a failed step, by partner',
      labelNames: ['partner'],
      registers,
    });
    this.deadLetter = new Gauge({
      name: 'edi_dead_letter_size',
      help: 'Documents that need a person (dead, parked after the last retry, or held), waiting for a fix and a replay',
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'edi_queue_depth',
      help: 'Items waiting per pipeline stage',
      labelNames: ['stage'],
      registers,
    });
    this.overdueAcks = new Gauge({
      name: 'edi_overdue_acks',
      help: 'Sent messages whose expected acknowledgment is overdue, by partner',
      labelNames: ['partner'],
      registers,
    });
    this.exportFailures = new Gauge({
      name: 'edi_export_failures',
      help: 'Records of Odoo that could not be sent to the partner and wait for a person (tried again at every export run), by partner',
      labelNames: ['partner'],
      registers,
    });
    this.channelFailures = new Gauge({
      name: 'edi_channel_consecutive_failures',
      help: 'Consecutive failed polls or deliveries of a partner channel (0 after a success)',
      labelNames: ['partner', 'channel', 'direction'],
      registers,
    });
    this.channelLastSuccess = new Gauge({
      name: 'edi_channel_last_success_timestamp_seconds',
      help: 'Unix time of the last successful poll or delivery of a partner channel',
      labelNames: ['partner', 'channel', 'direction'],
      registers,
    });
  }

  /** Replaces the channel health series with the current state of every partner channel. */
  setChannelHealth(channels: readonly { partner: string; channel: string; direction: MessageDirection; failures: number; lastSuccess?: number }[]): void {
    this.channelFailures.reset();
    this.channelLastSuccess.reset();
    for (const c of channels) {
      const labels = { partner: c.partner, channel: c.channel, direction: c.direction };
      this.channelFailures.set(labels, c.failures);
      if (c.lastSuccess !== undefined) this.channelLastSuccess.set(labels, c.lastSuccess / 1000);
    }
  }

  /** Counts one message of `partner` in `direction` reaching `state` (e.g. received, accepted, rejected, sent). */
  message(partner: string, direction: MessageDirection, state: string): void {
    this.messages.inc({ partner, direction, state });
  }

  /** Counts one business document of `type` for `partner` reaching `state` (e.g. mapped, posted, failed). */
  document(partner: string, type: string, state: string): void {
    this.documents.inc({ partner, type, state });
  }

  /** Records `seconds` spent in pipeline `stage`. */
  observeProcessing(stage: string, seconds: number): void {
    this.processing.observe({ stage }, seconds);
  }

  /** Starts timing `stage`; the returned function stops the clock, records and returns the seconds. */
  startProcessing(stage: string): () => number {
    return this.processing.startTimer({ stage });
  }

  /** Records one Odoo call of `method` (e.g. `sale.order.create`) that took `seconds`. */
  observeOdooCall(method: string, seconds: number): void {
    this.odooCalls.observe({ method }, seconds);
  }

  /** Counts one failed Odoo call of `kind`. */
  odooError(kind: OdooErrorKind): void {
    this.odooErrors.inc({ kind });
  }

  /** For the Odoo client's `observer`: every call's latency and, when it failed, the kind of failure. */
  readonly odooObserver = (call: string, seconds: number, failure?: OdooErrorKind): void => {
    this.observeOdooCall(call, seconds);
    if (failure) this.odooError(failure);
  };

  /** Counts one retry on behalf of `partner`. */
  retry(partner: string): void {
    this.retries.inc({ partner });
  }

  /** Sets the dead-letter size; meant to be called from a collect hook. */
  setDeadLetterSize(size: number): void {
    this.deadLetter.set(size);
  }

  /** Sets the depth of the queue in front of `stage`; meant to be called from a collect hook. */
  setQueueDepth(stage: string, depth: number): void {
    this.queueDepth.set({ stage }, depth);
  }

  /**
   * Replaces the overdue-ack counts with `byPartner`. Partners absent from it are dropped rather than
   * kept at their last value, so a partner whose acks all arrived stops reporting a stale count.
   */
  setOverdueAcks(byPartner: Readonly<Record<string, number>>): void {
    replaceByPartner(this.overdueAcks, byPartner);
  }

  /** Replaces the counts of records of Odoo not sent with `byPartner` (as `setOverdueAcks`). */
  setExportFailures(byPartner: Readonly<Record<string, number>>): void {
    replaceByPartner(this.exportFailures, byPartner);
  }

  /**
   * Registers a hook run before every scrape (concurrently with the other hooks), typically to read
   * the ledger and call `setDeadLetterSize` / `setQueueDepth` / `setOverdueAcks`. A hook that throws
   * or outlasts `collectTimeoutMs` is logged and skipped: the scrape still answers, with that
   * gauge's previous value. Returns a function that unregisters the hook.
   */
  onCollect(hook: CollectHook): () => void {
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  /**
   * Adds a gauge kept by another module (certificate expiry): before every scrape its series are
   * replaced by what `collect` sets. Returns a function that removes the gauge again.
   */
  addGauge<L extends string>(spec: { name: string; help: string; labelNames: readonly L[] }, collect: (set: (labels: Record<L, string>, value: number) => void) => void): () => void {
    const gauge = new Gauge<L>({ name: spec.name, help: spec.help, labelNames: [...spec.labelNames], registers: [this.registry] });
    const unhook = this.onCollect(() => {
      gauge.reset();
      collect((labels, value) => gauge.set(labels as Partial<Record<L, string>>, value));
    });
    return () => {
      unhook();
      this.registry.removeSingleMetric(spec.name);
    };
  }

  /** Runs the collect hooks, then renders every metric in the Prometheus text format. */
  async text(): Promise<string> {
    await Promise.all(this.hooks.map((hook) => this.runHook(hook)));
    return this.registry.metrics();
  }

  private async runHook(hook: CollectHook): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`collect hook timed out after ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(hook), timeout]);
    } catch (err) {
      this.logger?.warn({ err }, 'metrics collect hook failed; serving the previous gauge values');
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A per-partner gauge set to `byPartner` alone: partners absent from it are dropped, not kept at a stale value. */
function replaceByPartner(gauge: Gauge<'partner'>, byPartner: Readonly<Record<string, number>>): void {
  gauge.reset();
  for (const [partner, count] of Object.entries(byPartner)) gauge.set({ partner }, count);
}
