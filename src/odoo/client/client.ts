import { z } from 'zod';
import { OdooAccessDeniedError, OdooError, OdooProtocolError, OdooRequestError, scrubSecrets } from '../errors';
import { Json2Transport } from './json2';
import { JsonRpcTransport } from './jsonrpc';
import { Semaphore } from './semaphore';
import type { CallOptions, Transport, TransportOptions } from './transport';
import {
  createResultSchema,
  idsSchema,
  odooClientConfigSchema,
  recordsSchema,
  uidSchema,
  versionInfoSchema,
  type CallSpec,
  type Domain,
  type OdooClientConfig,
  type OdooProtocol,
  type OdooRecord,
  type OdooVersion,
} from './types';
import { fieldNamesFor, parseVersion, type OdooFieldNames } from './versions';
import { XmlRpcTransport } from './xmlrpc';

export interface RequestOptions {
  /** Extra context for this call (merged over the client's). */
  context?: Record<string, unknown>;
  signal?: AbortSignal;
}

export interface SearchOptions extends RequestOptions {
  limit?: number;
  offset?: number;
  order?: string;
}

export interface SearchReadOptions extends SearchOptions {
  fields?: string[];
}

export interface CallMethodOptions<T> extends RequestOptions {
  /** Validates the answer (default: anything). */
  schema?: z.ZodType<T>;
  /** JSON-2 names of the positional arguments after ids. */
  argNames?: string[];
}

const MODEL_NAME = /^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$/;
const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// built once: a zod schema costs more to construct than to check a small answer
const intSchema = z.number().int();
const booleanSchema = z.boolean();
const unknownSchema = z.unknown();

const fieldsGetSchema = z.record(z.string(), z.looseObject({ type: z.string().optional(), string: z.string().optional() }));

/**
 * Client for Odoo's external API over JSON-2, JSON-RPC or XML-RPC.
 *
 * - Credentials are sent to Odoo only; no error message or log line contains them.
 * - At most `maxConcurrency` requests are in flight; the others wait.
 * - Each call has a time-out (`timeoutMs`); an unreachable, slow or overloaded server gives an
 *   {@link OdooUnavailableError} (retryable). Business errors keep their Odoo class.
 * - Every answer is validated at the boundary; an unexpected shape is an {@link OdooProtocolError}.
 * - No retries here: retrying (with backoff) belongs to the caller, who knows whether the call is
 *   idempotent.
 */
export class OdooClient {
  readonly protocol: OdooProtocol;
  readonly url: string;
  readonly db: string;
  readonly login: string;
  readonly companyId: number | undefined;

  private readonly transport: Transport;
  private readonly semaphore: Semaphore;
  private readonly secrets: string[];
  private readonly baseContext: Record<string, unknown>;
  private readonly logger: OdooClientConfig['logger'];
  private readonly observer: OdooClientConfig['observer'];
  private uidPromise: Promise<number> | undefined;
  private versionPromise: Promise<OdooVersion> | undefined;

  constructor(config: OdooClientConfig) {
    const parsed = odooClientConfigSchema.safeParse(config);
    if (!parsed.success) {
      // The issues name the keys, never their values.
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
      throw new OdooRequestError({ message: `invalid Odoo client configuration: ${detail}` });
    }
    const c = parsed.data;
    const secret = (c.protocol === 'json2' ? c.apiKey : (c.apiKey ?? c.password))!;
    this.secrets = [c.apiKey, c.password].filter((s): s is string => typeof s === 'string' && s.length > 0);
    const u = new URL(c.url);
    if (u.username || u.password) throw new OdooRequestError({ message: 'the Odoo URL must not contain credentials' });
    this.url = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
    this.protocol = c.protocol;
    this.db = c.db;
    this.login = c.login;
    this.companyId = c.companyId;
    this.logger = config.logger;
    this.observer = config.observer;
    this.semaphore = new Semaphore(c.maxConcurrency);
    this.baseContext = {
      lang: 'en_US',
      tz: 'UTC',
      ...(c.companyId !== undefined ? { allowed_company_ids: [c.companyId] } : {}),
      ...(c.context ?? {}),
    };
    const topts: TransportOptions = { baseUrl: this.url, db: c.db, login: c.login, secret, timeoutMs: c.timeoutMs, userAgent: c.userAgent, ...(c.ca ? { ca: c.ca } : {}) };
    this.transport =
      c.protocol === 'json2' ? new Json2Transport(topts) : c.protocol === 'xmlrpc' ? new XmlRpcTransport(topts) : new JsonRpcTransport(topts);
  }

  /** Requests in flight / waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.semaphore.running, waiting: this.semaphore.waiting };
  }

  toJSON(): Record<string, unknown> {
    return { url: this.url, db: this.db, login: this.login, protocol: this.protocol, companyId: this.companyId };
  }

  // ------------------------------------------------------------------ session

  /** The uid of the integration user (authenticated once, then cached). */
  authenticate(opts?: RequestOptions): Promise<number> {
    if (!this.uidPromise) {
      const p = this.guard('common', 'authenticate', () =>
        this.semaphore.run(async () => this.checkUid(await this.transport.authenticate(callOpts(opts)))),
      );
      this.uidPromise = p;
      p.catch(() => {
        if (this.uidPromise === p) this.uidPromise = undefined;
      });
    }
    return this.uidPromise;
  }

