/**
 * Odoo 17, 18 and 19: the sandbox behaves as the version it reports (field names, JSON-2), and the
 * posters, through the client's `fieldNames()`, leave the same records in each, over real HTTP with
 * the protocols each version has (17/18: JSON-RPC, XML-RPC; 19: JSON-2, JSON-RPC).
 */
import type { Envelope } from '../../src/canonical/envelope';
import { fieldNamesFor, OdooClient, OdooProtocolError, OdooRequestError, type OdooFieldNames, type OdooProtocol } from '../../src/odoo';
import { createPostContext, postOrder, postOrderResponse, postShipNotice, postInvoice, type PostContextInit, type PostContext } from '../../src/odoo/post';
import { purchaseOrderAsOrder } from '../../src/odoo/pull/purchase-order';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { MODELS } from '../../src/odoo/sandbox/models';
import { modelsForVersion } from '../../src/odoo/sandbox/versions';
import { API_KEY, client, DB, LOGIN, PASSWORD, rejection } from './helpers';
import { invoice, order, orderResponse, rerun, shipNotice } from './post/helpers';

const VERSIONS = [
  { serverVersion: '17.0', major: 17, protocols: ['jsonrpc', 'xmlrpc'] as OdooProtocol[] },
  { serverVersion: '18.0-20250702', major: 18, protocols: ['jsonrpc', 'xmlrpc'] as OdooProtocol[] },
  { serverVersion: '19.0', major: 19, protocols: ['json2', 'jsonrpc'] as OdooProtocol[] },
];
const RUNS = VERSIONS.flatMap((v) => v.protocols.map((protocol) => ({ ...v, protocol })));

/** A sandbox as the version has it: no JSON-2 forced on (unlike the protocol tests' helper). */
function versionSandbox(serverVersion: string): Promise<SandboxHandle> {
  return startSandbox({ apiKey: API_KEY, password: PASSWORD, login: LOGIN, db: DB, host: '127.0.0.1', port: 0, serverVersion });
}

/** The sandbox's own name for the sale line unit (not the client's table, which is under test). */
const saleUom = (major: number): string => (major >= 19 ? 'product_uom_id' : 'product_uom');

function ctx(sb: SandboxHandle, protocol: OdooProtocol, settings: PostContextInit['settings'], c: OdooClient = client(sb, protocol)): PostContext {
  return createPostContext({ client: c, settings });
}

const ENVELOPE: Envelope = {
  standard: 'x12',
  version: '004010',
  messageType: '850',
  sender: { qualifier: 'ZZ', id: 'US' },
  receiver: { qualifier: 'ZZ', id: 'BOLT' },
  interchangeControlNumber: '000000201',
  groupControlNumber: '201',
  controlNumber: '0201',
  test: false,
};

const m2o = (v: unknown): unknown => (Array.isArray(v) ? v[1] : v);

/** The sample order plus a line in Dozens: a unit the product's default would not give, so the poster must have sent it. */
function dozenOrder() {
  const o = order();
  return order({ lines: [...o.lines, { lineNumber: '4', quantity: 2, uom: 'DZN', unitPrice: 1200, itemIds: { vendor: 'FURN_7800' } }] });
}

/** How many records of the models the posters create: equal before and after a re-post. */
function counts(sb: SandboxHandle): Record<string, number> {
  const models = ['sale.order', 'sale.order.line', 'res.partner', 'stock.picking', 'stock.move', 'stock.move.line', 'stock.lot', 'account.move', 'account.move.line', 'mail.message', 'mail.activity'];
  return Object.fromEntries(models.map((m) => [m, sb.data.count(m)]));
}

