/**
 * The Odoo sandbox: an HTTP server answering JSON-2, JSON-RPC and XML-RPC for the models the
 * posters use, with in-memory data from a YAML seed and fault switches for tests.
 *
 *   const sb = await startSandbox({ apiKey: 'k', login: 'admin', password: 'admin', db: 'edi' });
 *   // sb.url → http://127.0.0.1:<port>; sb.faults.slow(200); sb.data.records('sale.order')
 *   await sb.close();
 *
 * It is a test double and the demo's default target, not a re-implementation of Odoo. It behaves as
 * 18.0 unless `serverVersion` says 17.x or 19.x (the documented differences: versions.ts).
 */
import type { AddressInfo } from 'node:net';
import { Env, Store, type Row, type SandboxUser } from './engine';
import { MODELS } from './models';
import { Dispatcher, type SandboxVersion } from './rpc';
import { loadSeed, resolveSeed, type SandboxSeed } from './seed';
import { createSandboxServer, SandboxFaults, type SandboxStats } from './server';
import { modelsForVersion, sandboxMajor, servesJson2 } from './versions';

export type { SandboxSeed } from './seed';
export { SandboxFaults } from './server';
export type { SandboxStats } from './server';

export interface SandboxOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  host?: string;
  /** A seed object, a YAML file path, or YAML text (default: the bundled seed.yaml). */
  seed?: string | SandboxSeed;
  apiKey?: string;
  login?: string;
  password?: string;
  db?: string;
  /**
   * Serve the JSON-2 API. Default: as the version does (19+ yes; 17 and 18 answer 303 to
   * /web/login). true on 17/18 is for protocol tests only: no real server of those versions has it.
   */
  json2?: boolean;
  /**
   * Overrides the seed's server_version. The major version (17, 18 or 19; others are refused)
   * selects the models' field names and the JSON-2 default (versions.ts).
   */
  serverVersion?: string;
  /** Overrides the seed's installed modules (e.g. [] to drop stock_delivery). */
  modules?: string[];
  /**
   * Overrides the seed's `bench_products`: generate this many products BENCH-0001… (Internal
   * Reference) for benchmarks, e.g. 200 for northgate 850s of 20 lines over BENCH-0001…BENCH-0200.
   */
  benchProducts?: number;
  /**
   * Undo a failing call's changes (default true). false records no undo log and skips the end-of-call
   * check of the indexes against all indexed rows (which grows with every record created); for
   * benchmarks only, where no call is expected to fail.
   */
  atomicCalls?: boolean;
}

/** Read access to the in-memory data, for test assertions. */
export interface SandboxData {
  /** Records of a model as `read` returns them (all fields, many2one as [id, name]). */
  records(model: string, domain?: unknown[]): Array<Record<string, unknown>>;
  /** One record as `read` returns it, or undefined. */
  record(model: string, id: number): Record<string, unknown> | undefined;
  count(model: string, domain?: unknown[]): number;
  /** Raw stored rows (live objects: do not mutate unless the test means it). */
  rows(model: string): Row[];
  /** Installed modules (fields such as stock.picking.carrier_tracking_ref depend on them). */
  modules: Set<string>;
}

export interface SandboxHandle {
  url: string;
  port: number;
  db: string;
  /** The Odoo major version the sandbox behaves as (17, 18 or 19). */
  major: number;
  faults: SandboxFaults;
  stats: SandboxStats;
  data: SandboxData;
  /** Zero the counters (after waiting for requests still in flight, e.g. a slow one a client gave up on). */
  resetStats(): Promise<void>;
  /** Resolves when no request is being handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const seed = resolveSeed(options.seed);
  if (options.benchProducts !== undefined) seed.bench_products = options.benchProducts;
  const db = options.db ?? 'edi';
  const login = options.login ?? 'admin';
  const serverVersion = options.serverVersion ?? seed.server_version;
  const { major, minor } = sandboxMajor(serverVersion);
  const store = new Store(modelsForVersion(MODELS, major), options.modules ?? seed.modules);

  const bootstrap: SandboxUser = { id: 2, login: '__system__', admin: true };
  loadSeed(store, seed, bootstrap, major);
  store.atomicCalls = options.atomicCalls ?? true;

  // Users: every seeded res.users row; the configured login gets the configured credentials.
  const users: SandboxUser[] = [];
  const seededUsers = seed.records['res.users'] ?? [];
  for (const row of store.table('res.users').values()) {
    const src = seededUsers.find((u) => u.id === row.id) ?? {};
    const isAdmin = row.login === login || row.id === 2 || src.admin === true;
    const u: SandboxUser = { id: row.id, login: String(row.login), admin: isAdmin && src.admin !== false };
    if (typeof src.password === 'string') u.password = src.password;
    if (typeof src.api_key === 'string') u.apiKey = src.api_key;
    users.push(u);
  }
  let me = users.find((u) => u.login === login);
  if (!me) {
    const admin = store.table('res.users').get(2);
    if (admin) {
      store.assign('res.users', admin, 'login', login);
      me = users.find((u) => u.id === 2);
      if (me) me.login = login;
    } else {
      const env = new Env(store, bootstrap, { __sandbox_model: 'res.users' });
      const [id] = env.create('res.users', [{ login, name: login }]);
      me = { id: id!, login, admin: true };
      users.push(me);
    }
  }
  if (me) {
    if (options.password !== undefined) me.password = options.password;
    if (options.apiKey !== undefined) me.apiKey = options.apiKey;
    if (me.password === undefined && me.apiKey === undefined) me.password = 'admin';
  }

  const version: SandboxVersion = {
    server_version: serverVersion,
    server_version_info: [major, minor, 0, 'final', 0, ''],
    server_serie: `${major}.${minor}`,
    protocol_version: 1,
  };

  const dispatcher = new Dispatcher(store, { db, users }, version);
  const faults = new SandboxFaults();
  const stats: SandboxStats = { requests: 0, connections: 0, inFlight: 0, maxInFlight: 0, calls: {} };
  const server = createSandboxServer({ dispatcher, faults, stats, json2: options.json2 ?? servesJson2(major) });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const idle = async (): Promise<void> => {
    while (stats.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  };

  const readerEnv = (model: string): Env => new Env(store, { id: me?.id ?? 2, login, admin: true }, { __sandbox_model: model, active_test: false });
  const data: SandboxData = {
    records: (model, domain = []) => {
      const env = readerEnv(model);
      return env.read(model, env.search(model, domain, { order: 'id' }));
    },
    record: (model, id) => readerEnv(model).read(model, [id])[0],
    count: (model, domain = []) => readerEnv(model).search(model, domain).length,
    rows: (model) => [...store.table(model).values()],
    modules: store.modules,
  };

  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    db,
    major,
    faults,
    stats,
    data,
    resetStats: async () => {
      await idle();
      stats.requests = 0;
      stats.connections = 0;
      stats.maxInFlight = 0;
      stats.calls = {};
    },
    idle,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
