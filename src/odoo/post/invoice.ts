/**
 * Invoice (810 / INVOIC from a supplier) → account.move, move_type in_invoice (a vendor bill); a credit
 * note (invoiceType credit_note: 810 BIG07 CR, INVOIC BGM 381) → in_refund (a vendor credit note), the
 * same way, reversing the bill of the invoice it credits when Odoo has it (`reversed_entry_id`; D30).
 *
 * Business key: (move_type in_invoice or in_refund, partner = the supplier or one of its contacts, ref =
 * invoiceNumber), cancelled bills excluded. Odoo only flags a duplicate reference as a warning
 * (`duplicated_ref_ids`) and posts it anyway (odoo-api.md §7), so the key is ours:
 * - found with the same content (invoice date, and per line product, quantity, unit price) → the same
 *   document again: nothing is created (it is posted if the setting says so and it is still draft);
 * - found with different content → BusinessError `duplicate_supplier_invoice`.
 * Lines are linked to the purchase order lines (`purchase_line_id`) when the invoice names a PO
 * (orderNumber); invoiced quantities beyond `quantityTolerancePercent` of the ordered ones are refused,
 * and so are credited quantities beyond those billed.
 * The bill is created in one call with its lines (atomic), then posted with `action_post` only when
 * `postInvoices` is on.
 */
import type { Invoice } from '../../canonical';
import { BusinessError, lineSegment, m2oId, num, record, str, type PostContext, type PostResult } from './context';
import { findPurchaseOrder, matchPurchaseLine, readPurchaseLines, type PurchaseLine, type PurchaseOrder } from './purchase';
import { convertQuantity, resolvePartner, resolveProduct, resolveUom } from './resolve';

interface BillLine {
  vals: Record<string, unknown>;
  productId: number | undefined;
  quantity: number;
  priceUnit: number;
  poLine: PurchaseLine | undefined;
  /** quantity in the PO line's unit, for the tolerance check */
  poQuantity: number;
  where: string;
}

const EPS = 1e-6;

