/**
 * Ship notices to customers: a delivery of a customer's EDI order validated in Odoo is announced with an
 * 856 / DESADV exactly once, each line by the customer's own line number with what went out; a backorder
 * validated later gets a notice of its own with the rest. Real ledger file, dir channels, the Odoo sandbox
 * over JSON-RPC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../../src/canonical/envelope';
import type { Order } from '../../src/canonical/order';
import { validateBuffer } from '../../src/edi/validate';
import { OdooClient } from '../../src/odoo/client';
import { createPostContext, ResolveCache } from '../../src/odoo/post';
import { deliveryAsShipNotice } from '../../src/odoo/pull/delivery';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { exportFromOdoo } from '../../src/pipeline/export-all';
import { exportRig, mainWarehouseAtCompany, n1Loops, setCompany, warehouse, type ExportRig } from '../support/export-rig';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** A gateway exporting what the service exports from the sandbox, with the shipped partners (`partnerYaml` edits some). */
function rig(partnerYaml: Record<string, (text: string) => string> = {}): Promise<ExportRig> {
  return exportRig({ exports: [exportFromOdoo], ready: ['export.since.northgate.stock.picking', 'export.since.nordhaven.stock.picking'], partnerYaml });
}

/** The delivery of the sale order booked for the customer's order `ref` that is still open. */
async function openDelivery(client: OdooClient, ref: string): Promise<{ id: number; name: string; moves: Array<{ id: number; demand: number }> }> {
  const [picking] = await client.searchRead(
    'stock.picking',
    [
      ['sale_id.client_order_ref', '=', ref],
      ['picking_type_code', '=', 'outgoing'],
      ['state', 'not in', ['done', 'cancel']],
    ],
    { fields: ['id', 'name'] },
  );
  if (!picking) throw new Error(`no open delivery for ${ref}`);
  const moves = await client.searchRead('stock.move', [['picking_id', '=', picking.id]], { fields: ['id', 'product_uom_qty'], order: 'id' });
  return { id: picking.id, name: String(picking.name), moves: moves.map((m) => ({ id: m.id, demand: Number(m.product_uom_qty) })) };
}

/** Pick the given quantities (move id → quantity; the demand for the others) and validate, keeping a backorder for the rest as Odoo's wizard does. */
async function ship(client: OdooClient, picking: { id: number; moves: Array<{ id: number; demand: number }> }, quantities: Record<number, number> = {}): Promise<void> {
  for (const m of picking.moves) await client.write('stock.move', [m.id], { quantity: quantities[m.id] ?? m.demand, picked: true });
  const res = (await client.call('stock.picking', 'button_validate', [[picking.id]])) as true | { res_model: string; context: Record<string, unknown> };
  if (res === true) return;
  expect(res.res_model).toBe('stock.backorder.confirmation');
  const wizard = await client.create('stock.backorder.confirmation', {}, { context: res.context });
  await client.call('stock.backorder.confirmation', 'process', [[wizard]], { context: res.context });
}

/** The LIN/SN1 pairs of an 856: [line number, quantity, unit]. */
function shippedLines(text: string): string[][] {
  return [...text.matchAll(/LIN\*([^*~]*)\*[^~]*~\s*SN1\*[^*~]*\*([^*~]*)\*([^*~]*)/g)].map((m) => [m[1]!, m[2]!, m[3]!]);
}

type Rig = Awaited<ReturnType<typeof rig>>;

/** Brightwater Valve and Fitting Co.'s address: who we are towards the X12 customers. */
const BRIGHTWATER = { street: '250 Executive Park Blvd', city: 'San Francisco', zip: '94134', country_id: 233 };

