/**
 * The sandbox's HTTP front: JSON-RPC (`/jsonrpc`), XML-RPC (`/xmlrpc/2/common|object`), JSON-2
 * (`/json/2/<model>/<method>`), `/web/version`; error shapes as a real Odoo answers them; fault
 * switches for tests.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { decodeMethodCall, encodeFault, encodeMethodResponse, XmlRpcDecodeError } from '../client/xmlrpc-codec';
import { fakeTraceback, PyException, serializationFailure } from './faults';
import type { Dispatcher } from './rpc';

export interface FaultState {
  /** Delay before every RPC answer, in ms. */
  delayMs: number;
  /** Answer this HTTP status instead of handling the request. */
  fail5xx?: { status: number; remaining: number };
  /** Destroy the connection without answering. */
  drop?: { remaining: number };
  /** Answer a serialization failure (concurrent update) to object calls. */
  concurrency?: { remaining: number };
}

/** Fault switches for tests. `times` omitted = until cleared. */
export class SandboxFaults {
  state: FaultState = { delayMs: 0 };

  /** Every RPC answer waits `ms` first. */
  slow(ms: number): this {
    this.state.delayMs = ms;
    return this;
  }

  /** Answer HTTP `status` (default 503) to the next `times` RPC requests. */
  fail5xx(opts: { status?: number; times?: number } = {}): this {
    this.state.fail5xx = { status: opts.status ?? 503, remaining: opts.times ?? Infinity };
    return this;
  }

  /** Drop the connection of the next `times` RPC requests without answering. */
  dropConnections(opts: { times?: number } = {}): this {
    this.state.drop = { remaining: opts.times ?? Infinity };
    return this;
  }

  /** Answer a PostgreSQL serialization failure to the next `times` model calls (nothing is changed). */
  concurrencyError(opts: { times?: number } = {}): this {
    this.state.concurrency = { remaining: opts.times ?? Infinity };
    return this;
  }

  clear(): this {
    this.state = { delayMs: 0 };
    return this;
  }

  /** Consume one occurrence of a counted fault; returns it, or undefined when none is armed. */
  take<K extends 'fail5xx' | 'drop' | 'concurrency'>(kind: K): FaultState[K] | undefined {
    const f = this.state[kind];
    if (!f || f.remaining <= 0) return undefined;
    f.remaining -= 1;
    if (f.remaining <= 0) delete this.state[kind];
    return f;
  }
}

export interface SandboxStats {
  requests: number;
  /** TCP connections accepted (keep-alive reuse keeps this low). */
  connections: number;
  inFlight: number;
  maxInFlight: number;
  /** Per `model.method` (or `common.<method>`), how many calls were received. */
  calls: Record<string, number>;
}

export interface ServerOptions {
  dispatcher: Dispatcher;
  faults: SandboxFaults;
  stats: SandboxStats;
  /** Serve JSON-2 (Odoo 19+). When false, `/json/2/*` answers 303 to /web/login as 18.0 did. */
  json2: boolean;
  maxBodyBytes?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createSandboxServer(opts: ServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    handle(opts, req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`sandbox internal error: ${err instanceof Error ? err.message : String(err)}`);
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', () => {
    opts.stats.connections++;
  });
  return server;
}

/**
 * The request body as text. Listeners rather than `for await`: the async iterator costs a few promises
 * and a stream wrapper per request, and every posted order makes more than one request.
 */
function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      total += chunk.length;
      if (total > max) {
        fail(new Error('request body too large'));
        // as leaving a `for await` early did: the rest is not read, once the refusal is on its way
        setImmediate(() => req.destroy());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', fail);
    // 'close' follows every request, also the complete ones: the Error (a stack trace) only when it means something
    req.on('close', () => {
      if (!settled) fail(new Error('Premature close'));
    });
  });
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, extra?: Record<string, string>): void {
  // every answer goes through here: no spread of an empty object when there is nothing extra
  const headers: Record<string, string | number> = { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) };
  if (extra !== undefined) Object.assign(headers, extra);
  res.writeHead(status, headers);
  res.end(body);
}

type Kind = 'jsonrpc' | 'xmlrpc' | 'json2' | 'version' | 'other';

function routeKind(path: string): Kind {
  if (path === '/jsonrpc') return 'jsonrpc';
  if (/^\/xmlrpc\/(2\/)?(common|object|db)$/.test(path)) return 'xmlrpc';
  if (path.startsWith('/json/2/')) return 'json2';
  if (path === '/web/version') return 'version';
  return 'other';
}