/** Post a supplier's invoice as a vendor bill, or its credit note as a vendor credit note. */
export async function postInvoice(doc: Invoice, ctx: PostContext): Promise<PostResult> {
  const { client, settings } = ctx;
  // A credit note booked as a bill would owe the supplier what they credit us: it is Odoo's in_refund.
  const credit = doc.invoiceType === 'credit_note';
  const moveType = credit ? 'in_refund' : 'in_invoice';
  const where = `${credit ? 'credit note' : 'invoice'} ${doc.invoiceNumber}`;
  if (doc.totalAmount < 0) {
    // A credit note states its amounts positive (D30): a negative one would credit a credit.
    throw new BusinessError('unsupported', credit ? `${where}: total ${doc.totalAmount} is negative, where a credit note states the credit positive` : `${where}: total ${doc.totalAmount} is a credit; send it as a credit note (810 BIG07 CR, INVOIC BGM 381)`);
  }
  if (!doc.lines) throw new BusinessError('unsupported', `${where}: a summary invoice without lines cannot be booked automatically`);
  const supplier = await resolvePartner(ctx);
  const po = doc.orderNumber !== undefined ? await findPurchaseOrder(ctx, supplier, doc.orderNumber, where) : undefined;
  const poLines = po ? await readPurchaseLines(ctx, po) : [];
  const lines = await buildLines(doc, ctx, po, poLines);

  const existing = await client.searchRead(
    'account.move',
    [
      ['move_type', '=', moveType],
      ['partner_id', 'child_of', supplier.commercialId],
      ['ref', '=', doc.invoiceNumber],
      ['state', '!=', 'cancel'],
    ],
    { fields: ['id', 'name', 'state', 'invoice_date'], limit: 2 },
  );
  if (existing.length > 1) {
    throw new BusinessError('ambiguous', `${where}: ${existing.map((m) => moveLabel(m, moveType)).join(' and ')} both carry supplier reference ${doc.invoiceNumber} for ${supplier.name}`);
  }
  if (existing[0]) {
    const bill = existing[0];
    const diff = await differences(ctx, bill, doc, lines);
    if (diff.length) {
      throw new BusinessError(
        'duplicate_supplier_invoice',
        `${where}: duplicate supplier ${credit ? 'credit note' : 'invoice'}: ${moveLabel(bill, moveType)} (id ${bill.id}) already has reference ${doc.invoiceNumber} for ${supplier.name} with different content (${diff.join('; ')})`,
      );
    }
    const notes = [`${credit ? 'vendor credit note' : 'vendor bill'} with reference ${doc.invoiceNumber} already exists with the same content`];
    let action: 'unchanged' | 'updated' = 'unchanged';
    let name = moveLabel(bill, moveType);
    if (settings.postInvoices && bill.state === 'draft') {
      await client.call('account.move', 'action_post', [[bill.id]]);
      name = await billName(ctx, bill.id, moveType);
      notes.push('posted (partner setting postInvoices)');
      action = 'updated';
    }
    return [record('account.move', bill.id, name, action, notes)];
  }

  // New bill: check tolerance against what is already billed on the PO lines (a credit: that it credits
  // no more than was billed; Odoo's qty_invoiced already counts vendor credit notes negative).
  const tol = settings.quantityTolerancePercent;
  const perLine = new Map<number, { line: PurchaseLine; qty: number; where: string[] }>();
  for (const l of lines) {
    if (!l.poLine) continue;
    const acc = perLine.get(l.poLine.id) ?? { line: l.poLine, qty: 0, where: [] };
    acc.qty += l.poQuantity;
    acc.where.push(l.where);
    perLine.set(l.poLine.id, acc);
  }
  const over = [...perLine.values()].flatMap((a) => {
    if (credit) return a.qty > a.line.qtyInvoiced + EPS ? [`${a.where.join(', ')}: ${a.line.productName} credited ${a.qty}, billed ${a.line.qtyInvoiced} on ${po?.name ?? ''}: more than was billed`] : [];
    return a.line.qtyInvoiced + a.qty > a.line.productQty * (1 + tol / 100) + EPS
      ? [`${a.where.join(', ')}: ${a.line.productName} invoiced ${a.qty}${a.line.qtyInvoiced ? ` after ${a.line.qtyInvoiced} already billed` : ''}, ordered ${a.line.productQty} on ${po?.name ?? ''}: more than the ${tol}% tolerance allows`]
      : [];
  });
  if (over.length) throw new BusinessError('quantity_over_tolerance', over);

  const vals: Record<string, unknown> = {
    move_type: moveType,
    partner_id: supplier.id,
    ref: doc.invoiceNumber,
    invoice_date: doc.invoiceDate,
    invoice_line_ids: lines.map((l) => [0, 0, l.vals]),
  };
  if (doc.terms?.dueDate) vals.invoice_date_due = doc.terms.dueDate;
  if (po) vals.invoice_origin = po.name;
  const notes: string[] = [];
  if (credit && doc.creditedInvoiceNumber) {
    const reversed = await creditedBill(ctx, supplier.commercialId, doc.creditedInvoiceNumber);
    if (reversed) vals.reversed_entry_id = reversed.id;
    notes.push(reversed ? `reverses ${moveLabel(reversed, 'in_invoice')}` : `their invoice ${doc.creditedInvoiceNumber} is not a bill in Odoo: not linked`);
  }
  const id = await client.create('account.move', vals);
  if (po) notes.push(`${lines.filter((l) => l.poLine).length} line(s) linked to ${po.name}`);
  const [created] = await client.read('account.move', [id], ['amount_total']);
  if (created && Math.abs(num(created.amount_total) - doc.totalAmount) > 0.005) {
    notes.push(`EDI total ${doc.totalAmount}, Odoo computed ${num(created.amount_total)} (taxes come from Odoo)`);
  }
  if (settings.postInvoices) {
    await client.call('account.move', 'action_post', [[id]]);
    notes.push('posted (partner setting postInvoices)');
  } else {
    notes.push('left in draft (postInvoices is off)');
  }
  return [record('account.move', id, await billName(ctx, id, moveType), 'created', notes)];
}

/** The one vendor bill (not cancelled) of the supplier with reference `invoiceNumber`, which their credit note credits; undefined when none or several. */
async function creditedBill(ctx: PostContext, commercialId: number, invoiceNumber: string): Promise<{ id: number; name?: unknown } | undefined> {
  const rows = await ctx.client.searchRead(
    'account.move',
    [
      ['move_type', '=', 'in_invoice'],
      ['partner_id', 'child_of', commercialId],
      ['ref', '=', invoiceNumber],
      ['state', '!=', 'cancel'],
    ],
    { fields: ['id', 'name'], limit: 2 },
  );
  return rows.length === 1 ? rows[0] : undefined;
}

