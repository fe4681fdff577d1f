/**
 * An EDIFACT order Odoo cannot book: the CONTRL accepted its syntax, the posting fails on a business
 * rule, and the partner (who asks for APERAK) gets one naming the message, the order and the reason.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parse, stringify } from 'yaml';
import { readAcks } from '../../src/edi/ack-read';
import { validateBuffer } from '../../src/edi/validate';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const ORDERS = readFileSync(join(ROOT, 'fixtures', 'edi', 'edifact', 'D96A', 'ORDERS-unoa-una-release.edi'));


describe('APERAK for what Odoo refused', () => {
  let sandbox: SandboxHandle;
  let ledger: SqliteLedger;
  let gateway: Gateway;
  afterEach(async () => {
    await gateway.stop();
    ledger.close();
    await sandbox.close();
  });

  it('an ORDERS whose products Odoo does not have: dead-lettered, CONTRL accepts, APERAK rejects with the reason', async () => {
    // The sandbox without Nordhaven's products.
    const seed = parse(readFileSync(join(ROOT, 'src', 'odoo', 'sandbox', 'seed.yaml'), 'utf8')) as { records: Record<string, { default_code?: string }[]> };
    seed.records['product.product'] = seed.records['product.product'].filter((p) => !String(p.default_code ?? '').startsWith('VV-'));
    sandbox = await startSandbox({ password: 'pw', seed: stringify(seed) });
    const data = mkdtempSync(join(tmpdir(), 'gw-aperak-'));
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    gateway = new Gateway({ ledger, registry: loadPartners(join(ROOT, 'partners'), { dataRoot: data }), sink: odooSink(client), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 30, pollMs: 30 });
    await gateway.start();
    const inbound = join(data, 'exchange', 'nordhaven', 'inbound');
    writeFileSync(join(inbound, 'orders.tmp'), ORDERS);
    renameSync(join(inbound, 'orders.tmp'), join(inbound, 'orders.edi'));

    await until(() => (ledger.counts().documents.dead ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 2);
    const [dead] = ledger.documentsIn(['dead']);
    // The reason names where the document came from: partner, file, interchange, transaction.
    expect(dead.reason).toMatch(/^partner nordhaven, file orders\.edi, interchange ORD0000521, transaction ORD521 \(ORDERS\): order line 1/);
    const outbound = join(data, 'exchange', 'nordhaven', 'outbound');
    const files = readdirSync(outbound).sort();
    expect(files).toEqual([expect.stringMatching(/^APERAK-/), expect.stringMatching(/^CONTRL-/)]);
    const aperak = readFileSync(join(outbound, files[0]));
    expect(validateBuffer(aperak).valid).toBe(true);
    const read = await readAcks(aperak);
    expect(read.acks).toHaveLength(1);
    expect(read.acks[0]).toMatchObject({
      type: 'APERAK',
      status: 'rejected',
      refers: { transactions: [expect.objectContaining({ controlNumber: dead.controlNumber })] },
      errors: [expect.objectContaining({ code: 'PRODUCT' })],
    });
    expect(JSON.stringify(read.acks[0])).toMatch(/not|unknown|no product/i);
    expect(sandbox.data.count('sale.order')).toBe(0);
  });
});
