/**
 * The sandbox's equality indexes: searches and one2many reads answer exactly what a scan of the
 * table answers, after creates, writes, unlinks, rows moving between values and rolled-back calls;
 * a row changed without the store seeing it is caught at the end of the call.
 */
import { Env, Store, type Row } from '../../src/odoo/sandbox/engine';
import { MODELS } from '../../src/odoo/sandbox/models';
import { loadSeed, resolveSeed } from '../../src/odoo/sandbox/seed';

const admin = { id: 2, login: 'admin', admin: true };

function freshStore(): { store: Store; env: (model: string) => Env } {
  const store = new Store(MODELS, ['stock_delivery']);
  loadSeed(store, resolveSeed(), admin);
  return { store, env: (model) => new Env(store, admin, { __sandbox_model: model }) };
}

/** What search answered before the indexes: every row tested, then sorted (the reference). */
function scan(env: Env, model: string, domain: unknown[], order?: string): number[] {
  const pred = env.compileDomain(model, domain);
  const all = env.all(model).filter((r) => pred(r) && (env.field(model, 'active') === undefined || env.get(model, r, 'active') !== false));
  const ids = all.map((r) => r.id);
  // search() sorts with the model's order; ask it to sort exactly these ids through an id domain
  return ids.length ? env.search(model, [['id', 'in', ids]], order ? { order } : {}) : [];
}

describe('sandbox indexes', () => {
  test('search answers as a scan: =, in, ids, several leaves, & prefix, | and ! (scan), empty values, m2o names', () => {
    const { store, env } = freshStore();
    const so = env('sale.order');
    const partners = env('res.partner').search('res.partner', [['customer_rank', '>', 0]]).slice(0, 3);
    expect(partners.length).toBeGreaterThan(1);
    const made: number[] = [];
    for (let i = 0; i < 60; i++) {
      const partner = partners[i % partners.length]!;
      const vals: Record<string, unknown> = { partner_id: partner, client_order_ref: `REF-${i % 7}`, order_line: [[0, 0, { name: `line ${i}`, product_uom_qty: 1 }]] };
      if (i % 5 === 0) delete vals.client_order_ref;
      made.push(...so.create('sale.order', [vals]));
    }
    // the indexes exist before the writes and unlinks, so these must keep them current
    so.search('sale.order', [['client_order_ref', '=', 'REF-0'], ['partner_id', '=', partners[0]!]]);
    so.write('sale.order', made.slice(0, 10), { client_order_ref: 'MOVED' });
    so.write('sale.order', made.slice(10, 12), { client_order_ref: false });
    so.unlink('sale.order', made.slice(20, 25));
    const p0 = partners[0]!;
    const domains: unknown[][] = [
      [['client_order_ref', '=', 'REF-3']],
      [['client_order_ref', '=', 'MOVED']],
      [['client_order_ref', '=', false]],
      [['client_order_ref', 'in', ['REF-1', 'REF-2', 'nope']]],
      [['partner_id', '=', p0], ['client_order_ref', '=', 'REF-1'], ['state', '!=', 'cancel']],
      ['&', ['partner_id', '=', p0], ['client_order_ref', '=', 'REF-4']],
      ['|', ['client_order_ref', '=', 'REF-1'], ['client_order_ref', '=', 'REF-2']],
      ['!', ['client_order_ref', '=', 'REF-1']],
      [['partner_id', '=', store.table('res.partner').get(p0)!.name as string]],
      [['id', '=', made[30]!]],
      [['id', 'in', [made[30]!, made[21]!, 999999, made[30]!]]],
      [['client_order_ref', '=', 'REF-5'], ['id', 'in', made.slice(40)]],
    ];
    for (const d of domains) {
      expect({ d, ids: so.search('sale.order', d) }).toEqual({ d, ids: scan(so, 'sale.order', d) });
      expect({ d, ids: so.search('sale.order', d, { order: 'id' }) }).toEqual({ d, ids: scan(so, 'sale.order', d, 'id') });
    }
    expect(so.search('sale.order', [['client_order_ref', '=', 'REF-3']], { limit: 2, offset: 1 })).toEqual(scan(so, 'sale.order', [['client_order_ref', '=', 'REF-3']]).slice(1, 3));
    expect(store.indexProblems()).toEqual([]);
  });

  test('one2many reads and the models follow rows moving between records (backorders), unlinks and rollbacks', () => {
    const { store, env } = freshStore();
    const e = env('purchase.order');
    const products = e.search('product.product', [['type', '=', 'consu']]).slice(0, 2);
    const vendor = e.search('res.partner', [['supplier_rank', '>', 0]])[0]!;
    const [po] = e.create('purchase.order', [
      { partner_id: vendor, order_line: products.map((p) => [0, 0, { product_id: p, product_qty: 4, price_unit: 1 }]) },
    ]);
    store.transaction(() => store.models.get('purchase.order')!.methods!.button_confirm!.impl(e, [po!], {}));
    const [picking] = e.get('purchase.order', store.table('purchase.order').get(po!)!, 'picking_ids') as number[];
    const moves = e.get('stock.picking', store.table('stock.picking').get(picking!)!, 'move_ids') as number[];
    expect(moves).toHaveLength(2);
    // first move half received and picked, second untouched: the untouched one moves to the backorder whole
    e.write('stock.move', [moves[0]!], { quantity: 2, picked: true });
    const validate = store.models.get('stock.picking')!.methods!.button_validate!.impl;
    store.transaction(() => validate(e.withContext({ skip_backorder: true }), [picking!], {}));
    const pickings = e.search('stock.picking', [['purchase_id', '=', po!]], { order: 'id' });
    expect(pickings).toHaveLength(2);
    const backorder = pickings[1]!;
    const readMoves = (id: number): number[] => e.read('stock.picking', [id], ['move_ids'])[0]!.move_ids as number[];
    const scanMoves = (id: number): number[] => e.all('stock.move').filter((m) => m.picking_id === id).map((m) => m.id);
    expect(readMoves(picking!)).toEqual(scanMoves(picking!));
    expect(readMoves(backorder)).toEqual(scanMoves(backorder));
    expect(readMoves(backorder)).toContain(moves[1]);
    expect(store.indexProblems()).toEqual([]);

    // a failing call is rolled back, and the indexes with it
    expect(() =>
      store.transaction(() => {
        e.unlink('stock.move', readMoves(backorder));
        expect(readMoves(backorder)).toEqual([]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(readMoves(backorder)).toEqual(scanMoves(backorder));
    expect(readMoves(backorder).length).toBeGreaterThan(0);
    expect(store.indexProblems()).toEqual([]);
  });

  test('a row changed behind the store is reported at the end of the call (atomic calls)', () => {
    const { store, env } = freshStore();
    const e = env('sale.order');
    const partner = e.search('res.partner', [['customer_rank', '>', 0]])[0]!;
    const [id] = e.create('sale.order', [{ partner_id: partner, client_order_ref: 'A' }]);
    expect(e.search('sale.order', [['client_order_ref', '=', 'A']])).toEqual([id]);
    const row = store.table('sale.order').get(id!) as Row;
    expect(() =>
      store.transaction(() => {
        row.client_order_ref = 'B';
        return true;
      }),
    ).toThrow(/sandbox index out of date: sale\.order\.client_order_ref/);
  });
});
