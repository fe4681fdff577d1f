/**
 * Deliveries to customers: an outgoing stock.picking of a customer's EDI order, once validated in Odoo,
 * becomes the ship notice (856 / DESADV) we send that customer. Each shipped line answers the customer's
 * own order line (number, item ids, unit) through the sale order line its stock moves come from, found
 * as the order response finds it (customerLines: by the product the order line books as), so lines a
 * person added, removed or reordered in Odoo do not shift the numbers. A backorder validated later is a
 * picking of its own and so a ship notice of its own, with the rest.
 */
import type { Envelope } from '../../canonical/envelope';
import type { Order } from '../../canonical/order';
import type { ShipNotice, ShipNoticeLine } from '../../canonical/ship-notice';
import { BusinessError, m2oId, num, str, type PostContext } from '../post/context';
import { hasField, resolvePartner } from '../post/resolve';
import { day, listedIn, m2oIds, m2oName, ownItemIds, type ExportWindow } from './fields';
import { commercialOf, documentParties } from './parties';
import { customerLines, readSaleLines } from './sale-order';
import { warehouseAddresses } from './warehouse';

/** A validated delivery of a customer's order. */
export interface DoneDelivery {
  id: number;
  /** The picking's reference (WH/OUT/00012): the shipment id we send. */
  name: string;
  /** The customer's order number (`client_order_ref` of its sale order). */
  ref: string;
  /** Its `date_done`: where the next run goes on from. */
  at: string;
}

/**
 * Validated outgoing pickings of the partner's customer (and its addresses) whose sale order carries a
 * customer order number, done at or after `since` (UTC; Odoo sets `date_done` at validation), oldest first.
 */
export async function doneDeliveries(ctx: PostContext, window: ExportWindow, limit = 500): Promise<DoneDelivery[]> {
  const customer = await resolvePartner(ctx);
  const rows = await ctx.client.searchRead(
    'stock.picking',
    [
      ['picking_type_code', '=', 'outgoing'],
      ['partner_id', 'child_of', customer.commercialId],
      ['state', '=', 'done'],
      ['sale_id.client_order_ref', '!=', false],
      ...listedIn('date_done', window),
    ],
    { fields: ['id', 'name', 'sale_id', 'date_done', 'picking_type_id'], order: 'date_done, id', limit },
  );
  // Where each of them left from, read now for all of them rather than picking by picking.
  await warehouseAddresses(ctx, m2oIds(rows, 'picking_type_id'));
  const saleIds = m2oIds(rows, 'sale_id');
  const refs = new Map((saleIds.length > 0 ? await ctx.client.read('sale.order', saleIds, ['id', 'client_order_ref']) : []).map((so) => [so.id, str(so.client_order_ref)]));
  return rows.flatMap((r) => {
    const ref = refs.get(m2oId(r.sale_id) ?? -1);
    return ref ? [{ id: r.id, name: str(r.name), ref, at: str(r.date_done) }] : [];
  });
}

/** What one picking shipped of one sale order line: its done moves summed, in the moves' unit. */
interface Shipped {
  saleLineId: number;
  product: number | undefined;
  qty: number;
  uomId: number | undefined;
  uomName: string;
}

/** The done moves of a picking with a quantity, summed per sale order line (Odoo may split a line's move). */
async function shippedBySaleLine(ctx: PostContext, pickingId: number): Promise<Map<number, Shipped>> {
  // stock.move keeps `product_uom` in 19 too; only the order lines' unit became product_uom_id.
  const moves = await ctx.client.searchRead(
    'stock.move',
    [
      ['picking_id', '=', pickingId],
      ['state', '=', 'done'],
    ],
    { fields: ['id', 'product_id', 'quantity', 'product_uom', 'sale_line_id'], order: 'id' },
  );
  const out = new Map<number, Shipped>();
  for (const m of moves) {
    const saleLineId = m2oId(m.sale_line_id);
    const qty = num(m.quantity);
    // A move without a sale line was not ordered by the customer; one with nothing in it shipped nothing.
    if (saleLineId === undefined || qty <= 0) continue;
    const seen = out.get(saleLineId);
    if (!seen) {
      out.set(saleLineId, { saleLineId, product: m2oId(m.product_id), qty, uomId: m2oId(m.product_uom), uomName: m2oName(m.product_uom) });
    } else if (seen.product === m2oId(m.product_id) && seen.uomId === m2oId(m.product_uom)) {
      seen.qty += qty;
    } else {
      // A kit's components or a line moved in two units: a sum would tell the customer a wrong quantity.
      throw new BusinessError('unsupported', `delivery id ${pickingId}: the moves of one order line differ in product or unit (a kit?); a ship notice cannot state what was shipped of the line`);
    }
  }
  return out;
}