  /** Server version (cached): `common.version` (`/web/version` for JSON-2). */
  version(opts?: RequestOptions): Promise<OdooVersion> {
    if (!this.versionPromise) {
      const p = this.guard('common', 'version', () =>
        this.semaphore.run(async () => {
          const raw = versionInfoSchema.safeParse(await this.transport.version(callOpts(opts)));
          if (!raw.success) throw new OdooProtocolError({ method: 'common.version', message: 'unexpected version answer (no server_version)' });
          return parseVersion(raw.data);
        }),
      );
      this.versionPromise = p;
      p.catch(() => {
        if (this.versionPromise === p) this.versionPromise = undefined;
      });
    }
    return this.versionPromise;
  }

  /** Field names for the server's version. */
  async fieldNames(opts?: RequestOptions): Promise<OdooFieldNames> {
    return fieldNamesFor((await this.version(opts)).major);
  }

  // ------------------------------------------------------------------ typed methods

  searchRead(model: string, domain: Domain, opts: SearchReadOptions = {}): Promise<OdooRecord[]> {
    return this.execute(
      { model, method: 'search_read', args: [domain], argNames: ['domain'], kwargs: pick(opts, ['fields', 'limit', 'offset', 'order']) },
      recordsSchema,
      opts,
    ) as Promise<OdooRecord[]>;
  }

  search(model: string, domain: Domain, opts: SearchOptions = {}): Promise<number[]> {
    return this.execute({ model, method: 'search', args: [domain], argNames: ['domain'], kwargs: pick(opts, ['limit', 'offset', 'order']) }, idsSchema, opts);
  }

  searchCount(model: string, domain: Domain, opts: RequestOptions = {}): Promise<number> {
    return this.execute({ model, method: 'search_count', args: [domain], argNames: ['domain'], kwargs: {} }, intSchema, opts);
  }

  /** Reads records; ids that do not exist are silently absent from the answer (as Odoo does). */
  read(model: string, ids: number[], fields?: string[], opts: RequestOptions = {}): Promise<OdooRecord[]> {
    return this.execute({ model, method: 'read', ids, args: [], kwargs: fields ? { fields } : {} }, recordsSchema, opts) as Promise<OdooRecord[]>;
  }

  /** One dict → one id; a list of dicts → their ids (atomic: all or nothing). */
  create(model: string, vals: Record<string, unknown>, opts?: RequestOptions): Promise<number>;
  create(model: string, vals: Record<string, unknown>[], opts?: RequestOptions): Promise<number[]>;
  async create(model: string, vals: Record<string, unknown> | Record<string, unknown>[], opts: RequestOptions = {}): Promise<number | number[]> {
    const many = Array.isArray(vals);
    const result = await this.execute({ model, method: 'create', args: [vals], argNames: ['vals_list'], kwargs: {} }, createResultSchema, opts);
    if (many) {
      const ids = Array.isArray(result) ? result : [result];
      if (ids.length !== vals.length) throw new OdooProtocolError({ model, method: 'create', message: `create returned ${ids.length} ids for ${vals.length} records` });
      return ids;
    }
    const id = Array.isArray(result) ? result[0] : result;
    if (id === undefined) throw new OdooProtocolError({ model, method: 'create', message: 'create returned no id' });
    return id;
  }

  /**
   * `web_save` (the web module's save, Odoo 17+): creates a record from `vals` when `ids` is empty,
   * else writes `vals` on `ids`, and answers what `specification` names, as `web_read` does
   * (`{ name: {}, state: {} }`: plain values; a many2one is a bare id unless its spec has `fields`).
   * One round trip where create + read take two; atomic like create.
   */
  webSave(model: string, ids: number[], vals: Record<string, unknown>, specification: Record<string, object>, opts: RequestOptions = {}): Promise<OdooRecord[]> {
    return this.execute(
      { model, method: 'web_save', ids, args: [vals], argNames: ['vals'], kwargs: { specification } },
      recordsSchema,
      opts,
    ) as Promise<OdooRecord[]>;
  }

  write(model: string, ids: number[], vals: Record<string, unknown>, opts: RequestOptions = {}): Promise<boolean> {
    return this.execute({ model, method: 'write', ids, args: [vals], argNames: ['vals'], kwargs: {} }, booleanSchema, opts);
  }

  unlink(model: string, ids: number[], opts: RequestOptions = {}): Promise<boolean> {
    return this.execute({ model, method: 'unlink', ids, args: [], kwargs: {} }, booleanSchema, opts);
  }

  /** Field definitions, e.g. to find out whether `carrier_tracking_ref` exists (module stock_delivery). */
  fieldsGet(model: string, opts: RequestOptions & { attributes?: string[] } = {}): Promise<Record<string, Record<string, unknown>>> {
    return this.execute(
      { model, method: 'fields_get', args: [], kwargs: { attributes: opts.attributes ?? ['string', 'type', 'required', 'relation'] } },
      fieldsGetSchema,
      opts,
    );
  }

