/**
 * Order response (855 / ORDRSP from a supplier) → the purchase.order it answers.
 *
 * Odoo has no "acknowledge" method on purchase orders (odoo-api.md §5). What the poster does:
 * - writes `partner_ref` = responseNumber, `mail_reception_confirmed` = true (when the field exists
 *   and the supplier accepted), and `date_planned` on each line whose answer has a scheduled date;
 *   only values that differ are written;
 * - posts one chatter note summarising the response, carrying the marker `[edi order_response KEY]`
 *   (KEY = responseNumber, else the interchange/control numbers): a re-post finds it and posts nothing;
 * - a rejected order or rejected lines raise a To-Do activity for the buyer (mail.activity, found
 *   again by summary on re-post); if the server has no mail.activity, the note says so instead.
 */
import type { OrderResponse } from '../../canonical';
import { OdooAccessError, OdooRequestError, OdooUserError } from '../errors';
import { dateToOdooDatetime, lineSegment, record, type PostContext, type PostResult } from './context';
import { findPurchaseOrder, marker, matchPurchaseLine, readPurchaseLines, recordsWithMarker } from './purchase';
import { resolvePartner } from './resolve';

export async function postOrderResponse(doc: OrderResponse, ctx: PostContext): Promise<PostResult> {
  const { client } = ctx;
  const supplier = await resolvePartner(ctx);
  const key = doc.responseNumber ?? `${doc.envelope.interchangeControlNumber}-${doc.envelope.controlNumber}`;
  const where = `order response ${key}`;
  const po = await findPurchaseOrder(ctx, supplier, doc.orderNumber, where);
  const poLines = await readPurchaseLines(ctx, po);
  const seg = lineSegment(doc.envelope.standard, 'order_response');

  // Resolve every line before writing anything.
  const lineWrites: Array<{ id: number; vals: Record<string, unknown> }> = [];
  const summary: string[] = [];
  const rejected: string[] = [];
  for (const [i, line] of (doc.lines ?? []).entries()) {
    const lw = `${where} line ${i + 1} (${seg} position ${line.lineNumber})`;
    const pl = await matchPurchaseLine(ctx, po, poLines, { lineNumber: line.lineNumber, itemIds: line.itemIds }, lw);
    const parts = [`line ${line.lineNumber} (${pl.productName}): ${line.status.replace('_', ' ')}`];
    if (line.quantity !== undefined) parts.push(`qty ${line.quantity}${line.uom ? ` ${line.uom}` : ''} (ordered ${pl.productQty})`);
    if (line.unitPrice !== undefined && Math.abs(line.unitPrice - pl.priceUnit) > 1e-9) parts.push(`price ${line.unitPrice} (ordered at ${pl.priceUnit})`);
    if (line.scheduledDate !== undefined) {
      parts.push(`scheduled ${line.scheduledDate}`);
      const dt = dateToOdooDatetime(line.scheduledDate);
      if (line.status !== 'rejected' && pl.datePlanned !== dt) lineWrites.push({ id: pl.id, vals: { date_planned: dt } });
    }
    summary.push(parts.join(', '));
    if (line.status === 'rejected') rejected.push(`line ${line.lineNumber} (${pl.productName})`);
  }

  const notes: string[] = [];
  const header: Record<string, unknown> = {};
  if (doc.responseNumber !== undefined && po.partnerRef !== doc.responseNumber) header.partner_ref = doc.responseNumber;
  const accepted = doc.status === 'accepted' || doc.status === 'accepted_with_changes';
  if (accepted && po.mailReceptionConfirmed === false) header.mail_reception_confirmed = true;
  if (po.mailReceptionConfirmed === undefined) notes.push('mail_reception_confirmed does not exist on this server; not written');

  let changed = false;
  if (Object.keys(header).length) {
    await client.write('purchase.order', [po.id], header);
    changed = true;
    notes.push(`wrote ${Object.keys(header).join(', ')}`);
  }
  for (const w of lineWrites) await client.write('purchase.order.line', [w.id], w.vals);
  if (lineWrites.length) {
    changed = true;
    notes.push(`planned dates of ${lineWrites.length} line(s) updated`);
  }

  const out: PostResult = [];
  const needsActivity = doc.status === 'rejected' || rejected.length > 0;
  let activityNote: string | undefined;
  if (needsActivity) {
    const summaryText = doc.status === 'rejected' ? `EDI: ${po.name} rejected by ${supplier.name} (response ${key})` : `EDI: ${po.name} lines rejected by ${supplier.name} (response ${key})`;
    const detail = doc.status === 'rejected' ? `The supplier rejected purchase order ${po.name}.` : `The supplier rejected ${rejected.join(', ')} of ${po.name}.`;
    const activity = await ensureActivity(ctx, po, summaryText, detail);
    if (activity) out.push(activity);
    else activityNote = `Action needed: ${detail} (activities are not available on this server)`;
  }

  const mark = marker('order_response', key);
  const already = await recordsWithMarker(ctx, 'purchase.order', [po.id], mark);
  if (already.has(po.id)) {
    notes.push('response note already posted');
    out.push(record('mail.message', already.get(po.id)!, mark, 'found'));
  } else {
    const e = doc.envelope;
    const body = [
      `EDI ${e.messageType} order response${doc.responseNumber ? ` ${doc.responseNumber}` : ''}${doc.responseDate ? ` of ${doc.responseDate}` : ''}: ${doc.status.replace(/_/g, ' ')}`,
      ...summary,
      ...(activityNote ? [activityNote] : []),
      `${mark} interchange ${e.interchangeControlNumber}, control ${e.controlNumber}`,
    ].join('\n');
    const mid = await client.messagePost('purchase.order', po.id, body);
    out.push(record('mail.message', mid, mark, 'created'));
    changed = true;
  }
  out.unshift(record('purchase.order', po.id, po.name, changed ? 'updated' : 'unchanged', notes));
  return out;
}

