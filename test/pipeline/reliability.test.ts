/**
 * The pipeline's promises, in-process with the real ledger (SQLite file), the real dir channel and the
 * Odoo sandbox on loopback: a bad transaction among good ones, Odoo down during a batch, test traffic,
 * a control number re-used with other content, replay after a mapping fix.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxFaults, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { replay } from '../../src/pipeline/replay';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');


interface Rig {
  sandbox: SandboxHandle;
  data: string;
  mappings: string;
  ledger: SqliteLedger;
  gateway: Gateway;
  inbound: string;
  outbound: string;
  drop(name: string, bytes: Buffer): void;
  stop(): Promise<void>;
}

async function rig(retry = { baseMs: 100, maxMs: 400, maxAttempts: 50 }, clientTimeoutMs = 30_000): Promise<Rig> {
  const sandbox = await startSandbox({ password: 'pw' });
  const data = mkdtempSync(join(tmpdir(), 'gw-rel-'));
  // A copy of the mappings, so a test can fix one and replay.
  const mappings = join(data, 'mappings');
  cpSync(join(ROOT, 'mappings'), mappings, { recursive: true });
  const registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data, mappingsRoot: mappings });
  const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
  const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc', timeoutMs: clientTimeoutMs });
  const gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 30, pollMs: 30, retry });
  await gateway.start();
  const inbound = join(data, 'exchange', 'northgate', 'inbound');
  const outbound = join(data, 'exchange', 'northgate', 'outbound');
  return {
    sandbox,
    data,
    mappings,
    ledger,
    gateway,
    inbound,
    outbound,
    drop: (name, bytes) => {
      // As a careful partner writes: a temp name (never taken), then a rename.
      writeFileSync(join(inbound, `${name}.tmp`), bytes);
      renameSync(join(inbound, `${name}.tmp`), join(inbound, name));
    },
    stop: async () => {
      await gateway.stop();
      ledger.close();
      await sandbox.close();
    },
  };
}

function acks(r: Rig): string[] {
  return readdirSync(r.outbound).sort().map((f) => readFileSync(join(r.outbound, f), 'utf8'));
}

describe('pipeline reliability', () => {
  let r: Rig;
  afterEach(async () => r && (await r.stop()));

  it('posts the good transactions of a batch, dead-letters the bad one with its reason and a negative ack; replay after the mapping fix posts it', async () => {
    r = await rig();
    r.drop('batch.edi', northgateOrders({ icn: 500, count: 5, badUnitAt: [2] }));
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 4 && (r.ledger.counts().messages.sent ?? 0) === 1);
    expect(r.sandbox.data.count('sale.order')).toBe(4);
    const [dead] = r.ledger.documentsIn(['dead']);
    expect(dead.controlNumber).toBe('0003');
    expect(dead.reason).toMatch(/partner northgate, file batch\.edi, interchange 000000500, transaction 0003 \(850\), segment PO1 at position \d+, element PO103: 'ZZ' is not in code table/);
    const [ack] = acks(r);
    // AK5 R for set 0003 with the element error, AK9 P: 5 received, 4 accepted.
    expect(ack).toMatch(/AK2\*850\*0003~\s*AK3\*PO1\*\d+\*\*8~\s*AK4\*3\*\*7\*ZZ~\s*AK5\*R\*5/);
    expect(ack).toMatch(/AK9\*P\*5\*5\*4/);

    // The fix: Northgate's unit table learns ZZ; replaying the dead document posts it.
    const yaml = readFileSync(join(r.mappings, 'northgate', '850.yaml'), 'utf8').replace('    CA: Case of 12', '    CA: Case of 12\n    ZZ: Units');
    writeFileSync(join(r.mappings, 'northgate', '850.yaml'), yaml);
    const result = await replay(r.ledger, loadPartners(join(ROOT, 'partners'), { dataRoot: r.data, mappingsRoot: r.mappings }), { documentId: dead.id });
    expect(result.replaced).toEqual([expect.objectContaining({ from: dead.id, state: 'mapped' })]);
    r.gateway.poster.kick();
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 5);
    expect(r.sandbox.data.count('sale.order')).toBe(5);
    expect(r.ledger.document(dead.id)?.state).toBe('replaced');
    // The history keeps every attempt.
    expect(r.ledger.eventsOfDocument(dead.id).map((e) => e.kind)).toEqual(['document.dead', 'document.replaced']);
    expect(r.ledger.document(result.replaced[0].to)?.replayOf).toBe(dead.id);
  });

  it.each([
    ['answers 503', (f: SandboxFaults) => f.fail5xx({ status: 503 })],
    ['drops connections', (f: SandboxFaults) => f.dropConnections()],
    ['times out', (f: SandboxFaults) => f.slow(2000)],
  ])('while Odoo %s, a batch waits and is posted when Odoo returns, with bounded, spaced attempts', async (_what, fault) => {
    r = await rig(undefined, 300);
    fault(r.sandbox.faults);
    r.drop('batch.edi', northgateOrders({ icn: 600, count: 20 }));
    await until(() => (r.ledger.counts().documents.retry ?? 0) >= 1);
    const before = r.sandbox.stats.requests;
    await new Promise((res) => setTimeout(res, 1500));
    const during = r.sandbox.stats.requests - before;
    // With a 100–400 ms breaker cool-down, 1.5 s allows a handful of probes, not 20 documents × retries.
    expect(during).toBeLessThanOrEqual(15);
    expect(r.sandbox.data.count('sale.order')).toBe(0);
    expect(r.ledger.counts().documents.parked ?? 0).toBe(0);
    r.sandbox.faults.clear();
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 20);
    expect(r.sandbox.data.count('sale.order')).toBe(20);
  });

  it('a test interchange for a production partner is acknowledged and parked, never posted', async () => {
    r = await rig();
    r.drop('test.edi', northgateOrders({ icn: 700, count: 2, usage: 'T' }));
    await until(() => (r.ledger.counts().messages.held ?? 0) === 1 && (r.ledger.counts().messages.sent ?? 0) >= 1);
    expect(r.sandbox.data.count('sale.order')).toBe(0);
    const held = r.ledger.documentsIn(['held']);
    expect(held).toHaveLength(2);
    expect(held[0].reason).toMatch(/test interchange \(ISA15\) from partner northgate, which is in production mode/);
    expect(acks(r).join('\n')).toMatch(/TA1\*000000700\*\d+\*\d+\*R\*020/);
    // A person cannot replay test traffic into production.
    await replay(r.ledger, loadPartners(join(ROOT, 'partners'), { dataRoot: r.data, mappingsRoot: r.mappings }), { documentId: held[0].id });
    r.gateway.poster.kick();
    await new Promise((res) => setTimeout(res, 200));
    expect(r.sandbox.data.count('sale.order')).toBe(0);
  });

  it('the same control number with other content is held for a person (TA1 025), a re-delivery is not', async () => {
    r = await rig();
    r.drop('a.edi', northgateOrders({ icn: 800, count: 1, prefix: 'A' }));
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 1);
    r.drop('b.edi', northgateOrders({ icn: 800, count: 1, prefix: 'B' }));
    await until(() => (r.ledger.counts().messages.held ?? 0) === 1);
    const [held] = r.ledger.documentsIn(['held']);
    expect(held.reason).toMatch(/interchange control number 000000800 was received before \(message 1\) with other content/);
    await until(() => acks(r).some((a) => /TA1\*000000800\*\d+\*\d+\*R\*025/.test(a)));
    expect(r.sandbox.data.count('sale.order')).toBe(1);
  });

  it('a gap in the partner\'s interchange control numbers is reported', async () => {
    r = await rig();
    r.drop('a.edi', northgateOrders({ icn: 1200, count: 1, prefix: 'G' }));
    await until(() => (r.ledger.counts().messages.processed ?? 0) === 1);
    r.drop('b.edi', northgateOrders({ icn: 1204, count: 1, prefix: 'G' }));
    await until(() => (r.ledger.counts().messages.processed ?? 0) === 2);
    const second = r.ledger.messages('inbound')[0];
    const gap = r.ledger.eventsOfMessage(second.id).find((e) => e.kind === 'interchange.gap');
    expect(JSON.parse(gap?.detail ?? '{}')).toEqual({ partner: 'northgate', after: 1200, received: 1204, missing: 3 });
  });

  it('a duplicate business document in a new interchange follows the partner policy (northgate: hold)', async () => {
    r = await rig();
    r.drop('a.edi', northgateOrders({ icn: 900, count: 1, prefix: 'SAME' }));
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 1);
    r.drop('b.edi', Buffer.from(northgateOrders({ icn: 901, count: 1, prefix: 'SAME' }).toString('latin1').replace(/SAME-901-0/, 'SAME-900-0'), 'latin1'));
    await until(() => (r.ledger.counts().documents.held ?? 0) === 1);
    expect(r.ledger.documentsIn(['held'])[0].reason).toMatch(/order SAME-900-0 was already received from partner northgate .*held for a person/);
    expect(r.sandbox.data.count('sale.order')).toBe(1);
  });
});
