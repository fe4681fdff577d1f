/**
 * Protocol-independent dispatch of the sandbox: authentication, model/method lookup, argument
 * binding (positional as execute_kw passes them, or named as JSON-2 does), one transaction per call.
 */
import { Env, type MethodDef, type SandboxUser, type Store } from './engine';
import {
  accessDenied,
  accessError,
  attributeError,
  PyException,
  recordMissing,
  typeError,
  unknownDatabase,
  userError,
} from './faults';
import { messagePost } from './models';

export interface CallResult {
  value: unknown;
  /** The Python method returned None. */
  none: boolean;
}

export interface SandboxVersion {
  server_version: string;
  server_version_info: Array<number | string>;
  server_serie: string;
  protocol_version: number;
}

const GENERIC: Record<string, MethodDef> = {
  create: {
    model: true,
    params: ['vals_list'],
    // the values were decoded from this request alone: create may complete them in place
    impl: (env, _ids, p) => {
      const v = p.vals_list;
      if (Array.isArray(v)) return env.createOwned(currentModel(env), v as Record<string, unknown>[]);
      const [id] = env.createOwned(currentModel(env), [v as Record<string, unknown>]);
      return id;
    },
  },
  write: { params: ['vals'], impl: (env, ids, p) => env.write(currentModel(env), ids ?? [], (p.vals ?? {}) as Record<string, unknown>) },
  unlink: { impl: (env, ids) => env.unlink(currentModel(env), ids ?? []) },
  read: {
    params: ['fields', 'load'],
    impl: (env, ids, p) => env.read(currentModel(env), ids ?? [], p.fields as string[] | undefined, 'load' in p ? p.load : '_classic_read'),
  },
  // The web module's save (17.0+): create when called without ids, else write; then web_read.
  web_save: {
    params: ['vals', 'specification', 'next_id'],
    impl: (env, ids, p) => {
      const model = currentModel(env);
      const missing = ['vals', 'specification'].filter((k) => !(k in p));
      if (missing.length) {
        throw typeError(`${model}.web_save() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.map((k) => `'${k}'`).join(' and ')}`);
      }
      let target = ids ?? [];
      const vals = p.vals as Record<string, unknown> | Record<string, unknown>[];
      if (target.length) env.write(model, target, vals as Record<string, unknown>);
      else target = env.create(model, Array.isArray(vals) ? vals : [vals]);
      if (typeof p.next_id === 'number' && p.next_id) target = [p.next_id];
      return env.webRead(model, target, p.specification);
    },
  },
  web_read: {
    params: ['specification'],
    impl: (env, ids, p) => env.webRead(currentModel(env), ids ?? [], p.specification),
  },
  search: {
    model: true,
    params: ['domain', 'offset', 'limit', 'order'],
    impl: (env, _ids, p) => env.search(currentModel(env), p.domain ?? [], p),
  },
  search_read: {
    model: true,
    params: ['domain', 'fields', 'offset', 'limit', 'order'],
    impl: (env, _ids, p) => {
      const model = currentModel(env);
      env.resolveFields(model, p.fields as string[] | undefined); // unknown fields fail before the search
      const ids = env.search(model, p.domain ?? [], p);
      return env.read(model, ids, p.fields as string[] | undefined);
    },
  },
  search_count: {
    model: true,
    params: ['domain', 'limit'],
    impl: (env, _ids, p) => env.search(currentModel(env), p.domain ?? [], { limit: p.limit }).length,
  },
  name_search: {
    model: true,
    params: ['name', 'domain', 'operator', 'limit'],
    impl: (env, _ids, p) => {
      const model = currentModel(env);
      const name = typeof p.name === 'string' ? p.name : '';
      const op = typeof p.operator === 'string' ? p.operator : 'ilike';
      const ids = env.search(model, p.domain ?? p.args ?? [], { limit: typeof p.limit === 'number' ? p.limit : 100 });
      const pred = name ? env.compileDomain(model, [['display_name' in env.fields(model) ? 'display_name' : 'name', op, name]]) : () => true;
      return ids
        .map((id) => env.row(model, id)!)
        .filter(pred)
        .map((r) => [r.id, env.displayName(model, r.id)]);
    },
  },
  fields_get: {
    model: true,
    params: ['allfields', 'attributes'],
    impl: (env, _ids, p) => {
      const model = currentModel(env);
      const attrs = Array.isArray(p.attributes) ? (p.attributes as string[]) : undefined;
      const only = Array.isArray(p.allfields) && p.allfields.length ? new Set(p.allfields as string[]) : undefined;
      const out: Record<string, Record<string, unknown>> = {};
      const all = { id: env.field(model, 'id')!, ...env.fields(model) };
      for (const [name, f] of Object.entries(all)) {
        if (only && !only.has(name)) continue;
        const desc: Record<string, unknown> = {
          type: f.type,
          string: f.string,
          required: Boolean(f.required),
          readonly: Boolean(f.readonly || f.compute),
          store: !f.compute,
        };
        if (f.relation) desc.relation = f.relation;
        if (f.selection) desc.selection = f.selection;
        if (attrs) for (const k of Object.keys(desc)) if (!attrs.includes(k)) delete desc[k];
        out[name] = desc;
      }
      return out;
    },
  },
};

