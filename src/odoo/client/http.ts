/**
 * The HTTP layer shared by the three transports: one POST with a time-out, mapped failures.
 *
 * Node's global fetch (undici) keeps connections alive and reuses them across calls by default, so
 * a long-lived client does not pay a TCP handshake per call.
 */
import { OdooProtocolError, OdooUnavailableError } from '../errors';

export interface HttpResponse {
  status: number;
  headers: Headers;
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
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  try {
    const res = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'manual' });
    const text = await readText(res, opts.maxBytes ?? 64 * 1024 * 1024);
    return { status: res.status, headers: res.headers, text };
  } catch (err) {
    if (err instanceof OdooProtocolError) throw err;
    throw mapFetchFailure(err, url, opts, timeout.aborted);
  }
}

async function readText(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new OdooProtocolError({ message: `Odoo answer too large (${declared} bytes)` });
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new OdooProtocolError({ message: `Odoo answer too large (over ${maxBytes} bytes)` });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A short, single-line excerpt of a body for an error message. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
