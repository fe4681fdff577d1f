/**
 * The sandbox's warehouses, over its RPC as 17, 18 and 19: the seeded one owns the seeded operation
 * types; a new one gets its address from the company's contact (unless given), a name after the
 * company's, and operation types of its own; a sale order ships from its warehouse.
 */
import type { OdooClient } from '../../src/odoo';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, DB, LOGIN, PASSWORD } from './helpers';

const VERSIONS = ['17.0', '18.0-20250702', '19.0'];

describe.each(VERSIONS)('sandbox warehouses as %s', (version) => {
  let sb: SandboxHandle;
  let c: OdooClient;
  beforeAll(async () => {
    sb = await startSandbox({ apiKey: API_KEY, password: PASSWORD, login: LOGIN, db: DB, host: '127.0.0.1', port: 0, serverVersion: version });
    c = client(sb, 'jsonrpc');
  });
  afterAll(() => sb.close());

  test('the seeded warehouse owns the seeded operation types, and has no address while the company has no contact', async () => {
    const [wh] = await c.read('stock.warehouse', [1], ['name', 'code', 'partner_id', 'company_id', 'lot_stock_id']);
    expect(wh).toMatchObject({ name: 'YourCompany', code: 'WH', partner_id: false, company_id: [1, 'YourCompany'], lot_stock_id: [8, 'WH/Stock'] });
    const types = await c.read('stock.picking.type', [1, 2], ['warehouse_id']);
    expect(types.map((t) => t.warehouse_id)).toEqual([
      [1, 'YourCompany'],
      [1, 'YourCompany'],
    ]);
    expect(await c.call('ir.model.data', 'check_object_reference', ['stock', 'warehouse0'])).toEqual(['stock.warehouse', 1]);
  });

  test("a new warehouse: the company's contact as address, a numbered name, its own locations and operation types; a sale order of it ships from it", async () => {
    const contact = await c.create('res.partner', { name: 'YourCompany', is_company: true, street: '250 Executive Park Blvd' });
    await c.write('res.company', [1], { partner_id: contact });
    const wh = await c.create('stock.warehouse', { code: 'WH2' });
    const [row] = await c.read('stock.warehouse', [wh], ['name', 'partner_id', 'lot_stock_id']);
    expect(row).toMatchObject({ name: 'YourCompany - warehouse # 2', partner_id: [contact, 'YourCompany'], lot_stock_id: [expect.any(Number), 'WH2/Stock'] });
    const types = await c.searchRead('stock.picking.type', [['warehouse_id', '=', wh]], { fields: ['code', 'sequence_prefix', 'default_location_src_id'], order: 'id' });
    expect(types.map((t) => [t.code, t.sequence_prefix])).toEqual([
      ['incoming', 'WH2/IN/'],
      ['outgoing', 'WH2/OUT/'],
    ]);

    // A sale order takes the company's first warehouse unless told another.
    const main = await c.create('sale.order', { partner_id: 30, order_line: [[0, 0, { product_id: 60, product_uom_qty: 1 }]] });
    const second = await c.create('sale.order', { partner_id: 30, warehouse_id: wh, order_line: [[0, 0, { product_id: 60, product_uom_qty: 1 }]] });
    await c.call('sale.order', 'action_confirm', [[main, second]]);
    const [fromMain] = await c.searchRead('stock.picking', [['sale_id', '=', main]], { fields: ['name', 'picking_type_id', 'location_id'] });
    const [fromSecond] = await c.searchRead('stock.picking', [['sale_id', '=', second]], { fields: ['name', 'picking_type_id', 'location_id'] });
    expect(fromMain).toMatchObject({ picking_type_id: [2, 'YourCompany: Delivery Orders'], location_id: [8, 'WH/Stock'] });
    expect(String(fromMain!.name)).toMatch(/^WH\/OUT\/\d{5}$/);
    expect(fromSecond).toMatchObject({ picking_type_id: [types[1]!.id, 'YourCompany - warehouse # 2: Delivery Orders'], location_id: row!.lot_stock_id });
    expect(String(fromSecond!.name)).toMatch(/^WH2\/OUT\/00001$/);
  });
});
