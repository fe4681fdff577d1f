/**
 * A customer's change or cancellation of an order it sent before (850 BEG01 04 / 01, ORDERS BGM 1225
 * 4 / 1) → the sale order it became (D29).
 *
 * Under `orderUpdates: hold` (the default) a person books it: the document is held. Under `apply`:
 * - a cancellation cancels the sale order (partner + client_order_ref, as the order poster keys it) when
 *   nothing of it was delivered or invoiced, through Odoo's own `action_cancel`; otherwise it is refused
 *   with what stands in the way, line by line;
 * - a change makes the sale order say what the customer's order now says: the customer's lines are found
 *   on the sale order as the order response finds them (D18: the order as last stated, from the ledger,
 *   each line by the product it books as), their quantity, price (priceSource edi) and the delivery date
 *   are updated, new lines added and lines left out set to 0. The whole plan is computed first and written
 *   in one `write` (one2many commands), or refused as a whole: a line below what was delivered or
 *   invoiced, a line left out that was delivered, a line whose item changed.
 * Both compare before they write, so the same change or cancellation again writes nothing.
 */
import { z } from 'zod';
import type { Order } from '../../canonical';
import { OdooProtocolError } from '../errors';
import { customerLines, type SaleLine } from '../pull/sale-order';
import { m2oName } from '../pull/fields';
import { BusinessError, dateToOdooDatetime, lineSegment, m2oId, record, str, type PostContext, type PostResult } from './context';
import { bookedAs, bookedDeliveryDate, existingDomain, isOrderUpdate, postOrder, refuseUnbooked, saleLineValues, type LineMatch } from './order';
import { resolvePartner, type ResolvedPartner } from './resolve';

/** Post a customer's order: a new one as a sale order, a change or cancellation onto the sale order it became, a replacement as either. */
export async function postCustomerOrder(order: Order, ctx: PostContext): Promise<PostResult> {
  if (order.purpose === 'replace') {
    // The order restated in full: a change of the sale order it became, or, when none was booked, the order.
    const customer = await resolvePartner(ctx);
    const live = await ctx.client.searchRead('sale.order', existingDomain(customer.id, [order.orderNumber]), { fields: ['id'], limit: 1 });
    return live.length > 0 ? postOrderUpdate({ ...order, purpose: 'change' }, ctx) : postOrder(order, ctx);
  }
  return isOrderUpdate(order) ? postOrderUpdate(order, ctx) : postOrder(order, ctx);
}

/** Apply a change or cancellation to its sale order (orderUpdates: apply), or hold it for a person (hold). */
export async function postOrderUpdate(order: Order, ctx: PostContext): Promise<PostResult> {
  if (ctx.settings.orderUpdates !== 'apply') refuseUnbooked(order);
  const customer = await resolvePartner(ctx);
  const found = await findSaleOrder(order, ctx, customer);
  if ('cancelled' in found) {
    if (order.purpose === 'cancel') return [record('sale.order', found.cancelled.id, found.cancelled.name, 'unchanged', ['already cancelled'])];
    throw new BusinessError('unsupported', `order ${order.orderNumber}: sale order ${found.cancelled.name} is cancelled; a change cannot be applied to it, a person must decide`);
  }
  const lines = await readUpdateLines(ctx, found.id);
  return order.purpose === 'cancel' ? cancel(order, ctx, found, lines) : change(order, ctx, found, lines);
}

interface FoundOrder {
  id: number;
  name: string;
  state: string;
  commitmentDate: string | undefined;
}

const SO_FIELDS = ['id', 'name', 'state', 'commitment_date'];

