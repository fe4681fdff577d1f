/**
 * The plain HTTPS channel over real TLS on 127.0.0.1: inbound with a bearer token or a pinned client
 * certificate (a JSON receipt only after the sink stored the bytes), outbound with token, mutual TLS and
 * the partner's CA, and gateway to gateway.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelError } from '../../src/channels';
import { httpsSender } from '../../src/channels/https';
import { InboundChannelSchema, OutboundChannelSchema } from '../../src/partners/schema';
import { PartnerRegistry, type Partner } from '../../src/partners/registry';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { startHttpServer, type HttpServerHandle } from '../../src/server';
import { registerHttpsChannel } from '../../src/server/https-channel';
import { memorySink, testDeps } from '../support/as2';
import { selfSignedCert } from '../support/smtp';

const EDI = readFileSync(join(__dirname, '..', '..', 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function partner(id: string, inbound?: Record<string, unknown>, outbound?: Record<string, unknown>): Partner {
  // Only the channels are used by the https code; the schemas fill the defaults.
  return {
    id,
    name: id,
    channels: {
      inbound: inbound ? [InboundChannelSchema.parse({ type: 'https', ...inbound })] : [],
      ...(outbound ? { outbound: OutboundChannelSchema.parse({ type: 'https', ...outbound }) } : {}),
    },
  } as unknown as Partner;
}

/** A client certificate (self-signed) and its SHA-256 fingerprint as `openssl x509 -fingerprint` prints it. */
function clientCert(): { key: string; cert: string; certFile: string; keyFile: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'https-client-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=partner-client', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const fp = execFileSync('openssl', ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-fingerprint', '-sha256']).toString().trim().split('=')[1];
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem'), fingerprint: fp };
}

function post(url: string, body: Buffer, o: { token?: string; cert?: string; key?: string; ca: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca: o.ca, ...(o.cert ? { cert: o.cert, key: o.key } : {}), headers: { 'content-type': 'application/edi-x12', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('https channel', () => {
  const server = selfSignedCert();
  const client = clientCert();
  const mem = memorySink();
  let http: HttpServerHandle;
  beforeAll(async () => {
    process.env.HTTPS_TEST_TOKEN = 'partner-token-123';
    http = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined }, tls: { key: server.key, cert: server.cert, requestCert: true } });
    const registry = new PartnerRegistry([
      partner('acme', { token: { env: 'HTTPS_TEST_TOKEN' }, maxSize: 4096 }),
      partner('certco', { clientCertificate: client.fingerprint }),
    ]);
    registerHttpsChannel(http, { registry, receive: mem.sink, deps: testDeps() });
  });
  afterAll(() => http.close());

  it('token: the file is stored, then a JSON receipt names it and its sha256', async () => {
    const r = await post(`${http.url}/https/acme`, EDI, { token: 'partner-token-123', ca: server.cert });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'received', messageId: mem.received.length, sha256: sha(EDI), size: EDI.length });
    expect(mem.received.at(-1)).toMatchObject({ partnerId: 'acme', bytes: EDI });
  });

  it('wrong token, unknown partner: 401, nothing stored; too large: 413; the ledger failing: 503 and no receipt', async () => {
    const before = mem.received.length;
    expect((await post(`${http.url}/https/acme`, EDI, { token: 'guess', ca: server.cert })).status).toBe(401);
    expect((await post(`${http.url}/https/nobody`, EDI, { token: 'partner-token-123', ca: server.cert })).status).toBe(401);
    expect((await post(`${http.url}/https/acme`, Buffer.alloc(5000, 65), { token: 'partner-token-123', ca: server.cert })).status).toBe(413);
    mem.fail.on = true;
    const failed = await post(`${http.url}/https/acme`, EDI, { token: 'partner-token-123', ca: server.cert });
    mem.fail.on = false;
    expect(failed.status).toBe(503);
    expect(failed.json.sha256).toBeUndefined();
    expect(mem.received.length).toBe(before);
  });

  it('mutual TLS: the pinned client certificate is the credential; without it, 401', async () => {
    const ok = await post(`${http.url}/https/certco`, EDI, { cert: client.cert, key: client.key, ca: server.cert });
    expect(ok.status).toBe(200);
    expect(mem.received.at(-1)?.partnerId).toBe('certco');
    expect((await post(`${http.url}/https/certco`, EDI, { ca: server.cert })).status).toBe(401);
    const other = clientCert();
    expect((await post(`${http.url}/https/certco`, EDI, { cert: other.cert, key: other.key, ca: server.cert })).status).toBe(401);
  });

  it('outbound: token + client certificate + the partner CA; the receipt is checked; failures are typed', async () => {
    const partnerServer = selfSignedCert();
    let mode: 'ok' | 'wrong-sha' | '500' | '401' = 'ok';
    const seen: { auth?: string; certCn?: string; body: Buffer }[] = [];
    const srv = https.createServer({ key: partnerServer.key, cert: partnerServer.cert, requestCert: true, rejectUnauthorized: true, ca: client.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
        seen.push({ auth: req.headers.authorization, certCn: String(peer.subject?.CN), body });
        if (mode === '500') return void res.writeHead(500).end('busy');
        if (mode === '401') return void res.writeHead(401).end('no');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'received', sha256: mode === 'wrong-sha' ? '00'.repeat(32) : sha(body) }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as import('node:net').AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'https-out-'));
    writeFileSync(join(dir, 'ca.pem'), partnerServer.cert);
    process.env.HTTPS_OUT_TOKEN = 'our-token';
    const p = partner('acme', undefined, { url: `https://127.0.0.1:${port}/edi`, token: { env: 'HTTPS_OUT_TOKEN' }, clientCertificate: client.certFile, clientKey: { file: client.keyFile }, ca: join(dir, 'ca.pem') });
    const sender = httpsSender(testDeps());
    const file = { name: '850-1.edi', bytes: EDI, messageId: 1, messageType: '850', controlNumber: '1', correlationId: 'c1' };
    try {
      const detail = await sender.send(p, file);
      expect(detail).toMatchObject({ channel: 'https', status: 200, sha256: sha(EDI), receipt: { status: 'received' } });
      expect(seen.at(-1)).toMatchObject({ auth: 'Bearer our-token', certCn: 'partner-client', body: EDI });
      mode = 'wrong-sha';
      await expect(sender.send(p, file)).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/did not store what we sent/) });
      mode = '500';
      await expect(sender.send(p, file)).rejects.toMatchObject({ retryable: true });
      mode = '401';
      await expect(sender.send(p, file)).rejects.toMatchObject({ retryable: false });
      mode = 'ok';
      // Without the partner's CA their self-signed server is not trusted: a configuration problem, not retried.
      const untrusted = partner('acme', undefined, { url: `https://127.0.0.1:${port}/edi`, token: { env: 'HTTPS_OUT_TOKEN' } });
      const err = await sender.send(untrusted, file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect((err as ChannelError).retryable).toBe(false);
    } finally {
      srv.close();
    }
  });

  it('gateway to gateway: our sender to our receiver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'https-g2g-'));
    writeFileSync(join(dir, 'ca.pem'), server.cert);
    process.env.HTTPS_OUT_TOKEN = 'partner-token-123';
    const p = partner('us-as-seen-by-them', undefined, { url: `${http.url}/https/acme`, token: { env: 'HTTPS_OUT_TOKEN' }, ca: join(dir, 'ca.pem') });
    const detail = await httpsSender(testDeps()).send(p, { name: 'x.edi', bytes: EDI, messageId: 2, messageType: '850', controlNumber: '2', correlationId: 'c2' });
    expect(detail).toMatchObject({ status: 200, receipt: { status: 'received', sha256: sha(EDI) } });
    expect(mem.received.at(-1)).toMatchObject({ partnerId: 'acme', bytes: EDI });
  });
});
