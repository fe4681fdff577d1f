/** Reading Odoo values for the documents we send: many2one names and dates as the canonical model writes them. */
import { str } from '../post/context';

/** The display name of a many2one value (`[id, "name"]`), '' for none. */
export function m2oName(v: unknown): string {
  return Array.isArray(v) && typeof v[1] === 'string' ? v[1] : '';
}

/** `2026-11-29 14:00:00` → `2026-11-29`. */
export function day(v: unknown): string | undefined {
  const s = str(v);
  return /^\d{4}-\d{2}-\d{2}/.test(s) ? s.slice(0, 10) : undefined;
}
