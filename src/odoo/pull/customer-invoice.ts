/**
 * Invoices to customers: a posted Odoo customer invoice (account.move, move_type out_invoice) as the
 * canonical invoice we send (an 810 / INVOIC once rendered). Each line answers the customer's order line
 * it bills, by the customer's own line number, item ids and unit: invoice line → the sale order line it
 * invoices (`sale_line_ids`, which Odoo's invoicing sets) → the customer's line that sale line became
 * (customerLines, the order response's own matching), so an invoice for part of an order, or for lines
 * sales reordered, still names the lines as the customer sent them. A posted credit note (out_refund)
 * becomes the same canonical invoice with `invoiceType: credit_note` and the number of the invoice it
 * reverses (D30).
 */
import type { Envelope } from '../../canonical/envelope';
import type { Invoice, InvoiceLine, Tax } from '../../canonical/invoice';
import type { Order } from '../../canonical/order';
import type { Party } from '../../canonical/party';
import { BusinessError, m2oId, num, str, type PostContext } from '../post/context';
import { hasField, resolvePartner } from '../post/resolve';
import type { OdooRecord } from '../client';
import { day, listedIn, m2oName, ownItemIds, type ExportWindow } from './fields';
import { commercialOf, documentParties } from './parties';
import { customerLines, readSaleLines, type CustomerLine, type SaleLine } from './sale-order';
import { flattenTaxes, readTaxes, type OdooTax } from './taxes';

/** A posted customer invoice or credit note ready to be sent. */
export interface PostedCustomerInvoice {
  id: number;
  name: string;
  /** Its `invoice_date`: where the next run goes on from. */
  at: string;
}

/** The customer documents sent: invoices, and credit notes (Odoo's refunds). */
type CustomerMoveType = 'out_invoice' | 'out_refund';

/**
 * Posted customer documents of `moveType` of the partner's customer (and its contacts) dated at or after
 * the day of `since` (UTC). Odoo keeps no posting time on an invoice, and `invoice_date` (set at the
 * latest by posting) is a day: so the first run also sends that day's invoices posted before it, while a
 * later cut would miss the ones posted after it. After `cursor`, oldest first.
 */
async function postedCustomerMoves(ctx: PostContext, window: ExportWindow, limit: number, moveType: CustomerMoveType): Promise<PostedCustomerInvoice[]> {
  const customer = await resolvePartner(ctx);
  const rows = await ctx.client.searchRead(
    'account.move',
    [
      ['move_type', '=', moveType],
      ['partner_id', 'child_of', customer.commercialId],
      ['state', '=', 'posted'],
      ...listedIn('invoice_date', window, true),
    ],
    { fields: ['id', 'name', 'invoice_date'], order: 'invoice_date, id', limit },
  );
  return rows.map((r) => ({ id: r.id, name: str(r.name), at: str(r.invoice_date) }));
}

/** Posted customer invoices to send (postedCustomerMoves). */
export const postedCustomerInvoices = (ctx: PostContext, window: ExportWindow, limit = 500): Promise<PostedCustomerInvoice[]> => postedCustomerMoves(ctx, window, limit, 'out_invoice');

/** Posted customer credit notes to send (postedCustomerMoves): dated by their own `invoice_date`, as invoices. */
export const postedCustomerCreditNotes = (ctx: PostContext, window: ExportWindow, limit = 500): Promise<PostedCustomerInvoice[]> => postedCustomerMoves(ctx, window, limit, 'out_refund');

/** The sale order a customer invoice bills. */
export interface InvoicedSaleOrder {
  id: number;
  name: string;
  /** The customer's order number (`client_order_ref`), '' when the sale order has none. */
  ref: string;
}

/** A product line of a customer invoice: what a sale line has, and what invoicing adds. */
interface MoveLine extends SaleLine {
  discount: number;
  subtotal: number;
  label: string;
  taxIds: number[];
  saleLineIds: number[];
}

// reversed_entry_id ("Reversal of", account.move in Odoo 17/18/19): the invoice a credit note reverses,
// set by the Credit Note wizard (account.move.reversal → _reverse_moves), or by hand through the API.
const MOVE_FIELDS = ['id', 'name', 'state', 'move_type', 'invoice_date', 'invoice_date_due', 'invoice_origin', 'reversed_entry_id', 'currency_id', 'amount_tax', 'amount_total', 'partner_id', 'company_id'];

