/** Several orders of one customer in a few calls, against the sandbox over real HTTP (JSON-RPC). */
import { OdooUnavailableError } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { BusinessError, postOrder, postOrderBatch, resolveProduct, type PostResult, type Settled } from '../../../src/odoo/post';
import { context, order, rerun, sandbox } from './helpers';

const ACME = { partnerRef: 'CUST-ACME', priceSource: 'edi' as const, confirmOrders: true };

/** What a sale order says, without what differs between two orders (id, name, reference, dates Odoo stamps). */
function booked(sb: SandboxHandle, id: number) {
  const so = sb.data.record('sale.order', id)!;
  const lines = sb.data.records('sale.order.line', [['order_id', '=', id]]).map((l) => [l.product_id, l.product_uom_qty, l.product_uom, l.price_unit, l.name]);
  const notes = sb.data.records('mail.message', [['model', '=', 'sale.order'], ['res_id', '=', id]]).map((m) => String(m.body).replace(/PO-ACME-\d+/g, 'REF'));
  return { state: so.state, partner: so.partner_id, shipping: so.partner_shipping_id, commitment: so.commitment_date, origin: so.origin, lines, notes };
}

const ok = (s: Settled<PostResult> | undefined): PostResult => {
  if (!s?.ok) throw new Error(`expected a posted order, got ${String(s && !s.ok ? s.error : s)}`);
  return s.value;
};
const saleOrder = (r: PostResult) => r.find((x) => x.model === 'sale.order')!;
const withoutIds = (r: PostResult) => r.map(({ id: _id, name: _name, ...rest }) => ({ ...rest, notes: rest.notes.map((n) => n.replace(/PO-ACME-\d+/g, 'REF')) }));

describe('postOrderBatch', () => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await sandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  test('each order is booked as postOrder books it, in one search, one create, one confirmation, one read and a note each; a re-post is one search', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    const alone = await postOrder(order({ orderNumber: 'PO-ACME-1000' }), ctx); // also warms the lookups
    await sb.resetStats();
    const numbers = ['PO-ACME-1001', 'PO-ACME-1002', 'PO-ACME-1003'];
    const results = await postOrderBatch(numbers.map((orderNumber) => order({ orderNumber })), ctx);

    // (and one res.partner search: the delivery address the first order created is looked up once more)
    expect(sb.stats.calls).toEqual({ 'res.partner.search_read': 1, 'sale.order.search_read': 1, 'sale.order.create': 1, 'sale.order.message_post': 3, 'sale.order.action_confirm': 1, 'sale.order.read': 1 });
    const reference = booked(sb, saleOrder(alone).id);
    for (const [i, r] of results.entries()) {
      const posted = ok(r);
      expect(withoutIds(posted)).toEqual(withoutIds(alone).map((x) => (x.model === 'res.partner' ? { ...x, created: false, action: 'found' } : x)));
      const so = saleOrder(posted);
      expect(so.name).toBe(sb.data.record('sale.order', so.id)!.name);
      expect(sb.data.record('sale.order', so.id)!.client_order_ref).toBe(numbers[i]);
      expect(booked(sb, so.id)).toEqual(reference);
    }
    expect(new Set(results.map((r) => saleOrder(ok(r)).id)).size).toBe(3);

    await sb.resetStats();
    const again = await postOrderBatch(numbers.map((orderNumber) => order({ orderNumber })), rerun(ctx));
    expect(again.map((r) => saleOrder(ok(r)))).toEqual(results.map((r) => expect.objectContaining({ id: saleOrder(ok(r)).id, action: 'unchanged', created: false })));
    expect(sb.stats.calls['sale.order.search_read']).toBe(1);
    expect(Object.keys(sb.stats.calls).filter((k) => k.startsWith('sale.order.') && k !== 'sale.order.search_read')).toEqual([]);
    expect(sb.data.count('sale.order')).toBe(4);
  });

  test('an order Odoo refuses inside the shared create fails alone with its reason; the others are booked once', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    // A product found (and remembered) before someone deletes it in Odoo: only Odoo can refuse it now.
    const gone = await resolveProduct(ctx, { vendor: 'SUGAR-KG' }, 'vendor', 'warm-up');
    await ctx.client.call('product.product', 'unlink', [[gone.id]]);
    const plain = [{ lineNumber: '1', quantity: 5, uom: 'EA', unitPrice: 110, itemIds: { vendor: 'FURN_7777' } }];
    const docs = [order({ orderNumber: 'PO-ACME-2001', lines: plain }), order({ orderNumber: 'PO-ACME-2002' }), order({ orderNumber: 'PO-ACME-2003', lines: plain })];
    const results = await postOrderBatch(docs, ctx);

    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const refused = results[1] as { ok: false; error: Error & { retryable?: boolean } };
    expect(refused.error.retryable).toBe(false);
    expect(refused.error.message).toMatch(/Record does not exist or has been deleted/);
    expect(sb.data.records('sale.order').map((o) => [o.client_order_ref, o.state])).toEqual([
      ['PO-ACME-2001', 'sale'],
      ['PO-ACME-2003', 'sale'],
    ]);
  });

  test('a found quotation is confirmed, a second order under the same number is found, a cancellation is refused', async () => {
    await postOrder(order({ orderNumber: 'PO-ACME-3001' }), context(sb, 'jsonrpc', { ...ACME, confirmOrders: false }));
    const ctx = context(sb, 'jsonrpc', ACME);
    const results = await postOrderBatch(
      [order({ orderNumber: 'PO-ACME-3001' }), order({ orderNumber: 'PO-ACME-3002' }), order({ orderNumber: 'PO-ACME-3002' }), order({ orderNumber: 'PO-ACME-3003', purpose: 'cancel' })],
      ctx,
    );
    expect(saleOrder(ok(results[0]))).toMatchObject({ action: 'updated', created: false, notes: ['sale order with customer reference PO-ACME-3001 already exists', 'confirmed (partner setting confirmOrders)'] });
    const second = saleOrder(ok(results[1]));
    expect(second).toMatchObject({ action: 'created', created: true });
    expect(saleOrder(ok(results[2]))).toMatchObject({ id: second.id, action: 'unchanged', created: false });
    expect(results[3]).toMatchObject({ ok: false, error: expect.any(BusinessError) });
    expect(sb.data.records('sale.order').map((o) => [o.client_order_ref, o.state])).toEqual([
      ['PO-ACME-3001', 'sale'],
      ['PO-ACME-3002', 'sale'],
    ]);
  });

  test('Odoo unavailable at the shared create: every order of it fails retryably, and the next run books each once', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    const docs = ['PO-ACME-4001', 'PO-ACME-4002'].map((orderNumber) => order({ orderNumber }));
    const create = ctx.client.create.bind(ctx.client);
    ctx.client.create = (() => Promise.reject(new OdooUnavailableError({ message: 'connection reset' }))) as unknown as typeof ctx.client.create;
    const failed = await postOrderBatch(docs, ctx);
    expect(failed.map((r) => !r.ok && (r.error as OdooUnavailableError).retryable)).toEqual([true, true]);
    ctx.client.create = create;
    const results = await postOrderBatch(docs, rerun(ctx));
    expect(results.map((r) => saleOrder(ok(r)).action)).toEqual(['created', 'created']);
    expect(sb.data.count('sale.order')).toBe(2);
  });
});
