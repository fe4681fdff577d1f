/**
 * The sandbox answers as the real Odoo 18 did in odoo-api.md: raw wire shapes, and the behaviour
 * the posters observe (receipts, backorders, lots, bills, chatter, purchase acknowledgment).
 */
import { OdooRequestError, OdooUserError, type OdooClient } from '../../src/odoo';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, DB, PASSWORD, rejection, sandbox } from './helpers';

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

async function postXml(url: string, xml: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: xml, headers: { 'Content-Type': 'text/xml' } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('wire shapes', () => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  test('JSON-RPC: authenticate gives uid or false; every RPC error is HTTP 200 with error.data.name', async () => {
    const ok = await postJson(`${sb.url}/jsonrpc`, { jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [DB, 'admin', API_KEY, {}] }, id: 5 });
    expect(ok.json).toEqual({ jsonrpc: '2.0', id: 5, result: 2 });
    const bad = await postJson(`${sb.url}/jsonrpc`, { jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [DB, 'admin', 'nope', {}] }, id: 4 });
    expect(bad.json).toEqual({ jsonrpc: '2.0', id: 4, result: false });

    const err = await postJson(`${sb.url}/jsonrpc`, {
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [DB, 2, PASSWORD, 'sale.order', 'create', [{ client_order_ref: 'NO-PARTNER' }], {}] },
      id: 17,
    });
    expect(err.status).toBe(200);
    const msg =
      'The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n- Delete: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Sales Order (sale.order)\nField: Customer (partner_id)\n';
    expect(err.json).toMatchObject({
      jsonrpc: '2.0',
      id: 17,
      error: { code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.ValidationError', message: msg, arguments: [msg], context: {} } },
    });

    const wrongUid = await postJson(`${sb.url}/jsonrpc`, {
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [DB, 999, PASSWORD, 'res.partner', 'search', [[]], {}] },
      id: 8,
    });
    expect(wrongUid.json).toMatchObject({
      error: { data: { name: 'odoo.exceptions.MissingError', message: 'Record does not exist or has been deleted.\n(Record: res.users(999,), User: 999)' } },
    });

    const privateMethod = await postJson(`${sb.url}/jsonrpc`, {
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [DB, 2, PASSWORD, 'res.partner', '_compute_display_name', [[1]], {}] },
      id: 9,
    });
    expect(privateMethod.json).toMatchObject({
      error: { data: { name: 'odoo.exceptions.AccessError', message: "Private methods (such as 'res.partner._compute_display_name') cannot be called remotely." } },
    });
  });

  test('JSON-RPC: a method returning None answers without a result key; malformed JSON is HTTP 400', async () => {
    const bill = await client(sb, 'jsonrpc').create('account.move', { move_type: 'in_invoice', partner_id: 20 });
    const res = await postJson(`${sb.url}/jsonrpc`, {
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [DB, 2, API_KEY, 'account.move', 'button_cancel', [[bill]], {}] },
      id: 34,
    });
    expect(res.json).toEqual({ jsonrpc: '2.0', id: 34 });
    const bad = await fetch(`${sb.url}/jsonrpc`, { method: 'POST', body: '{not json', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('Invalid JSON data');
  });

  test('XML-RPC: wrong password is faultCode 3; None is a faultCode 1 marshalling fault although the action ran', async () => {
    const call = (params: string) => `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params>${params}</params></methodCall>`;
    const p = (v: string) => `<param><value>${v}</value></param>`;
    const denied = await postXml(
      `${sb.url}/xmlrpc/2/object`,
      call(p(`<string>${DB}</string>`) + p('<int>2</int>') + p('<string>wrong</string>') + p('<string>res.partner</string>') + p('<string>search</string>') + p('<array><data><value><array><data></data></array></value></data></array>')),
    );
    expect(denied).toContain('<name>faultCode</name>\n<value><int>3</int></value>');
    expect(denied).toContain('<value><string>Access Denied</string></value>');

    const bill = await client(sb, 'jsonrpc').create('account.move', { move_type: 'in_invoice', partner_id: 20 });
    const none = await postXml(
      `${sb.url}/xmlrpc/2/object`,
      call(
        p(`<string>${DB}</string>`) +
          p('<int>2</int>') +
          p(`<string>${PASSWORD}</string>`) +
          p('<string>account.move</string>') +
          p('<string>button_cancel</string>') +
          p(`<array><data><value><array><data><value><int>${bill}</int></value></data></array></value></data></array>`),
      ),
    );
    expect(none).toContain('<value><int>1</int></value>');
    expect(none).toMatch(/Traceback \(most recent call last\):[\s\S]*TypeError: cannot marshal None unless allow_none is enabled/);
    expect(sb.data.record('account.move', bill)!.state).toBe('cancel');
  });

  test('web_save (web module, 17.0+): create without ids, write with ids, then web_read of the specification', async () => {
    const kw = (id: number, args: unknown[], kwargs: Record<string, unknown>) =>
      postJson(`${sb.url}/jsonrpc`, { jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [DB, 2, API_KEY, 'sale.order', 'web_save', args, kwargs] }, id });
    const vals = { partner_id: 10, client_order_ref: 'WS-1', order_line: [[0, 0, { product_id: 5, product_uom_qty: 2 }]] };
    const created = await kw(1, [[], vals], { specification: { name: {}, state: {}, partner_id: {}, order_line: {} } });
    const [rec] = (created.json as { result: Array<Record<string, unknown>> }).result;
    expect(rec).toEqual({ id: expect.any(Number), name: expect.stringMatching(/^S\d{5}$/), state: 'draft', partner_id: 10, order_line: [expect.any(Number)] });
    expect(sb.data.record('sale.order', rec!.id as number)).toMatchObject({ name: rec!.name, client_order_ref: 'WS-1', partner_id: [10, 'Acme Retail Inc'] });

    const nested = await kw(2, [[rec!.id], { client_order_ref: 'WS-2' }], { specification: { client_order_ref: {}, partner_id: { fields: { display_name: {} } }, order_line: { fields: { product_uom_qty: {} } } } });
    expect(nested.json).toEqual({
      jsonrpc: '2.0',
      id: 2,
      result: [{ id: rec!.id, client_order_ref: 'WS-2', partner_id: { id: 10, display_name: 'Acme Retail Inc' }, order_line: [{ id: (rec!.order_line as number[])[0], product_uom_qty: 2 }] }],
    });
    const idsOnly = await kw(3, [[rec!.id], {}], { specification: {} });
    expect(idsOnly.json).toEqual({ jsonrpc: '2.0', id: 3, result: [{ id: rec!.id }] });

    const noSpec = await kw(4, [[], vals], {});
    expect(noSpec.json).toMatchObject({ error: { data: { name: 'builtins.TypeError', message: "sale.order.web_save() missing 1 required positional argument: 'specification'" } } });
    const badField = await kw(5, [[], vals], { specification: { nope: {} } });
    expect(badField.json).toMatchObject({ error: { data: { name: 'builtins.ValueError', message: "Invalid field 'nope' on model 'sale.order'" } } });
    // both failures rolled back: only the first order exists
    expect(sb.data.count('sale.order', [['client_order_ref', 'in', ['WS-1', 'WS-2']]])).toBe(1);

    for (const protocol of ['jsonrpc', 'xmlrpc', 'json2'] as const) {
      const [row] = await client(sb, protocol).webSave('sale.order', [], { partner_id: 10, client_order_ref: `WS-${protocol}` }, { name: {}, state: {} });
      expect(row).toEqual({ id: expect.any(Number), name: expect.stringMatching(/^S\d{5}$/), state: 'draft' });
      expect(sb.data.record('sale.order', row!.id)!.client_order_ref).toBe(`WS-${protocol}`);
    }
  });

  test('JSON-2: bare results, 401 with werkzeug Unauthorized for a bad key', async () => {
    const ok = await postJson(`${sb.url}/json/2/res.partner/search_read`, { domain: [['ref', '=', 'SUP-WOOD']], fields: ['name'] }, { Authorization: `bearer ${API_KEY}`, 'X-Odoo-Database': DB });
    expect(ok).toMatchObject({ status: 200, json: [{ id: 20, name: 'Wood Corner' }] });
    const bad = await postJson(`${sb.url}/json/2/res.partner/search_read`, { domain: [] }, { Authorization: 'bearer nope' });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ name: 'werkzeug.exceptions.Unauthorized', message: 'Invalid apikey', arguments: ['Invalid apikey'], context: {} });
  });
});

