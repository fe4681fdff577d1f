/**
 * Order (850 / ORDERS from a customer) → sale.order.
 *
 * Business key: (partner_id, client_order_ref = orderNumber), cancelled orders excluded. Odoo keeps
 * no uniqueness on client_order_ref, so the poster searches first (limit 2: two hits = ambiguous).
 * The order and its lines are one call (atomic): `web_save` without ids, the create that also answers
 * the new order's name and state (create alone answers only the id, and a `read` would be a second
 * round trip). Confirmation (`action_confirm`) only when the partner says so and the order is still a
 * quotation: a second action_confirm is an Odoo error. A new order costs four calls: search_read,
 * web_save, message_post, action_confirm.
 */
import type { Order } from '../../canonical';
import { OdooProtocolError } from '../errors';
import { BusinessError, dateToOdooDatetime, lineSegment, record, str, type PostContext, type PostResult } from './context';
import { resolveDeliveryAddress, resolvePartner, resolveProduct, resolveUom } from './resolve';

export async function postOrder(order: Order, ctx: PostContext): Promise<PostResult> {
  const { client, settings } = ctx;
  if (order.purpose === 'cancel' || order.purpose === 'change') {
    throw new BusinessError('unsupported', `order ${order.orderNumber}: purpose "${order.purpose}" is not booked automatically; a person must change the sale order`);
  }
  const customer = await resolvePartner(ctx);
  const out: PostResult = [];

  const existing = await client.searchRead(
    'sale.order',
    [
      ['partner_id', '=', customer.id],
      ['client_order_ref', '=', order.orderNumber],
      ['state', '!=', 'cancel'],
    ],
    { fields: ['id', 'name', 'state'], limit: 2 },
  );
  if (existing.length > 1) {
    throw new BusinessError('ambiguous', `order ${order.orderNumber}: ${existing.map((o) => str(o.name)).join(' and ')} both carry customer reference ${order.orderNumber} for ${customer.name}`);
  }

  let so: { id: number; name: string; state: string };
  let action: 'created' | 'found';
  const notes: string[] = [];
  if (existing[0]) {
    so = { id: existing[0].id, name: str(existing[0].name), state: str(existing[0].state) };
    action = 'found';
    notes.push(`sale order with customer reference ${order.orderNumber} already exists`);
  } else {
    const vals = await buildSaleOrder(order, ctx, customer, out, notes);
    const [row] = await client.webSave('sale.order', [], vals, { name: {}, state: {} });
    if (!row) throw new OdooProtocolError({ model: 'sale.order', method: 'web_save', message: 'web_save answered no record' });
    const id = row.id;
    so = { id, name: str(row.name), state: str(row.state) || 'draft' };
    action = 'created';
    await client.messagePost('sale.order', id, traceNote(order));
  }

  let finalAction: 'created' | 'found' | 'updated' | 'unchanged' = action === 'created' ? 'created' : 'unchanged';
  if (settings.confirmOrders) {
    if (so.state === 'draft' || so.state === 'sent') {
      await client.call('sale.order', 'action_confirm', [[so.id]]);
      notes.push('confirmed (partner setting confirmOrders)');
      if (action === 'found') finalAction = 'updated';
    } else {
      notes.push(`already ${so.state === 'sale' ? 'confirmed' : so.state}`);
    }
  } else if (action === 'created') {
    notes.push('left as quotation (confirmOrders is off)');
  }
  out.push(record('sale.order', so.id, so.name, finalAction, notes));
  return out;
}

async function buildSaleOrder(
  order: Order,
  ctx: PostContext,
  customer: { id: number; name: string; commercialId: number },
  out: PostResult,
  notes: string[],
): Promise<Record<string, unknown>> {
  const { client, settings } = ctx;
  const names = await client.fieldNames();
  const seg = lineSegment(order.envelope.standard, 'order');
  const problems: string[] = [];
  let problemCode: BusinessError['code'] = 'unknown_product';
  const lines: unknown[] = [];
  for (const [i, line] of order.lines.entries()) {
    const where = `order line ${i + 1} (${seg} position ${line.lineNumber})`;
    try {
      const product = await resolveProduct(ctx, line.itemIds, 'vendor', where);
      const uom = await resolveUom(ctx, line.uom, where, product);
      const vals: Record<string, unknown> = { product_id: product.id, product_uom_qty: line.quantity, [names.saleLineUom]: uom.id };
      if (settings.priceSource === 'edi') {
        if (line.unitPrice !== undefined) vals.price_unit = line.unitPrice;
        else notes.push(`${where}: no unit price sent, Odoo's price kept`);
      }
      if (line.description !== undefined) vals.name = `${product.name}\n${line.description}`;
      lines.push([0, 0, vals]);
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      if (problems.length === 0) problemCode = err.code;
      problems.push(...err.issues);
    }
  }
  if (problems.length) throw new BusinessError(problemCode, problems);

  const vals: Record<string, unknown> = { partner_id: customer.id, client_order_ref: order.orderNumber, order_line: lines };
  const deliveryDate = order.requestedDeliveryDate ?? minDate(order.lines.map((l) => l.requestedDate));
  if (deliveryDate !== undefined) vals.commitment_date = dateToOdooDatetime(deliveryDate);
  const shipTo = order.parties?.find((p) => p.role === 'ship_to');
  if (shipTo) {
    const addr = await resolveDeliveryAddress(ctx, customer, shipTo);
    if (addr) {
      vals.partner_shipping_id = addr.id;
      out.push(record('res.partner', addr.id, addr.name, addr.created ? 'created' : 'found', ['delivery address']));
    }
  }
  const origin = `EDI ${order.envelope.messageType} ${order.envelope.controlNumber}`;
  vals.origin = origin;
  return vals;
}

function minDate(dates: Array<string | undefined>): string | undefined {
  const list = dates.filter((d): d is string => d !== undefined).sort();
  return list[0];
}

function traceNote(order: Order): string {
  const e = order.envelope;
  return `EDI ${e.messageType} order ${order.orderNumber} of ${order.orderDate} received from ${e.sender.id} (interchange ${e.interchangeControlNumber}, control ${e.controlNumber}${e.test ? ', TEST' : ''})`;
}
