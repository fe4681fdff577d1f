/** OrderResponse → purchase.order, over XML-RPC (and JSON-RPC for the errors). */
import { OdooUnavailableError } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { BusinessError, postOrderResponse } from '../../../src/odoo/post';
import { context, orderResponse, rejection, rerun, sandbox } from './helpers';

const WOOD = { partnerRef: 'SUP-WOOD' };

describe('postOrderResponse', () => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await sandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  test('writes vendor reference, reception flag and planned dates, posts one note; a re-post changes nothing (XML-RPC)', async () => {
    const ctx = context(sb, 'xmlrpc', WOOD);
    const result = await postOrderResponse(orderResponse(), ctx);
    expect(result[0]).toMatchObject({ model: 'purchase.order', id: 1, name: 'P00001', action: 'updated', created: false });
    expect(result[1]).toMatchObject({ model: 'mail.message', created: true });

    expect(sb.data.record('purchase.order', 1)).toMatchObject({ partner_ref: 'WC-SO-7781', mail_reception_confirmed: true });
    const lines = sb.data.records('purchase.order.line', [['order_id', '=', 1]]);
    expect(lines.map((l) => l.date_planned)).toEqual(['2026-12-10 12:00:00', '2026-12-15 12:00:00', '2026-11-29 14:00:00']);
    const notes = sb.data.records('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', 1]]);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain('EDI 855 order response WC-SO-7781 of 2026-11-21: accepted with changes');
    expect(notes[0]!.body).toContain('[edi order_response WC-SO-7781]');
    expect(sb.data.count('mail.activity')).toBe(0);

    const messages = sb.data.count('mail.message');
    const again = await postOrderResponse(orderResponse(), rerun(ctx));
    expect(again[0]).toMatchObject({ model: 'purchase.order', id: 1, action: 'unchanged' });
    expect(again[1]).toMatchObject({ model: 'mail.message', action: 'found', created: false });
    expect(sb.data.count('mail.message')).toBe(messages);
  });

  test('a rejected line raises one activity for the buyer', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const doc = orderResponse({
      responseNumber: 'WC-SO-7782',
      lines: [
        { lineNumber: '1', status: 'accepted', quantity: 15, uom: 'EA' },
        { lineNumber: '3', status: 'rejected', quantity: 0, uom: 'EA' },
      ],
    });
    const result = await postOrderResponse(doc, ctx);
    const activity = result.find((r) => r.model === 'mail.activity')!;
    expect(activity).toMatchObject({ created: true });
    expect(sb.data.record('mail.activity', activity.id)).toMatchObject({
      res_model: 'purchase.order',
      res_id: 1,
      user_id: [2, 'Mitchell Admin'],
      activity_type_id: [4, 'To-Do'],
      summary: 'EDI: P00001 lines rejected by Wood Corner (response WC-SO-7782)',
    });
    expect(String(sb.data.record('mail.activity', activity.id)!.note)).toContain('[FURN_8855] Drawer');

    const again = await postOrderResponse(doc, rerun(ctx));
    expect(again.find((r) => r.model === 'mail.activity')).toMatchObject({ id: activity.id, action: 'found' });
    expect(sb.data.count('mail.activity')).toBe(1);
  });

  test('a rejected order (no lines) raises an activity and leaves the reception flag alone', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const result = await postOrderResponse(orderResponse({ orderNumber: 'P00001', status: 'rejected', lines: undefined, responseNumber: 'NO-1' }), ctx);
    expect(result.map((r) => r.model)).toEqual(['purchase.order', 'mail.activity', 'mail.message']);
    expect(sb.data.record('purchase.order', 1)).toMatchObject({ partner_ref: 'NO-1', mail_reception_confirmed: false });
  });

  test('a PO that does not exist (or is another supplier\'s) is a BusinessError naming it', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const err = await rejection(postOrderResponse(orderResponse({ orderNumber: 'P09999' }), ctx));
    expect(err).toBeInstanceOf(BusinessError);
    expect(err).toMatchObject({ code: 'po_not_found', retryable: false });
    expect(err.message).toBe('order response WC-SO-7781: purchase order P09999 is not a purchase order of Wood Corner in Odoo');
    // P00002 belongs to Azure Interior
    const other = await rejection(postOrderResponse(orderResponse({ orderNumber: 'P00002', lines: undefined }), ctx));
    expect(other).toMatchObject({ code: 'po_not_found' });
  });

  test('a cancelled PO is closed; a line that is not on the PO is named', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const bad = await rejection(
      postOrderResponse(orderResponse({ lines: [{ lineNumber: '9', status: 'accepted', itemIds: { buyer: 'FURN_7800' } }] }), ctx),
    );
    expect(bad).toMatchObject({ code: 'line_not_found' });
    expect(bad.message).toContain('[FURN_7800] Desk Combination is not on purchase order P00001');
    const unknown = await rejection(postOrderResponse(orderResponse({ lines: [{ lineNumber: '9', status: 'accepted', itemIds: { buyer: 'NOPE-1' } }] }), ctx));
    expect(unknown).toMatchObject({ code: 'unknown_product' });
    expect(unknown.message).toContain('buyer item NOPE-1');
    await ctx.client.create('purchase.order', { name: 'P00077', partner_id: 20, state: 'cancel' });
    const closed = await rejection(postOrderResponse(orderResponse({ orderNumber: 'P00077', lines: undefined }), ctx));
    expect(closed).toMatchObject({ code: 'po_closed' });
  });

  test('a 503 is retryable; the retry posts exactly one note', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    await ctx.client.authenticate();
    sb.faults.fail5xx({ times: 1 });
    const err = await rejection(postOrderResponse(orderResponse(), ctx));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err).toMatchObject({ retryable: true });
    await postOrderResponse(orderResponse(), rerun(ctx));
    await postOrderResponse(orderResponse(), rerun(ctx));
    expect(sb.data.count('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', 1]])).toBe(1);
  });
});
