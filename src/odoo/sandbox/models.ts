/**
 * The models of the sandbox: the fields (Odoo 18.0 names) and the behaviour the posters observe,
 * as recorded against a real Odoo 18 in odoo-api.md; where it is silent (default prices, taxes and
 * accounts of lines), what the Odoo method named beside the code does. Not Odoo's business logic beyond that.
 * versions.ts derives the 17 and 19 models from these.
 */
import type { Env, FieldDef, MethodDef, ModelDef, Row } from './engine';
import { pyRepr, userError, validationError, valueError } from './faults';

// ------------------------------------------------------------------ field helpers

type Extra = Partial<FieldDef>;
const char = (string: string, x: Extra = {}): FieldDef => ({ type: 'char', string, ...x });
const text = (string: string, x: Extra = {}): FieldDef => ({ type: 'text', string, ...x });
const html = (string: string, x: Extra = {}): FieldDef => ({ type: 'html', string, ...x });
const int = (string: string, x: Extra = {}): FieldDef => ({ type: 'integer', string, ...x });
const float = (string: string, x: Extra = {}): FieldDef => ({ type: 'float', string, ...x });
const bool = (string: string, x: Extra = {}): FieldDef => ({ type: 'boolean', string, ...x });
const date = (string: string, x: Extra = {}): FieldDef => ({ type: 'date', string, ...x });
const datetime = (string: string, x: Extra = {}): FieldDef => ({ type: 'datetime', string, ...x });
const sel = (string: string, selection: Array<[string, string]>, x: Extra = {}): FieldDef => ({ type: 'selection', string, selection, ...x });
const m2o = (relation: string, string: string, x: Extra = {}): FieldDef => ({ type: 'many2one', relation, string, ...x });
const o2m = (relation: string, inverse: string, string: string, x: Extra = {}): FieldDef => ({ type: 'one2many', relation, inverse, string, ...x });
const m2m = (relation: string, string: string, x: Extra = {}): FieldDef => ({ type: 'many2many', relation, string, ...x });
const computed = (f: FieldDef, compute: (env: Env, row: Row) => unknown): FieldDef => ({ ...f, compute, readonly: true });

const constant = (v: unknown) => (): unknown => v;
/** Default to a seeded record (company 1, USD...) only when the seed has it. */
const ifExists = (model: string, id: number) => (env: Env): unknown => (env.row(model, id) ? id : undefined);
const company = { company_id: m2o('res.company', 'Company', { default: ifExists('res.company', 1) }) };

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
const EPS = 1e-6;

function productDisplay(env: Env, id: unknown): string | undefined {
  return typeof id === 'number' ? env.displayName('product.product', id) : undefined;
}
function productField(env: Env, id: unknown, field: string): unknown {
  if (typeof id !== 'number') return undefined;
  const row = env.row('product.product', id);
  return row ? env.get('product.product', row, field) : undefined;
}
/**
 * A purchase line's default unit (purchase.order.line `_product_id_change`): the product's purchase unit
 * `uom_po_id` in 17/18; in 19, which has none (versions.ts), the product's unit `uom_id`. 19 takes a
 * vendor's own unit from its pricelist line (product.supplierinfo `product_uom_id`, `_suggest_quantity`),
 * and the sandbox has no vendor pricelists.
 */
function purchaseUnit(env: Env, productId: unknown): unknown {
  return productField(env, productId, env.field('product.product', 'uom_po_id') ? 'uom_po_id' : 'uom_id');
}
/** Rows with `field` = `value` that also pass `pred`, in id order (from an index: the tables grow with every order). */
function rowsWhere(env: Env, model: string, field: string, value: unknown, pred?: (r: Row) => boolean): Row[] {
  const rows = env.rowsBy(model, field, value);
  // rowsBy's list is new: without a test there is nothing to filter into another one
  return pred === undefined ? rows : rows.filter(pred);
}

/** The first row (in id order) with `field` = `value` that passes `pred`. */
function firstWhere(env: Env, model: string, field: string, value: unknown, pred: (r: Row) => boolean): Row | undefined {
  const table = env.store.table(model);
  for (const id of env.store.lookup(model, field, value)) {
    const r = table.get(id)!;
    if (pred(r)) return r;
  }
  return undefined;
}

/**
 * The taxes of a line (account.tax `_compute_amount` in 17, `_eval_tax_amount_*` in 18/19): a percent
 * tax is a share of its base, a division tax the share that makes the base its remainder
 * (base / (1 - rate) - base), a fixed tax its amount per unit of the line's quantity, signed as the net
 * amount (Odoo's copysign, so a returned quantity or a negative price gives a negative tax). Taxes go in
 * Odoo's order, a group replaced by its children (`flatten_taxes_hierarchy`: by sequence, then id); the
 * base is the net amount plus the earlier taxes that `include_base_amount`, for a tax `is_base_affected`.
 * The sandbox has no price-included taxes, and rounds per line (Odoo's default).
 */
function lineTax(env: Env, l: Row, taxIds: unknown): number {
  if (!Array.isArray(taxIds) || taxIds.length === 0) return 0;
  const net = lineSubtotal(l);
  let added = 0;
  let total = 0;
  for (const t of flatTaxes(env, taxIds as number[])) {
    const base = t.is_base_affected === false ? net : net + added;
    let amount: number;
    if (t.amount_type === 'fixed') {
      const qty = Math.abs(lineQuantity(l));
      amount = (base < 0 ? -qty : base > 0 ? qty : lineQuantity(l)) * num(t.amount);
    } else if (t.amount_type === 'division') amount = num(t.amount) >= 100 ? 0 : base / (1 - num(t.amount) / 100) - base;
    else amount = (base * num(t.amount)) / 100;
    // The company's default tax_calculation_rounding_method, round_per_line: each tax of each line is
    // rounded to the currency before it is added (and before it adds to a later tax's base).
    amount = round2(amount);
    total += amount;
    if (t.include_base_amount === true) added += amount;
  }
  return total;
}

/** The taxes `ids` in the order Odoo computes them, each group replaced by its children (account.tax `flatten_taxes_hierarchy`). */
function flatTaxes(env: Env, ids: readonly number[]): Row[] {
  const bySequence = (a: Row, b: Row): number => num(a.sequence) - num(b.sequence) || a.id - b.id;
  const rows = ids.map((id) => env.row('account.tax', id)).filter((t): t is Row => t !== undefined);
  return rows.sort(bySequence).flatMap((t) => (t.amount_type === 'group' ? flatTaxes(env, Array.isArray(t.children_tax_ids) ? (t.children_tax_ids as number[]) : []) : [t]));
}

/**
 * The taxes of a sale, purchase or invoice line. Each model names them its own way, and Odoo 19 renamed
 * two (versions.ts): sale `tax_id` and purchase `taxes_id` are `tax_ids` there, as on invoice lines.
 * A row has exactly one of the three.
 */
function lineTaxIds(l: Row): unknown {
  return l.tax_ids ?? l.tax_id ?? l.taxes_id;
}

/** The amounts a document computes from its lines (stored in Odoo: `_compute_amounts`, `_amount_all`). */
const AMOUNTS = ['amount_untaxed', 'amount_tax', 'amount_total'] as const;

/** amount_untaxed, amount_tax and amount_total of a document from its lines. */
function amountFields(lines: (env: Env, id: number) => Row[], taxLabel: string): Record<(typeof AMOUNTS)[number], FieldDef> {
  const untaxed = (env: Env, r: Row) => lines(env, r.id).reduce((s, l) => s + lineSubtotal(l), 0);
  const tax = (env: Env, r: Row) => lines(env, r.id).reduce((s, l) => s + lineTax(env, l, lineTaxIds(l)), 0);
  return {
    amount_untaxed: computed(float('Untaxed Amount'), (env, r) => round2(untaxed(env, r))),
    amount_tax: computed(float(taxLabel), (env, r) => round2(tax(env, r))),
    amount_total: computed(float('Total'), (env, r) => round2(lines(env, r.id).reduce((s, l) => s + lineSubtotal(l) + lineTax(env, l, lineTaxIds(l)), 0))),
  };
}

/**
 * A price per `from` unit as a price per `to` unit (uom.uom `_compute_price`), rounded as Odoo stores a
 * price_unit (digits "Product Price": 2). 17/18: `factor` is units per reference unit (Dozens 1/12);
 * 19: reference units per unit (Dozens 12), and only 19's units have `relative_factor` (versions.ts).
 */
function priceInUom(env: Env, price: number, from: number, to: number): number {
  const a = env.row('uom.uom', from);
  const b = env.row('uom.uom', to);
  if (!a || !b) return price;
  const fa = num(env.get('uom.uom', a, 'factor')) || 1;
  const fb = num(env.get('uom.uom', b, 'factor')) || 1;
  const inverted = env.field('uom.uom', 'relative_factor') !== undefined;
  return round2(inverted ? (price * fb) / fa : (price * fa) / fb);
}

/** The product's `field` price (lst_price, standard_price) per `uom`, the line's unit; per its own unit when the line names none. */
function productPrice(env: Env, productId: unknown, field: 'lst_price' | 'standard_price', uom: unknown): unknown {
  const row = typeof productId === 'number' ? env.row('product.product', productId) : undefined;
  if (!row) return undefined;
  const price = env.get('product.product', row, field);
  const own = row.uom_id;
  return typeof price === 'number' && typeof uom === 'number' && typeof own === 'number' && own !== uom ? priceInUom(env, price, own, uom) : price;
}

/** The product's taxes in `field` (taxes_id: customer, supplier_taxes_id: vendor) of one company, as Odoo's `_filter_taxes_by_company`. */
function productTaxes(env: Env, productId: unknown, field: 'taxes_id' | 'supplier_taxes_id', companyId: unknown): number[] {
  const ids = productField(env, productId, field);
  if (!Array.isArray(ids) || ids.length === 0) return [];
  return (ids as number[]).filter((id) => {
    const t = env.row('account.tax', id);
    return t !== undefined && t.active !== false && (t.company_id ?? false) === (companyId ?? false);
  });
}

/** The company of the record `vals.<link>` points to (a line's order or move): the line's own in Odoo (a related field). */
function parentCompany(env: Env, model: string, id: unknown): unknown {
  return typeof id === 'number' ? env.row(model, id)?.company_id : undefined;
}

// ------------------------------------------------------------------ generic methods

function call(impl: MethodDef['impl'], x: Partial<MethodDef> = {}): MethodDef {
  return { impl, ...x };
}

// ------------------------------------------------------------------ master data

const resCompany: ModelDef = {
  name: 'res.company',
  description: 'Companies',
  fields: {
    name: char('Company Name', { required: true }),
    partner_id: m2o('res.partner', 'Partner'),
    currency_id: m2o('res.currency', 'Currency'),
    // Odoo computes it from the company's partner (res.company _compute_address); the seed's company
    // exists before its partner, so the sandbox stores it.
    country_id: m2o('res.country', 'Country'),
  },
};