/** The invoice, read once per run: the kind reads its sale order before building it. */
function readMove(ctx: PostContext, moveId: number): Promise<OdooRecord> {
  return ctx.cache.get(`account.move:${moveId}`, async () => {
    const [move] = await ctx.client.read('account.move', [moveId], MOVE_FIELDS);
    if (!move) throw new BusinessError('unsupported', `invoice id ${moveId} does not exist in Odoo`);
    return move;
  });
}

const ids = (v: unknown): number[] => (Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : []);

/** The invoice's product lines (no sections, notes, tax or payment-term lines), in creation order. */
function readMoveLines(ctx: PostContext, moveId: number): Promise<MoveLine[]> {
  return ctx.cache.get(`account.move.line:${moveId}`, async () => {
    const rows = await ctx.client.searchRead('account.move.line', [['move_id', '=', moveId], ['display_type', '=', 'product']], {
      fields: ['id', 'product_id', 'name', 'quantity', 'product_uom_id', 'price_unit', 'discount', 'price_subtotal', 'tax_ids', 'sale_line_ids'],
      order: 'id',
    });
    return rows.map((r) => ({
      id: r.id,
      product: m2oId(r.product_id),
      qty: num(r.quantity),
      uomId: m2oId(r.product_uom_id),
      uomName: m2oName(r.product_uom_id) || 'Units',
      price: num(r.price_unit),
      discount: num(r.discount),
      subtotal: num(r.price_subtotal),
      label: str(r.name),
      taxIds: ids(r.tax_ids),
      saleLineIds: ids(r.sale_line_ids),
    }));
  });
}

function oneOrder(move: OdooRecord, orders: OdooRecord[]): InvoicedSaleOrder | undefined {
  if (orders.length > 1) {
    // One EDI invoice answers one customer order (BIG04, RFF+ON): a consolidated invoice has no single one.
    throw new BusinessError('unsupported', `invoice ${str(move.name)} bills sale orders ${orders.map((o) => str(o.name)).join(', ')}: an EDI invoice answers one customer order, so invoice them one by one`);
  }
  const so = orders[0];
  return so ? { id: so.id, name: str(so.name), ref: str(so.client_order_ref) } : undefined;
}

/**
 * The sale order a customer invoice bills: the one its lines' sale order lines belong to, else the one its
 * origin names (an invoice typed by hand), else, for a credit note, the one of the invoice it reverses;
 * undefined for an invoice made without one. Refuses an invoice of several. (Odoo's reversal copies each
 * line's `sale_line_ids`, sale's `_copy_data_extend_business_fields`, so a wizard's credit note has them.)
 */
export async function invoicedSaleOrder(ctx: PostContext, moveId: number): Promise<InvoicedSaleOrder | undefined> {
  const move = await readMove(ctx, moveId);
  const saleLineIds = [...new Set((await readMoveLines(ctx, moveId)).flatMap((l) => l.saleLineIds))];
  const fields = ['id', 'name', 'client_order_ref'];
  if (saleLineIds.length > 0) {
    const orderIds = [...new Set((await ctx.client.read('sale.order.line', saleLineIds, ['order_id'])).map((l) => m2oId(l.order_id)).filter((id): id is number => id !== undefined))];
    return oneOrder(move, orderIds.length ? await ctx.client.read('sale.order', orderIds, fields) : []);
  }
  // Odoo writes the sale orders' names there, comma-separated, when it invoices them.
  const names = str(move.invoice_origin).split(',').map((n) => n.trim()).filter((n) => n !== '');
  const reversed = m2oId(move.reversed_entry_id);
  if (names.length === 0) return reversed !== undefined && reversed !== moveId ? invoicedSaleOrder(ctx, reversed) : undefined;
  const customer = await resolvePartner(ctx);
  return oneOrder(move, await ctx.client.searchRead('sale.order', [['name', 'in', names], ['partner_id', 'child_of', customer.commercialId]], { fields, order: 'id' }));
}

const round = (v: number, places: number): number => Math.round(v * 10 ** places) / 10 ** places;
const round2 = (v: number): number => round(v, 2);

