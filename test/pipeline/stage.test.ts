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

  it('batches: items of one kind run together (at most batchSize, one slot per batch); a claim reads about as many rows as it takes', async () => {
    // Two partners, each with orders (batched) and ship notices (alone); keys repeat, so some wait for others.
    const all = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, partner: i % 2 ? 'a' : 'b', key: `k${i % 37}`, kind: i % 5 === 0 ? 'notice' : 'order' }));
    const queue = [...all];
    const runs: (typeof all)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let rowsRead = 0;
    let keyOverlap = false;
    const busyKeys = new Set<string>();
    const stage = new Stage<(typeof all)[number]>({
      name: 'batch',
      concurrency: 4,
      pollMs: 10,
      claimSkipsBusy: true,
      claim: (limit, busy) => {
        const rows = queue.filter((i) => !busy.has(i.id)).slice(0, limit);
        rowsRead += rows.length;
        return rows;
      },
      key: (i) => i.key,
      group: (i) => i.partner,
      groupLimit: 2,
      batchKey: (i) => (i.kind === 'order' ? `${i.partner}/order` : undefined),
      batchSize: 8,
      run: async (i) => (await runBatch([i]))[0]!,
      runBatch: (items) => runBatch(items),
    });
    async function runBatch(items: typeof all): Promise<'done'[]> {
      runs.push(items);
      for (const i of items) {
        if (busyKeys.has(i.key)) keyOverlap = true;
        busyKeys.add(i.key);
      }
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 3));
      inFlight--;
      for (const i of items) {
        busyKeys.delete(i.key);
        queue.splice(queue.indexOf(i), 1);
      }
      return items.map(() => 'done');
    }
    stage.start();
    await until(() => queue.length === 0);
    await stage.stop();

    expect(runs.flat().map((i) => i.id).sort((x, y) => x - y)).toEqual(all.map((i) => i.id));
    expect(keyOverlap).toBe(false);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    for (const run of runs) {
      expect(run.length).toBeLessThanOrEqual(8);
      if (run.length > 1) expect(new Set(run.map((i) => `${i.partner}/${i.kind}`))).toEqual(new Set([`${run[0]!.partner}/order`]));
    }
    expect(runs.some((run) => run.length === 8)).toBe(true);
    expect(runs.filter((run) => run[0]!.kind === 'notice').every((run) => run.length === 1)).toBe(true);
    // Busy rows are not read again and again: reads stay within a small multiple of what was taken.
    expect(rowsRead).toBeLessThan(all.length * 2.5);
  });
});