const resCurrency: ModelDef = {
  name: 'res.currency',
  description: 'Currency',
  fields: { name: char('Currency', { required: true }), symbol: char('Symbol'), active: bool('Active', { default: constant(true) }) },
};

const resCountry: ModelDef = {
  name: 'res.country',
  description: 'Country',
  fields: { name: char('Country Name', { required: true }), code: char('Country Code') },
};

const PARTNER_TYPES: Array<[string, string]> = [
  ['contact', 'Contact'],
  ['invoice', 'Invoice Address'],
  ['delivery', 'Delivery Address'],
  ['other', 'Other Address'],
];

const resPartner: ModelDef = {
  name: 'res.partner',
  description: 'Contact',
  order: 'name, id desc',
  mailThread: true,
  fields: {
    name: char('Name'),
    display_name: computed(char('Display Name'), (env, r) => env.displayName('res.partner', r.id)),
    ref: char('Reference'),
    type: sel('Address Type', PARTNER_TYPES, { default: constant('contact') }),
    is_company: bool('Is a Company'),
    parent_id: m2o('res.partner', 'Related Company'),
    child_ids: o2m('res.partner', 'parent_id', 'Contact'),
    commercial_partner_id: computed(m2o('res.partner', 'Commercial Entity'), (env, r) => {
      let cur: Row | undefined = r;
      const seen = new Set<number>();
      while (cur && !cur.is_company && typeof cur.parent_id === 'number' && !seen.has(cur.id)) {
        seen.add(cur.id);
        cur = env.row('res.partner', cur.parent_id);
      }
      return cur ? cur.id : r.id;
    }),
    email: char('Email'),
    phone: char('Phone'),
    street: char('Street'),
    street2: char('Street2'),
    city: char('City'),
    zip: char('Zip'),
    country_id: m2o('res.country', 'Country'),
    vat: char('Tax ID'),
    lang: char('Language'),
    customer_rank: int('Customer Rank'),
    supplier_rank: int('Supplier Rank'),
    active: bool('Active', { default: constant(true) }),
    ...company,
  },
  displayName: (env, r) => {
    const own = typeof r.name === 'string' ? r.name : undefined;
    if (typeof r.parent_id === 'number' && !r.is_company) {
      const parent = env.displayName('res.partner', r.parent_id);
      const label = own ?? PARTNER_TYPES.find(([k]) => k === r.type)?.[1] ?? '';
      return `${parent}, ${label}`;
    }
    return own ?? '';
  },
  constrain: (_env, rows) => {
    for (const r of rows) {
      if ((r.type ?? 'contact') === 'contact' && (typeof r.name !== 'string' || r.name === '')) {
        throw validationError('The operation cannot be completed: Contacts require a name');
      }
    }
  },
};

const resUsers: ModelDef = {
  name: 'res.users',
  description: 'User',
  acl: { write: 'Administration/Access Rights' },
  fields: {
    login: char('Login', { required: true }),
    name: char('Name'),
    partner_id: m2o('res.partner', 'Related Partner'),
    company_id: m2o('res.company', 'Company', { default: ifExists('res.company', 1) }),
    active: bool('Active', { default: constant(true) }),
  },
  methods: {
    context_get: call((env) => ({ lang: 'en_US', tz: 'UTC', uid: env.uid }), { model: true }),
  },
};

const irModel: ModelDef = {
  name: 'ir.model',
  description: 'Models',
  fields: { model: char('Model', { required: true }), name: char('Model Description') },
};

const irModelData: ModelDef = {
  name: 'ir.model.data',
  description: 'Model Data',
  fields: {
    name: char('External Identifier', { required: true }),
    module: char('Module', { required: true }),
    model: char('Model Name', { required: true }),
    res_id: int('Record ID'),
    complete_name: computed(char('Complete ID'), (_env, r) => `${String(r.module)}.${String(r.name)}`),
  },
  methods: {
    check_object_reference: call(
      (env, _ids, p) => {
        const row = findXmlid(env, `${String(p.module)}.${String(p.xml_id)}`);
        if (!row) throw valueError(`External ID not found in the system: ${String(p.module)}.${String(p.xml_id)}`);
        return [row.model, row.res_id];
      },
      { model: true, params: ['module', 'xml_id', 'raise_on_access_error'] },
    ),
  },
};

export function findXmlid(env: Env, xmlid: string): Row | undefined {
  const [module, ...rest] = xmlid.split('.');
  const name = rest.join('.');
  return env.rowsBy('ir.model.data', 'name', name).find((r) => r.module === module);
}

const irConfigParameter: ModelDef = {
  name: 'ir.config_parameter',
  description: 'System Parameter',
  acl: { read: 'Administration/Settings' },
  fields: { key: char('Key', { required: true }), value: text('Value', { required: true }) },
};

const uomCategory: ModelDef = {
  name: 'uom.category',
  description: 'Product UoM Categories',
  fields: { name: char('Unit of Measure Category', { required: true }) },
};

const uomUom: ModelDef = {
  name: 'uom.uom',
  description: 'Product Unit of Measure',
  order: 'factor DESC, id',
  fields: {
    name: char('Unit of Measure', { required: true }),
    category_id: m2o('uom.category', 'Category', { required: true }),
    uom_type: sel('Type', [['bigger', 'Bigger than the reference Unit of Measure'], ['reference', 'Reference Unit of Measure for this category'], ['smaller', 'Smaller than the reference Unit of Measure']], { default: constant('reference') }),
    factor: float('Ratio', { default: constant(1) }),
    rounding: float('Rounding Precision', { default: constant(0.01) }),
    active: bool('Active', { default: constant(true) }),
  },
};

const productProduct: ModelDef = {
  name: 'product.product',
  description: 'Product Variant',
  order: 'default_code, name, id',
  mailThread: true,
  fields: {
    name: char('Name', { required: true }),
    display_name: computed(char('Display Name'), (env, r) => env.displayName('product.product', r.id)),
    default_code: char('Internal Reference'),
    barcode: char('Barcode'),
    lst_price: float('Sales Price', { default: constant(1) }),
    standard_price: float('Cost'),
    uom_id: m2o('uom.uom', 'Unit', { required: true, default: ifExists('uom.uom', 1) }),
    uom_po_id: m2o('uom.uom', 'Purchase Unit', { default: (env, v) => v.uom_id ?? ifExists('uom.uom', 1)(env) }),
    type: sel('Product Type', [['consu', 'Goods'], ['service', 'Service'], ['combo', 'Combo']], { default: constant('consu') }),
    is_storable: bool('Track Inventory'),
    tracking: sel('Tracking', [['serial', 'By Unique Serial Number'], ['lot', 'By Lots'], ['none', 'By Quantity']], { default: constant('none') }),
    sale_ok: bool('Can be Sold', { default: constant(true) }),
    purchase_ok: bool('Can be Purchased', { default: constant(true) }),
    // product.template's default: the company's sales tax (account_sale_tax_id; here the first active one)
    taxes_id: m2m('account.tax', 'Sales Taxes', {
      default: (env) => {
        const t = firstWhere(env, 'account.tax', 'type_tax_use', 'sale', (r) => r.active !== false);
        return t === undefined ? [] : [t.id];
      },
    }),
    // Odoo defaults it to the company's purchase tax; the probed demo products had none (odoo-api.md
    // section 7, "taxes come from the product (here none)"), nor has any seeded product: no default
    supplier_taxes_id: m2m('account.tax', 'Purchase Taxes'),
    // product.template's accounts; without one a line takes its journal's default (accountFor)
    property_account_income_id: m2o('account.account', 'Income Account'),
    property_account_expense_id: m2o('account.account', 'Expense Account'),
    active: bool('Active', { default: constant(true) }),
    ...company,
  },
  displayName: (_env, r) => (typeof r.default_code === 'string' ? `[${r.default_code}] ${String(r.name)}` : String(r.name ?? '')),
  constrain: (env, rows) => {
    for (const r of rows) {
      if (typeof r.barcode !== 'string') continue;
      const same = rowsWhere(env, 'product.product', 'barcode', r.barcode, (p) => p.active !== false);
      if (same.length > 1) {
        const names = same.map((p) => env.displayName('product.product', p.id));
        const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
        throw validationError(
          `Barcode(s) already assigned:\n\n- Barcode "${r.barcode}" already assigned to product(s): ${list}\n\nNote: products that you don't have access to will not be shown above.`,
        );
      }
    }
  },
};

const accountTax: ModelDef = {
  name: 'account.tax',
  description: 'Tax',
  fields: {
    name: char('Tax Name', { required: true }),
    amount: float('Amount'),
    amount_type: sel('Tax Computation', [['group', 'Group of Taxes'], ['fixed', 'Fixed'], ['percent', 'Percentage'], ['division', 'Percentage Tax Included']], { default: constant('percent') }),
    sequence: int('Sequence', { default: constant(1) }),
    // A group's taxes (Odoo refuses a group inside a group: `_check_children_scope`).
    children_tax_ids: m2m('account.tax', 'Children Taxes'),
    include_base_amount: bool('Affect Base of Subsequent Taxes', { default: constant(false) }),
    is_base_affected: bool('Base Affected by Previous Taxes', { default: constant(true) }),
    type_tax_use: sel('Tax Type', [['sale', 'Sales'], ['purchase', 'Purchases'], ['none', 'None']], { default: constant('sale') }),
    active: bool('Active', { default: constant(true) }),
    ...company,
    // Odoo 14+: required, from the tax's company (account.tax _compute_country_id: the company's
    // fiscal country, else its country; the sandbox has no fiscal country). After company_id, whose
    // default it reads.
    country_id: m2o('res.country', 'Country', { required: true, default: (env, vals) => companyCountry(env, vals.company_id) }),
  },
};

/** The country of a company id: its partner's (as Odoo's res.company reads it), else its own; undefined when none. */
function companyCountry(env: Env, companyId: unknown): unknown {
  const company = typeof companyId === 'number' ? env.row('res.company', companyId) : undefined;
  if (!company) return undefined;
  const partner = typeof company.partner_id === 'number' ? env.row('res.partner', company.partner_id) : undefined;
  const country = typeof partner?.country_id === 'number' ? partner.country_id : company.country_id;
  return typeof country === 'number' ? country : undefined;
}

const accountAccount: ModelDef = {
  name: 'account.account',
  description: 'Account',
  fields: { code: char('Code', { required: true }), name: char('Account Name', { required: true }), account_type: char('Type') },
  displayName: (_env, r) => `${String(r.code)} ${String(r.name)}`,
};

// ------------------------------------------------------------------ sale