/** A To-Do activity for the buyer, once (found again by summary). Undefined when the server has no mail.activity. */
async function ensureActivity(ctx: PostContext, po: { id: number; name: string; userId: number | undefined }, summary: string, note: string) {
  const { client } = ctx;
  try {
    const modelId = await ctx.cache.get('ir.model:purchase.order', async () => (await client.search('ir.model', [['model', '=', 'purchase.order']], { limit: 1 }))[0]);
    if (modelId === undefined) return undefined;
    const found = await client.searchRead(
      'mail.activity',
      [
        ['res_model_id', '=', modelId],
        ['res_id', '=', po.id],
        ['summary', '=', summary],
      ],
      { fields: ['id', 'summary'], limit: 1 },
    );
    if (found[0]) return record('mail.activity', found[0].id, summary, 'found', ['activity for the buyer already exists']);
    const todo = await ctx.cache.get('xmlid:mail.mail_activity_data_todo', async () => {
      try {
        const rows = await client.searchRead(
          'ir.model.data',
          [
            ['module', '=', 'mail'],
            ['name', '=', 'mail_activity_data_todo'],
          ],
          { fields: ['res_id'], limit: 1 },
        );
        return typeof rows[0]?.res_id === 'number' ? rows[0].res_id : undefined;
      } catch (err) {
        // A least-privilege user may not read ir.model.data: the activity type is optional.
        if (err instanceof OdooAccessError) return undefined;
        throw err;
      }
    });
    const vals: Record<string, unknown> = { res_model_id: modelId, res_id: po.id, summary, note };
    if (todo !== undefined) vals.activity_type_id = todo;
    if (po.userId !== undefined) vals.user_id = po.userId;
    const id = await client.create('mail.activity', vals);
    return record('mail.activity', id, summary, 'created', [po.userId !== undefined ? `assigned to the buyer (user ${po.userId})` : 'no buyer on the PO: assigned to the integration user']);
  } catch (err) {
    // "Object mail.activity doesn't exist" (UserError) or an unknown field: no activities here.
    if (err instanceof OdooUserError && /doesn't exist/.test(err.message)) return undefined;
    if (err instanceof OdooRequestError && /Invalid field/.test(err.message)) return undefined;
    throw err;
  }
}
