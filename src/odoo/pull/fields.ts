/** Reading Odoo values for the documents we send: many2one names and dates as the canonical model writes them. */
import type { ItemIds } from '../../canonical/common';
import type { Domain, OdooRecord } from '../client';
import { m2oId, str, type PostContext } from '../post/context';

/** The display name of a many2one value (`[id, "name"]`), '' for none. */
export function m2oName(v: unknown): string {
  return Array.isArray(v) && typeof v[1] === 'string' ? v[1] : '';
}

/** The distinct ids a many2one `field` of `rows` points to, none for empty ones. */
export function m2oIds(rows: readonly OdooRecord[], field: string): number[] {
  return [...new Set(rows.map((r) => m2oId(r[field])).filter((id): id is number => id !== undefined))];
}

/** `2026-11-29 14:00:00` → `2026-11-29`. */
export function day(v: unknown): string | undefined {
  const s = str(v);
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : undefined;
}

/**
 * Our own item ids of products (`default_code`, a GTIN `barcode`) by product id, as the party that
 * assigned `default_code` appears in the document: `buyer` on our orders, `vendor` on what customers get.
 */
export async function ownItemIds(ctx: PostContext, productIds: Iterable<number>, codeAs: 'buyer' | 'vendor'): Promise<Map<number, ItemIds>> {
  const ids = [...new Set(productIds)];
  const rows = ids.length > 0 ? await ctx.client.read('product.product', ids, ['id', 'default_code', 'barcode']) : [];
  const out = new Map<number, ItemIds>();
  for (const p of rows) {
    const itemIds: ItemIds = {};
    if (str(p.default_code)) itemIds[codeAs] = str(p.default_code);
    // The canonical GTIN takes 8, 12, 13 or 14 digits: a barcode of another length is not one.
    if (/^(?:\d{8}|\d{12,14})$/.test(str(p.barcode))) itemIds.gtin = str(p.barcode);
    if (Object.keys(itemIds).length > 0) out.set(p.id, itemIds);
  }
  return out;
}

/** Where an export run goes on from: the date field's value and the id of the last record it took. */
export interface ExportCursor {
  at: string;
  id: number;
}

/** The later of two Odoo datetimes (UTC "YYYY-MM-DD HH:MM:SS" sorts as text; '' is before any). */
export const later = (a: string, b: string): string => (a > b ? a : b);

/** Which records a listing takes: those dated from `since` on, after `cursor`; or, to try failed ones again, these ids. */
export type ExportWindow = { since: string; cursor?: ExportCursor } | { ids: readonly number[] };

/**
 * The domain of a window over records dated by `field`: in (field, id) order from a cursor, not a page of
 * the oldest, so records past any first page are reached, and a record whose date moves later (a
 * quotation confirmed days after it was made) comes round again. `dateOnly` for a date (not datetime) field.
 */
export function listedIn(field: string, w: ExportWindow, dateOnly = false): Domain {
  if ('ids' in w) return [['id', 'in', [...w.ids]]];
  const from: Domain = [[field, '>=', dateOnly ? w.since.slice(0, 10) : w.since]];
  const { cursor } = w;
  return cursor ? [...from, '|', [field, '>', cursor.at], '&', [field, '=', cursor.at], ['id', '>', cursor.id]] : from;
}

/**
 * Orders (`model` in `domain`) written in the window, themselves or one of their lines (`lineModel`, by
 * `order_id`), each with its latest write (`write_date`, UTC, which every write in Odoo moves; a line's own
 * write does not always touch its order), oldest first. The window runs from its cursor's time inclusive:
 * an order listed again is found unchanged by its caller, and order and line ids cannot share a tie-break.
 */
export async function writtenOrders(ctx: PostContext, model: string, lineModel: string, domain: Domain, fields: string[], window: ExportWindow, limit: number): Promise<Array<{ row: OdooRecord; at: string }>> {
  const read = ['id', 'name', 'write_date', ...fields];
  if ('ids' in window) return (await ctx.client.searchRead(model, [...domain, ['id', 'in', [...window.ids]]], { fields: read, order: 'id' })).map((row) => ({ row, at: str(row.write_date) }));
  const from = window.cursor?.at ?? window.since;
  const orders = await ctx.client.searchRead(model, [...domain, ['write_date', '>=', from]], { fields: read, order: 'write_date, id', limit });
  const lines = await ctx.client.searchRead(lineModel, [['write_date', '>=', from]], { fields: ['order_id', 'write_date'], order: 'write_date, id', limit });
  const lineAt = new Map<number, string>();
  for (const l of lines) {
    const id = Array.isArray(l.order_id) && typeof l.order_id[0] === 'number' ? l.order_id[0] : undefined;
    if (id !== undefined) lineAt.set(id, later(lineAt.get(id) ?? '', str(l.write_date)));
  }
  const missing = [...lineAt.keys()].filter((id) => !orders.some((o) => o.id === id));
  const more = missing.length > 0 ? await ctx.client.searchRead(model, [...domain, ['id', 'in', missing]], { fields: read, order: 'id' }) : [];
  return [...orders, ...more]
    .map((row) => ({ row, at: later(str(row.write_date), lineAt.get(row.id) ?? '') }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.row.id - b.row.id))
    .slice(0, limit);
}