describe('ship notices to customers', () => {
  let r: Rig;
  afterEach(async () => r && (await r.stop()));

  it('a partly shipped delivery is announced with an 856 by the customer line numbers, exactly once; its backorder with the rest', async () => {
    r = await rig();
    await setCompany(r.client, 'Brightwater Valve and Fitting Co.', BRIGHTWATER);
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 920, count: 1 }));
    await until(() => r.sent('northgate', 'ST*855*').length === 1, 20_000, 'the order confirmed and answered');
    expect(r.sent('northgate', 'ST*856*')).toEqual([]);

    // The warehouse has only 100 of the 120 valves of line 1: the rest stays as a backorder.
    const delivery = await openDelivery(r.client, 'PO-920-0');
    expect(delivery.moves).toHaveLength(6);
    await ship(r.client, delivery, { [delivery.moves[0]!.id]: 100 });
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*856*').length === 1, 15_000, 'the first 856');
    const [first] = r.sent('northgate', 'ST*856*');
    expect(validateBuffer(Buffer.from(first!, 'latin1')).errors).toEqual([]);
    expect(first).toMatch(new RegExp(`BSN\\*00\\*${delivery.name.replace(/\//g, '\\/')}\\*\\d{8}\\*\\d{4}\\*0004~`));
    expect(first).toMatch(/PRF\*PO-920-0~/);
    // Where the goods go, as the customer named it on the order; the buyer, which the order does not
    // name, from Odoo; us as supplier and ship-from, by our interchange id, with the company's address.
    expect(n1Loops(first!)).toEqual([
      'N1*BY*Northgate Industrial Distribution~N3*PO Box 1187~N4*Dublin**43017*US',
      'N1*ST*NORTHGATE DC COLUMBUS*92*DC07~N3*4200 LOGISTICS PKWY*DOCK 14~N4*GROVEPORT*OH*43125*US',
      'N1*SU*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
      'N1*SF*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
    ]);
    expect(shippedLines(first!)).toEqual([
      ['1', '100', 'EA'],
      ['2', '60', 'EA'],
      ['3', '24', 'EA'],
      ['4', '200', 'EA'],
      ['5', '500', 'EA'],
      ['6', '36', 'CA'],
    ]);
    expect(first).toMatch(/LIN\*1\*BP\*100234\*VP\*BV-050-NPT~/);
    // Named by the order number: the dashboard's Find shows it beside the order; the customer owes a 997.
    expect(r.ledger.findByNumber('PO-920-0', ['northgate']).messages.map((m) => m.messageType).sort()).toEqual(['855', '856']);
    expect(r.ledger.expectedAckList().filter((a) => a.messageType === '856')).toHaveLength(1);
    const notes = () => r.sandbox.data.records('mail.message', [['model', '=', 'stock.picking']]).map((n) => String(n.body)).filter((b) => b.includes('EDI 856 queued for Northgate'));
    await until(() => notes().length === 1);

    // Another run sends nothing again (a second one would be queued in the ledger during the run).
    const notices = () => r.ledger.findByNumber('PO-920-0', ['northgate']).messages.filter((m) => m.messageType === '856');
    await r.exportOnce();
    expect(notices()).toHaveLength(1);
    expect(r.sent('northgate', 'ST*856*')).toHaveLength(1);

    // The 20 missing valves go out later: a second notice with just those.
    const backorder = await openDelivery(r.client, 'PO-920-0');
    expect(backorder.name).not.toBe(delivery.name);
    await ship(r.client, backorder);
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*856*').length === 2, 15_000, 'the second 856');
    const second = r.sent('northgate', 'ST*856*').find((t) => t.includes(`BSN*00*${backorder.name}*`));
    expect(second).toBeDefined();
    expect(validateBuffer(Buffer.from(second!, 'latin1')).errors).toEqual([]);
    expect(second).toMatch(/PRF\*PO-920-0~/);
    expect(shippedLines(second!)).toEqual([['1', '20', 'EA']]);
    await r.exportOnce();
    expect(notices()).toHaveLength(2);
    expect(r.sent('northgate', 'ST*856*')).toHaveLength(2);
  });

  it('to a customer that gets notices of every order (orders: all), a delivery of an order that did not come by EDI names the buyer and the delivery address as Odoo has them', async () => {
    r = await rig({ northgate: (text) => text.replace('messageType: 856 }', 'messageType: 856, orders: all }') });
    await setCompany(r.client, 'Brightwater Valve and Fitting Co.', BRIGHTWATER);
    // Typed in Odoo: the customer's order number, delivered to their Columbus DC (a delivery contact).
    const so = await r.client.create('sale.order', { partner_id: 30, partner_shipping_id: 31, client_order_ref: 'NG-PHONE-1', order_line: [[0, 0, { product_id: 60, product_uom_qty: 4 }]] });
    await r.client.call('sale.order', 'action_confirm', [[so]]);
    await ship(r.client, await openDelivery(r.client, 'NG-PHONE-1'));
    await r.exportOnce();
    await until(() => r.sent('northgate', 'PRF*NG-PHONE-1~').length === 1, 15_000, 'the 856');
    const [text] = r.sent('northgate', 'PRF*NG-PHONE-1~');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    expect(n1Loops(text!)).toEqual([
      'N1*BY*Northgate Industrial Distribution~N3*PO Box 1187~N4*Dublin**43017*US',
      'N1*ST*NORTHGATE DC COLUMBUS~N3*4200 LOGISTICS PKWY*DOCK 14~N4*GROVEPORT**43125*US',
      'N1*SU*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
      'N1*SF*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
    ]);
    expect(shippedLines(text!)).toEqual([['1', '4', 'EA']]);
  });

  it('an EDIFACT customer gets a DESADV: the order, its lines by their own numbers and GTINs, the buyer, the delivery point and us', async () => {
    r = await rig();
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', { street: 'Via delle Fonderie 12', city: 'Lumezzane', zip: '25065', country_id: 109, vat: 'IT01234567890' });
    r.drop('nordhaven', 'orders.edi', readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi')));
    await until(() => r.sent('nordhaven', 'ORDRSP').length === 1, 20_000, 'the order confirmed and answered');
    const delivery = await openDelivery(r.client, 'PO-2024-0566');
    await ship(r.client, delivery);
    await r.exportOnce();
    await until(() => r.sent('nordhaven', 'DESADV').length === 1, 15_000, 'the DESADV');
    const [text] = r.sent('nordhaven', 'DESADV');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const segments = text!.split("'").map((x) => x.trim());
    expect(segments).toEqual(
      expect.arrayContaining([
        `BGM+351+${delivery.name}+9`,
        'RFF+ON:PO-2024-0566',
        'NAD+BY+8712345000014::9++NORDHAVEN INSTALLATIE B.V.+HAVENSTRAAT 41+ROTTERDAM++3011 AB+NL',
        'NAD+DP+8712345000021::9++NORDHAVEN DC WAALHAVEN+WAALHAVEN OZ 88+ROTTERDAM++3087 BM+NL',
        'NAD+SU+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
        'NAD+SF+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
        'LIN+1++8034567100049:EN',
        'QTY+12:600:PCE',
        'LIN+2++8034567100018:EN',
        'QTY+12:240:PCE',
      ]),
    );
    expect(segments.filter((s) => s.startsWith('DTM+11:'))).toHaveLength(1);
    expect(r.ledger.findByNumber('PO-2024-0566', ['nordhaven']).messages.map((m) => m.messageType).sort()).toEqual(['DESADV', 'ORDRSP']);
  });
});

