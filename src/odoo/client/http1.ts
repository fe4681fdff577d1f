/**
 * A small HTTP/1.1 client for the one thing the Odoo transports do: POST a body to an origin over a
 * kept-alive connection and read the whole answer.
 *
 * Why not node:http: the gateway posts one chatter note per order, so the client's cost per call is
 * paid thousands of times a minute. node:http's general machinery (streams, header objects, agent
 * bookkeeping, several ticks per request) cost ~70 µs of CPU per call on loopback against ~40 µs for
 * one socket write and a direct parse of the answer (docs/decisions.md D15). What this keeps of HTTP:
 * keep-alive with a per-origin pool, answers framed by Content-Length, chunked transfer coding or
 * the connection's end, 1xx interim answers skipped, `Connection: close` honoured, TLS with the
 * system's trust store (plus an optional CA) and SNI, a bound on the header and the body sizes.
 * What it leaves out on purpose: redirects (the transports report them), compression (none asked
 * for), pipelining (one request per connection at a time), proxies.
 */
import net from 'node:net';
import tls from 'node:tls';

/** An answer as read off the wire. */
export interface WireResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

export interface WireRequest {
  /** `http:` or `https:`. */
  protocol: string;
  hostname: string;
  port: number;
  path: string;
  /** Header lines to send besides Host, Content-Length and Connection (checked for CR/LF). */
  headers: Record<string, string>;
  body: Buffer;
  /** Largest answer body accepted, in bytes. */
  maxBytes: number;
  /** Extra trusted CA certificates (PEM) for https, on top of the system's. */
  ca?: string | Buffer;
}

/** The largest answer head (status line and headers) read, as node's own parser allows. */
const MAX_HEAD = 16 * 1024;
/** Idle connections kept per origin, and how long one may stay idle before we close it ourselves. */
const MAX_IDLE = 32;
const IDLE_MS = 5_000;
const CRLF2 = Buffer.from('\r\n\r\n');
const BAD_HEADER = /[\r\n\0]/;

/** An error of the connection, with the errno-style code the transports map (ECONNRESET…). */
function connectionError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** A malformed answer: not retryable as a network failure would be. */
export class WireProtocolError extends Error {
  override readonly name = 'WireProtocolError';
}

/** An answer larger than the caller allows. */
export class WireTooLargeError extends Error {
  override readonly name = 'WireTooLargeError';
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

/** One exchange in progress on a connection: the answer's parse state and who waits for it. */
class Exchange {
  head: Buffer | undefined;
  status = 0;
  headers = new Map<string, string>();
  framing: Framing = { kind: 'none' };
  keepAlive = true;
  /** Body bytes decoded so far. */
  parts: Buffer[] = [];
  size = 0;
  /** Chunked coding: undecoded bytes. */
  pending: Buffer | undefined;

  constructor(
    readonly maxBytes: number,
    readonly done: (err: Error | undefined, res?: WireResponse) => void,
  ) {}
}

/** A kept-alive connection to one origin. */
class Connection {
  exchange: Exchange | undefined;
  private closed = false;

  constructor(
    readonly socket: net.Socket,
    readonly pool: Pool,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.onClose(err));
    socket.on('close', () => this.onClose(undefined));
    socket.on('timeout', () => socket.destroy());
  }

