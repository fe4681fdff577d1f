/**
 * What the sandbox changes per Odoo major version. models.ts holds the 18.0 models, as probed on a
 * real server (odoo-api.md); 17 and 19 differ from them only where odoo-api.md's version notes (from
 * Odoo's documentation) or Odoo 19's published source say, not from a probe:
 * - 19: `sale.order.line.product_uom` and `purchase.order.line.product_uom` are `product_uom_id`;
 *   the lines' taxes, `sale.order.line.tax_id` and `purchase.order.line.taxes_id`, are `tax_ids`
 *   (sale_order_line.py `_compute_tax_ids`; purchase_order_line.py `_compute_tax_id` sets `tax_ids`);
 *   products have no purchase unit `uom_po_id` (product_template.py has `uom_id` and packagings
 *   `uom_ids`; a vendor's unit is its pricelist line's, product.supplierinfo `product_uom_id`), so a
 *   purchase line defaults to the product's `uom_id` (models.ts purchaseUnit). OCA OpenUpgrade's 19.0
 *   analyses of sale, purchase and product list the same renames and the drop. The JSON-2 API
 *   exists (JSON-RPC and XML-RPC are deprecated but still answer). Units of measure
 *   have no categories (no `uom.category`, no `category_id`, no `uom_type`): a unit names the unit it
 *   is made of (`relative_uom_id`, "Reference Unit") and how many of it it contains
 *   (`relative_factor`, "Contains"); `factor` ("Absolute Quantity") is the product of the
 *   relative factors up to the root unit, so its meaning is 18's inverted (Dozens: 12 in 19, 1/12 in
 *   18); `parent_path` ("1/2/") names the chain. Units convert when they share the root. As published
 *   in Odoo 19's uom/models/uom_uom.py and purchase/models/purchase_order_line.py.
 * - 17: a stocked product is `type = 'product'` (no `is_storable` flag, no `combo` type);
 *   stock.move / stock.move.line `quantity` and `picked` are as in 18.
 * 16 is not modelled: there stock.move has no `quantity` and nothing is `picked`, which changes how
 * a receipt is validated, not just a name.
 *
 * The sandbox's own table, deliberately not derived from the client's `fieldNamesFor`: the tests
 * check that the two agree.
 */
import type { Env, FieldDef, ModelDef, Row } from './engine';
import { userError } from './faults';

/** Major versions the sandbox can behave as. */
export const SANDBOX_MAJORS: readonly number[] = [17, 18, 19];

interface FieldChange {
  model: string;
  field: string;
  /** The field's name in this version. */
  renameTo?: string;
  /** The field does not exist in this version. */
  drop?: true;
  selection?: Array<[string, string]>;
  /** The field's definition in this version, where more than the name changed. */
  replace?: FieldDef;
}

interface ModelChange {
  /** Fields this version has and 18 has not, listed after 18's. */
  add?: Record<string, FieldDef>;
  order?: string;
  constrain?: ModelDef['constrain'];
}

type SeedRecords = Record<string, Array<Record<string, unknown>>>;

interface VersionDiff {
  fields: FieldChange[];
  models?: Record<string, ModelChange>;
  /** Models this version does not have: not registered, their seed records and xmlids left out. */
  dropModels?: string[];
  /** Seed values written with 18.0 names and values → this version's (after the renames). */
  seedValues?: (model: string, vals: Record<string, unknown>) => Record<string, unknown>;
  /**
   * The seed's records (18.0 names) where one record's values depend on others' (a 19 unit's
   * reference is its 18 category's reference unit); runs before the per-record translation.
   */
  seedRecords?: (records: Readonly<SeedRecords>) => SeedRecords;
}

// ------------------------------------------------------------------ 19: units of measure as a tree