/** A sale order of `customer` for the customer's order `ref`, shipped from `warehouseId` (the main one when undefined), confirmed and delivered in full. */
async function shippedFrom(client: OdooClient, customer: number, ref: string, productId: number, warehouseId?: number): Promise<void> {
  const so = await client.create('sale.order', { partner_id: customer, client_order_ref: ref, ...(warehouseId ? { warehouse_id: warehouseId } : {}), order_line: [[0, 0, { product_id: productId, product_uom_qty: 3 }]] });
  await client.call('sale.order', 'action_confirm', [[so]]);
  await ship(client, await openDelivery(client, ref));
}

describe('ship notices from the warehouse the goods left', () => {
  let r: Rig;
  afterEach(async () => r && (await r.stop()));

  it('an 856 names the second warehouse it left from as ship-from, by its own address and no id; one from the main warehouse the company; both warehouses read once for the run', async () => {
    r = await rig({ northgate: (text) => text.replace('messageType: 856 }', 'messageType: 856, orders: all }') });
    await setCompany(r.client, 'Brightwater Valve and Fitting Co.', BRIGHTWATER);
    await mainWarehouseAtCompany(r.client);
    const plant = await warehouse(r.client, 'Dayton Plant', 'DAY', { name: 'Brightwater Dayton Plant', street: '1800 Stanley Ave', city: 'Dayton', zip: '45404', country_id: 233 });
    // A warehouse's operation types are its own: the plant's deliveries are DAY/OUT/….
    await shippedFrom(r.client, 30, 'NG-PLANT-1', 60, plant);
    await shippedFrom(r.client, 30, 'NG-MAIN-1', 61);
    r.sandbox.resetStats();
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*856*').length === 2, 15_000, 'the two 856s');
    const [fromPlant] = r.sent('northgate', 'PRF*NG-PLANT-1~');
    const [fromMain] = r.sent('northgate', 'PRF*NG-MAIN-1~');
    for (const text of [fromPlant!, fromMain!]) expect(validateBuffer(Buffer.from(text, 'latin1')).errors).toEqual([]);
    expect(fromPlant).toMatch(/BSN\*00\*DAY\/OUT\/\d{5}\*/);
    const sf = (text: string) => n1Loops(text).filter((l) => /^N1\*(SF|SU)\*/.test(l));
    // Supplier stays the company; ship-from is the plant, by its contact's name and address.
    expect(sf(fromPlant!)).toEqual([
      'N1*SU*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
      'N1*SF*Brightwater Dayton Plant~N3*1800 Stanley Ave~N4*Dayton**45404*US',
    ]);
    expect(sf(fromMain!)).toEqual([
      'N1*SU*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
      'N1*SF*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
    ]);
    // Where they left from is read for the run's pickings together, not per picking.
    expect(r.sandbox.stats.calls['stock.picking.type.read']).toBe(1);
    expect(r.sandbox.stats.calls['stock.warehouse.read']).toBe(1);
  });

  it('a DESADV names the second warehouse as NAD+SF; a warehouse without an address ships from the company', async () => {
    r = await rig({ nordhaven: (text) => text.replace('messageType: DESADV }', 'messageType: DESADV, orders: all }') });
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', { street: 'Via delle Fonderie 12', city: 'Lumezzane', zip: '25065', country_id: 109, vat: 'IT01234567890' });
    const dc = await warehouse(r.client, 'Venlo DC', 'VEN', { name: 'Valdoria Distribution Centre Venlo', street: 'Celsiusweg 40', city: 'Venlo', zip: '5928 PR', country_id: 165 });
    // The seeded main warehouse has no address (its company had no contact when it was made).
    await shippedFrom(r.client, 32, 'NH-DC-1', 70, dc);
    await shippedFrom(r.client, 32, 'NH-MAIN-1', 72);
    await r.exportOnce();
    await until(() => r.sent('nordhaven', 'DESADV').length === 2, 15_000, 'the two DESADVs');
    const segments = (ref: string) => {
      const [text] = r.sent('nordhaven', `RFF+ON:${ref}'`);
      expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
      return text!.split("'").map((x) => x.trim()).filter((x) => /^NAD\+S[UF]\+/.test(x));
    };
    expect(segments('NH-DC-1')).toEqual([
      'NAD+SU+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
      'NAD+SF+++Valdoria Distribution Centre Venlo+Celsiusweg 40+Venlo++5928 PR+NL',
    ]);
    expect(segments('NH-MAIN-1')).toEqual([
      'NAD+SU+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
      'NAD+SF+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
    ]);
  });
});

