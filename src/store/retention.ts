/**
 * Retention. The payload pass (`retention.payloads`): the raw bytes of finished messages and the
 * canonical JSON of finished documents older than the policy are removed, in short steps that let the
 * event loop run between them. The rows, their states, hashes, control numbers and events stay as the
 * history; nothing that may still be posted, replayed, acknowledged or sent again loses its payload.
 * And the service's hourly round over every configured pass (this one, the dir channels' archives).
 */
import type { SqliteLedger } from './sqlite';
import type { PruneResult } from './types';

/** Ids of one table looked at per step (one short transaction). */
export const PRUNE_STEP = 500;

/** How often the service applies the policy. */
export const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface PruneOptions {
  /** Count what would go; remove nothing. */
  dry?: boolean;
  /** The clock (ms) the age is measured from. */
  now?: number;
  /** Checked between steps: a service that stops ends the pass there. */
  signal?: AbortSignal;
  /** Ids per step (tests). */
  step?: number;
}

/** Remove (or, dry, count) the payloads of finished rows created and last changed more than `keepMs` ago. */
export async function prunePayloads(ledger: SqliteLedger, keepMs: number, o: PruneOptions = {}): Promise<PruneResult> {
  const before = (o.now ?? Date.now()) - keepMs;
  const step = o.step ?? PRUNE_STEP;
  const total: PruneResult = { messages: 0, documents: 0, bytes: 0 };
  const ids = ledger.payloadIds();
  for (const table of ['documents', 'messages'] as const) {
    for (let after = ids[table].after; after < ids[table].last; after += step) {
      if (o.signal?.aborted) return total;
      const r = ledger.prunePayloads(table, after, after + step, before, o.dry === true);
      total.messages += r.messages;
      total.documents += r.documents;
      total.bytes += r.bytes;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return total;
}

/** Where the scheduled passes report. */
export interface RetentionLogger {
  info(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

/** One task of the policy: removes what expired (stopping at the signal) and says what, for the log. */
export interface RetentionPass {
  name: string;
  run(signal: AbortSignal): Promise<object>;
}

/**
 * Run the passes now and every `everyMs` while the service runs; returns the stop function, which ends
 * a pass in progress between two steps and waits for it (the ledger must still be open until then).
 */
export function scheduleRetention(passes: readonly RetentionPass[], logger: RetentionLogger, everyMs = PRUNE_EVERY_MS): () => Promise<void> {
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    for (const pass of passes) {
      if (stop.signal.aborted) return;
      const started = Date.now();
      try {
        const removed = await pass.run(stop.signal);
        if (Object.values(removed).some((v) => typeof v === 'number' && v > 0)) logger.info({ pass: pass.name, ...removed, ms: Date.now() - started }, `retention: expired ${pass.name} removed`);
      } catch (err) {
        logger.error({ pass: pass.name, err }, `retention of ${pass.name} failed; it is tried again at the next round`);
      }
    }
  };
  const tick = (): void => {
    if (running || stop.signal.aborted) return;
    running = round().finally(() => (running = undefined));
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return async () => {
    stop.abort();
    clearInterval(timer);
    await running;
  };
}