async function handle(opts: ServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  // The clients' one path needs no URL parser; anything else is normalised by one.
  const path = req.url === '/jsonrpc' ? req.url : new URL(req.url ?? '/', 'http://sandbox').pathname;
  const kind = routeKind(path);
  const { faults, stats } = opts;

  if (kind === 'other') {
    send(res, 404, 'text/html; charset=utf-8', '<!doctype html><title>404 Not Found</title><h1>Not Found</h1>');
    return;
  }
  if (kind === 'json2' && !opts.json2) {
    // Odoo 18: the JSON-2 route does not exist; the request ends on the login page.
    send(res, 303, 'text/html; charset=utf-8', '', { Location: `/web/login?redirect=${encodeURIComponent(path)}` });
    return;
  }
  if (req.method !== 'POST') {
    send(res, kind === 'jsonrpc' ? 400 : 405, 'text/html; charset=utf-8', '<p>Bad Request</p>');
    return;
  }

  stats.requests++;
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  try {
    const body = await readBody(req, opts.maxBodyBytes ?? 16 * 1024 * 1024);
    // Faults are decided when the request arrives, so a slow request still sleeping cannot take
    // a fault armed later for another request.
    const drop = faults.take('drop');
    const failure = drop ? undefined : faults.take('fail5xx');
    if (faults.state.delayMs > 0) await sleep(faults.state.delayMs);
    if (drop) {
      (req.socket as Socket).destroy();
      return;
    }
    if (failure) {
      const status = failure.status;
      send(res, status, 'text/html; charset=utf-8', `<html><body><h1>${status} ${http.STATUS_CODES[status] ?? 'Error'}</h1></body></html>`);
      return;
    }
    switch (kind) {
      case 'jsonrpc':
        return handleJsonRpc(opts, body, res);
      case 'xmlrpc':
        return await handleXmlRpc(opts, path, body, res);
      case 'json2':
        return handleJson2(opts, req, path, body, res);
      case 'version':
        send(res, 200, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: safeId(body), result: opts.dispatcher.version }));
        return;
    }
  } finally {
    stats.inFlight--;
  }
}

function safeId(body: string): unknown {
  try {
    const v = JSON.parse(body) as { id?: unknown };
    return v && typeof v === 'object' ? (v.id ?? null) : null;
  } catch {
    return null;
  }
}

function countCall(stats: SandboxStats, key: string): void {
  stats.calls[key] = (stats.calls[key] ?? 0) + 1;
}

function asPy(err: unknown): PyException {
  if (err instanceof PyException) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new PyException('builtins.RuntimeError', msg);
}

/** Routes a `service.method(args)` call; shared by JSON-RPC and XML-RPC. */
function dispatchService(opts: ServerOptions, service: string, method: string, args: unknown[]): { value: unknown; none: boolean } {
  const d = opts.dispatcher;
  if (service === 'common') {
    countCall(opts.stats, `common.${method}`);
    switch (method) {
      case 'version':
        return { value: d.version, none: false };
      case 'authenticate':
      case 'login':
        return { value: d.authenticate(args[0], args[1], args[2]), none: false };
      default:
        throw new PyException('builtins.NameError', `Method not available ${method}`);
    }
  }
  if (service === 'object') {
    if (method !== 'execute_kw' && method !== 'execute') throw new PyException('builtins.NameError', `Method not available ${method}`);
    countCall(opts.stats, `${String(args[3])}.${String(args[4])}`);
    if (opts.faults.take('concurrency')) throw serializationFailure();
    return method === 'execute_kw' ? d.executeKw(args) : d.execute(args);
  }
  throw new PyException('builtins.KeyError', `'${service}'`);
}

// ------------------------------------------------------------------ JSON-RPC

function handleJsonRpc(opts: ServerOptions, body: string, res: http.ServerResponse): void {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch {
    send(res, 400, 'text/html; charset=utf-8', 'Invalid JSON data');
    return;
  }
  const m = (msg && typeof msg === 'object' ? msg : {}) as { id?: unknown; params?: { service?: unknown; method?: unknown; args?: unknown } };
  const id = m.id ?? null;
  try {
    const p = m.params ?? {};
    const { value, none } = dispatchService(opts, String(p.service), String(p.method), Array.isArray(p.args) ? p.args : []);
    // A method returning None: the answer has no "result" key at all.
    send(res, 200, 'application/json', JSON.stringify(none && value === null ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result: value }));
  } catch (err) {
    const e = asPy(err);
    const error = {
      code: 200,
      message: 'Odoo Server Error',
      data: { name: e.pyName, debug: fakeTraceback(e), message: e.message, arguments: [e.message], context: {} },
    };
    send(res, 200, 'application/json', JSON.stringify({ jsonrpc: '2.0', id, error }));
  }
}

