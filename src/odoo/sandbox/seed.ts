import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Env, type SandboxUser, type Store } from './engine';
import { PyException } from './faults';
import { seedForVersion, seedValuesForVersion } from './versions';

const recordSchema = z.record(z.string(), z.unknown());

/** Upper bound of generated benchmark products: beyond it the seed would no longer load in a blink. */
export const MAX_BENCH_PRODUCTS = 100_000;

export const sandboxSeedSchema = z.object({
  server_version: z.string().default('18.0-20250702'),
  modules: z.array(z.string()).default([]),
  bench_products: z.number().int().min(0).max(MAX_BENCH_PRODUCTS).default(0),
  sequences: z.record(z.string(), z.number().int().positive()).default({}),
  records: z.record(z.string(), z.array(recordSchema)).default({}),
  xmlids: z.record(z.string(), z.tuple([z.string(), z.number().int()])).default({}),
  // [model, method, ids] or [model, method, ids, "YYYY-MM-DD HH:MM:SS"]: the call as if made at that time.
  calls: z.array(z.union([z.tuple([z.string(), z.string(), z.array(z.number().int())]), z.tuple([z.string(), z.string(), z.array(z.number().int()), z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)])])).default([]),
});

export type SandboxSeed = z.input<typeof sandboxSeedSchema>;
export type ResolvedSeed = z.output<typeof sandboxSeedSchema>;

/** The bundled seed.yaml, from src/ (tests) or next to the compiled file. */
export function defaultSeedPath(): string {
  const local = join(__dirname, 'seed.yaml');
  if (existsSync(local)) return local;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, 'src', 'odoo', 'sandbox', 'seed.yaml');
}

/** A seed from an object, a YAML file path, or YAML text. */
export function resolveSeed(seed?: string | SandboxSeed): ResolvedSeed {
  let raw: unknown;
  if (seed === undefined) raw = parseYaml(readFileSync(defaultSeedPath(), 'utf8'));
  else if (typeof seed === 'string') {
    const looksLikePath = !seed.includes('\n') && /\.ya?ml$/i.test(seed.trim());
    raw = parseYaml(looksLikePath ? readFileSync(seed.trim(), 'utf8') : seed);
  } else raw = seed;
  const parsed = sandboxSeedSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`invalid sandbox seed at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * `count` plain storable products BENCH-0001, BENCH-0002… (Internal Reference; four digits, more
 * past 9999), for benchmarks that order many distinct items without a large seed file.
 */
export function benchProductRows(count: number): Array<Record<string, unknown>> {
  if (!Number.isInteger(count) || count < 0 || count > MAX_BENCH_PRODUCTS) {
    throw new Error(`invalid sandbox seed: bench products must be an integer from 0 to ${MAX_BENCH_PRODUCTS}, not ${String(count)}`);
  }
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(4, '0');
    // no barcode: the barcode constraint scans every product, which would make loading quadratic
    rows.push({ name: `Benchmark Item ${n}`, default_code: `BENCH-${n}`, lst_price: 10, standard_price: 6, is_storable: true });
  }
  return rows;
}

/**
 * Loads records, xmlids and calls into the store. The seed is written with 18.0 names; they become
 * `major`'s names here, so one seed serves every version.
 */
export function loadSeed(store: Store, seed: ResolvedSeed, admin: SandboxUser, major = 18): void {
  const env = new Env(store, admin, { __sandbox_model: '' });
  // ir.model: one row per registered model
  for (const name of store.models.keys()) {
    env.create('ir.model', [{ model: name, name: store.models.get(name)!.description }]);
  }
  for (const [key, n] of Object.entries(seed.sequences)) store.state.sequences[key] = n;
  // Bench products go after the seed's own products, so the ids the seed fixes are unaffected.
  const withBench =
    seed.bench_products !== 0 ? { ...seed.records, 'product.product': [...(seed.records['product.product'] ?? []), ...benchProductRows(seed.bench_products)] } : seed.records;
  const { records, xmlids } = seedForVersion(withBench, seed.xmlids, major);
  for (const [model, rows] of Object.entries(records)) {
    if (!store.models.has(model)) throw new Error(`invalid sandbox seed: unknown model ${model}`);
    for (const vals of rows) {
      const { id, ...rest } = vals;
      if (model === 'res.users') {
        // credentials and the admin flag are sandbox settings, not fields
        delete rest.password;
        delete rest.api_key;
        delete rest.admin;
      }
      if (id !== undefined) {
        if (typeof id !== 'number' || id < store.state.nextId[model]!) throw new Error(`invalid sandbox seed: ${model} id ${String(id)} must be a growing integer`);
        store.state.nextId[model] = id;
      }
      try {
        env.withContext({ __sandbox_model: model }).create(model, [seedValuesForVersion(store.models, model, rest, major)]);
      } catch (err) {
        const msg = err instanceof PyException ? `${err.pyName}: ${err.message}` : String(err);
        throw new Error(`invalid sandbox seed: ${model} ${id !== undefined ? `id ${String(id)}` : JSON.stringify(rest).slice(0, 60)}: ${msg}`);
      }
    }
  }
  for (const [xmlid, [model, resId]] of Object.entries(xmlids)) {
    const dot = xmlid.indexOf('.');
    if (dot <= 0) throw new Error(`invalid sandbox seed: xmlid ${xmlid} needs module.name`);
    env.create('ir.model.data', [{ module: xmlid.slice(0, dot), name: xmlid.slice(dot + 1), model, res_id: resId }]);
  }
  for (const [model, method, ids, at] of seed.calls) {
    const def = store.models.get(model)?.methods?.[method];
    if (!def) throw new Error(`invalid sandbox seed: no method ${model}.${method}`);
    def.impl(env.withContext({ __sandbox_model: model, ...(at !== undefined ? { __sandbox_now: at } : {}) }), ids, {});
  }
}
