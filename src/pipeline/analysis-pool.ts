/**
 * The analysis of received files (scan, syntax and content checks, translation into canonical documents)
 * on worker threads. It is most of the CPU a document costs; on its own thread it runs beside the ledger
 * writes, ack numbering and posting of the main thread, with a young generation sized for its
 * short-lived garbage rather than the process default.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LoadPartnersOptions } from '../partners/loader';
import type { Analyse, MessageAnalysis } from './analyse';
import type { AnalysisRequest, AnalysisWorkerData, AnalysisWorkerMessage } from './analysis-protocol';

export interface AnalysisPoolOptions {
  /** The partner folders and load options the gateway's registry came from. */
  partnersRoot: string;
  loadOptions?: LoadPartnersOptions;
  /** Worker threads (default 1). */
  workers?: number;
  /** Young generation of each worker, MB (default 96, i.e. 32 MB semi-spaces: mapping makes much short-lived garbage, and with the default 16 MB the scavenges cost a fifth more CPU per document). */
  youngGenerationMb?: number;
  /** A module each worker requires first: a TypeScript loader when the gateway runs from its sources. */
  preload?: string;
  /**
   * The workers' nice value on Linux (default {@link DEFAULT_TRANSLATE_NICE}; 0: as the main thread).
   * The main thread's work on a document (ledger, acks, posting, the API) is what lets it leave; files
   * translated ahead of it only wait in the ledger. Yielding the CPU to the main thread keeps posting at
   * its pace while a large batch is translated, and the API and channels responsive.
   */
  nice?: number;
}

/** Translation yields to the main thread, but is not starved by it: nice 10 weighs about a tenth of nice 0. */
export const DEFAULT_TRANSLATE_NICE = 10;

/** How long `ready` waits for the workers at most; loading the shipped partners takes a few hundred ms. */
const READY_BOUND_MS = 60_000;

/** An analysis failed in a way that says nothing about the file (the worker died, the pool closed). */
export class AnalysisWorkerError extends Error {
  override readonly name = 'AnalysisWorkerError';
}

interface Pending {
  resolve: (r: MessageAnalysis) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Settles when the worker has loaded its modules and the partner folders, or has stopped. */
  loaded: Promise<void>;
}

/** A fixed set of analysis workers; requests go to the least busy one. A worker that dies is replaced. */
export class AnalysisPool {
  private readonly slots: (Slot | undefined)[];
  private nextId = 1;
  private closed = false;

  constructor(private readonly o: AnalysisPoolOptions) {
    this.slots = new Array<Slot | undefined>(Math.max(1, o.workers ?? 1)).fill(undefined);
    // Started now, so the workers load the partner folders when the gateway does (the same registry),
    // not at the first file. A worker that dies is started again on the next request.
    for (let i = 0; i < this.slots.length; i++) this.start(i);
  }

  /** Whether workers can run here: from compiled JavaScript, or from sources with a loader to preload. */
  static available(preload?: string): boolean {
    return existsSync(workerEntry()) && (!workerEntry().endsWith('.ts') || preload !== undefined);
  }

  /**
   * Resolves when every worker has loaded its modules and the partner folders (a few hundred ms): the
   * service takes files after this, so a file's time in the gateway starts when it can be analysed.
   * A worker that failed to load or stopped counts as loaded: its requests answer the error.
   */
  async ready(boundMs = READY_BOUND_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // Bounded: a worker that never reports must not keep the gateway from starting (its files then wait for it).
    const bound = new Promise<void>((r) => (timer = setTimeout(r, boundMs)));
    await Promise.race([Promise.all(this.slots.map((s) => s?.loaded)), bound]);
    clearTimeout(timer);
  }

  /** Analyse one file on a worker. */
  readonly analyse: Analyse = (bytes) => {
    if (this.closed) return Promise.reject(new AnalysisWorkerError('the analysis pool is closed'));
    const index = this.leastBusy();
    const slot = this.slots[index] ?? this.start(index);
    const id = this.nextId++;
    return new Promise<MessageAnalysis>((resolve, reject) => {
      // A worker with work keeps the process alive; an idle one does not (see start).
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      const request: AnalysisRequest = { id, bytes };
      slot.worker.postMessage(request);
    });
  };

  /** Stop the workers; what is still pending is rejected (the message stays in the ledger and is processed again). */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    for (const slot of workers) this.fail(slot, new AnalysisWorkerError('the analysis pool was closed'));
    await Promise.all(workers.map((s) => s.worker.terminate()));
  }

  private leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.slots.length; i++) if ((this.slots[i]?.pending.size ?? 0) < (this.slots[best]?.pending.size ?? 0)) best = i;
    return best;
  }

  private start(index: number): Slot {
    const data: AnalysisWorkerData = { partnersRoot: this.o.partnersRoot, loadOptions: pick(this.o.loadOptions ?? {}), nice: this.o.nice ?? DEFAULT_TRANSLATE_NICE };
    const entry = workerEntry();
    const resourceLimits = { maxYoungGenerationSizeMb: this.o.youngGenerationMb ?? 96 };
    const worker =
      this.o.preload !== undefined && entry.endsWith('.ts')
        ? new Worker(`require(${JSON.stringify(this.o.preload)}); require(${JSON.stringify(entry)});`, { eval: true, workerData: data, resourceLimits })
        : new Worker(entry, { workerData: data, resourceLimits });
    // The gateway must be able to exit with an idle pool.
    worker.unref();
    let loaded!: () => void;
    const slot: Slot = { worker, pending: new Map(), loaded: new Promise<void>((r) => (loaded = r)) };
    worker.on('message', (reply: AnalysisWorkerMessage) => {
      if ('loaded' in reply) return loaded();
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('result' in reply) p.resolve(reply.result);
      else p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack }));
    });
    const died = (why: string): void => {
      loaded();
      if (this.slots[index] === slot) this.slots[index] = undefined;
      this.fail(slot, new AnalysisWorkerError(`analysis worker stopped: ${why}`));
    };
    worker.on('error', (err) => died(err.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    this.slots[index] = slot;
    return slot;
  }

  private fail(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  }
}

/** The worker's module beside this one: .js when compiled, .ts when running from sources. */
function workerEntry(): string {
  const ext = __filename.endsWith('.ts') ? '.ts' : '.js';
  return join(__dirname, `analysis-worker${ext}`);
}

/** The load options a worker can be given (plain data; `only` is for checks, not for running). */
function pick(o: LoadPartnersOptions): AnalysisWorkerData['loadOptions'] {
  const out: AnalysisWorkerData['loadOptions'] = {};
  if (o.dataRoot !== undefined) out.dataRoot = o.dataRoot;
  if (o.secretsRoot !== undefined) out.secretsRoot = o.secretsRoot;
  if (o.allowedRoots !== undefined) out.allowedRoots = o.allowedRoots;
  if (o.mappingsRoot !== undefined) out.mappingsRoot = o.mappingsRoot;
  if (o.us !== undefined) out.us = o.us;
  return out;
}
