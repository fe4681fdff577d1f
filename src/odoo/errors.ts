/**
 * Typed errors of the Odoo client.
 *
 * Every failure of a call to Odoo ends as one of these classes. `retryable` tells the pipeline
 * whether trying again later can succeed (Odoo down, time-out, 5xx, concurrency error) or whether
 * the failure is a business / configuration one that will fail the same way again.
 *
 * Classification follows what a real Odoo 18 answered (see docs of issue 5, odoo-api.md):
 * - JSON-RPC: every RPC error is HTTP 200 with `error.data.name` = the Python exception class.
 * - XML-RPC: faults with faultCode 3 (AccessDenied), 4 (AccessError), 2 (UserError, ValidationError,
 *   MissingError, unknown model: the message only) and 1 (anything else: a Python traceback whose
 *   last line is `ExcType: message`).
 * - JSON-2 (Odoo 19): HTTP 4xx/5xx with a JSON body `{name, message, arguments, context, debug}`.
 *
 * Messages never carry credentials: the client scrubs every error with {@link scrubSecrets}.
 */

export interface OdooErrorInit {
  message: string;
  /** The Python exception class as Odoo names it (`error.data.name`), e.g. `odoo.exceptions.UserError`. */
  odooName?: string;
  model?: string;
  method?: string;
  /** Overrides the class default. */
  retryable?: boolean;
  /** HTTP status, when the failure came with one. */
  httpStatus?: number;
  /** XML-RPC faultCode, when the failure was a fault. */
  faultCode?: number;
  /** Server traceback (`error.data.debug`), kept off the message. */
  debug?: string;
  cause?: unknown;
}

export class OdooError extends Error {
  readonly retryable: boolean;
  readonly odooName?: string;
  readonly model?: string;
  readonly method?: string;
  readonly httpStatus?: number;
  readonly faultCode?: number;
  debug?: string;

  protected static readonly defaultRetryable: boolean = false;