/** The live sale order under the customer's order number, else a cancelled one; a BusinessError when none or two. */
async function findSaleOrder(order: Order, ctx: PostContext, customer: ResolvedPartner): Promise<FoundOrder | { cancelled: FoundOrder }> {
  const asFound = (r: Record<string, unknown> & { id: number }): FoundOrder => ({ id: r.id, name: str(r.name), state: str(r.state), commitmentDate: str(r.commitment_date) || undefined });
  const live = await ctx.client.searchRead('sale.order', existingDomain(customer.id, [order.orderNumber]), { fields: SO_FIELDS, limit: 2 });
  if (live.length > 1) throw new BusinessError('ambiguous', `order ${order.orderNumber}: ${live.map((o) => str(o.name)).join(' and ')} both carry customer reference ${order.orderNumber} for ${customer.name}`);
  if (live[0]) return asFound(live[0]);
  const [gone] = await ctx.client.searchRead('sale.order', [['partner_id', '=', customer.id], ['client_order_ref', '=', order.orderNumber], ['state', '=', 'cancel']], { fields: SO_FIELDS, limit: 1, order: 'id desc' });
  if (gone) return { cancelled: asFound(gone) };
  throw new BusinessError(
    'po_not_found',
    `order ${order.orderNumber}: no sale order of ${customer.name} carries customer reference ${order.orderNumber}, so its ${order.purpose} cannot be applied (the order itself may not be booked yet: held or dead-lettered in the gateway)`,
  );
}

/** A product line of the sale order with what was delivered and invoiced of it. */
interface UpdateLine extends SaleLine {
  productName: string;
  delivered: number;
  invoiced: number;
}

// What is read here and nowhere else: checked, so a changed Odoo answer is a protocol error, not a wrong plan.
const LineRow = z.looseObject({ id: z.number().int(), product_uom_qty: z.number(), qty_delivered: z.number(), qty_invoiced: z.number(), price_unit: z.number() });