  get alive(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  send(req: WireRequest, exchange: Exchange): void {
    this.exchange = exchange;
    this.socket.setTimeout(0);
    this.socket.ref();
    let head = `POST ${req.path} HTTP/1.1\r\nHost: ${this.pool.host}\r\nConnection: keep-alive\r\nContent-Length: ${req.body.length}\r\n`;
    for (const name in req.headers) head += `${name}: ${req.headers[name]!}\r\n`;
    head += '\r\n';
    // One write: head and body leave in one segment when they fit, and one syscall either way.
    const headBytes = Buffer.byteLength(head, 'latin1');
    const out = Buffer.allocUnsafe(headBytes + req.body.length);
    out.write(head, 0, 'latin1');
    req.body.copy(out, headBytes);
    this.socket.write(out);
  }

  /** Abandon the exchange: the connection cannot be reused (half a request or answer is on it). */
  destroy(err?: Error): void {
    this.exchange = undefined;
    this.socket.destroy(err);
  }

  private onData(d: Buffer): void {
    const ex = this.exchange;
    if (!ex) {
      // Bytes nobody asked for: the connection is out of step.
      this.socket.destroy();
      return;
    }
    try {
      this.feed(ex, d);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private feed(ex: Exchange, d: Buffer): void {
    if (ex.status === 0) {
      const buf = ex.head ? Buffer.concat([ex.head, d]) : d;
      const end = buf.indexOf(CRLF2);
      if (end < 0) {
        if (buf.length > MAX_HEAD) throw new WireProtocolError(`answer head larger than ${MAX_HEAD} bytes`);
        ex.head = buf;
        return;
      }
      if (end > MAX_HEAD) throw new WireProtocolError(`answer head larger than ${MAX_HEAD} bytes`);
      ex.head = undefined;
      const interim = this.parseHead(ex, buf.toString('latin1', 0, end));
      const rest = buf.subarray(end + 4);
      if (interim) {
        ex.status = 0;
        ex.headers.clear();
        if (rest.length > 0) this.feed(ex, rest);
        return;
      }
      if (ex.framing.kind === 'none') {
        if (rest.length > 0) throw new WireProtocolError('bytes after an answer without a body');
        this.complete(ex);
        return;
      }
      if (rest.length > 0) this.body(ex, rest);
      return;
    }
    this.body(ex, d);
  }

  /** Reads the status line and headers; true for an interim (1xx) answer, which another follows. */
  private parseHead(ex: Exchange, head: string): boolean {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) throw new WireProtocolError(`not an HTTP/1.x answer: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    const minor = m[1];
    ex.status = Number(m[2]);
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new WireProtocolError('malformed header line in the answer');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = ex.headers.get(name);
      ex.headers.set(name, had === undefined ? value : `${had}, ${value}`);
    }
    if (ex.status >= 100 && ex.status < 200 && ex.status !== 101) return true;
    const connection = (ex.headers.get('connection') ?? '').toLowerCase();
    ex.keepAlive = minor === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = ex.headers.get('transfer-encoding');
    const cl = ex.headers.get('content-length');
    if (ex.status === 204 || ex.status === 304 || ex.status === 101) ex.framing = { kind: 'none' };
    else if (te !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(te)) throw new WireProtocolError(`unsupported transfer coding "${te}"`);
      ex.framing = { kind: 'chunked' };
    } else if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new WireProtocolError(`bad Content-Length "${cl.slice(0, 40)}"`);
      const left = Number(cl);
      if (left > ex.maxBytes) throw new WireTooLargeError(`answer too large (${left} bytes)`);
      ex.framing = left === 0 ? { kind: 'none' } : { kind: 'length', left };
    } else {
      ex.framing = { kind: 'close' };
      ex.keepAlive = false;
    }
    return false;
  }

  private body(ex: Exchange, d: Buffer): void {
    const f = ex.framing;
    if (f.kind === 'length') {
      if (d.length > f.left) throw new WireProtocolError('more bytes than the answer\'s Content-Length');
      this.take(ex, d);
      f.left -= d.length;
      if (f.left === 0) this.complete(ex);
    } else if (f.kind === 'close') {
      this.take(ex, d);
    } else if (f.kind === 'chunked') {
      ex.pending = ex.pending ? Buffer.concat([ex.pending, d]) : d;
      if (this.dechunk(ex)) this.complete(ex);
    } else {
      throw new WireProtocolError('bytes after an answer without a body');
    }
  }

  private take(ex: Exchange, d: Buffer): void {
    ex.size += d.length;
    if (ex.size > ex.maxBytes) throw new WireTooLargeError(`answer too large (over ${ex.maxBytes} bytes)`);
    ex.parts.push(d);
  }

  /** Decodes the complete chunks pending; true once the last chunk and the trailers are in. */
  private dechunk(ex: Exchange): boolean {
    let buf = ex.pending!;
    let pos = 0;
    for (;;) {
      const eol = buf.indexOf('\r\n', pos, 'latin1');
      if (eol < 0) {
        if (buf.length - pos > 1024) throw new WireProtocolError('chunk size line too long');
        break;
      }
      const sizeText = buf.toString('latin1', pos, eol).split(';')[0]!.trim();
      if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new WireProtocolError(`bad chunk size "${sizeText.slice(0, 20)}"`);
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        // Trailers (ignored) end with an empty line; with none, the empty line follows at once.
        if (buf.length >= eol + 4 && buf[eol + 2] === 13 && buf[eol + 3] === 10) {
          if (buf.length > eol + 4) throw new WireProtocolError('bytes after the last chunk');
          return true;
        }
        const end = buf.indexOf(CRLF2, eol);
        if (end < 0) {
          if (buf.length - eol > MAX_HEAD) throw new WireProtocolError('trailers too large');
          break;
        }
        if (buf.length > end + 4) throw new WireProtocolError('bytes after the last chunk');
        return true;
      }
      if (buf.length < eol + 2 + size + 2) break;
      if (buf[eol + 2 + size] !== 13 || buf[eol + 3 + size] !== 10) throw new WireProtocolError('chunk not followed by CRLF');
      this.take(ex, buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    buf = buf.subarray(pos);
    ex.pending = buf.length > 0 ? buf : undefined;
    return false;
  }

  private complete(ex: Exchange): void {
    this.exchange = undefined;
    const res: WireResponse = { status: ex.status, headers: ex.headers, body: ex.parts.length === 1 ? ex.parts[0]! : Buffer.concat(ex.parts, ex.size) };
    if (ex.keepAlive && this.alive) this.pool.release(this);
    else this.socket.destroy();
    ex.done(undefined, res);
  }

  private fail(err: Error): void {
    const ex = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    ex?.done(err);
  }

  private onEnd(): void {
    const ex = this.exchange;
    if (ex && ex.status !== 0 && ex.framing.kind === 'close') {
      this.closed = true;
      this.complete(ex);
    }
    this.socket.end();
  }

  private onClose(err: Error | undefined): void {
    this.closed = true;
    this.pool.forget(this);
    const ex = this.exchange;
    if (!ex) return;
    this.exchange = undefined;
    if (ex.status !== 0 && ex.framing.kind === 'close') {
      this.complete(ex);
      return;
    }
    ex.done(err ?? connectionError('socket hang up', 'ECONNRESET'));
  }
}

/** Idle connections of one origin, newest last (reused first: the most likely to be still open). */
class Pool {
  readonly idle: Connection[] = [];
  /** The Host header's value for this origin. */
  readonly host: string;

  constructor(req: WireRequest) {
    const port = req.port === (req.protocol === 'https:' ? 443 : 80) ? '' : `:${req.port}`;
    this.host = `${net.isIPv6(req.hostname) ? `[${req.hostname}]` : req.hostname}${port}`;
  }

  release(c: Connection): void {
    if (this.idle.length >= MAX_IDLE) {
      c.socket.destroy();
      return;
    }
    c.socket.setTimeout(IDLE_MS);
    // An idle connection does not keep the process alive.
    c.socket.unref();
    this.idle.push(c);
  }

  forget(c: Connection): void {
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  take(): Connection | undefined {
    for (;;) {
      const c = this.idle.pop();
      if (!c || c.alive) return c;
    }
  }
}

/** Pools by origin, then by the extra CA (a connection verified against one is not lent to a caller of another). */
const pools = new Map<string, Map<string, Pool>>();

/** One request in flight: its connection (to abandon it) and the answer to come. */
export interface InFlight {
  response: Promise<WireResponse>;
  /** Stop waiting: the connection is closed, the answer rejects with `err`. */
  abandon(err: Error): void;
}

/** Sends one POST on a pooled (or new) connection to the request's origin. */
export function post(req: WireRequest): InFlight {
  for (const name in req.headers) {
    if (BAD_HEADER.test(name) || BAD_HEADER.test(req.headers[name]!)) throw new WireProtocolError(`header ${JSON.stringify(name.slice(0, 40))} contains a line break`);
  }
  if (BAD_HEADER.test(req.path) || req.path.includes(' ')) throw new WireProtocolError('request path contains a space or line break');
  const origin = `${req.protocol}//${req.hostname}:${req.port}`;
  const ca = req.ca === undefined ? '' : req.ca.toString();
  let byCa = pools.get(origin);
  if (!byCa) {
    byCa = new Map();
    pools.set(origin, byCa);
  }
  let pool = byCa.get(ca);
  if (!pool) {
    pool = new Pool(req);
    byCa.set(ca, pool);
  }
  let conn = pool.take();
  if (!conn) {
    const socket =
      req.protocol === 'https:'
        ? tls.connect({
            host: req.hostname,
            port: req.port,
            ...(net.isIP(req.hostname) ? {} : { servername: req.hostname }),
            ALPNProtocols: ['http/1.1'],
            ...(ca !== '' ? { ca: [...tls.rootCertificates, ca] } : {}),
          })
        : net.connect({ host: req.hostname, port: req.port });
    conn = new Connection(socket, pool);
  }
  const c = conn;
  let settle!: (err: Error | undefined, res?: WireResponse) => void;
  const response = new Promise<WireResponse>((resolve, reject) => {
    settle = (err, res) => (err ? reject(err) : resolve(res!));
  });
  let settled = false;
  const ex = new Exchange(req.maxBytes, (err, res) => {
    if (settled) return;
    settled = true;
    settle(err, res);
  });
  c.send(req, ex);
  return {
    response,
    abandon: (err) => {
      if (settled) return;
      settled = true;
      c.destroy();
      settle(err);
    },
  };
}