  constructor(init: OdooErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.retryable = init.retryable ?? (new.target as unknown as { defaultRetryable: boolean }).defaultRetryable;
    if (init.odooName !== undefined) this.odooName = init.odooName;
    if (init.model !== undefined) this.model = init.model;
    if (init.method !== undefined) this.method = init.method;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.faultCode !== undefined) this.faultCode = init.faultCode;
    if (init.debug !== undefined) {
      // Not enumerable: a traceback is long and does not belong in a log line by default.
      Object.defineProperty(this, 'debug', { value: init.debug, enumerable: false, writable: true, configurable: true });
    }
  }

  /** Where the error happened, e.g. `sale.order.create`. */
  get target(): string | undefined {
    if (this.model === undefined) return this.method;
    return this.method === undefined ? this.model : `${this.model}.${this.method}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      retryable: this.retryable,
      odooName: this.odooName,
      model: this.model,
      method: this.method,
      httpStatus: this.httpStatus,
      faultCode: this.faultCode,
    };
  }
}

/** ACL or record rule refused the operation, or a private method was called (`odoo.exceptions.AccessError`). */
export class OdooAccessError extends OdooError {}

/** Authentication or connection configuration: bad login/password/API key, unknown database. */
export class OdooAccessDeniedError extends OdooError {}

/** `odoo.exceptions.ValidationError`: a constraint or a missing required field. */
export class OdooValidationError extends OdooError {}

/** `odoo.exceptions.MissingError`: the record does not exist (or was deleted). */
export class OdooMissingError extends OdooError {}

/** `odoo.exceptions.UserError` (and RedirectWarning): a business rule refused the action. */
export class OdooUserError extends OdooError {}

/**
 * The request itself is wrong for this server: unknown field or method, bad arguments
 * (`builtins.ValueError`, `AttributeError`, `TypeError`, `KeyError`), unknown route. A mapping or
 * programming error: not retryable.
 */
export class OdooRequestError extends OdooError {}

/** Odoo could not be reached or is busy: connection refused/reset, time-out, 5xx, concurrency errors. */
export class OdooUnavailableError extends OdooError {
  protected static override readonly defaultRetryable: boolean = true;
}

/** The answer did not have the expected shape (not JSON, not XML-RPC, schema mismatch, a redirect). */
export class OdooProtocolError extends OdooError {}

export interface ClassifyInput {
  /** Python exception class name, dotted (`odoo.exceptions.UserError`) or bare (`ValueError`). */
  name?: string;
  message: string;
  model?: string;
  method?: string;
  httpStatus?: number;
  faultCode?: number;
  debug?: string;
}

const CONCURRENCY_MESSAGE = /could not serialize access|concurrent update|deadlock detected|could not obtain lock|lock not available/i;
const UNKNOWN_DB_MESSAGE = /database "[^"]*" does not exist/i;

type OdooErrorClass = new (init: OdooErrorInit) => OdooError;

const BY_NAME: Record<string, OdooErrorClass> = {
  'odoo.exceptions.AccessDenied': OdooAccessDeniedError,
  'odoo.exceptions.AccessError': OdooAccessError,
  'odoo.exceptions.ValidationError': OdooValidationError,
  'odoo.exceptions.MissingError': OdooMissingError,
  'odoo.exceptions.UserError': OdooUserError,
  'odoo.exceptions.RedirectWarning': OdooUserError,
  'odoo.exceptions.except_orm': OdooUserError,
  'odoo.exceptions.Warning': OdooUserError,
  'odoo.exceptions.CacheMiss': OdooRequestError,
  'odoo.exceptions.ConcurrencyError': OdooUnavailableError,
  'odoo.http.SessionExpiredException': OdooAccessDeniedError,
  'builtins.ValueError': OdooRequestError,
  'builtins.AttributeError': OdooRequestError,
  'builtins.TypeError': OdooRequestError,
  'builtins.KeyError': OdooRequestError,
  'builtins.IndexError': OdooRequestError,
  'builtins.NotImplementedError': OdooRequestError,
  'werkzeug.exceptions.Unauthorized': OdooAccessDeniedError,
  'werkzeug.exceptions.Forbidden': OdooAccessError,
  'werkzeug.exceptions.NotFound': OdooRequestError,
  'werkzeug.exceptions.BadRequest': OdooRequestError,
  'werkzeug.exceptions.MethodNotAllowed': OdooRequestError,
  'werkzeug.exceptions.UnprocessableEntity': OdooUserError,
  'werkzeug.exceptions.RequestEntityTooLarge': OdooRequestError,
  'werkzeug.exceptions.TooManyRequests': OdooUnavailableError,
  'werkzeug.exceptions.InternalServerError': OdooUnavailableError,
  'werkzeug.exceptions.BadGateway': OdooUnavailableError,
  'werkzeug.exceptions.ServiceUnavailable': OdooUnavailableError,
  'werkzeug.exceptions.GatewayTimeout': OdooUnavailableError,
};

/** `ValueError` → `builtins.ValueError`; dotted names are kept. */
export function normalizeExceptionName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.includes('.')) return trimmed;
  if (/^(AccessDenied|AccessError|ValidationError|MissingError|UserError|RedirectWarning|CacheMiss|ConcurrencyError)$/.test(trimmed)) {
    return `odoo.exceptions.${trimmed}`;
  }
  return `builtins.${trimmed}`;
}

function isRetryableStatus(status: number | undefined): boolean {
  return status !== undefined && (status >= 500 || status === 429 || status === 408);
}

/**
 * Map an Odoo error (JSON-RPC `error.data`, a JSON-2 error body, or a parsed XML-RPC fault) to a
 * typed error.
 */
export function classify(input: ClassifyInput): OdooError {
  const base: OdooErrorInit = {
    message: input.message,
    ...(input.name !== undefined ? { odooName: normalizeExceptionName(input.name) } : {}),
    ...(input.model !== undefined ? { model: input.model } : {}),
    ...(input.method !== undefined ? { method: input.method } : {}),
    ...(input.httpStatus !== undefined ? { httpStatus: input.httpStatus } : {}),
    ...(input.faultCode !== undefined ? { faultCode: input.faultCode } : {}),
    ...(input.debug !== undefined ? { debug: input.debug } : {}),
  };
  const name = base.odooName;

  if (name !== undefined) {
    if (name.startsWith('psycopg2.') || name.startsWith('psycopg.')) {
      // An unknown database is configuration, not an outage.
      if (UNKNOWN_DB_MESSAGE.test(input.message)) return new OdooAccessDeniedError(base);
      if (/IntegrityError|DataError|ProgrammingError|NotNullViolation|UniqueViolation|ForeignKeyViolation|CheckViolation/.test(name)) {
        return new OdooValidationError(base);
      }
      // SerializationFailure, TransactionRollbackError, OperationalError (db down), InterfaceError...
      return new OdooUnavailableError(base);
    }
    if (CONCURRENCY_MESSAGE.test(input.message)) return new OdooUnavailableError(base);
    const cls = BY_NAME[name];
    if (cls !== undefined) return new cls(base);
    if (name.startsWith('odoo.exceptions.')) return new OdooUserError(base);
    if (isRetryableStatus(input.httpStatus)) return new OdooUnavailableError(base);
    return new OdooError(base);
  }

  if (input.faultCode !== undefined) {
    switch (input.faultCode) {
      case 3:
        return new OdooAccessDeniedError({ ...base, odooName: 'odoo.exceptions.AccessDenied' });
      case 4:
        return new OdooAccessError({ ...base, odooName: 'odoo.exceptions.AccessError' });
      case 2: {
        // UserError, ValidationError, MissingError and "unknown model" all share faultCode 2.
        if (/^Record does not exist or has been deleted/.test(input.message)) {
          return new OdooMissingError({ ...base, odooName: 'odoo.exceptions.MissingError' });
        }
        if (/^The operation cannot be completed/.test(input.message) || /already assigned/.test(input.message)) {
          return new OdooValidationError({ ...base, odooName: 'odoo.exceptions.ValidationError' });
        }
        return new OdooUserError({ ...base, odooName: 'odoo.exceptions.UserError' });
      }
      default:
        if (CONCURRENCY_MESSAGE.test(input.message)) return new OdooUnavailableError(base);
        return new OdooError(base);
    }
  }

  if (isRetryableStatus(input.httpStatus)) return new OdooUnavailableError(base);
  if (CONCURRENCY_MESSAGE.test(input.message)) return new OdooUnavailableError(base);
  return new OdooError(base);
}

/**
 * Parse an XML-RPC faultCode 1 traceback: the exception is the first non-indented line after the
 * last `Traceback (most recent call last):` block; its message may span several lines.
 */
export function parseTraceback(text: string): { name?: string; message: string } {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith('Traceback (most recent call last):')) {
      start = i;
      break;
    }
  }
  if (start < 0) {
    const m = /^([A-Za-z_][\w.]*): ([\s\S]*)$/.exec(text.trim());
    if (m && /(Error|Exception|Denied|Failure|Warning|Miss)$/.test(m[1]!)) return { name: m[1]!, message: m[2]!.trim() };
    return { message: text.trim() };
  }
  let i = start + 1;
  while (i < lines.length && (lines[i]!.startsWith(' ') || lines[i]!.startsWith('\t') || lines[i] === '')) i++;
  const rest = lines.slice(i).join('\n').trim();
  const m = /^([A-Za-z_][\w.]*)(?:: ([\s\S]*))?$/.exec(rest);
  if (!m) return { message: rest };
  return { name: m[1]!, message: (m[2] ?? '').trim() };
}

/** Replace every occurrence of a secret (and its URL/JSON-escaped forms) in a text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), xmlEscapeForRedaction(secret)]);
    for (const form of forms) {
      if (form) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

function xmlEscapeForRedaction(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Scrub an error in place (message, stack, traceback, cause chain) and return it. */
export function scrubSecrets<E extends Error>(err: E, secrets: readonly string[]): E {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur instanceof Error && !seen.has(cur)) {
    seen.add(cur);
    cur.message = redactText(cur.message, secrets);
    if (cur.stack) cur.stack = redactText(cur.stack, secrets);
    if (cur instanceof OdooError && cur.debug) cur.debug = redactText(cur.debug, secrets);
    cur = (cur as { cause?: unknown }).cause;
  }
  return err;
}
