/**
 * Resolving EDI references to Odoo records: the partner, products, units of measure and delivery
 * addresses. Every lookup goes through the run's {@link ResolveCache}; what cannot be resolved is a
 * {@link BusinessError} naming the value and where it came from.
 */
import type { ItemIds, Party } from '../../canonical';
import type { OdooFieldNames, OdooRecord } from '../client';
import { BusinessError, m2oId, num, str, type PostContext } from './context';

export interface ResolvedPartner {
  id: number;
  name: string;
  /** The commercial entity (the company when the configured contact is a person or an address). */
  commercialId: number;
}

export interface ResolvedProduct {
  id: number;
  name: string;
  uomId: number | undefined;
  tracking: 'none' | 'lot' | 'serial';
  type: string;
}

export interface ResolvedUom {
  id: number;
  name: string;
  /**
   * Units convert only within one family: the uom.category id (≤18) or the id of the root unit of
   * the `relative_uom_id` tree (19). undefined when the server did not say.
   */
  familyId: number | undefined;
  /** Odoo's `factor`, meaning what {@link OdooFieldNames.uomFactor} says for this server. */
  factor: number;
}

/** EDI unit codes (X12 355, UN/ECE rec. 20) → Odoo 18 unit names. A partner table (`uomCodes`) comes first. */
export const EDI_UOM_CODES: Readonly<Record<string, string>> = {
  EA: 'Units',
  EACH: 'Units',
  UN: 'Units',
  PC: 'Units',
  PCE: 'Units',
  C62: 'Units',
  H87: 'Units',
  UNITS: 'Units',
  DZ: 'Dozens',
  DZN: 'Dozens',
  KG: 'kg',
  KGM: 'kg',
  GR: 'g',
  GRM: 'g',
  LB: 'lb',
  LBR: 'lb',
  OZ: 'oz',
  ONZ: 'oz',
  LT: 'L',
  LTR: 'L',
  L: 'L',
  M: 'm',
  MTR: 'm',
  CM: 'cm',
  CMT: 'cm',
  HR: 'Hours',
  HUR: 'Hours',
  DA: 'Days',
  DAY: 'Days',
  // CA / CS / PK / BX (case, pack, box) have no fixed size: map them per partner in uomCodes.
};

/** Which of the item ids may be an Odoo internal reference, in the order to try them. */
export type ItemSide = 'vendor' | 'buyer';

/** The partner this document belongs to: `odoo.partnerRef` (res.partner ref) or `odoo.partnerId`. */
export function resolvePartner(ctx: PostContext): Promise<ResolvedPartner> {
  const { partnerRef, partnerId } = ctx.settings;
  const key = partnerRef !== undefined ? `partner:ref:${partnerRef}` : `partner:id:${String(partnerId)}`;
  return ctx.cache.get(key, async () => {
    const fields = ['id', 'name', 'ref', 'commercial_partner_id'];
    let rows: OdooRecord[];
    if (partnerRef !== undefined) {
      rows = await ctx.client.searchRead('res.partner', [['ref', '=', partnerRef]], { fields, limit: 2 });
      if (rows.length === 0) throw new BusinessError('unknown_partner', `partner setting odoo.partnerRef: no Odoo contact has the Internal Reference "${partnerRef}"`);
      if (rows.length > 1) {
        throw new BusinessError('ambiguous', `partner setting odoo.partnerRef: several Odoo contacts have the Internal Reference "${partnerRef}" (ids ${rows.map((r) => r.id).join(', ')}); Odoo does not keep refs unique, make it unique`);
      }
    } else {
      rows = await ctx.client.read('res.partner', [partnerId!], fields);
      if (rows.length === 0) throw new BusinessError('unknown_partner', `partner setting odoo.partnerId: no Odoo contact has id ${String(partnerId)}`);
    }
    const r = rows[0]!;
    return { id: r.id, name: str(r.name), commercialId: m2oId(r.commercial_partner_id) ?? r.id };
  });
}

// Not uom_po_id: nothing uses the purchase unit, and Odoo 19's product has no such field.
const PRODUCT_FIELDS = ['id', 'display_name', 'default_code', 'barcode', 'uom_id', 'tracking', 'type'];

function toProduct(r: OdooRecord): ResolvedProduct {
  const tracking = r.tracking === 'lot' || r.tracking === 'serial' ? r.tracking : 'none';
  return { id: r.id, name: str(r.display_name), uomId: m2oId(r.uom_id), tracking, type: str(r.type) };
}

/** Describe item ids for a message: `buyer item 12345 / GTIN 00614141000012`. */
export function describeItemIds(ids: ItemIds | undefined): string {
  if (!ids) return 'no item id';
  const parts: string[] = [];
  if (ids.buyer) parts.push(`buyer item ${ids.buyer}`);
  if (ids.vendor) parts.push(`vendor item ${ids.vendor}`);
  if (ids.sku) parts.push(`SKU ${ids.sku}`);
  if (ids.gtin) parts.push(`GTIN ${ids.gtin}`);
  if (ids.upc) parts.push(`UPC ${ids.upc}`);
  if (ids.ean) parts.push(`EAN ${ids.ean}`);
  if (ids.manufacturer) parts.push(`manufacturer part ${ids.manufacturer}`);
  for (const o of ids.other ?? []) parts.push(`${o.qualifier} ${o.value}`);
  return parts.length ? parts.join(' / ') : 'no item id';
}

