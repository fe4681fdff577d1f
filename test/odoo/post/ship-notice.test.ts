/** ShipNotice → the PO's incoming stock.picking, against the sandbox over JSON-RPC. */
import { OdooUnavailableError } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { BusinessError, postShipNotice } from '../../../src/odoo/post';
import { context, rejection, rerun, sandbox, shipNotice } from './helpers';

const WOOD = { partnerRef: 'SUP-WOOD' };

function receipt(sb: SandboxHandle) {
  const [p] = sb.data.records('stock.picking', [['origin', '=', 'P00001'], ['backorder_id', '=', false]]);
  return p as Record<string, unknown> & { id: number; name: string };
}
function moves(sb: SandboxHandle, pickingId: number) {
  return sb.data.records('stock.move', [['picking_id', '=', pickingId]]).map((m) => ({ product: (m.product_id as [number, string])[0], demand: m.product_uom_qty, quantity: m.quantity, picked: m.picked, state: m.state }));
}

describe('postShipNotice', () => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await sandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  test('sets quantities, lots and tracking on the receipt, leaves it ready; a re-post changes nothing', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const pick = receipt(sb);
    const result = await postShipNotice(shipNotice(), ctx);
    expect(result).toEqual([expect.objectContaining({ model: 'stock.picking', id: pick.id, name: pick.name, action: 'updated', created: false })]);
    expect(result[0]!.notes).toContain('left ready, not validated (validateReceipts is off)');

    const after = sb.data.record('stock.picking', pick.id)!;
    expect(after).toMatchObject({ state: 'assigned', carrier_tracking_ref: '1Z999AA10123456784' });
    expect(moves(sb, pick.id)).toEqual([
      { product: 5, demand: 15, quantity: 15, picked: true, state: 'assigned' },
      { product: 32, demand: 5, quantity: 4, picked: true, state: 'assigned' },
      { product: 33, demand: 4, quantity: 4, picked: true, state: 'assigned' },
    ]);
    const lotLines = sb.data.records('stock.move.line', [['picking_id', '=', pick.id], ['product_id', '=', 33]]);
    expect(lotLines.map((l) => [l.lot_name, l.quantity])).toEqual([['LOT-EDI-0001', 4]]);
    const notes = sb.data.records('mail.message', [['model', '=', 'stock.picking'], ['res_id', '=', pick.id]]);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toContain('[edi ship_notice SH-2026-0042]');

    const counts = [sb.data.count('mail.message'), sb.data.count('stock.move.line'), sb.data.count('stock.picking')];
    const again = await postShipNotice(shipNotice(), rerun(ctx));
    expect(again).toEqual([expect.objectContaining({ id: pick.id, action: 'unchanged' })]);
    expect([sb.data.count('mail.message'), sb.data.count('stock.move.line'), sb.data.count('stock.picking')]).toEqual(counts);
  });

  test.each(['jsonrpc', 'xmlrpc', 'json2'] as const)('validateReceipts: a partial receipt goes through the backorder wizard; a re-post makes no second backorder (%s)', async (protocol) => {
    const ctx = context(sb, protocol, { ...WOOD, validateReceipts: true });
    const pick = receipt(sb);
    const result = await postShipNotice(shipNotice(), ctx);
    expect(result[0]).toMatchObject({ id: pick.id, action: 'updated' });
    expect(result[0]!.notes).toEqual(expect.arrayContaining(['partial receipt: backorder wizard processed (backorder kept for the rest)', 'validated (partner setting validateReceipts)']));
    const backorder = result[1]!;
    expect(backorder).toMatchObject({ model: 'stock.picking', created: true, action: 'created' });

    expect(sb.data.record('stock.picking', pick.id)!.state).toBe('done');
    expect(sb.data.record('stock.picking', backorder.id)).toMatchObject({ state: 'assigned', backorder_id: [pick.id, pick.name] });
    expect(moves(sb, backorder.id)).toEqual([{ product: 32, demand: 1, quantity: 1, picked: false, state: 'assigned' }]);
    expect(sb.data.records('purchase.order.line', [['order_id', '=', 1]]).map((l) => l.qty_received)).toEqual([15, 4, 4]);
    expect(sb.data.record('purchase.order', 1)!.receipt_status).toBe('partial');
    expect(sb.data.count('stock.lot', [['name', '=', 'LOT-EDI-0001']])).toBe(1);

    const pickings = sb.data.count('stock.picking');
    const again = await postShipNotice(shipNotice(), rerun(ctx));
    expect(again).toEqual([expect.objectContaining({ id: pick.id, action: 'unchanged' })]);
    expect(sb.data.count('stock.picking')).toBe(pickings);
    expect(moves(sb, backorder.id)[0]!.quantity).toBe(1);
  });

  test('prepared first, validated by a later post once the partner validates receipts', async () => {
    const pick = receipt(sb);
    await postShipNotice(shipNotice(), context(sb, 'jsonrpc', WOOD));
    expect(sb.data.record('stock.picking', pick.id)!.state).toBe('assigned');
    const result = await postShipNotice(shipNotice(), context(sb, 'jsonrpc', { ...WOOD, validateReceipts: true }));
    expect(result[0]).toMatchObject({ id: pick.id, action: 'updated' });
    expect(sb.data.record('stock.picking', pick.id)!.state).toBe('done');
    expect(sb.data.count('mail.message', [['model', '=', 'stock.picking'], ['res_id', '=', pick.id]])).toBe(1);
  });

  test('over the ordered quantity beyond the tolerance is a BusinessError; within it, accepted', async () => {
    const doc = shipNotice({ orders: [{ orderNumber: 'P00001', lines: [{ lineNumber: '1', quantityShipped: 16, uom: 'EA' }] }] });
    const err = await rejection(postShipNotice(doc, context(sb, 'jsonrpc', WOOD)));
    expect(err).toBeInstanceOf(BusinessError);
    expect(err).toMatchObject({ code: 'quantity_over_tolerance', retryable: false });
    expect(err.message).toBe('ship notice SH-2026-0042, order P00001: [FURN_7777] Office Chair (line 1) shipped 16, ordered 15: more than the 0% tolerance allows (at most 15)');
    expect(sb.data.count('mail.message', [['model', '=', 'stock.picking']])).toBe(0);

    const ok = await postShipNotice(doc, context(sb, 'jsonrpc', { ...WOOD, quantityTolerancePercent: 10, validateReceipts: true }));
    expect(ok[0]).toMatchObject({ action: 'updated' });
    // only line 1 shipped: the others go to the backorder
    expect(moves(sb, ok[0]!.id)).toEqual([{ product: 5, demand: 15, quantity: 16, picked: true, state: 'done' }]);
    expect(ok[1]).toMatchObject({ created: true });
    expect(moves(sb, ok[1]!.id).map((m) => [m.product, m.demand])).toEqual([
      [32, 5],
      [33, 4],
    ]);
  });

  test('unknown PO, unconfirmed PO and a lot-tracked product without lot are BusinessErrors', async () => {
    const ctx = context(sb, 'jsonrpc', { ...WOOD, validateReceipts: true });
    const missing = await rejection(postShipNotice(shipNotice({ orders: [{ orderNumber: 'P04711', lines: [{ lineNumber: '1', quantityShipped: 1, uom: 'EA' }] }] }), ctx));
    expect(missing).toMatchObject({ code: 'po_not_found' });
    expect(missing.message).toContain('purchase order P04711');

    await ctx.client.create('purchase.order', { name: 'P00050', partner_id: 20, order_line: [[0, 0, { product_id: 5, product_qty: 1 }]] });
    const draft = await rejection(postShipNotice(shipNotice({ orders: [{ orderNumber: 'P00050', lines: [{ lineNumber: '1', quantityShipped: 1, uom: 'EA' }] }] }), ctx));
    expect(draft).toMatchObject({ code: 'no_receipt' });

    const noLot = await rejection(postShipNotice(shipNotice({ orders: [{ orderNumber: 'P00001', lines: [{ lineNumber: '3', quantityShipped: 4, uom: 'EA' }] }] }), ctx));
    expect(noLot.message).toContain('[FURN_8855] Drawer is tracked by lot');
    expect(sb.data.record('stock.picking', receipt(sb).id)!.state).toBe('assigned');
  });

  test('a second, different notice on a receipt still holding an unvalidated one is refused', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    await postShipNotice(shipNotice(), ctx);
    const err = await rejection(postShipNotice(shipNotice({ shipmentId: 'SH-2026-0043' }), rerun(ctx)));
    expect(err).toMatchObject({ code: 'unsupported' });
    expect(err.message).toContain('already holds another ship notice');
    // after validation, the next notice goes to the backorder
    const validating = context(sb, 'jsonrpc', { ...WOOD, validateReceipts: true });
    const [, backorder] = await postShipNotice(shipNotice(), validating);
    const next = await postShipNotice(
      shipNotice({ shipmentId: 'SH-2026-0043', orders: [{ orderNumber: 'P00001', lines: [{ lineNumber: '2', quantityShipped: 1, uom: 'EA' }] }] }),
      rerun(validating),
    );
    expect(next[0]).toMatchObject({ id: backorder!.id, action: 'updated' });
    expect(sb.data.record('stock.picking', backorder!.id)!.state).toBe('done');
    expect(sb.data.record('purchase.order', 1)!.receipt_status).toBe('full');
  });

  test('without stock_delivery there is no carrier_tracking_ref: the tracking number goes to the note only', async () => {
    await sb.close();
    sb = await sandbox({ modules: [] });
    const result = await postShipNotice(shipNotice(), context(sb, 'jsonrpc', WOOD));
    expect(result[0]!.notes.join(' ')).toContain('carrier_tracking_ref does not exist on this server');
    const body = sb.data.records('mail.message', [['model', '=', 'stock.picking']])[0]!.body;
    expect(body).toContain('tracking 1Z999AA10123456784');
  });

  test('a 503 is retryable and the retry prepares the receipt once', async () => {
    const ctx = context(sb, 'jsonrpc', { ...WOOD, validateReceipts: true });
    sb.faults.fail5xx({ times: 1 });
    const err = await rejection(postShipNotice(shipNotice(), ctx));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err).toMatchObject({ retryable: true });
    await postShipNotice(shipNotice(), rerun(ctx));
    expect(sb.data.count('stock.picking', [['origin', '=', 'P00001']])).toBe(2);
  });
});
