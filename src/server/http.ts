/**
 * The gateway's HTTP server on node:http: a small prefix route table that later endpoints (AS2,
 * REST API, dashboard, Odoo webhooks) register into, plus the built-in liveness, readiness and
 * Prometheus routes. No framework: the surface we need is small and we want to own its failure modes
 * (body limits, hung dependencies, graceful close).
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import type { GatewayMetrics } from '../pipeline/metrics';
import { bearerToken, isReadOnly, Operators, viewerRefusal, type Operator, type OperatorToken } from './operators';

/** An error whose status and message are safe to show to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** What a route handler gets besides the raw request and response. */
export interface RouteContext {
  /** The request's path, without the query string, exactly as sent (not decoded). */
  readonly path: string;
  /** The part of `path` after the route's prefix: '' or starting with '/'. */
  readonly subpath: string;
  readonly query: URLSearchParams;
  /** From a well-formed `X-Request-Id` header, else generated; echoed in the response. */
  readonly requestId: string;
  /** The server's logger bound to this request's id. */
  readonly logger: Logger;
  /** Who sent the request, on a route with `auth: true` of a server with `auth` (the history names them). */
  readonly operator?: Operator;
  /** Reads the whole body within the server's `maxBodyBytes` (413 beyond it). */
  readBody(): Promise<Buffer>;
}

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, ctx: RouteContext) => Promise<void> | void;

export interface RouteOptions {
  /** Match only this exact path, not the paths below it. */
  exact?: boolean;
  /**
   * Require `Authorization: Bearer <token>` of a known operator when the server has `auth` set; a viewer's
   * requests other than GET and HEAD are refused (403).
   */
  auth?: boolean;
}

/** A readiness check: resolves when the dependency is usable, throws (or rejects) with the reason otherwise. */
export type ReadinessCheck = () => Promise<void> | void;

export interface HttpServerOptions {
  /** Default 127.0.0.1: exposing the gateway is a deliberate choice. */
  host?: string;
  /** 0 (default) picks a free port; `handle.port` tells which. */
  port?: number;
  metrics: GatewayMetrics;
  checks: { ledger: ReadinessCheck; odoo: ReadinessCheck };
  /**
   * Protects /metrics and routes registered with `auth: true`; /healthz and /readyz stay open. `token` acts
   * as the operator `gateway`, `users` are the named people of `http.users`.
   */
  auth?: { token: string; users?: readonly OperatorToken[] };
  /**
   * Shown by /readyz beside the checks without deciding readiness: a partner's SFTP server being down
   * is worth seeing there, but must not take the whole gateway out of service.
   */
  details?: () => Record<string, unknown>;
  /**
   * Serve HTTPS instead of HTTP. `requestCert` asks clients for a certificate without requiring one
   * (routes that pin a partner's certificate check it themselves; other routes do not care).
   */
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  /** Largest request body accepted, default 10 MiB. */
  maxBodyBytes?: number;
  /** Bound on each readiness check, default 2000 ms. */
  readyTimeoutMs?: number;
  /** How long `close()` waits for in-flight requests before destroying their sockets, default 5000 ms. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

export interface HttpServerHandle {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /**
   * Adds a route: `handler` serves `method` on `pathPrefix` and every path below it (segment-wise:
   * `/as2` serves `/as2` and `/as2/x`, not `/as2x`). The longest matching prefix wins.
   */
  route(method: string, pathPrefix: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Stops accepting, lets in-flight requests finish within `closeTimeoutMs`, then destroys what is left. */
  close(): Promise<void>;
}

const scalarOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  maxBodyBytes: z.number().int().positive().default(10 * 1024 * 1024),
  readyTimeoutMs: z.number().int().positive().default(2000),
  closeTimeoutMs: z.number().int().nonnegative().default(5000),
  auth: z
    .object({
      token: z.string().min(1, 'auth.token must not be empty; omit auth to leave /metrics open'),
      users: z.array(z.object({ name: z.string().min(1), role: z.enum(['viewer', 'operator']), token: z.string().min(1) })).default([]),
    })
    .optional(),
});

interface Route {
  method: string;
  prefix: string;
  exact: boolean;
  auth: boolean;
  handler: RouteHandler;
}