/** A barcode as sent and its usual equivalent forms (GTIN-14 with leading zeros = EAN-13 = UPC-A). */
export function barcodeForms(code: string): string[] {
  const out = new Set<string>([code]);
  let c = code;
  while (c.length > 8 && c.startsWith('0')) {
    c = c.slice(1);
    if (c.length === 13 || c.length === 12) out.add(c);
  }
  if (code.length === 12) out.add(`0${code}`);
  if (code.length === 13) out.add(`0${code}`);
  return [...out];
}

/**
 * The product for a line's item ids, trying the partner's `productMatch` order: internal reference
 * (default_code = our item number: the vendor's id on a customer order, the buyer's on a supplier
 * document), barcode (GTIN/UPC/EAN), partner code (the {@link PostContext.partnerCodeLookup} hook).
 * Returns undefined when nothing matched; the caller words the error.
 */
export async function findProduct(ctx: PostContext, itemIds: ItemIds, ours: ItemSide): Promise<ResolvedProduct | undefined> {
  for (const how of ctx.settings.productMatch) {
    if (how === 'internalReference') {
      const codes = [ours === 'vendor' ? itemIds.vendor : itemIds.buyer, ours === 'vendor' ? itemIds.buyer : itemIds.vendor, itemIds.sku].filter((c): c is string => !!c);
      for (const code of [...new Set(codes)]) {
        const found = await productBy(ctx, 'default_code', code);
        if (found) return found;
      }
    } else if (how === 'barcode') {
      const codes = [itemIds.gtin, itemIds.ean, itemIds.upc].filter((c): c is string => !!c).flatMap(barcodeForms);
      for (const code of [...new Set(codes)]) {
        const found = await productBy(ctx, 'barcode', code);
        if (found) return found;
      }
    } else if (how === 'partnerCode' && ctx.partnerCodeLookup) {
      const id = await ctx.partnerCodeLookup(itemIds);
      if (id !== undefined) {
        const rows = await ctx.cache.get(`product:id:${id}`, () => ctx.client.read('product.product', [id], PRODUCT_FIELDS));
        if (rows[0]) return toProduct(rows[0]);
      }
    }
  }
  return undefined;
}

function productBy(ctx: PostContext, field: 'default_code' | 'barcode', code: string): Promise<ResolvedProduct | undefined> {
  return ctx.cache.get(`product:${field}:${code}`, async () => {
    const rows = await ctx.client.searchRead('product.product', [[field, '=', code]], { fields: PRODUCT_FIELDS, limit: 2 });
    if (rows.length > 1) {
      throw new BusinessError('ambiguous', `${field === 'barcode' ? 'barcode' : 'internal reference'} ${code} matches several Odoo products (${rows.map((r) => str(r.display_name)).join(', ')})`);
    }
    return rows[0] ? toProduct(rows[0]) : undefined;
  });
}

/** {@link findProduct}, or a BusinessError `unknown_product` naming the ids and `where`. */
export async function resolveProduct(ctx: PostContext, itemIds: ItemIds | undefined, ours: ItemSide, where: string): Promise<ResolvedProduct> {
  if (!itemIds) throw new BusinessError('unknown_product', `${where}: the line has no item id, so it cannot be matched to an Odoo product`);
  const found = await findProduct(ctx, itemIds, ours);
  if (!found) throw new BusinessError('unknown_product', `${where}: ${describeItemIds(itemIds)} is not a product in Odoo (looked up by ${ctx.settings.productMatch.join(', ')})`);
  return found;
}

async function uomRow(ctx: PostContext, id: number): Promise<ResolvedUom | undefined> {
  return ctx.cache.get(`uom:id:${id}`, async () => {
    const names = await ctx.client.fieldNames();
    const rows = await ctx.client.read('uom.uom', [id], names.uomFields);
    return rows[0] ? toUom(rows[0], names) : undefined;
  });
}

function toUom(r: OdooRecord, names: OdooFieldNames): ResolvedUom {
  const familyId = names.uomHasCategories ? m2oId(r.category_id) : treeRoot(r.parent_path);
  return { id: r.id, name: str(r.name), familyId, factor: num(r.factor) || 1 };
}

/** The root unit of a 19 unit from its `parent_path` ("1/2/" → 1), as Odoo's `_has_common_reference` compares them. */
function treeRoot(parentPath: unknown): number | undefined {
  const m = /^(\d+)\//.exec(str(parentPath));
  return m ? Number(m[1]) : undefined;
}

