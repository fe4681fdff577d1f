import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { acknowledge } from '../../src/edi/ack';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { replay } from '../../src/pipeline/replay';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));


describe('Gateway (dir channel → ledger → Odoo sandbox → 997 in the outbound folder)', () => {
  let sandbox: SandboxHandle;
  let data: string;
  let ledger: SqliteLedger;
  let gateway: Gateway;
  let metrics: GatewayMetrics;

  beforeEach(async () => {
    sandbox = await startSandbox({ password: 'pw' });
    data = mkdtempSync(join(tmpdir(), 'gw-'));
    const registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    metrics = new GatewayMetrics({ processMetrics: false });
    gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 50, pollMs: 50, metrics, retry: { baseMs: 60_000 } });
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
    // The received file is listed by what it holds, as the sent ack is.
    expect(ledger.messages('inbound').map((m) => [m.source, m.messageType])).toEqual([['po.edi', '850']]);
    expect(ledger.messages('outbound').map((m) => m.messageType)).toEqual(['997']);
  });

  it('channel health: successes and consecutive failures per partner channel, in metrics', async () => {
    // The outbound "folder" is a file: every delivery fails until it is fixed.
    writeFileSync(join(data, 'exchange', 'northgate', 'outbound'), 'not a folder');
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po.edi'), FIXTURE);
    await until(() => gateway.channelHealth().some((h) => h.direction === 'outbound' && h.failures >= 1));
    const health = gateway.channelHealth();
    expect(health).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ partner: 'northgate', channel: 'dir', direction: 'inbound', failures: 0, lastSuccess: expect.any(Number) }),
        expect.objectContaining({ partner: 'northgate', channel: 'dir', direction: 'outbound', failures: 1, lastError: expect.stringMatching(/ENOTDIR|EEXIST|not a directory/i) }),
      ]),
    );
    expect(ledger.counts().messages.retry).toBe(1);
    const text = await metrics.text();
    expect(text).toMatch(/edi_channel_consecutive_failures\{partner="northgate",channel="dir",direction="outbound"\} 1/);
  });

  it('re-delivery posts nothing new and acknowledges again', async () => {
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po.edi'), FIXTURE);
    await until(() => (ledger.counts().documents.posted ?? 0) === 1);
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po-again.edi'), FIXTURE);
    await until(() => (ledger.counts().messages.duplicate ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 2);
    expect(sandbox.data.count('sale.order')).toBe(1);
    expect(ledger.counts().documents.posted).toBe(1);
  });

  it('a re-delivery is known by its interchange bytes, whether or not the file holds more than the interchange', async () => {
    // The first copy is the interchange alone (its hash is the file's); the second has white space before it.
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po.edi'), FIXTURE);
    await until(() => (ledger.counts().documents.posted ?? 0) === 1);
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'po-again.edi'), Buffer.concat([Buffer.from('\r\n  '), FIXTURE]));
    await until(() => (ledger.counts().messages.duplicate ?? 0) === 1);
    expect(ledger.messages('inbound').map((m) => m.state)).toEqual(['duplicate', 'processed']);
    expect(sandbox.data.count('sale.order')).toBe(1);
  });

  it('the orders of one file go to Odoo in batches: a create per batch, each document with its own sale order', async () => {
    await sandbox.resetStats();
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'many.edi'), northgateOrders({ icn: 4242, count: 40, prefix: 'BATCH' }));
    await until(() => (ledger.counts().documents.posted ?? 0) === 40);
    const creates = sandbox.stats.calls['sale.order.create'] ?? 0;
    // Default batches of 16: three creates at least; some more when a batch was taken before all 40 were in.
    expect(creates).toBeGreaterThanOrEqual(3);
    expect(creates).toBeLessThan(40);
    expect(sandbox.stats.calls['sale.order.message_post']).toBe(40);
    const orders = sandbox.data.rows('sale.order');
    expect(orders).toHaveLength(40);
    expect(new Set(orders.map((o) => o.client_order_ref)).size).toBe(40);
    const docs = ledger.documentsOfMessage(1); // the first file of a fresh ledger
    expect(docs).toHaveLength(40);
    const named = docs.map((d) => (JSON.parse(d.result ?? '[]') as { model: string; id: number }[]).find((r) => r.model === 'sale.order')!.id);
    expect(new Set(named).size).toBe(40);
    for (const [i, d] of docs.entries()) expect(sandbox.data.record('sale.order', named[i]!)!.client_order_ref).toBe(d.businessKey);
  });
  it('a transaction set the partner does not exchange is rejected in the 997 (AK5 R 1, not supported) and dead-lettered, not accepted', async () => {
    const file = northgateOrders({ icn: 3100, count: 1, prefix: 'NS' }).toString('latin1').replace('GS*PO*', 'GS*PC*').replace('ST*850*0001', 'ST*860*0001');
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'change.edi'), file);
    await until(() => (ledger.counts().documents.dead ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 1);
    const [dead] = ledger.documentsIn(['dead']);
    expect(dead.reason).toMatch(/^partner northgate, file change\.edi, interchange 000003100, transaction 0001 \(860\): partner northgate does not exchange 860/);
    const out = readdirSync(join(data, 'exchange', 'northgate', 'outbound'));
    const ack = readFileSync(join(data, 'exchange', 'northgate', 'outbound', out[0]), 'utf8');
    expect(ack).toMatch(/AK2\*860\*0001~\s*AK5\*R\*1~\s*AK9\*R\*1\*1\*0/);
    expect(sandbox.data.count('sale.order')).toBe(0);
  });

  it('a CONTRL received twice is acknowledged neither time, even one in error; the second copy is a duplicate', async () => {
    // Nordhaven's CONTRL for an ORDRSP of ours, written by our own ack builder standing in for them, with a wrong UNT count.
    const ours = readFileSync(join(ROOT, 'fixtures', 'edi', 'edifact', 'D96A', 'ORDRSP-unoc-no-una.edi'));
    const { acks } = await acknowledge(ours, { type: 'CONTRL' });
    const contrl = acks[0].text.replace(/UNT\+\d+\+/, 'UNT+99+');
    expect(contrl).not.toBe(acks[0].text);
    const inbound = join(data, 'exchange', 'nordhaven', 'inbound');
    writeFileSync(join(inbound, 'contrl.edi'), contrl);
    await until(() => (ledger.counts().messages.processed ?? 0) === 1);
    writeFileSync(join(inbound, 'contrl-again.edi'), contrl);
    await until(() => (ledger.counts().messages.duplicate ?? 0) === 1);
    await gateway.sender.whenIdle();
    expect(ledger.messages('inbound').map((m) => m.messageType)).toEqual(['CONTRL', 'CONTRL']);
    expect(ledger.messages('outbound')).toEqual([]);
    const outbound = join(data, 'exchange', 'nordhaven', 'outbound');
    expect(existsSync(outbound) ? readdirSync(outbound) : []).toEqual([]);
  });

  it('an interchange twice in one file is posted once (the copy is a re-delivery); the same control number with other content is held, naming partner and file', async () => {
    const order = northgateOrders({ icn: 3200, count: 1, prefix: 'TWICE' });
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'twice.edi'), Buffer.concat([order, order]));
    // Each copy is acknowledged, as a re-delivery in a file of its own is.
    await until(() => (ledger.counts().documents.posted ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 2);
    expect(ledger.documentsOfMessage(1)).toHaveLength(1);
    expect(ledger.eventsOfMessage(1).map((e) => e.kind)).toContain('interchange.redelivery');
    expect(sandbox.data.count('sale.order')).toBe(1);

    const other = northgateOrders({ icn: 3300, count: 1, prefix: 'OTHER' });
    const changed = northgateOrders({ icn: 3300, count: 1, prefix: 'CHANGED' });
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'other.edi'), Buffer.concat([other, changed]));
    await until(() => (ledger.counts().documents.held ?? 0) === 1 && (ledger.counts().documents.posted ?? 0) === 2);
    const [held] = ledger.documentsIn(['held']);
    expect(held.reason).toBe('partner northgate, file other.edi, interchange 000003300, transaction 0001 (850): interchange control number 000003300 is in this file twice with other content: held for a person to decide');
    expect(sandbox.data.count('sale.order')).toBe(2);
    expect(sandbox.data.rows('sale.order').map((o) => o.client_order_ref)).toEqual(['TWICE-3200-0', 'OTHER-3300-0']);
  });

  it('the same order number twice in one file follows the duplicate policy (northgate: hold), as it would across files', async () => {
    const first = northgateOrders({ icn: 3400, count: 1, prefix: 'SAME' });
    const second = Buffer.from(northgateOrders({ icn: 3401, count: 1, prefix: 'SAME' }).toString('latin1').replace('SAME-3401-0', 'SAME-3400-0'), 'latin1');
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'same.edi'), Buffer.concat([first, second]));
    await until(() => (ledger.counts().documents.posted ?? 0) === 1 && (ledger.counts().documents.held ?? 0) === 1);
    const [held] = ledger.documentsIn(['held']);
    expect(held.reason).toBe('partner northgate, file same.edi, interchange 000003401, transaction 0001 (850): order SAME-3400-0 was already received from partner northgate (transaction 0001 of interchange 000003400, earlier in this file): held for a person by the partner\'s duplicate policy (replay it to post it)');
    expect(sandbox.data.count('sale.order')).toBe(1);
  });

  it('two groups of one interchange may both number their set 0001: each order is posted as its own, each group acknowledged', async () => {
    // X12 control numbers are unique within their group only (ST02 in GS, GS06 in ISA).
    const one = northgateOrders({ icn: 3500, count: 1, prefix: 'GRP' }).toString('latin1');
    const two = northgateOrders({ icn: 3501, count: 1, prefix: 'GRP' }).toString('latin1');
    const groupOf = (text: string) => text.slice(text.indexOf('GS*'), text.indexOf('IEA*'));
    const file = one.slice(0, one.indexOf('GS*')) + groupOf(one) + groupOf(two) + 'IEA*2*000003500~\n';
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'groups.edi'), Buffer.from(file, 'latin1'));
    await until(() => (ledger.counts().documents.posted ?? 0) === 2 && (ledger.counts().messages.sent ?? 0) === 1);
    expect(sandbox.data.rows('sale.order').map((o) => o.client_order_ref).sort()).toEqual(['GRP-3500-0', 'GRP-3501-0']);
    const docs = ledger.documentsOfMessage(1);
    expect(docs.map((d) => [d.groupControlNumber, d.controlNumber, d.businessKey])).toEqual([
      ['3500', '0001', 'GRP-3500-0'],
      ['3501', '0001', 'GRP-3501-0'],
    ]);
    const out = readdirSync(join(data, 'exchange', 'northgate', 'outbound'));
    const ack = readFileSync(join(data, 'exchange', 'northgate', 'outbound', out[0]), 'utf8');
    expect(ack.match(/AK1\*PO\*\d+/g)).toEqual(['AK1*PO*3500', 'AK1*PO*3501']);
    expect(ack.match(/AK9\*A\*1\*1\*1/g)).toHaveLength(2);

    // A mapping failure in the second group's set 0001 rejects that set only, in that group's AK1.
    const good = northgateOrders({ icn: 3600, count: 1, prefix: 'OK' }).toString('latin1');
    const bad = northgateOrders({ icn: 3601, count: 1, prefix: 'BAD', badUnitAt: [0] }).toString('latin1');
    writeFileSync(join(data, 'exchange', 'northgate', 'inbound', 'mixed.edi'), Buffer.from(good.slice(0, good.indexOf('GS*')) + groupOf(good) + groupOf(bad) + 'IEA*2*000003600~\n', 'latin1'));
    await until(() => (ledger.counts().documents.posted ?? 0) === 3 && (ledger.counts().documents.dead ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 2);
    expect(ledger.documentsIn(['dead']).map((d) => [d.groupControlNumber, d.controlNumber])).toEqual([['3601', '0001']]);
    expect(sandbox.data.rows('sale.order').map((o) => o.client_order_ref)).toContain('OK-3600-0');
    const second = readdirSync(join(data, 'exchange', 'northgate', 'outbound')).find((f) => f !== out[0]) ?? '';
    const mixedAck = readFileSync(join(data, 'exchange', 'northgate', 'outbound', second), 'utf8');
    expect(mixedAck).toMatch(/AK1\*PO\*3600~\s*AK2\*850\*0001~\s*AK5\*A~\s*AK9\*A\*1\*1\*1/);
    expect(mixedAck).toMatch(/AK1\*PO\*3601~\s*AK2\*850\*0001~\s*AK3\*PO1\*\d+\*\*8~\s*AK4\*3\*\*7\*ZZ~\s*AK5\*R\*5~\s*AK9\*R\*1\*1\*0/);

    // Replaying the dead set replaces it alone, not the other group's set 0001 beside it.
    const [dead] = ledger.documentsIn(['dead']);
    const result = await replay(ledger, loadPartners(join(ROOT, 'partners'), { dataRoot: data }), { documentId: dead.id });
    expect(result.replaced.map((r) => [r.from, r.state])).toEqual([[dead.id, 'dead']]);
    expect(ledger.documentsOfMessage(dead.messageId).filter((d) => d.groupControlNumber === '3600').map((d) => d.state)).toEqual(['posted']);
  });
});