const MESSAGE_POST: MethodDef = { anyKwargs: true, impl: (env, ids, p) => messagePost(env, currentModel(env), ids, p) };

const MODEL_KEY = '__sandbox_model';
function currentModel(env: Env): string {
  return env.context[MODEL_KEY] as string;
}

export interface Credentials {
  db: string;
  users: SandboxUser[];
}

export class Dispatcher {
  constructor(
    readonly store: Store,
    readonly creds: Credentials,
    readonly version: SandboxVersion,
  ) {}

  private checkDb(db: unknown): void {
    if (db !== this.creds.db) throw unknownDatabase(String(db));
  }

  private userById(uid: unknown): SandboxUser | undefined {
    return this.creds.users.find((u) => u.id === uid && this.store.table('res.users').get(u.id)?.active !== false);
  }

  authenticate(db: unknown, login: unknown, password: unknown): number | false {
    this.checkDb(db);
    for (const u of this.creds.users) {
      const row = this.store.table('res.users').get(u.id);
      if (!row || row.active === false || row.login !== login) continue;
      if (typeof password === 'string' && password !== '' && (password === u.password || password === u.apiKey)) return u.id;
    }
    return false;
  }

  /** `object.execute_kw(db, uid, password, model, method, args, kwargs)`. */
  executeKw(params: unknown[]): CallResult {
    const [db, uid, password, model, method, args, kwargs] = params;
    this.checkDb(db);
    const user = this.userById(uid);
    if (!user) throw recordMissing('res.users', [Number(uid)], Number(uid));
    if (typeof password !== 'string' || password === '' || (password !== user.password && password !== user.apiKey)) throw accessDenied();
    if (typeof model !== 'string' || typeof method !== 'string') throw typeError('execute_kw() model and method must be strings');
    const a = args === undefined ? [] : args;
    if (!Array.isArray(a)) throw typeError('execute_kw() args must be a list');
    const kw = kwargs === undefined || kwargs === null ? {} : kwargs;
    if (typeof kw !== 'object' || Array.isArray(kw)) throw typeError('execute_kw() kwargs must be a dict');
    return this.call(user, model, method, { positional: a, kwargs: kw as Record<string, unknown> });
  }

  /** `object.execute(db, uid, password, model, method, *args)`. */
  execute(params: unknown[]): CallResult {
    const [db, uid, password, model, method, ...args] = params;
    return this.executeKw([db, uid, password, model, method, args, {}]);
  }

