/**
 * The sandbox's cheaper create paths must leave what the plain ones leave: values already in stored
 * form taken without conversion (and everything else converted, errors included), an order's lines
 * made in one call that finishes each line before the next, and a request's own values completed in
 * place while a caller's values are never touched.
 */
import { Env, Store, type Row } from '../../src/odoo/sandbox/engine';
import { MODELS } from '../../src/odoo/sandbox/models';
import { loadSeed, resolveSeed } from '../../src/odoo/sandbox/seed';

const admin = { id: 2, login: 'admin', admin: true };

function freshEnv(model: string, context: Record<string, unknown> = {}): { store: Store; env: Env } {
  const store = new Store(MODELS, ['stock_delivery']);
  loadSeed(store, resolveSeed(), admin);
  return { store, env: new Env(store, admin, { __sandbox_model: model, ...context }) };
}

function goods(env: Env, n: number): number[] {
  return env.search('product.product', [['sale_ok', '=', true], ['type', '=', 'consu']], { limit: n, order: 'id' });
}

/** The error message of `fn`, or undefined when it does not throw. */
function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Every table as JSON (rows with their keys in order), for comparing two stores. */
function dump(store: Store): string {
  return JSON.stringify(Object.fromEntries(Object.entries(store.state.tables).map(([m, t]) => [m, [...t.values()]])));
}

