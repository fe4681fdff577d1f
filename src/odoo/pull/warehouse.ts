/**
 * Our warehouses' addresses: where the goods of a picking leave from (a ship notice's ship-from) and where
 * those of a purchase order arrive (our order's ship-to), both found through an operation type.
 */
import { m2oId, type PostContext } from '../post/context';
import { m2oIds } from './fields';

/**
 * The address contact of the warehouse each operation type works in: the warehouse a picking leaves
 * from or arrives at is its type's (stock.picking.type `warehouse_id`, stored, set by `_compute_warehouse_id` to the
 * company's first warehouse when none is given), and its address stock.warehouse `partner_id` (the
 * company's contact unless changed; Odoo 17 to 19: addons/stock/models/stock_picking.py, the picking type
 * class; stock_warehouse.py, Warehouse). Undefined for a type without a warehouse or a warehouse without
 * an address. The types not yet asked this run are read together: two calls for any number of records.
 */
export async function warehouseAddresses(ctx: PostContext, typeIds: readonly number[]): Promise<Map<number, number | undefined>> {
  const key = (id: number) => `warehouse-address:${id}`;
  const wanted = [...new Set(typeIds)];
  const missing = wanted.filter((id) => !ctx.cache.entries.has(key(id)));
  let batch: Promise<Map<number, number | undefined>> | undefined;
  const read = async (): Promise<Map<number, number | undefined>> => {
    const types = await ctx.client.read('stock.picking.type', missing, ['id', 'warehouse_id']);
    const warehouseIds = m2oIds(types, 'warehouse_id');
    const warehouses = warehouseIds.length > 0 ? await ctx.client.read('stock.warehouse', warehouseIds, ['id', 'partner_id']) : [];
    const address = new Map(warehouses.map((w) => [w.id, m2oId(w.partner_id)]));
    return new Map(types.map((t) => [t.id, address.get(m2oId(t.warehouse_id) ?? -1)]));
  };
  // Only the missing types' loads run, and the first of them reads them all.
  const found = await Promise.all(wanted.map(async (id) => [id, await ctx.cache.get(key(id), async () => (await (batch ??= read())).get(id))] as const));
  return new Map(found);
}