const saleOrder: ModelDef = {
  name: 'sale.order',
  description: 'Sales Order',
  order: 'date_order desc, id desc',
  mailThread: true,
  sequence: (env) => `S${pad(env.store.nextSequence('sale.order'), 5)}`,
  fields: {
    name: char('Order Reference', { required: true }),
    state: sel('Status', [['draft', 'Quotation'], ['sent', 'Quotation Sent'], ['sale', 'Sales Order'], ['cancel', 'Cancelled']], { default: constant('draft') }),
    partner_id: m2o('res.partner', 'Customer', { required: true }),
    partner_invoice_id: m2o('res.partner', 'Invoice Address', { default: (_env, v) => v.partner_id }),
    partner_shipping_id: m2o('res.partner', 'Delivery Address', { default: (_env, v) => v.partner_id }),
    client_order_ref: char('Customer Reference'),
    origin: char('Source Document'),
    note: html('Terms and conditions'),
    date_order: datetime('Order Date', { required: true, default: (env) => env.now() }),
    commitment_date: datetime('Delivery Date'),
    validity_date: date('Expiration'),
    order_line: o2m('sale.order.line', 'order_id', 'Order Lines'),
    pricelist_id: m2o('res.partner', 'Pricelist'),
    currency_id: m2o('res.currency', 'Currency', { default: ifExists('res.currency', 1) }),
    user_id: m2o('res.users', 'Salesperson'),
    picking_ids: o2m('stock.picking', 'sale_id', 'Transfers'),
    // sale_stock's sale.order `_compute_warehouse_id`: the company's first warehouse (the sandbox's users have no default warehouse).
    warehouse_id: m2o('stock.warehouse', 'Warehouse', { default: (env, v) => firstWarehouse(env, v.company_id ?? 1) }),
    ...amountFields(saleLines, 'Taxes'),
    duplicated_order_ids: computed(m2m('sale.order', 'Duplicated Order'), (env, r) =>
      typeof r.client_order_ref === 'string'
        ? rowsWhere(env, 'sale.order', 'client_order_ref', r.client_order_ref, (o) => o.id !== r.id && o.partner_id === r.partner_id && o.state !== 'cancel').map((o) => o.id)
        : [],
    ),
    ...company,
  },
  methods: {
    action_confirm: call((env, ids) => {
      const orders = env.rows('sale.order', ids ?? []);
      if (orders.some((o) => o.state !== 'draft' && o.state !== 'sent')) {
        throw userError('Some orders are not in a state requiring confirmation.');
      }
      for (const o of orders) {
        env.assign('sale.order', o, { state: 'sale', date_order: env.now() });
        createDelivery(env, o);
      }
      return true;
    }),
    // sale.order `action_cancel` (17/18/19): an order past the quotation answers the cancel wizard's
    // action (`_show_cancel_wizard`: any state but draft) and changes nothing, unless the context says
    // `disable_cancel_warning` (what the wizard's own button passes). `_action_cancel` then writes
    // state cancel, and sale_stock's override cancels the deliveries not done.
    action_cancel: call((env, ids) => {
      const orders = env.rows('sale.order', ids ?? []);
      if (!env.context.disable_cancel_warning && orders.some((o) => o.state !== 'draft')) {
        if (orders.length !== 1) throw valueError(`Expected singleton: sale.order(${orders.map((o) => o.id).join(', ')})`);
        const o = orders[0]!;
        return { name: 'Cancel Sales Order', view_mode: 'form', res_model: 'sale.order.cancel', view_id: false, type: 'ir.actions.act_window', context: { default_order_id: o.id, mark_so_as_canceled: true }, target: 'new' };
      }
      for (const o of orders) {
        env.assign('sale.order', o, { state: 'cancel' });
        for (const p of rowsWhere(env, 'stock.picking', 'sale_id', o.id, (p) => p.state !== 'done')) cancelPicking(env, p);
      }
      return true;
    }),
    action_draft: call((env, ids) => {
      for (const o of env.rows('sale.order', ids ?? [])) if (o.state === 'cancel' || o.state === 'sent') env.assign('sale.order', o, { state: 'draft' });
      return true;
    }),
  },
};

function saleLines(env: Env, orderId: number): Row[] {
  return rowsWhere(env, 'sale.order.line', 'order_id', orderId);
}
/** The quantity of a sale, purchase or invoice line (each model names it its own way). */
function lineQuantity(l: Row): number {
  return num(l.product_uom_qty ?? l.quantity ?? l.product_qty);
}
function lineSubtotal(l: Row): number {
  return lineQuantity(l) * num(l.price_unit) * (1 - num(l.discount) / 100);
}

const saleOrderLine: ModelDef = {
  name: 'sale.order.line',
  description: 'Sales Order Line',
  order: 'order_id, sequence, id',
  fields: {
    order_id: m2o('sale.order', 'Order Reference', { required: true }),
    sequence: int('Sequence', { default: constant(10) }),
    product_id: m2o('product.product', 'Product'),
    name: text('Description', { required: true, default: (env, v) => productDisplay(env, v.product_id) }),
    product_uom_qty: float('Quantity', { required: true, default: constant(1) }),
    product_uom: m2o('uom.uom', 'Unit', { default: (env, v) => productField(env, v.product_id, 'uom_id') }),
    // Odoo's _compute_price_unit: the pricelist price in the line's unit (the sandbox has no pricelists:
    // the list price, pricelist _get_product_price converting it with uom _compute_price); 19's unit is product_uom_id
    price_unit: float('Unit Price', { default: (env, v) => productPrice(env, v.product_id, 'lst_price', v.product_uom ?? v.product_uom_id) }),
    discount: float('Discount (%)'),
    // Odoo's _compute_tax_id: the product's customer taxes of the order's company; tax_ids in 19
    // (_compute_tax_ids, versions.ts)
    tax_id: m2m('account.tax', 'Taxes', { default: (env, v) => productTaxes(env, v.product_id, 'taxes_id', parentCompany(env, 'sale.order', v.order_id)) }),
    price_subtotal: computed(float('Subtotal'), (_env, r) => round2(lineSubtotal(r))),
    price_total: computed(float('Total'), (env, r) => round2(lineSubtotal(r) + lineTax(env, r, lineTaxIds(r)))),
    qty_delivered: computed(float('Delivery Quantity'), (env, r) =>
      rowsWhere(env, 'stock.move', 'sale_line_id', r.id, (m) => m.state === 'done').reduce((s, m) => s + num(m.quantity), 0),
    ),
    qty_invoiced: computed(float('Invoiced Quantity'), (env, r) => saleQtyInvoiced(env, r.id)),
    display_type: sel('Display Type', [['line_section', 'Section'], ['line_note', 'Note']]),
    ...company,
  },
  // sale_stock: a line added to, or whose quantity changes on, a confirmed order moves its delivery
  // (sale.order.line `create` / `write` → `_action_launch_stock_rule`).
  afterCreate: (env, rows) => rows.forEach((l) => followDelivery(env, l)),
  afterWrite: (env, rows, vals) => {
    if ('product_uom_qty' in vals) rows.forEach((l) => followDelivery(env, l));
  },
  // sale.order `_compute_amounts` (depends on order_line.price_subtotal): a line created, written or
  // deleted on its own writes its order when an amount changes
  feeds: { link: 'order_id', model: 'sale.order', fields: AMOUNTS },
};

/** Goods get pickings: `consu` (18: with or without is_storable; 17: consumable) and 17's storable `product`. */
function isGoods(env: Env, productId: unknown): boolean {
  const type = productField(env, productId, 'type');
  return type === 'consu' || type === 'product';
}

/**
 * sale.order.line `_compute_qty_invoiced`: the quantity of the customer invoice lines linked to the sale
 * line (`sale_line_ids`) whose invoice is not cancelled, drafts included, credit notes counted negative.
 * A scan of the invoice lines: the link is a many2many, which the equality indexes do not hold, and only a
 * read of this field pays for it.
 */
function saleQtyInvoiced(env: Env, lineId: number): number {
  let total = 0;
  for (const l of env.store.table('account.move.line').values()) {
    if (!Array.isArray(l.sale_line_ids) || !(l.sale_line_ids as number[]).includes(lineId)) continue;
    const move = env.row('account.move', l.move_id as number);
    if (!move || move.state === 'cancel') continue;
    total += move.move_type === 'out_refund' ? -num(l.quantity) : num(l.quantity);
  }
  return total;
}

/**
 * A confirmed order's line whose quantity was set or changed: its open delivery move asks for what is
 * not delivered yet (a new move in the order's open delivery, or a new delivery, when it has none), and a
 * move left with nothing to deliver is cancelled (sale_stock `_action_launch_stock_rule`, a negative
 * procurement merged into the move, stock.move `_merge_moves`).
 */
function followDelivery(env: Env, line: Row): void {
  const order = env.row('sale.order', line.order_id as number);
  if (!order || order.state !== 'sale' || !isGoods(env, line.product_id)) return;
  const moves = rowsWhere(env, 'stock.move', 'sale_line_id', line.id);
  const done = moves.filter((m) => m.state === 'done').reduce((s, m) => s + num(m.quantity), 0);
  const open = moves.find((m) => m.state !== 'done' && m.state !== 'cancel');
  const want = num(line.product_uom_qty) - done;
  if (open) {
    if (want > EPS) env.assign('stock.move', open, { product_uom_qty: want });
    else env.assign('stock.move', open, { state: 'cancel', quantity: 0 });
    return;
  }
  if (want <= EPS) return;
  const picking = rowsWhere(env, 'stock.picking', 'sale_id', order.id, (p) => p.state !== 'done' && p.state !== 'cancel')[0];
  if (picking) env.createOwned('stock.move', [deliveryMove(picking.id, order, line, want)]);
  else createDelivery(env, order, [{ ...line, product_uom_qty: want }]);
}

/** The delivery move of a sale line in picking `pickingId`, for `qty` (nothing reserved yet). */
function deliveryMove(pickingId: number, order: Row, l: Row, qty: number): Record<string, unknown> {
  return {
    picking_id: pickingId,
    product_id: l.product_id,
    name: l.name,
    product_uom_qty: qty,
    // the sale line's unit is product_uom_id from 19 (versions.ts); a row has one of the two
    product_uom: l.product_uom ?? l.product_uom_id,
    quantity: 0,
    state: 'confirmed',
    sale_line_id: l.id,
    origin: order.name,
  };
}