  /** JSON-2: the bearer key identifies the user; the body holds named parameters. */
  executeJson2(apiKey: string | undefined, db: string | undefined, model: string, method: string, body: Record<string, unknown>): CallResult {
    if (db !== undefined && db !== '') this.checkDb(db);
    const user = this.creds.users.find((u) => apiKey !== undefined && u.apiKey !== undefined && u.apiKey === apiKey);
    if (!user || !this.userById(user.id)) throw new PyException('werkzeug.exceptions.Unauthorized', 'Invalid apikey');
    const { ids, ...named } = body;
    return this.call(user, model, method, { named, ids });
  }

  private call(
    user: SandboxUser,
    model: string,
    method: string,
    input: { positional: unknown[]; kwargs: Record<string, unknown> } | { named: Record<string, unknown>; ids: unknown },
  ): CallResult {
    if (!this.store.models.has(model)) throw userError(`Object ${model} doesn't exist`);
    if (method.startsWith('_')) throw accessError(`Private methods (such as '${model}.${method}') cannot be called remotely.`);
    const def = this.store.models.get(model)!;
    const m = def.methods?.[method] ?? GENERIC[method] ?? (def.mailThread && method === 'message_post' ? MESSAGE_POST : undefined);
    if (!m) throw attributeError(`The method '${model}.${method}' does not exist`);

    let ids: number[] | null = null;
    let params: Record<string, unknown>;
    let context: Record<string, unknown> = {};
    const names = m.params ?? [];
    if ('positional' in input) {
      // The caller's kwargs are read, never changed: `context` is skipped rather than deleted from a copy.
      const kwargs = input.kwargs;
      if (kwargs.context !== undefined && kwargs.context !== null) {
        if (typeof kwargs.context !== 'object' || Array.isArray(kwargs.context)) throw typeError('context must be a dict');
        context = kwargs.context as Record<string, unknown>;
      }
      const positional = input.positional;
      let first = 0;
      if (!m.model) {
        if (positional.length === 0) throw typeError(`${method}() missing 1 required positional argument: 'self'`);
        ids = normalizeIds(positional[0], model);
        first = 1;
      }
      const given = positional.length - first;
      if (given > names.length) {
        throw typeError(`${model}.${method}() takes ${names.length + 1} positional arguments but ${given + 1} were given`);
      }
      params = {};
      for (let i = 0; i < given; i++) params[names[i]!] = positional[first + i];
      for (const k of Object.keys(kwargs)) {
        if (k === 'context') continue;
        if (k in params) throw typeError(`${model}.${method}() got multiple values for argument '${k}'`);
        if (!m.anyKwargs && !names.includes(k)) throw typeError(`${model}.${method}() got an unexpected keyword argument '${k}'`);
        params[k] = kwargs[k];
      }
    } else {
      const named = { ...input.named };
      if (named.context !== undefined && named.context !== null && typeof named.context === 'object' && !Array.isArray(named.context)) {
        context = named.context as Record<string, unknown>;
      }
      delete named.context;
      if (!m.model) ids = input.ids === undefined ? [] : normalizeIds(input.ids, model);
      for (const k of Object.keys(named)) {
        if (!m.anyKwargs && !names.includes(k)) throw typeError(`${model}.${method}() got an unexpected keyword argument '${k}'`);
      }
      params = named;
    }

    // copied, then the model set: a spread with a computed key is a slow path of V8, taken once per call
    const envContext: Record<string, unknown> = { ...context };
    envContext[MODEL_KEY] = model;
    const env = new Env(this.store, user, envContext);
    const value = this.store.transaction(() => m.impl(env, ids, params));
    return { value: value === undefined ? null : value, none: Boolean(m.returnsNone) || value === null || value === undefined };
  }
}

function normalizeIds(v: unknown, model: string): number[] {
  if (typeof v === 'number' && Number.isInteger(v)) return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
  if (v === false || v === null) return [];
  throw typeError(`${model}: record ids must be an int or a list of ints`);
}
