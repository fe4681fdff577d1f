import { Parser } from 'xml2js';
import {
  classify,
  OdooAccessDeniedError,
  OdooAccessError,
  OdooError,
  OdooMissingError,
  OdooRequestError,
  OdooUnavailableError,
  OdooUserError,
  OdooValidationError,
  parseTraceback,
  redactText,
  Semaphore,
  fieldNamesFor,
  parseVersion,
} from '../../src/odoo';
import { decodeMethodCall, decodeMethodResponse, encodeFault, encodeMethodCall, encodeMethodResponse, encodeValue } from '../../src/odoo/client/xmlrpc-codec';

describe('classify(): JSON-RPC error.data.name and JSON-2 names', () => {
  test.each([
    ['odoo.exceptions.AccessDenied', 'Access Denied', OdooAccessDeniedError, false],
    ['odoo.exceptions.AccessError', "You are not allowed to access 'System Parameter'", OdooAccessError, false],
    ['odoo.exceptions.ValidationError', 'The operation cannot be completed: Contacts require a name', OdooValidationError, false],
    ['odoo.exceptions.MissingError', 'Record does not exist or has been deleted.', OdooMissingError, false],
    ['odoo.exceptions.UserError', 'Some orders are not in a state requiring confirmation.', OdooUserError, false],
    ['odoo.exceptions.RedirectWarning', 'Configure a journal', OdooUserError, false],
    ['builtins.ValueError', "Invalid field 'x' on model 'res.partner'", OdooRequestError, false],
    ['builtins.AttributeError', "The method 'res.partner.x' does not exist", OdooRequestError, false],
    ['builtins.TypeError', 'unexpected keyword argument', OdooRequestError, false],
    ['psycopg2.errors.SerializationFailure', 'could not serialize access due to concurrent update', OdooUnavailableError, true],
    ['psycopg2.extensions.TransactionRollbackError', 'deadlock detected', OdooUnavailableError, true],
    ['psycopg2.OperationalError', 'server closed the connection unexpectedly', OdooUnavailableError, true],
    ['psycopg2.OperationalError', 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nodb" does not exist\n', OdooAccessDeniedError, false],
    ['psycopg2.errors.UniqueViolation', 'duplicate key value violates unique constraint', OdooValidationError, false],
    ['odoo.exceptions.ConcurrencyError', 'concurrent', OdooUnavailableError, true],
    ['werkzeug.exceptions.Unauthorized', 'Invalid apikey', OdooAccessDeniedError, false],
    ['werkzeug.exceptions.Forbidden', 'forbidden', OdooAccessError, false],
    ['werkzeug.exceptions.NotFound', 'The requested URL was not found on the server.', OdooRequestError, false],
    ['werkzeug.exceptions.ServiceUnavailable', 'busy', OdooUnavailableError, true],
    ['werkzeug.exceptions.GatewayTimeout', 'timeout', OdooUnavailableError, true],
  ])('%s → %p', (name, message, cls, retryable) => {
    const err = classify({ name, message, model: 'res.partner', method: 'write' });
    expect(err).toBeInstanceOf(cls);
    expect(err.retryable).toBe(retryable);
    expect(err).toMatchObject({ odooName: name, model: 'res.partner', method: 'write', message });
    expect(err.target).toBe('res.partner.write');
  });

  test('an unknown exception name is a non-retryable OdooError unless the status says 5xx', () => {
    const e = classify({ name: 'builtins.ZeroDivisionError', message: 'division by zero' });
    expect(e.constructor).toBe(OdooError);
    expect(e.retryable).toBe(false);
    expect(classify({ message: 'proxy', httpStatus: 503 })).toBeInstanceOf(OdooUnavailableError);
  });
});

describe('classify(): XML-RPC faults', () => {
  test.each([
    [3, 'Access Denied', OdooAccessDeniedError],
    [4, "You are not allowed to modify 'User' (res.users) records.", OdooAccessError],
    [2, 'The operation cannot be completed:\n- Create/update: a mandatory field is not set.', OdooValidationError],
    [2, 'Record does not exist or has been deleted.\n(Record: res.partner(999999,), User: 2)', OdooMissingError],
    [2, "Object x.nonexistent doesn't exist", OdooUserError],
    [2, 'Some orders are not in a state requiring confirmation.', OdooUserError],
  ])('faultCode %i "%s"', (faultCode, message, cls) => {
    const e = classify({ faultCode, message });
    expect(e).toBeInstanceOf(cls);
    expect(e.retryable).toBe(false);
    expect(e.faultCode).toBe(faultCode);
  });

  test('parseTraceback reads the last line(s) of a Python traceback', () => {
    const tb =
      'Traceback (most recent call last):\n  File "/odoo/models.py", line 6406, in _update_cache\n    x\nValueError: Invalid field \'no_such_field\' on model \'res.partner\'\n';
    expect(parseTraceback(tb)).toEqual({ name: 'ValueError', message: "Invalid field 'no_such_field' on model 'res.partner'" });
    const chained =
      'Traceback (most recent call last):\n  File "a", line 1\nKeyError: 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b", line 2\n    y\npsycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n';
    expect(parseTraceback(chained)).toEqual({ name: 'psycopg2.errors.SerializationFailure', message: 'could not serialize access due to concurrent update' });
    const e = classify({ ...parseTraceback(chained), faultCode: 1 });
    expect(e).toBeInstanceOf(OdooUnavailableError);
    expect(parseTraceback('TypeError: cannot marshal None unless allow_none is enabled')).toEqual({ name: 'TypeError', message: 'cannot marshal None unless allow_none is enabled' });
  });

  test('redactText removes raw, JSON-escaped, URL-encoded and XML-escaped forms', () => {
    const secret = 'p&ss"w/rd<1>';
    const text = `a ${secret} b ${JSON.stringify(secret)} c ${encodeURIComponent(secret)} d p&amp;ss"w/rd&lt;1&gt;`;
    const out = redactText(text, [secret]);
    expect(out).not.toContain('ss"w');
    expect(out).not.toContain('ss%22w');
    expect(out).not.toContain('p&amp;ss');
  });
});

describe('XML-RPC codec', () => {
  test('round trip of every type, with escaping', async () => {
    const value = {
      s: 'a < b & c > d "q" \'s\' \r\n end',
      empty: '',
      space: '   ',
      i: 42,
      neg: -7,
      big: 2 ** 40,
      f: 79.8,
      t: true,
      f0: false,
      list: [1, 'two', [3], { four: 4 }],
      nested: { deeper: { x: 'y' } },
      bin: new Uint8Array([0, 1, 2, 255]),
      unicode: 'Zürich – 東京 😀',
    };
    const xml = encodeMethodResponse(value);
    const out = await decodeMethodResponse(xml);
    expect(out).toEqual({ kind: 'result', value });
    const call = await decodeMethodCall(encodeMethodCall('execute_kw', ['edi', 2, 'pw', 'res.partner', 'search_read', [[['name', 'ilike', 'a&b']]], { fields: ['name'] }]));
    expect(call).toEqual({ method: 'execute_kw', params: ['edi', 2, 'pw', 'res.partner', 'search_read', [[['name', 'ilike', 'a&b']]], { fields: ['name'] }] });
  });

  test('faults decode to code and string; untyped values are strings', async () => {
    expect(await decodeMethodResponse(encodeFault(2, 'x < y'))).toEqual({ kind: 'fault', faultCode: 2, faultString: 'x < y' });
    expect(await decodeMethodResponse('<?xml version="1.0"?><methodResponse><params><param><value>plain</value></param></params></methodResponse>')).toEqual({
      kind: 'result',
      value: 'plain',
    });
  });

  test('strings XML cannot carry are refused at encoding', () => {
    expect(() => encodeValue('bell \u0007')).toThrow(/cannot carry/);
    expect(() => encodeValue(Number.NaN)).toThrow(/non-finite/);
  });

  test('xml2js in strict mode itself does not expand internal entities', async () => {
    const parser = new Parser({ strict: true });
    await expect(parser.parseStringPromise('<!DOCTYPE r [<!ENTITY a "AAAA">]><r>&a;</r>')).rejects.toThrow(/entity/i);
  });
});

test('Semaphore: at most `limit` tasks at once, FIFO', async () => {
  const s = new Semaphore(2);
  let running = 0;
  let max = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      s.run(async () => {
        running++;
        max = Math.max(max, running);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }),
    ),
  );
  expect(max).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  expect(s.running).toBe(0);
});

test('versions and field names', () => {
  expect(parseVersion({ server_version: 'saas~17.2+e' })).toMatchObject({ major: 17, minor: 2 });
  expect(parseVersion({ server_version: '18.0-20250702', server_version_info: [18, 0, 0, 'final', 0, ''] })).toMatchObject({ major: 18, minor: 0 });
  expect(fieldNamesFor(19).saleLineUom).toBe('product_uom_id');
  expect(fieldNamesFor(16)).toMatchObject({ moveLineQuantity: 'qty_done', hasPicked: false });
  expect(fieldNamesFor(18).storableProductDomain).toEqual([['is_storable', '=', true]]);
});
