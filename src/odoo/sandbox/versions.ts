/**
 * What the sandbox changes per Odoo major version. models.ts holds the 18.0 models, as probed on a
 * real server (odoo-api.md); 17 and 19 differ from them only where odoo-api.md's version notes say,
 * which come from Odoo's documentation, not from a probe:
 * - 19: `sale.order.line.product_uom` is `product_uom_id`; the JSON-2 API exists (JSON-RPC and
 *   XML-RPC are deprecated but still answer).
 * - 17: a stocked product is `type = 'product'` (no `is_storable` flag, no `combo` type);
 *   stock.move / stock.move.line `quantity` and `picked` are as in 18.
 * 16 is not modelled: there stock.move has no `quantity` and nothing is `picked`, which changes how
 * a receipt is validated, not just a name.
 *
 * The sandbox's own table, deliberately not derived from the client's `fieldNamesFor`: the tests
 * check that the two agree.
 */
import type { FieldDef, ModelDef } from './engine';

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
}

interface VersionDiff {
  fields: FieldChange[];
  /** Seed values written with 18.0 names and values → this version's (after the renames). */
  seedValues?: (model: string, vals: Record<string, unknown>) => Record<string, unknown>;
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
  19: { fields: [{ model: 'sale.order.line', field: 'product_uom', renameTo: 'product_uom_id' }] },
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
  const { fields: changes } = diffFor(major);
  if (!changes.length) return [...models];
  return models.map((def) => {
    const mine = changes.filter((c) => c.model === def.name);
    if (!mine.length) return def;
    const fields: Record<string, FieldDef> = {};
    // Rebuilt in the same order, so fields_get and read() of all fields list them as 18 does.
    for (const [name, f] of Object.entries(def.fields)) {
      const c = mine.find((x) => x.field === name);
      if (c?.drop) continue;
      fields[c?.renameTo ?? name] = c?.selection ? { ...f, selection: c.selection } : f;
    }
    return { ...def, fields };
  });
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