// ------------------------------------------------------------------ XML-RPC

function faultCodeOf(e: PyException): number {
  switch (e.pyName) {
    case 'odoo.exceptions.AccessDenied':
      return 3;
    case 'odoo.exceptions.AccessError':
      return 4;
    case 'odoo.exceptions.UserError':
    case 'odoo.exceptions.ValidationError':
    case 'odoo.exceptions.MissingError':
    case 'odoo.exceptions.RedirectWarning':
      return 2;
    default:
      return 1;
  }
}

async function handleXmlRpc(opts: ServerOptions, path: string, body: string, res: http.ServerResponse): Promise<void> {
  const service = path.split('/').pop()!;
  let call: { method: string; params: unknown[] };
  try {
    call = await decodeMethodCall(body);
  } catch (err) {
    const msg = err instanceof XmlRpcDecodeError ? err.message : String(err);
    const e = new PyException('xml.parsers.expat.ExpatError', msg);
    send(res, 200, 'text/xml', encodeFault(1, fakeTraceback(e)));
    return;
  }
  let out: { value: unknown; none: boolean };
  try {
    out = dispatchService(opts, service, call.method, call.params);
  } catch (err) {
    const e = asPy(err);
    const code = faultCodeOf(e);
    send(res, 200, 'text/xml', encodeFault(code, code === 1 ? fakeTraceback(e) : e.message));
    return;
  }
  if (out.value === null || containsNull(out.value)) {
    // Python's xmlrpc marshaller refuses None: a fault, although the call ran and was committed.
    const e = new PyException('builtins.TypeError', 'cannot marshal None unless allow_none is enabled');
    send(res, 200, 'text/xml', encodeFault(1, fakeTraceback(e)));
    return;
  }
  send(res, 200, 'text/xml', encodeMethodResponse(out.value));
}

function containsNull(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.some(containsNull);
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v as Record<string, unknown>).some(containsNull);
  return false;
}

// ------------------------------------------------------------------ JSON-2

const JSON2_STATUS: Record<string, number> = {
  'werkzeug.exceptions.Unauthorized': 401,
  'odoo.exceptions.AccessDenied': 401,
  'odoo.exceptions.AccessError': 403,
  'odoo.exceptions.MissingError': 404,
  'odoo.exceptions.UserError': 422,
  'odoo.exceptions.ValidationError': 422,
  'werkzeug.exceptions.NotFound': 404,
  'werkzeug.exceptions.BadRequest': 400,
};

function handleJson2(opts: ServerOptions, req: http.IncomingMessage, path: string, body: string, res: http.ServerResponse): void {
  const sendError = (e: PyException): void => {
    const status = JSON2_STATUS[e.pyName] ?? 500;
    send(
      res,
      status,
      'application/json; charset=utf-8',
      JSON.stringify({ name: e.pyName, message: e.message, arguments: [e.message], context: {}, debug: fakeTraceback(e) }),
    );
  };
  const m = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) {
    sendError(new PyException('werkzeug.exceptions.NotFound', 'The requested URL was not found on the server.'));
    return;
  }
  const model = decodeURIComponent(m[1]!);
  const method = decodeURIComponent(m[2]!);
  const auth = req.headers.authorization ?? '';
  const key = /^bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    sendError(new PyException('werkzeug.exceptions.BadRequest', 'Invalid JSON data'));
    return;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    sendError(new PyException('werkzeug.exceptions.BadRequest', 'The request body must be a JSON object'));
    return;
  }
  try {
    countCall(opts.stats, `${model}.${method}`);
    if (opts.faults.take('concurrency')) throw serializationFailure();
    const db = req.headers['x-odoo-database'];
    const out = opts.dispatcher.executeJson2(key, typeof db === 'string' ? db : undefined, model, method, parsed as Record<string, unknown>);
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify(out.value ?? null));
  } catch (err) {
    sendError(asPy(err));
  }
}

