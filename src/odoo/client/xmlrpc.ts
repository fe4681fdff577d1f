/**
 * XML-RPC transport: `/xmlrpc/2/common` and `/xmlrpc/2/object`.
 *
 * Faults are mapped by faultCode (3 AccessDenied, 4 AccessError, 2 user-facing message, 1 traceback).
 * Odoo's XML-RPC cannot marshal None: a method returning None gives a faultCode 1
 * `TypeError: cannot marshal None unless allow_none is enabled` although the action ran and was
 * committed. That fault is therefore returned as a successful null.
 */
import { classify, OdooProtocolError, OdooRequestError, parseTraceback } from '../errors';
import { postRaw } from './http';
import { httpStatusError, type CallOptions, type Transport, type TransportOptions, postOptions } from './transport';
import type { CallSpec } from './types';
import { decodeMethodResponse, encodeMethodCall, XmlRpcEncodeError } from './xmlrpc-codec';

export const MARSHAL_NONE = /cannot marshal None/;

export class XmlRpcTransport implements Transport {
  readonly protocol = 'xmlrpc' as const;

  constructor(private readonly opts: TransportOptions) {}

  version(opts?: CallOptions): Promise<unknown> {
    return this.call('common', 'version', [], {}, opts);
  }

  authenticate(opts?: CallOptions): Promise<unknown> {
    const o = this.opts;
    return this.call('common', 'authenticate', [o.db, o.login, o.secret, {}], {}, opts);
  }

  execute(uid: number, spec: CallSpec, opts?: CallOptions): Promise<unknown> {
    const o = this.opts;
    const args = spec.ids !== undefined ? [spec.ids, ...spec.args] : spec.args;
    const kwargs = { ...spec.kwargs, context: spec.context };
    return this.call('object', 'execute_kw', [o.db, uid, o.secret, spec.model, spec.method, args, kwargs], { model: spec.model, method: spec.method }, opts);
  }

  private async call(endpoint: 'common' | 'object', method: string, params: unknown[], ctx: { model?: string; method?: string }, opts?: CallOptions): Promise<unknown> {
    const errCtx = { model: ctx.model, method: ctx.method ?? `${endpoint}.${method}` };
    let body: string;
    try {
      body = encodeMethodCall(method, params);
    } catch (err) {
      if (err instanceof XmlRpcEncodeError) throw new OdooRequestError({ ...errCtx, message: `cannot encode the XML-RPC request: ${err.message}` });
      throw err;
    }
    const res = await postRaw(
      `${this.opts.baseUrl}/xmlrpc/2/${endpoint}`,
      body,
      { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml', 'User-Agent': this.opts.userAgent },
      postOptions(this.opts, opts, errCtx),
    );
    if (res.status !== 200) throw httpStatusError(res.status, res.text, errCtx, res.headers.get('location'));
    let decoded;
    try {
      decoded = await decodeMethodResponse(res.text);
    } catch (err) {
      throw new OdooProtocolError({ ...errCtx, message: `Odoo answer is not a valid XML-RPC response: ${(err as Error).message}` });
    }
    if (decoded.kind === 'result') return decoded.value;
    const { faultCode, faultString } = decoded;
    if (faultCode === 1 || faultString.startsWith('Traceback')) {
      const tb = parseTraceback(faultString);
      if (tb.name !== undefined && /TypeError$/.test(tb.name) && MARSHAL_NONE.test(tb.message)) return null;
      throw classify({ ...errCtx, ...(tb.name !== undefined ? { name: tb.name } : {}), message: tb.message, faultCode, debug: faultString });
    }
    throw classify({ ...errCtx, message: faultString.trim(), faultCode });
  }
}
