import * as http from 'node:http';
import * as net from 'node:net';
import pino from 'pino';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { HttpError, sendJson, startHttpServer, type HttpServerHandle, type HttpServerOptions } from '../../src/server';

type LogLine = { level: number; msg: string; err?: { message: string; stack?: string }; [k: string]: unknown };

const open: HttpServerHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

function captureLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

async function start(overrides: Partial<HttpServerOptions> = {}): Promise<HttpServerHandle> {
  const handle = await startHttpServer({
    metrics: new GatewayMetrics({ processMetrics: false }),
    checks: { ledger: () => undefined, odoo: async () => undefined },
    ...overrides,
  });
  open.push(handle);
  return handle;
}

async function json(res: Response): Promise<Record<string, unknown>> {
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return (await res.json()) as Record<string, unknown>;
}

/** POSTs `parts` as a chunked body (no Content-Length) with node:http, since fetch always knows the length of a Buffer. */
function postChunked(url: string, parts: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
}

describe('startHttpServer', () => {
  it('listens on 127.0.0.1 on a random port by default', async () => {
    const h = await start();
    expect(h.port).toBeGreaterThan(0);
    expect(h.url).toBe(`http://127.0.0.1:${h.port}`);
  });

  it('refuses invalid options with the key named', async () => {
    await expect(start({ port: 70000 })).rejects.toThrow(/port/);
    await expect(start({ auth: { token: '' } })).rejects.toThrow(/auth\.token/);
  });

  describe('/healthz', () => {
    it('answers 200 {"status":"ok"} without consulting the checks', async () => {
      const h = await start({ checks: { ledger: () => Promise.reject(new Error('down')), odoo: () => new Promise(() => undefined) } });
      const res = await fetch(`${h.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ status: 'ok' });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('serves HEAD through the GET route without a body', async () => {
      const h = await start();
      const res = await fetch(`${h.url}/healthz`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    });

    it('echoes a well-formed X-Request-Id and generates one otherwise', async () => {
      const h = await start();
      const given = await fetch(`${h.url}/healthz`, { headers: { 'X-Request-Id': 'corr-42' } });
      expect(given.headers.get('x-request-id')).toBe('corr-42');
      const bad = await fetch(`${h.url}/healthz`, { headers: { 'X-Request-Id': 'no spaces <allowed>' } });
      expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('/readyz', () => {
    it('answers 200 when both checks pass', async () => {
      const h = await start();
      const res = await fetch(`${h.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ status: 'ready', checks: { ledger: 'ok', odoo: 'ok' } });
    });

    it('answers 503 with the reason when the ledger check rejects', async () => {
      const h = await start({ checks: { ledger: async () => Promise.reject(new Error('database is locked')), odoo: () => undefined } });
      const res = await fetch(`${h.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await json(res)).toEqual({ status: 'not_ready', checks: { ledger: 'database is locked', odoo: 'ok' } });
    });

    it('answers 503 when a check throws synchronously', async () => {
      const h = await start({
        checks: {
          ledger: () => undefined,
          odoo: () => {
            throw new Error('odoo unreachable');
          },
        },
      });
      const res = await fetch(`${h.url}/readyz`);
      expect(res.status).toBe(503);
      expect((await json(res)).checks).toEqual({ ledger: 'ok', odoo: 'odoo unreachable' });
    });

    it('answers 503 within the timeout when the Odoo check hangs, and starts no second call while it hangs', async () => {
      let calls = 0;
      const h = await start({
        readyTimeoutMs: 150,
        checks: {
          ledger: () => undefined,
          odoo: () => {
            calls += 1;
            return new Promise<void>(() => undefined);
          },
        },
      });
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        const res = await fetch(`${h.url}/readyz`);
        expect(Date.now() - started).toBeLessThan(1500);
        expect(res.status).toBe(503);
        expect((await json(res)).checks).toEqual({ ledger: 'ok', odoo: 'odoo check timed out after 150 ms' });
      }
      expect(calls).toBe(1);
    });

    it('abandons a check that never settles after ten timeouts, so recovery is seen', async () => {
      let calls = 0;
      let up = false;
      const h = await start({
        readyTimeoutMs: 50,
        checks: {
          ledger: () => undefined,
          odoo: () => {
            calls += 1;
            return up ? Promise.resolve() : new Promise<void>(() => undefined);
          },
        },
      });
      expect((await fetch(`${h.url}/readyz`)).status).toBe(503);
      up = true;
      expect((await fetch(`${h.url}/readyz`)).status).toBe(503); // still awaiting the first, hung call
      await new Promise((r) => setTimeout(r, 550));
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
      expect(calls).toBe(2);
    });

    it('bounds a hung check by 2 s by default', async () => {
      const h = await start({ checks: { ledger: () => new Promise<void>(() => undefined), odoo: () => undefined } });
      const started = Date.now();
      const res = await fetch(`${h.url}/readyz`);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(4000);
      expect((await json(res)).checks).toEqual({ ledger: 'ledger check timed out after 2000 ms', odoo: 'ok' });
    });

    it('becomes ready again once the dependency recovers', async () => {
      let up = false;
      const h = await start({
        checks: {
          ledger: () => undefined,
          odoo: () => {
            if (!up) throw new Error('connection refused');
          },
        },
      });
      expect((await fetch(`${h.url}/readyz`)).status).toBe(503);
      up = true;
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    });
  });

  describe('/metrics', () => {
    it('serves the Prometheus text with the counters recorded so far', async () => {
      const metrics = new GatewayMetrics();
      metrics.onCollect(() => metrics.setDeadLetterSize(4));
      const h = await start({ metrics });
      metrics.message('acme', 'inbound', 'received');
      metrics.observeOdooCall('sale.order.create', 0.05);

      const res = await fetch(`${h.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toContain('edi_messages_total{partner="acme",direction="inbound",state="received"} 1');
      expect(text).toContain('edi_odoo_call_seconds_count{method="sale.order.create"} 1');
      expect(text).toContain('edi_dead_letter_size 4');
      expect(text).toContain('process_cpu_user_seconds_total');

      metrics.message('acme', 'inbound', 'received');
      expect(await (await fetch(`${h.url}/metrics`)).text()).toContain(
        'edi_messages_total{partner="acme",direction="inbound",state="received"} 2',
      );
    });

    it('requires the bearer token when one is configured, leaving health and readiness open', async () => {
      const h = await start({ auth: { token: 's3cret-token' } });

      const none = await fetch(`${h.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="edi-gateway"');
      expect(await json(none)).toMatchObject({ error: 'unauthorized' });

      for (const header of ['Bearer wrong', 'Bearer s3cret-token-and-more', 'Basic czNjcmV0LXRva2Vu', 's3cret-token']) {
        expect((await fetch(`${h.url}/metrics`, { headers: { Authorization: header } })).status).toBe(401);
      }

      const ok = await fetch(`${h.url}/metrics`, { headers: { Authorization: 'Bearer s3cret-token' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE edi_messages_total counter');
      expect((await fetch(`${h.url}/metrics`, { headers: { Authorization: 'bearer s3cret-token' } })).status).toBe(200);

      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
    });

    it('is open when no token is configured', async () => {
      const h = await start();
      expect((await fetch(`${h.url}/metrics`)).status).toBe(200);
    });
  });

  describe('route table and error shapes', () => {
    it('routes by prefix, segment-wise, with the longest prefix winning', async () => {
      const h = await start();
      h.route('GET', '/api', (_req, res, ctx) => sendJson(res, 200, { route: 'api', subpath: ctx.subpath, q: ctx.query.get('q') }));
      h.route('GET', '/api/orders/', (_req, res, ctx) => sendJson(res, 200, { route: 'orders', subpath: ctx.subpath }));

      expect(await json(await fetch(`${h.url}/api`))).toEqual({ route: 'api', subpath: '', q: null });
      expect(await json(await fetch(`${h.url}/api/partners/acme?q=x`))).toEqual({ route: 'api', subpath: '/partners/acme', q: 'x' });
      expect(await json(await fetch(`${h.url}/api/orders/17`))).toEqual({ route: 'orders', subpath: '/17' });
      expect((await fetch(`${h.url}/apix`)).status).toBe(404);
      expect(() => h.route('GET', '/api', () => undefined)).toThrow(/already registered/);
      expect(() => h.route('GET', 'api', () => undefined)).toThrow(/must start with/);
    });

    it('answers 404 as JSON for an unknown path', async () => {
      const h = await start();
      const res = await fetch(`${h.url}/nope?x=1`);
      expect(res.status).toBe(404);
      const body = await json(res);
      expect(body).toEqual({ error: 'not_found', message: 'no route for GET /nope', requestId: res.headers.get('x-request-id') });
    });

    it('answers 405 with Allow for a known path and another method', async () => {
      const h = await start();
      h.route('POST', '/as2', (_req, res) => sendJson(res, 200, {}));
      h.route('PUT', '/as2', (_req, res) => sendJson(res, 200, {}));

      const res = await fetch(`${h.url}/healthz`, { method: 'POST' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await json(res)).toMatchObject({ error: 'method_not_allowed', message: 'POST is not allowed on /healthz' });

      const as2 = await fetch(`${h.url}/as2/inbox`, { method: 'DELETE' });
      expect(as2.status).toBe(405);
      expect(as2.headers.get('allow')).toBe('POST, PUT');
    });

    it('hands a body within the limit to the handler', async () => {
      const h = await start({ maxBodyBytes: 1024 });
      h.route('POST', '/echo', async (_req, res, ctx) => sendJson(res, 200, { bytes: (await ctx.readBody()).length }));
      const res = await fetch(`${h.url}/echo`, { method: 'POST', body: Buffer.alloc(1024, 0x41) });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ bytes: 1024 });
      const chunked = await postChunked(`${h.url}/echo`, [Buffer.alloc(500), Buffer.alloc(524)]);
      expect(chunked).toEqual({ status: 200, body: '{"bytes":1024}' });
    });

    it('answers 413 to a Content-Length over maxBodyBytes before the handler runs', async () => {
      let handlerRan = false;
      const h = await start({ maxBodyBytes: 1024 });
      h.route('POST', '/echo', (_req, res) => {
        handlerRan = true;
        sendJson(res, 200, {});
      });
      const res = await fetch(`${h.url}/echo`, { method: 'POST', body: Buffer.alloc(1025) });
      expect(res.status).toBe(413);
      expect(await json(res)).toMatchObject({ error: 'payload_too_large', message: 'the request body exceeds 1024 bytes' });
      expect(handlerRan).toBe(false);
    });

    it('answers 413 when a chunked body streams past maxBodyBytes', async () => {
      const h = await start({ maxBodyBytes: 1024 });
      h.route('POST', '/echo', async (_req, res, ctx) => sendJson(res, 200, { bytes: (await ctx.readBody()).length }));
      const res = await postChunked(`${h.url}/echo`, [Buffer.alloc(600), Buffer.alloc(600)]);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'payload_too_large' });
    });

    it('answers 400 to a request that is not HTTP and keeps serving', async () => {
      const h = await start();
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(h.port, '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
        let data = '';
        socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
        socket.on('close', () => resolve(data));
        socket.on('error', reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    });

    it('answers 500 with a generic message and logs the error when a handler throws', async () => {
      const { logger, lines } = captureLogger();
      const h = await start({ logger });
      h.route('GET', '/boom', () => {
        throw new Error('secret detail from deep inside');
      });
      const res = await fetch(`${h.url}/boom`);
      expect(res.status).toBe(500);
      const text = await res.text();
      const requestId = res.headers.get('x-request-id');
      expect(JSON.parse(text)).toEqual({ error: 'internal_error', message: 'internal server error', requestId });
      expect(text).not.toContain('secret detail');
      const logged = lines.find((l) => l.msg === 'route handler failed');
      expect(logged?.err?.message).toBe('secret detail from deep inside');
      expect(logged?.requestId).toBe(requestId);
    });

    it('passes an HttpError thrown by a handler through with its status and message', async () => {
      const h = await start();
      h.route('GET', '/teapot', async () => {
        throw new HttpError(422, 'unknown_partner', 'no partner acme-x');
      });
      const res = await fetch(`${h.url}/teapot`);
      expect(res.status).toBe(422);
      expect(await json(res)).toMatchObject({ error: 'unknown_partner', message: 'no partner acme-x' });
    });

    it('applies the bearer token to routes registered with auth: true', async () => {
      const h = await start({ auth: { token: 't0k' } });
      h.route('GET', '/api', (_req, res) => sendJson(res, 200, { ok: true }), { auth: true });
      h.route('GET', '/public', (_req, res) => sendJson(res, 200, { ok: true }));
      expect((await fetch(`${h.url}/api/x`)).status).toBe(401);
      expect((await fetch(`${h.url}/api/x`, { headers: { Authorization: 'Bearer t0k' } })).status).toBe(200);
      expect((await fetch(`${h.url}/public`)).status).toBe(200);
    });
  });

  describe('close()', () => {
    it('lets an in-flight slow request finish, then stops accepting', async () => {
      const h = await start();
      let entered!: () => void;
      const inHandler = new Promise<void>((r) => (entered = r));
      h.route('GET', '/slow', async (_req, res) => {
        entered();
        await new Promise((r) => setTimeout(r, 300));
        sendJson(res, 200, { done: true });
      });
      // Leave an idle keep-alive connection behind too: close() must not wait for it.
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);

      const pending = fetch(`${h.url}/slow`);
      await inHandler;
      const started = Date.now();
      const closed = h.close();
      const res = await pending;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ done: true });
      await closed;
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
      await h.close(); // idempotent
    });

    it('destroys a request still running after closeTimeoutMs and resolves', async () => {
      const h = await start({ closeTimeoutMs: 200 });
      let entered!: () => void;
      const inHandler = new Promise<void>((r) => (entered = r));
      h.route('GET', '/hang', () => entered());
      const pending = fetch(`${h.url}/hang`);
      const outcome = pending.then(
        () => 'answered',
        () => 'cut',
      );
      await inHandler;
      const started = Date.now();
      await h.close();
      expect(Date.now() - started).toBeLessThan(1500);
      expect(await outcome).toBe('cut');
    });
  });
});
