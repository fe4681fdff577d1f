/**
 * No credential in any error or log line; XML-RPC responses are parsed without entity expansion.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooError, OdooProtocolError, scrubSecrets, type OdooLogger, type OdooProtocol } from '../../src/odoo';
import type { SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, PASSWORD, PROTOCOLS, rejection, sandbox } from './helpers';

function collectingLogger(): { logger: OdooLogger; lines: string[] } {
  const lines: string[] = [];
  const push = (obj: Record<string, unknown>, msg?: string): void => {
    lines.push(JSON.stringify({ ...obj, msg }));
  };
  return { logger: { debug: push, warn: push }, lines };
}

function everything(err: unknown): string {
  const e = err as Error & { debug?: string; cause?: unknown };
  const parts = [String(e), e.message, e.stack ?? '', e.debug ?? '', JSON.stringify(e), JSON.stringify(Object.getOwnPropertyNames(e).map((k) => (e as unknown as Record<string, unknown>)[k]))];
  let cause = e.cause;
  for (let i = 0; i < 5 && cause; i++) {
    parts.push(String(cause), (cause as Error).stack ?? '');
    cause = (cause as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

describe.each(PROTOCOLS)('no secret leaks over %s', (protocol: OdooProtocol) => {
  let sb: SandboxHandle;
  beforeAll(async () => {
    sb = await sandbox();
  });
  afterAll(async () => {
    await sb.close();
  });
  afterEach(async () => {
    sb.faults.clear();
    await sb.idle();
  });

  test('errors and log lines never contain the password or the API key', async () => {
    const { logger, lines } = collectingLogger();
    // Both secrets configured: both must be kept out of messages, even when Odoo echoes them.
    const c = client(sb, protocol, { apiKey: API_KEY, password: PASSWORD, logger, timeoutMs: 200 });
    const wrong = client(sb, protocol, { apiKey: `${API_KEY}-wrong`, logger });
    const errors: unknown[] = [];
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      errors.push(await rejection(p));
    };

    await attempt(wrong.searchRead('res.partner', []));
    await attempt(c.create('sale.order', { client_order_ref: PASSWORD }));
    await attempt(c.create('res.partner', { name: 'x', [`f_${API_KEY.replace(/-/g, '_')}`]: 1 }));
    await attempt(c.searchRead('res.partner', [['ref', 'bad-operator', API_KEY]]));
    sb.faults.fail5xx({ times: 1 });
    await attempt(c.searchCount('res.partner', []));
    sb.faults.dropConnections({ times: 1 });
    await attempt(c.searchCount('res.partner', []));
    sb.faults.concurrencyError({ times: 1 });
    await attempt(c.write('res.partner', [20], { comment: PASSWORD } as Record<string, unknown>));
    sb.faults.slow(400);
    await attempt(c.searchCount('res.partner', []));
    sb.faults.clear();

    expect(errors).toHaveLength(8);
    for (const err of errors) {
      expect(err).toBeInstanceOf(OdooError);
      const text = everything(err);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(API_KEY);
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(PASSWORD);
      expect(line).not.toContain(API_KEY);
    }
    // the client object itself does not serialise its secrets
    expect(JSON.stringify(c)).not.toContain(PASSWORD);
    expect(JSON.stringify(c)).not.toContain(API_KEY);
  });
});

test('scrubSecrets redacts a secret that an Odoo message echoes back', () => {
  const err = new OdooError({ message: `bad value "${PASSWORD}" for ${encodeURIComponent(API_KEY)}`, debug: `Traceback... ${API_KEY}` });
  scrubSecrets(err, [PASSWORD, API_KEY]);
  expect(err.message).toBe('bad value "[redacted]" for [redacted]');
  expect(err.stack).not.toContain(PASSWORD);
  expect(err.debug).not.toContain(API_KEY);
});

describe('XML-RPC responses from a hostile server', () => {
  let server: http.Server;
  let url: string;
  let body = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>';
  test.each([
    ['billion laughs', `<?xml version="1.0"?>${lol}<methodResponse><params><param><value><string>&lol2;</string></value></param></params></methodResponse>`],
    ['external entity', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><methodResponse><params><param><value><string>&xxe;</string></value></param></params></methodResponse>'],
    ['undeclared entity', '<?xml version="1.0"?><methodResponse><params><param><value><string>&lol;</string></value></param></params></methodResponse>'],
  ])('%s: not expanded, a protocol error', async (_name, xml) => {
    body = xml;
    const c = client({ url } as SandboxHandle, 'xmlrpc');
    const err = await rejection(c.version());
    expect(err).toBeInstanceOf(OdooProtocolError);
    expect(err.message).not.toContain('lollol');
    expect(err.message).not.toContain('root:');
  });

  test('element names such as __proto__ and constructor do not pollute anything', async () => {
    body =
      '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
      '<member><name>server_version</name><value><string>18.0</string></value></member>' +
      '<member><name>__proto__</name><value><struct><member><name>polluted</name><value><boolean>1</boolean></value></member></struct></value></member>' +
      '<member><name>constructor</name><value><string>x</string></value></member>' +
      '</struct></value></param></params></methodResponse>';
    const v = await client({ url } as SandboxHandle, 'xmlrpc').version();
    expect(v.serverVersion).toBe('18.0');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('an unknown XML element in a value is a protocol error', async () => {
    body = '<?xml version="1.0"?><methodResponse><params><param><value><constructor>1</constructor></value></param></params></methodResponse>';
    await expect(client({ url } as SandboxHandle, 'xmlrpc').version()).rejects.toBeInstanceOf(OdooProtocolError);
  });
});
