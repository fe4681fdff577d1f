/**
 * JSON-2 transport (Odoo 19+): `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>`,
 * `X-Odoo-Database`, and a JSON object of named parameters (`ids`, `context`, then the method's own
 * parameters). Success is HTTP 200 with the bare result; errors are HTTP 4xx/5xx with
 * `{name, message, arguments, context, debug}`.
 *
 * On Odoo 18 and older the route does not exist (the server answers 303 to /web/login).
 */
import { classify, OdooProtocolError, OdooRequestError } from '../errors';
import { postRaw } from './http';
import { httpStatusError, parseJson, type CallOptions, type Transport, type TransportOptions, postOptions } from './transport';
import { json2ErrorSchema, jsonRpcResponseSchema, type CallSpec } from './types';

export class Json2Transport implements Transport {
  readonly protocol = 'json2' as const;

  constructor(private readonly opts: TransportOptions) {}

  /** `/web/version` is a JSON-RPC style route (no authentication). */
  async version(opts?: CallOptions): Promise<unknown> {
    const errCtx = { method: 'web.version' };
    const res = await postRaw(
      `${this.opts.baseUrl}/web/version`,
      JSON.stringify({ jsonrpc: '2.0', method: 'call', params: {}, id: 1 }),
      { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': this.opts.userAgent },
      postOptions(this.opts, opts, errCtx),
    );
    if (res.status !== 200) throw httpStatusError(res.status, res.text, errCtx, res.headers.get('location'));
    const parsed = jsonRpcResponseSchema.safeParse(parseJson(res.text, errCtx));
    if (!parsed.success) throw new OdooProtocolError({ ...errCtx, message: 'unexpected /web/version answer' });
    if (parsed.data.error) throw classify({ ...errCtx, message: parsed.data.error.data?.message ?? 'version failed', ...(parsed.data.error.data?.name ? { name: parsed.data.error.data.name } : {}) });
    return parsed.data.result ?? null;
  }

  /** There is no login step: the key is checked on every call. `res.users.context_get` tells the uid. */
  async authenticate(opts?: CallOptions): Promise<unknown> {
    const ctx = await this.execute(0, { model: 'res.users', method: 'context_get', args: [], kwargs: {}, context: {} }, opts);
    if (ctx && typeof ctx === 'object' && typeof (ctx as { uid?: unknown }).uid === 'number') return (ctx as { uid: number }).uid;
    throw new OdooProtocolError({ model: 'res.users', method: 'context_get', message: 'context_get did not return a uid' });
  }

  async execute(_uid: number, spec: CallSpec, opts?: CallOptions): Promise<unknown> {
    const errCtx = { model: spec.model, method: spec.method };
    const body: Record<string, unknown> = {};
    if (spec.ids !== undefined) body.ids = spec.ids;
    if (spec.args.length > 0) {
      const names = spec.argNames ?? [];
      if (names.length < spec.args.length) {
        throw new OdooRequestError({ ...errCtx, message: 'JSON-2 takes named parameters only: pass the method arguments in kwargs' });
      }
      spec.args.forEach((v, i) => {
        if (v !== undefined) body[names[i]!] = v;
      });
    }
    Object.assign(body, spec.kwargs);
    if (Object.keys(spec.context).length > 0) body.context = spec.context;

    const headers: Record<string, string> = {
      'Content-Type': 'application/json; charset=utf-8',
      Accept: 'application/json',
      Authorization: `bearer ${this.opts.secret}`,
      'X-Odoo-Database': this.opts.db,
      'User-Agent': this.opts.userAgent,
    };
    const url = `${this.opts.baseUrl}/json/2/${encodeURIComponent(spec.model)}/${encodeURIComponent(spec.method)}`;
    const res = await postRaw(url, JSON.stringify(body), headers, postOptions(this.opts, opts, errCtx));
    if (res.status === 200) return res.text.trim() === '' ? null : parseJson(res.text, errCtx);
    if (res.status >= 300 && res.status < 400) {
      throw new OdooProtocolError({
        ...errCtx,
        httpStatus: res.status,
        message: `no JSON-2 API at this URL (HTTP ${res.status}): JSON-2 needs Odoo 19 or later; use jsonrpc or xmlrpc for older servers`,
      });
    }
    // Gateway errors come from a proxy in front of Odoo, whatever the body says.
    if (res.status === 502 || res.status === 503 || res.status === 504) throw httpStatusError(res.status, res.text, errCtx);
    let errBody: unknown;
    try {
      errBody = JSON.parse(res.text);
    } catch {
      errBody = undefined;
    }
    const parsed = json2ErrorSchema.safeParse(errBody);
    if (parsed.success) {
      throw classify({
        ...errCtx,
        name: parsed.data.name,
        message: parsed.data.message ?? `HTTP ${res.status}`,
        httpStatus: res.status,
        ...(parsed.data.debug !== undefined ? { debug: parsed.data.debug } : {}),
      });
    }
    throw httpStatusError(res.status, res.text, errCtx, res.headers.get('location'));
  }
}