/** The units from `row` up to its root, `row` first; a cycle stops the walk rather than looping. */
function uomChain(env: Env, row: Row): Row[] {
  const chain: Row[] = [row];
  const seen = new Set<number>([row.id]);
  let cur = row;
  while (typeof cur.relative_uom_id === 'number' && !seen.has(cur.relative_uom_id)) {
    const next = env.row('uom.uom', cur.relative_uom_id);
    if (!next) break;
    seen.add(next.id);
    chain.push(next);
    cur = next;
  }
  return chain;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const UOM_19: ModelChange = {
  add: {
    relative_factor: { type: 'float', string: 'Contains', required: true, default: () => 1 },
    relative_uom_id: { type: 'many2one', relation: 'uom.uom', string: 'Reference Unit' },
    // Stored in Odoo (_parent_store); derived here, which reads and searches the same.
    parent_path: {
      type: 'char',
      string: 'Parent Path',
      readonly: true,
      compute: (env, row) => `${uomChain(env, row).reverse().map((r) => r.id).join('/')}/`,
    },
  },
  // Odoo's order is `sequence, relative_uom_id, id`; the sandbox has no sequence
  order: 'relative_uom_id, id',
  constrain: (_env, rows) => {
    for (const r of rows) {
      if (typeof r.relative_uom_id !== 'number' && num(r.relative_factor) !== 1) throw userError('Reference unit of measure is missing.');
    }
  },
};

/** `factor` in 19: the product of the relative factors up to the root (a stored compute in Odoo). */
const UOM_FACTOR_19: FieldDef = {
  type: 'float',
  string: 'Absolute Quantity',
  readonly: true,
  compute: (env, row) => uomChain(env, row).reduce((f, r) => f * num(r.relative_factor), 1),
};

/**
 * 18's units (category, uom_type, factor per reference unit) as 19's tree: every unit of a category
 * hangs from the category's reference unit and contains `reference.factor / unit.factor` of it.
 */
function uomSeedAsTree(records: Readonly<SeedRecords>): SeedRecords {
  const units = records['uom.uom'] ?? [];
  const reference = new Map<unknown, Record<string, unknown>>();
  for (const u of units) if (u.uom_type === 'reference' || u.uom_type === undefined) reference.set(u.category_id, u);
  const out: SeedRecords = {};
  for (const [model, rows] of Object.entries(records)) {
    if (model !== 'uom.uom') {
      out[model] = rows;
      continue;
    }
    out[model] = rows.map((u) => {
      if (!('category_id' in u)) return u; // written as 19 has it already
      const { category_id: category, uom_type: type, factor, ...rest } = u;
      const ref = reference.get(category);
      if (!ref) throw new Error(`invalid sandbox seed: uom.uom ${String(u.id ?? u.name)}: its category ${String(category)} has no reference unit`);
      if (ref === u || type === 'reference') return rest;
      return { ...rest, relative_uom_id: ref.id, relative_factor: num(ref.factor ?? 1) / (num(factor) || 1) };
    });
  }
  return out;
}

const DIFFS: Record<number, VersionDiff> = {
  17: {
    fields: [
      { model: 'product.product', field: 'is_storable', drop: true },
      {
        model: 'product.product',
        field: 'type',
        selection: [
          ['consu', 'Consumable'],
          ['service', 'Service'],
          ['product', 'Storable Product'],
        ],
      },
    ],
    seedValues: (model, vals) => {
      if (model !== 'product.product' || !('is_storable' in vals)) return vals;
      const { is_storable: storable, ...rest } = vals;
      return storable === true && (rest.type === undefined || rest.type === 'consu') ? { ...rest, type: 'product' } : rest;
    },
  },
  18: { fields: [] },
  19: {
    fields: [
      { model: 'sale.order.line', field: 'product_uom', renameTo: 'product_uom_id' },
      { model: 'purchase.order.line', field: 'product_uom', renameTo: 'product_uom_id' },
      { model: 'sale.order.line', field: 'tax_id', renameTo: 'tax_ids' },
      { model: 'purchase.order.line', field: 'taxes_id', renameTo: 'tax_ids' },
      { model: 'product.product', field: 'uom_po_id', drop: true },
      { model: 'uom.uom', field: 'category_id', drop: true },
      { model: 'uom.uom', field: 'uom_type', drop: true },
      { model: 'uom.uom', field: 'factor', replace: UOM_FACTOR_19 },
    ],
    models: { 'uom.uom': UOM_19 },
    dropModels: ['uom.category'],
    // 18's purchase unit has no place on a 19 product: left out (the seed's purchase lines name their unit)
    seedValues: (model, vals) => {
      if (model !== 'product.product' || !('uom_po_id' in vals)) return vals;
      const rest = { ...vals };
      delete rest.uom_po_id;
      return rest;
    },
    seedRecords: uomSeedAsTree,
  },
};

/** The major version of a `server_version` string ("18.0-20250702", "saas~17.2"); 18 when there is none. */
export function sandboxMajor(serverVersion: string): { major: number; minor: number } {
  const m = /(\d+)\.(\d+)/.exec(serverVersion);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : { major: 18, minor: 0 };
}

function diffFor(major: number): VersionDiff {
  const diff = DIFFS[major];
  if (!diff) throw new Error(`the Odoo sandbox models Odoo ${SANDBOX_MAJORS.join(', ')}, not ${major}`);
  return diff;
}

/** The 18.0 models as `major` has them (new objects; the 18.0 definitions are left untouched). */
export function modelsForVersion(models: readonly ModelDef[], major: number): ModelDef[] {
  const { fields: changes, models: modelChanges = {}, dropModels = [] } = diffFor(major);
  if (!changes.length && !dropModels.length && !Object.keys(modelChanges).length) return [...models];
  const out = models
    .filter((def) => !dropModels.includes(def.name))
    .map((def) => {
      const mine = changes.filter((c) => c.model === def.name);
      const modelChange = modelChanges[def.name];
      if (!mine.length && !modelChange) return def;
      const fields: Record<string, FieldDef> = {};
      // Rebuilt in the same order, so fields_get and read() of all fields list them as 18 does.
      for (const [name, f] of Object.entries(def.fields)) {
        const c = mine.find((x) => x.field === name);
        if (c?.drop) continue;
        fields[c?.renameTo ?? name] = c?.replace ?? (c?.selection ? { ...f, selection: c.selection } : f);
      }
      Object.assign(fields, modelChange?.add);
      const changed: ModelDef = { ...def, fields };
      if (modelChange?.order !== undefined) changed.order = modelChange.order;
      if (modelChange?.constrain) changed.constrain = modelChange.constrain;
      return changed;
    });
  for (const def of out) {
    for (const [name, f] of Object.entries(def.fields)) {
      if (f.relation && dropModels.includes(f.relation)) throw new Error(`Odoo ${major} has no ${f.relation}, yet ${def.name}.${name} points to it`);
    }
  }
  return out;
}

/**
 * The seed's records and xmlids as `major` has them: models it lacks left out, records that depend
 * on one another rewritten ({@link VersionDiff.seedRecords}). Field names per record are
 * {@link seedValuesForVersion}'s.
 */
export function seedForVersion(
  records: Readonly<SeedRecords>,
  xmlids: Readonly<Record<string, [string, number]>>,
  major: number,
): { records: SeedRecords; xmlids: Record<string, [string, number]> } {
  const { dropModels = [], seedRecords } = diffFor(major);
  if (!dropModels.length && !seedRecords) return { records: { ...records }, xmlids: { ...xmlids } };
  const translated = seedRecords ? seedRecords(records) : { ...records };
  for (const model of dropModels) delete translated[model];
  return { records: translated, xmlids: Object.fromEntries(Object.entries(xmlids).filter(([, [model]]) => !dropModels.includes(model))) };
}

/**
 * Seed values (18.0 names, as seed.yaml is written) → `major`'s names, through x2many commands
 * (`order_line: [[0, 0, {...}]]`). Names that already are this version's pass unchanged.
 */
export function seedValuesForVersion(models: ReadonlyMap<string, ModelDef>, model: string, vals: Record<string, unknown>, major: number): Record<string, unknown> {
  const diff = diffFor(major);
  if (!diff.fields.length) return vals;
  const def = models.get(model);
  let out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vals)) {
    const rename = diff.fields.find((c) => c.model === model && c.field === k)?.renameTo;
    const f = def?.fields[k];
    const relation = f && (f.type === 'one2many' || f.type === 'many2many') ? f.relation : undefined;
    out[rename ?? k] = relation && Array.isArray(v) ? v.map((cmd) => translateCommand(models, relation, cmd, major)) : v;
  }
  if (diff.seedValues) out = diff.seedValues(model, out);
  return out;
}

function translateCommand(models: ReadonlyMap<string, ModelDef>, model: string, cmd: unknown, major: number): unknown {
  if (!Array.isArray(cmd) || (cmd[0] !== 0 && cmd[0] !== 1)) return cmd;
  const vals: unknown = cmd[2];
  if (!vals || typeof vals !== 'object' || Array.isArray(vals)) return cmd;
  return [cmd[0], cmd[1], seedValuesForVersion(models, model, vals as Record<string, unknown>, major)];
}

/** Whether `major` serves the JSON-2 API (`/json/2/...`). */
export function servesJson2(major: number): boolean {
  return major >= 19;
}
