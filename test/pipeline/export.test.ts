/**
 * Purchase orders confirmed in Odoo go to the supplier as an 850, exactly once, with the 997 the
 * supplier owes expected; an Odoo webhook makes it happen at once instead of at the next period.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { validateBuffer } from '../../src/edi/validate';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { exportPurchaseOrders, ledgerRenderer, type ExportDeps } from '../../src/pipeline/export';
import { Gateway } from '../../src/pipeline/gateway';
import { nullSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { exportRig, mainWarehouseAtCompany, n1Loops, setCompany, warehouse, type ExportRig } from '../support/export-rig';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** The Odoo sandbox, a fresh ledger and export deps over the shipped partners for `body`, all closed after it. */
async function withExport(prefix: string, deps: Partial<ExportDeps>, body: (x: { sandbox: SandboxHandle; ledger: SqliteLedger; client: OdooClient; d: ExportDeps }) => Promise<void>): Promise<void> {
  const sandbox = await startSandbox({ password: 'pw' });
  const data = mkdtempSync(join(tmpdir(), prefix));
  const ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
  const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
  const d: ExportDeps = { ledger, registry: loadPartners(join(ROOT, 'partners'), { dataRoot: data }), client, logger: pino({ level: 'silent' }), render: ledgerRenderer(ledger), ...deps };
  try {
    await body({ sandbox, ledger, client, d });
  } finally {
    ledger.close();
    await sandbox.close();
  }
}


describe('purchase orders from Odoo', () => {
  let sandbox: SandboxHandle;
  let ledger: SqliteLedger;
  let gateway: Gateway;
  let client: OdooClient;
  let data: string;
  let runs = 0;

  beforeEach(async () => {
    sandbox = await startSandbox({ password: 'pw' });
    data = mkdtempSync(join(tmpdir(), 'gw-export-'));
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
    const logger = pino({ level: 'silent' });
    const exportOrders = () => {
      runs++;
      return exportPurchaseOrders({
        ledger,
        registry,
        client,
        logger,
        render: ledgerRenderer(ledger),
      });
    };
    gateway = new Gateway({ ledger, registry, sink: nullSink(), logger, settleMs: 0, dirPollMs: 30, pollMs: 30, exportOrders, exportEveryMs: 3_600_000 });
    runs = 0;
    await gateway.start();
    await until(() => runs >= 1 && ledger.meta('export.since.bolt-supply') !== undefined);
  });

  afterEach(async () => {
    await gateway.stop();
    ledger.close();
    await sandbox.close();
  });

  async function confirmNewPo(): Promise<{ id: number; name: string }> {
    const id = await client.create('purchase.order', {
      partner_id: 36,
      order_line: [
        [0, 0, { product_id: 80, product_qty: 1000, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }],
        [0, 0, { product_id: 81, product_qty: 500, price_unit: 0.33, date_planned: '2026-12-10 12:00:00' }],
      ],
    });
    await client.call('purchase.order', 'button_confirm', [[id]]);
    const [po] = await client.read('purchase.order', [id], ['name']);
    return { id, name: String(po.name) };
  }

  it('orders confirmed before the first run are not sent; a new one becomes an 850 once, with a 997 expected', async () => {
    // The seeded, already confirmed PO-BW-10427 predates the gateway: not sent.
    expect(ledger.messages('outbound')).toEqual([]);
    // The sandbox clock and ours: make the new PO's approval strictly later than "since".
    await new Promise((r) => setTimeout(r, 1100));
    const po = await confirmNewPo();
    gateway.kickExport();
    await until(() => ledger.messages('outbound', ['sent']).length === 1, 15_000);
    const outbound = join(data, 'exchange', 'bolt-supply', 'outbound');
    const [file] = readdirSync(outbound);
    expect(file).toMatch(/^850-\d+\.x12$/);
    const bytes = readFileSync(join(outbound, file));
    expect(validateBuffer(bytes).errors).toEqual([]);
    const text = bytes.toString('latin1');
    expect(text).toContain(`BEG*00*SA*${po.name}*`);
    expect(text.match(/PO1\*/g)).toHaveLength(2);
    expect(text).toMatch(/ISA\*00\*.{10}\*00\*.{10}\*ZZ\*BRIGHTWATERVF +\*01\*047712960 +\*/);
    const [msg] = ledger.messages('outbound');
    const icn = msg.interchangeControlNumber as string;
    // A 997 and, as Bolt's partner.yaml asks, an 855 naming the PO.
    expect(ledger.expectedAcks('bolt-supply', icn)).toEqual([
      expect.objectContaining({ ackType: '997', messageType: '850', state: 'sent' }),
      expect.objectContaining({ ackType: 'order_response', messageType: '850', state: 'sent' }),
    ]);
    // Purchasing sees it on the PO (the note is written after the order is queued, so it may trail the file).
    const notes = () => sandbox.data.records('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', po.id]]).map((n) => String(n.body));
    await until(() => notes().some((b) => b.includes('EDI 850 queued for Bolt Industrial Supply')));
    expect(notes().filter((b) => b.includes('EDI 850 queued'))).toHaveLength(1);
    // The supplier's business answer is tracked apart from the 997: none yet, then its 855.
    expect(ledger.expectedAckList().find((a) => a.messageId === msg.id)?.orderResponse).toBeNull();
    const answer = readFileSync(join(ROOT, 'fixtures', 'bolt-supply', '855.edi'), 'latin1').split('PO-BW-10427').join(po.name);
    const inbound = join(data, 'exchange', 'bolt-supply', 'inbound');
    writeFileSync(join(inbound, '855.tmp'), answer, 'latin1');
    renameSync(join(inbound, '855.tmp'), join(inbound, '855.x12'));
    await until(() => (ledger.counts().documents.posted ?? 0) === 1);
    expect(ledger.expectedAckList().find((a) => a.messageId === msg.id)?.orderResponse).toEqual({ documentId: expect.any(Number), state: 'posted', status: expect.stringMatching(/accepted/) });
    // Another run sends nothing again.
    const before = runs;
    gateway.kickExport();
    await until(() => runs > before);
    await new Promise((r) => setTimeout(r, 200));
    expect(ledger.messages('outbound').filter((m) => m.messageType === '850')).toHaveLength(1);
    // Our 997 for their 855 continues the same control number series as the 850.
    expect(ledger.messages('outbound').map((m) => [m.messageType, m.interchangeControlNumber])).toEqual([
      ['997', '000000002'],
      ['850', '000000001'],
    ]);
  });
});