/**
 * Odoo's taxes on a line as the canonical invoice says them, each with its type and category (taxes.ts),
 * in Odoo's order with a group's taxes in its place: a percentage with its amount on its base, a fixed tax
 * by the quantity, a division tax by its rate only (Odoo computes it on the price with the tax), a tax
 * computed by Python code not at all (an X12 TXI needs an amount or a rate); the invoice's tax total is
 * Odoo's own either way. A tax's base is the line's net amount plus the earlier taxes that add to the
 * base (`include_base_amount`), as Odoo's `compute_all` does for a tax whose base they affect.
 */
function lineTaxes(line: MoveLine, taxes: Map<number, OdooTax>): Tax[] {
  const out: Tax[] = [];
  let added = 0;
  for (const t of flattenTaxes(line.taxIds, taxes)) {
    const { type, category } = t.kind;
    const base = t.baseAffected ? line.subtotal + added : line.subtotal;
    let amount: number | undefined;
    if (t.amountType === 'percent') amount = (base * t.amount) / 100;
    else if (t.amountType === 'fixed') amount = t.amount * line.qty;
    else if (t.amountType === 'division') {
      out.push({ type, category, rate: t.amount });
      if (t.includeBase && t.amount < 100) added += base / (1 - t.amount / 100) - base;
      continue;
    }
    if (amount === undefined) continue;
    out.push({ type, category, ...(t.amountType === 'percent' ? { rate: t.amount } : {}), amount: round2(amount) });
    if (t.includeBase) added += amount;
  }
  return out;
}

/**
 * The invoice's parties: the buyer, the invoicee and the delivery point as the customer's order named them,
 * else Odoo's (the customer company; the invoice address when it is another contact; the delivery address
 * of the invoice, or of its sale order where Odoo has none on invoices), then us as the supplier.
 */
async function invoiceParties(ctx: PostContext, move: OdooRecord, so: InvoicedSaleOrder | undefined, original: Order | undefined, envelope: Envelope): Promise<Party[]> {
  const invoicee = m2oId(move.partner_id);
  const buyer = await commercialOf(ctx, invoicee);
  let shipTo: number | undefined;
  if (await hasField(ctx, 'account.move', 'partner_shipping_id')) {
    shipTo = m2oId((await ctx.client.read('account.move', [move.id], ['id', 'partner_shipping_id']))[0]?.partner_shipping_id);
  } else if (so) {
    shipTo = m2oId((await ctx.client.read('sale.order', [so.id], ['id', 'partner_shipping_id']))[0]?.partner_shipping_id);
  }
  return documentParties(ctx, {
    original,
    partner: [
      ['buyer', buyer],
      ['bill_to', invoicee !== buyer ? invoicee : undefined],
      ['ship_to', shipTo],
    ],
    ours: ['supplier'],
    companyId: m2oId(move.company_id),
    envelope,
    taxIds: true,
  });
}

/**
 * The number of the invoice a credit note reverses, read as its `name`: the many2one's display name is
 * not the number alone (Odoo adds the invoice's reference to it).
 */
async function creditedInvoiceName(ctx: PostContext, move: OdooRecord): Promise<string | undefined> {
  const reversed = m2oId(move.reversed_entry_id);
  if (reversed === undefined) return undefined;
  const name = str((await readMove(ctx, reversed)).name);
  return name && name !== '/' ? name : undefined;
}

/** Days from `from` to `to` (ISO dates). */
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** The highest numeric line number in `numbers`, 0 when none is numeric. */
const highest = (numbers: readonly string[]): number => Math.max(0, ...numbers.map(Number).filter(Number.isInteger));

/**
 * The canonical invoice for customer invoice `moveId`. `original` is the customer's order as received
 * (from the ledger); with it, lines carry the customer's line numbers, item ids and units. Without it
 * (removed under retention, or an order that did not come by EDI) a line is numbered by the position of
 * its sale line on the sale order, as the order response numbered it then; lines that bill no line of
 * the order (a freight line added by hand) follow the highest number.
 */