describe('sandbox create fast paths', () => {
  test('values in stored form and values needing conversion give the rows and errors create always gave', () => {
    // a fixed "now": rows made across a second boundary would otherwise differ in their date
    const { store, env } = freshEnv('stock.move', { __sandbox_now: '2026-11-27 01:02:03' });
    const [p] = goods(env, 1);
    const [so] = env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, { product_id: p, product_uom_qty: 1 }]] }]);
    env.model('sale.order').methods!.action_confirm!.impl(env, [so!], {});
    const picking = env.search('stock.picking', [['sale_id', '=', so!]])[0]!;
    const base = { picking_id: picking, product_id: p, name: 'x', product_uom_qty: 1, quantity: 0, state: 'confirmed', sequence: 3 };
    // the same keys every time, so every row goes through the one row maker of that plan
    const missing = `Record does not exist or has been deleted.\n(Record: stock.picking(999999,), User: 2)`;
    const cases: Array<[Record<string, unknown>, Record<string, unknown> | string | RegExp]> = [
      [{}, {}],
      [{ product_uom_qty: '2.5' }, { product_uom_qty: 2.5 }],
      [{ product_uom_qty: false }, { product_uom_qty: 0 }],
      [{ product_uom_qty: null }, { product_uom_qty: 0 }],
      [{ product_uom_qty: Number.NaN }, 'could not convert string to float: NaN'],
      [{ product_uom_qty: 'abc' }, "could not convert string to float: 'abc'"],
      [{ sequence: 2.7 }, { sequence: 2 }],
      [{ sequence: -0 }, { sequence: -0 }],
      [{ sequence: '4' }, { sequence: 4 }],
      [{ name: '' }, { name: false }],
      [{ name: 12 }, { name: '12' }],
      [{ name: false }, { name: false }],
      [{ name: ['x'] }, "Wrong value for stock.move.name: ['x']"],
      [{ state: 'nope' }, "Wrong value for stock.move.state: 'nope'"],
      [{ state: false }, { state: false }],
      // no picking: no location to default to
      [{ picking_id: 0 }, /mandatory field is not set[\s\S]*Source Location \(location_id\)/],
      // converted to the id, but the location defaults only read a bare id
      [{ picking_id: [picking, 'name'] }, /mandatory field is not set[\s\S]*Source Location \(location_id\)/],
      [{ picking_id: 999_999 }, missing],
      [{ picking_id: 1.5 }, 'Wrong value for stock.move.picking_id: 1.5'],
      [{ product_id: '1' }, "Wrong value for stock.move.product_id: '1'"],
    ];
    let keys: string[] | undefined;
    let first: Row | undefined;
    for (const [given, expected] of cases) {
      const err = errorOf(() => env.create('stock.move', [{ ...base, ...given }]));
      if (typeof expected === 'string') {
        expect(err).toBe(expected);
        continue;
      }
      if (expected instanceof RegExp) {
        expect(err).toMatch(expected);
        continue;
      }
      expect(err).toBeUndefined();
      const rows = [...store.table('stock.move').values()];
      const row = rows[rows.length - 1]!;
      keys ??= Object.keys(row);
      first ??= row;
      expect(Object.keys(row)).toEqual(keys);
      for (const k of keys) {
        if (k === 'id') continue;
        const want = k in expected ? expected[k] : first[k];
        expect([k, Object.is(row[k], want)]).toEqual([k, true]);
      }
    }
    expect(first).toMatchObject({ picking_id: picking, product_id: p, name: 'x', product_uom_qty: 1, state: 'confirmed', sequence: 3 });
  });

  test('a many2many value: an empty list is a new list per row, ids and commands are converted', () => {
    const { store, env } = freshEnv('sale.order');
    const [p] = goods(env, 1);
    const tax = env.search('account.tax', [])[0]!;
    const [so] = env.create('sale.order', [
      {
        partner_id: 30,
        order_line: [
          [0, 0, { product_id: p, product_uom_qty: 1, tax_id: [] }],
          [0, 0, { product_id: p, product_uom_qty: 1, tax_id: [] }],
          [0, 0, { product_id: p, product_uom_qty: 1, tax_id: [tax] }],
          [0, 0, { product_id: p, product_uom_qty: 1, tax_id: [[6, 0, [tax]]] }],
        ],
      },
    ]);
    const lines = env.rowsBy('sale.order.line', 'order_id', so!);
    expect(lines.map((l) => l.tax_id)).toEqual([[], [], [tax], [tax]]);
    expect(lines[0]!.tax_id).not.toBe(lines[1]!.tax_id);
    expect(errorOf(() => env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, { product_id: p, tax_id: [999_999] }]] }]))).toMatch(/account\.tax/);
    expect(store.table('sale.order.line').size).toBe(4);
  });

  test("an order's lines made together fail at the line a call per line would fail at", () => {
    const [p, q] = goods(freshEnv('sale.order').env, 2);
    // line 2 lacks a required value, line 3 has a value that does not convert: a call per line stops at line 2
    const order = (): Record<string, unknown> => ({
      partner_id: 30,
      order_line: [
        [0, 0, { product_id: p, product_uom_qty: 1 }],
        [0, 0, { name: false, product_uom_qty: 1 }],
        [0, 0, { product_id: q, product_uom_qty: 'x' }],
      ],
    });
    const batched = freshEnv('sale.order');
    const err = errorOf(() => batched.env.create('sale.order', [order()]));
    expect(err).toMatch(/mandatory field/);
    expect(err).toMatch(/Description \(name\)/);

    // the same lines sent one command at a time (write with one create each)
    const single = freshEnv('sale.order');
    const [so] = single.env.create('sale.order', [{ partner_id: 30 }]);
    const lines = order().order_line as unknown[];
    let singleErr: string | undefined;
    for (const cmd of lines) {
      singleErr = errorOf(() => single.env.write('sale.order', [so!], { order_line: [cmd] }));
      if (singleErr !== undefined) break;
    }
    expect(singleErr).toBe(err);
    // without rollback (atomic calls are the dispatcher's), both leave line 1 and line 2 made, not line 3
    expect(batched.store.table('sale.order.line').size).toBe(single.store.table('sale.order.line').size);
  });

  test('a purchase line default reading what the line before it changed sees that change', () => {
    const { env } = freshEnv('purchase.order');
    const [p, q] = goods(env, 2);
    // each line's afterCreate moves the order's date_planned, which the next line's default reads
    const [po] = env.create('purchase.order', [
      {
        partner_id: 30,
        order_line: [
          [0, 0, { product_id: p, product_qty: 1, date_planned: '2026-12-05 00:00:00' }],
          [0, 0, { product_id: q, product_qty: 1 }],
          [0, 0, { product_id: q, product_qty: 1, date_planned: '2026-12-01 00:00:00' }],
          [0, 0, { product_id: p, product_qty: 1 }],
        ],
      },
    ]);
    const lines = env.rowsBy('purchase.order.line', 'order_id', po!);
    expect(lines.map((l) => l.date_planned)).toEqual(['2026-12-05 00:00:00', '2026-12-05 00:00:00', '2026-12-01 00:00:00', '2026-12-01 00:00:00']);
  });

  test("create leaves the caller's values alone; createOwned completes them and gives the same rows", () => {
    const [p, q] = goods(freshEnv('sale.order').env, 2);
    const vals = (): Record<string, unknown>[] => [
      { partner_id: 30, client_order_ref: 'A', order_line: [[0, 0, { product_id: p, product_uom_qty: 1 }], [0, 0, { product_id: q, product_uom_qty: 2, id: 7 }]] },
      { partner_id: 30, order_line: [[0, 0, { product_id: q, product_uom_qty: 3 }]] },
    ];
    // one fixed "now" for both: the two stores are compared row for row, log access dates included
    const at = { __sandbox_now: '2026-11-27 01:02:03' };
    const copied = freshEnv('sale.order', at);
    const mine = vals();
    const before = JSON.stringify(mine);
    const ids = copied.env.create('sale.order', mine);
    expect(JSON.stringify(mine)).toBe(before);

    const owned = freshEnv('sale.order', at);
    const theirs = vals();
    expect(owned.env.createOwned('sale.order', theirs)).toEqual(ids);
    expect(dump(owned.store)).toBe(dump(copied.store));
    // completed in place: the order's defaults and the line's inverse
    expect(theirs[0]!.state).toBe('draft');
    expect(((theirs[0]!.order_line as unknown[][])[0]![2] as Record<string, unknown>).order_id).toBe(ids[0]);
  });
});
