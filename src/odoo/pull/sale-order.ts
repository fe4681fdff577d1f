/**
 * The sales side: a customer's EDI order, booked as a sale order, is answered with an order response
 * (855 / ORDRSP) once sales confirms or cancels it in Odoo. Each line answers the customer's line by the
 * customer's own line number and item ids, taken from the order as it was received; the sale order line
 * it became is found by the product that order line books as (the poster's own resolution), so lines a
 * person added, removed or reordered in Odoo do not shift the answers.
 */
import type { Envelope } from '../../canonical/envelope';
import type { Order } from '../../canonical/order';
import type { LineStatus, OrderResponse, OrderResponseLine, ResponseStatus } from '../../canonical/order-response';
import type { Domain } from '../client';
import { BusinessError, m2oId, num, str, type PostContext } from '../post/context';
import { bookedAs, bookedDeliveryDate } from '../post/order';
import { resolvePartner } from '../post/resolve';
import { day, listedIn, m2oName, writtenOrders, type ExportWindow } from './fields';

/** A sale order that answers a customer's order: confirmed (`sale`) or cancelled. */
export interface AnsweredSaleOrder {
  id: number;
  name: string;
  /** The customer's order number (`client_order_ref`). */
  ref: string;
  /** Its `date_order` (the confirmation's): where the next run goes on from. */
  at: string;
}

/** Sale states that answer an order: confirmed, or cancelled (Odoo 17+ has no `done`). */
const ANSWERED = ['sale', 'cancel'];

/**
 * Sale orders of the partner's customer (and its contacts) that carry a customer order number and were
 * confirmed or cancelled, dated at or after `since` (UTC; Odoo moves `date_order` to the confirmation), after `cursor`, oldest first.
 */
export async function answeredSaleOrders(ctx: PostContext, window: ExportWindow, limit = 500): Promise<AnsweredSaleOrder[]> {
  const customer = await resolvePartner(ctx);
  const rows = await ctx.client.searchRead(
    'sale.order',
    [['partner_id', 'child_of', customer.commercialId], ['state', 'in', ANSWERED], ['client_order_ref', '!=', false], ...listedIn('date_order', window)],
    { fields: ['id', 'name', 'client_order_ref', 'date_order'], order: 'date_order, id', limit },
  );
  return rows.map((r) => ({ id: r.id, name: str(r.name), ref: str(r.client_order_ref), at: str(r.date_order) }));
}

/**
 * Confirmed or cancelled sale orders of the partner's customer with a customer order number that were
 * written in the window, themselves or through a line: those whose answer may have changed since it was sent.
 */
export async function changedSaleOrders(ctx: PostContext, window: ExportWindow, limit = 500): Promise<AnsweredSaleOrder[]> {
  const customer = await resolvePartner(ctx);
  const answered: Domain = [['partner_id', 'child_of', customer.commercialId], ['state', 'in', ANSWERED], ['client_order_ref', '!=', false]];
  return (await writtenOrders(ctx, 'sale.order', 'sale.order.line', answered, ['client_order_ref'], window, limit)).map(({ row, at }) => ({ id: row.id, name: str(row.name), ref: str(row.client_order_ref), at }));
}

const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

/** A product line of a sale order as the sales-side documents read it. */
export interface SaleLine {
  id: number;
  product: number | undefined;
  qty: number;
  uomId: number | undefined;
  uomName: string;
  price: number;
}

/** The product lines of a sale order (sections and notes left out), in creation order. */
export async function readSaleLines(ctx: PostContext, soId: number): Promise<SaleLine[]> {
  const uomField = (await ctx.client.fieldNames()).saleLineUom;
  const rows = await ctx.client.searchRead('sale.order.line', [['order_id', '=', soId]], { fields: ['id', 'product_id', 'product_uom_qty', uomField, 'price_unit', 'display_type'], order: 'id' });
  return rows
    .filter((r) => !r.display_type)
    .map((r) => ({ id: r.id, product: m2oId(r.product_id), qty: num(r.product_uom_qty), uomId: m2oId(r[uomField]), uomName: m2oName(r[uomField]) || 'Units', price: num(r.price_unit) }));
}

