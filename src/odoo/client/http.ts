/**
 * The HTTP layer shared by the three transports: one POST with a time-out, mapped failures.
 *
 * node:http(s) with keep-alive agents rather than the global fetch: a long-lived client reuses its
 * connections either way, but fetch cost about four times the client CPU per call (1.27 ms against
 * 0.30 ms, measured by the pipeline bench), which capped the gateway at ~130 orders/s before Odoo
 * did any work. For the same reason a call sets one timer rather than an AbortSignal.timeout (with
 * its listeners on the request and socket), parses its URL once per URL, and keeps the answer's
 * headers as node gave them instead of copying them into a fetch `Headers`.
 */
import http from 'node:http';
import https from 'node:https';
import { OdooProtocolError, OdooUnavailableError } from '../errors';

const AGENT_OPTIONS = { keepAlive: true, maxSockets: 32, maxFreeSockets: 32, scheduling: 'lifo' as const };
const httpAgent = new http.Agent(AGENT_OPTIONS);
const httpsAgent = new https.Agent(AGENT_OPTIONS);

/** Read access to the answer's headers (names are case-insensitive). */
export interface ResponseHeaders {
  /** The header's value (several joined with ", "), or null. */
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

export interface PostOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  model?: string;
  method?: string;
  /** Largest body accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function errorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The URL without user info or query, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export function mapFetchFailure(err: unknown, url: string, opts: PostOptions, timedOut: boolean): Error {
  const ctx = { model: opts.model, method: opts.method };
  const where = safeUrl(url);
  const name = (err as { name?: string } | null)?.name;
  if (timedOut || name === 'TimeoutError') {
    return new OdooUnavailableError({ ...ctx, message: `Odoo did not answer within ${opts.timeoutMs} ms (${where})`, cause: err });
  }
  if (name === 'AbortError') {
    // Cancelled by the caller: not an outage, but trying again later is fine.
    return new OdooUnavailableError({ ...ctx, message: `call to Odoo aborted (${where})`, cause: err });
  }
  const code = errorCode(err);
  if (code !== undefined || err instanceof TypeError) {
    const detail = code ?? 'network error';
    return new OdooUnavailableError({
      ...ctx,
      message: `cannot reach Odoo at ${where}: ${detail}${code !== undefined && !NETWORK_CODES.has(code) ? ' (unexpected)' : ''}`,
      cause: err,
    });
  }
  return new OdooProtocolError({ ...ctx, message: `unexpected failure talking to ${where}: ${String((err as Error)?.message ?? err)}`, cause: err });
}

export async function postRaw(url: string, body: string, headers: Record<string, string>, opts: PostOptions): Promise<HttpResponse> {
  const deadline = { timedOut: false };
  try {
    return await request(url, body, headers, opts, deadline);
  } catch (err) {
    if (err instanceof OdooProtocolError) throw err;
    throw mapFetchFailure(err, url, opts, deadline.timedOut);
  }
}

interface Target {
  mod: typeof http | typeof https;
  agent: http.Agent;
  options: { protocol: string; hostname: string; port: string; path: string };
}

/** Parsed request targets: a client posts to one or two URLs for its whole life. */
const targets = new Map<string, Target>();

function target(url: string): Target {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    // a bracketed IPv6 host is given to node without its brackets
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    t = { mod: secure ? https : http, agent: secure ? httpsAgent : httpAgent, options: { protocol: u.protocol, hostname, port: u.port, path: `${u.pathname}${u.search}` } };
    if (targets.size >= 64) targets.clear();
    targets.set(url, t);
  }
  return t;
}

function abortError(): Error {
  const err = new Error('This operation was aborted');
  err.name = 'AbortError';
  return err;
}

function timeoutError(ms: number): Error {
  const err = new Error(`The operation timed out after ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

/**
 * One POST within `opts.timeoutMs` (sets `deadline.timedOut` when that ends it); the answer's body is
 * read within `maxBytes`. Redirects are not followed (callers check 3xx).
 */
function request(url: string, body: string, headers: Record<string, string>, opts: PostOptions, deadline: { timedOut: boolean }): Promise<HttpResponse> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const signal = opts.signal;
  if (signal?.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const t = target(url);
    const payload = Buffer.from(body, 'utf8');
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (err: unknown): void => {
      // the caller's abort can surface as a reset socket: report it as what it is
      if (finish()) reject(signal?.aborted && !deadline.timedOut && !(err instanceof OdooProtocolError) ? abortError() : err);
    };
    const req = t.mod.request(
      { ...t.options, method: 'POST', headers: { ...headers, 'content-length': String(payload.length) }, agent: t.agent },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          fail(new OdooProtocolError({ message: `Odoo answer too large (${declared} bytes)` }));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > maxBytes) {
            res.destroy();
            fail(new OdooProtocolError({ message: `Odoo answer too large (over ${maxBytes} bytes)` }));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          if (!finish()) return;
          const raw = res.headers;
          const h: ResponseHeaders = {
            get: (name) => {
              const v = raw[name.toLowerCase()];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
          };
          resolve({ status: res.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
        // a body cut off by destroy() (time-out, abort) ends in 'aborted'/'close' rather than 'end'
        res.on('close', () => {
          if (!res.complete) fail(deadline.timedOut ? timeoutError(opts.timeoutMs) : abortError());
        });
      },
    );
    const timer = setTimeout(() => {
      deadline.timedOut = true;
      req.destroy(timeoutError(opts.timeoutMs));
    }, opts.timeoutMs);
    timer.unref();
    const onAbort = (): void => {
      req.destroy(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(payload);
  });
}

/** A short, single-line excerpt of a body for an error message. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
