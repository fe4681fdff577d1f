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
import type { Domain, OdooRecord } from '../client';
import { BusinessError, HeldForPerson, dateToOdooDatetime, lineSegment, record, str, type PostAction, type PostContext, type PostResult } from './context';
import { resolveDeliveryAddress, resolvePartner, resolveProduct, resolveUom, type ResolvedPartner, type ResolvedProduct, type ResolvedUom } from './resolve';

export async function postOrder(order: Order, ctx: PostContext): Promise<PostResult> {
  const { client } = ctx;
  refuseUnbooked(order);
  const customer = await resolvePartner(ctx);
  const existing = await client.searchRead('sale.order', existingDomain(customer.id, [order.orderNumber]), { fields: EXISTING_FIELDS, limit: 2 });
  const plan = planFromExisting(order, customer, existing);
  if (plan.kind === 'new') {
    const vals = await buildSaleOrder(order, ctx, customer, plan.out, plan.notes);
    const [row] = await client.webSave('sale.order', [], vals, { name: {}, state: {} });
    if (!row) throw new OdooProtocolError({ model: 'sale.order', method: 'web_save', message: 'web_save answered no record' });
    plan.so = { id: row.id, name: str(row.name), state: str(row.state) || 'draft' };
    await client.messagePost('sale.order', row.id, traceNote(order));
  }
  const so = plan.so!;
  const confirm = needsConfirmation(so, ctx.settings);
  if (confirm) await client.call('sale.order', 'action_confirm', [[so.id]]);
  return finish(plan, so, ctx.settings, confirm);
}

/**
 * Whether the order may change one the customer sent before (posted alone, by postCustomerOrder): a change,
 * a cancellation, or a replacement (BEG01 05, BGM 1225 5: the order restated in full, a change when the
 * order was booked, a new order when it was not).
 */
export function isOrderUpdate(order: Order): boolean {
  return order.purpose === 'cancel' || order.purpose === 'change' || order.purpose === 'replace';
}

/** A change or cancellation is never booked as a new sale order: here it is held for a person (postOrderUpdate applies it when the partner says so). */
export function refuseUnbooked(order: Order): void {
  if (order.purpose === 'cancel' || order.purpose === 'change') {
    throw new HeldForPerson(`order ${order.orderNumber}: purpose "${order.purpose}" is held for a person to change the sale order (partner setting orderUpdates: hold)`);
  }
}

export const EXISTING_FIELDS = ['id', 'name', 'state', 'client_order_ref'];

/** Live sale orders of a customer carrying one of these customer references. */
export function existingDomain(customerId: number, refs: string[]): Domain {
  return [
    ['partner_id', '=', customerId],
    refs.length === 1 ? ['client_order_ref', '=', refs[0]!] : ['client_order_ref', 'in', refs],
    ['state', '!=', 'cancel'],
  ];
}

/** What posting one order will do, decided from the sale orders found under its reference. */
export interface OrderPlan {
  kind: 'new' | 'found';
  so?: { id: number; name: string; state: string };
  /** Records made on the way (a new delivery address), before the sale order's. */
  out: PostResult;
  notes: string[];
}

/** Found (one live order under the reference), new (none), or ambiguous (two or more: a BusinessError). */
export function planFromExisting(order: Order, customer: ResolvedPartner, existing: OdooRecord[]): OrderPlan {
  if (existing.length > 1) {
    throw new BusinessError('ambiguous', `order ${order.orderNumber}: ${existing.map((o) => str(o.name)).join(' and ')} both carry customer reference ${order.orderNumber} for ${customer.name}`);
  }
  const hit = existing[0];
  if (!hit) return { kind: 'new', out: [], notes: [] };
  return { kind: 'found', so: { id: hit.id, name: str(hit.name), state: str(hit.state) }, out: [], notes: [`sale order with customer reference ${order.orderNumber} already exists`] };
}

/** Whether the order is to be confirmed now: the partner says so and it is still a quotation (a second action_confirm is an Odoo error). */
export function needsConfirmation(so: { state: string }, settings: PostContext['settings']): boolean {
  return settings.confirmOrders && (so.state === 'draft' || so.state === 'sent');
}

/** The records of a posted order, with the notes that say what happened to it. */
export function finish(plan: OrderPlan, so: { id: number; name: string; state: string }, settings: PostContext['settings'], confirmed: boolean): PostResult {
  const { notes } = plan;
  let action: PostAction = plan.kind === 'new' ? 'created' : 'unchanged';
  if (settings.confirmOrders) {
    if (confirmed) {
      notes.push('confirmed (partner setting confirmOrders)');
      if (plan.kind === 'found') action = 'updated';
    } else {
      notes.push(`already ${so.state === 'sale' ? 'confirmed' : so.state}`);
    }
  } else if (plan.kind === 'new') {
    notes.push('left as quotation (confirmOrders is off)');
  }
  return [...plan.out, record('sale.order', so.id, so.name, action, notes)];
}

