/**
 * One stop of the road as an RxJS loop over the ledger: a trigger (new work was written, a slot freed, a
 * poll tick for scheduled retries) claims at most as many items as there are free slots, so nothing
 * waits in memory: work waits in the ledger. Items sharing a key (the same order at the same partner)
 * never run at once, which keeps their order; items of other keys and partners run side by side.
 */
import { defer, EMPTY, from, interval, merge, mergeMap, Subject, tap, type Subscription } from 'rxjs';
import type { CircuitBreaker } from './retry';

export type StageOutcome = 'done' | 'retryable' | 'failed';

export interface StageOptions<T extends { id: number }> {
  name: string;
  /** Items in flight at once (default 1). */
  concurrency: number;
  /** Poll period for scheduled retries and work written by other processes (ms). */
  pollMs: number;
  /** Due items, oldest first; at most `limit`; those in `busy` (in flight) may be left out. Synchronous: it reads the ledger. */
  claim(limit: number, busy: ReadonlySet<number>): T[];
  /** The claim leaves out the busy items it is given (so it need not be asked for more rows to get past them). */
  claimSkipsBusy?: boolean;
  /** Items with the same key run one after the other. */
  key?(item: T): string | undefined;
  /** Items of one group (a partner) in flight at once, at most `groupLimit`: one busy partner cannot take every slot. */
  group?(item: T): string | undefined;
  groupLimit?: number;
  /** Do the work and record its outcome in the ledger; must not throw (a throw counts as retryable). */
  run(item: T): Promise<StageOutcome>;
  /** Items with the same batch key (one partner, one kind) may run together in one `runBatch`; undefined: alone. */
  batchKey?(item: T): string | undefined;
  /** Most items in one batch (default 1: no batches). A batch takes one slot of `concurrency` and of `groupLimit`. */
  batchSize?: number;
  /** Run two or more items at once; one outcome per item, in their order. Must not throw, as `run`. */
  runBatch?(items: T[]): Promise<StageOutcome[]>;
  breaker?: CircuitBreaker;
  /** Called when an item's run threw instead of recording its outcome. */
  onCrash?(item: T, err: unknown): void;
}

/** The breaker's view of a batch: trouble if any item must be tried again, success if any went through. */
function batchOutcome(outcomes: StageOutcome[]): StageOutcome {
  if (outcomes.includes('retryable')) return 'retryable';
  return outcomes.includes('done') ? 'done' : 'failed';
}