function createDelivery(env: Env, order: Row, only?: Row[]): void {
  const lines = (only ?? saleLines(env, order.id)).filter((l) => typeof l.product_id === 'number' && isGoods(env, l.product_id));
  if (!lines.length) return;
  // The order's warehouse ships it (its one-step delivery route's operation type, out_type_id in Odoo).
  const outgoing = (t: Row) => t.code === 'outgoing' && t.active !== false;
  const type = (typeof order.warehouse_id === 'number' ? rowsWhere(env, 'stock.picking.type', 'warehouse_id', order.warehouse_id, outgoing)[0] : undefined) ?? env.rowsBy('stock.picking.type', 'code', 'outgoing')[0];
  if (!type) return;
  const [pid] = env.create('stock.picking', [
    {
      picking_type_id: type.id,
      partner_id: order.partner_shipping_id || order.partner_id,
      origin: order.name,
      sale_id: order.id,
      location_id: type.default_location_src_id,
      location_dest_id: type.default_location_dest_id,
      scheduled_date: order.commitment_date || env.now(),
      state: 'confirmed',
    },
  ]);
  // One create for all the moves: with nothing reserved (quantity 0) no move gets move lines, so
  // creating them together leaves the same rows and ids as one call per move, for less per-call work.
  env.createOwned('stock.move', lines.map((l) => deliveryMove(pid!, order, l, num(l.product_uom_qty))));
}

// ------------------------------------------------------------------ purchase

function poLines(env: Env, orderId: number): Row[] {
  return rowsWhere(env, 'purchase.order.line', 'order_id', orderId);
}

function qtyReceived(env: Env, lineId: number): number {
  return rowsWhere(env, 'stock.move', 'purchase_line_id', lineId, (m) => m.state === 'done').reduce((s, m) => s + num(m.quantity), 0);
}

function qtyInvoiced(env: Env, lineId: number): number {
  let total = 0;
  for (const l of rowsWhere(env, 'account.move.line', 'purchase_line_id', lineId)) {
    const move = env.row('account.move', l.move_id as number);
    if (!move || move.state === 'cancel') continue;
    total += move.move_type === 'in_refund' ? -num(l.quantity) : num(l.quantity);
  }
  return total;
}

const purchaseOrder: ModelDef = {
  name: 'purchase.order',
  description: 'Purchase Order',
  order: 'id desc',
  mailThread: true,
  sequence: (env) => `P${pad(env.store.nextSequence('purchase.order'), 5)}`,
  fields: {
    name: char('Order Reference', { required: true }),
    state: sel('Status', [['draft', 'RFQ'], ['sent', 'RFQ Sent'], ['to approve', 'To Approve'], ['purchase', 'Purchase Order'], ['done', 'Locked'], ['cancel', 'Cancelled']], {
      default: constant('draft'),
    }),
    partner_id: m2o('res.partner', 'Vendor', { required: true }),
    partner_ref: char('Vendor Reference'),
    origin: char('Source Document'),
    notes: html('Terms and Conditions'),
    date_order: datetime('Order Deadline', { required: true, default: (env) => env.now() }),
    date_approve: datetime('Confirmation Date', { readonly: true }),
    date_planned: datetime('Expected Arrival'),
    order_line: o2m('purchase.order.line', 'order_id', 'Order Lines'),
    picking_ids: o2m('stock.picking', 'purchase_id', 'Receptions'),
    mail_reception_confirmed: bool('Reception Confirmed', { readonly: true }),
    currency_id: m2o('res.currency', 'Currency', { default: ifExists('res.currency', 1) }),
    user_id: m2o('res.users', 'Buyer', { default: (env) => (env.row('res.users', env.uid) ? env.uid : false) }),
    // purchase's "Dropship Address": where the vendor delivers instead of our warehouse.
    dest_address_id: m2o('res.partner', 'Dropship Address'),
    // purchase_stock's "Deliver To" (`_default_picking_type` → `_get_picking_type`): the first receipt
    // type of the company's warehouses, else one of no warehouse. The receipt is made in it.
    picking_type_id: m2o('stock.picking.type', 'Deliver To', { required: true, default: (env, v) => receiptType(env, v.company_id ?? 1) }),
    ...amountFields(poLines, 'Taxes'),
    receipt_status: computed(sel('Receipt Status', [['pending', 'Not Received'], ['partial', 'Partially Received'], ['full', 'Fully Received']]), (env, r) => {
      const pickings = rowsWhere(env, 'stock.picking', 'purchase_id', r.id, (p) => p.state !== 'cancel');
      if (!pickings.length) return false;
      if (pickings.every((p) => p.state === 'done')) return 'full';
      if (pickings.some((p) => p.state === 'done')) return 'partial';
      return 'pending';
    }),
    invoice_status: computed(sel('Billing Status', [['no', 'Nothing to Bill'], ['to invoice', 'Waiting Bills'], ['invoiced', 'Fully Billed']]), (env, r) => {
      if (r.state !== 'purchase' && r.state !== 'done') return 'no';
      const lines = poLines(env, r.id).filter((l) => !l.display_type);
      if (lines.some((l) => qtyReceived(env, l.id) - qtyInvoiced(env, l.id) > EPS)) return 'to invoice';
      if (lines.length && lines.every((l) => qtyInvoiced(env, l.id) >= num(l.product_qty) - EPS)) return 'invoiced';
      return 'no';
    }),
    invoice_ids: computed(m2m('account.move', 'Bills'), (env, r) => {
      const moves = new Set<number>();
      for (const pl of poLines(env, r.id)) for (const l of rowsWhere(env, 'account.move.line', 'purchase_line_id', pl.id)) moves.add(l.move_id as number);
      return [...moves].sort((a, b) => a - b);
    }),
    ...company,
  },
  methods: {
    button_confirm: call((env, ids) => {
      for (const o of env.rows('purchase.order', ids ?? [])) {
        if (o.state !== 'draft' && o.state !== 'sent') continue; // observed: a second button_confirm is a silent no-op
        env.assign('purchase.order', o, { state: 'purchase', date_approve: env.now() });
        createReceipt(env, o);
      }
      return true;
    }),
    button_cancel: call((env, ids) => {
      for (const o of env.rows('purchase.order', ids ?? [])) {
        if (rowsWhere(env, 'stock.picking', 'purchase_id', o.id, (p) => p.state === 'done').length) {
          throw userError(`Unable to cancel purchase order ${String(o.name)} as some receptions have already been done.`);
        }
        env.assign('purchase.order', o, { state: 'cancel' });
        for (const p of rowsWhere(env, 'stock.picking', 'purchase_id', o.id, (p) => p.state !== 'done')) cancelPicking(env, p);
      }
      return true;
    }),
    button_draft: call((env, ids) => {
      for (const o of env.rows('purchase.order', ids ?? [])) if (o.state === 'cancel') env.assign('purchase.order', o, { state: 'draft' });
      return true;
    }),
    action_create_invoice: call((env, ids) => {
      let created: number | undefined;
      for (const o of env.rows('purchase.order', ids ?? [])) {
        const vals: unknown[] = [];
        for (const l of poLines(env, o.id)) {
          const qty = qtyReceived(env, l.id) - qtyInvoiced(env, l.id);
          if (qty > EPS) vals.push([0, 0, { product_id: l.product_id, name: l.name, quantity: qty, price_unit: l.price_unit, purchase_line_id: l.id, tax_ids: lineTaxIds(l) ?? [] }]);
        }
        if (!vals.length) continue;
        [created] = env.create('account.move', [
          { move_type: 'in_invoice', partner_id: o.partner_id, ref: o.partner_ref, invoice_origin: o.name, invoice_line_ids: vals },
        ]);
      }
      if (created === undefined) {
        throw userError(
          'There is no invoiceable line. If a product has a control policy based on received quantity, please make sure that a quantity has been received.',
        );
      }
      return { name: 'Vendor Bills', type: 'ir.actions.act_window', res_model: 'account.move', view_mode: 'form', views: [[false, 'form']], res_id: created, context: { default_move_type: 'in_invoice' } };
    }),
  },
};

/**
 * The order's date_planned, the earliest of its lines' (purchase.order `_compute_date_planned`, a stored
 * compute): set without writing the order, which the lines' `feeds` does when the date changed.
 */
function recomputePoDatePlanned(env: Env, orderIds: Iterable<number>): void {
  for (const id of orderIds) {
    const o = env.row('purchase.order', id);
    if (!o) continue;
    const dates = poLines(env, id)
      .map((l) => l.date_planned)
      .filter((d): d is string => typeof d === 'string')
      .sort();
    if (dates.length && o.date_planned !== dates[0]) env.store.assign('purchase.order', o, 'date_planned', dates[0]);
  }
}

const purchaseOrderLine: ModelDef = {
  name: 'purchase.order.line',
  description: 'Purchase Order Line',
  order: 'order_id, sequence, id',
  fields: {
    order_id: m2o('purchase.order', 'Order Reference', { required: true }),
    sequence: int('Sequence', { default: constant(10) }),
    product_id: m2o('product.product', 'Product'),
    name: text('Description', { required: true, default: (env, v) => productDisplay(env, v.product_id) }),
    product_qty: float('Quantity', { required: true, default: constant(1) }),
    product_uom: m2o('uom.uom', 'Unit', { default: (env, v) => purchaseUnit(env, v.product_id) }),
    // Odoo's _compute_price_unit_and_date_planned_and_name without a vendor price (the sandbox has no
    // product.supplierinfo): the cost converted from the product's unit to the line's
    price_unit: float('Unit Price', { default: (env, v) => productPrice(env, v.product_id, 'standard_price', v.product_uom ?? v.product_uom_id) }),
    discount: float('Discount (%)'),
    // Odoo's _compute_tax_id: the product's vendor taxes of the order's company; tax_ids in 19 (versions.ts)
    taxes_id: m2m('account.tax', 'Taxes', { default: (env, v) => productTaxes(env, v.product_id, 'supplier_taxes_id', parentCompany(env, 'purchase.order', v.order_id)) }),
    date_planned: datetime('Expected Arrival', {
      default: (env, v) => {
        const o = typeof v.order_id === 'number' ? env.row('purchase.order', v.order_id) : undefined;
        return (o?.date_planned as string | undefined) || env.now();
      },
    }),
    price_subtotal: computed(float('Subtotal'), (_env, r) => round2(lineSubtotal(r))),
    qty_received: computed(float('Received Qty'), (env, r) => qtyReceived(env, r.id)),
    qty_invoiced: computed(float('Billed Qty'), (env, r) => qtyInvoiced(env, r.id)),
    qty_to_invoice: computed(float('To Invoice Quantity'), (env, r) => Math.max(0, qtyReceived(env, r.id) - qtyInvoiced(env, r.id))),
    move_ids: o2m('stock.move', 'purchase_line_id', 'Reservation'),
    display_type: sel('Display Type', [['line_section', 'Section'], ['line_note', 'Note']]),
    ...company,
  },
  displayName: (env, r) => {
    const o = typeof r.order_id === 'number' ? env.row('purchase.order', r.order_id) : undefined;
    return `${String(o?.name ?? '')}: ${String(r.name ?? '')}`;
  },
  afterCreate: (env, rows) => recomputePoDatePlanned(env, new Set(rows.map((r) => r.order_id as number))),
  afterWrite: (env, rows, vals) => {
    // A line date change updates the order's stored compute; writing the header never cascades down.
    if ('date_planned' in vals || 'order_id' in vals) recomputePoDatePlanned(env, new Set(rows.map((r) => r.order_id as number)));
  },
  // purchase.order `_amount_all` (depends on order_line.price_total) and `_compute_date_planned`
  feeds: { link: 'order_id', model: 'purchase.order', fields: [...AMOUNTS, 'date_planned'] },
};

