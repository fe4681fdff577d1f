/** Order → sale.order, against the sandbox over real HTTP (JSON-RPC, and JSON-2 once). */
import { OdooUnavailableError } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { BusinessError, postDocument, postOrder } from '../../../src/odoo/post';
import { context, order, rejection, rerun, sandbox } from './helpers';

const ACME = { partnerRef: 'CUST-ACME', priceSource: 'edi' as const };

function counts(sb: SandboxHandle) {
  return {
    orders: sb.data.count('sale.order'),
    lines: sb.data.count('sale.order.line'),
    partners: sb.data.count('res.partner'),
    messages: sb.data.count('mail.message'),
  };
}

/** The sale.order calls since the last resetStats (lookups of partners and products aside). */
function saleOrderCalls(sb: SandboxHandle): Record<string, number> {
  return Object.fromEntries(Object.entries(sb.stats.calls).filter(([k]) => k.startsWith('sale.order.')));
}

describe('postOrder', () => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await sandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  test('creates a quotation with lines, delivery address, commitment date and EDI prices; a re-post creates nothing', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    const before = counts(sb);
    const result = await postDocument(order(), ctx);

    const so = result.find((r) => r.model === 'sale.order')!;
    expect(so).toMatchObject({ created: true, action: 'created', name: 'S00001' });
    const addr = result.find((r) => r.model === 'res.partner')!;
    expect(addr).toMatchObject({ created: true, action: 'created' });

    const rec = sb.data.record('sale.order', so.id)!;
    expect(rec).toMatchObject({
      state: 'draft',
      client_order_ref: 'PO-ACME-1001',
      partner_id: [10, 'Acme Retail Inc'],
      commitment_date: '2026-12-05 12:00:00',
      partner_shipping_id: [addr.id, 'Acme Retail Inc, Acme Store 42'],
    });
    const child = sb.data.record('res.partner', addr.id)!;
    expect(child).toMatchObject({ parent_id: [10, 'Acme Retail Inc'], type: 'delivery', street: '42 Harbor Way', city: 'Boston', zip: '02110', country_id: [233, 'United States'] });
    const lines = sb.data.records('sale.order.line', [['order_id', '=', so.id]]);
    expect(lines.map((l) => [l.product_id, l.product_uom_qty, l.product_uom, l.price_unit])).toEqual([
      [[5, '[FURN_7777] Office Chair'], 5, [1, 'Units'], 110],
      [[32, '[FURN_6667] Acoustic Bloc Screens (Wood)'], 2, [1, 'Units'], 280],
      [[40, '[SUGAR-KG] Cane Sugar (bulk)'], 25, [12, 'kg'], 2.1],
    ]);
    expect(counts(sb)).toEqual({ ...before, orders: before.orders + 1, lines: before.lines + 3, partners: before.partners + 1, messages: before.messages + 1 });

    // Same document again, in a new run: nothing new.
    const mid = counts(sb);
    const again = await postOrder(order(), rerun(ctx));
    expect(again).toEqual([expect.objectContaining({ model: 'sale.order', id: so.id, created: false, action: 'unchanged' })]);
    expect(counts(sb)).toEqual(mid);
  });

  test('confirmOrders: confirmed once; re-posting a confirmed order is not a second action_confirm', async () => {
    const quote = await postOrder(order(), context(sb, 'jsonrpc', ACME));
    const soId = quote.find((r) => r.model === 'sale.order')!.id;
    expect(sb.data.record('sale.order', soId)!.state).toBe('draft');

    // The partner now confirms orders: the re-post confirms the existing quotation.
    const confirming = context(sb, 'jsonrpc', { ...ACME, confirmOrders: true });
    const second = await postOrder(order(), confirming);
    expect(second).toEqual([expect.objectContaining({ id: soId, action: 'updated', created: false })]);
    expect(sb.data.record('sale.order', soId)!.state).toBe('sale');
    expect(sb.data.count('stock.picking', [['sale_id', '=', soId]])).toBe(1);

    const third = await postOrder(order(), rerun(confirming));
    expect(third).toEqual([expect.objectContaining({ id: soId, action: 'unchanged' })]);
    expect(sb.data.count('sale.order')).toBe(1);
    expect(sb.data.count('stock.picking', [['sale_id', '=', soId]])).toBe(1);
  });

  test('a new confirmed order costs four calls (search_read, web_save, message_post, action_confirm); a re-post one', async () => {
    const ctx = context(sb, 'jsonrpc', { ...ACME, confirmOrders: true });
    await postOrder(order({ orderNumber: 'PO-ACME-0999' }), ctx); // warms the lookup cache (partner, products, units, address)
    await sb.resetStats();
    const [so] = (await postOrder(order({ orderNumber: 'PO-ACME-1000' }), ctx)).filter((r) => r.model === 'sale.order');
    expect(saleOrderCalls(sb)).toEqual({ 'sale.order.search_read': 1, 'sale.order.web_save': 1, 'sale.order.message_post': 1, 'sale.order.action_confirm': 1 });
    expect(so).toMatchObject({ created: true, action: 'created', name: sb.data.record('sale.order', so!.id)!.name });
    expect(sb.data.record('sale.order', so!.id)).toMatchObject({ state: 'sale', client_order_ref: 'PO-ACME-1000' });
    expect(sb.data.count('mail.message', [['model', '=', 'sale.order'], ['res_id', '=', so!.id]])).toBe(1);

    await sb.resetStats();
    await postOrder(order({ orderNumber: 'PO-ACME-1000' }), ctx);
    expect(sb.stats.calls).toEqual({ 'sale.order.search_read': 1 });
  });

  test('a crash after the order is saved: the next attempt finds it and only confirms it', async () => {
    const ctx = context(sb, 'jsonrpc', { ...ACME, confirmOrders: true });
    // the first attempt dies when it would post the note, after web_save committed
    const orig = ctx.client.messagePost.bind(ctx.client);
    ctx.client.messagePost = () => Promise.reject(new OdooUnavailableError({ message: 'connection reset' }));
    await rejection(postOrder(order(), ctx));
    ctx.client.messagePost = orig;
    expect(sb.data.records('sale.order').map((o) => o.state)).toEqual(['draft']);
    const again = await postOrder(order(), rerun(ctx));
    expect(again.find((r) => r.model === 'sale.order')).toMatchObject({ created: false, action: 'updated' });
    expect(sb.data.records('sale.order').map((o) => o.state)).toEqual(['sale']);
  });

  test('confirmOrders on a new order, priceSource odoo keeps the pricelist price (JSON-2)', async () => {
    const ctx = context(sb, 'json2', { partnerRef: 'CUST-ACME', confirmOrders: true });
    const result = await postOrder(order({ orderNumber: 'PO-ACME-2002', parties: undefined }), ctx);
    const so = result.find((r) => r.model === 'sale.order')!;
    expect(so).toMatchObject({ created: true, action: 'created' });
    const rec = sb.data.record('sale.order', so.id)!;
    expect(rec).toMatchObject({ state: 'sale', partner_shipping_id: [10, 'Acme Retail Inc'] });
    const prices = sb.data.records('sale.order.line', [['order_id', '=', so.id]]).map((l) => l.price_unit);
    expect(prices).toEqual([120.5, 295, 2.4]);
    const again = await postOrder(order({ orderNumber: 'PO-ACME-2002', parties: undefined }), rerun(ctx));
    expect(again[0]).toMatchObject({ id: so.id, action: 'unchanged' });
    expect(sb.data.count('sale.order')).toBe(1);
  });

  test('an unknown product is a BusinessError naming the value and the line; nothing is created', async () => {
    const doc = order({
      lines: [
        { lineNumber: '1', quantity: 5, uom: 'EA', itemIds: { vendor: 'FURN_7777' } },
        { lineNumber: '7', quantity: 1, uom: 'EA', itemIds: { buyer: '12345', gtin: '00614141000012' } },
      ],
    });
    const before = counts(sb);
    const err = await rejection(postOrder(doc, context(sb, 'jsonrpc', ACME)));
    expect(err).toBeInstanceOf(BusinessError);
    expect(err).toMatchObject({ code: 'unknown_product', retryable: false });
    expect(err.message).toBe('order line 2 (PO1 position 7): buyer item 12345 / GTIN 00614141000012 is not a product in Odoo (looked up by internalReference, barcode, partnerCode)');
    expect(counts(sb)).toEqual(before);
  });

  test('an unknown unit and an unknown partner are BusinessErrors', async () => {
    const doc = order({ lines: [{ lineNumber: '1', quantity: 1, uom: 'CA', itemIds: { vendor: 'FURN_7777' } }] });
    const err = await rejection(postOrder(doc, context(sb, 'jsonrpc', ACME)));
    expect(err).toMatchObject({ code: 'unknown_uom' });
    expect(err.message).toContain('unit "CA"');
    // …unless the partner maps the code
    const ok = await postOrder(doc, context(sb, 'jsonrpc', ACME, { uomCodes: { CA: 'Dozens' } }));
    const soId = ok.find((r) => r.model === 'sale.order')!.id;
    expect(sb.data.records('sale.order.line', [['order_id', '=', soId]])[0]!.product_uom).toEqual([2, 'Dozens']);

    const nobody = await rejection(postOrder(order(), context(sb, 'jsonrpc', { partnerRef: 'CUST-NOBODY' })));
    expect(nobody).toMatchObject({ code: 'unknown_partner' });
    expect(nobody.message).toContain('"CUST-NOBODY"');
  });

  test('the delivery address is found again for the next order; the partnerCode hook resolves partner item numbers', async () => {
    const ctx = context(sb, 'jsonrpc', { ...ACME, productMatch: ['partnerCode', 'internalReference', 'barcode'] }, {
      partnerCodeLookup: (ids) => (ids.buyer === 'ACME-DESK' ? 8 : undefined),
    });
    const first = await postOrder(order(), ctx);
    const partners = sb.data.count('res.partner');
    const doc = order({ orderNumber: 'PO-ACME-1002', lines: [{ lineNumber: '1', quantity: 1, uom: 'EA', itemIds: { buyer: 'ACME-DESK' } }] });
    const second = await postOrder(doc, rerun(ctx));
    const addr1 = first.find((r) => r.model === 'res.partner')!;
    expect(second.find((r) => r.model === 'res.partner')).toMatchObject({ id: addr1.id, created: false, action: 'found' });
    expect(sb.data.count('res.partner')).toBe(partners);
    const so = second.find((r) => r.model === 'sale.order')!;
    expect(sb.data.records('sale.order.line', [['order_id', '=', so.id]])[0]!.product_id).toEqual([8, '[FURN_7800] Desk Combination']);
  });

  test('the next order of the same run matches its lines without asking Odoo again, and a unit is still checked against each product', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    const first = await postOrder(order(), ctx);
    await sb.resetStats();
    const second = await postOrder(order({ orderNumber: 'PO-ACME-1002' }), ctx);
    const lineOf = (r: typeof first) => sb.data.records('sale.order.line', [['order_id', '=', r.find((x) => x.model === 'sale.order')!.id]]).map((l) => [l.product_id, l.product_uom, l.product_uom_qty]);
    expect(lineOf(second)).toEqual(lineOf(first));
    expect(Object.keys(sb.stats.calls).filter((k) => k.startsWith('product.') || k.startsWith('uom.'))).toEqual([]);
    // Office Chair and kg each matched before, but not together: the pair is refused.
    const mixed = order({ orderNumber: 'PO-ACME-1003', lines: [{ lineNumber: '1', quantity: 5, uom: 'KG', itemIds: { vendor: 'FURN_7777' } }] });
    const err = await rejection(postOrder(mixed, ctx));
    expect(err).toMatchObject({ code: 'unknown_uom' });
    expect(err.message).toContain('does not fit product [FURN_7777] Office Chair');
  });

  test('a functional acknowledgment posts nothing', async () => {
    const ack = { type: 'functional_ack' } as unknown as Parameters<typeof postDocument>[0];
    await expect(postDocument(ack, context(sb, 'jsonrpc', ACME))).resolves.toEqual([]);
  });

  test('two orders with the same customer reference: ambiguous', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    await ctx.client.create('sale.order', [
      { partner_id: 10, client_order_ref: 'PO-ACME-1001' },
      { partner_id: 10, client_order_ref: 'PO-ACME-1001' },
    ]);
    const err = await rejection(postOrder(order(), ctx));
    expect(err).toMatchObject({ code: 'ambiguous' });
  });

  test('a 503 surfaces as a retryable OdooUnavailableError; the retry creates exactly one order', async () => {
    const ctx = context(sb, 'jsonrpc', ACME);
    sb.faults.fail5xx({ status: 503, times: 1 });
    const err = await rejection(postOrder(order(), ctx));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect((err as OdooUnavailableError).retryable).toBe(true);
    const result = await postOrder(order(), rerun(ctx));
    expect(result.find((r) => r.model === 'sale.order')).toMatchObject({ created: true });
    expect(sb.data.count('sale.order')).toBe(1);
  });
});