/** Every poster once, then again in a new run; the Odoo records they leave, in version-free terms. */
async function postEverything(sb: SandboxHandle, protocol: OdooProtocol): Promise<Record<string, unknown>> {
  const acme = ctx(sb, protocol, { partnerRef: 'CUST-ACME', priceSource: 'edi', confirmOrders: true });
  const wood = ctx(sb, protocol, { partnerRef: 'SUP-WOOD', validateReceipts: true });
  const bolt = ctx(sb, protocol, { partnerRef: 'BOLT-SUPPLY' });

  const so = (await postOrder(dozenOrder(), acme)).find((r) => r.model === 'sale.order')!;
  await postOrderResponse(orderResponse(), wood);
  const receipt = await postShipNotice(shipNotice(), wood);
  const bill = (await postInvoice(invoice(), wood))[0]!;

  const after = counts(sb);
  expect((await postOrder(dozenOrder(), rerun(acme))).find((r) => r.model === 'sale.order')).toMatchObject({ id: so.id, action: 'unchanged' });
  expect((await postOrderResponse(orderResponse(), rerun(wood)))[0]).toMatchObject({ id: 1, action: 'unchanged' });
  expect((await postShipNotice(shipNotice(), rerun(wood)))[0]).toMatchObject({ id: receipt[0]!.id, action: 'unchanged' });
  expect((await postInvoice(invoice(), rerun(wood)))[0]).toMatchObject({ id: bill.id, action: 'unchanged' });
  expect(counts(sb)).toEqual(after);

  const pulled = await purchaseOrderAsOrder(bolt, 3, 'bolt-supply', ENVELOPE);

  const uom = saleUom(sb.major);
  const saleOrder = sb.data.record('sale.order', so.id)!;
  const delivery = sb.data.records('stock.picking', [['sale_id', '=', so.id]]);
  const pickings = sb.data.records('stock.picking', [['purchase_id', '=', 1]]);
  return {
    order: {
      name: saleOrder.name,
      partner: m2o(saleOrder.partner_id),
      ref: saleOrder.client_order_ref,
      state: saleOrder.state,
      shipTo: m2o(saleOrder.partner_shipping_id),
      lines: sb.data.records('sale.order.line', [['order_id', '=', so.id]]).map((l) => [m2o(l.product_id), l.product_uom_qty, m2o(l[uom]), l.price_unit]),
      delivery: delivery.map((p) => sb.data.records('stock.move', [['picking_id', '=', p.id]]).map((m) => [m2o(m.product_id), m.product_uom_qty, m2o(m.product_uom)])),
    },
    purchase: {
      vendorRef: sb.data.record('purchase.order', 1)!.partner_ref,
      lines: sb.data.records('purchase.order.line', [['order_id', '=', 1]]).map((l) => [m2o(l.product_id), l.product_qty, l.qty_received, l.qty_invoiced, l.date_planned]),
    },
    receipts: pickings.map((p) => ({
      name: p.name,
      state: p.state,
      tracking: p.carrier_tracking_ref,
      moves: sb.data.records('stock.move', [['picking_id', '=', p.id]]).map((m) => [m2o(m.product_id), m.product_uom_qty, m.quantity, m.picked, m.state]),
      lots: sb.data.records('stock.move.line', [['picking_id', '=', p.id], ['lot_name', '!=', false]]).map((l) => [l.lot_name, l.quantity]),
    })),
    bill: (({ move_type, state, ref, partner_id, amount_total }) => ({ move_type, state, ref, partner: m2o(partner_id), amount_total }))(sb.data.record('account.move', bill.id)!),
    pulled: pulled.lines.map((l) => [l.itemIds?.buyer, l.quantity, l.uom]),
    counts: after,
  };
}

const results = new Map<string, Record<string, unknown>>();