/** purchase_stock `_get_picking_type`: the company's first receipt type (by its warehouse), else a receipt type of no warehouse. */
function receiptType(env: Env, companyId: unknown): number | undefined {
  const receipts = env.rowsBy('stock.picking.type', 'code', 'incoming').filter((t) => t.active !== false);
  const ofCompany = (t: Row) => typeof t.warehouse_id === 'number' && env.row('stock.warehouse', t.warehouse_id)?.company_id === companyId;
  return (receipts.find(ofCompany) ?? receipts.find((t) => typeof t.warehouse_id !== 'number'))?.id;
}

function createReceipt(env: Env, order: Row): void {
  const lines = poLines(env, order.id).filter((l) => typeof l.product_id === 'number' && isGoods(env, l.product_id));
  if (!lines.length) return; // a service-only PO gets no receipt
  // purchase_stock `_prepare_picking`: the receipt is of the order's Deliver To type.
  const type = (typeof order.picking_type_id === 'number' ? env.row('stock.picking.type', order.picking_type_id) : undefined) ?? env.rowsBy('stock.picking.type', 'code', 'incoming')[0];
  if (!type) return;
  const [pid] = env.create('stock.picking', [
    {
      picking_type_id: type.id,
      partner_id: order.partner_id,
      origin: order.name,
      purchase_id: order.id,
      location_id: type.default_location_src_id,
      location_dest_id: type.default_location_dest_id,
      scheduled_date: order.date_planned || env.now(),
      state: 'assigned',
    },
  ]);
  for (const l of lines) {
    // Receipts are pre-filled with the ordered quantity (not picked).
    env.create('stock.move', [
      {
        picking_id: pid,
        product_id: l.product_id,
        name: l.name,
        product_uom_qty: l.product_qty,
        quantity: l.product_qty,
        picked: false,
        // the purchase line's unit is product_uom_id from 19 (versions.ts); a row has one of the two
        product_uom: l.product_uom ?? l.product_uom_id,
        state: 'assigned',
        purchase_line_id: l.id,
        origin: order.name,
        date: l.date_planned,
      },
    ]);
  }
}

// ------------------------------------------------------------------ stock

const stockLocation: ModelDef = {
  name: 'stock.location',
  description: 'Inventory Locations',
  fields: {
    name: char('Location Name', { required: true }),
    complete_name: char('Full Location Name'),
    usage: sel('Location Type', [['supplier', 'Vendor Location'], ['view', 'View'], ['internal', 'Internal Location'], ['customer', 'Customer Location'], ['inventory', 'Inventory Loss'], ['production', 'Production'], ['transit', 'Transit Location']], { default: constant('internal') }),
    active: bool('Active', { default: constant(true) }),
  },
  displayName: (_env, r) => String(r.complete_name || r.name),
};

/** The company's first warehouse (Odoo orders them by sequence, then id; the sandbox has no sequence). */
function firstWarehouse(env: Env, companyId: unknown): number | undefined {
  return env.rowsBy('stock.warehouse', 'company_id', typeof companyId === 'number' ? companyId : 1).find((w) => w.active !== false)?.id;
}

/**
 * A warehouse made without its locations (as a person makes one in Odoo's form) gets them and its
 * receipt and delivery operation types, as stock.warehouse `create` does (view location, `Stock`,
 * `_create_or_update_sequences_and_picking_types`); one-step routes only, so no pick, pack or routes.
 */
function equipWarehouse(env: Env, w: Row): void {
  if (w.lot_stock_id) return;
  const code = String(w.code);
  const [view] = env.create('stock.location', [{ name: code, complete_name: code, usage: 'view' }]);
  const [stock] = env.create('stock.location', [{ name: 'Stock', complete_name: `${code}/Stock`, usage: 'internal' }]);
  env.assign('stock.warehouse', w, { view_location_id: view, lot_stock_id: stock });
  const vendors = env.rowsBy('stock.location', 'usage', 'supplier')[0]?.id;
  const customers = env.rowsBy('stock.location', 'usage', 'customer')[0]?.id;
  env.create('stock.picking.type', [
    { name: 'Receipts', code: 'incoming', sequence_prefix: `${code}/IN/`, default_location_src_id: vendors, default_location_dest_id: stock, warehouse_id: w.id, company_id: w.company_id },
    { name: 'Delivery Orders', code: 'outgoing', sequence_prefix: `${code}/OUT/`, default_location_src_id: stock, default_location_dest_id: customers, warehouse_id: w.id, company_id: w.company_id },
  ]);
}

const stockWarehouse: ModelDef = {
  name: 'stock.warehouse',
  description: 'Warehouse',
  fields: {
    ...company,
    // stock.warehouse `_default_name`: the company's name for its first warehouse, numbered after it.
    name: char('Warehouse', {
      required: true,
      default: (env, v) => {
        const companyId = typeof v.company_id === 'number' ? v.company_id : 1;
        const name = env.displayName('res.company', companyId);
        const count = env.rowsBy('stock.warehouse', 'company_id', companyId).length;
        return count ? `${name} - warehouse # ${count + 1}` : name;
      },
    }),
    code: char('Short Name', { required: true }),
    active: bool('Active', { default: constant(true) }),
    // The warehouse's address: the company's contact unless set (stock.warehouse `partner_id` default).
    partner_id: m2o('res.partner', 'Address', { default: (env, v) => env.row('res.company', typeof v.company_id === 'number' ? v.company_id : 1)?.partner_id }),
    // Required in Odoo, whose create makes them before the record; here equipWarehouse makes them after.
    view_location_id: m2o('stock.location', 'View Location'),
    lot_stock_id: m2o('stock.location', 'Location Stock'),
  },
  afterCreate: (env, rows) => rows.forEach((w) => equipWarehouse(env, w)),
};

const stockPickingType: ModelDef = {
  name: 'stock.picking.type',
  description: 'Picking Type',
  fields: {
    name: char('Operation Type', { required: true }),
    code: sel('Type of Operation', [['incoming', 'Receipt'], ['outgoing', 'Delivery'], ['internal', 'Internal Transfer']], { required: true }),
    sequence_prefix: char('Sequence Prefix'),
    default_location_src_id: m2o('stock.location', 'Default Source Location'),
    default_location_dest_id: m2o('stock.location', 'Default Destination Location'),
    active: bool('Active', { default: constant(true) }),
    ...company,
    // stock.picking.type `_compute_warehouse_id`: the company's first warehouse when none is given.
    warehouse_id: m2o('stock.warehouse', 'Warehouse', { default: (env, v) => firstWarehouse(env, v.company_id ?? 1) }),
  },
  // stock.picking.type `_compute_display_name`: "Warehouse: Operation Type", the bare name without one.
  displayName: (env, r) => (typeof r.warehouse_id === 'number' ? `${env.displayName('stock.warehouse', r.warehouse_id)}: ${String(r.name)}` : String(r.name)),
};

const PICKING_STATES: Array<[string, string]> = [
  ['draft', 'Draft'],
  ['waiting', 'Waiting Another Operation'],
  ['confirmed', 'Waiting'],
  ['assigned', 'Ready'],
  ['done', 'Done'],
  ['cancel', 'Cancelled'],
];

function pickingMoves(env: Env, pickingId: number): Row[] {
  return rowsWhere(env, 'stock.move', 'picking_id', pickingId);
}
function moveLines(env: Env, moveId: number): Row[] {
  return rowsWhere(env, 'stock.move.line', 'move_id', moveId);
}

function cancelPicking(env: Env, p: Row): void {
  env.assign('stock.picking', p, { state: 'cancel' });
  for (const m of pickingMoves(env, p.id)) if (m.state !== 'done') env.assign('stock.move', m, { state: 'cancel' });
}

const stockPicking: ModelDef = {
  name: 'stock.picking',
  description: 'Transfer',
  order: 'scheduled_date asc, id desc',
  mailThread: true,
  sequence: (env, v) => {
    const type = typeof v.picking_type_id === 'number' ? env.row('stock.picking.type', v.picking_type_id) : undefined;
    if (!type) return undefined;
    return `${String(type.sequence_prefix ?? '')}${pad(env.store.nextSequence(`stock.picking.${type.id}`), 5)}`;
  },
  fields: {
    name: char('Reference', { default: constant('/') }),
    state: sel('Status', PICKING_STATES, { default: constant('draft') }),
    origin: char('Source Document'),
    partner_id: m2o('res.partner', 'Contact'),
    picking_type_id: m2o('stock.picking.type', 'Operation Type', { required: true }),
    picking_type_code: computed(sel('Type of Operation', [['incoming', 'Receipt'], ['outgoing', 'Delivery'], ['internal', 'Internal Transfer']]), (env, r) => {
      const t = typeof r.picking_type_id === 'number' ? env.row('stock.picking.type', r.picking_type_id) : undefined;
      return t?.code ?? false;
    }),
    location_id: m2o('stock.location', 'Source Location', {
      required: true,
      default: (env, v) => (typeof v.picking_type_id === 'number' ? env.row('stock.picking.type', v.picking_type_id)?.default_location_src_id : undefined),
    }),
    location_dest_id: m2o('stock.location', 'Destination Location', {
      required: true,
      default: (env, v) => (typeof v.picking_type_id === 'number' ? env.row('stock.picking.type', v.picking_type_id)?.default_location_dest_id : undefined),
    }),
    scheduled_date: datetime('Scheduled Date', { default: (env) => env.now() }),
    date_deadline: datetime('Deadline'),
    date_done: datetime('Date of Transfer', { readonly: true }),
    move_ids: o2m('stock.move', 'picking_id', 'Stock Moves'),
    move_line_ids: o2m('stock.move.line', 'picking_id', 'Operations'),
    backorder_id: m2o('stock.picking', 'Back Order of'),
    backorder_ids: o2m('stock.picking', 'backorder_id', 'Back Orders'),
    purchase_id: m2o('purchase.order', 'Purchase Orders'),
    sale_id: m2o('sale.order', 'Sales Order'),
    note: html('Notes'),
    carrier_tracking_ref: char('Tracking Reference', { module: 'stock_delivery' }),
    weight: float('Weight', { module: 'stock_delivery' }),
    ...company,
  },
  methods: {
    button_validate: call((env, ids) => validatePickings(env, ids ?? [])),
    action_assign: call(() => true),
    action_confirm: call((env, ids) => {
      for (const p of env.rows('stock.picking', ids ?? [])) if (p.state === 'draft') env.assign('stock.picking', p, { state: 'assigned' });
      return true;
    }),
    action_cancel: call((env, ids) => {
      for (const p of env.rows('stock.picking', ids ?? [])) if (p.state !== 'done') cancelPicking(env, p);
      return true;
    }),
  },
};

