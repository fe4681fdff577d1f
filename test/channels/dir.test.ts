import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DirInbound } from '../../src/channels/dir';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { nullSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

describe('dir channel: what one scan reads is bounded in bytes as well as in files', () => {
  const folder = (): { path: string; archive: string } => {
    const base = mkdtempSync(join(tmpdir(), 'dir-'));
    const path = join(base, 'inbound');
    mkdirSync(path);
    return { path, archive: join(base, 'archive') };
  };

  it('stops before the byte budget, says it left files behind, and the next scan takes them', async () => {
    const f = folder();
    for (const name of ['a', 'b', 'c', 'd', 'e']) writeFileSync(join(f.path, `${name}.edi`), Buffer.alloc(1000, name));
    const dir = new DirInbound({ ...f, pattern: '*.edi', settleMs: 0, scanBytes: 2500 });
    await dir.prepare();
    const first = await dir.take(100);
    expect(first.map((x) => x.name)).toEqual(['a.edi', 'b.edi']);
    expect(dir.truncated).toBe(true);
    for (const [i, x] of first.entries()) await dir.commit(x, i + 1);
    expect((await dir.take(100)).map((x) => x.name)).toEqual(['c.edi', 'd.edi']);
    expect(dir.truncated).toBe(true);
  });

  it('takes a file larger than the budget on its own, and is not truncated when the folder is empty after it', async () => {
    const f = folder();
    writeFileSync(join(f.path, 'big.edi'), Buffer.alloc(5000, 'x'));
    const dir = new DirInbound({ ...f, pattern: '*.edi', settleMs: 0, scanBytes: 1000 });
    await dir.prepare();
    const files = await dir.take(100);
    expect(files.map((x) => x.bytes.length)).toEqual([5000]);
    expect(dir.truncated).toBe(false);
  });

  it('the gateway takes every ready file in one poll, a bounded batch at a time', async () => {
    const data = mkdtempSync(join(tmpdir(), 'dir-gw-'));
    const inbound = join(data, 'exchange', 'northgate', 'inbound');
    mkdirSync(inbound, { recursive: true });
    for (let i = 0; i < 7; i++) writeFileSync(join(inbound, `po-${i}.edi`), northgateOrders({ icn: 300 + i, count: 1, prefix: `DIR${i}` }));
    const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    // One poll only (the next is a minute away), two files per batch.
    const gateway = new Gateway({ ledger, registry: loadPartners(join(ROOT, 'partners'), { dataRoot: data }), sink: nullSink(), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 60_000, pollMs: 20, scanLimit: 2 });
    await gateway.start();
    try {
      await until(() => (ledger.counts().documents.posted ?? 0) === 7);
      // A file is archived once the ledger holds it; its documents may be posted before the rename is done.
      await until(() => readdirSync(inbound).length === 0);
      expect(readdirSync(inbound)).toEqual([]);
      expect(ledger.counts().messages.processed).toBe(7);
    } finally {
      await gateway.stop();
      ledger.close();
    }
  });
});
