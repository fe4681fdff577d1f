/**
 * Field names that differ between Odoo versions (as recorded in odoo-api.md). Only what was
 * observed or documented there is listed; extend with care.
 */
import type { OdooVersion, OdooVersionInfo } from './types';

export function parseVersion(raw: OdooVersionInfo): OdooVersion {
  const info = raw.server_version_info;
  let major = typeof info?.[0] === 'number' ? info[0] : NaN;
  let minor = typeof info?.[1] === 'number' ? info[1] : NaN;
  if (Number.isNaN(major)) {
    // "18.0-20250702", "saas~17.2+e", "19.0"
    const m = /(\d+)\.(\d+)/.exec(raw.server_version);
    major = m ? Number(m[1]) : 0;
    minor = m ? Number(m[2]) : 0;
  }
  return { serverVersion: raw.server_version, major, minor: Number.isNaN(minor) ? 0 : minor, raw };
}

export interface OdooFieldNames {
  /** Unit of measure on sale.order.line: `product_uom` (≤18), `product_uom_id` (19). */
  saleLineUom: string;
  /** Done quantity on stock.move.line: `quantity` (17+), `qty_done` (16). */
  moveLineQuantity: string;
  /** Whether stock.move / stock.move.line have the `picked` flag (17+). */
  hasPicked: boolean;
  /** Domain selecting stocked products: 18+ `is_storable`, before `type = 'product'`. */
  storableProductDomain: Array<[string, string, unknown]>;
  /** Whether the JSON-2 API exists (19+). */
  hasJson2: boolean;
}

export function fieldNamesFor(major: number): OdooFieldNames {
  return {
    saleLineUom: major >= 19 ? 'product_uom_id' : 'product_uom',
    moveLineQuantity: major >= 17 ? 'quantity' : 'qty_done',
    hasPicked: major >= 17,
    storableProductDomain: major >= 18 ? [['is_storable', '=', true]] : [['type', '=', 'product']],
    hasJson2: major >= 19,
  };
}
