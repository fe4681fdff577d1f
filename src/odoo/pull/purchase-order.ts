/**
 * The other way round: a confirmed Odoo purchase order as the canonical order we send the supplier (an
 * 850 / ORDERS once rendered). Line numbers are the lines' positions on the PO, the same numbering the
 * order-response, ship-notice and invoice posters use to find the line a supplier's answer refers to.
 * The order names who orders (our company, by our interchange id), where the goods go (the warehouse of
 * the order's Deliver To, or its drop-ship address) and whom we order from (the supplier's contact).
 */
import type { Envelope } from '../../canonical/envelope';
import type { Order, OrderLine } from '../../canonical/order';
import type { Party, PartyRole } from '../../canonical/party';
import { BusinessError, m2oId, num, str, type PostContext } from '../post/context';
import { hasField, resolvePartner } from '../post/resolve';
import type { Domain, OdooRecord } from '../client';
import { day, listedIn, m2oName, type ExportWindow, ownItemIds, writtenOrders } from './fields';
import { commercialOf, documentParties } from './parties';
import { warehouseAddresses } from './warehouse';

/** A confirmed purchase order ready to be sent. */
export interface ConfirmedPurchaseOrder {
  id: number;
  name: string;
  /** When it was approved (`date_approve`): where the next run goes on from. */
  at: string;
}

/** Confirmed purchase orders of the partner's supplier (and its contacts) approved at or after `since` (UTC), after `cursor`, oldest first. */
export async function confirmedPurchaseOrders(ctx: PostContext, window: ExportWindow, limit = 500): Promise<ConfirmedPurchaseOrder[]> {
  const supplier = await resolvePartner(ctx);
  const rows = await ctx.client.searchRead(
    'purchase.order',
    [['partner_id', 'child_of', supplier.commercialId], ['state', 'in', ['purchase', 'done']], ...listedIn('date_approve', window)],
    { fields: ['id', 'name', 'date_approve'], order: 'date_approve, id', limit },
  );
  return rows.map((r) => ({ id: r.id, name: str(r.name), at: str(r.date_approve) }));
}

/** Confirmed purchase orders of the partner's supplier written in the window, themselves or through a line: those that may have changed since they were sent. */
export async function changedPurchaseOrders(ctx: PostContext, window: ExportWindow, limit = 500): Promise<ConfirmedPurchaseOrder[]> {
  const supplier = await resolvePartner(ctx);
  const confirmed: Domain = [['partner_id', 'child_of', supplier.commercialId], ['state', 'in', ['purchase', 'done']]];
  return (await writtenOrders(ctx, 'purchase.order', 'purchase.order.line', confirmed, [], window, limit)).map(({ row, at }) => ({ id: row.id, name: str(row.name), at }));
}

/**
 * Cancelled purchase orders of the partner's supplier approved in the window (a cancelled order keeps
 * its `date_approve`), oldest first: those whose order went out are then cancelled at the supplier.
 */
export async function cancelledPurchaseOrders(ctx: PostContext, window: ExportWindow, limit = 500): Promise<ConfirmedPurchaseOrder[]> {
  const supplier = await resolvePartner(ctx);
  const rows = await ctx.client.searchRead(
    'purchase.order',
    [['partner_id', 'child_of', supplier.commercialId], ['state', '=', 'cancel'], ['date_approve', '!=', false], ...listedIn('date_approve', window)],
    { fields: ['id', 'name', 'date_approve'], order: 'date_approve, id', limit },
  );
  return rows.map((r) => ({ id: r.id, name: str(r.name), at: str(r.date_approve) }));
}

/**
 * The canonical order for one purchase order; `envelope` is completed by the renderer. `purpose` change:
 * the order as it is now, replacing what we sent (850 BEG01 04, ORDERS BGM 1225 4); cancel: the order we
 * sent, now cancelled in Odoo, as its cancellation (850 BEG01 01, ORDERS BGM 1225 1); replace: the order
 * confirmed again after its cancellation went out, in full, in place of that cancellation (850 BEG01 05,
 * ORDERS BGM 1225 5).
 */
