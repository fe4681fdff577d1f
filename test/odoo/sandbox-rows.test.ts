/**
 * How the sandbox builds rows: one row maker per plan and set of defaulted fields, one copy of a
 * one2many line's values, the moves of a confirmed order created together. A row must come out with
 * the keys and values (and a failing row with the error) that setting its keys one by one gives.
 */
import { Env, Store, type Row } from '../../src/odoo/sandbox/engine';
import { MODELS } from '../../src/odoo/sandbox/models';
import { loadSeed, resolveSeed } from '../../src/odoo/sandbox/seed';

const admin = { id: 2, login: 'admin', admin: true };

function freshEnv(model: string): { store: Store; env: Env } {
  const store = new Store(MODELS, ['stock_delivery']);
  loadSeed(store, resolveSeed(), admin);
  return { store, env: new Env(store, admin, { __sandbox_model: model }) };
}

function goods(env: Env, n: number): number[] {
  return env.search('product.product', [['sale_ok', '=', true], ['type', '=', 'consu']], { limit: n, order: 'id' });
}

/** Odoo's magic columns, after each model's own fields. */
const LOG_ACCESS = ['create_uid', 'create_date', 'write_uid', 'write_date'];

describe('sandbox rows', () => {
  test('rows of one plan whose defaults differ get their own keys, in order', () => {
    const { store, env } = freshEnv('sale.order');
    const [p] = goods(env, 1);
    // same keys; without a product the unit and price defaults give nothing, so those keys are absent
    const [so] = env.create('sale.order', [
      {
        partner_id: 30,
        order_line: [
          [0, 0, { product_id: p, name: 'with product' }],
          [0, 0, { product_id: false, name: 'without' }],
          [0, 0, { product_id: p, name: 'with product again' }],
        ],
      },
    ]);
    const rows = env.rowsBy('sale.order.line', 'order_id', so!);
    const withProduct = ['id', 'product_id', 'name', 'order_id', 'sequence', 'product_uom_qty', 'product_uom', 'price_unit', 'tax_id', 'company_id', ...LOG_ACCESS];
    expect(rows.map((r) => Object.keys(r))).toEqual([withProduct, withProduct.filter((k) => k !== 'product_uom' && k !== 'price_unit'), withProduct]);
    expect(rows[1]).toMatchObject({ product_id: false, name: 'without', sequence: 10, product_uom_qty: 1, tax_id: [] });
    expect(rows[2]!.price_unit).toBe(store.table('product.product').get(p!)!.lst_price);
  });

  test('a value that fails conversion fails the row with the error of the first bad key', () => {
    const { env } = freshEnv('sale.order');
    const [p] = goods(env, 1);
    expect(() => env.create('sale.order.line', [{ order_id: 999_999, product_id: p, product_uom_qty: 'x' }])).toThrow(/sale\.order/);
    const [so] = env.create('sale.order', [{ partner_id: 30 }]);
    expect(() => env.create('sale.order.line', [{ order_id: so, product_id: p, product_uom_qty: 'x' }])).toThrow("could not convert string to float: 'x'");
  });

  test("a one2many line's values are not changed, and a __proto__ key pollutes nothing", () => {
    const { env } = freshEnv('sale.order');
    const [p] = goods(env, 1);
    const line: Record<string, unknown> = { product_id: p, product_uom_qty: 2 };
    const [so] = env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, line]] }]);
    expect(line).toEqual({ product_id: p, product_uom_qty: 2 });
    expect(env.rowsBy('sale.order.line', 'order_id', so!)).toHaveLength(1);
    const odd = JSON.parse(`{"product_id": ${p}, "__proto__": {"polluted": true}}`) as Record<string, unknown>;
    env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, odd]] }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("confirming an order makes one move per goods line, in the lines' order, with consecutive ids", () => {
    const { env } = freshEnv('sale.order');
    const products = goods(env, 3);
    const [so] = env.create('sale.order', [{ partner_id: 30, order_line: products.map((p, i) => [0, 0, { product_id: p, product_uom_qty: i + 1 }]) }]);
    const confirm = env.model('sale.order').methods!.action_confirm!;
    expect(confirm.impl(env, [so!], {})).toBe(true);
    const [picking] = env.rowsBy('stock.picking', 'sale_id', so!);
    const moves: Row[] = env.rowsBy('stock.move', 'picking_id', picking!.id);
    const lines = env.rowsBy('sale.order.line', 'order_id', so!);
    expect(moves.map((m) => m.sale_line_id)).toEqual(lines.map((l) => l.id));
    expect(moves.map((m) => m.id)).toEqual(moves.map((_, i) => moves[0]!.id + i));
    expect(moves.map((m) => m.product_uom_qty)).toEqual([1, 2, 3]);
    for (const m of moves) {
      expect(m).toMatchObject({ state: 'confirmed', quantity: 0, location_id: picking!.location_id, location_dest_id: picking!.location_dest_id, sequence: 10 });
      expect(Object.keys(m)).toEqual(['id', 'picking_id', 'product_id', 'name', 'product_uom_qty', 'product_uom', 'quantity', 'state', 'sale_line_id', 'origin', 'sequence', 'location_id', 'location_dest_id', 'date', 'company_id', ...LOG_ACCESS]);
    }
    expect(env.rowsBy('stock.move.line', 'picking_id', picking!.id)).toEqual([]);
  });
});