describe.each(RUNS)('Odoo $serverVersion over $protocol', ({ serverVersion, major, protocol }) => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await versionSandbox(serverVersion);
  });
  afterEach(async () => {
    await sb.close();
  });

  test('the client sees the version; every poster books, a re-post creates nothing', async () => {
    const c = client(sb, protocol);
    expect((await c.version()).major).toBe(major);
    expect(await c.fieldNames()).toEqual(fieldNamesFor(major));

    const summary = await postEverything(sb, protocol);
    const order = summary.order as { lines: unknown[]; state: string; partner: string; delivery: unknown[] };
    expect(order).toMatchObject({ state: 'sale', partner: 'Acme Retail Inc', ref: 'PO-ACME-1001', shipTo: 'Acme Retail Inc, Acme Store 42' });
    expect(order.lines).toEqual([
      ['[FURN_7777] Office Chair', 5, 'Units', 110],
      ['[FURN_6667] Acoustic Bloc Screens (Wood)', 2, 'Units', 280],
      ['[SUGAR-KG] Cane Sugar (bulk)', 25, 'kg', 2.1],
      ['[FURN_7800] Desk Combination', 2, 'Dozens', 1200],
    ]);
    // the delivery's moves take the sale line's unit, whatever the version calls that field
    expect(order.delivery).toEqual([
      [
        ['[FURN_7777] Office Chair', 5, 'Units'],
        ['[FURN_6667] Acoustic Bloc Screens (Wood)', 2, 'Units'],
        ['[SUGAR-KG] Cane Sugar (bulk)', 25, 'kg'],
        ['[FURN_7800] Desk Combination', 2, 'Dozens'],
      ],
    ]);
    expect(summary.purchase).toMatchObject({ vendorRef: 'WC-SO-7781' });
    expect((summary.purchase as { lines: unknown[][] }).lines.map((l) => l.slice(0, 4))).toEqual([
      ['[FURN_7777] Office Chair', 15, 15, 15],
      ['[FURN_6667] Acoustic Bloc Screens (Wood)', 5, 4, 5],
      ['[FURN_8855] Drawer', 4, 4, 4],
    ]);
    const receipts = summary.receipts as Array<{ state: string; moves: unknown[]; lots: unknown[] }>;
    expect(receipts.map((r) => r.state)).toEqual(['done', 'assigned']);
    expect(receipts[0]!.moves).toEqual([
      ['[FURN_7777] Office Chair', 15, 15, true, 'done'],
      ['[FURN_6667] Acoustic Bloc Screens (Wood)', 5, 4, true, 'done'],
      ['[FURN_8855] Drawer', 4, 4, true, 'done'],
    ]);
    expect(receipts[0]!.lots).toEqual([['LOT-EDI-0001', 4]]);
    expect(receipts[1]!.moves).toEqual([['[FURN_6667] Acoustic Bloc Screens (Wood)', 1, 1, false, 'assigned']]);
    expect(summary.bill).toEqual({ move_type: 'in_invoice', state: 'draft', ref: 'INV-WC-2026-001', partner: 'Wood Corner', amount_total: 3026.5 });
    expect(summary.pulled).toEqual([
      ['BWV-7731', 2000, 'Units'],
      ['BWF-5520', 50, 'Box of 100'],
      ['BWF-5531', 1000, 'Units'],
      ['BWF-5610', 25, 'Box of 100'],
      ['BWV-7702', 500, 'Units'],
    ]);
    results.set(`${serverVersion} ${protocol}`, summary);
  });
});

test('every version and protocol left the same records', () => {
  expect([...results.keys()]).toHaveLength(RUNS.length);
  const [first, ...rest] = [...results.values()];
  for (const r of rest) expect(r).toEqual(first);
});

/** A client that reads the version but then uses 18.0's names regardless, as a hard-coded one would. */
class EighteenOnlyClient extends OdooClient {
  override fieldNames(): Promise<OdooFieldNames> {
    return Promise.resolve(fieldNamesFor(18));
  }
}

