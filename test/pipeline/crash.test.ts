/**
 * Nothing lost, nothing twice, with a real process: `edi-gateway start` ingests 500 orders from its
 * inbound folder into the Odoo sandbox (in this test process) and is killed with SIGKILL at random
 * points (early, and at random shares of the orders posted), several times, then restarted. Every order
 * must end as exactly one sale order, and the last start stops cleanly on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { SqliteLedger } from '../../src/store';
import { northgateOrders } from '../support/orders';

const ROOT = join(__dirname, '..', '..');
const CHILD = join(ROOT, 'test', 'support', 'cli-child.js');
const FILES = 10;
const PER_FILE = 50;

function startGateway(config: string): ChildProcess {
  return spawn(process.execPath, [CHILD, 'start', '--config', config], { env: { ...process.env, ODOO_TEST_PASSWORD: 'pw', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
}

function posted(data: string): number {
  // Read-only look while the gateway owns the ledger (WAL lets a reader in).
  try {
    const l = new SqliteLedger({ file: join(data, 'ledger.sqlite'), lock: false });
    try {
      return l.counts().documents.posted ?? 0;
    } finally {
      l.close();
    }
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SIGKILL while ingesting 500 orders', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ password: 'pw' });
  });
  afterAll(async () => sandbox.close());

  it('every order is posted exactly once after repeated kills and restarts', async () => {
    const data = mkdtempSync(join(tmpdir(), 'gw-crash-'));
    const config = join(data, 'gateway.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${data}`,
        `partners: ${join(ROOT, 'partners')}`,
        `mappings: ${join(ROOT, 'mappings')}`,
        'http: { port: 0 }',
        `odoo: { url: '${sandbox.url}', db: ${sandbox.db}, login: admin, password: { env: ODOO_TEST_PASSWORD } }`,
        "pipeline: { pollInterval: 50ms, settle: 0ms, scanInterval: 50ms, concurrency: 8, retryBase: 100ms, retryMax: 1s }",
      ].join('\n'),
    );
    const inbound = join(data, 'exchange', 'northgate', 'inbound');
    mkdirSync(inbound, { recursive: true });
    const drop = (i: number) => {
      const name = join(inbound, `batch-${i}.edi`);
      writeFileSync(`${name}.tmp`, northgateOrders({ icn: 1000 + i, count: PER_FILE, prefix: 'CRASH' }));
      renameSync(`${name}.tmp`, name);
    };
    for (let i = 0; i < FILES / 2; i++) drop(i);

    const stderr: string[] = [];
    let kills = 0;
    // Kill points by progress, so that they fall mid-batch however fast the box is: the first one early
    // (files being taken, nothing posted yet), the others at random shares of the orders posted.
    const points = [undefined, 0.15 + Math.random() * 0.2, 0.4 + Math.random() * 0.2, 0.65 + Math.random() * 0.2];
    for (const share of points) {
      const child = startGateway(config);
      child.stderr?.on('data', (b: Buffer) => stderr.push(b.toString()));
      if (share === undefined) await sleep(400 + Math.random() * 300);
      else {
        const until = Date.now() + 60_000;
        while (posted(data) < share * FILES * PER_FILE && Date.now() < until) await sleep(5);
      }
      // The second half arrives while a gateway is at work.
      if (kills === 1) for (let i = FILES / 2; i < FILES; i++) drop(i);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      kills++;
    }
    const before = posted(data);
    const final = startGateway(config);
    final.stderr?.on('data', (b: Buffer) => stderr.push(b.toString()));
    const deadline = Date.now() + 120_000;
    while (posted(data) < FILES * PER_FILE && Date.now() < deadline) await sleep(200);
    final.kill('SIGTERM');
    const code = await new Promise((r) => final.once('exit', r));

    const orders = sandbox.data.records('sale.order').map((o) => o.client_order_ref);
    expect({ kills, sandboxOrders: orders.length, distinct: new Set(orders).size }).toEqual({ kills: 4, sandboxOrders: FILES * PER_FILE, distinct: FILES * PER_FILE });
    expect(posted(data)).toBe(FILES * PER_FILE);
    expect(code).toBe(0);
    // The kills happened mid-batch, not before or after all of it.
    expect(before).toBeLessThan(FILES * PER_FILE);
    expect(stderr.join('')).not.toMatch(/"level":(50|60)/);
  }, 180_000);
});
