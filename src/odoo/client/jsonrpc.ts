/**
 * JSON-RPC transport: `POST /jsonrpc` with `{"jsonrpc": "2.0", "method": "call", "params": {service, method, args}}`.
 * Every RPC error comes back as HTTP 200 with `error.data.name`; a method returning None gives a
 * response without a `result` key (treated as null).
 */
import { classify, OdooProtocolError } from '../errors';
import { postRaw } from './http';
import { httpStatusError, parseJson, type CallOptions, type Transport, type TransportOptions, postOptions } from './transport';
import { jsonRpcResponseSchema, type CallSpec } from './types';

export class JsonRpcTransport implements Transport {
  readonly protocol = 'jsonrpc' as const;
  private nextId = 1;

  constructor(private readonly opts: TransportOptions) {}

  version(opts?: CallOptions): Promise<unknown> {
    return this.rpc('common', 'version', [], {}, opts);
  }

  authenticate(opts?: CallOptions): Promise<unknown> {
    const o = this.opts;
    return this.rpc('common', 'authenticate', [o.db, o.login, o.secret, {}], {}, opts);
  }

  execute(uid: number, spec: CallSpec, opts?: CallOptions): Promise<unknown> {
    const o = this.opts;
    const args = spec.ids !== undefined ? [spec.ids, ...spec.args] : spec.args;
    const kwargs = { ...spec.kwargs, context: spec.context };
    return this.rpc('object', 'execute_kw', [o.db, uid, o.secret, spec.model, spec.method, args, kwargs], { model: spec.model, method: spec.method }, opts);
  }

  private async rpc(service: string, method: string, args: unknown[], ctx: { model?: string; method?: string }, opts?: CallOptions): Promise<unknown> {
    const errCtx = { model: ctx.model, method: ctx.method ?? `${service}.${method}` };
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id });
    const res = await postRaw(
      `${this.opts.baseUrl}/jsonrpc`,
      body,
      { 'Content-Type': 'application/json; charset=utf-8', Accept: 'application/json', 'User-Agent': this.opts.userAgent },
      postOptions(this.opts, opts, errCtx),
    );
    if (res.status !== 200) throw httpStatusError(res.status, res.text, errCtx, res.headers.get('location'));
    const parsed = jsonRpcResponseSchema.safeParse(parseJson(res.text, errCtx));
    if (!parsed.success) throw new OdooProtocolError({ ...errCtx, message: 'Odoo answer is not a JSON-RPC response' });
    const msg = parsed.data;
    if (msg.error !== undefined) {
      const data = msg.error.data;
      throw classify({
        ...errCtx,
        ...(data?.name !== undefined ? { name: data.name } : {}),
        message: data?.message ?? msg.error.message ?? 'Odoo Server Error',
        ...(data?.debug !== undefined ? { debug: data.debug } : {}),
        httpStatus: res.status,
      });
    }
    if (msg.id !== undefined && msg.id !== null && msg.id !== id) {
      throw new OdooProtocolError({ ...errCtx, message: `JSON-RPC answer id ${String(msg.id)} does not match request id ${id}` });
    }
    // A method returning None: the response has no "result" key at all.
    return Object.prototype.hasOwnProperty.call(msg, 'result') ? msg.result : null;
  }
}
