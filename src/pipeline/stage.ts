/**
 * One stop of the road as an RxJS loop over the ledger: a trigger (new work was written, a slot freed, a
 * poll tick for scheduled retries) claims at most as many items as there are free slots, so nothing
 * waits in memory: work waits in the ledger. Items sharing a key (the same order at the same partner)
 * never run at once, which keeps their order; items of other keys and partners run side by side.
 */
import { defer, EMPTY, from, interval, merge, mergeMap, Subject, type Subscription } from 'rxjs';
import type { CircuitBreaker } from './retry';

export type StageOutcome = 'done' | 'retryable' | 'failed';

export interface StageOptions<T extends { id: number }> {
  name: string;
  /** Items in flight at once (default 1). */
  concurrency: number;
  /** Poll period for scheduled retries and work written by other processes (ms). */
  pollMs: number;
  /** Due items, oldest first; at most `limit`. Synchronous: it reads the ledger. */
  claim(limit: number): T[];
  /** Items with the same key run one after the other. */
  key?(item: T): string | undefined;
  /** Items of one group (a partner) in flight at once, at most `groupLimit`: one busy partner cannot take every slot. */
  group?(item: T): string | undefined;
  groupLimit?: number;
  /** Do the work and record its outcome in the ledger; must not throw (a throw counts as retryable). */
  run(item: T): Promise<StageOutcome>;
  breaker?: CircuitBreaker;
  /** Called when an item's run threw instead of recording its outcome. */
  onCrash?(item: T, err: unknown): void;
}

/** A stage: `start()`, `kick()` when new work is in the ledger, `stop()` to finish what is in flight. */
export class Stage<T extends { id: number }> {
  private readonly kick$ = new Subject<void>();
  private readonly busyIds = new Set<number>();
  private readonly busyKeys = new Set<string>();
  private readonly busyGroups = new Map<string, number>();
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
    this.subscription = merge(this.kick$, interval(this.options.pollMs))
      .pipe(
        mergeMap(() => (this.stopping ? EMPTY : from(this.claimNow()))),
        mergeMap((item) => defer(() => this.runOne(item))),
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

  private claimNow(): T[] {
    const free = this.options.concurrency - this.busyIds.size;
    const allowed = this.options.breaker ? this.options.breaker.allowance(free) : free;
    if (allowed <= 0) return [];
    // Ask for more than the free slots: some due items may be busy or share a busy key.
    const candidates = this.options.claim(allowed + this.busyIds.size + this.options.concurrency);
    const picked: T[] = [];
    for (const item of candidates) {
      if (picked.length >= allowed) break;
      if (this.busyIds.has(item.id)) continue;
      const key = this.options.key?.(item);
      if (key !== undefined && this.busyKeys.has(key)) continue;
      const group = this.options.group?.(item);
      if (group !== undefined && this.options.groupLimit !== undefined && (this.busyGroups.get(group) ?? 0) >= this.options.groupLimit) continue;
      this.busyIds.add(item.id);
      if (key !== undefined) this.busyKeys.add(key);
      if (group !== undefined) this.busyGroups.set(group, (this.busyGroups.get(group) ?? 0) + 1);
      this.options.breaker?.started();
      picked.push(item);
    }
    return picked;
  }

  private runOne(item: T): Promise<void> {
    const key = this.options.key?.(item);
    const group = this.options.group?.(item);
    const p = (async () => {
      try {
        const outcome = await this.options.run(item);
        if (outcome === 'done') this.options.breaker?.success();
        else if (outcome === 'retryable') this.options.breaker?.failure();
        else this.options.breaker?.answered();
      } catch (err) {
        this.options.breaker?.failure();
        this.options.onCrash?.(item, err);
      } finally {
        this.busyIds.delete(item.id);
        if (key !== undefined) this.busyKeys.delete(key);
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