describe('the differences are real', () => {
  const open: SandboxHandle[] = [];
  const start = async (serverVersion: string): Promise<SandboxHandle> => {
    const sb = await versionSandbox(serverVersion);
    open.push(sb);
    return sb;
  };
  afterAll(async () => {
    for (const sb of open) await sb.close();
  });

  test.each(['json2', 'jsonrpc'] as const)('19 (%s): product_uom on a sale line fails as an unknown field does on 18; nothing is created', async (protocol) => {
    const sb19 = await start('19.0');
    const sb18 = await start('18.0');
    const before = counts(sb19);
    const blind = new EighteenOnlyClient({ url: sb19.url, db: DB, login: LOGIN, apiKey: API_KEY, protocol, timeoutMs: 3000 });
    const err = await rejection(postOrder(order(), ctx(sb19, protocol, { partnerRef: 'CUST-ACME' }, blind)));
    expect(err).toBeInstanceOf(OdooRequestError);
    expect(err.message).toContain("Invalid field 'product_uom' on model 'sale.order.line'");
    // the delivery address is its own call before the order's; the order and its lines are not there
    expect({ ...counts(sb19), 'res.partner': 0 }).toEqual({ ...before, 'res.partner': 0 });

    // 18's answer to a field it does not have, for comparison: same class, same wording
    const on18 = await rejection(client(sb18, 'jsonrpc').create('sale.order', { partner_id: 10, order_line: [[0, 0, { product_id: 5, no_such_field: 1 }]] }));
    expect(on18).toBeInstanceOf(OdooRequestError);
    expect(on18.message).toContain("Invalid field 'no_such_field' on model 'sale.order.line'");
    expect((err as OdooRequestError).odooName).toBe('builtins.ValueError');
    expect((on18 as OdooRequestError).odooName).toBe('builtins.ValueError');

    const c19 = client(sb19, protocol);
    expect((await rejection(c19.searchRead('sale.order.line', [], { fields: ['product_uom'] }))).message).toContain("Invalid field 'product_uom' on model 'sale.order.line'");
    expect((await rejection(c19.searchRead('sale.order.line', [['product_uom', '=', 1]]))).message).toContain('Invalid field sale.order.line.product_uom in leaf');
    const fields19 = await c19.fieldsGet('sale.order.line', { attributes: ['type', 'relation'] });
    expect(fields19.product_uom_id).toEqual({ type: 'many2one', relation: 'uom.uom' });
    expect(fields19).not.toHaveProperty('product_uom');
    // the rename is the sale line's only: purchase lines and stock moves keep product_uom
    expect(await c19.searchCount('purchase.order.line', [['product_uom', '=', 15]])).toBe(2);
    const fields18 = await client(sb18, 'jsonrpc').fieldsGet('sale.order.line', { attributes: ['type'] });
    expect(fields18).toHaveProperty('product_uom');
    expect(fields18).not.toHaveProperty('product_uom_id');
  });

  test('17: no is_storable; stocked products are type product, which 18 refuses', async () => {
    const sb17 = await start('17.0');
    const sb18 = await start('18.0');
    const c17 = client(sb17, 'xmlrpc');
    const c18 = client(sb18, 'xmlrpc');
    // the seed (written with 18 names) was translated: the same products count as stocked
    const stocked17 = await c17.searchRead('product.product', (await c17.fieldNames()).storableProductDomain, { fields: ['default_code'], order: 'id' });
    const stocked18 = await c18.searchRead('product.product', (await c18.fieldNames()).storableProductDomain, { fields: ['default_code'], order: 'id' });
    expect(stocked17.length).toBeGreaterThan(10);
    expect(stocked17).toEqual(stocked18);
    expect((await c17.read('product.product', [5], ['type']))[0]).toEqual({ id: 5, type: 'product' });
    expect((await c17.read('product.product', [50], ['type']))[0]).toEqual({ id: 50, type: 'service' });

    const err = await rejection(c17.searchCount('product.product', fieldNamesFor(18).storableProductDomain));
    expect(err).toBeInstanceOf(OdooRequestError);
    expect(err.message).toContain("Invalid field product.product.is_storable in leaf ('is_storable', '=', True)");
    expect((await rejection(c17.create('product.product', { name: 'X', is_storable: true }))).message).toContain("Invalid field 'is_storable' on model 'product.product'");
    expect((await rejection(c18.create('product.product', { name: 'X', type: 'product' }))).message).toContain("Wrong value for product.product.type: 'product'");
    // a domain does not check selection values: 17's domain on 18 finds nothing, silently
    expect(await c18.searchCount('product.product', fieldNamesFor(17).storableProductDomain)).toBe(0);
    const type17 = await c17.fieldsGet('product.product', { attributes: ['selection'] });
    expect(type17.type).toEqual({ selection: [['consu', 'Consumable'], ['service', 'Service'], ['product', 'Storable Product']] });
    expect(type17).not.toHaveProperty('is_storable');
    // 17 has the stock fields of 18
    expect(Object.keys(await c17.fieldsGet('stock.move.line', { attributes: ['type'] }))).toEqual(expect.arrayContaining(['quantity', 'picked']));
    expect(Object.keys(await c17.fieldsGet('stock.move', { attributes: ['type'] }))).toEqual(expect.arrayContaining(['quantity', 'picked']));
  });

  test('JSON-2 only from 19: 17 and 18 answer 303 to /web/login; 19 still answers JSON-RPC and XML-RPC', async () => {
    for (const v of ['17.0', '18.0']) {
      const sb = await start(v);
      const res = await fetch(`${sb.url}/json/2/res.partner/search_read`, {
        method: 'POST',
        headers: { Authorization: `bearer ${API_KEY}`, 'Content-Type': 'application/json' },
        body: '{}',
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/web/login?redirect=%2Fjson%2F2%2Fres.partner%2Fsearch_read');
      expect(await rejection(client(sb, 'json2').searchRead('res.partner', []))).toBeInstanceOf(OdooProtocolError);
    }
    const sb19 = await start('19.0');
    for (const protocol of ['json2', 'jsonrpc', 'xmlrpc'] as const) {
      expect(await client(sb19, protocol).searchCount('res.partner', [['ref', '=', 'SUP-WOOD']])).toBe(1);
    }
  });

  test('16 and other unmodelled versions are refused; 18 uses the 18.0 models unchanged', async () => {
    await expect(versionSandbox('16.0')).rejects.toThrow('the Odoo sandbox models Odoo 17, 18, 19, not 16');
    await expect(versionSandbox('20.0')).rejects.toThrow(/not 20/);
    const models18 = modelsForVersion(MODELS, 18);
    models18.forEach((m, i) => expect(m).toBe(MODELS[i]));
    // the 17/19 models are copies: building them leaves the 18.0 definitions as they were
    modelsForVersion(MODELS, 19);
    modelsForVersion(MODELS, 17);
    expect(Object.keys(MODELS.find((m) => m.name === 'sale.order.line')!.fields)).toContain('product_uom');
    expect(Object.keys(MODELS.find((m) => m.name === 'product.product')!.fields)).toContain('is_storable');
  });
});

test('odoo-sandbox command: --server-version picks the behaviour and the protocols it announces', async () => {
  const { runOdooSandbox, parseSandboxArgs } = await import('../../src/odoo/sandbox/cli');
  expect(parseSandboxArgs([])).toEqual({ port: 8069, host: '127.0.0.1', db: 'edi', login: 'admin' });
  expect(() => parseSandboxArgs(['--server-version', 'nineteen'])).toThrow(/--server-version/);
  for (const [version, protocols] of [
    ['19.0', 'protocols: jsonrpc, xmlrpc, json2'],
    ['17.0', 'protocols: jsonrpc, xmlrpc)'],
  ] as const) {
    const lines: string[] = [];
    const ac = new AbortController();
    const done = runOdooSandbox(['--port', '0', '--server-version', version], { out: (l) => lines.push(l), env: { ODOO_PASSWORD: PASSWORD, ODOO_API_KEY: API_KEY }, signal: ac.signal });
    while (!lines.length) await new Promise((r) => setTimeout(r, 5));
    expect(lines[0]).toContain(`Odoo ${version.slice(0, 2)},`);
    expect(lines[0]).toContain(protocols);
    const url = /listening on (\S+)/.exec(lines[0]!)![1]!;
    expect((await new OdooClient({ url, db: DB, login: LOGIN, apiKey: API_KEY, protocol: 'jsonrpc' }).version()).serverVersion).toBe(version);
    ac.abort();
    expect(await done).toBe(0);
  }
});