export async function purchaseOrderAsOrder(ctx: PostContext, poId: number, partnerId: string, envelope: Envelope, purpose: 'original' | 'change' | 'cancel' | 'replace' = 'original'): Promise<Order> {
  // Without purchase_stock an order has no Deliver To (`picking_type_id`): its goods go to the company.
  const deliverTo = await hasField(ctx, 'purchase.order', 'picking_type_id');
  const [po] = await ctx.client.read('purchase.order', [poId], ['id', 'name', 'state', 'partner_id', 'company_id', 'dest_address_id', ...(deliverTo ? ['picking_type_id'] : []), 'date_order', 'date_planned', 'currency_id', 'notes']);
  if (!po) throw new BusinessError('po_not_found', `purchase order id ${poId} does not exist in Odoo`);
  if (purpose === 'cancel' && po.state !== 'cancel') throw new BusinessError('po_closed', `purchase order ${str(po.name)} is ${str(po.state)}, not cancelled: no cancellation is sent`);
  if (purpose !== 'cancel' && po.state !== 'purchase' && po.state !== 'done') throw new BusinessError('po_closed', `purchase order ${str(po.name)} is ${str(po.state)}, not confirmed: it is not sent`);
  const uomField = (await ctx.client.fieldNames()).purchaseLineUom;
  const rows = await ctx.client.searchRead('purchase.order.line', [['order_id', '=', poId]], {
    fields: ['id', 'sequence', 'product_id', 'name', 'product_qty', uomField, 'price_unit', 'date_planned', 'display_type'],
    order: 'sequence, id',
  });
  const productLines = rows.filter((r) => !r.display_type);
  const itemIdsOf = await ownItemIds(ctx, productLines.map((r) => m2oId(r.product_id)).filter((id): id is number => id !== undefined), 'buyer');
  const lines: OrderLine[] = productLines.map((r, i) => {
    const itemIds = itemIdsOf.get(m2oId(r.product_id) ?? -1);
    const line: OrderLine = { lineNumber: String(i + 1), quantity: num(r.product_qty), uom: m2oName(r[uomField]) || 'Units', unitPrice: num(r.price_unit) };
    if (itemIds) line.itemIds = itemIds;
    const description = str(r.name).replace(/\s+/g, ' ').trim();
    if (description) line.description = description.slice(0, 80);
    const requested = day(r.date_planned);
    if (requested) line.requestedDate = requested;
    return line;
  });
  if (lines.length === 0) throw new BusinessError('unsupported', `purchase order ${str(po.name)} has no product lines to send`);
  const order: Order = {
    type: 'order',
    partnerId,
    envelope,
    orderNumber: str(po.name),
    purpose,
    orderDate: day(po.date_order) ?? new Date().toISOString().slice(0, 10),
    lines,
    totals: { lineCount: lines.length },
  };
  const parties = await orderParties(ctx, po, envelope);
  if (parties.length > 0) order.parties = parties;
  const currency = m2oName(po.currency_id);
  if (/^[A-Z]{3}$/.test(currency)) order.currency = currency;
  const requested = day(po.date_planned);
  if (requested) order.requestedDeliveryDate = requested;
  return order;
}

/** The order of the parties in what we send: who orders, where to, from whom (the 850 and ORDERS' usual order). */
const PARTY_ORDER: readonly PartyRole[] = ['buyer', 'ship_to', 'supplier'];

/**
 * Who orders, where the goods go, and from whom (D28). The buyer is our company by our interchange id
 * (D24's own party). The ship-to is the drop-ship address when the order has one, else the warehouse of
 * its Deliver To operation type. Odoo 17 to 19: `dest_address_id` is purchase's (addons/purchase/models/
 * purchase_order.py, PurchaseOrder); `picking_type_id` is purchase_stock's (addons/purchase_stock/models/
 * purchase_order.py: defaulted by `_default_picking_type` to the company's first receipt type, and
 * `_prepare_picking` makes the receipt in it, so the goods arrive at its warehouse), which also drops the
 * drop-ship address for a type that does not deliver to a customer (`_compute_dest_address_id`, an
 * onchange in older versions). The supplier is the order's vendor company (commercial partner): name and address, no
 * id, as D24 names a customer's parties from Odoo; its interchange id names its EDI mailbox, not the seller.
 */
async function orderParties(ctx: PostContext, po: OdooRecord, envelope: Envelope): Promise<Party[]> {
  const typeId = m2oId(po.picking_type_id);
  const shipTo = m2oId(po.dest_address_id) ?? (typeId === undefined ? undefined : (await warehouseAddresses(ctx, [typeId])).get(typeId));
  const parties = await documentParties(ctx, {
    original: undefined,
    partner: [['supplier', await commercialOf(ctx, m2oId(po.partner_id))]],
    ours: ['buyer', 'ship_to'],
    companyId: m2oId(po.company_id),
    places: { ship_to: shipTo },
    envelope,
    // An order is no tax document, and neither the 850 nor the ORDERS mapping has a place for a VAT number.
    taxIds: false,
  });
  return parties.sort((a, b) => PARTY_ORDER.indexOf(a.role) - PARTY_ORDER.indexOf(b.role));
}
