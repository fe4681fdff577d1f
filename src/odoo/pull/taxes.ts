/**
 * What kind of tax an Odoo tax is, in the words invoices carry: the UN/EDIFACT duty/tax type (5153: VAT,
 * GST, STT …) and category (5305: S standard, Z zero rated, E exempt, AE reverse charge …). Odoo keeps
 * neither code on a tax (bar `ubl_cii_tax_category_code` with its e-invoicing module), so they are
 * derived, in this order (D24):
 *  1. the partner's `odoo.taxes` entry for the tax (by id, tax name or tax group name);
 *  2. the category Odoo's e-invoicing module set on the tax;
 *  3. the tax group's or the tax's name: "exempt" → E, "reverse charge" → AE; VAT's names in the
 *     languages of Odoo's charts → VAT, "GST"/"HST" → GST, "sales tax" → STT;
 *  4. the amount: 0 → Z, otherwise S; the type by the tax's country (its `country_id`, else the
 *     company's): sales tax (STT) in the United States, GST where the tax on sales is one, VAT elsewhere.
 */
import type { TaxCode } from '../../partners/schema';
import { m2oId, num, str, type PostContext } from '../post/context';
import type { OdooRecord } from '../client';
import { hasField } from '../post/resolve';
import { m2oName } from './fields';
import { codeOf, readCompany, readContact } from './parties';

/** A tax's 5153 type and 5305 category. */
export interface TaxKind {
  type: string;
  category: string;
}

/** An Odoo tax as the invoice lines read it. */
export interface OdooTax {
  id: number;
  amount: number;
  amountType: string;
  kind: TaxKind;
  sequence: number;
  /** A group's taxes (Odoo allows no group inside a group). */
  children: number[];
  /** Its amount adds to the base of the taxes after it (`include_base_amount`). */
  includeBase: boolean;
  /** Its base includes the amounts of earlier taxes that add to it (`is_base_affected`, Odoo 15+; before, always). */
  baseAffected: boolean;
}

const VAT_NAMES = /\b(vat|btw|mwst|ust|iva|tva|moms|mva|alv|dph|ddv|pdv|afa|pvm|pvn|fpa|dds|tvsh|kdv)\b/i;
const GST_NAMES = /\b(gst|hst)\b/i;
const SALES_TAX = /\bsales tax\b/i;
const EXEMPT = /\b(exempt|exemption)\b/i;
const REVERSE = /\breverse[\s-]*charge/i;
/** Countries whose tax on sales is a goods and services tax. */
const GST_COUNTRIES = new Set(['AU', 'NZ', 'CA', 'SG', 'IN', 'MY']);

/** The partner's word on a tax: the first entry naming its id, its name or its group's name. */
function configured(entries: readonly TaxCode[] | undefined, id: number, names: string[]): TaxCode | undefined {
  const lower = names.map((n) => n.toLowerCase());
  return entries?.find((e) => (typeof e.tax === 'number' ? e.tax === id : lower.includes(e.tax.toLowerCase())));
}

/** The country a tax applies in: its own `country_id` (Odoo 14+), else its company's. */
async function countryOf(ctx: PostContext, t: OdooRecord, withCountry: boolean): Promise<string> {
  const own = withCountry ? m2oId(t.country_id) : undefined;
  if (own !== undefined) return codeOf(ctx, 'res.country', own);
  const companyId = m2oId(t.company_id);
  if (companyId === undefined) return '';
  const company = await readCompany(ctx, companyId);
  return company.partnerId === undefined ? '' : ((await readContact(ctx, company.partnerId))?.country ?? '');
}

/** The type and category of one tax by the rule above. */
async function kindOf(ctx: PostContext, t: OdooRecord, fields: { group: boolean; ubl: boolean; country: boolean }): Promise<TaxKind> {
  const names = [str(t.name), fields.group ? m2oName(t.tax_group_id) : ''].filter((n) => n !== '');
  const said = configured(ctx.settings.taxes, t.id, names);
  const text = names.join(' ');
  let type = said?.type;
  if (!type) {
    if (VAT_NAMES.test(text)) type = 'VAT';
    else if (GST_NAMES.test(text)) type = 'GST';
    else if (SALES_TAX.test(text)) type = 'STT';
    else {
      const country = await countryOf(ctx, t, fields.country);
      type = country === 'US' ? 'STT' : GST_COUNTRIES.has(country) ? 'GST' : 'VAT';
    }
  }
  const ubl = fields.ubl ? str(t.ubl_cii_tax_category_code) : '';
  const category =
    said?.category ?? (ubl || (EXEMPT.test(text) ? 'E' : REVERSE.test(text) ? 'AE' : num(t.amount) === 0 && t.amount_type !== 'group' ? 'Z' : 'S'));
  return { type, category };
}

/** The taxes `ids` and the taxes of the groups among them, with their kind, by id. */
export async function readTaxes(ctx: PostContext, ids: number[]): Promise<Map<number, OdooTax>> {
  const out = new Map<number, OdooTax>();
  if (ids.length === 0) return out;
  const fields = {
    group: await hasField(ctx, 'account.tax', 'tax_group_id'),
    ubl: await hasField(ctx, 'account.tax', 'ubl_cii_tax_category_code'),
    country: await hasField(ctx, 'account.tax', 'country_id'),
    affected: await hasField(ctx, 'account.tax', 'is_base_affected'),
  };
  // Twice at most: the taxes, then the children of the groups among them.
  for (let wanted = [...new Set(ids)]; wanted.length > 0; ) {
    const rows = await ctx.client.read('account.tax', wanted, [
      'id',
      'name',
      'amount',
      'amount_type',
      'company_id',
      'sequence',
      'children_tax_ids',
      'include_base_amount',
      ...(fields.affected ? ['is_base_affected'] : []),
      ...(fields.group ? ['tax_group_id'] : []),
      ...(fields.ubl ? ['ubl_cii_tax_category_code'] : []),
      ...(fields.country ? ['country_id'] : []),
    ]);
    for (const t of rows) {
      const children = Array.isArray(t.children_tax_ids) ? t.children_tax_ids.filter((c): c is number => typeof c === 'number') : [];
      out.set(t.id, {
        id: t.id,
        amount: num(t.amount),
        amountType: str(t.amount_type),
        kind: await kindOf(ctx, t, fields),
        sequence: num(t.sequence),
        children: str(t.amount_type) === 'group' ? children : [],
        includeBase: t.include_base_amount === true,
        baseAffected: t.is_base_affected !== false,
      });
    }
    wanted = [...new Set(rows.flatMap((t) => out.get(t.id)!.children))].filter((c) => !out.has(c));
  }
  return out;
}

/** The taxes `ids` in the order Odoo computes them, each group replaced by its taxes (account.tax `flatten_taxes_hierarchy`: by sequence, then id). */
export function flattenTaxes(ids: readonly number[], taxes: ReadonlyMap<number, OdooTax>): OdooTax[] {
  const bySequence = (a: OdooTax, b: OdooTax): number => a.sequence - b.sequence || a.id - b.id;
  const known = ids.map((id) => taxes.get(id)).filter((t): t is OdooTax => t !== undefined);
  return known.sort(bySequence).flatMap((t) => (t.amountType === 'group' ? flattenTaxes(t.children, taxes) : [t]));
}