describe('purchase orders cancelled in Odoo', () => {
  it('one we sent is cancelled at the supplier with the same order as a cancellation (BEG01 01), once; one never sent is not', async () => {
    await withExport('gw-export-cancel-', {}, async ({ ledger, client, d }) => {
      expect(await exportPurchaseOrders(d)).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      const line = [0, 0, { product_id: 80, product_qty: 10, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }];
      const confirm = async (): Promise<number> => {
        const id = await client.create('purchase.order', { partner_id: 36, order_line: [line] });
        await client.call('purchase.order', 'button_confirm', [[id]]);
        return id;
      };
      const sent = await confirm();
      expect(await exportPurchaseOrders(d)).toBe(1);
      // Cancelled before any run saw it: the supplier never had it, so there is nothing to cancel.
      const never = await confirm();
      await client.call('purchase.order', 'button_cancel', [[never]]);
      await client.call('purchase.order', 'button_cancel', [[sent]]);
      expect(await exportPurchaseOrders(d)).toBe(1);
      expect(await exportPurchaseOrders(d)).toBe(0);
      const [name] = (await client.read('purchase.order', [sent], ['name'])).map((p) => String(p.name));
      const messages = ledger.messages('outbound');
      expect(messages.map((m) => [m.messageType, m.source])).toEqual([
        ['850', name],
        ['850', name],
      ]);
      const texts = messages.map((m) => ledger.bytes(m.id).toString('latin1'));
      const cancellation = texts.find((t) => t.includes('BEG*01*'));
      expect(cancellation).toMatch(new RegExp(`BEG\\*01\\*SA\\*${name}\\*`));
      expect(texts.filter((t) => t.includes('BEG*00*'))).toHaveLength(1);
      expect(validateBuffer(Buffer.from(cancellation!, 'latin1')).errors).toEqual([]);
      expect(ledger.exportFailures()).toEqual([]);
      // A cancellation carries the order's lines, as the supplier knows them.
      expect(cancellation!.match(/PO1\*/g)).toHaveLength(1);
    });
  });
});