/**
 * stock.picking.button_validate as observed on 18.0:
 * - done pickings: true, nothing happens;
 * - lot/serial-tracked products need a lot on their move lines (UserError);
 * - if no move is picked, every move is picked with its current (pre-filled) quantity; once one
 *   move is picked, the un-picked ones count as not received;
 * - less than the demand: the backorder wizard is returned (nothing validated) unless the context
 *   has `skip_backorder` (then a backorder is created for the rest, or, for pickings listed in
 *   `picking_ids_not_to_backorder`, the rest is cancelled).
 */
function validatePickings(env: Env, ids: number[]): unknown {
  const pickings = env.rows('stock.picking', ids).filter((p) => p.state !== 'done' && p.state !== 'cancel');
  if (!pickings.length) return true;
  const skipBackorder = Boolean(env.context.skip_backorder);
  const noBackorder = new Set(Array.isArray(env.context.picking_ids_not_to_backorder) ? (env.context.picking_ids_not_to_backorder as number[]) : []);

  const plan = pickings.map((p) => {
    const moves = pickingMoves(env, p.id).filter((m) => m.state !== 'done' && m.state !== 'cancel');
    const anyPicked = moves.some((m) => m.picked);
    const qty = new Map<number, number>(moves.map((m) => [m.id, anyPicked && !m.picked ? 0 : num(m.quantity)]));
    return { p, moves, anyPicked, qty };
  });

  // lots
  const missingLots: string[] = [];
  for (const { moves, qty } of plan) {
    for (const m of moves) {
      const tracking = productField(env, m.product_id, 'tracking');
      if (!tracking || tracking === 'none' || (qty.get(m.id) ?? 0) <= 0) continue;
      const lines = moveLines(env, m.id).filter((l) => num(l.quantity) > 0);
      if (!lines.length || lines.some((l) => !l.lot_id && !(typeof l.lot_name === 'string' && l.lot_name))) {
        missingLots.push(env.displayName('product.product', m.product_id as number));
      }
    }
  }
  if (missingLots.length) throw userError(`You need to supply a Lot/Serial number for products ${[...new Set(missingLots)].join(', ')}.`);

  for (const { moves, qty } of plan) {
    if (moves.length && moves.every((m) => (qty.get(m.id) ?? 0) <= 0)) {
      throw userError('You cannot validate a transfer if no quantities are reserved nor done. To force the transfer, encode quantities.');
    }
  }

  const needsWizard = plan.filter(({ p, moves, qty }) => !noBackorder.has(p.id) && moves.some((m) => (qty.get(m.id) ?? 0) < num(m.product_uom_qty) - EPS));
  if (needsWizard.length && !skipBackorder) {
    const pickIds = needsWizard.map(({ p }) => p.id);
    return {
      name: 'Create Backorder?',
      type: 'ir.actions.act_window',
      view_mode: 'form',
      res_model: 'stock.backorder.confirmation',
      views: [[893, 'form']],
      view_id: 893,
      target: 'new',
      context: { button_validate_picking_ids: pickings.map((p) => p.id), default_show_transfers: false, default_pick_ids: pickIds.map((id) => [4, id]) },
    };
  }

  for (const { p, moves, qty } of plan) {
    const keepBackorder = !noBackorder.has(p.id);
    const rest: Array<{ move: Row; remaining: number; whole: boolean }> = [];
    for (const m of moves) {
      const done = qty.get(m.id) ?? 0;
      const demand = num(m.product_uom_qty);
      if (done <= 0) {
        if (keepBackorder) rest.push({ move: m, remaining: demand, whole: true });
        else {
          env.assign('stock.move', m, { state: 'cancel', quantity: 0, picked: false });
          for (const l of moveLines(env, m.id)) env.store.remove('stock.move.line', l.id);
        }
        continue;
      }
      env.assign('stock.move', m, { quantity: done, picked: true, state: 'done' });
      setLineQuantity(env, m, done);
      for (const l of moveLines(env, m.id)) {
        env.assign('stock.move.line', l, { picked: true });
        if (!l.lot_id && typeof l.lot_name === 'string' && l.lot_name) env.assign('stock.move.line', l, { lot_id: findOrCreateLot(env, l.lot_name, m.product_id as number) });
      }
      if (done < demand - EPS && keepBackorder) rest.push({ move: m, remaining: demand - done, whole: false });
    }
    env.assign('stock.picking', p, { state: 'done', date_done: env.now() });
    if (rest.length) {
      const [bid] = env.create('stock.picking', [
        {
          picking_type_id: p.picking_type_id,
          partner_id: p.partner_id,
          origin: p.origin,
          purchase_id: p.purchase_id,
          sale_id: p.sale_id,
          location_id: p.location_id,
          location_dest_id: p.location_dest_id,
          scheduled_date: p.scheduled_date,
          backorder_id: p.id,
          state: 'assigned',
        },
      ]);
      for (const { move, remaining, whole } of rest) {
        if (whole) {
          env.assign('stock.move', move, { picking_id: bid, quantity: remaining, picked: false, state: 'assigned' });
          for (const l of moveLines(env, move.id)) env.store.remove('stock.move.line', l.id);
          createLine(env, move, remaining);
        } else {
          env.create('stock.move', [
            {
              picking_id: bid,
              product_id: move.product_id,
              name: move.name,
              product_uom_qty: remaining,
              quantity: remaining,
              picked: false,
              product_uom: move.product_uom,
              state: 'assigned',
              purchase_line_id: move.purchase_line_id,
              sale_line_id: move.sale_line_id,
              origin: move.origin,
            },
          ]);
        }
      }
    }
  }
  return true;
}

function findOrCreateLot(env: Env, name: string, productId: number): number {
  const found = env.rowsBy('stock.lot', 'name', name).find((l) => l.product_id === productId);
  if (found) return found.id;
  return env.create('stock.lot', [{ name, product_id: productId }])[0]!;
}

function createLine(env: Env, move: Row, quantity: number): void {
  const id = env.store.state.nextId['stock.move.line']!;
  env.store.state.nextId['stock.move.line'] = id + 1;
  env.store.insert('stock.move.line', {
    id,
    move_id: move.id,
    picking_id: move.picking_id ?? false,
    product_id: move.product_id,
    product_uom_id: move.product_uom ?? false,
    quantity,
    picked: Boolean(move.picked),
    location_id: move.location_id,
    location_dest_id: move.location_dest_id,
    lot_id: false,
    lot_name: false,
    company_id: 1,
  });
}

/** Keep the move lines summing to the move quantity (the last line absorbs the difference). */
function setLineQuantity(env: Env, move: Row, quantity: number): void {
  const lines = moveLines(env, move.id);
  if (!lines.length) {
    if (quantity > 0) createLine(env, move, quantity);
    return;
  }
  let others = lines.slice(0, -1).reduce((s, l) => s + num(l.quantity), 0);
  while (others > quantity + EPS && lines.length > 1) {
    const dropped = lines.pop()!;
    env.store.remove('stock.move.line', dropped.id);
    others = lines.slice(0, -1).reduce((s, l) => s + num(l.quantity), 0);
  }
  env.assign('stock.move.line', lines[lines.length - 1]!, { quantity: Math.max(0, quantity - others) });
}

const stockMove: ModelDef = {
  name: 'stock.move',
  description: 'Stock Move',
  order: 'sequence, id',
  fields: {
    name: char('Description', { default: (env, v) => productDisplay(env, v.product_id) }),
    sequence: int('Sequence', { default: constant(10) }),
    product_id: m2o('product.product', 'Product', { required: true }),
    product_uom_qty: float('Demand', { required: true, default: constant(0) }),
    quantity: float('Quantity'),
    picked: bool('Picked'),
    product_uom: m2o('uom.uom', 'UoM', { default: (env, v) => productField(env, v.product_id, 'uom_id') }),
    state: sel('Status', [['draft', 'New'], ['waiting', 'Waiting Another Move'], ['confirmed', 'Waiting Availability'], ['partially_available', 'Partially Available'], ['assigned', 'Available'], ['done', 'Done'], ['cancel', 'Cancelled']], {
      default: constant('draft'),
    }),
    picking_id: m2o('stock.picking', 'Transfer'),
    location_id: m2o('stock.location', 'Source Location', {
      required: true,
      default: (env, v) => (typeof v.picking_id === 'number' ? env.row('stock.picking', v.picking_id)?.location_id : undefined),
    }),
    location_dest_id: m2o('stock.location', 'Destination Location', {
      required: true,
      default: (env, v) => (typeof v.picking_id === 'number' ? env.row('stock.picking', v.picking_id)?.location_dest_id : undefined),
    }),
    purchase_line_id: m2o('purchase.order.line', 'Purchase Order Line'),
    sale_line_id: m2o('sale.order.line', 'Sale Line'),
    move_line_ids: o2m('stock.move.line', 'move_id', 'Move Lines'),
    origin: char('Source Document'),
    date: datetime('Date Scheduled', { default: (env) => env.now() }),
    product_tracking: computed(sel('Product with Tracking', [['serial', 'By Unique Serial Number'], ['lot', 'By Lots'], ['none', 'By Quantity']]), (env, r) =>
      productField(env, r.product_id, 'tracking') ?? 'none',
    ),
    ...company,
  },
  displayName: (env, r) => productDisplay(env, r.product_id) ?? String(r.name ?? ''),
  afterCreate: (env, rows) => {
    for (const m of rows) if (num(m.quantity) > 0 && !moveLines(env, m.id).length) createLine(env, m, num(m.quantity));
  },
  afterWrite: (env, rows, vals) => {
    for (const m of rows) {
      if ('quantity' in vals) setLineQuantity(env, m, num(m.quantity));
      if ('picked' in vals) for (const l of moveLines(env, m.id)) env.assign('stock.move.line', l, { picked: Boolean(m.picked) });
    }
  },
};

function syncMoveFromLines(env: Env, moveIds: Iterable<number>): void {
  for (const id of moveIds) {
    const m = env.row('stock.move', id);
    if (!m) continue;
    const lines = moveLines(env, id);
    env.assign('stock.move', m, { quantity: lines.reduce((s, l) => s + num(l.quantity), 0), picked: lines.length > 0 && lines.some((l) => l.picked) });
  }
}