describe('behaviour the posters observe', () => {
  let sb: SandboxHandle;
  let c: OdooClient;
  beforeAll(async () => {
    sb = await sandbox();
    c = client(sb, 'jsonrpc');
  });
  afterAll(async () => {
    await sb.close();
  });

  test('no uniqueness on partner ref or client_order_ref: duplicates are created (idempotency is ours)', async () => {
    await c.create('res.partner', { name: 'Acme Clone', ref: 'CUST-ACME' });
    expect(await c.searchRead('res.partner', [['ref', '=', 'CUST-ACME']], { fields: ['id'], limit: 2 })).toHaveLength(2);
    const a = await c.create('sale.order', { partner_id: 11, client_order_ref: 'DUP-1' });
    const b = await c.create('sale.order', { partner_id: 11, client_order_ref: 'DUP-1' });
    expect((await c.read('sale.order', [b], ['duplicated_order_ids']))[0]!.duplicated_order_ids).toEqual([a]);
  });

  test('sale line defaults: name from product, 15% sale tax added, price kept as sent; line without product needs a name', async () => {
    const so = await c.create('sale.order', { partner_id: 10, order_line: [[0, 0, { product_id: 5, product_uom_qty: 2, price_unit: 10 }]] });
    const [line] = await c.searchRead('sale.order.line', [['order_id', '=', so]], { fields: ['name', 'product_uom', 'price_unit', 'tax_id', 'product_uom_qty'] });
    expect(line).toMatchObject({ name: '[FURN_7777] Office Chair', product_uom: [1, 'Units'], price_unit: 10, tax_id: [1], product_uom_qty: 2 });
    const err = await rejection(c.create('sale.order', { partner_id: 10, order_line: [[0, 0, { product_uom_qty: 1 }]] }));
    expect(err.message).toMatch(/Model: Sales Order Line \(sale.order.line\)\nField: Description \(name\)/);
  });

  test('purchase acknowledgment: partner_ref, mail_reception_confirmed, line date_planned (no cascade from the header), chatter note', async () => {
    await c.write('purchase.order', [2], { partner_ref: 'VEND-SO-7781', mail_reception_confirmed: true });
    await c.write('purchase.order.line', [4], { date_planned: '2026-12-15 10:00:00' });
    let [po] = await c.read('purchase.order', [2], ['partner_ref', 'mail_reception_confirmed', 'date_planned']);
    expect(po).toMatchObject({ partner_ref: 'VEND-SO-7781', mail_reception_confirmed: true, date_planned: '2026-12-03 12:00:00' });
    await c.write('purchase.order', [2], { date_planned: '2026-12-20 08:00:00' });
    const lines = await c.searchRead('purchase.order.line', [['order_id', '=', 2]], { fields: ['date_planned'], order: 'id' });
    expect(lines.map((l) => l.date_planned)).toEqual(['2026-12-15 10:00:00', '2026-12-03 12:00:00']);
    [po] = await c.read('purchase.order', [2], ['date_planned']);
    expect(po!.date_planned).toBe('2026-12-20 08:00:00');
    const msg = await c.call('purchase.order', 'message_post', [[2]], { body: 'EDI 855 received: accepted', message_type: 'comment', subtype_xmlid: 'mail.mt_note' });
    expect(typeof msg).toBe('number');
    await expect(c.call('purchase.order', '_confirm_reception_mail', [[2]])).rejects.toBeInstanceOf(OdooRequestError);
  });

  test('receipt: partial validation opens the backorder wizard; process creates the backorder', async () => {
    const [picking] = await c.searchRead(
      'stock.picking',
      [['purchase_id', '=', 1], ['picking_type_code', '=', 'incoming'], ['state', 'not in', ['done', 'cancel']]],
      { fields: ['name', 'state', 'origin', 'partner_id', 'location_id', 'location_dest_id', 'move_ids', 'backorder_id', 'carrier_tracking_ref'] },
    );
    expect(picking).toMatchObject({ state: 'assigned', origin: 'P00001', partner_id: [20, 'Wood Corner'], location_id: [4, 'Partners/Vendors'], location_dest_id: [8, 'WH/Stock'], backorder_id: false });
    expect(picking!.name).toMatch(/^WH\/IN\/\d{5}$/);
    const moves = await c.searchRead('stock.move', [['picking_id', '=', picking!.id]], { fields: ['product_id', 'product_uom_qty', 'quantity', 'picked', 'purchase_line_id', 'move_line_ids'], order: 'id' });
    expect(moves.map((m) => [m.product_uom_qty, m.quantity, m.picked])).toEqual([
      [15, 15, false],
      [5, 5, false],
      [4, 4, false],
    ]);
    await c.write('stock.picking', [picking!.id], { carrier_tracking_ref: '1Z999AA10123456784' });

    // the lot-tracked Drawer needs a lot
    await c.write('stock.move', [moves[0]!.id], { quantity: 15, picked: true });
    await c.write('stock.move', [moves[1]!.id], { quantity: 4, picked: true });
    await c.write('stock.move', [moves[2]!.id], { quantity: 4, picked: true });
    const lotErr = await rejection(c.call('stock.picking', 'button_validate', [[picking!.id]]));
    expect(lotErr).toBeInstanceOf(OdooUserError);
    expect(lotErr.message).toBe('You need to supply a Lot/Serial number for products [FURN_8855] Drawer.');
    const drawerLines = await c.read('stock.move', [moves[2]!.id], ['move_line_ids']);
    await c.write('stock.move.line', drawerLines[0]!.move_line_ids as number[], { lot_name: 'LOT-EDI-0001' });

    const action = (await c.call('stock.picking', 'button_validate', [[picking!.id]])) as { res_model: string; context: Record<string, unknown> };
    expect(action).toMatchObject({ name: 'Create Backorder?', type: 'ir.actions.act_window', res_model: 'stock.backorder.confirmation', target: 'new' });
    expect(action.context).toEqual({ button_validate_picking_ids: [picking!.id], default_show_transfers: false, default_pick_ids: [[4, picking!.id]] });
    expect(sb.data.record('stock.picking', picking!.id)!.state).toBe('assigned');

    const wizard = await c.create('stock.backorder.confirmation', {}, { context: action.context });
    expect(await c.call('stock.backorder.confirmation', 'process', [[wizard]], { context: action.context })).toBe(true);

    const done = sb.data.record('stock.picking', picking!.id)!;
    expect(done).toMatchObject({ state: 'done', carrier_tracking_ref: '1Z999AA10123456784' });
    expect(done.date_done).toEqual(expect.any(String));
    const [back] = await c.searchRead('stock.picking', [['backorder_id', '=', picking!.id]], { fields: ['state', 'move_ids', 'carrier_tracking_ref'] });
    expect(back).toMatchObject({ state: 'assigned', carrier_tracking_ref: false });
    const backMoves = await c.read('stock.move', back!.move_ids as number[], ['product_uom_qty', 'quantity', 'picked']);
    expect(backMoves).toEqual([expect.objectContaining({ product_uom_qty: 1, quantity: 1, picked: false })]);

    const poLines = await c.searchRead('purchase.order.line', [['order_id', '=', 1]], { fields: ['qty_received'], order: 'id' });
    expect(poLines.map((l) => l.qty_received)).toEqual([15, 4, 4]);
    expect((await c.read('purchase.order', [1], ['receipt_status']))[0]!.receipt_status).toBe('partial');
    expect(sb.data.records('stock.lot', [['name', '=', 'LOT-EDI-0001']])).toHaveLength(1);

    // validating the backorder untouched receives the pre-filled rest; validating a done picking is a no-op
    expect(await c.call('stock.picking', 'button_validate', [[back!.id]])).toBe(true);
    expect(await c.call('stock.picking', 'button_validate', [[back!.id]])).toBe(true);
    expect((await c.read('purchase.order', [1], ['receipt_status']))[0]!.receipt_status).toBe('full');
  });

  test('receipt without backorder by context: un-picked moves count as not received and are cancelled', async () => {
    const po = await c.create('purchase.order', {
      partner_id: 21,
      partner_ref: 'EDI-PO-TEST',
      order_line: [
        [0, 0, { product_id: 8, product_qty: 10, price_unit: 7.5, date_planned: '2026-12-01 12:00:00' }],
        [0, 0, { product_id: 5, product_qty: 4, price_unit: 20 }],
      ],
    });
    expect(await c.call('purchase.order', 'button_confirm', [[po]])).toBe(true);
    const [picking] = await c.search('stock.picking', [['origin', '=', (await c.read('purchase.order', [po], ['name']))[0]!.name as string]]);
    const moves = await c.search('stock.move', [['picking_id', '=', picking!]], { order: 'id' });
    await c.write('stock.move', [moves[0]!], { quantity: 2, picked: true });
    expect(await c.call('stock.picking', 'button_validate', [[picking]], { context: { skip_backorder: true, picking_ids_not_to_backorder: [picking] } })).toBe(true);
    const after = await c.read('stock.move', moves, ['state', 'quantity']);
    expect(after.map((m) => [m.state, m.quantity])).toEqual([
      ['done', 2],
      ['cancel', 0],
    ]);
    expect(await c.searchCount('stock.picking', [['backorder_id', '=', picking!]])).toBe(0);
    const lines = await c.searchRead('purchase.order.line', [['order_id', '=', po]], { fields: ['qty_received'], order: 'id' });
    expect(lines.map((l) => l.qty_received)).toEqual([2, 0]);

    // action_create_invoice bills received − billed, ref = partner_ref
    const act = (await c.call('purchase.order', 'action_create_invoice', [[po]])) as { res_id: number };
    const [bill] = await c.read('account.move', [act.res_id], ['ref', 'invoice_date', 'invoice_origin', 'amount_total']);
    expect(bill).toMatchObject({ ref: 'EDI-PO-TEST', invoice_date: false, amount_total: 15 });
    const again = await rejection(c.call('purchase.order', 'action_create_invoice', [[po]]));
    expect(again.message).toMatch(/^There is no invoiceable line/);
  });

  test('vendor bill: draft without name, action_post answers false, errors as recorded, duplicate ref allowed', async () => {
    const vals = {
      move_type: 'in_invoice',
      partner_id: 20,
      ref: 'INV-WC-2026-001',
      invoice_date: '2026-11-26',
      invoice_line_ids: [[0, 0, { product_id: 5, quantity: 15.0, price_unit: 79.8, purchase_line_id: 1 }]],
    };
    const id = await c.create('account.move', vals);
    const [draft] = await c.read('account.move', [id], ['name', 'state', 'amount_total', 'duplicated_ref_ids', 'invoice_line_ids']);
    expect(draft).toMatchObject({ name: false, state: 'draft', amount_total: 1197, duplicated_ref_ids: [] });
    const [line] = await c.read('account.move.line', draft!.invoice_line_ids as number[], ['account_id', 'purchase_line_id']);
    expect(line).toMatchObject({ account_id: [33, '600000 Expenses'], purchase_line_id: [1, expect.any(String)] });

    expect(await c.call('account.move', 'action_post', [[id]])).toBe(false);
    const [posted] = await c.read('account.move', [id], ['name', 'state', 'payment_state']);
    expect(posted).toMatchObject({ name: 'BILL/2026/11/0001', state: 'posted', payment_state: 'not_paid' });
    expect((await c.read('purchase.order.line', [1], ['qty_invoiced']))[0]!.qty_invoiced).toBe(15);

    const again = await rejection(c.call('account.move', 'action_post', [[id]]));
    expect(again.message).toBe(`The entry BILL/2026/11/0001 (id ${id}) must be in draft.`);
    const noDate = await c.create('account.move', { move_type: 'in_invoice', partner_id: 20, invoice_line_ids: [[0, 0, { product_id: 5 }]] });
    expect((await rejection(c.call('account.move', 'action_post', [[noDate]]))).message).toBe('The Bill/Refund date is required to validate this document.');
    const noLines = await c.create('account.move', { move_type: 'in_invoice', partner_id: 20, invoice_date: '2026-11-26' });
    expect((await rejection(c.call('account.move', 'action_post', [[noLines]]))).message).toBe('You need to add a line before posting.');

    const dup = await c.create('account.move', vals);
    expect((await c.read('account.move', [dup], ['duplicated_ref_ids']))[0]!.duplicated_ref_ids).toEqual([id]);
    expect(await c.call('account.move', 'action_post', [[dup]])).toBe(false);
    expect(await c.search('account.move', [['move_type', '=', 'in_invoice'], ['partner_id', '=', 20], ['ref', '=', 'INV-WC-2026-001'], ['state', '!=', 'cancel']])).toHaveLength(2);
  });

  test('customer invoice: lines keep the sale lines they bill; posting without a date dates it today (a bill is refused)', async () => {
    const so = await c.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 5, product_uom_qty: 3 }]] });
    const [saleLine] = await c.search('sale.order.line', [['order_id', '=', so]]);
    const id = await c.create('account.move', {
      move_type: 'out_invoice',
      partner_id: 30,
      invoice_origin: 'S00001',
      invoice_line_ids: [[0, 0, { product_id: 5, quantity: 2, price_unit: 120.5, sale_line_ids: [[6, 0, [saleLine]]] }]],
    });
    expect(await c.call('account.move', 'action_post', [[id]])).toBe(false);
    const [move] = await c.read('account.move', [id], ['name', 'state', 'invoice_date', 'invoice_line_ids']);
    const today = new Date().toISOString().slice(0, 10);
    expect(move).toMatchObject({ name: `INV/${today.slice(0, 4)}/${today.slice(5, 7)}/0001`, state: 'posted', invoice_date: today });
    const [line] = await c.read('account.move.line', move!.invoice_line_ids as number[], ['sale_line_ids']);
    expect(line!.sale_line_ids).toEqual([saleLine]);
  });

  test('domains: operators, dotted paths, negation, active test, ir.model.data', async () => {
    const codes = async (domain: unknown[]) => (await c.searchRead('product.product', domain as never, { fields: ['default_code'], order: 'id' })).map((p) => p.default_code);
    expect(await codes([['default_code', 'like', 'FURN_7']])).toEqual(['FURN_7777', 'FURN_7800']);
    // ids below 60: the demo products, not those seeded for the sample partners
    const demo = ['id', '<', 60];
    expect(await codes([demo, ['default_code', 'not in', ['FURN_7777', 'FURN_7800', 'FURN_6667', 'FURN_8855']], ['type', '!=', 'service']])).toEqual(['EDI-SCAN-01', 'SUGAR-KG']);
    expect(await codes(['!', ['lst_price', '<', 250], ['lst_price', '<=', 300]])).toEqual(['FURN_6667']);
    expect(await codes(['|', ['standard_price', '>', 290], ['standard_price', '>=', 286.7]])).toEqual(['FURN_7800', 'FURN_6667']);
    expect(await codes([['uom_id.name', '=', 'kg']])).toEqual(['SUGAR-KG']);
    expect(await codes([demo, ['barcode', '=', false], ['tracking', '=', 'none'], ['type', '=', 'consu']])).toEqual(['FURN_7800', 'SUGAR-KG']);
    expect(await codes([['uom_id', '=', 'kg']])).toEqual(['SUGAR-KG']);

    await c.write('res.partner', [21], { active: false });
    expect(await c.search('res.partner', [['ref', '=', 'SUP-AZURE']])).toEqual([]);
    expect(await c.search('res.partner', [['ref', '=', 'SUP-AZURE'], ['active', 'in', [true, false]]])).toEqual([21]);
    await c.write('res.partner', [21], { active: true });

    const [x] = await c.searchRead('ir.model.data', [['module', '=', 'uom'], ['name', '=', 'product_uom_unit']], { fields: ['model', 'res_id'] });
    expect(x).toMatchObject({ model: 'uom.uom', res_id: 1 });
    expect(await c.call('ir.model.data', 'check_object_reference', ['stock', 'picking_type_in'])).toEqual(['stock.picking.type', 1]);
    expect(await c.searchRead('res.partner', [['id', 'child_of', 10]], { fields: ['display_name'], order: 'id' })).toEqual([
      { id: 10, display_name: 'Acme Retail Inc' },
      { id: 12, display_name: 'Acme Retail Inc, Acme DC East' },
    ]);
    const bad = await rejection(c.searchRead('res.partner', [], { order: 'nope desc' }));
    expect(bad).toBeInstanceOf(OdooRequestError);
  });

  test('mail.activity for the buyer', async () => {
    const [model] = await c.search('ir.model', [['model', '=', 'purchase.order']]);
    const id = await c.create('mail.activity', { res_model_id: model, res_id: 1, activity_type_id: 4, summary: 'EDI 855: line rejected', user_id: 2, date_deadline: '2026-11-30' });
    expect((await c.read('mail.activity', [id], ['res_model', 'summary']))[0]).toMatchObject({ res_model: 'purchase.order', summary: 'EDI 855: line rejected' });
  });
});