/** A stage: `start()`, `kick()` when new work is in the ledger, `stop()` to finish what is in flight. */
export class Stage<T extends { id: number }> {
  private readonly kick$ = new Subject<void>();
  private readonly busyIds = new Set<number>();
  private readonly busyKeys = new Set<string>();
  private readonly busyGroups = new Map<string, number>();
  /** Runs in flight (a run is one item, or a batch). */
  private busyRuns = 0;
  /** The last claim could take nothing of what was due; cleared when a run ends and on every poll tick. */
  private blocked = false;
  private readonly running = new Set<Promise<void>>();
  private subscription: Subscription | undefined;
  private stopping = false;
  private kickPending = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: StageOptions<T>) {}

  get inFlight(): number {
    return this.busyIds.size;
  }

  start(): void {
    if (this.subscription) return;
    this.stopping = false;
    this.subscription = merge(this.kick$, interval(this.options.pollMs).pipe(tap(() => (this.blocked = false))))
      .pipe(
        mergeMap(() => (this.stopping ? EMPTY : from(this.claimNow()))),
        mergeMap((items) => defer(() => this.runOne(items))),
      )
      .subscribe();
    this.kick();
  }

  /** Look for work now. */
  kick(): void {
    if (!this.subscription || this.stopping || this.kickPending) return;
    // Many items finish in the same turn (their ledger writes are batched): one claim serves them all.
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      if (this.subscription && !this.stopping) this.kick$.next();
    });
  }

  private claimNow(): T[][] {
    const free = this.options.concurrency - this.busyRuns;
    const allowed = this.options.breaker ? this.options.breaker.allowance(free) : free;
    if (allowed <= 0 || this.blocked) return [];
    const batchSize = this.options.runBatch ? Math.max(1, this.options.batchSize ?? 1) : 1;
    const runs: T[][] = [];
    const open = new Map<string, T[]>();
    let seen = 0;
    // A claim that leaves out what it is told reads in pages, each past the rows already looked at, and stops
    // at the first page that gives nothing (what is left waits for a busy order or a full partner): the
    // ledger is read for about as many rows as are taken. One that does not is asked for enough at once.
    const paged = this.options.claimSkipsBusy === true;
    const exclude = paged ? new Set(this.busyIds) : this.busyIds;
    for (let page = 0; page < (paged ? 8 : 1); page++) {
      const limit = paged ? batchSize + this.options.concurrency : allowed * batchSize + this.options.concurrency + this.busyIds.size;
      const candidates = this.options.claim(limit, exclude);
      seen += candidates.length;
      let added = 0;
      for (const item of candidates) {
        if (paged) (exclude as Set<number>).add(item.id);
        if (runs.length >= allowed && open.size === 0) break;
        if (this.take(item, runs, open, allowed, batchSize)) added++;
      }
      const room = runs.length < allowed || open.size > 0;
      if (!room || added === 0 || candidates.length < limit) break;
    }
    // Everything due waits for a busy order or a full partner: reading it again before a run ends is waste.
    this.blocked = runs.length === 0 && seen > 0;
    return runs;
  }

  /** Put a due item into a run (a new one, or the open batch of its kind) when nothing holds it back. */
  private take(item: T, runs: T[][], open: Map<string, T[]>, allowed: number, batchSize: number): boolean {
    if (this.busyIds.has(item.id)) return false;
    const key = this.options.key?.(item);
    if (key !== undefined && this.busyKeys.has(key)) return false;
    const batchKey = batchSize > 1 ? this.options.batchKey?.(item) : undefined;
    let run = batchKey !== undefined ? open.get(batchKey) : undefined;
    if (!run) {
      if (runs.length >= allowed) return false;
      const group = this.options.group?.(item);
      if (group !== undefined && this.options.groupLimit !== undefined && (this.busyGroups.get(group) ?? 0) >= this.options.groupLimit) return false;
      if (group !== undefined) this.busyGroups.set(group, (this.busyGroups.get(group) ?? 0) + 1);
      run = [];
      runs.push(run);
      this.busyRuns++;
      this.options.breaker?.started();
      if (batchKey !== undefined) open.set(batchKey, run);
    }
    run.push(item);
    if (batchKey !== undefined && run.length >= batchSize) open.delete(batchKey);
    this.busyIds.add(item.id);
    if (key !== undefined) this.busyKeys.add(key);
    return true;
  }

  private runOne(items: T[]): Promise<void> {
    const group = this.options.group?.(items[0]!);
    const p = (async () => {
      try {
        const outcome = items.length === 1 ? await this.options.run(items[0]!) : batchOutcome(await this.options.runBatch!(items));
        if (outcome === 'done') this.options.breaker?.success();
        else if (outcome === 'retryable') this.options.breaker?.failure();
        else this.options.breaker?.answered();
      } catch (err) {
        this.options.breaker?.failure();
        for (const item of items) this.options.onCrash?.(item, err);
      } finally {
        this.busyRuns--;
        this.blocked = false;
        for (const item of items) {
          this.busyIds.delete(item.id);
          const key = this.options.key?.(item);
          if (key !== undefined) this.busyKeys.delete(key);
        }
        if (group !== undefined) {
          const n = (this.busyGroups.get(group) ?? 1) - 1;
          if (n <= 0) this.busyGroups.delete(group);
          else this.busyGroups.set(group, n);
        }
      }
    })();
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      if (this.busyIds.size === 0) for (const w of this.idleWaiters.splice(0)) w();
      // A freed slot may let the next item in; a microtask keeps the stack flat.
      this.kick();
    });
    return p;
  }

  /** Resolves when nothing is in flight (it may start again on the next trigger). */
  whenIdle(): Promise<void> {
    if (this.busyIds.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop claiming; wait up to `graceMs` for what is in flight. Returns how many were still running. */
  async stop(graceMs = 10_000): Promise<number> {
    this.stopping = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    if (this.running.size === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    if (timer) clearTimeout(timer);
    // Whatever still runs is abandoned: its item stays due in the ledger and is resumed on the next start.
    return this.running.size;
  }
}
