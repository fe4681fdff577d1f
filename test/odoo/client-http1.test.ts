/**
 * The client's own HTTP/1.1 wire (`src/odoo/client/http1.ts`, through `postRaw`): answer framings,
 * keep-alive and its ends, limits, refused headers, and TLS, against real servers on loopback.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { OdooProtocolError, OdooUnavailableError } from '../../src/odoo';
import { postRaw } from '../../src/odoo/client/http';
import { selfSignedCert } from '../support/smtp';

const OPTS = { timeoutMs: 5_000 };
const JSON_HEADERS = { 'Content-Type': 'application/json' };

interface Served {
  url: string;
  /** Connections the server accepted so far. */
  connections: () => number;
  /** Request bodies in arrival order. */
  bodies: string[];
  close: () => Promise<void>;
}

/** A node:http(s) server that answers every POST with `answer(req, res, body)`. */
async function serve(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void, tlsOptions?: { key: string; cert: string }): Promise<Served> {
  let connections = 0;
  const bodies: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      answer(req, res, body);
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  server.on(tlsOptions ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}/jsonrpc`,
    connections: () => connections,
    bodies,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A plain TCP server that writes `reply` (raw bytes) for each request it reads, then does `after`. */
async function rawServer(reply: (n: number) => string, after: 'keep' | 'end' | 'endLater' = 'keep'): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      buf = buf.slice(end + 4 + len);
      s.write(reply(n++));
      if (after === 'end') s.end();
      if (after === 'endLater') setTimeout(() => s.end(), 30);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jsonrpc`,
    connections: () => connections,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

test('a chunked answer is decoded, and the kept-alive connection serves the next calls', async () => {
  const s = await serve((_req, res, body) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    // Three writes without a length: node sends them as chunks.
    res.write('{"echo":');
    setTimeout(() => {
      res.write(JSON.stringify(body));
      res.end('}');
    }, 5);
  });
  try {
    for (const word of ['one', 'twö', 'three']) {
      const res = await postRaw(s.url, word, JSON_HEADERS, OPTS);
      expect(res.status).toBe(200);
      expect(res.headers.get('Transfer-Encoding')).toBe('chunked');
      expect(JSON.parse(res.text)).toEqual({ echo: word });
    }
    expect(s.bodies).toEqual(['one', 'twö', 'three']);
    expect(s.connections()).toBe(1);
  } finally {
    await s.close();
  }
});

test('an answer with Connection: close is read whole, and the next call opens a new connection', async () => {
  const s = await serve((_req, res, body) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' });
    res.end(`got ${body}`);
  });
  try {
    expect((await postRaw(s.url, 'a', {}, OPTS)).text).toBe('got a');
    expect((await postRaw(s.url, 'b', {}, OPTS)).text).toBe('got b');
    expect(s.connections()).toBe(2);
  } finally {
    await s.close();
  }
});

test('an answer framed by the end of the connection, and one after an interim 100 Continue', async () => {
  const untilEnd = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it until the end', 'end');
  const interim = await rawServer((n) => `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-N: ${n}\r\n\r\nhello`);
  try {
    expect((await postRaw(untilEnd.url, 'x', {}, OPTS)).text).toBe('all of it until the end');
    expect((await postRaw(untilEnd.url, 'y', {}, OPTS)).text).toBe('all of it until the end');
    expect(untilEnd.connections()).toBe(2);
    const first = await postRaw(interim.url, 'x', {}, OPTS);
    const second = await postRaw(interim.url, 'y', {}, OPTS);
    expect([first.status, first.text, first.headers.get('x-n')]).toEqual([200, 'hello', '0']);
    expect([second.status, second.text, second.headers.get('x-n')]).toEqual([200, 'hello', '1']);
    expect(interim.connections()).toBe(1);
  } finally {
    await untilEnd.close();
    await interim.close();
  }
});

test('a connection the server closed while idle is not reused: the next call succeeds on a new one', async () => {
  const s = await rawServer((n) => `HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`, 'endLater');
  try {
    expect((await postRaw(s.url, 'a', {}, OPTS)).text).toBe('0');
    await new Promise((r) => setTimeout(r, 100));
    expect((await postRaw(s.url, 'b', {}, OPTS)).text).toBe('1');
    expect(s.connections()).toBe(2);
  } finally {
    await s.close();
  }
});

test('answers over the size limit, malformed answers and a cut-off body are errors, not hangs', async () => {
  const big = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Length': '5000' });
    res.end('x'.repeat(5000));
  });
  const bigChunked = await serve((_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
    res.end();
  });
  const garbage = await rawServer(() => 'SMTP/2.0 hello there\r\n\r\n');
  const cut = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part', 'end');
  try {
    const tooBig = await rejection(postRaw(big.url, 'x', {}, { ...OPTS, maxBytes: 1000 }));
    expect(tooBig).toBeInstanceOf(OdooProtocolError);
    expect(tooBig.message).toMatch(/too large \(5000 bytes\)/);
    const tooBigChunked = await rejection(postRaw(bigChunked.url, 'x', {}, { ...OPTS, maxBytes: 2500 }));
    expect(tooBigChunked).toBeInstanceOf(OdooProtocolError);
    expect(tooBigChunked.message).toMatch(/too large \(over 2500 bytes\)/);
    const bad = await rejection(postRaw(garbage.url, 'x', {}, OPTS));
    expect(bad).toBeInstanceOf(OdooProtocolError);
    expect(bad.message).toMatch(/not an HTTP\/1.x answer/);
    const cutOff = await rejection(postRaw(cut.url, 'x', {}, OPTS));
    expect(cutOff).toBeInstanceOf(OdooUnavailableError);
    expect((cutOff as OdooUnavailableError).retryable).toBe(true);
    expect(cutOff.message).toMatch(/ECONNRESET/);
    // the limit did not poison the pool: a small answer on the same origin still works
    const small = await postRaw(big.url, 'x', {}, OPTS);
    expect(small.text).toHaveLength(5000);
  } finally {
    await Promise.all([big.close(), bigChunked.close(), garbage.close(), cut.close()]);
  }
});

test('a header value with a line break is refused before anything is sent', async () => {
  const s = await serve((_req, res) => res.end('{}'));
  try {
    const err = await rejection(postRaw(s.url, 'x', { 'User-Agent': 'gw\r\nX-Injected: 1' }, OPTS));
    expect(err).toBeInstanceOf(OdooProtocolError);
    expect(err.message).toMatch(/line break/);
    expect(s.connections()).toBe(0);
  } finally {
    await s.close();
  }
});

test('https: a certificate nobody vouches for is refused; with its CA given, the call goes through', async () => {
  const { key, cert } = selfSignedCert();
  const s = await serve((_req, res, body) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ secure: true, body }));
  }, { key, cert });
  try {
    const refused = await rejection(postRaw(s.url, 'x', JSON_HEADERS, OPTS));
    expect(refused).toBeInstanceOf(OdooUnavailableError);
    expect(refused.message).toMatch(/SELF_SIGNED|self.signed/i);
    const ok = await postRaw(s.url, 'hello', JSON_HEADERS, { ...OPTS, ca: cert });
    expect(JSON.parse(ok.text)).toEqual({ secure: true, body: 'hello' });
    await postRaw(s.url, 'again', JSON_HEADERS, { ...OPTS, ca: cert });
    expect(s.connections()).toBe(1);
  } finally {
    await s.close();
  }
});
