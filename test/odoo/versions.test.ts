/**
 * Odoo 17, 18 and 19: the sandbox behaves as the version it reports (field names, units of measure,
 * JSON-2), and the posters, through the client's `fieldNames()`, leave the same records in each, over
 * real HTTP with the protocols each version has (17/18: JSON-RPC, XML-RPC; 19: JSON-2, JSON-RPC).
 */
import type { Envelope } from '../../src/canonical/envelope';
import { fieldNamesFor, OdooClient, OdooProtocolError, OdooRequestError, type OdooFieldNames, type OdooProtocol } from '../../src/odoo';
import { BusinessError, createPostContext, postOrder, postOrderResponse, postShipNotice, postInvoice, type PostContextInit, type PostContext } from '../../src/odoo/post';
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

function ctx(sb: SandboxHandle, protocol: OdooProtocol, settings: PostContextInit['settings'], c: OdooClient = client(sb, protocol), uomCodes?: Record<string, string>): PostContext {
  return createPostContext({ client: c, settings, ...(uomCodes ? { uomCodes } : {}) });
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

/** The sample ship notice with line 1's 15 chairs sent as a dozen and three units: the receipt must still get 15. */
function dozenShipNotice() {
  const s = shipNotice();
  const [first, ...rest] = s.orders[0]!.lines;
  return shipNotice({ orders: [{ ...s.orders[0]!, lines: [{ ...first!, quantityShipped: 1, uom: 'DZN' }, { ...first!, quantityShipped: 3 }, ...rest] }] });
}

/** The sample invoice with line 1's 15 chairs billed as a dozen (at 12 × 79.8) and three units: same total. */
function dozenInvoice() {
  const inv = invoice();
  const [first, ...rest] = inv.lines!;
  return invoice({ lines: [{ ...first!, quantity: 1, uom: 'DZN', unitPrice: 957.6 }, { ...first!, quantity: 3 }, ...rest] });
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
  const receipt = await postShipNotice(dozenShipNotice(), wood);
  const bill = (await postInvoice(invoice(), wood))[0]!;

  const after = counts(sb);
  expect((await postOrder(dozenOrder(), rerun(acme))).find((r) => r.model === 'sale.order')).toMatchObject({ id: so.id, action: 'unchanged' });
  expect((await postOrderResponse(orderResponse(), rerun(wood)))[0]).toMatchObject({ id: 1, action: 'unchanged' });
  expect((await postShipNotice(dozenShipNotice(), rerun(wood)))[0]).toMatchObject({ id: receipt[0]!.id, action: 'unchanged' });
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

/** The bill lines of a vendor bill, in version-free terms. */
function billLines(sb: SandboxHandle, billId: number): unknown[] {
  return sb.data.records('account.move.line', [['move_id', '=', billId], ['display_type', '=', 'product']]).map((l) => [m2o(l.product_id), l.quantity, m2o(l.product_uom_id), l.price_unit]);
}

/** A unit of two dozens, made the way the version makes units (18's category and ratio, 19's reference unit). */
async function twoDozens(sb: SandboxHandle, c: OdooClient): Promise<number> {
  return sb.major >= 19
    ? c.create('uom.uom', { name: 'Case of 24', relative_uom_id: 2, relative_factor: 2 })
    : c.create('uom.uom', { name: 'Case of 24', category_id: 1, uom_type: 'bigger', factor: 1 / 24 });
}

const unitResults = new Map<number, unknown>();

describe.each(VERSIONS)('units of measure on Odoo $serverVersion', ({ serverVersion, major, protocols }) => {
  const protocol = protocols[0]!;
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await versionSandbox(serverVersion);
  });
  afterEach(async () => {
    await sb.close();
  });

  test('dozens convert to the purchase line unit: a bill and a ship notice in dozens check and book the same quantities', async () => {
    const wood = ctx(sb, protocol, { partnerRef: 'SUP-WOOD' });
    // 2 dozens are 24 chairs of the 15 ordered: refused on the converted quantity, not on "2"
    const overBill = await rejection(postInvoice(invoice({ lines: [{ lineNumber: '1', quantity: 2, uom: 'DZN', unitPrice: 957.6, itemIds: { buyer: 'FURN_7777' } }], totalAmount: 1915.2 }), wood));
    expect(overBill).toBeInstanceOf(BusinessError);
    expect(overBill).toMatchObject({ code: 'quantity_over_tolerance' });
    expect(overBill.message).toContain('[FURN_7777] Office Chair invoiced 24, ordered 15 on P00001');
    const overShip = await rejection(postShipNotice(shipNotice({ orders: [{ orderNumber: 'P00001', lines: [{ lineNumber: '1', quantityShipped: 2, uom: 'DZN', itemIds: { buyer: 'FURN_7777' } }] }] }), wood));
    expect(overShip).toMatchObject({ code: 'quantity_over_tolerance' });
    expect(overShip.message).toContain('[FURN_7777] Office Chair (line 1) shipped 24, ordered 15');
    // a unit two levels down the tree in 19 (Units → Dozens → Case of 24), one ratio in 18
    const caseId = await twoDozens(sb, client(sb, protocol));
    const overCase = await rejection(postInvoice(invoice({ lines: [{ lineNumber: '1', quantity: 1, uom: 'CS', unitPrice: 1915.2, itemIds: { buyer: 'FURN_7777' } }], totalAmount: 1915.2 }), ctx(sb, protocol, { partnerRef: 'SUP-WOOD' }, undefined, { CS: 'Case of 24' })));
    expect(overCase.message).toContain('[FURN_7777] Office Chair invoiced 24, ordered 15 on P00001');
    expect(sb.data.count('account.move')).toBe(0);

    // a dozen and three units are the 15 ordered: booked as sent, the receipt gets 15 chairs
    const bill = (await postInvoice(dozenInvoice(), wood))[0]!;
    expect(bill).toMatchObject({ action: 'created' });
    expect(sb.data.record('account.move', bill.id)).toMatchObject({ amount_total: 3026.5 });
    const receipt = (await postShipNotice(dozenShipNotice(), wood))[0]!;
    const moves = sb.data.records('stock.move', [['picking_id', '=', receipt.id]]).map((m) => [m2o(m.product_id), m.quantity, m2o(m.product_uom)]);
    expect(moves[0]).toEqual(['[FURN_7777] Office Chair', 15, 'Units']);
    unitResults.set(major, { bill: billLines(sb, bill.id), moves, caseFactor: sb.data.record('uom.uom', caseId)!.factor });
  });

  test('a unit of another family is refused, naming it: kg for a product counted in Units', async () => {
    const acme = ctx(sb, protocol, { partnerRef: 'CUST-ACME' });
    const wood = ctx(sb, protocol, { partnerRef: 'SUP-WOOD' });
    const before = sb.data.count('sale.order');
    const onOrder = await rejection(postOrder(order({ lines: [{ lineNumber: '1', quantity: 5, uom: 'KG', unitPrice: 110, itemIds: { vendor: 'FURN_7777' } }] }), acme));
    expect(onOrder).toBeInstanceOf(BusinessError);
    expect(onOrder).toMatchObject({ code: 'unknown_uom' });
    expect(onOrder.message).toContain('unit "KG" (kg) does not fit product [FURN_7777] Office Chair, which is counted in Units');
    expect(sb.data.count('sale.order')).toBe(before);
    const onBill = await rejection(postInvoice(invoice({ lines: [{ lineNumber: '1', quantity: 15, uom: 'KGM', unitPrice: 79.8, itemIds: { buyer: 'FURN_7777' } }], totalAmount: 1197 }), wood));
    expect(onBill).toMatchObject({ code: 'unknown_uom' });
    expect(onBill.message).toContain('unit "KGM" (kg) does not fit product [FURN_7777] Office Chair, which is counted in Units');
    const onReceipt = await rejection(postShipNotice(shipNotice({ orders: [{ orderNumber: 'P00001', lines: [{ lineNumber: '1', quantityShipped: 15, uom: 'KG' }] }] }), wood));
    expect(onReceipt).toMatchObject({ code: 'unknown_uom' });
    expect(onReceipt.message).toContain('unit "KG" (kg) does not fit product [FURN_7777] Office Chair, which is counted in Units');
    // the same family is fine: grams for the sugar counted in kg
    const sugar = await postOrder(order({ orderNumber: 'PO-ACME-1002', lines: [{ lineNumber: '1', quantity: 500, uom: 'GRM', unitPrice: 0.0021, itemIds: { vendor: 'SUGAR-KG' } }] }), acme);
    const so = sugar.find((r) => r.model === 'sale.order')!;
    expect(sb.data.records('sale.order.line', [['order_id', '=', so.id]]).map((l) => [l.product_uom_qty, m2o(l[saleUom(major)])])).toEqual([[500, 'g']]);
  });
});