/**
 * The Odoo unit for an EDI unit code: the partner's `uomCodes`, then {@link EDI_UOM_CODES}, then the
 * code itself as a unit name. When a product is given, the unit must be of the product unit's family
 * (its category up to 18, the same root unit in 19), or Odoo could not convert between them.
 */
export async function resolveUom(ctx: PostContext, code: string, where: string, product?: { uomId: number | undefined; name: string }): Promise<ResolvedUom> {
  const upper = code.toUpperCase();
  const name = ctx.uomCodes?.[code] ?? ctx.uomCodes?.[upper] ?? EDI_UOM_CODES[upper] ?? code;
  const uom = await ctx.cache.get(`uom:name:${name}`, async () => {
    const names = await ctx.client.fieldNames();
    let rows = await ctx.client.searchRead('uom.uom', [['name', '=', name]], { fields: names.uomFields, limit: 2 });
    if (rows.length === 0) rows = await ctx.client.searchRead('uom.uom', [['name', '=ilike', name]], { fields: names.uomFields, limit: 2 });
    return rows.length === 1 ? toUom(rows[0]!, names) : undefined;
  });
  if (!uom) {
    throw new BusinessError('unknown_uom', `${where}: unit "${code}"${name !== code ? ` (mapped to "${name}")` : ''} is not a unit of measure in Odoo; map it in the partner's uom code table`);
  }
  if (product?.uomId !== undefined) {
    const productUom = await uomRow(ctx, product.uomId);
    if (productUom && productUom.familyId !== undefined && uom.familyId !== undefined && productUom.familyId !== uom.familyId) {
      throw new BusinessError('unknown_uom', `${where}: unit "${code}" (${uom.name}) does not fit product ${product.name}, which is counted in ${productUom.name}`);
    }
  }
  return uom;
}

/** Convert a quantity between two units of one family, with the factor as this server means it. */
export async function convertQuantity(ctx: PostContext, qty: number, from: ResolvedUom, toUomId: number | undefined): Promise<number> {
  if (toUomId === undefined || toUomId === from.id) return qty;
  const to = await uomRow(ctx, toUomId);
  if (!to) return qty;
  const { uomFactor } = await ctx.client.fieldNames();
  const converted = uomFactor === 'absolute' ? (qty * from.factor) / to.factor : (qty / from.factor) * to.factor;
  return Math.round(converted * 1e6) / 1e6;
}

async function countryId(ctx: PostContext, code: string): Promise<number | undefined> {
  return ctx.cache.get(`country:${code}`, async () => {
    const rows = await ctx.client.searchRead('res.country', [['code', '=', code]], { fields: ['id'], limit: 1 });
    return rows[0]?.id;
  });
}

/**
 * The delivery address of a customer order as a child contact (type delivery) of the customer: found
 * by name + street under the customer, else created. Idempotent: the second run finds the first's.
 */
export async function resolveDeliveryAddress(
  ctx: PostContext,
  customer: ResolvedPartner,
  party: Party,
): Promise<{ id: number; name: string; created: boolean } | undefined> {
  const name = party.name ?? party.ids?.[0]?.value;
  if (name === undefined) return undefined;
  const street = party.address?.lines?.[0] ?? false;
  const key = `delivery:${customer.commercialId}:${name}\u0000${street === false ? '' : street}`;
  const parent = customer.commercialId;
  const found = await ctx.cache.get(key, async () => {
    const rows = await ctx.client.searchRead(
      'res.partner',
      [
        ['parent_id', '=', parent],
        ['name', '=', name],
        ['street', '=', street],
      ],
      { fields: ['id', 'display_name'], limit: 1 },
    );
    return rows[0] ? { id: rows[0].id, name: str(rows[0].display_name) } : undefined;
  });
  if (found) return { ...found, created: false };
  const vals: Record<string, unknown> = { parent_id: parent, type: 'delivery', name };
  const a = party.address;
  if (street !== false) vals.street = street;
  if (a?.lines?.[1]) vals.street2 = a.lines.slice(1).join(', ');
  if (a?.city) vals.city = a.city;
  if (a?.postalCode) vals.zip = a.postalCode;
  if (a?.country) {
    const cid = await countryId(ctx, a.country);
    if (cid !== undefined) vals.country_id = cid;
  }
  const gln = party.ids?.find((i) => /^(GLN|UL|14|9)$/i.test(i.qualifier));
  if (gln) vals.ref = gln.value;
  const id = await ctx.client.create('res.partner', vals);
  ctx.cache.delete(key);
  const [row] = await ctx.client.read('res.partner', [id], ['display_name']);
  return { id, name: str(row?.display_name) || name, created: true };
}

/** Whether a model has a field on this server (fields_get, cached): `carrier_tracking_ref`, `mail_reception_confirmed`… */
export async function hasField(ctx: PostContext, model: string, field: string): Promise<boolean> {
  const fields = await ctx.cache.get(`fields:${model}`, () => ctx.client.fieldsGet(model, { attributes: ['type'] }));
  return Object.hasOwn(fields, field);
}
