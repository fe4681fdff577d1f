/** The stage loop on its own: bounded overall, per group and per key; nothing claimed beyond free slots. */
import { CircuitBreaker } from '../../src/pipeline/retry';
import { Stage } from '../../src/pipeline/stage';
import { until } from '../support/wait';

interface Item {
  id: number;
  partner: string;
  key: string;
}

function rig(items: Item[], options: { concurrency: number; groupLimit?: number; breaker?: CircuitBreaker; fail?: (i: Item) => boolean }) {
  const queue = [...items];
  const done: number[] = [];
  let running: Item[] = [];
  let maxOverall = 0;
  const maxPerGroup = new Map<string, number>();
  let keyOverlap = false;
  let maxClaim = 0;
  let maxWhileOpen = 0;
  const stage = new Stage<Item>({
    name: 'test',
    concurrency: options.concurrency,
    pollMs: 10,
    claim: (limit) => {
      maxClaim = Math.max(maxClaim, limit);
      return queue.slice(0, limit);
    },
    key: (i) => i.key,
    group: (i) => i.partner,
    ...(options.groupLimit !== undefined ? { groupLimit: options.groupLimit } : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    run: async (i) => {
      if (running.some((r) => r.key === i.key)) keyOverlap = true;
      running.push(i);
      if (options.breaker?.open) maxWhileOpen = Math.max(maxWhileOpen, running.length);
      maxOverall = Math.max(maxOverall, running.length);
      maxPerGroup.set(i.partner, Math.max(maxPerGroup.get(i.partner) ?? 0, running.filter((r) => r.partner === i.partner).length));
      await new Promise((r) => setTimeout(r, 5));
      running = running.filter((r) => r !== i);
      if (options.fail?.(i)) return 'retryable';
      queue.splice(queue.indexOf(i), 1);
      done.push(i.id);
      return 'done';
    },
  });
  return { stage, done, stats: () => ({ maxOverall, maxPerGroup, keyOverlap, maxClaim, maxWhileOpen }) };
}

const items = (n: number, partners: string[], keys: number): Item[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, partner: partners[i % partners.length], key: `k${i % keys}` }));

describe('Stage', () => {
  it('runs everything once, never more than concurrency at once, never two of one key together', async () => {
    const r = rig(items(60, ['a', 'b', 'c'], 7), { concurrency: 6 });
    r.stage.start();
    await until(() => r.done.length === 60);
    await r.stage.stop();
    expect(new Set(r.done).size).toBe(60);
    const s = r.stats();
    expect(s.maxOverall).toBeLessThanOrEqual(6);
    expect(s.keyOverlap).toBe(false);
    // It asks the ledger for little more than its slots: work waits there, not in memory.
    expect(s.maxClaim).toBeLessThanOrEqual(6 + 6 + 6);
  });

  it('one busy partner cannot take every slot (group limit)', async () => {
    const r = rig(items(40, ['busy'], 40), { concurrency: 8, groupLimit: 3 });
    r.stage.start();
    await until(() => r.done.length === 40);
    await r.stage.stop();
    expect(r.stats().maxPerGroup.get('busy')).toBeLessThanOrEqual(3);
    expect(r.stats().maxPerGroup.get('busy')).toBeGreaterThanOrEqual(2);
  });

  it('while the breaker is open, one probe at a time', async () => {
    let failing = true;
    const breaker = new CircuitBreaker({ maxAttempts: 100, baseMs: 20, maxMs: 40 });
    const r = rig(items(10, ['a'], 10), { concurrency: 5, breaker, fail: () => failing });
    r.stage.start();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.done).toEqual([]);
    expect(r.stats().maxWhileOpen).toBe(1);
    failing = false;
    await until(() => r.done.length === 10);
    await r.stage.stop();
    expect(breaker.open).toBe(false);
  });
});