export async function customerInvoiceAsInvoice(ctx: PostContext, moveId: number, original: Order | undefined, partnerId: string, envelope: Envelope): Promise<Invoice> {
  const move = await readMove(ctx, moveId);
  const name = str(move.name);
  if (move.move_type !== 'out_invoice' && move.move_type !== 'out_refund') throw new BusinessError('unsupported', `${name} is not a customer invoice or credit note (${str(move.move_type)})`);
  const credit = move.move_type === 'out_refund';
  const what = credit ? 'credit note' : 'invoice';
  if (move.state !== 'posted') throw new BusinessError('unsupported', `${what} ${name || moveId} is ${str(move.state)}: it is sent once posted`);
  const moveLines = await readMoveLines(ctx, moveId);
  if (moveLines.length === 0) throw new BusinessError('unsupported', `${what} ${name} has no product lines to send`);

  const so = await invoicedSaleOrder(ctx, moveId);
  const saleLines = so ? await readSaleLines(ctx, so.id) : [];
  const customer = original && so ? await customerLines(ctx, original, saleLines) : [];
  const bySale = new Map(customer.filter((c): c is CustomerLine & { sale: SaleLine } => c.sale !== undefined).map((c) => [c.sale.id, c]));
  let next = original && so ? highest(original.lines.map((l) => l.lineNumber)) : saleLines.length;
  const products = await ownItemIds(ctx, moveLines.map((l) => l.product).filter((id): id is number => id !== undefined), 'vendor');
  const taxes = await readTaxes(ctx, [...new Set(moveLines.flatMap((l) => l.taxIds))]);

  const used = new Set<number>();
  const lines = moveLines.map((l): InvoiceLine => {
    // The sale line Odoo linked it to, else (an invoice typed by hand against the order) the first one of
    // the same product not billed by another line.
    const sale = l.saleLineIds.length ? saleLines.find((s) => l.saleLineIds.includes(s.id)) : saleLines.find((s) => !used.has(s.id) && s.product === l.product);
    if (sale) used.add(sale.id);
    const theirs = sale ? bySale.get(sale.id) : undefined;
    const lineNumber = theirs ? theirs.line.lineNumber : sale && !original ? String(saleLines.indexOf(sale) + 1) : String(++next);
    const itemIds = theirs ? theirs.line.itemIds : products.get(l.product ?? -1);
    // A price is not negative in an invoice: a credit line is a negative quantity at its price.
    const sign = l.price < 0 ? -1 : 1;
    // The net price: EDI has no line discount here, and the customer multiplies quantity by price.
    const unitPrice = round(Math.abs(l.price) * (1 - l.discount / 100), 4);
    const line: InvoiceLine = { lineNumber, quantity: sign * l.qty, uom: theirs && l.uomId === theirs.uomId ? theirs.line.uom : l.uomName, unitPrice, amount: l.subtotal };
    if (itemIds) line.itemIds = itemIds;
    // One line of text: an invoice line's label may hold the product's whole sales description.
    const description = l.label.replace(/\s+/g, ' ').trim();
    if (description) line.description = description.slice(0, 80);
    const lineTax = lineTaxes(l, taxes);
    if (lineTax.length) line.taxes = lineTax;
    return line;
  });

  const invoiceDate = day(move.invoice_date);
  if (!invoiceDate) throw new BusinessError('unsupported', `${what} ${name} has no invoice date`);
  // Odoo keeps a credit note's amounts positive (only the *_signed fields turn them), as EDI credit notes
  // state them: the type says it is a credit.
  const invoice: Invoice = { type: 'invoice', partnerId, envelope, invoiceNumber: name, invoiceDate, lines, totalAmount: num(move.amount_total) };
  if (credit) {
    invoice.invoiceType = 'credit_note';
    const credited = await creditedInvoiceName(ctx, move);
    if (credited) invoice.creditedInvoiceNumber = credited;
  }
  if (so?.ref) invoice.orderNumber = so.ref;
  const parties = await invoiceParties(ctx, move, so, original, envelope);
  if (parties.length > 0) invoice.parties = parties;
  const currency = m2oName(move.currency_id);
  if (/^[A-Z]{3}$/.test(currency)) invoice.currency = currency;
  if (lines.some((l) => l.taxes) || num(move.amount_tax) !== 0) invoice.taxTotal = num(move.amount_tax);
  const due = day(move.invoice_date_due);
  if (due) {
    const days = daysBetween(invoiceDate, due);
    // 0 days says "due at once", which a due date alone leaves the reader to work out.
    invoice.terms = { dueDate: due, ...(days >= 0 ? { netDays: days } : {}) };
  }
  return invoice;
}
