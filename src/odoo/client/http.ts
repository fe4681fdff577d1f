/**
 * The HTTP layer shared by the three transports: one POST with a time-out, mapped failures.
 *
 * The wire is our own small HTTP/1.1 client (`http1.ts`), not the global fetch nor node:http: fetch
 * cost about four times the client CPU per call (1.27 ms against 0.30 ms, measured by the pipeline
 * bench), and node:http ~70 µs per call against ~40 µs for the direct one (docs/decisions.md D15).
 * For the same reason a call sets one timer rather than an AbortSignal.timeout, and parses its URL
 * once per URL.
 */
import { OdooProtocolError, OdooUnavailableError } from '../errors';
import { post, WireProtocolError, WireTooLargeError } from './http1';

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
  /** Extra trusted CA certificates (PEM) for an https URL, on top of the system's. */
  ca?: string | Buffer;
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
  protocol: string;
  hostname: string;
  port: number;
  path: string;
}

/** Parsed request targets: a client posts to one or two URLs for its whole life. */
const targets = new Map<string, Target>();

function target(url: string): Target {
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OdooProtocolError({ message: `unsupported URL scheme ${u.protocol} (http: or https:)` });
    // a bracketed IPv6 host is connected to without its brackets
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    t = { protocol: u.protocol, hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80, path: `${u.pathname}${u.search}` };
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
async function request(url: string, body: string, headers: Record<string, string>, opts: PostOptions, deadline: { timedOut: boolean }): Promise<HttpResponse> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const signal = opts.signal;
  if (signal?.aborted) throw abortError();
  const t = target(url);
  let flight;
  try {
    flight = post({ ...t, headers, body: Buffer.from(body, 'utf8'), maxBytes, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });
  } catch (err) {
    throw wireFailure(err);
  }
  const timer = setTimeout(() => {
    deadline.timedOut = true;
    flight.abandon(timeoutError(opts.timeoutMs));
  }, opts.timeoutMs);
  timer.unref();
  const onAbort = (): void => flight.abandon(abortError());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await flight.response;
    const raw = res.headers;
    return { status: res.status, headers: { get: (name) => raw.get(name.toLowerCase()) ?? null }, text: res.body.toString('utf8') };
  } catch (err) {
    throw wireFailure(err);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** The wire's own failures as the client's errors; network errors pass on to be mapped by the caller. */
function wireFailure(err: unknown): unknown {
  if (err instanceof WireTooLargeError) return new OdooProtocolError({ message: `Odoo ${err.message}` });
  if (err instanceof WireProtocolError) return new OdooProtocolError({ message: `malformed HTTP answer from Odoo: ${err.message}` });
  return err;
}

/** A short, single-line excerpt of a body for an error message. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