/** The sale order's product lines (sections and notes left out), in creation order. */
async function readUpdateLines(ctx: PostContext, soId: number): Promise<UpdateLine[]> {
  const uomField = (await ctx.client.fieldNames()).saleLineUom;
  const rows = await ctx.client.searchRead('sale.order.line', [['order_id', '=', soId]], {
    fields: ['id', 'product_id', 'product_uom_qty', 'qty_delivered', 'qty_invoiced', uomField, 'price_unit', 'display_type'],
    order: 'id',
  });
  return rows
    .filter((r) => !r.display_type)
    .map((r) => {
      const checked = LineRow.safeParse(r);
      if (!checked.success) throw new OdooProtocolError({ model: 'sale.order.line', method: 'search_read', message: `unexpected sale line ${r.id}: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      const l = checked.data;
      return {
        id: l.id,
        product: m2oId(r.product_id),
        productName: m2oName(r.product_id),
        qty: l.product_uom_qty,
        uomId: m2oId(r[uomField]),
        uomName: m2oName(r[uomField]) || 'Units',
        price: l.price_unit,
        delivered: l.qty_delivered,
        invoiced: l.qty_invoiced,
      };
    });
}

const EPS = 1e-9;
const same = (a: number, b: number): boolean => Math.abs(a - b) < EPS;

/** Which customer line each sale line is (the order as last stated, matched as the order response does), for messages. */
async function customerNumbers(ctx: PostContext, stated: Order | undefined, lines: UpdateLine[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (stated) for (const c of await customerLines(ctx, stated, lines)) if (c.sale) out.set(c.sale.id, c.line.lineNumber);
  return out;
}

/** `line 2 (BV-075-NPT …)` for a sale line that is the customer's line 2, else `sale line "…"`. */
function lineLabel(l: UpdateLine, numbers: Map<number, string>): string {
  const n = numbers.get(l.id);
  return n !== undefined ? `line ${n} (${l.productName})` : `sale line "${l.productName}"`;
}

const fmt = (n: number): string => String(Math.round(n * 1e6) / 1e6);

/**
 * Cancel the sale order through Odoo's own method: sale/models/sale_order.py `action_cancel` (17/18/19)
 * refuses a locked order, and answers the cancel wizard's action instead of cancelling unless the context
 * has `disable_cancel_warning` (`_show_cancel_wizard`: any order past draft); `_action_cancel` cancels
 * draft invoices, and sale_stock's override the deliveries not done. So the gateway first refuses what
 * Odoo would let through: anything delivered or invoiced (drafts too) is for a person to settle.
 */
async function cancel(order: Order, ctx: PostContext, so: FoundOrder, lines: UpdateLine[]): Promise<PostResult> {
  const numbers = await customerNumbers(ctx, ctx.statedOrder?.(order.orderNumber), lines);
  const blockers: string[] = [];
  for (const l of lines) {
    if (l.delivered > EPS) blockers.push(`${lineLabel(l, numbers)}: delivered ${fmt(l.delivered)} of ${fmt(l.qty)}`);
    if (Math.abs(l.invoiced) > EPS) blockers.push(`${lineLabel(l, numbers)}: invoiced ${fmt(l.invoiced)} of ${fmt(l.qty)}`);
  }
  if (blockers.length) throw new BusinessError('unsupported', blockers.map((b) => `order ${order.orderNumber}: cannot cancel ${so.name}: ${b}; a person must decide`));
  const answer = await ctx.client.call('sale.order', 'action_cancel', [[so.id]], { context: { disable_cancel_warning: true } });
  // True (17/18/19 `_action_cancel` answers the write's True); an action dict would be the wizard, not a cancellation.
  if (answer !== true && answer !== null) throw new OdooProtocolError({ model: 'sale.order', method: 'action_cancel', message: `sale order ${so.name} was not cancelled: Odoo answered ${JSON.stringify(answer).slice(0, 200)}` });
  await ctx.client.messagePost('sale.order', so.id, `${updateTrace(order)}: order cancelled by the customer`);
  return [record('sale.order', so.id, so.name, 'updated', ['cancelled at the customer\'s request (partner setting orderUpdates: apply)'])];
}

/** The sale order's one2many commands and header values that make it say what the change says, with what each changes; or the reasons it cannot. */
interface ChangePlan {
  commands: unknown[];
  header: Record<string, unknown>;
  said: string[];
  problems: string[];
  notes: string[];
}

async function change(order: Order, ctx: PostContext, so: FoundOrder, lines: UpdateLine[]): Promise<PostResult> {
  const plan = await planChange(order, ctx, so, lines);
  if (plan.problems.length) throw new BusinessError('unsupported', plan.problems.map((p) => `order ${order.orderNumber}: cannot change ${so.name}: ${p}; a person must decide`));
  if (plan.commands.length === 0 && Object.keys(plan.header).length === 0) return [record('sale.order', so.id, so.name, 'unchanged', [...plan.notes, 'already as the change says'])];
  const vals: Record<string, unknown> = { ...plan.header };
  if (plan.commands.length) vals.order_line = plan.commands;
  await ctx.client.write('sale.order', [so.id], vals);
  await ctx.client.messagePost('sale.order', so.id, `${updateTrace(order)}: changed by the customer: ${plan.said.join('; ')}`);
  return [record('sale.order', so.id, so.name, 'updated', [...plan.notes, ...plan.said])];
}

/**
 * The change as one write. The customer's lines as last stated (from the ledger) are found on the sale
 * order by the product each books as; a change line takes the sale line of its own line number, a line
 * number not stated before is a new line, a stated line left out goes to 0. Without the order as stated
 * (not kept), a change line takes the first unused sale line of its product and nothing is set to 0.
 */
async function planChange(order: Order, ctx: PostContext, so: FoundOrder, lines: UpdateLine[]): Promise<ChangePlan> {
  const plan: ChangePlan = { commands: [], header: {}, said: [], problems: [], notes: [] };
  const stated = ctx.statedOrder?.(order.orderNumber);
  if (!stated) plan.notes.push('the order as last stated is not kept: lines matched by product, none dropped');
  const byNumber = new Map<string, UpdateLine>();
  const byId = new Map(lines.map((l) => [l.id, l]));
  if (stated) for (const c of await customerLines(ctx, stated, lines)) if (c.sale) byNumber.set(c.line.lineNumber, byId.get(c.sale.id)!);
  const uomField = (await ctx.client.fieldNames()).saleLineUom;
  const seg = lineSegment(order.envelope.standard, 'order');
  const used = new Set<number>();
  for (const [i, line] of order.lines.entries()) {
    let booked: LineMatch;
    try {
      booked = await bookedAs(ctx, order, i, seg);
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      plan.problems.push(...err.issues);
      continue;
    }
    const sale = stated ? byNumber.get(line.lineNumber) : lines.find((l) => !used.has(l.id) && l.product === booked.product.id);
    const label = `line ${line.lineNumber} (${booked.product.name})`;
    if (!sale) {
      plan.commands.push([0, 0, saleLineValues(order, i, booked, uomField, ctx.settings, plan.notes, seg)]);
      plan.said.push(`${label} added: ${fmt(line.quantity)}`);
      continue;
    }
    used.add(sale.id);
    if (sale.product !== booked.product.id) {
      plan.problems.push(`line ${line.lineNumber} was ${sale.productName} and is now ${booked.product.name}`);
      continue;
    }
    const vals: Record<string, unknown> = {};
    if (!same(sale.qty, line.quantity) || sale.uomId !== booked.uom.id) {
      const floor = Math.max(sale.delivered, sale.invoiced);
      if (sale.uomId === booked.uom.id && line.quantity < floor - EPS) {
        plan.problems.push(`${label}: ${fmt(line.quantity)} asked, but ${fmt(sale.delivered)} delivered and ${fmt(sale.invoiced)} invoiced`);
        continue;
      }
      if (sale.uomId !== booked.uom.id && floor > EPS) {
        plan.problems.push(`${label}: unit changes from ${sale.uomName} after ${fmt(floor)} were delivered or invoiced`);
        continue;
      }
      vals.product_uom_qty = line.quantity;
      if (sale.uomId !== booked.uom.id) vals[uomField] = booked.uom.id;
      plan.said.push(`${label}: ${fmt(sale.qty)} → ${fmt(line.quantity)}${sale.uomId !== booked.uom.id ? ` (unit ${booked.uom.name})` : ''}`);
    }
    if (ctx.settings.priceSource === 'edi' && line.unitPrice !== undefined && !same(sale.price, line.unitPrice)) {
      vals.price_unit = line.unitPrice;
      plan.said.push(`${label}: price ${fmt(sale.price)} → ${fmt(line.unitPrice)}`);
    }
    if (Object.keys(vals).length) plan.commands.push([1, sale.id, vals]);
  }
  const kept = new Set(order.lines.map((l) => l.lineNumber));
  for (const [n, sale] of byNumber) {
    if (kept.has(n) || used.has(sale.id) || same(sale.qty, 0)) continue;
    if (sale.delivered > EPS || Math.abs(sale.invoiced) > EPS) {
      plan.problems.push(`line ${n} (${sale.productName}) is left out, but ${fmt(sale.delivered)} of ${fmt(sale.qty)} delivered and ${fmt(sale.invoiced)} invoiced`);
      continue;
    }
    used.add(sale.id);
    plan.commands.push([1, sale.id, { product_uom_qty: 0 }]);
    plan.said.push(`line ${n} (${sale.productName}) left out: ${fmt(sale.qty)} → 0`);
  }
  const date = bookedDeliveryDate(order);
  if (date !== undefined && so.commitmentDate?.slice(0, 10) !== date) {
    plan.header.commitment_date = dateToOdooDatetime(date);
    plan.said.push(`delivery date ${so.commitmentDate?.slice(0, 10) ?? 'none'} → ${date}`);
  }
  return plan;
}

/** Where the update came from, for the chatter. */
function updateTrace(order: Order): string {
  const e = order.envelope;
  return `EDI ${e.messageType} ${order.purpose} of order ${order.orderNumber} from ${e.sender.id} (interchange ${e.interchangeControlNumber}, control ${e.controlNumber}${e.test ? ', TEST' : ''})`;
}
