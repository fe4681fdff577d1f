/**
 * The sandbox's create works out per key list which fields are given and which defaults to try, and
 * keeps that for the next values with the same keys: rows must come out as if each were worked out
 * afresh (defaults reading the row's own values, a sequence's name, key order), and a change of the
 * installed modules must not let a kept plan accept a field that is no longer there.
 */
import { Env, Store } from '../../src/odoo/sandbox/engine';
import { MODELS } from '../../src/odoo/sandbox/models';
import { loadSeed, resolveSeed } from '../../src/odoo/sandbox/seed';

const admin = { id: 2, login: 'admin', admin: true };

function freshEnv(model: string, context: Record<string, unknown> = {}): { store: Store; env: Env } {
  const store = new Store(MODELS, ['stock_delivery']);
  loadSeed(store, resolveSeed(), admin);
  return { store, env: new Env(store, admin, { __sandbox_model: model, ...context }) };
}

describe('sandbox create with kept plans', () => {
  test('rows with the same keys take their own defaults, in the order of the keys', () => {
    const { store, env } = freshEnv('sale.order');
    const [a, b] = env.search('product.product', [['sale_ok', '=', true]], { limit: 2 });
    const [so] = env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, { product_id: a, product_uom_qty: 2 }], [0, 0, { product_id: b, product_uom_qty: 3 }]] }]);
    const lines = env.read('sale.order.line', env.search('sale.order.line', [['order_id', '=', so!]], { order: 'id' }), ['product_id', 'name', 'price_unit']);
    expect(lines.map((l) => l.name)).toEqual([env.displayName('product.product', a!), env.displayName('product.product', b!)]);
    expect(lines.map((l) => l.price_unit)).toEqual([store.table('product.product').get(a!)!.lst_price, store.table('product.product').get(b!)!.lst_price]);
    // the given keys first, then the defaulted ones in definition order; the inverse after the given ones
    const row = store.table('sale.order.line').get(lines[1]!.id as number)!;
    expect(Object.keys(row).slice(0, 4)).toEqual(['id', 'product_id', 'product_uom_qty', 'order_id']);
  });

  test('a name given, defaulted or left to the sequence keeps its place among the keys', () => {
    const { store, env } = freshEnv('sale.order');
    const [given, asNew, none] = env.create('sale.order', [
      { name: 'MANUAL', partner_id: 30 },
      { name: 'New', partner_id: 30 },
      { partner_id: 30, client_order_ref: 'X' },
    ]);
    const t = store.table('sale.order');
    expect(t.get(given!)!.name).toBe('MANUAL');
    expect(Object.keys(t.get(asNew!)!)[1]).toBe('name');
    expect(t.get(asNew!)!.name).toMatch(/^S\d{5}$/);
    const keys = Object.keys(t.get(none!)!);
    expect(keys[keys.length - 1]).toBe('name');
    expect(t.get(none!)!.name).toMatch(/^S\d{5}$/);
  });

  test('context defaults apply to kept plans too', () => {
    const { store, env } = freshEnv('sale.order', { default_client_order_ref: 'FROM-CONTEXT' });
    const ids = env.create('sale.order', [{ partner_id: 30 }, { partner_id: 30 }, { partner_id: 30, client_order_ref: 'OWN' }]);
    expect(ids.map((id) => store.table('sale.order').get(id)!.client_order_ref)).toEqual(['FROM-CONTEXT', 'FROM-CONTEXT', 'OWN']);
  });

  test('a kept plan refuses a field once its module is uninstalled, and an unknown key still fails', () => {
    const { store, env } = freshEnv('stock.picking');
    const type = env.search('stock.picking.type', [['code', '=', 'outgoing']])[0]!;
    const vals = { picking_type_id: type, carrier_tracking_ref: 'TRACK-1' };
    const [id] = env.create('stock.picking', [vals]);
    expect(store.table('stock.picking').get(id!)!.carrier_tracking_ref).toBe('TRACK-1');
    store.modules.delete('stock_delivery');
    expect(() => env.create('stock.picking', [{ ...vals }])).toThrow("Invalid field 'carrier_tracking_ref' on model 'stock.picking'");
    store.modules.add('stock_delivery');
    expect(() => env.create('stock.picking', [{ picking_type_id: type, no_such_field: 1 }])).toThrow("Invalid field 'no_such_field' on model 'stock.picking'");
    expect(env.create('stock.picking', [{ ...vals }])).toHaveLength(1);
  });

  test('an id among the values is dropped, with or without a kept plan', () => {
    const { store, env } = freshEnv('res.partner');
    const first = env.create('res.partner', [{ id: 9999, name: 'A' }])[0]!;
    const second = env.create('res.partner', [{ id: 9999, name: 'B' }])[0]!;
    expect(first).not.toBe(9999);
    expect(second).toBe(first + 1);
    expect(store.table('res.partner').get(second)!).toMatchObject({ id: second, name: 'B' });
  });
});