const stockMoveLine: ModelDef = {
  name: 'stock.move.line',
  description: 'Product Moves (Stock Move Line)',
  fields: {
    move_id: m2o('stock.move', 'Stock Operation'),
    picking_id: m2o('stock.picking', 'Transfer', { default: (env, v) => (typeof v.move_id === 'number' ? env.row('stock.move', v.move_id)?.picking_id : undefined) }),
    product_id: m2o('product.product', 'Product', { required: true, default: (env, v) => (typeof v.move_id === 'number' ? env.row('stock.move', v.move_id)?.product_id : undefined) }),
    product_uom_id: m2o('uom.uom', 'Unit', { default: (env, v) => (typeof v.move_id === 'number' ? env.row('stock.move', v.move_id)?.product_uom : undefined) }),
    quantity: float('Quantity'),
    picked: bool('Picked'),
    lot_id: m2o('stock.lot', 'Lot/Serial Number'),
    lot_name: char('Lot/Serial Number Name'),
    location_id: m2o('stock.location', 'From', {
      required: true,
      default: (env, v) => (typeof v.move_id === 'number' ? env.row('stock.move', v.move_id)?.location_id : undefined),
    }),
    location_dest_id: m2o('stock.location', 'To', {
      required: true,
      default: (env, v) => (typeof v.move_id === 'number' ? env.row('stock.move', v.move_id)?.location_dest_id : undefined),
    }),
    state: computed(char('Status'), (env, r) => (typeof r.move_id === 'number' ? (env.row('stock.move', r.move_id)?.state ?? false) : 'draft')),
    ...company,
  },
  afterCreate: (env, rows) => syncMoveFromLines(env, new Set(rows.map((r) => r.move_id).filter((x): x is number => typeof x === 'number'))),
  afterWrite: (env, rows, vals) => {
    if ('quantity' in vals || 'picked' in vals || 'move_id' in vals) {
      syncMoveFromLines(env, new Set(rows.map((r) => r.move_id).filter((x): x is number => typeof x === 'number')));
    }
  },
};

const stockLot: ModelDef = {
  name: 'stock.lot',
  description: 'Lot/Serial',
  fields: {
    name: char('Lot/Serial Number', { required: true }),
    product_id: m2o('product.product', 'Product', { required: true }),
    ...company,
  },
};

const backorderWizard: ModelDef = {
  name: 'stock.backorder.confirmation',
  description: 'Backorder Confirmation',
  fields: {
    pick_ids: m2m('stock.picking', 'Pick'),
    show_transfers: bool('Show Transfers'),
  },
  methods: {
    process: call((env, ids) => {
      const pickIds = wizardPickings(env, ids ?? []);
      return validatePickings(env.withContext({ skip_backorder: true, picking_ids_not_to_backorder: [] }), pickIds);
    }),
    process_cancel_backorder: call((env, ids) => {
      const pickIds = wizardPickings(env, ids ?? []);
      return validatePickings(env.withContext({ skip_backorder: true, picking_ids_not_to_backorder: pickIds }), pickIds);
    }),
  },
};

function wizardPickings(env: Env, ids: number[]): number[] {
  const fromContext = env.context.button_validate_picking_ids;
  if (Array.isArray(fromContext) && fromContext.every((x) => typeof x === 'number')) return fromContext as number[];
  const out = new Set<number>();
  for (const w of env.rows('stock.backorder.confirmation', ids)) for (const id of (w.pick_ids as number[] | undefined) ?? []) out.add(id);
  return [...out];
}

// ------------------------------------------------------------------ accounting

function moveLinesOf(env: Env, moveId: number): Row[] {
  return rowsWhere(env, 'account.move.line', 'move_id', moveId, (l) => !l.display_type || l.display_type === 'product');
}

/** Whether a journal item belongs to a customer document ('sale': out_*) or a vendor one ('purchase': in_*), as Odoo's is_sale_document / is_purchase_document with receipts. */
function documentSide(env: Env, vals: Record<string, unknown>): 'sale' | 'purchase' | undefined {
  const move = typeof vals.move_id === 'number' ? env.row('account.move', vals.move_id) : undefined;
  const type = move?.move_type ?? env.context.default_move_type;
  if (typeof type !== 'string') return undefined;
  return type.startsWith('out_') ? 'sale' : type.startsWith('in_') ? 'purchase' : undefined;
}

/**
 * A journal item's account (account.move.line `_get_computed_account`): the product's income or expense
 * account, else its journal's default (the sandbox has no journals nor product categories: the first
 * income or expense account); a journal entry's lines get none.
 */
function accountFor(env: Env, vals: Record<string, unknown>): unknown {
  const side = documentSide(env, vals);
  if (side === undefined) return undefined;
  const own = productField(env, vals.product_id, side === 'sale' ? 'property_account_income_id' : 'property_account_expense_id');
  if (typeof own === 'number') return own;
  const type = side === 'sale' ? 'income' : 'expense';
  return env.all('account.account').find((a) => a.account_type === type)?.id;
}

const MOVE_TYPES: Array<[string, string]> = [
  ['entry', 'Journal Entry'],
  ['out_invoice', 'Customer Invoice'],
  ['out_refund', 'Customer Credit Note'],
  ['in_invoice', 'Vendor Bill'],
  ['in_refund', 'Vendor Credit Note'],
  ['out_receipt', 'Sales Receipt'],
  ['in_receipt', 'Purchase Receipt'],
];

const accountMove: ModelDef = {
  name: 'account.move',
  description: 'Journal Entry',
  order: 'date desc, name desc, id desc',
  mailThread: true,
  fields: {
    name: char('Number', { readonly: true }),
    // every Odoo model has it; a draft bill shows as "Draft Vendor Bill (* 12)", as in Odoo
    display_name: computed(char('Display Name'), (env, r) => env.displayName('account.move', r.id)),
    move_type: sel('Type', MOVE_TYPES, { required: true }),
    state: sel('Status', [['draft', 'Draft'], ['posted', 'Posted'], ['cancel', 'Cancelled']], { default: constant('draft') }),
    ref: char('Reference'),
    invoice_date: date('Invoice/Bill Date'),
    invoice_date_due: date('Due Date'),
    date: date('Date', { required: true, default: (env, v) => (typeof v.invoice_date === 'string' ? v.invoice_date : env.today()) }),
    partner_id: m2o('res.partner', 'Partner'),
    currency_id: m2o('res.currency', 'Currency', { default: ifExists('res.currency', 1) }),
    invoice_line_ids: o2m('account.move.line', 'move_id', 'Invoice lines'),
    line_ids: o2m('account.move.line', 'move_id', 'Journal Items'),
    invoice_origin: char('Origin'),
    // Odoo 17/18/19 "Reversal of": readonly in the form (the Credit Note wizard sets it), written by create
    // or write through the API as any field.
    reversed_entry_id: m2o('account.move', 'Reversal of'),
    reversal_move_id: o2m('account.move', 'reversed_entry_id', 'Reversal Move'),
    purchase_id: m2o('purchase.order', 'Purchase Order'),
    narration: html('Terms and Conditions'),
    payment_state: sel('Payment Status', [['not_paid', 'Not Paid'], ['in_payment', 'In Payment'], ['paid', 'Paid'], ['partial', 'Partially Paid'], ['reversed', 'Reversed']], {
      default: constant('not_paid'),
    }),
    ...amountFields(moveLinesOf, 'Tax'),
    duplicated_ref_ids: computed(m2m('account.move', 'Duplicated Ref'), (env, r) =>
      typeof r.ref === 'string' && r.move_type !== 'entry'
        ? rowsWhere(env, 'account.move', 'ref', r.ref, (m) => m.id !== r.id && m.partner_id === r.partner_id && m.move_type === r.move_type && m.state !== 'cancel').map(
            (m) => m.id,
          )
        : [],
    ),
    ...company,
  },
  displayName: (_env, r) => (typeof r.name === 'string' && r.name !== '/' ? r.name : `Draft ${MOVE_TYPES.find(([k]) => k === r.move_type)?.[1] ?? 'Entry'} (* ${r.id})`),
  methods: {
    action_post: call((env, ids) => {
      for (const m of env.rows('account.move', ids ?? [])) {
        if (m.state !== 'draft') throw userError(`The entry ${String(m.name)} (id ${m.id}) must be in draft.`);
        if (!moveLinesOf(env, m.id).length) throw userError('You need to add a line before posting.');
        const isInvoice = m.move_type !== 'entry';
        if (isInvoice && typeof m.invoice_date !== 'string') {
          // Odoo 17/18/19 account.move._post: a customer document (out_invoice, out_refund, out_receipt)
          // without an invoice date is dated today; only a bill or vendor refund is refused.
          if (String(m.move_type).startsWith('in_')) throw userError('The Bill/Refund date is required to validate this document.');
          env.assign('account.move', m, { invoice_date: env.today() });
        }
        const d = (typeof m.invoice_date === 'string' ? m.invoice_date : (m.date as string)) ?? env.today();
        const [yyyy, mm] = d.split('-');
        const prefix = { in_invoice: 'BILL', in_refund: 'RBILL', out_invoice: 'INV', out_refund: 'RINV', entry: 'MISC' }[String(m.move_type)] ?? 'MISC';
        if (typeof m.name !== 'string' || m.name === '/') env.assign('account.move', m, { name: `${prefix}/${yyyy}/${mm}/${pad(env.store.nextSequence(`account.move.${prefix}/${yyyy}/${mm}`), 4)}` });
        env.assign('account.move', m, { date: d });
        if (typeof m.invoice_date_due !== 'string') env.assign('account.move', m, { invoice_date_due: m.invoice_date ?? false });
        env.assign('account.move', m, { state: 'posted', payment_state: 'not_paid' });
      }
      return false; // observed: action_post answers false
    }),
    button_draft: call(
      (env, ids) => {
        for (const m of env.rows('account.move', ids ?? [])) env.assign('account.move', m, { state: 'draft' });
        return null;
      },
      { returnsNone: true },
    ),
    button_cancel: call(
      (env, ids) => {
        for (const m of env.rows('account.move', ids ?? [])) {
          if (m.state === 'posted') throw userError('Only draft journal entries can be cancelled.');
          env.assign('account.move', m, { state: 'cancel' });
        }
        return null;
      },
      { returnsNone: true },
    ),
  },
};

/** Odoo's reverse_type_map (account.move `_reverse_moves`): what a move becomes when reversed. */
const REVERSED_TYPE: Record<string, string> = { entry: 'entry', out_invoice: 'out_refund', out_refund: 'entry', in_invoice: 'in_refund', in_refund: 'entry', out_receipt: 'out_refund', in_receipt: 'in_refund' };