/**
 * The ship notice for validated delivery `pickingId`. `original` is the customer's order as received
 * (from the ledger); without it (removed under retention) lines are numbered by their position on the
 * sale order and carry our own item ids.
 */
export async function deliveryAsShipNotice(ctx: PostContext, pickingId: number, original: Order | undefined, partnerId: string, envelope: Envelope): Promise<ShipNotice> {
  const tracking = await hasField(ctx, 'stock.picking', 'carrier_tracking_ref');
  const [picking] = await ctx.client.read('stock.picking', [pickingId], ['id', 'name', 'state', 'date_done', 'sale_id', 'partner_id', 'company_id', 'picking_type_id', ...(tracking ? ['carrier_tracking_ref'] : [])]);
  if (!picking) throw new BusinessError('unsupported', `delivery id ${pickingId} does not exist in Odoo`);
  if (picking.state !== 'done') throw new BusinessError('unsupported', `delivery ${str(picking.name)} is ${str(picking.state)}: it is announced once validated`);
  const soId = m2oId(picking.sale_id);
  const [so] = soId === undefined ? [] : await ctx.client.read('sale.order', [soId], ['id', 'client_order_ref', 'partner_id']);
  if (!so || !str(so.client_order_ref)) throw new BusinessError('unsupported', `delivery ${str(picking.name)} ships no customer's order (no sale order with a customer reference)`);

  const shipped = await shippedBySaleLine(ctx, pickingId);
  const saleLines = await readSaleLines(ctx, so.id);
  const found: Array<{ lineNumber: string; s: Shipped; uom: string; itemIds: ShipNoticeLine['itemIds'] }> = [];
  if (original) {
    for (const c of await customerLines(ctx, original, saleLines)) {
      const s = c.sale && shipped.get(c.sale.id);
      // In the customer's unit when the goods went out in the unit their line books as.
      if (s) found.push({ lineNumber: c.line.lineNumber, s, uom: s.uomId === c.uomId ? c.line.uom : s.uomName || c.line.uom, itemIds: c.line.itemIds });
    }
  } else {
    saleLines.forEach((l, i) => {
      const s = shipped.get(l.id);
      if (s) found.push({ lineNumber: String(i + 1), s, uom: s.uomName || l.uomName, itemIds: undefined });
    });
  }
  // Our own ids where the customer sent none: an item level without any id is not a valid LIN.
  const ours = await ownItemIds(ctx, found.flatMap((f) => (f.itemIds || f.s.product === undefined ? [] : [f.s.product])), 'vendor');
  const lines: ShipNoticeLine[] = found.map(({ lineNumber, s, uom, itemIds }) => {
    const ids = itemIds ?? (s.product === undefined ? undefined : ours.get(s.product));
    return { lineNumber, ...(ids ? { itemIds: ids } : {}), quantityShipped: s.qty, uom };
  });
  if (lines.length === 0) throw new BusinessError('unsupported', `delivery ${str(picking.name)} ships none of the lines of order ${str(so.client_order_ref)}`);

  const notice: ShipNotice = { type: 'ship_notice', partnerId, envelope, shipmentId: str(picking.name), orders: [{ orderNumber: str(so.client_order_ref), lines }] };
  const shipDate = day(picking.date_done);
  if (shipDate) notice.shipDate = shipDate;
  const trackingNumber = tracking ? str(picking.carrier_tracking_ref).trim() : '';
  if (trackingNumber) notice.carrier = { trackingNumber };
  // Who ordered and where the goods go, as the customer named them on the order (else the sale order's
  // customer and the picking's address), and who ships them: us, from the warehouse the picking left
  // (its address; the company's when it has none).
  const typeId = m2oId(picking.picking_type_id);
  const shipFrom = typeId === undefined ? undefined : (await warehouseAddresses(ctx, [typeId])).get(typeId);
  const parties = await documentParties(ctx, {
    original,
    partner: [
      ['buyer', await commercialOf(ctx, m2oId(so.partner_id))],
      ['ship_to', m2oId(picking.partner_id)],
    ],
    ours: ['supplier', 'ship_from'],
    companyId: m2oId(picking.company_id),
    places: { ship_from: shipFrom },
    envelope,
    taxIds: false,
  });
  if (parties.length > 0) notice.parties = parties;
  return notice;
}
