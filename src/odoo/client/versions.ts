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
  /** Unit of measure on purchase.order.line: `product_uom` (≤18), `product_uom_id` (19). */
  purchaseLineUom: string;
  /**
   * Whether units belong to a `uom.category` (`uom.uom.category_id`, ≤18). 19 has no categories:
   * units form a tree (`relative_uom_id`, `parent_path`), and two convert when they share its root.
   */
  uomHasCategories: boolean;
  /**
   * The uom.uom fields giving a unit's family and factor: `category_id` (≤18) or `parent_path` (19,
   * "1/2/": the first id is the root unit), then `factor`.
   */
  uomFields: string[];
  /**
   * What `uom.uom.factor` means. `perReference` (≤18): units of this uom in one reference unit of
   * the category (Dozens 1/12), so qty in B = qty / A.factor * B.factor. `absolute` (19): how many
   * root units this uom contains (Dozens 12), so qty in B = qty * A.factor / B.factor.
   */
  uomFactor: 'perReference' | 'absolute';
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
    purchaseLineUom: major >= 19 ? 'product_uom_id' : 'product_uom',
    uomHasCategories: major < 19,
    uomFields: major >= 19 ? ['id', 'name', 'parent_path', 'factor'] : ['id', 'name', 'category_id', 'factor'],
    uomFactor: major >= 19 ? 'absolute' : 'perReference',
    moveLineQuantity: major >= 17 ? 'quantity' : 'qty_done',
    hasPicked: major >= 17,
    storableProductDomain: major >= 18 ? [['is_storable', '=', true]] : [['type', '=', 'product']],
    hasJson2: major >= 19,
  };
}