/** The sale order's values (lines resolved to products and units); a BusinessError names every line that cannot be booked. */
export async function buildSaleOrder(
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
  for (const i of order.lines.keys()) {
    try {
      lines.push([0, 0, saleLineValues(order, i, await bookedAs(ctx, order, i, seg), names.saleLineUom, settings, notes, seg)]);
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      if (problems.length === 0) problemCode = err.code;
      problems.push(...err.issues);
    }
  }
  if (problems.length) throw new BusinessError(problemCode, problems);

  const vals: Record<string, unknown> = { partner_id: customer.id, client_order_ref: order.orderNumber, order_line: lines };
  const deliveryDate = bookedDeliveryDate(order);
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

/** The values of a new sale order line for the customer's order line `index`, booked as `booked`. */
export function saleLineValues(order: Order, index: number, booked: LineMatch, uomField: string, settings: PostContext['settings'], notes: string[], seg: string): Record<string, unknown> {
  const line = order.lines[index]!;
  const { product, uom } = booked;
  const vals: Record<string, unknown> = { product_id: product.id, product_uom_qty: line.quantity, [uomField]: uom.id };
  if (settings.priceSource === 'edi') {
    if (line.unitPrice !== undefined) vals.price_unit = line.unitPrice;
    else notes.push(`${lineWhere(index, seg, line)}: no unit price sent, Odoo's price kept`);
  }
  if (line.description !== undefined) vals.name = `${product.name}\n${line.description}`;
  return vals;
}

/** Where a line is, for messages: `order line 3 (PO1 position 30)`. */
export function lineWhere(index: number, seg: string, line: Order['lines'][number]): string {
  return `order line ${index + 1} (${seg} position ${line.lineNumber})`;
}

export type LineMatch = { product: ResolvedProduct; uom: ResolvedUom };

/**
 * What a line's item ids and unit matched before, under the same partner's cache. Only when no partner
 * cross-reference hook is configured: the hook's answers are not the cache's to keep.
 */
function lineKey(ctx: PostContext, line: Order['lines'][number]): string | undefined {
  if (ctx.partnerCodeLookup || !line.itemIds) return undefined;
  // Exactly what findProduct (for our side, the vendor's) and resolveUom read.
  const ids = line.itemIds;
  return `line\u0000${line.uom}\u0000${ids.vendor ?? ''}\u0000${ids.buyer ?? ''}\u0000${ids.sku ?? ''}\u0000${ids.gtin ?? ''}\u0000${ids.ean ?? ''}\u0000${ids.upc ?? ''}`;
}

function recallLine(ctx: PostContext, line: Order['lines'][number]): LineMatch | undefined {
  const key = lineKey(ctx, line);
  return key === undefined ? undefined : ctx.cache.recall<LineMatch>(key);
}

/** The line's product and unit from Odoo (through the cache), kept for the next line that says the same. */
async function matchLine(ctx: PostContext, line: Order['lines'][number], where: string): Promise<LineMatch> {
  const product = await resolveProduct(ctx, line.itemIds, 'vendor', where);
  const uom = await resolveUom(ctx, line.uom, where, product);
  const match = { product, uom };
  const key = lineKey(ctx, line);
  if (key !== undefined) ctx.cache.remember(key, match);
  return match;
}

/** The Odoo product and unit the customer's order line `index` books as (what posting it chose, through the cache). */
export async function bookedAs(ctx: PostContext, order: Order, index: number, seg = lineSegment(order.envelope.standard, 'order')): Promise<LineMatch> {
  const line = order.lines[index];
  if (!line) throw new Error(`order ${order.orderNumber} has no line ${index + 1}`);
  return recallLine(ctx, line) ?? (await matchLine(ctx, line, lineWhere(index, seg, line)));
}

/** The sale order's delivery date for an order: the order's own, else the earliest its lines ask for. */
export function bookedDeliveryDate(order: Order): string | undefined {
  return order.requestedDeliveryDate ?? order.lines.map((l) => l.requestedDate).filter((d): d is string => d !== undefined).sort()[0];
}

/** The chatter note on a new sale order: where it came from. */
export function traceNote(order: Order): string {
  const e = order.envelope;
  return `EDI ${e.messageType} order ${order.orderNumber} of ${order.orderDate} received from ${e.sender.id} (interchange ${e.interchangeControlNumber}, control ${e.controlNumber}${e.test ? ', TEST' : ''})`;
}