async function buildLines(doc: Invoice, ctx: PostContext, po: PurchaseOrder | undefined, poLines: PurchaseLine[]): Promise<BillLine[]> {
  const seg = lineSegment(doc.envelope.standard, 'invoice');
  const out: BillLine[] = [];
  const problems: string[] = [];
  let code: BusinessError['code'] | undefined;
  for (const [i, line] of (doc.lines ?? []).entries()) {
    const lw = `invoice ${doc.invoiceNumber} line ${i + 1} (${seg} position ${line.lineNumber})`;
    try {
      const pl = po ? await matchPurchaseLine(ctx, po, poLines, { lineNumber: line.orderLineNumber ?? line.lineNumber, itemIds: line.itemIds }, lw) : undefined;
      const product = line.itemIds ? await resolveProduct(ctx, line.itemIds, 'buyer', lw) : undefined;
      const productId = product?.id ?? pl?.productId;
      const quantity = line.quantity ?? (line.amount !== undefined ? 1 : pl ? Math.max(0, pl.productQty - pl.qtyInvoiced) : 1);
      const priceUnit = line.unitPrice ?? (line.amount !== undefined && quantity ? line.amount / quantity : (pl?.priceUnit ?? 0));
      const vals: Record<string, unknown> = { quantity, price_unit: priceUnit };
      if (productId !== undefined) vals.product_id = productId;
      if (line.description !== undefined || productId === undefined) vals.name = line.description ?? `line ${line.lineNumber}`;
      if (pl) vals.purchase_line_id = pl.id;
      let poQuantity = quantity;
      if (line.uom !== undefined) {
        const uom = await resolveUom(ctx, line.uom, lw, product ?? (pl ? { uomId: pl.uomId, name: pl.productName } : undefined));
        vals.product_uom_id = uom.id;
        if (pl) poQuantity = await convertQuantity(ctx, quantity, uom, pl.uomId);
      }
      out.push({ vals, productId, quantity, priceUnit, poLine: pl, poQuantity, where: lw });
    } catch (err) {
      if (!(err instanceof BusinessError)) throw err;
      code ??= err.code;
      problems.push(...err.issues);
    }
  }
  if (problems.length) throw new BusinessError(code ?? 'unknown_product', problems);
  return out;
}

/** What differs between an existing bill and the invoice (empty = the same document). */
async function differences(ctx: PostContext, bill: Record<string, unknown> & { id: number }, doc: Invoice, lines: BillLine[]): Promise<string[]> {
  const diff: string[] = [];
  if (str(bill.invoice_date) !== doc.invoiceDate) diff.push(`date ${str(bill.invoice_date) || 'none'} in Odoo, ${doc.invoiceDate} in the EDI`);
  const rows = await ctx.client.searchRead(
    'account.move.line',
    [
      ['move_id', '=', bill.id],
      ['display_type', '=', 'product'],
    ],
    { fields: ['product_id', 'quantity', 'price_unit'] },
  );
  const key = (p: number | undefined, q: number, u: number): string => `${p ?? '-'}|${q.toFixed(4)}|${u.toFixed(4)}`;
  const have = rows.map((r) => key(m2oId(r.product_id), num(r.quantity), num(r.price_unit))).sort();
  const want = lines.map((l) => key(l.productId, l.quantity, l.priceUnit)).sort();
  if (have.join(',') !== want.join(',')) diff.push(`lines differ: ${have.length} in Odoo, ${want.length} in the EDI${have.length === want.length ? ' (products, quantities or prices)' : ''}`);
  return diff;
}

async function billName(ctx: PostContext, id: number, moveType: string): Promise<string> {
  // name only: display_name is not readable on account.move in the sandbox (see report)
  const [row] = await ctx.client.read('account.move', [id], ['name']);
  return moveLabel({ id, name: row?.name }, moveType);
}

/** BILL/2026/11/0001, or Odoo's label of a draft without a number: `Draft Bill (* 25)`, `Draft Vendor Credit Note (* 26)`. */
function moveLabel(m: { id: number; name?: unknown }, moveType: string): string {
  const name = str(m.name);
  return name && name !== '/' ? name : `Draft ${moveType === 'in_refund' ? 'Vendor Credit Note' : 'Bill'} (* ${m.id})`;
}