test('without stock_delivery, carrier_tracking_ref is an invalid field; seed from YAML text', async () => {
  const sb = await startSandbox({
    apiKey: API_KEY,
    login: 'edi-bot',
    db: 'other',
    modules: [],
    seed: 'records:\n  res.partner:\n    - { id: 5, name: Only Partner, ref: X1 }\n',
  });
  try {
    const c = client(sb, 'xmlrpc', { db: 'other', login: 'edi-bot' });
    expect(await c.authenticate()).toBeGreaterThan(0);
    expect(await c.searchRead('res.partner', [['ref', '=', 'X1']], { fields: ['name'] })).toEqual([{ id: 5, name: 'Only Partner' }]);
    const err = await rejection(c.searchRead('stock.picking', [], { fields: ['carrier_tracking_ref'] }));
    expect(err).toBeInstanceOf(OdooRequestError);
    expect(err.message).toBe("Invalid field 'carrier_tracking_ref' on model 'stock.picking'");
  } finally {
    await sb.close();
  }
});

test('an invalid seed is refused with the model and record named', async () => {
  await expect(startSandbox({ seed: { records: { 'res.partner': [{ id: 1, email: 'no-name@example.invalid' }] } } })).rejects.toThrow(
    /invalid sandbox seed: res.partner id 1: .*Contacts require a name/,
  );
});

test('odoo-sandbox command: starts, answers, stops; refuses bad options; never prints credentials', async () => {
  const { runOdooSandbox } = await import('../../src/odoo/sandbox/cli');
  const lines: string[] = [];
  const ac = new AbortController();
  const done = runOdooSandbox(['--port', '0', '--db', 'demo'], { out: (l) => lines.push(l), env: { ODOO_PASSWORD: PASSWORD, ODOO_API_KEY: API_KEY }, signal: ac.signal });
  while (!lines.length) await new Promise((r) => setTimeout(r, 5));
  const url = /listening on (\S+)/.exec(lines[0]!)![1]!;
  const c = client({ url } as SandboxHandle, 'jsonrpc', { db: 'demo' });
  expect(await c.searchCount('res.partner', [['ref', '=', 'SUP-WOOD']])).toBe(1);
  ac.abort();
  expect(await done).toBe(0);
  expect(lines.join('\n')).not.toContain(PASSWORD);
  expect(lines.join('\n')).not.toContain(API_KEY);
  expect(await runOdooSandbox(['--port', 'x'], { out: (l) => lines.push(l) })).toBe(2);
});