/** Status lines for connection-level failures that node:http reports before any route sees the request. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const METHOD = /^[A-Z]+$/;

/** Starts the HTTP server with /healthz, /readyz and /metrics, and resolves once it listens. */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const parsed = scalarOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new Error(`invalid HTTP server options: ${detail}`);
  }
  const opts = parsed.data;
  const logger = options.logger ?? pino({ enabled: false });
  const routes: Route[] = [];
  const operators = opts.auth ? new Operators(opts.auth.token, opts.auth.users) : undefined;
  let closing: Promise<void> | undefined;

  const route = (method: string, pathPrefix: string, handler: RouteHandler, routeOptions: RouteOptions = {}): void => {
    const m = method.toUpperCase();
    if (!METHOD.test(m)) throw new Error(`route: invalid HTTP method '${method}'`);
    if (!pathPrefix.startsWith('/')) throw new Error(`route: path prefix '${pathPrefix}' must start with '/'`);
    // A trailing slash would make '/api/' miss '/api'; normalise so prefixes compare segment-wise.
    const prefix = pathPrefix.length > 1 ? pathPrefix.replace(/\/+$/, '') : pathPrefix;
    const exact = routeOptions.exact ?? false;
    if (routes.some((r) => r.method === m && r.prefix === prefix && r.exact === exact)) {
      throw new Error(`route: ${m} ${prefix} is already registered`);
    }
    routes.push({ method: m, prefix, exact, auth: routeOptions.auth ?? false, handler });
  };

  const readiness = readinessRunner(options.checks, opts.readyTimeoutMs);

  route('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }, { 'Cache-Control': 'no-store' }), { exact: true });
  route(
    'GET',
    '/readyz',
    async (_req, res, ctx) => {
      const { ready, checks } = await readiness();
      if (!ready) ctx.logger.warn({ checks }, 'not ready');
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks, ...(options.details ? options.details() : {}) }, { 'Cache-Control': 'no-store' });
    },
    { exact: true },
  );
  route(
    'GET',
    '/metrics',
    async (_req, res) => {
      const body = await options.metrics.text();
      res.writeHead(200, { 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(body);
    },
    { exact: true, auth: true },
  );

  const dispatch = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const headerId = req.headers['x-request-id'];
    const requestId = typeof headerId === 'string' && REQUEST_ID.test(headerId) ? headerId : randomUUID();
    const log = logger.child({ requestId });
    res.setHeader('X-Request-Id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'http request');
    });

    try {
      // Once close() has begun, keep-alive sockets must not carry further requests.
      if (closing) {
        res.setHeader('Connection', 'close');
        throw new HttpError(503, 'shutting_down', 'the server is shutting down');
      }
      const path = requestPath(req.url ?? '');
      const method = (req.method ?? 'GET').toUpperCase();
      const found = matchRoute(routes, method, path.pathname);
      if (found.kind === 'none') throw new HttpError(404, 'not_found', `no route for ${method} ${path.pathname}`);
      if (found.kind === 'method') {
        throw new HttpError(405, 'method_not_allowed', `${method} is not allowed on ${path.pathname}`, { Allow: found.allow.join(', ') });
      }
      const r = found.route;
      const operator = r.auth && operators ? authorize(operators, req.headers.authorization, method) : undefined;
      // Refuse an announced oversize body before any handler runs, whatever the route.
      const declared = contentLength(req);
      if (declared !== undefined && declared > opts.maxBodyBytes) throw tooLarge(opts.maxBodyBytes);
      const ctx: RouteContext = {
        path: path.pathname,
        subpath: path.pathname.slice(r.prefix === '/' ? 0 : r.prefix.length),
        query: path.query,
        requestId,
        logger: log,
        ...(operator ? { operator } : {}),
        readBody: () => readBody(req, opts.maxBodyBytes),
      };
      await r.handler(req, res, ctx);
    } catch (err) {
      sendError(req, res, err, requestId, log);
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => void dispatch(req, res);
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: options.tls.requestCert === true, rejectUnauthorized: false }, onRequest)
    : http.createServer(onRequest);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Malformed HTTP, oversized headers or slow clients: answer when the socket can still take it, never crash.
    log400(logger, err);
    const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });
  // Responses still being produced when close() begins get `Connection: close`, so their sockets
  // end with them instead of idling until the keep-alive timeout.
  const active = new Set<http.ServerResponse>();
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    active.add(res);
    res.once('close', () => active.delete(res));
    res.once('finish', () => {
      active.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('HTTP server did not bind a TCP port');
  const port = address.port;
  const hostForUrl = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${hostForUrl}:${port}`;
  logger.info({ url }, 'http server listening');

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ open: sockets.size }, 'http close timed out; destroying remaining connections');
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }, opts.closeTimeoutMs);
      server.close(() => {
        clearTimeout(timer);
        logger.info({ url }, 'http server closed');
        resolve();
      });
      server.closeIdleConnections();
      for (const res of active) if (!res.headersSent) res.setHeader('Connection', 'close');
    });
    return closing;
  };

  return { url, port, route, close };
}

/** Reads a request body into one Buffer, refusing (413) a Content-Length or a streamed total above `limit` bytes. */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = contentLength(req);
    if (declared !== undefined && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        // Keep draining (discarding) so the 413 can still be written; sendError closes the socket after it.
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onAborted = (): void => {
      cleanup();
      reject(new HttpError(400, 'aborted', 'the client aborted the request body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** Writes `body` as a JSON response with `status` (for route handlers). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

type Match = { kind: 'route'; route: Route } | { kind: 'method'; allow: string[] } | { kind: 'none' };

function prefixMatches(r: Route, path: string): boolean {
  if (r.exact) return path === r.prefix;
  if (r.prefix === '/') return true;
  return path === r.prefix || path.startsWith(`${r.prefix}/`);
}

function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  const candidates = routes.filter((r) => prefixMatches(r, path));
  if (candidates.length === 0) return { kind: 'none' };
  // HEAD is served by the GET handler; node:http drops the body of a HEAD response.
  const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  let best: Route | undefined;
  for (const w of wanted) {
    for (const r of candidates) {
      if (r.method !== w) continue;
      if (!best || specificity(r) > specificity(best)) best = r;
    }
    if (best) return { kind: 'route', route: best };
  }
  const allow = new Set<string>();
  for (const r of candidates) {
    allow.add(r.method);
    if (r.method === 'GET') allow.add('HEAD');
  }
  return { kind: 'method', allow: [...allow].sort() };
}

/** Longer prefixes win; an exact route beats a prefix route of the same path. */
function specificity(r: Route): number {
  return r.prefix.length * 2 + (r.exact ? 1 : 0);
}

function requestPath(rawUrl: string): { pathname: string; query: URLSearchParams } {
  let target = rawUrl;
  // Absolute-form targets (`GET http://host/path`) are legal HTTP/1.1; only the path matters here.
  if (!target.startsWith('/')) {
    try {
      const u = new URL(target);
      target = `${u.pathname}${u.search}`;
    } catch {
      throw new HttpError(400, 'bad_request', 'the request target is not a path');
    }
  }
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

function contentLength(req: http.IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `the request body exceeds ${limit} bytes`);
}

/** The operator a bearer token names: 401 for none, 403 for a viewer's state-changing request. */
function authorize(operators: Operators, header: string | undefined, method: string): Operator {
  const token = bearerToken(header);
  const operator = token === undefined ? undefined : operators.byToken(token);
  if (!operator) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required', { 'WWW-Authenticate': 'Bearer realm="edi-gateway"' });
  if (operator.role === 'viewer' && !isReadOnly(method)) throw new HttpError(403, 'forbidden', viewerRefusal(operator));
  return operator;
}

function sendError(req: http.IncomingMessage, res: http.ServerResponse, err: unknown, requestId: string, log: Logger): void {
  if (res.headersSent) {
    // Too late for a status: cutting the connection is the only honest signal left.
    log.error({ err }, 'route handler failed after the response started');
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    if (err.status === 413) {
      // The rest of the body is unread; don't let the connection carry another request, and
      // don't read an endless upload forever after answering.
      res.setHeader('Connection', 'close');
      res.once('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
    }
    if (err.status >= 500) log.warn({ err }, 'request failed');
    sendJson(res, err.status, { error: err.code, message: err.message, requestId }, err.headers);
    return;
  }
  log.error({ err, method: req.method, url: req.url }, 'route handler failed');
  sendJson(res, 500, { error: 'internal_error', message: 'internal server error', requestId });
}

function log400(logger: Logger, err: NodeJS.ErrnoException): void {
  // Resets by the peer are routine (load balancers, aborted clients); keep them out of warnings.
  if (err.code === 'ECONNRESET') logger.debug({ err }, 'client connection reset');
  else logger.warn({ err }, 'malformed HTTP request');
}

type CheckName = 'ledger' | 'odoo';

/**
 * Runs the readiness checks concurrently, each bounded by `timeoutMs`. A check still running from an
 * earlier probe is awaited again rather than started anew, so a hung Odoo doesn't collect one stuck
 * call per probe; after ten timeouts' worth it is abandoned and a fresh one starts, so a check that
 * never settles cannot keep the gateway unready after the dependency is back.
 */
function readinessRunner(
  checks: Readonly<Record<CheckName, ReadinessCheck>>,
  timeoutMs: number,
): () => Promise<{ ready: boolean; checks: Record<CheckName, string> }> {
  const staleAfterMs = timeoutMs * 10;
  const running = new Map<CheckName, { promise: Promise<void>; startedAt: number }>();
  const runOne = async (name: CheckName): Promise<{ ok: boolean; detail: string }> => {
    let entry = running.get(name);
    if (!entry || Date.now() - entry.startedAt > staleAfterMs) {
      const fresh: { promise: Promise<void>; startedAt: number } = { promise: Promise.resolve(), startedAt: Date.now() };
      fresh.promise = Promise.resolve()
        .then(() => checks[name]())
        .finally(() => {
          if (running.get(name) === fresh) running.delete(name);
        });
      // The probe may time out and stop listening; the eventual rejection must not go unhandled.
      fresh.promise.catch(() => undefined);
      running.set(name, fresh);
      entry = fresh;
    }
    const pending = entry.promise;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} check timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([pending, timeout]);
      return { ok: true, detail: 'ok' };
    } catch (err) {
      return { ok: false, detail: err instanceof Error && err.message ? err.message : String(err) || 'failed' };
    } finally {
      clearTimeout(timer);
    }
  };
  return async () => {
    const names: CheckName[] = ['ledger', 'odoo'];
    const results = await Promise.all(names.map(runOne));
    return { ready: results.every((r) => r.ok), checks: { ledger: results[0].detail, odoo: results[1].detail } };
  };
}