test('every version converted dozens alike', () => {
  expect([...unitResults.keys()]).toEqual([17, 18, 19]);
  const [first, ...rest] = [...unitResults.values()];
  expect(first).toMatchObject({
    bill: [
      ['[FURN_7777] Office Chair', 1, 'Dozens', 957.6],
      ['[FURN_7777] Office Chair', 3, 'Units', 79.8],
      ['[FURN_6667] Acoustic Bloc Screens (Wood)', 5, 'Units', 286.7],
      ['[FURN_8855] Drawer', 4, 'Units', 99],
    ],
  });
  // the two-dozen case is the one thing that differs: Odoo's factor means the opposite in 19
  const noFactor = (r: unknown): unknown => ({ ...(r as Record<string, unknown>), caseFactor: undefined });
  for (const r of rest) expect(noFactor(r)).toEqual(noFactor(first));
  expect([...unitResults.values()].map((r) => (r as { caseFactor: number }).caseFactor)).toEqual([1 / 24, 1 / 24, 24]);
});

/** That a call failed as Odoo fails on a field the version does not have: a ValueError saying `text`. */
async function unknown(p: Promise<unknown>, text: string): Promise<void> {
  const e = await rejection(p);
  expect(e).toBeInstanceOf(OdooRequestError);
  expect((e as OdooRequestError).odooName).toBe('builtins.ValueError');
  expect(e.message).toContain(text);
}

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

  test.each(['json2', 'jsonrpc'] as const)('19 (%s): a client using 18.0 names fails as on any unknown field; nothing is created', async (protocol) => {
    const sb19 = await start('19.0');
    const sb18 = await start('18.0');
    const before = counts(sb19);
    const blind = new EighteenOnlyClient({ url: sb19.url, db: DB, login: LOGIN, apiKey: API_KEY, protocol, timeoutMs: 3000 });
    // the order poster reads units before it writes the order: 18's category_id is the first to fail
    const err = await rejection(postOrder(order(), ctx(sb19, protocol, { partnerRef: 'CUST-ACME' }, blind)));
    expect(err).toBeInstanceOf(OdooRequestError);
    expect(err.message).toContain("Invalid field 'category_id' on model 'uom.uom'");
    // the supplier-side posters and the pull read the purchase lines' unit first
    const wood = ctx(sb19, protocol, { partnerRef: 'SUP-WOOD', validateReceipts: true }, blind);
    const bolt = ctx(sb19, protocol, { partnerRef: 'BOLT-SUPPLY' }, blind);
    for (const attempt of [postShipNotice(shipNotice(), wood), postInvoice(invoice(), wood), purchaseOrderAsOrder(bolt, 3, 'bolt-supply', ENVELOPE)]) {
      const e = await rejection(attempt);
      expect(e).toBeInstanceOf(OdooRequestError);
      expect(e.message).toContain("Invalid field 'product_uom' on model 'purchase.order.line'");
    }
    // the delivery address is its own call before the order's; nothing else is there
    expect({ ...counts(sb19), 'res.partner': 0 }).toEqual({ ...before, 'res.partner': 0 });
    expect(sb19.data.records('stock.move', [['picking_id', '=', 1]]).map((m) => m.picked)).toEqual([false, false, false]);

    // 18's answer to a field it does not have, for comparison: same class, same wording
    const on18 = await rejection(client(sb18, 'jsonrpc').create('sale.order', { partner_id: 10, order_line: [[0, 0, { product_id: 5, no_such_field: 1 }]] }));
    expect(on18).toBeInstanceOf(OdooRequestError);
    expect(on18.message).toContain("Invalid field 'no_such_field' on model 'sale.order.line'");
    expect((err as OdooRequestError).odooName).toBe('builtins.ValueError');
    expect((on18 as OdooRequestError).odooName).toBe('builtins.ValueError');

    const c19 = client(sb19, protocol);
    await unknown(c19.create('sale.order', { partner_id: 10, order_line: [[0, 0, { product_id: 5, product_uom: 1 }]] }), "Invalid field 'product_uom' on model 'sale.order.line'");
    await unknown(c19.searchRead('sale.order.line', [], { fields: ['product_uom'] }), "Invalid field 'product_uom' on model 'sale.order.line'");
    await unknown(c19.searchRead('sale.order.line', [['product_uom', '=', 1]]), 'Invalid field sale.order.line.product_uom in leaf');
    await unknown(c19.searchRead('purchase.order.line', [], { fields: ['product_uom'] }), "Invalid field 'product_uom' on model 'purchase.order.line'");
    await unknown(c19.write('purchase.order.line', [1], { product_uom: 2 }), "Invalid field 'product_uom' on model 'purchase.order.line'");
    await unknown(c19.searchCount('purchase.order.line', [['product_uom', '=', 15]]), 'Invalid field purchase.order.line.product_uom in leaf');
    await unknown(c19.read('uom.uom', [2], ['category_id']), "Invalid field 'category_id' on model 'uom.uom'");
    await unknown(c19.write('uom.uom', [2], { category_id: 1 }), "Invalid field 'category_id' on model 'uom.uom'");
    await unknown(c19.create('uom.uom', { name: 'Pair', category_id: 1, factor: 0.5 }), "Invalid field 'category_id' on model 'uom.uom'");
    await unknown(c19.searchCount('uom.uom', [['category_id', '=', 1]]), 'Invalid field uom.uom.category_id in leaf');
    await unknown(c19.read('uom.uom', [2], ['uom_type']), "Invalid field 'uom_type' on model 'uom.uom'");
    // no uom.category model at all: the answer for any model the server does not have
    const noCategory = await rejection(c19.searchRead('uom.category', []));
    const noModel = await rejection(client(sb18, 'jsonrpc').searchRead('no.such.model', []));
    expect(noCategory.constructor).toBe(noModel.constructor);
    expect(noCategory.message).toContain("Object uom.category doesn't exist");
    expect(await client(sb18, 'jsonrpc').searchCount('uom.category', [])).toBe(2);

    const fields19 = await c19.fieldsGet('sale.order.line', { attributes: ['type', 'relation'] });
    expect(fields19.product_uom_id).toEqual({ type: 'many2one', relation: 'uom.uom' });
    expect(fields19).not.toHaveProperty('product_uom');
    const po19 = await c19.fieldsGet('purchase.order.line', { attributes: ['type', 'relation'] });
    expect(po19.product_uom_id).toEqual({ type: 'many2one', relation: 'uom.uom' });
    expect(po19).not.toHaveProperty('product_uom');
    expect(await c19.searchCount('purchase.order.line', [['product_uom_id', '=', 15]])).toBe(2);
    // stock moves keep product_uom in 19, and the receipts took the purchase lines' unit
    expect(await c19.searchCount('stock.move', [['product_uom', '=', 15]])).toBe(2);
    const fields18 = await client(sb18, 'jsonrpc').fieldsGet('sale.order.line', { attributes: ['type'] });
    expect(fields18).toHaveProperty('product_uom');
    expect(fields18).not.toHaveProperty('product_uom_id');
  });

  test('19: units form a tree (relative_uom_id, relative_factor), factor is the absolute quantity, parent_path leads to the root', async () => {
    const sb19 = await start('19.0');
    const sb18 = await start('18.0');
    const c19 = client(sb19, 'json2');
    const c18 = client(sb18, 'jsonrpc');
    const uom19 = await c19.fieldsGet('uom.uom', { attributes: ['type', 'string'] });
    expect(uom19).toMatchObject({
      relative_uom_id: { type: 'many2one', string: 'Reference Unit' },
      relative_factor: { type: 'float', string: 'Contains' },
      factor: { type: 'float', string: 'Absolute Quantity' },
      parent_path: { type: 'char' },
    });
    expect(uom19).not.toHaveProperty('category_id');
    expect(uom19).not.toHaveProperty('uom_type');
    expect(await c18.fieldsGet('uom.uom', { attributes: ['type'] })).not.toHaveProperty('relative_uom_id');

    // the seed (written with 18's categories) was translated: each unit hangs from its category's reference unit
    const tree = await c19.searchRead('uom.uom', [], { fields: ['name', 'relative_uom_id', 'relative_factor', 'factor', 'parent_path'], order: 'id' });
    expect(tree.map((u) => [u.name, m2o(u.relative_uom_id), u.relative_factor, u.factor, u.parent_path])).toEqual([
      ['Units', false, 1, 1, '1/'],
      ['Dozens', 'Units', 12, 12, '1/2/'],
      ['kg', false, 1, 1, '12/'],
      ['g', 'kg', 0.001, 0.001, '12/13/'],
      ['Case of 12', 'Units', 12, 12, '1/14/'],
      ['Box of 100', 'Units', 100, 100, '1/15/'],
    ]);
    expect((await c18.read('uom.uom', [2], ['factor', 'category_id']))[0]).toEqual({ id: 2, factor: 0.08333333333333333, category_id: [1, 'Unit'] });
    // the category xmlids went with the categories; the units' stayed
    expect(await c19.searchCount('ir.model.data', [['name', '=', 'product_uom_categ_unit']])).toBe(0);
    expect(await c19.searchRead('ir.model.data', [['name', '=', 'product_uom_dozen']], { fields: ['model', 'res_id'] })).toEqual([expect.objectContaining({ model: 'uom.uom', res_id: 2 })]);

    // factor follows the chain; a unit without a reference must contain exactly 1
    const pack = await c19.create('uom.uom', { name: 'Pack of 6', relative_uom_id: 1, relative_factor: 6 });
    const crate = await c19.create('uom.uom', { name: 'Crate of 4 packs', relative_uom_id: pack, relative_factor: 4 });
    expect((await c19.read('uom.uom', [crate], ['factor', 'parent_path']))[0]).toEqual({ id: crate, factor: 24, parent_path: `1/${pack}/${crate}/` });
    await c19.write('uom.uom', [pack], { relative_factor: 5 });
    expect((await c19.read('uom.uom', [crate], ['factor']))[0]).toEqual({ id: crate, factor: 20 });
    expect(await c19.searchCount('uom.uom', [['parent_path', '=like', '1/%']])).toBe(6);
    const missing = await rejection(c19.create('uom.uom', { name: 'Stray', relative_factor: 3 }));
    expect(missing.message).toContain('Reference unit of measure is missing.');
  });

  test.each(['json2', 'jsonrpc'] as const)('19 (%s): order lines keep their taxes in tax_ids, products have no purchase unit; tax_id, taxes_id and uom_po_id fail as unknown fields', async (protocol) => {
    const c19 = client(await start('19.0'), protocol);
    // a sale line takes the product's customer taxes unless sent its own, as 18's tax_id did
    const so = await c19.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 5, product_uom_qty: 2 }], [0, 0, { product_id: 5, tax_ids: [[6, 0, []]] }]] });
    const saleLines = (await c19.read('sale.order', [so], ['order_line']))[0]!.order_line as number[];
    expect((await c19.read('sale.order.line', saleLines, ['tax_ids'])).map((l) => l.tax_ids)).toEqual([[1], []]);
    // 2 × 120.5 at 15 % and 120.5 untaxed
    expect((await c19.read('sale.order', [so], ['amount_tax', 'amount_total']))[0]).toMatchObject({ amount_tax: 36.15, amount_total: 397.65 });
    await c19.write('sale.order.line', [saleLines[0]!], { tax_ids: [[6, 0, []]] });
    expect((await c19.read('sale.order', [so], ['amount_tax', 'amount_total']))[0]).toMatchObject({ amount_tax: 0, amount_total: 361.5 });
    await c19.write('sale.order.line', saleLines, { tax_ids: [[4, 1]] });
    expect(await c19.searchCount('sale.order.line', [['id', 'in', saleLines], ['tax_ids', 'in', [1]]])).toBe(2);
    // a purchase line's taxes as sent, and its unit the product's (the hex nut's 18 purchase unit was the box)
    const po = await c19.create('purchase.order', { partner_id: 36, order_line: [[0, 0, { product_id: 82, product_qty: 500, tax_ids: [[6, 0, [2]]] }]] });
    const poLines = (await c19.read('purchase.order', [po], ['order_line', 'amount_tax']))[0]!;
    expect((await c19.read('purchase.order.line', poLines.order_line as number[], ['tax_ids', 'product_uom_id', 'price_unit']))[0]).toMatchObject({ tax_ids: [2], product_uom_id: [1, 'Units'], price_unit: 0.124 });
    expect(poLines.amount_tax).toBe(9.3);

    await unknown(c19.read('sale.order.line', saleLines, ['tax_id']), "Invalid field 'tax_id' on model 'sale.order.line'");
    await unknown(c19.write('sale.order.line', saleLines, { tax_id: [[6, 0, []]] }), "Invalid field 'tax_id' on model 'sale.order.line'");
    await unknown(c19.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 5, tax_id: [[6, 0, []]] }]] }), "Invalid field 'tax_id' on model 'sale.order.line'");
    await unknown(c19.searchCount('sale.order.line', [['tax_id', '=', 1]]), 'Invalid field sale.order.line.tax_id in leaf');
    await unknown(c19.read('purchase.order.line', [1], ['taxes_id']), "Invalid field 'taxes_id' on model 'purchase.order.line'");
    await unknown(c19.create('purchase.order.line', { order_id: po, product_id: 5, taxes_id: [] }), "Invalid field 'taxes_id' on model 'purchase.order.line'");
    await unknown(c19.read('product.product', [82], ['uom_po_id']), "Invalid field 'uom_po_id' on model 'product.product'");
    await unknown(c19.write('product.product', [82], { uom_po_id: 15 }), "Invalid field 'uom_po_id' on model 'product.product'");
    await unknown(c19.create('product.product', { name: 'Bolt', uom_po_id: 1 }), "Invalid field 'uom_po_id' on model 'product.product'");
    await unknown(c19.searchCount('product.product', [['uom_po_id', '=', 15]]), 'Invalid field product.product.uom_po_id in leaf');
    const meta = async (model: string) => Object.keys(await c19.fieldsGet(model, { attributes: ['type'] }));
    expect(await meta('sale.order.line')).toEqual(expect.arrayContaining(['tax_ids']));
    expect(await meta('sale.order.line')).not.toContain('tax_id');
    expect(await meta('purchase.order.line')).toEqual(expect.arrayContaining(['tax_ids']));
    expect(await meta('purchase.order.line')).not.toContain('taxes_id');
    expect(await meta('product.product')).not.toContain('uom_po_id');
  });

  test.each(['17.0', '18.0-20250702'])('%s: sale lines have tax_id, purchase lines taxes_id and products uom_po_id; tax_ids is unknown on order lines', async (serverVersion) => {
    const c = client(await start(serverVersion), 'jsonrpc');
    const so = await c.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 5, product_uom_qty: 2 }], [0, 0, { product_id: 5, tax_id: [[6, 0, []]] }]] });
    const saleLines = (await c.read('sale.order', [so], ['order_line']))[0]!.order_line as number[];
    expect((await c.read('sale.order.line', saleLines, ['tax_id'])).map((l) => l.tax_id)).toEqual([[1], []]);
    expect((await c.read('sale.order', [so], ['amount_tax', 'amount_total']))[0]).toMatchObject({ amount_tax: 36.15, amount_total: 397.65 });
    const po = await c.create('purchase.order', { partner_id: 36, order_line: [[0, 0, { product_id: 82, product_qty: 5, taxes_id: [[6, 0, [2]]] }]] });
    const poLines = (await c.read('purchase.order', [po], ['order_line']))[0]!.order_line as number[];
    expect((await c.read('purchase.order.line', poLines, ['taxes_id', 'product_uom', 'price_unit']))[0]).toMatchObject({ taxes_id: [2], product_uom: [15, 'Box of 100'], price_unit: 12.4 });
    expect((await c.read('product.product', [82], ['uom_po_id']))[0]!.uom_po_id).toEqual([15, 'Box of 100']);
    await unknown(c.read('sale.order.line', saleLines, ['tax_ids']), "Invalid field 'tax_ids' on model 'sale.order.line'");
    await unknown(c.write('purchase.order.line', poLines, { tax_ids: [[6, 0, []]] }), "Invalid field 'tax_ids' on model 'purchase.order.line'");
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
    expect(Object.keys(MODELS.find((m) => m.name === 'purchase.order.line')!.fields)).toEqual(expect.arrayContaining(['product_uom', 'taxes_id']));
    expect(Object.keys(MODELS.find((m) => m.name === 'sale.order.line')!.fields)).toContain('tax_id');
    expect(Object.keys(MODELS.find((m) => m.name === 'product.product')!.fields)).toContain('uom_po_id');
    expect(Object.keys(MODELS.find((m) => m.name === 'uom.uom')!.fields)).toEqual(['name', 'category_id', 'uom_type', 'factor', 'rounding', 'active', 'create_uid', 'create_date', 'write_uid', 'write_date']);
    expect(MODELS.find((m) => m.name === 'uom.uom')!.order).toBe('factor DESC, id');
    expect(MODELS.some((m) => m.name === 'uom.category')).toBe(true);
    expect(modelsForVersion(MODELS, 19).some((m) => m.name === 'uom.category')).toBe(false);
    expect(modelsForVersion(MODELS, 17).find((m) => m.name === 'uom.uom')).toBe(MODELS.find((m) => m.name === 'uom.uom'));
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
