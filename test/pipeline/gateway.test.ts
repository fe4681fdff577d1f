import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Gateway (dir channel → ledger → Odoo sandbox → 997 in the outbound folder)', () => {
  let sandbox: SandboxHandle;
  let data: string;
  let ledger: SqliteLedger;
  let gateway: Gateway;

  beforeEach(async () => {
    sandbox = await startSandbox({ password: 'pw' });
    data = mkdtempSync(join(tmpdir(), 'gw-'));
    const registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 50, pollMs: 50 });
    await gateway.start();
  });

  afterEach(async () => {
    await gateway.stop();
    ledger.close();
    await sandbox.close();
  });

  it('posts an 850 as a sale order, archives the file and writes a 997', async () => {
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po.edi'), FIXTURE);
    await until(() => (ledger.counts().documents.posted ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 1);
    expect(sandbox.data.count('sale.order')).toBe(1);
    expect(readdirSync(join(data, 'exchange', 'northgate', 'inbound'))).toEqual([]);
    const out = readdirSync(join(data, 'exchange', 'northgate', 'outbound'));
    expect(out).toHaveLength(1);
    const ack = readFileSync(join(data, 'exchange', 'northgate', 'outbound', out[0]), 'utf8');
    expect(ack).toMatch(/AK9\*A\*1\*1\*1/);
    expect(existsSync(join(data, 'exchange', 'northgate', 'archive'))).toBe(true);
  });

  it('re-delivery posts nothing new and acknowledges again', async () => {
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po.edi'), FIXTURE);
    await until(() => (ledger.counts().documents.posted ?? 0) === 1);
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po-again.edi'), FIXTURE);
    await until(() => (ledger.counts().messages.duplicate ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 2);
    expect(sandbox.data.count('sale.order')).toBe(1);
    expect(ledger.counts().documents.posted).toBe(1);
  });
});
