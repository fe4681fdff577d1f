/**
 * Server-side exceptions of the sandbox, named like the Python classes a real Odoo raises, and the
 * exact messages odoo-api.md recorded.
 */
export class PyException extends Error {
  constructor(
    /** Dotted Python class name, e.g. `odoo.exceptions.UserError`, `builtins.ValueError`. */
    readonly pyName: string,
    message: string,
  ) {
    super(message);
  }
}

export const userError = (msg: string): PyException => new PyException('odoo.exceptions.UserError', msg);
export const validationError = (msg: string): PyException => new PyException('odoo.exceptions.ValidationError', msg);
export const missingError = (msg: string): PyException => new PyException('odoo.exceptions.MissingError', msg);
export const accessError = (msg: string): PyException => new PyException('odoo.exceptions.AccessError', msg);
export const accessDenied = (): PyException => new PyException('odoo.exceptions.AccessDenied', 'Access Denied');
export const valueError = (msg: string): PyException => new PyException('builtins.ValueError', msg);
export const typeError = (msg: string): PyException => new PyException('builtins.TypeError', msg);
export const attributeError = (msg: string): PyException => new PyException('builtins.AttributeError', msg);
export const serializationFailure = (): PyException =>
  new PyException('psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update\n');
export const unknownDatabase = (db: string): PyException =>
  new PyException(
    'psycopg2.OperationalError',
    `connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "${db}" does not exist\n`,
  );

export function recordMissing(model: string, ids: number[], uid: number): PyException {
  return missingError(`Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(', ')}${ids.length === 1 ? ',' : ''}), User: ${uid})`);
}

export function mandatoryFieldError(modelDescription: string, model: string, fieldLabel: string, field: string): PyException {
  return validationError(
    'The operation cannot be completed:\n' +
      '- Create/update: a mandatory field is not set.\n' +
      '- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
      `Model: ${modelDescription} (${model})\nField: ${fieldLabel} (${field})\n`,
  );
}

/** Python's repr() of a JSON-like value, for messages such as "Invalid leaf ('x', '=', 1)". */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t');
    return quote + (quote === "'" ? body.replace(/'/g, "\\'") : body) + quote;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** The Python class name as a traceback prints it (`ValueError`, `odoo.exceptions.UserError`). */
export function tracebackName(pyName: string): string {
  return pyName.startsWith('builtins.') ? pyName.slice('builtins.'.length) : pyName;
}

/** A traceback text shaped like Odoo's (used as `data.debug` and XML-RPC faultCode 1 faultString). */
export function fakeTraceback(exc: PyException): string {
  return (
    'Traceback (most recent call last):\n' +
    '  File "/opt/odoo/odoo/service/model.py", line 156, in retrying\n' +
    '    result = func()\n' +
    '             ^^^^^^\n' +
    '  File "/opt/odoo/odoo/service/model.py", line 87, in execute_kw\n' +
    '    return execute(db, uid, obj, method, *args, **kw or {})\n' +
    `${tracebackName(exc.pyName)}: ${exc.message}${exc.message.endsWith('\n') ? '' : '\n'}`
  );
}
