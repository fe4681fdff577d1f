import { OdooAccessDeniedError, OdooAccessError, OdooError, OdooProtocolError, OdooRequestError, OdooUnavailableError } from '../errors';
import { excerpt, type PostOptions } from './http';
import type { CallSpec, OdooProtocol } from './types';

export interface TransportOptions {
  /** Base URL of the server, without a trailing slash. */
  baseUrl: string;
  db: string;
  login: string;
  /** API key or password: sent to Odoo, never put in a message. */
  secret: string;
  timeoutMs: number;
  userAgent: string;
  /** Extra trusted CA certificates (PEM) for https. */
  ca?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface Transport {
  readonly protocol: OdooProtocol;
  /** The raw `common.version` answer (a dict with server_version). */
  version(opts?: CallOptions): Promise<unknown>;
  /** The raw answer of the authentication: a uid, or false. */
  authenticate(opts?: CallOptions): Promise<unknown>;
  /** One model method call; resolves with the raw (not yet validated) result, null for None. */
  execute(uid: number, spec: CallSpec, opts?: CallOptions): Promise<unknown>;
}

/** Error for an HTTP status that is not an RPC answer (proxy errors, wrong URL, redirects). */
export function httpStatusError(status: number, body: string, ctx: { model?: string; method?: string }, location?: string | null): OdooError {
  const base = { ...ctx, httpStatus: status };
  if (status >= 500 || status === 429 || status === 408) {
    return new OdooUnavailableError({ ...base, message: `Odoo answered HTTP ${status}` });
  }
  if (status >= 300 && status < 400) {
    const where = location ? ` to ${location.split('?')[0]}` : '';
    return new OdooProtocolError({ ...base, message: `Odoo redirected (HTTP ${status}${where}): wrong URL, or the route does not exist on this server` });
  }
  if (status === 401) return new OdooAccessDeniedError({ ...base, message: 'Odoo refused the credentials (HTTP 401)' });
  if (status === 403) return new OdooAccessError({ ...base, message: 'Odoo refused the request (HTTP 403)' });
  if (status === 404) return new OdooRequestError({ ...base, message: 'Odoo has no such route (HTTP 404): check the URL and protocol' });
  return new OdooProtocolError({ ...base, message: `Odoo answered HTTP ${status}: ${excerpt(body, 120)}` });
}

export function parseJson(text: string, ctx: { model?: string; method?: string }): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OdooProtocolError({ ...ctx, message: `Odoo answer is not JSON: ${excerpt(text, 80)}` });
  }
}

/** The HTTP options of one call: the time-out, the caller's signal, the extra CA, and the error context. */
export function postOptions(t: TransportOptions, opts: CallOptions | undefined, errCtx: { model?: string; method?: string }): PostOptions {
  return { timeoutMs: t.timeoutMs, ...(opts?.signal ? { signal: opts.signal } : {}), ...(t.ca ? { ca: t.ca } : {}), ...errCtx };
}