describe('purchase orders reinstated after their cancellation went out', () => {
  it('go to the supplier again in full as a replacement (BEG01 05, BGM 1225 5), once per reinstatement, and may be cancelled again, whatever the partner says of changes', async () => {
    // The sandbox's clock ticks in seconds: a confirmation after this is an approval of its own.
    const tick = () => new Promise((r) => setTimeout(r, 1100));
    await withExport('gw-export-reinstate-', {}, async ({ ledger, client, d }) => {
      expect(await exportPurchaseOrders(d)).toBe(0);
      await tick();
      // Bolt reads X12, Fjordline EDIFACT; neither has changes: true.
      const bolt = await client.create('purchase.order', { partner_id: 36, order_line: [[0, 0, { product_id: 80, product_qty: 10, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }]] });
      const fjord = await client.create('purchase.order', { partner_id: 37, order_line: [[0, 0, { product_id: 70, product_qty: 40, price_unit: 5.9, date_planned: '2026-12-10 12:00:00' }]] });
      const both = [bolt, fjord];
      const [boltName, fjordName] = (await client.read('purchase.order', both, ['name'])).map((p) => String(p.name));
      const call = (method: string) => client.call('purchase.order', method, [both]);
      await call('button_confirm');
      expect(await exportPurchaseOrders(d)).toBe(2);
      await call('button_cancel');
      expect(await exportPurchaseOrders(d)).toBe(2);

      // Purchasing sets both back to draft, needs 12 of Bolt's screws now, and confirms them again.
      await tick();
      await call('button_draft');
      const [line] = (await client.read('purchase.order', [bolt], ['order_line']))[0]!.order_line as number[];
      await client.write('purchase.order.line', [line!], { product_qty: 12 });
      await call('button_confirm');
      expect(await exportPurchaseOrders(d)).toBe(2);
      expect(await exportPurchaseOrders(d)).toBe(0);
      // Cancelled again, then reinstated again: each goes once.
      await call('button_cancel');
      expect(await exportPurchaseOrders(d)).toBe(2);
      expect(await exportPurchaseOrders(d)).toBe(0);
      await tick();
      await call('button_draft');
      await call('button_confirm');
      expect(await exportPurchaseOrders(d)).toBe(2);
      expect(await exportPurchaseOrders(d)).toBe(0);
      expect(ledger.exportFailures()).toEqual([]);

      const sent = (partner: string) =>
        ledger
          .messages('outbound')
          .filter((m) => m.partnerId === partner)
          .sort((a, b) => a.id - b.id)
          .map((m) => ledger.bytes(m.id).toString('latin1'));
      const x12 = sent('bolt-supply');
      expect(x12.map((t) => /BEG\*(\d\d)\*SA\*([^*]+)\*/.exec(t)?.slice(1))).toEqual(['00', '01', '05', '01', '05'].map((code) => [code, boltName]));
      for (const t of x12) expect(validateBuffer(Buffer.from(t, 'latin1')).errors).toEqual([]);
      // A replacement is the order as it is now, in full.
      expect(x12[2]).toMatch(/PO1\*1\*12\*/);
      expect(x12[0]).toMatch(/PO1\*1\*10\*/);
      const edifact = sent('fjordline');
      expect(edifact.map((t) => /BGM\+[^+]*\+([^+]+)\+(\d+)'/.exec(t)?.slice(1))).toEqual(['9', '1', '5', '1', '5'].map((code) => [fjordName, code]));
      for (const t of edifact) expect(validateBuffer(Buffer.from(t, 'latin1')).errors).toEqual([]);
    });
  });
});

describe('purchase orders changed after they were sent', () => {
  let r: ExportRig | undefined;
  afterEach(async () => r && (await r.stop()));

  it('with changes: true, go to the supplier again as a change (BEG01 04), once per change of what the supplier reads', async () => {
    r = await exportRig({
      exports: [exportPurchaseOrders],
      ready: ['export.since.bolt-supply', 'export.since.bolt-supply.purchase.order.change'],
      partnerYaml: { 'bolt-supply': (text) => text.replace('messageType: 850 }', 'messageType: 850, changes: true }') },
    });
    const rig = r;
    const sent850 = () => rig.sent('bolt-supply', 'ST*850*');
    const id = await rig.client.create('purchase.order', {
      partner_id: 36,
      order_line: [
        [0, 0, { product_id: 80, product_qty: 1000, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }],
        [0, 0, { product_id: 81, product_qty: 500, price_unit: 0.33, date_planned: '2026-12-10 12:00:00' }],
      ],
    });
    await rig.client.call('purchase.order', 'button_confirm', [[id]]);
    await rig.exportOnce();
    await until(() => sent850().length === 1, 15_000, 'the 850');
    const [po] = await rig.client.read('purchase.order', [id], ['name', 'order_line']);
    expect(sent850()[0]).toMatch(new RegExp(`BEG\\*00\\*SA\\*${String(po!.name)}\\*`));
    await rig.exportOnce();
    expect(sent850()).toHaveLength(1);

    // Purchasing needs 1 200 of the first screws: the supplier gets the order as it is now.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rig.client.write('purchase.order.line', [(po!.order_line as number[])[0]!], { product_qty: 1200 });
    await rig.exportOnce();
    await until(() => sent850().length === 2, 15_000, 'the changed 850');
    const changed = sent850()[1]!;
    expect(changed).toMatch(new RegExp(`BEG\\*04\\*SA\\*${String(po!.name)}\\*`));
    expect(changed).toMatch(/PO1\*1\*1200\*/);
    expect(validateBuffer(Buffer.from(changed, 'latin1')).errors).toEqual([]);
    await rig.exportOnce();
    expect(sent850()).toHaveLength(2);
    // The screws are to go straight to a customer's site (drop-ship): where to deliver is a change too.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rig.client.write('purchase.order', [id], { dest_address_id: 12 });
    await rig.exportOnce();
    await until(() => sent850().length === 3, 15_000, 'the 850 with the new ship-to');
    expect(sent850()[2]).toMatch(new RegExp(`BEG\\*04\\*SA\\*${String(po!.name)}\\*`));
    expect(sent850()[2]).toContain('N1*ST*Acme DC East~N3*500 Dock Rd~N4*Newark**07101*US~');
    await rig.exportOnce();
    expect(sent850()).toHaveLength(3);
    // Then cancelled: the cancellation, not another change.
    await rig.client.call('purchase.order', 'button_cancel', [[id]]);
    await rig.exportOnce();
    await until(() => sent850().length === 4, 15_000, 'the cancellation');
    expect(sent850()[3]).toMatch(/BEG\*01\*SA\*/);
    await rig.exportOnce();
    expect(sent850()).toHaveLength(4);
  });

  it('with changes: true, a reinstated order goes as one replacement (BEG01 05) carrying its edits, and later changes are measured from it', async () => {
    r = await exportRig({
      exports: [exportPurchaseOrders],
      ready: ['export.since.bolt-supply', 'export.since.bolt-supply.purchase.order.change', 'export.since.bolt-supply.purchase.order.reinstate'],
      partnerYaml: { 'bolt-supply': (text) => text.replace('messageType: 850 }', 'messageType: 850, changes: true }') },
    });
    const rig = r;
    const sent850 = () => rig.sent('bolt-supply', 'ST*850*');
    const id = await rig.client.create('purchase.order', { partner_id: 36, order_line: [[0, 0, { product_id: 80, product_qty: 1000, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }]] });
    await rig.client.call('purchase.order', 'button_confirm', [[id]]);
    await rig.exportOnce();
    await until(() => sent850().length === 1, 15_000, 'the 850');
    await rig.client.call('purchase.order', 'button_cancel', [[id]]);
    await rig.exportOnce();
    await until(() => sent850().length === 2, 15_000, 'the cancellation');

    // Back to draft, 1 100 instead of 1 000, confirmed again: the replacement says it all, no change follows.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rig.client.call('purchase.order', 'button_draft', [[id]]);
    const [po] = await rig.client.read('purchase.order', [id], ['name', 'order_line']);
    const line = (po!.order_line as number[])[0]!;
    await rig.client.write('purchase.order.line', [line], { product_qty: 1100 });
    await rig.client.call('purchase.order', 'button_confirm', [[id]]);
    await rig.exportOnce();
    await until(() => sent850().length === 3, 15_000, 'the replacement');
    expect(sent850()[2]).toMatch(new RegExp(`BEG\\*05\\*SA\\*${String(po!.name)}\\*`));
    expect(sent850()[2]).toMatch(/PO1\*1\*1100\*/);
    await rig.exportOnce();
    expect(sent850()).toHaveLength(3);

    // A change after that is one against the replacement.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rig.client.write('purchase.order.line', [line], { product_qty: 1200 });
    await rig.exportOnce();
    await until(() => sent850().length === 4, 15_000, 'the change');
    expect(sent850()[3]).toMatch(/BEG\*04\*SA\*/);
    expect(sent850()[3]).toMatch(/PO1\*1\*1200\*/);
    await rig.exportOnce();
    expect(sent850()).toHaveLength(4);
  });
});

describe('export runs over many records', () => {
  it('reach every page; a record that fails is held for a person and tried at every run, while the cursor and the records after it go on', async () => {
    const logged: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as { level: number; msg: string }) });
    const errors = () => logged.filter((l) => l.level >= 50).map((l) => l.msg);
    await withExport('gw-export-pages-', { logger, pageSize: 2 }, async ({ sandbox, ledger, client, d }) => {
      expect(await exportPurchaseOrders(d)).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      const line = [0, 0, { product_id: 80, product_qty: 10, price_unit: 0.0845, date_planned: '2026-12-10 12:00:00' }];
      const confirm = async (orderLine: unknown[]): Promise<number> => {
        const id = await client.create('purchase.order', { partner_id: 36, order_line: orderLine });
        await client.call('purchase.order', 'button_confirm', [[id]]);
        return id;
      };
      const ids: number[] = [];
      // The second has no product line: nothing to send a supplier, until purchasing adds one.
      for (let i = 0; i < 5; i++) ids.push(await confirm(i === 1 ? [[0, 0, { display_type: 'line_section', name: 'Spare parts' }]] : [line]));
      const cursor = () => (JSON.parse(ledger.meta('export.since.bolt-supply.cursor') ?? '{}') as { id?: number }).id;
      expect(await exportPurchaseOrders(d)).toBe(4);
      expect(cursor()).toBe(ids[4]);
      expect(ledger.messages('outbound')).toHaveLength(4);
      const [name1] = (await client.read('purchase.order', [ids[1]], ['name'])).map((p) => String(p.name));
      expect(ledger.exportFailures()).toEqual([
        expect.objectContaining({ source: 'odoo:purchase.order', key: `bolt-supply:${ids[1]}`, partnerId: 'bolt-supply', recordId: ids[1], name: name1, attempts: 1, reason: expect.stringMatching(/line/i) }),
      ]);
      expect(ledger.partnerActivity(0).find((a) => a.partnerId === 'bolt-supply')?.exportFailures).toBe(1);
      expect(errors()).toHaveLength(1);
      // Tried again, still failing: counted, not said again.
      expect(await exportPurchaseOrders(d)).toBe(0);
      expect(ledger.exportFailures()).toEqual([expect.objectContaining({ recordId: ids[1], attempts: 2 })]);
      expect(errors()).toHaveLength(1);
      // Purchasing adds a line: the next run sends it, and the failure is gone.
      await client.write('purchase.order', [ids[1]], { order_line: [line] });
      expect(await exportPurchaseOrders(d)).toBe(1);
      expect(ledger.exportFailures()).toEqual([]);
      expect(cursor()).toBe(ids[4]);
      expect(await exportPurchaseOrders(d)).toBe(0);
      expect(ledger.messages('outbound').map((m) => m.source).sort()).toEqual((await client.read('purchase.order', ids, ['name'])).map((p) => String(p.name)).sort());

      // One a person dismisses is never tried again, and the history says who decided what.
      const empty = await confirm([[0, 0, { display_type: 'line_note', name: 'Call before delivery' }]]);
      expect(await exportPurchaseOrders(d)).toBe(0);
      const [failure] = ledger.exportFailures();
      expect(failure).toEqual(expect.objectContaining({ recordId: empty }));
      expect(ledger.dismissExport(failure!.id, 'ordered by phone')).toEqual(expect.objectContaining({ recordId: empty }));
      expect(ledger.dismissExport(failure!.id, 'twice')).toBeUndefined();
      expect(await exportPurchaseOrders(d)).toBe(0);
      expect(ledger.exportFailures()).toEqual([]);
      expect(ledger.exported('odoo:purchase.order', `bolt-supply:${empty}`)).toBeNull();

      // Odoo out of reach is no failure of the record: nothing held, the cursor stays, and it goes out once Odoo is back.
      const late = await confirm([line]);
      sandbox.faults.fail5xx({ status: 503, times: 1000 });
      expect(await exportPurchaseOrders(d)).toBe(0);
      expect(ledger.exportFailures()).toEqual([]);
      expect(cursor()).toBe(empty);
      sandbox.faults.clear();
      expect(await exportPurchaseOrders(d)).toBe(1);
      expect(cursor()).toBe(late);
    });
  });
});

