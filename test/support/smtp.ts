/**
 * Real SMTP peers for the email channel tests, all on 127.0.0.1: swaks (the Debian package) as the
 * partner's mail server talking to our listener, an smtp-server sink standing in for the partner's
 * mailbox, and a throw-away self-signed certificate made with openssl at test time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A free TCP port on loopback (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A self-signed certificate for 127.0.0.1 / localhost, valid one day. */
export function selfSignedCert(): { key: string; cert: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-cert-'));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), dir };
}

export interface SwaksResult {
  /** swaks's exit code: 0 delivered, 23 MAIL refused, 24 no RCPT accepted, 26 refused after DATA, 29 TLS. */
  code: number;
  /** The transcript (stdout and stderr). */
  out: string;
  /** The server's reply to the end of DATA, e.g. "250 OK: stored as message 1". */
  dataReply: string | undefined;
}

/** Run swaks against 127.0.0.1:port with the given extra arguments. */
export function swaks(port: number, args: string[]): Promise<SwaksResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('swaks', ['--server', '127.0.0.1', '--port', String(port), '--timeout', '20', '--helo', 'partner.test', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      // The reply after " -> ." (end of DATA) is the one that says whether the message was taken.
      const lines = out.split('\n');
      const dot = lines.findIndex((l) => /^\s*-> \.\s*$/.test(l));
      const reply = dot >= 0 ? lines.slice(dot + 1).find((l) => /^\s*<(-|~|\*\*)\s*\d{3}/.test(l)) : undefined;
      resolve({ code: code ?? -1, out, dataReply: reply?.replace(/^\s*<(-|~|\*\*)\s*/, '').trim() });
    });
  });
}

export interface SinkMessage {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: Buffer;
  mail: ParsedMail;
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** With `stall`: the mails received to their end and never answered (not taken). */
  stalled: Buffer[];
  close(): Promise<void>;
}

/**
 * An smtp-server that keeps what it receives; with `auth`, AUTH PLAIN/LOGIN over STARTTLS only. With
 * `stall`, a server that hangs: it reads each mail to its end and never answers it, until closed.
 */
export async function startSmtpSink(o: { tls?: { key: string; cert: string }; auth?: { user: string; pass: string }; stall?: boolean } = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const stalled: Buffer[] = [];
  const unanswered: (() => void)[] = [];
  const server = new SMTPServer({
    ...(o.tls ? { key: o.tls.key, cert: o.tls.cert } : {}),
    disabledCommands: [...(o.tls ? [] : ['STARTTLS']), ...(o.auth ? [] : ['AUTH'])],
    authOptional: !o.auth,
    logger: false,
    disableReverseLookup: true,
    onAuth: (auth, _session, done) => {
      if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) return done(null, { user: auth.username });
      done(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData: (stream, session, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        if (o.stall) {
          stalled.push(raw);
          unanswered.push(() => done(Object.assign(new Error('closing'), { responseCode: 421 })));
          return;
        }
        simpleParser(raw).then(
          (mail) => {
            messages.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              user: typeof session.user === 'string' ? session.user : undefined,
              secure: session.secure,
              raw,
              mail,
            });
            done(null, 'queued');
          },
          (err: Error) => done(err),
        );
      });
    },
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const a = server.server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const answer of unanswered.splice(0)) answer();
      server.close(() => resolve());
    });
  return { port, messages, stalled, close };
}

/**
 * A scripted SMTP conversation over a plain socket, for envelope details swaks cannot send (a SIZE
 * parameter): the greeting, then one reply (all its lines) per command.
 */
export function smtpDialog(port: number, commands: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const replies: string[] = [];
    let buffer = '';
    let current = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (data: string) => {
      buffer += data;
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        current += line + '\n';
        // "250-…" continues a reply, "250 …" ends it.
        if (/^\d{3} /.test(line) || /^\d{3}$/.test(line)) {
          replies.push(current.trimEnd());
          current = '';
          const next = commands[replies.length - 1];
          if (next === undefined) socket.end();
          else socket.write(next + '\r\n');
        }
      }
    });
    socket.on('close', () => resolve(replies));
  });
}
