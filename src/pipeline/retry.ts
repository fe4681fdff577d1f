/**
 * When to try again. Each document or outbound message has its own attempt count and backoff
 * (exponential with full jitter, capped); a stage also has a circuit breaker, so that when the system
 * behind it (Odoo, a partner's server) is down, one probe goes out per cool-down instead of every
 * waiting item failing on its own schedule: no retry storm, and items do not burn their attempts on an
 * outage that has nothing to do with them.
 */
export interface RetryPolicy {
  /** Attempts before an item is parked (default 8). */
  maxAttempts: number;
  /** First delay in ms (default 2000). */
  baseMs: number;
  /** Longest delay in ms (default 10 minutes). */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseMs: 2000, maxMs: 10 * 60_000 };

/** Delay before attempt `attempt + 1` (attempt ≥ 1): base·2^(attempt−1), capped, jittered in [50 %, 100 %]. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw / 2 + (raw / 2) * random());
}

/** Closed: work flows. Open: nothing goes out until `openUntil`. Half-open: one probe at a time. */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private probing = false;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /** How many items may start now, given free slots. */
  allowance(free: number): number {
    if (this.failures === 0) return free;
    if (this.now() < this.openUntil || this.probing) return 0;
    return Math.min(free, 1);
  }

  /** An item is starting (while half-open it is the probe). */
  started(): void {
    if (this.failures > 0) this.probing = true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.openUntil = 0;
  }

  /** A retryable failure: open (again) for the next backoff delay. */
  failure(): void {
    this.failures++;
    this.probing = false;
    this.openUntil = this.now() + backoffDelay(this.failures, this.policy, this.random);
  }

  /** A non-retryable outcome says the system answered: it is up. */
  answered(): void {
    this.success();
  }

  get open(): boolean {
    return this.failures > 0;
  }

  /** When the breaker lets the next probe through (epoch ms), if open. */
  get reopensAt(): number | undefined {
    return this.failures > 0 ? this.openUntil : undefined;
  }
}
