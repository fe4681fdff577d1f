import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Env, type SandboxUser, type Store } from './engine';
import { PyException } from './faults';

const recordSchema = z.record(z.string(), z.unknown());

export const sandboxSeedSchema = z.object({
  server_version: z.string().default('18.0-20250702'),
  modules: z.array(z.string()).default([]),
  sequences: z.record(z.string(), z.number().int().positive()).default({}),
  records: z.record(z.string(), z.array(recordSchema)).default({}),
  xmlids: z.record(z.string(), z.tuple([z.string(), z.number().int()])).default({}),
  calls: z.array(z.tuple([z.string(), z.string(), z.array(z.number().int())])).default([]),
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

/** Loads records, xmlids and calls into the store; returns the seed's users (from res.users rows). */
export function loadSeed(store: Store, seed: ResolvedSeed, admin: SandboxUser): void {
  const env = new Env(store, admin, { __sandbox_model: '' });
  // ir.model: one row per registered model
  for (const name of store.models.keys()) {
    env.create('ir.model', [{ model: name, name: store.models.get(name)!.description }]);
  }
  for (const [key, n] of Object.entries(seed.sequences)) store.state.sequences[key] = n;
  for (const [model, rows] of Object.entries(seed.records)) {
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
        env.withContext({ __sandbox_model: model }).create(model, [rest]);
      } catch (err) {
        const msg = err instanceof PyException ? `${err.pyName}: ${err.message}` : String(err);
        throw new Error(`invalid sandbox seed: ${model} ${id !== undefined ? `id ${String(id)}` : JSON.stringify(rest).slice(0, 60)}: ${msg}`);
      }
    }
  }
  for (const [xmlid, [model, resId]] of Object.entries(seed.xmlids)) {
    const dot = xmlid.indexOf('.');
    if (dot <= 0) throw new Error(`invalid sandbox seed: xmlid ${xmlid} needs module.name`);
    env.create('ir.model.data', [{ module: xmlid.slice(0, dot), name: xmlid.slice(dot + 1), model, res_id: resId }]);
  }
  for (const [model, method, ids] of seed.calls) {
    const def = store.models.get(model)?.methods?.[method];
    if (!def) throw new Error(`invalid sandbox seed: no method ${model}.${method}`);
    def.impl(env.withContext({ __sandbox_model: model }), ids, {});
  }
}