describe('deliveryAsShipNotice', () => {
  const envelope: Envelope = { standard: 'x12', version: '004010', messageType: '856', sender: { id: 'US' }, receiver: { id: 'THEM' }, interchangeControlNumber: '0', controlNumber: '0', test: false };
  let sandbox: SandboxHandle | undefined;
  afterEach(async () => sandbox && (await sandbox.close()));
  /** Northgate as Odoo has it (the sandbox's contact 30). */
  const NORTHGATE = { name: 'Northgate Industrial Distribution', address: { lines: ['PO Box 1187'], city: 'Dublin', postalCode: '43017', country: 'US' } };
  /** Us: the sandbox's company (no contact of its own, so no address), by the envelope's sender id. */
  const US = (['supplier', 'ship_from'] as const).map((role) => ({ role, name: 'YourCompany', ids: [{ qualifier: 'mutually_defined', value: 'US' }] }));

  /** A confirmed sale order of Northgate with three lines, delivered with `quantities` (by line), validated; returns the picking id. */
  async function delivered(client: OdooClient, quantities: number[], tracking?: string): Promise<number> {
    const so = await client.create('sale.order', {
      partner_id: 30,
      client_order_ref: 'NG-7001',
      order_line: [
        [0, 0, { product_id: 60, product_uom_qty: 10 }],
        [0, 0, { product_id: 64, product_uom_qty: 5 }],
        [0, 0, { product_id: 72, product_uom_qty: 8 }],
      ],
    });
    await client.call('sale.order', 'action_confirm', [[so]]);
    const [picking] = await client.searchRead('stock.picking', [['sale_id', '=', so]], { fields: ['id'] });
    const moves = await client.searchRead('stock.move', [['picking_id', '=', picking!.id]], { fields: ['id'], order: 'id' });
    for (const [i, m] of moves.entries()) await client.write('stock.move', [m.id], { quantity: quantities[i], picked: true });
    if (tracking) await client.write('stock.picking', [picking!.id], { carrier_tracking_ref: tracking });
    // No backorder: what was not picked is not coming.
    await client.call('stock.picking', 'button_validate', [[picking!.id]], { context: { skip_backorder: true, picking_ids_not_to_backorder: [picking!.id] } });
    return picking!.id;
  }

  it('without the order as received: lines by their position on the sale order with our item ids, the tracking number, nothing for a line not shipped', async () => {
    sandbox = await startSandbox({ password: 'pw' });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const pickingId = await delivered(client, [10, 0, 6], '1Z999AA10123456784');
    const ctx = createPostContext({ client, settings: { partnerRef: 'NORTHGATE' }, cache: new ResolveCache() });
    const notice = await deliveryAsShipNotice(ctx, pickingId, undefined, 'northgate', envelope);
    const [picking] = await client.read('stock.picking', [pickingId], ['name', 'date_done']);
    expect(notice).toEqual({
      type: 'ship_notice',
      partnerId: 'northgate',
      envelope,
      shipmentId: picking!.name,
      shipDate: String(picking!.date_done).slice(0, 10),
      carrier: { trackingNumber: '1Z999AA10123456784' },
      // Odoo's customer and delivery address (the customer's own: no delivery contact); us by the envelope's sender id.
      parties: [{ role: 'buyer', ...NORTHGATE }, { role: 'ship_to', ...NORTHGATE }, ...US],
      orders: [
        {
          orderNumber: 'NG-7001',
          lines: [
            { lineNumber: '1', itemIds: { vendor: 'BWV-1001' }, quantityShipped: 10, uom: 'Units' },
            { lineNumber: '3', itemIds: { vendor: 'VV-TR15-RA', gtin: '8034567100049' }, quantityShipped: 6, uom: 'Units' },
          ],
        },
      ],
    });
  });

  it('with the order as received: each shipped line answers the customer line its product books as, in the order the customer listed them', async () => {
    sandbox = await startSandbox({ password: 'pw' });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const pickingId = await delivered(client, [10, 0, 6]);
    const ctx = createPostContext({ client, settings: { partnerRef: 'NORTHGATE' }, cache: new ResolveCache() });
    // The customer listed the lines in another order than the sale order has them, under numbers of its own.
    const original: Order = {
      type: 'order',
      partnerId: 'northgate',
      envelope: { ...envelope, messageType: '850' },
      orderNumber: 'NG-7001',
      purpose: 'original',
      orderDate: '2026-11-20',
      parties: [
        { role: 'ship_to', name: 'NORTHGATE DC COLUMBUS', ids: [{ qualifier: 'buyer_assigned', value: 'DC07' }] },
        { role: 'bill_to', name: 'NORTHGATE INDUSTRIAL DISTRIBUTION' },
      ],
      lines: [
        { lineNumber: '010', quantity: 8, uom: 'Units', itemIds: { buyer: 'N-72', sku: 'VV-TR15-RA' } },
        { lineNumber: '020', quantity: 5, uom: 'Units', itemIds: { buyer: 'N-64', sku: 'BWF-2014' } },
        { lineNumber: '030', quantity: 10, uom: 'Units', itemIds: { buyer: 'N-60', sku: 'BWV-1001' } },
      ],
    };
    const notice = await deliveryAsShipNotice(ctx, pickingId, original, 'northgate', envelope);
    expect(notice.orders).toEqual([
      {
        orderNumber: 'NG-7001',
        lines: [
          { lineNumber: '010', itemIds: { buyer: 'N-72', sku: 'VV-TR15-RA' }, quantityShipped: 6, uom: 'Units' },
          { lineNumber: '030', itemIds: { buyer: 'N-60', sku: 'BWV-1001' }, quantityShipped: 10, uom: 'Units' },
        ],
      },
    ]);
    // The order's ship-to as they sent it (their bill-to has no place in a ship notice), the buyer it does not name from Odoo.
    expect(notice.parties).toEqual([{ role: 'buyer', ...NORTHGATE }, { role: 'ship_to', name: 'NORTHGATE DC COLUMBUS', ids: [{ qualifier: 'buyer_assigned', value: 'DC07' }] }, ...US]);
  });

  it('on an Odoo without stock_delivery: no tracking number, and no error for the missing field', async () => {
    sandbox = await startSandbox({ password: 'pw', modules: [] });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const pickingId = await delivered(client, [10, 5, 8]);
    const ctx = createPostContext({ client, settings: { partnerRef: 'NORTHGATE' }, cache: new ResolveCache() });
    const notice = await deliveryAsShipNotice(ctx, pickingId, undefined, 'northgate', envelope);
    expect(notice.carrier).toBeUndefined();
    expect(notice.orders[0]!.lines.map((l) => [l.lineNumber, l.quantityShipped])).toEqual([
      ['1', 10],
      ['2', 5],
      ['3', 8],
    ]);
  });

  it('refuses a delivery that is not validated yet', async () => {
    sandbox = await startSandbox({ password: 'pw' });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const so = await client.create('sale.order', { partner_id: 30, client_order_ref: 'NG-7002', order_line: [[0, 0, { product_id: 60, product_uom_qty: 1 }]] });
    await client.call('sale.order', 'action_confirm', [[so]]);
    const [picking] = await client.searchRead('stock.picking', [['sale_id', '=', so]], { fields: ['id'] });
    const ctx = createPostContext({ client, settings: { partnerRef: 'NORTHGATE' }, cache: new ResolveCache() });
    await expect(deliveryAsShipNotice(ctx, picking!.id, undefined, 'northgate', envelope)).rejects.toThrow(/is confirmed: it is announced once validated/);
  });
});