describe('the parties of the purchase orders we send', () => {
  /** Brightwater Valve and Fitting Co., who we are towards the X12 suppliers. */
  const BRIGHTWATER = { street: '250 Executive Park Blvd', city: 'San Francisco', zip: '94134', country_id: 233 };
  /** Who we are towards Bolt: the company, by our interchange id (ISA ZZ BRIGHTWATERVF). */
  const BY = 'N1*BY*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US';
  /** Bolt as Odoo has it (the sandbox's contact 36): no id, Odoo's `ref` is ours. */
  const SE = 'N1*SE*Bolt Industrial Supply Inc.~N3*PO Box 94410~N4*Cleveland**44101*US';

  /** The receipt operation type of warehouse `warehouseId`: a purchase order's Deliver To. */
  const receipts = async (client: OdooClient, warehouseId: number): Promise<number> =>
    (await client.search('stock.picking.type', [['warehouse_id', '=', warehouseId], ['code', '=', 'incoming']]))[0]!;

  /** A purchase order of `partner` with `vals` (Deliver To, drop-ship address), confirmed; its name. */
  async function confirmed(client: OdooClient, partner: number, productId: number, vals: Record<string, unknown> = {}): Promise<string> {
    const id = await client.create('purchase.order', { partner_id: partner, ...vals, order_line: [[0, 0, { product_id: productId, product_qty: 10, date_planned: '2026-12-10 12:00:00' }]] });
    await client.call('purchase.order', 'button_confirm', [[id]]);
    return String((await client.read('purchase.order', [id], ['name']))[0]!.name);
  }

  /** The outbound message of purchase order `name`, as latin1 text. */
  const sentFor = (ledger: SqliteLedger, name: string): string => {
    const [m] = ledger.messages('outbound').filter((x) => x.source === name);
    return ledger.bytes(m!.id).toString('latin1');
  };

  it('an 850 names us as buyer by our id, ships to the Deliver To warehouse (another warehouse by its own address, no id) or to the drop-ship address, and names the supplier by its address', async () => {
    await withExport('gw-export-parties-', {}, async ({ sandbox, ledger, client, d }) => {
      expect(await exportPurchaseOrders(d)).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      await setCompany(client, 'Brightwater Valve and Fitting Co.', BRIGHTWATER);
      await mainWarehouseAtCompany(client);
      const plant = await warehouse(client, 'Dayton Plant', 'DAY', { name: 'Brightwater Dayton Plant', street: '1800 Stanley Ave', city: 'Dayton', zip: '45404', country_id: 233 });
      const plantReceipts = await receipts(client, plant);
      const main = await confirmed(client, 36, 80);
      const toPlant = await confirmed(client, 36, 80, { picking_type_id: plantReceipts });
      // Screws for a customer's site, delivered there by Bolt (the sandbox's Acme DC East).
      const dropShip = await confirmed(client, 36, 81, { dest_address_id: 12 });
      expect(await exportPurchaseOrders(d)).toBe(3);
      expect(ledger.exportFailures()).toEqual([]);
      for (const name of [main, toPlant, dropShip]) expect(validateBuffer(Buffer.from(sentFor(ledger, name), 'latin1')).errors).toEqual([]);

      // The main warehouse is at the company's contact: the ship-to is the company, by our id.
      expect(n1Loops(sentFor(ledger, main))).toEqual([BY, 'N1*ST*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US', SE]);
      expect(n1Loops(sentFor(ledger, toPlant))).toEqual([BY, 'N1*ST*Brightwater Dayton Plant~N3*1800 Stanley Ave~N4*Dayton**45404*US', SE]);
      expect(n1Loops(sentFor(ledger, dropShip))).toEqual([BY, 'N1*ST*Acme DC East~N3*500 Dock Rd~N4*Newark**07101*US', SE]);
      // Odoo receives the plant's order at the plant: its receipt is of the Deliver To type.
      const [receipt] = sandbox.data.records('stock.picking', [['origin', '=', toPlant]]);
      expect(receipt!.picking_type_id).toEqual([plantReceipts, 'Dayton Plant: Receipts']);
    });
  });

  it('an ORDERS names us NAD+BY by our GLN, the delivery party NAD+DP (the company, or another warehouse by its address) and the supplier NAD+SU', async () => {
    await withExport('gw-export-parties-edifact-', {}, async ({ ledger, client, d }) => {
      expect(await exportPurchaseOrders(d)).toBe(0);
      await new Promise((r) => setTimeout(r, 1100));
      await setCompany(client, 'Valdoria Valvole S.r.l.', { street: 'Via delle Fonderie 12', city: 'Lumezzane', zip: '25065', country_id: 109, vat: 'IT01234567890' });
      const venlo = await warehouse(client, 'Venlo DC', 'VEN', { name: 'Valdoria Distribution Centre Venlo', street: 'Celsiusweg 40', city: 'Venlo', zip: '5928 PR', country_id: 165 });
      // The seeded main warehouse has no address (its company had no contact when it was made): the company's.
      const main = await confirmed(client, 37, 70);
      const toVenlo = await confirmed(client, 37, 70, { picking_type_id: await receipts(client, venlo) });
      expect(await exportPurchaseOrders(d)).toBe(2);
      const nads = (name: string): string[] => {
        const text = sentFor(ledger, name);
        expect(validateBuffer(Buffer.from(text, 'latin1')).errors).toEqual([]);
        return text.split("'").map((s) => s.trim()).filter((s) => s.startsWith('NAD+'));
      };
      const by = 'NAD+BY+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT';
      // Fjordline's contact has no country in the sandbox; an order carries no VAT number (no RFF+VA).
      const su = 'NAD+SU+++Fjordline Messing AS+Sandviksboder 12+Bergen++5035';
      expect(nads(main)).toEqual([by, 'NAD+DP+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT', su]);
      expect(nads(toVenlo)).toEqual([by, 'NAD+DP+++Valdoria Distribution Centre Venlo+Celsiusweg 40+Venlo++5928 PR+NL', su]);
    });
  });
});