/** One of the customer's order lines and what it became on the sale order. */
export interface CustomerLine {
  line: Order['lines'][number];
  /** The sale order line it became; undefined when no line has its product any more (removed in Odoo). */
  sale: SaleLine | undefined;
  /** The Odoo unit it books as (undefined when its product no longer resolves). */
  uomId: number | undefined;
}

/**
 * The customer's order lines, each with the sale order line it became: found by the product the order line
 * books as (the poster's own resolution), each sale line taken once, in creation order, never by position.
 */
export async function customerLines(ctx: PostContext, original: Order, saleLines: readonly SaleLine[]): Promise<CustomerLine[]> {
  const used = new Set<number>();
  const out: CustomerLine[] = [];
  for (let i = 0; i < original.lines.length; i++) {
    let booked: Awaited<ReturnType<typeof bookedAs>> | undefined;
    try {
      booked = await bookedAs(ctx, original, i);
    } catch (err) {
      // The product no longer resolves (archived since): the line cannot be found on the sale order.
      if (!(err instanceof BusinessError)) throw err;
    }
    const sale = booked ? saleLines.find((l) => !used.has(l.id) && l.product === booked.product.id) : undefined;
    if (sale) used.add(sale.id);
    out.push({ line: original.lines[i]!, sale, uomId: booked?.uom.id });
  }
  return out;
}

/** A line's answer from the order line the customer sent and the sale order line it became (none: removed). */
function answerLine(original: Order, c: CustomerLine, cancelled: boolean, scheduled: string | undefined): OrderResponseLine {
  const { line, sale } = c;
  const base = { lineNumber: line.lineNumber, ...(line.itemIds ? { itemIds: line.itemIds } : {}) };
  if (!sale || cancelled) return { ...base, status: 'rejected', quantity: 0, uom: line.uom };
  const sameUom = sale.uomId === c.uomId;
  const changed = !sameUom || !same(sale.qty, line.quantity) || (line.unitPrice !== undefined && !same(sale.price, line.unitPrice));
  // The order's delivery date is one for all lines: only a date sales moved reschedules them.
  const moved = scheduled !== undefined && scheduled !== bookedDeliveryDate(original);
  const status: LineStatus = changed ? 'changed' : moved ? 'rescheduled' : 'accepted';
  const date = moved ? scheduled : (line.requestedDate ?? original.requestedDeliveryDate ?? scheduled);
  return { ...base, status, quantity: sale.qty, uom: sameUom ? line.uom : sale.uomName, unitPrice: sale.price, ...(date ? { scheduledDate: date } : {}) };
}

/**
 * The order response for sale order `soId`. `original` is the customer's order as received (from the
 * ledger); without it (removed under retention) the lines are numbered by their position on the sale order.
 */
export async function saleOrderAsOrderResponse(ctx: PostContext, soId: number, original: Order | undefined, partnerId: string, envelope: Envelope): Promise<OrderResponse> {
  const [so] = await ctx.client.read('sale.order', [soId], ['id', 'name', 'state', 'client_order_ref', 'date_order', 'commitment_date']);
  if (!so) throw new BusinessError('unsupported', `sale order id ${soId} does not exist in Odoo`);
  if (!ANSWERED.includes(str(so.state))) throw new BusinessError('unsupported', `sale order ${str(so.name)} is ${str(so.state)}: it is answered once confirmed or cancelled`);
  const saleLines = await readSaleLines(ctx, soId);
  const cancelled = so.state === 'cancel';
  const scheduled = day(so.commitment_date);
  let lines: OrderResponseLine[];
  if (original) {
    lines = (await customerLines(ctx, original, saleLines)).map((c) => answerLine(original, c, cancelled, scheduled));
  } else {
    lines = saleLines.map((l, i) => ({ lineNumber: String(i + 1), status: cancelled ? 'rejected' : 'accepted', quantity: cancelled ? 0 : l.qty, uom: l.uomName, unitPrice: l.price, ...(scheduled && !cancelled ? { scheduledDate: scheduled } : {}) }));
  }
  const status: ResponseStatus = cancelled ? 'rejected' : lines.every((l) => l.status === 'accepted') ? 'accepted' : 'accepted_with_changes';
  const response: OrderResponse = { type: 'order_response', partnerId, envelope, orderNumber: str(so.client_order_ref), responseNumber: str(so.name), status, lines };
  const date = day(so.date_order);
  if (date) response.responseDate = date;
  return response;
}