  /** Post a chatter message (internal note by default); returns the mail.message id. */
  messagePost(model: string, id: number, body: string, opts: RequestOptions & { subtypeXmlid?: string; messageType?: string } = {}): Promise<number> {
    return this.execute(
      {
        model,
        method: 'message_post',
        ids: [id],
        args: [],
        kwargs: { body, message_type: opts.messageType ?? 'comment', subtype_xmlid: opts.subtypeXmlid ?? 'mail.mt_note' },
      },
      intSchema,
      opts,
    );
  }

  /**
   * Any method, with execute_kw conventions: for a record method `args[0]` is the list of ids.
   * A method that returns None resolves to null (JSON-RPC: no `result`; XML-RPC: the
   * "cannot marshal None" fault, after which the action has run).
   */
  call<T = unknown>(model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts: CallMethodOptions<T> = {}): Promise<T> {
    let ids: number[] | undefined;
    let rest = args;
    const first = args[0];
    if (Array.isArray(first) && first.every((v) => Number.isInteger(v))) {
      ids = first as number[];
      rest = args.slice(1);
    } else if (Number.isInteger(first) && args.length >= 1) {
      ids = [first as number];
      rest = args.slice(1);
    }
    // execute_kw style: a `context` in kwargs is merged over the client's context
    const { context: kwContext, ...otherKwargs } = kwargs;
    if (kwContext !== undefined && (kwContext === null || typeof kwContext !== 'object' || Array.isArray(kwContext))) {
      return Promise.reject(new OdooRequestError({ model, method, message: 'kwargs.context must be an object' }));
    }
    const spec: CallSpec = { model, method, args: rest, kwargs: otherKwargs, context: (kwContext as Record<string, unknown> | undefined) ?? {} };
    if (ids !== undefined) spec.ids = ids;
    if (opts.argNames) spec.argNames = opts.argNames;
    return this.execute(spec, opts.schema ?? (unknownSchema as z.ZodType<T>), opts);
  }

  // ------------------------------------------------------------------ internals

  private async execute<T>(spec: Omit<CallSpec, 'context'> & { context?: Record<string, unknown> }, schema: z.ZodType<T>, opts: RequestOptions): Promise<T> {
    const { model, method } = spec;
    return this.guard(model, method, async () => {
      if (!MODEL_NAME.test(model)) throw new OdooRequestError({ model, method, message: `invalid model name "${model.slice(0, 64)}"` });
      if (!METHOD_NAME.test(method)) throw new OdooRequestError({ model, method, message: `invalid method name "${method.slice(0, 64)}"` });
      if (method.startsWith('_')) throw new OdooRequestError({ model, method, message: `private method ${method} cannot be called remotely` });
      const uid = this.protocol === 'json2' ? 0 : await this.authenticate(opts);
      const full: CallSpec = { ...spec, context: { ...this.baseContext, ...(spec.context ?? {}), ...(opts.context ?? {}) } };
      let raw: unknown;
      try {
        raw = await this.semaphore.run(() => this.transport.execute(uid, full, callOpts(opts)));
      } catch (err) {
        if (err instanceof OdooAccessDeniedError) this.uidPromise = undefined; // key revoked or rotated: log in again next time
        throw err;
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new OdooProtocolError({
          model,
          method,
          message: `unexpected answer from ${model}.${method}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'schema mismatch'}`,
        });
      }
      return parsed.data;
    });
  }

  private checkUid(raw: unknown): number {
    const parsed = uidSchema.safeParse(raw);
    if (!parsed.success) throw new OdooProtocolError({ method: 'common.authenticate', message: 'unexpected authenticate answer' });
    if (parsed.data === false) {
      throw new OdooAccessDeniedError({
        method: 'common.authenticate',
        odooName: 'odoo.exceptions.AccessDenied',
        message: `Odoo refused the login "${this.login}" on database "${this.db}" (wrong password or API key)`,
      });
    }
    return parsed.data;
  }

  /** Times the call, scrubs secrets from any failure and logs metadata only. */
  private async guard<T>(model: string, method: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const out = await fn();
      this.logger?.debug({ protocol: this.protocol, model, method, ms: Date.now() - started }, 'odoo call');
      this.observer?.(`${model}.${method}`, (Date.now() - started) / 1000);
      return out;
    } catch (err) {
      const e =
        err instanceof OdooError
          ? err
          : new OdooProtocolError({ model, method, message: `unexpected client failure: ${err instanceof Error ? err.message : String(err)}` });
      scrubSecrets(e, this.secrets);
      const log = this.logger?.warn ?? this.logger?.debug;
      log?.call(this.logger, { protocol: this.protocol, model, method, ms: Date.now() - started, err: e.toJSON() }, 'odoo call failed');
      this.observer?.(`${model}.${method}`, (Date.now() - started) / 1000, e.retryable ? 'retryable' : 'business');
      throw e;
    }
  }
}

function callOpts(opts?: RequestOptions): CallOptions {
  return opts?.signal ? { signal: opts.signal } : {};
}

function pick(obj: object, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
