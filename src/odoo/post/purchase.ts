/**
 * Purchase-order helpers shared by the supplier-side posters (order response, ship notice, invoice):
 * find the PO a document answers, read its lines, match EDI line numbers to PO lines, and find the
 * chatter marker a previous run left.
 */
import type { ItemIds } from '../../canonical';
import { BusinessError, m2oId, num, str, type PostContext } from './context';
import { describeItemIds, findProduct, type ResolvedPartner } from './resolve';

export interface PurchaseOrder {
  id: number;
  name: string;
  state: string;
  partnerRef: string;
  userId: number | undefined;
  mailReceptionConfirmed: boolean | undefined;
}

export interface PurchaseLine {
  id: number;
  /** 1-based position among the PO's product lines (sequence, id): the line number of the 850 we sent. */
  position: number;
  productId: number | undefined;
  productName: string;
  productQty: number;
  uomId: number | undefined;
  priceUnit: number;
  datePlanned: string;
  qtyReceived: number;
  qtyInvoiced: number;
}

/** The purchase order `orderNumber` of this supplier (or of one of its contacts); BusinessError when absent. */
export async function findPurchaseOrder(ctx: PostContext, supplier: ResolvedPartner, orderNumber: string, where: string): Promise<PurchaseOrder> {
  const fields = ['id', 'name', 'state', 'partner_ref', 'user_id', 'partner_id'];
  const withFlag = await hasPoField(ctx, 'mail_reception_confirmed');
  if (withFlag) fields.push('mail_reception_confirmed');
  const rows = await ctx.client.searchRead(
    'purchase.order',
    [
      ['name', '=', orderNumber],
      ['partner_id', 'child_of', supplier.commercialId],
    ],
    { fields, limit: 2 },
  );
  if (rows.length === 0) throw new BusinessError('po_not_found', `${where}: purchase order ${orderNumber} is not a purchase order of ${supplier.name} in Odoo`);
  if (rows.length > 1) throw new BusinessError('ambiguous', `${where}: several purchase orders are named ${orderNumber} for ${supplier.name}`);
  const r = rows[0]!;
  const po: PurchaseOrder = {
    id: r.id,
    name: str(r.name),
    state: str(r.state),
    partnerRef: str(r.partner_ref),
    userId: m2oId(r.user_id),
    mailReceptionConfirmed: withFlag ? r.mail_reception_confirmed === true : undefined,
  };
  if (po.state === 'cancel') throw new BusinessError('po_closed', `${where}: purchase order ${po.name} is cancelled in Odoo`);
  return po;
}

function hasPoField(ctx: PostContext, field: string): Promise<boolean> {
  return ctx.cache
    .get('fields:purchase.order', () => ctx.client.fieldsGet('purchase.order', { attributes: ['type'] }))
    .then((f) => Object.hasOwn(f, field));
}

export async function readPurchaseLines(ctx: PostContext, po: PurchaseOrder): Promise<PurchaseLine[]> {
  const uomField = (await ctx.client.fieldNames()).purchaseLineUom;
  const rows = await ctx.client.searchRead('purchase.order.line', [['order_id', '=', po.id]], {
    fields: ['id', 'sequence', 'product_id', 'product_qty', uomField, 'price_unit', 'date_planned', 'qty_received', 'qty_invoiced', 'display_type'],
    order: 'sequence, id',
  });
  return rows
    .filter((r) => !r.display_type)
    .map((r, i) => ({
      id: r.id,
      position: i + 1,
      productId: m2oId(r.product_id),
      productName: Array.isArray(r.product_id) ? String(r.product_id[1]) : '',
      productQty: num(r.product_qty),
      uomId: m2oId(r[uomField]),
      priceUnit: num(r.price_unit),
      datePlanned: str(r.date_planned),
      qtyReceived: num(r.qty_received),
      qtyInvoiced: num(r.qty_invoiced),
    }));
}

/**
 * The PO line an EDI line refers to. The item ids win when they name a product of the PO (the line
 * number then only breaks ties); otherwise the line number is the line's position on the PO.
 */
export async function matchPurchaseLine(
  ctx: PostContext,
  po: PurchaseOrder,
  lines: PurchaseLine[],
  ref: { lineNumber?: string; itemIds?: ItemIds },
  where: string,
): Promise<PurchaseLine> {
  const position = ref.lineNumber !== undefined && /^\d+$/.test(ref.lineNumber) ? Number(ref.lineNumber) : undefined;
  const byPosition = position !== undefined ? lines.find((l) => l.position === position) : undefined;
  if (ref.itemIds) {
    const product = await findProduct(ctx, ref.itemIds, 'buyer');
    if (product) {
      const same = lines.filter((l) => l.productId === product.id);
      if (same.length === 1) return same[0]!;
      if (same.length > 1) return byPosition && byPosition.productId === product.id ? byPosition : same[0]!;
      throw new BusinessError('line_not_found', `${where}: product ${product.name} is not on purchase order ${po.name}`);
    }
    if (!byPosition) throw new BusinessError('unknown_product', `${where}: ${describeItemIds(ref.itemIds)} is not a product in Odoo and line ${ref.lineNumber ?? '?'} is not a line of ${po.name}`);
  }
  if (!byPosition) throw new BusinessError('line_not_found', `${where}: purchase order ${po.name} has no line ${ref.lineNumber ?? '(no line number)'} (it has ${lines.length})`);
  return byPosition;
}

/** The ids of records of `model` (among `resIds`) whose chatter holds `marker`. */
export async function recordsWithMarker(ctx: PostContext, model: string, resIds: number[], marker: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!resIds.length) return out;
  const rows = await ctx.client.searchRead(
    'mail.message',
    [
      ['model', '=', model],
      ['res_id', 'in', resIds],
      ['body', 'ilike', marker],
    ],
    { fields: ['id', 'res_id'] },
  );
  for (const r of rows) if (typeof r.res_id === 'number' && !out.has(r.res_id)) out.set(r.res_id, r.id);
  return out;
}

/** The `[edi …]` marker a poster writes into the chatter so a re-post recognises its own note. */
export function marker(kind: string, key: string): string {
  return `[edi ${kind} ${key}]`;
}
