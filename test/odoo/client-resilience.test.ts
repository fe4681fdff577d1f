/**
 * Outages and overload: time-outs, dropped connections, 5xx, concurrency errors, refused
 * connections, and the concurrency limit of the client.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OdooProtocolError, OdooUnavailableError, type OdooProtocol } from '../../src/odoo';
import type { SandboxHandle } from '../../src/odoo/sandbox';
import { client, PROTOCOLS, rejection, sandbox } from './helpers';

describe.each(PROTOCOLS)('failures over %s', (protocol: OdooProtocol) => {
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

  test('a slow server hits the time-out: OdooUnavailableError, retryable', async () => {
    const c = client(sb, protocol, { timeoutMs: 150 });
    await c.authenticate().catch(() => undefined);
    sb.faults.slow(600);
    const err = await rejection(c.searchRead('res.partner', [['ref', '=', 'CUST-ACME']]));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect((err as OdooUnavailableError).retryable).toBe(true);
    expect(err.message).toMatch(/did not answer within 150 ms/);
  });

  test('a dropped connection: OdooUnavailableError, retryable; then the call succeeds', async () => {
    const c = client(sb, protocol);
    await c.authenticate();
    sb.faults.dropConnections({ times: 1 });
    const err = await rejection(c.searchCount('res.partner', []));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect((err as OdooUnavailableError).retryable).toBe(true);
    await expect(c.searchCount('res.partner', [['ref', '=', 'SUP-WOOD']])).resolves.toBe(1);
  });

  test.each([500, 502, 503, 504])('HTTP %i: OdooUnavailableError, retryable', async (status) => {
    const c = client(sb, protocol);
    await c.authenticate();
    sb.faults.fail5xx({ status, times: 1 });
    const err = await rejection(c.searchCount('res.partner', []));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err).toMatchObject({ retryable: true, httpStatus: status });
    await expect(c.searchCount('res.partner', [['ref', '=', 'SUP-WOOD']])).resolves.toBe(1);
  });

  test('a serialization failure (concurrent update) is retryable and changed nothing', async () => {
    const c = client(sb, protocol);
    await c.authenticate();
    sb.faults.concurrencyError({ times: 1 });
    const err = await rejection(c.write('res.partner', [21], { city: 'Concurrency City' }));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err).toMatchObject({ retryable: true, odooName: 'psycopg2.errors.SerializationFailure' });
    expect(err.message).toMatch(/could not serialize access due to concurrent update/);
    expect(sb.data.record('res.partner', 21)!.city).toBe('Fremont');
    await expect(c.write('res.partner', [21], { city: 'Fremont' })).resolves.toBe(true);
  });

  test('the concurrency limit is respected', async () => {
    const c = client(sb, protocol, { maxConcurrency: 2 });
    await c.authenticate();
    await sb.resetStats();
    sb.faults.slow(60);
    const results = await Promise.all(Array.from({ length: 8 }, () => c.searchCount('product.product', [])));
    expect(new Set(results).size).toBe(1);
    expect(sb.stats.maxInFlight).toBe(2);
    expect(sb.stats.requests).toBe(8);
  });
});

test('connection refused: OdooUnavailableError, retryable', async () => {
  // a port that was free a moment ago
  const srv = http.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  for (const protocol of PROTOCOLS) {
    const c = client({ url: `http://127.0.0.1:${port}` } as SandboxHandle, protocol);
    const err = await rejection(c.searchCount('res.partner', []));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect((err as OdooUnavailableError).retryable).toBe(true);
  }
});

test('a caller abort signal cancels the call', async () => {
  const sb = await sandbox();
  try {
    const c = client(sb, 'jsonrpc');
    await c.authenticate();
    sb.faults.slow(500);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await rejection(c.searchCount('res.partner', [], { signal: ac.signal }));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err.message).toMatch(/aborted/);
  } finally {
    await sb.close();
  }
});

test('a signal aborted before the call sends nothing', async () => {
  const sb = await sandbox();
  try {
    const c = client(sb, 'jsonrpc');
    await c.authenticate();
    await sb.resetStats();
    const err = await rejection(c.searchCount('res.partner', [], { signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err.message).toMatch(/aborted/);
    expect(sb.stats.requests).toBe(0);
  } finally {
    await sb.close();
  }
});

test('an answer cut off mid-body fails at once as retryable, not at the time-out', async () => {
  const srv = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '500' });
    res.write('{"jsonrpc": "2.0", "id": 1, "res');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    const started = Date.now();
    const err = await rejection(client({ url } as SandboxHandle, 'jsonrpc', { timeoutMs: 10_000 }).version());
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect((err as OdooUnavailableError).retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});

test('JSON-2 against an 18.0 server (route missing, 303 to /web/login) is a protocol error', async () => {
  const sb = await sandbox({ json2: false });
  try {
    const err = await rejection(client(sb, 'json2').searchRead('res.partner', []));
    expect(err).toBeInstanceOf(OdooProtocolError);
    expect(err.message).toMatch(/JSON-2 needs Odoo 19/);
    expect((err as OdooProtocolError).retryable).toBe(false);
  } finally {
    await sb.close();
  }
});

test('answers of the wrong shape are protocol errors', async () => {
  const srv = http.createServer((req, res) => {
    if (req.url === '/jsonrpc') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: 'not-a-uid' }));
    } else if (req.url?.startsWith('/json/2/')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify([{ name: 'no id' }]));
    } else {
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end('this is not xml');
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  try {
    for (const protocol of PROTOCOLS) {
      const err = await rejection(client({ url } as SandboxHandle, protocol).searchRead('res.partner', []));
      expect(err).toBeInstanceOf(OdooProtocolError);
    }
  } finally {
    srv.closeAllConnections();
    await new Promise<void>((r) => srv.close(() => r()));
  }
});
