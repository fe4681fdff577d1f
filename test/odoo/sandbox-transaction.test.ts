/**
 * A failing call must leave the sandbox exactly as it found it: rows, their keys and key order, the
 * order of each table (also when rows were removed and put back), the next ids and the sequences.
 * The transaction records its changes instead of copying the state first; these compare the result
 * with a copy taken before the call.
 */
import { Env, Store } from '../../src/odoo/sandbox/engine';
import { MODELS } from '../../src/odoo/sandbox/models';
import { loadSeed, resolveSeed } from '../../src/odoo/sandbox/seed';

const admin = { id: 2, login: 'admin', admin: true };

function fresh(): { store: Store; env: Env } {
  const store = new Store(MODELS, ['stock_delivery']);
  loadSeed(store, resolveSeed(), admin);
  return { store, env: new Env(store, admin, { __sandbox_model: 'sale.order' }) };
}

/** The whole state as text: every table's rows in table order with their keys in order, ids, sequences. */
function dump(store: Store): string {
  const tables = Object.entries(store.state.tables).map(([m, t]) => [m, [...t.entries()]]);
  return JSON.stringify({ tables, nextId: store.state.nextId, sequences: store.state.sequences });
}

function goods(env: Env, n: number): number[] {
  return env.search('product.product', [['sale_ok', '=', true], ['type', '=', 'consu']], { limit: n, order: 'id' });
}

describe('sandbox transactions', () => {
  test('a failing call after creates, writes, removes and sequences leaves the state as it was', () => {
    const { store, env } = fresh();
    const [p, q] = goods(env, 2);
    const [a, b] = env.create('sale.order', [
      { partner_id: 30, client_order_ref: 'A', order_line: [[0, 0, { product_id: p, product_uom_qty: 1 }], [0, 0, { product_id: q, product_uom_qty: 2 }], [0, 0, { product_id: p, product_uom_qty: 3 }]] },
      { partner_id: 30, client_order_ref: 'B', order_line: [[0, 0, { product_id: q, product_uom_qty: 4 }]] },
    ]);
    const before = dump(store);
    const lines = env.rowsBy('sale.order.line', 'order_id', a!).map((l) => l.id);
    expect(() =>
      store.transaction(() => {
        // a removal from the middle of the table, put back last by a Map unless ordered again
        env.write('sale.order', [a!], { order_line: [[2, lines[1]!]], note: 'new key', client_order_ref: 'A2' });
        env.model('sale.order').methods!.action_confirm!.impl(env, [a!, b!], {});
        env.create('sale.order', [{ partner_id: 30, order_line: [[0, 0, { product_id: p }]] }]);
        env.unlink('sale.order', [b!]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(dump(store)).toBe(before);
    expect(store.indexProblems()).toEqual([]);
    // the indexes answer from the restored rows
    expect(env.rowsBy('sale.order.line', 'order_id', a!).map((l) => l.id)).toEqual(lines);
    expect(env.search('sale.order', [['client_order_ref', '=', 'A']])).toEqual([a]);
    // and the next create takes the ids and names the failed call had taken
    const [c] = env.create('sale.order', [{ partner_id: 30 }]);
    expect(c).toBe(b! + 1);
  });

  test('a field a failing call added to a row is gone again, not left as undefined', () => {
    const { store, env } = fresh();
    const [a] = env.create('sale.order', [{ partner_id: 30 }]);
    const row = store.table('sale.order').get(a!)!;
    const keys = Object.keys(row);
    expect(() =>
      store.transaction(() => {
        env.assign('sale.order', row, { some_new_key: 1, client_order_ref: 'X' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const now = store.table('sale.order').get(a!)!;
    expect(Object.keys(now)).toEqual(keys);
    expect('some_new_key' in now).toBe(false);
  });

  test('a failing inner transaction undoes only its own changes; the outer one can still fail as a whole', () => {
    const { store, env } = fresh();
    const [a] = env.create('sale.order', [{ partner_id: 30, client_order_ref: 'A' }]);
    const before = dump(store);
    let inner = '';
    store.transaction(() => {
      env.write('sale.order', [a!], { client_order_ref: 'OUTER' });
      expect(() =>
        store.transaction(() => {
          env.write('sale.order', [a!], { client_order_ref: 'INNER' });
          env.unlink('sale.order', [a!]);
          throw new Error('inner');
        }),
      ).toThrow('inner');
      inner = String(store.table('sale.order').get(a!)!.client_order_ref);
    });
    expect(inner).toBe('OUTER');
    expect(store.table('sale.order').get(a!)!.client_order_ref).toBe('OUTER');

    const afterOuter = dump(store);
    expect(afterOuter).not.toBe(before);
    expect(() =>
      store.transaction(() => {
        env.write('sale.order', [a!], { client_order_ref: 'AGAIN' });
        store.transaction(() => env.unlink('sale.order', [a!]));
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(dump(store)).toBe(afterOuter);
  });

  test('with atomic calls off nothing is recorded and nothing undone', () => {
    const { store, env } = fresh();
    store.atomicCalls = false;
    expect(() =>
      store.transaction(() => {
        env.create('sale.order', [{ partner_id: 30, client_order_ref: 'KEPT' }]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(env.search('sale.order', [['client_order_ref', '=', 'KEPT']])).toHaveLength(1);
  });
});
