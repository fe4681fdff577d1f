/**
 * The client over each transport against the sandbox, over real HTTP on 127.0.0.1.
 */
import {
  OdooAccessDeniedError,
  OdooAccessError,
  OdooMissingError,
  OdooRequestError,
  OdooUserError,
  OdooValidationError,
  type OdooProtocol,
} from '../../src/odoo';
import type { SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, DB, PASSWORD, PROTOCOLS, rejection, sandbox } from './helpers';

describe.each(PROTOCOLS)('OdooClient over %s', (protocol: OdooProtocol) => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => {
    await sb.close();
  });

  test('version and authentication', async () => {
    const c = client(sb, protocol);
    const v = await c.version();
    expect(v.serverVersion).toBe('18.0-20250702');
    expect(v.major).toBe(18);
    expect(await c.authenticate()).toBe(2);
    expect((await c.fieldNames()).saleLineUom).toBe('product_uom');
  });

  if (protocol !== 'json2') {
    test('the password works as well as the API key', async () => {
      const c = client(sb, protocol, { apiKey: undefined, password: PASSWORD });
      expect(await c.authenticate()).toBe(2);
      expect(await c.searchCount('res.partner', [['ref', '=', 'CUST-ACME']])).toBe(1);
    });
  }

  test('search_read with fields, limit, order, offset', async () => {
    const c = client(sb, protocol);
    const partners = await c.searchRead('res.partner', [['ref', '=', 'CUST-ACME']], { fields: ['id', 'name', 'ref', 'commercial_partner_id'], limit: 2 });
    expect(partners).toEqual([{ id: 10, name: 'Acme Retail Inc', ref: 'CUST-ACME', commercial_partner_id: [10, 'Acme Retail Inc'] }]);

    const products = await c.searchRead('product.product', ['|', ['default_code', '=', 'FURN_6667'], ['barcode', '=', 'FURN_6667']], {
      fields: ['display_name', 'default_code', 'barcode', 'uom_id'],
    });
    expect(products).toEqual([{ id: 32, display_name: '[FURN_6667] Acoustic Bloc Screens (Wood)', default_code: 'FURN_6667', barcode: '0012345678905', uom_id: [1, 'Units'] }]);

    const codes = await c.searchRead('product.product', [['default_code', 'ilike', 'furn']], { fields: ['default_code'], order: 'default_code desc', limit: 2, offset: 1 });
    expect(codes.map((p) => p.default_code)).toEqual(['FURN_7800', 'FURN_7777']);

    const uom = await c.searchRead('uom.uom', [['name', 'ilike', 'dozen']], { fields: ['name', 'category_id', 'factor'] });
    expect(uom).toEqual([{ id: 2, name: 'Dozens', category_id: [1, 'Unit'], factor: 0.08333333333333333 }]);
  });

  test('read: empty values are false, missing ids are silently absent', async () => {
    const c = client(sb, protocol);
    const rows = await c.read('res.partner', [21, 999999], ['name', 'ref', 'email', 'parent_id']);
    expect(rows).toEqual([{ id: 21, name: 'Azure Interior', ref: 'SUP-AZURE', email: false, parent_id: false }]);
    expect(await c.search('res.partner', [['ref', 'in', ['SUP-WOOD', 'SUP-AZURE']]], { order: 'id' })).toEqual([20, 21]);
  });

  test('create (one and a batch), write, call action_confirm, message_post', async () => {
    const c = client(sb, protocol);
    const ref = `PO-EDI-${protocol}`;
    const id = await c.create('sale.order', {
      partner_id: 10,
      client_order_ref: ref,
      order_line: [
        [0, 0, { product_id: 5, product_uom_qty: 5, price_unit: 12.5 }],
        [0, 0, { product_id: 8, product_uom_qty: 2, price_unit: 99.0, product_uom: 1 }],
      ],
    });
    expect(typeof id).toBe('number');
    const [order] = await c.read('sale.order', [id], ['name', 'state', 'client_order_ref', 'amount_total', 'order_line']);
    expect(order).toMatchObject({ state: 'draft', client_order_ref: ref, amount_total: 299.58 });
    expect(order!.name).toMatch(/^S\d{5}$/);

    const ids = await c.create('res.partner', [{ name: `Batch A ${protocol}` }, { name: `Batch B ${protocol}`, ref: 'B' }]);
    expect(ids).toHaveLength(2);
    expect(await c.write('res.partner', ids, { city: 'Lyon' })).toBe(true);
    expect((await c.read('res.partner', ids, ['city'])).map((r) => r.city)).toEqual(['Lyon', 'Lyon']);

    expect(await c.call('sale.order', 'action_confirm', [[id]])).toBe(true);
    const [confirmed] = await c.read('sale.order', [id], ['state', 'picking_ids']);
    expect(confirmed!.state).toBe('sale');
    expect(confirmed!.picking_ids).toHaveLength(1);

    const msgId = await c.messagePost('sale.order', id, 'EDI 855 sent, control number 000000123');
    const [msg] = await c.read('mail.message', [msgId], ['body', 'model', 'res_id', 'subtype_id']);
    expect(msg).toEqual({ id: msgId, body: '<p>EDI 855 sent, control number 000000123</p>', model: 'sale.order', res_id: id, subtype_id: [2, 'Note'] });
  });

  test('a batch create is atomic', async () => {
    const c = client(sb, protocol);
    const ref = `ATOMIC-${protocol}`;
    const err = await rejection(c.create('sale.order', [{ partner_id: 10, client_order_ref: ref }, { client_order_ref: `${ref}-2` }]));
    expect(err).toBeInstanceOf(OdooValidationError);
    expect(await c.searchCount('sale.order', [['client_order_ref', '=', ref]])).toBe(0);
  });

  test('a method returning None resolves to null and its action ran', async () => {
    const c = client(sb, protocol);
    const bill = await c.create('account.move', { move_type: 'in_invoice', partner_id: 20, ref: `NONE-${protocol}`, invoice_line_ids: [[0, 0, { product_id: 5, quantity: 1, price_unit: 10 }]] });
    await expect(c.call('account.move', 'button_cancel', [[bill]])).resolves.toBeNull();
    expect((await c.read('account.move', [bill], ['state']))[0]!.state).toBe('cancel');
    await expect(c.call('account.move', 'button_draft', [[bill]])).resolves.toBeNull();
    expect((await c.read('account.move', [bill], ['state']))[0]!.state).toBe('draft');
  });

  test('error shapes map to typed, non-retryable errors', async () => {
    const c = client(sb, protocol);
    const cases: Array<[Promise<unknown>, new (...a: never[]) => Error, RegExp]> = [
      [c.create('sale.order', { client_order_ref: 'NO-PARTNER' }), OdooValidationError, /mandatory field is not set[\s\S]*Field: Customer \(partner_id\)/],
      [c.create('res.partner', { email: 'x@example.invalid' }), OdooValidationError, /Contacts require a name/],
      [c.write('product.product', [8], { barcode: '0012345678905' }), OdooValidationError, /Barcode\(s\) already assigned/],
      [c.write('res.partner', [999999], { name: 'x' }), OdooMissingError, /Record does not exist or has been deleted/],
      [c.create('sale.order.line', { order_id: 999999, product_id: 5 }), OdooMissingError, /sale\.order\(999999,\)/],
      [c.create('res.partner', { name: 'x', no_such_field: 1 }), OdooRequestError, /Invalid field 'no_such_field' on model 'res.partner'/],
      [c.searchRead('res.partner', [['no_such_field', '=', 1]]), OdooRequestError, /Invalid field res.partner.no_such_field in leaf \('no_such_field', '=', 1\)/],
      [c.searchRead('res.partner', [], { fields: ['no_such_field'] }), OdooRequestError, /Invalid field 'no_such_field'/],
      [c.searchRead('x.nonexistent', []), OdooUserError, /Object x.nonexistent doesn't exist/],
      [c.call('res.partner', 'no_such_method', [[1]]), OdooRequestError, /The method 'res.partner.no_such_method' does not exist/],
      [c.call('sale.order', 'message_post', [[1, 2]], { body: 'x' }), OdooRequestError, /Expected singleton: sale.order\(1, 2\)/],
    ];
    for (const [p, cls, msg] of cases) {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(cls);
      expect(err.message).toMatch(msg);
      expect((err as { retryable?: boolean }).retryable).toBe(false);
    }
  });

  test('business rules: second action_confirm is a UserError, second button_confirm is a no-op', async () => {
    const c = client(sb, protocol);
    const so = await c.create('sale.order', { partner_id: 11, order_line: [[0, 0, { product_id: 5 }]] });
    await c.call('sale.order', 'action_confirm', [[so]]);
    const err = await rejection(c.call('sale.order', 'action_confirm', [[so]]));
    expect(err).toBeInstanceOf(OdooUserError);
    expect(err.message).toBe('Some orders are not in a state requiring confirmation.');
    expect(err).toMatchObject({ odooName: 'odoo.exceptions.UserError', model: 'sale.order', method: 'action_confirm', retryable: false });

    expect(await c.call('purchase.order', 'button_confirm', [[1]])).toBe(true);
    expect(await c.searchCount('stock.picking', [['purchase_id', '=', 1]])).toBe(1);
  });

  test('wrong credentials give OdooAccessDeniedError (not retryable)', async () => {
    const c = client(sb, protocol, { apiKey: 'wrong-key-000000' });
    const err = await rejection(c.searchRead('res.partner', []));
    expect(err).toBeInstanceOf(OdooAccessDeniedError);
    expect((err as OdooAccessDeniedError).retryable).toBe(false);
  });

  test('an ACL refusal gives OdooAccessError', async () => {
    if (protocol === 'json2') return; // the demo user has no API key in the seed
    const c = client(sb, protocol, { login: 'demo', apiKey: undefined, password: 'demo' });
    const err = await rejection(c.searchRead('ir.config_parameter', []));
    expect(err).toBeInstanceOf(OdooAccessError);
    expect(err.message).toMatch(/You are not allowed to access 'System Parameter' \(ir.config_parameter\) records/);
    const err2 = await rejection(c.write('res.users', [6], { name: 'x' }));
    expect(err2).toBeInstanceOf(OdooAccessError);
    expect(err2.message).toMatch(/Administration\/Access Rights/);
  });

  test('an unknown database is a configuration error', async () => {
    const c = client(sb, protocol, { db: 'nodb' });
    const err = await rejection(protocol === 'json2' ? c.searchRead('res.partner', []) : c.authenticate());
    expect(err).toBeInstanceOf(OdooAccessDeniedError);
    expect(err.message).toMatch(/database "nodb" does not exist/);
    expect((err as OdooAccessDeniedError).retryable).toBe(false);
  });

  test('fields_get tells whether a module field exists', async () => {
    const c = client(sb, protocol);
    const fields = await c.fieldsGet('stock.picking');
    expect(fields.carrier_tracking_ref).toMatchObject({ type: 'char' });
    expect(fields.move_ids).toMatchObject({ type: 'one2many', relation: 'stock.move' });
  });
});

test('the client refuses bad names and private methods before sending anything', async () => {
  const sb = await sandbox();
  try {
    const c = client(sb, 'jsonrpc');
    await expect(c.call('res.partner', '_compute_display_name', [[1]])).rejects.toBeInstanceOf(OdooRequestError);
    await expect(c.searchRead('../../web/login', [])).rejects.toBeInstanceOf(OdooRequestError);
    expect(sb.stats.requests).toBe(0);
  } finally {
    await sb.close();
  }
});

test('the client config is validated without echoing secrets', () => {
  expect(() => client({ url: 'http://127.0.0.1:1' } as SandboxHandle, 'json2', { apiKey: undefined, password: PASSWORD })).toThrow(/json2 protocol needs an apiKey/);
  try {
    client({ url: 'not a url' } as SandboxHandle, 'jsonrpc', { password: PASSWORD });
  } catch (err) {
    expect((err as Error).message).not.toContain(PASSWORD);
    expect((err as Error).message).not.toContain(API_KEY);
  }
  expect(DB).toBe('edi');
});