/**
 * The Credit Note wizard (account.move.reversal, Odoo 17/18/19): `refund_moves` makes a draft reversal of
 * each posted move, as `_reverse_moves` does: the reversed type, `reversed_entry_id`, the partner,
 * currency and origin kept, the reference "Reversal of: <number>, <reason>", dated the wizard's date, and
 * each product line copied with its sale or purchase line links (sale/purchase `_copy_data_extend_business_fields`).
 * Odoo's `modify_moves` (reverse, post and reconcile, then a new draft) is not modelled.
 */
const accountMoveReversal: ModelDef = {
  name: 'account.move.reversal',
  description: 'Account Move Reversal',
  fields: {
    move_ids: m2m('account.move', 'Move', { default: (env) => (env.context.active_model === 'account.move' && Array.isArray(env.context.active_ids) ? env.context.active_ids : []) }),
    new_move_ids: m2m('account.move', 'New Move'),
    reason: char('Reason'),
    date: date('Reversal date', { default: (env) => env.today() }),
    ...company,
  },
  methods: {
    refund_moves: call((env, ids) => {
      const created: number[] = [];
      for (const w of env.rows('account.move.reversal', ids ?? [])) {
        const moves = env.rows('account.move', (w.move_ids as number[] | undefined) ?? []);
        if (!moves.length) throw userError('No journal entry to reverse.');
        if (moves.some((m) => m.state !== 'posted')) throw userError('You can only reverse posted moves.');
        const made: number[] = [];
        for (const m of moves) {
          const reason = typeof w.reason === 'string' && w.reason ? `, ${w.reason}` : '';
          const lines = moveLinesOf(env, m.id).map((l) => [
            0,
            0,
            {
              product_id: l.product_id,
              name: l.name,
              quantity: l.quantity,
              product_uom_id: l.product_uom_id,
              price_unit: l.price_unit,
              discount: l.discount,
              tax_ids: (l.tax_ids as number[] | undefined) ?? [],
              sale_line_ids: (l.sale_line_ids as number[] | undefined) ?? [],
              purchase_line_id: l.purchase_line_id,
            },
          ]);
          const [id] = env.create('account.move', [
            {
              move_type: REVERSED_TYPE[String(m.move_type)] ?? 'entry',
              reversed_entry_id: m.id,
              partner_id: m.partner_id,
              currency_id: m.currency_id,
              invoice_origin: m.invoice_origin,
              company_id: m.company_id,
              ref: `Reversal of: ${String(m.name)}${reason}`,
              date: w.date,
              invoice_date: w.date,
              invoice_line_ids: lines,
            },
          ]);
          if (id !== undefined) made.push(id);
        }
        env.assign('account.move.reversal', w, { new_move_ids: made });
        created.push(...made);
      }
      const action = { name: 'Reverse Moves', type: 'ir.actions.act_window', res_model: 'account.move' };
      return created.length === 1 ? { ...action, view_mode: 'form', res_id: created[0] } : { ...action, view_mode: 'tree,form', domain: [['id', 'in', created]] };
    }),
  },
};

const accountMoveLine: ModelDef = {
  name: 'account.move.line',
  description: 'Journal Item',
  fields: {
    move_id: m2o('account.move', 'Journal Entry', { required: true }),
    product_id: m2o('product.product', 'Product'),
    name: char('Label', { default: (env, v) => productDisplay(env, v.product_id) }),
    quantity: float('Quantity', { default: constant(1) }),
    // _get_computed_price_unit: the sales price on a customer document, the cost on a vendor one, in
    // the line's unit (product _get_tax_included_unit_price); nothing on a journal entry
    price_unit: float('Unit Price', {
      default: (env, v) => {
        const side = documentSide(env, v);
        return side === undefined ? 0 : productPrice(env, v.product_id, side === 'sale' ? 'lst_price' : 'standard_price', v.product_uom_id);
      },
    }),
    discount: float('Discount (%)'),
    product_uom_id: m2o('uom.uom', 'Unit', { default: (env, v) => productField(env, v.product_id, 'uom_id') }),
    // _get_computed_taxes: the product's customer or vendor taxes of the move's company
    tax_ids: m2m('account.tax', 'Taxes', {
      default: (env, v) => {
        const side = documentSide(env, v);
        return side === undefined ? [] : productTaxes(env, v.product_id, side === 'sale' ? 'taxes_id' : 'supplier_taxes_id', parentCompany(env, 'account.move', v.move_id));
      },
    }),
    account_id: m2o('account.account', 'Account', { default: (env, v) => accountFor(env, v) }),
    purchase_line_id: m2o('purchase.order.line', 'Purchase Order Line'),
    // The sale module's link (Odoo 17/18/19: many2many through sale_order_line_invoice_rel), set by
    // invoicing a sale order (sale.order.line._prepare_invoice_line) or by a create that passes it.
    sale_line_ids: m2m('sale.order.line', 'Sales Order Lines'),
    display_type: sel('Display Type', [['product', 'Product'], ['line_section', 'Section'], ['line_note', 'Note'], ['tax', 'Tax'], ['payment_term', 'Payment Term']], {
      default: constant('product'),
    }),
    price_subtotal: computed(float('Subtotal'), (_env, r) => round2(lineSubtotal(r))),
    ...company,
  },
};

// ------------------------------------------------------------------ mail

const mailMessageSubtype: ModelDef = {
  name: 'mail.message.subtype',
  description: 'Message subtypes',
  fields: { name: char('Message Type', { required: true }), internal: bool('Internal Only') },
};

const mailMessage: ModelDef = {
  name: 'mail.message',
  description: 'Message',
  order: 'id desc',
  fields: {
    model: char('Related Document Model'),
    res_id: int('Related Document ID'),
    body: html('Contents'),
    subject: char('Subject'),
    message_type: sel('Type', [['email', 'Incoming Email'], ['comment', 'Comment'], ['email_outgoing', 'Outgoing Email'], ['notification', 'System notification'], ['auto_comment', 'Automated Targeted Notification'], ['user_notification', 'User Specific Notification']], {
      default: constant('comment'),
    }),
    subtype_id: m2o('mail.message.subtype', 'Subtype'),
    author_id: m2o('res.partner', 'Author'),
    date: datetime('Date', { default: (env) => env.now() }),
  },
};

const mailActivityType: ModelDef = {
  name: 'mail.activity.type',
  description: 'Activity Type',
  fields: { name: char('Name', { required: true }), res_model: char('Model') },
};

const mailActivity: ModelDef = {
  name: 'mail.activity',
  description: 'Activity',
  fields: {
    res_model_id: m2o('ir.model', 'Document Model', { required: true }),
    res_model: computed(char('Related Document Model'), (env, r) => (typeof r.res_model_id === 'number' ? (env.row('ir.model', r.res_model_id)?.model ?? false) : false)),
    res_id: int('Related Document ID', { required: true }),
    activity_type_id: m2o('mail.activity.type', 'Activity Type'),
    summary: char('Summary'),
    note: html('Note'),
    date_deadline: date('Due Date', { required: true, default: (env) => env.today() }),
    user_id: m2o('res.users', 'Assigned to', { default: (env) => (env.row('res.users', env.uid) ? env.uid : false) }),
  },
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** `message_post` of mail.thread: exactly one record, plain-text body escaped and wrapped in <p>. */
export function messagePost(env: Env, model: string, ids: number[] | null, p: Record<string, unknown>): number {
  const list = ids ?? [];
  if (list.length !== 1) throw valueError(`Expected singleton: ${model}(${list.join(', ')}${list.length === 1 ? ',' : ''})`);
  const rec = env.rows(model, list)[0]!;
  const body = typeof p.body === 'string' ? p.body : p.body === undefined || p.body === false ? '' : String(p.body);
  const html = p.body_is_html ? body : body ? `<p>${escapeHtml(body).replace(/\n/g, '<br>')}</p>` : '';
  let subtype: number | false = false;
  if (typeof p.subtype_xmlid === 'string') {
    const x = findXmlid(env, p.subtype_xmlid);
    if (!x) throw valueError(`External ID not found in the system: ${p.subtype_xmlid}`);
    subtype = x.res_id as number;
  } else if (typeof p.subtype_id === 'number') subtype = p.subtype_id;
  else {
    const x = findXmlid(env, 'mail.mt_note');
    subtype = x ? (x.res_id as number) : false;
  }
  const messageType = typeof p.message_type === 'string' ? p.message_type : 'notification';
  if (!mailMessage.fields.message_type!.selection!.some(([k]) => k === messageType)) throw valueError(`Wrong value for mail.message.message_type: ${pyRepr(messageType)}`);
  const author = env.row('res.users', env.uid)?.partner_id;
  // Only a mail.message is written, never the record (its write_date stays): Odoo's message_post
  // writes to the record only to set message_main_attachment_id when attachments come with the note
  // (mail.thread.main.attachment _message_post_after_hook), and the sandbox takes none.
  return env.createOwned('mail.message', [
    {
      model,
      res_id: rec.id,
      body: html,
      subject: typeof p.subject === 'string' ? p.subject : false,
      message_type: messageType,
      subtype_id: subtype,
      author_id: typeof author === 'number' ? author : false,
    },
  ])[0]!;
}

/** The caller, when it has a res.users row. */
const currentUser = (env: Env): unknown => env.userId();

/**
 * The columns Odoo's ORM gives every model (BaseModel `_log_access`, LOG_ACCESS_COLUMNS): filled by
 * create with the transaction's time and user, kept current by Env.write / Env.assign (Env.touch).
 */
const LOG_ACCESS_FIELDS: Record<string, FieldDef> = {
  create_uid: m2o('res.users', 'Created by', { readonly: true, default: currentUser }),
  create_date: datetime('Created on', { readonly: true, default: (env) => env.now() }),
  write_uid: m2o('res.users', 'Last Updated by', { readonly: true, default: currentUser }),
  write_date: datetime('Last Updated on', { readonly: true, default: (env) => env.now() }),
};

/** The model with Odoo's log access columns after its own fields. */
function withLogAccess(def: ModelDef): ModelDef {
  return { ...def, fields: { ...def.fields, ...LOG_ACCESS_FIELDS } };
}

export const MODELS: ModelDef[] = [
  resCompany,
  resCurrency,
  resCountry,
  resPartner,
  resUsers,
  irModel,
  irModelData,
  irConfigParameter,
  uomCategory,
  uomUom,
  productProduct,
  accountTax,
  accountAccount,
  saleOrder,
  saleOrderLine,
  purchaseOrder,
  purchaseOrderLine,
  stockLocation,
  stockWarehouse,
  stockPickingType,
  stockPicking,
  stockMove,
  stockMoveLine,
  stockLot,
  backorderWizard,
  accountMove,
  accountMoveReversal,
  accountMoveLine,
  mailMessageSubtype,
  mailMessage,
  mailActivityType,
  mailActivity,
].map(withLogAccess);
