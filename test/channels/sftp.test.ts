/**
 * The SFTP channel against a real OpenSSH sshd (started by the test, chrooted internal-sftp user):
 * polling, settling, removal only after commit, host-key pinning, refused logins, atomic uploads, dropped
 * connections, the whole gateway over SFTP, and partners pushing into a chroot watched by the dir channel.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import SftpClient from 'ssh2-sftp-client';
import { stringify } from 'yaml';
import { DirInbound } from '../../src/channels/dir';
import { SftpPoller, sftpSender } from '../../src/channels/sftp';
import { ChannelError, type ChannelDeps } from '../../src/channels/types';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import type { Partner } from '../../src/partners/registry';
import { InboundChannelSchema, OutboundChannelSchema, type InboundChannel, type OutboundChannel, type SecretRef } from '../../src/partners/schema';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { startSshd, type Sshd } from '../support/sshd';

type SftpIn = Extract<InboundChannel, { type: 'sftp' }>;
type SftpOut = Extract<OutboundChannel, { type: 'sftp' }>;

const ROOT = join(__dirname, '..', '..');
const FIXTURE = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));
const PASSWORD = 'pw-Sftp-Test-1';

let sshd: Sshd;
let uid = 0;
let folderCount = 0;

beforeAll(async () => {
  sshd = await startSshd({ user: `editest${process.pid}`, password: PASSWORD });
  uid = statSync(sshd.upload).uid;
}, 20_000);

afterAll(async () => {
  await sshd?.close();
});

/** Fresh user-owned folders under /upload: the server-side path and the client-side one. */
function folder(...subs: string[]): { local: (sub: string) => string; remote: (sub: string) => string } {
  const name = `t${++folderCount}`;
  for (const sub of ['', ...subs]) {
    const path = join(sshd.upload, name, sub);
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, uid);
  }
  return { local: (sub) => join(sshd.upload, name, sub), remote: (sub) => `/upload/${name}/${sub}` };
}

/** A file on the server that was written long enough ago to have settled. */
function putOld(path: string, bytes: Buffer | string, ageMs = 10_000): void {
  writeFileSync(path, bytes);
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
}

const SECRETS: Record<string, () => string> = {
  SFTP_KEY: () => sshd.clientKey,
  SFTP_PASSWORD: () => PASSWORD,
  STRANGER_KEY: () => sshd.strangerKey,
};

function secret(ref: SecretRef, what: string): string {
  const value = 'env' in ref ? SECRETS[ref.env] : undefined;
  if (!value) throw new ChannelError(`${what}: no such secret`, false, 'config');
  return value();
}

interface LogLine {
  level: number;
  msg: string;
  file?: string;
}

function capture(onLine: (line: LogLine) => void = () => undefined): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug' }, {
    write(s: string) {
      const line = JSON.parse(s) as LogLine;
      lines.push(line);
      onLine(line);
    },
  });
  return { logger, lines };
}

function deps(over: Partial<ChannelDeps> = {}): ChannelDeps {
  return { logger: pino({ level: 'silent' }), now: Date.now, settleMs: 300, maxFileBytes: 100 * 1024 * 1024, secret, ...over };
}

function inbound(remoteDir: string, over: Record<string, unknown> = {}): SftpIn {
  const c = InboundChannelSchema.parse({ type: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: { env: 'SFTP_KEY' }, hostKey: sshd.fingerprint, remoteDir, pattern: '*.edi', ...over });
  if (c.type !== 'sftp') throw new Error('not sftp');
  return c;
}

function outbound(remoteDir: string, over: Record<string, unknown> = {}): SftpOut {
  const c = OutboundChannelSchema.parse({ type: 'sftp', host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: { env: 'SFTP_KEY' }, hostKey: sshd.fingerprint, remoteDir, ...over });
  if (c.type !== 'sftp') throw new Error('not sftp');
  return c;
}

/** Just enough of a Partner for a sender: its id and outbound channel. */
function partnerWith(channel: SftpOut): Partner {
  return { id: 'northgate', channels: { inbound: [], outbound: channel } } as unknown as Partner;
}

function outgoing(name: string, bytes: Buffer) {
  return { name, bytes, messageId: 1, messageType: '997', controlNumber: '000000001', correlationId: 'c1' };
}

async function rejection(p: Promise<unknown>): Promise<ChannelError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ChannelError);
    return err as ChannelError;
  }
  throw new Error('expected a ChannelError');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SftpPoller (client mode, the partner runs the server)', () => {
  it('downloads settled files matching the pattern and deletes them only on commit', async () => {
    const f = folder('out');
    putOld(join(f.local('out'), 'po1.edi'), FIXTURE);
    putOld(join(f.local('out'), 'notes.txt'), 'not EDI');
    const poller = new SftpPoller('northgate', inbound(f.remote('out')), deps());
    try {
      expect(poller.label).toBe(`sftp ${sshd.user}@127.0.0.1:${sshd.port}/${f.remote('out').slice(1)}`);
      await poller.prepare();
      const files = await poller.take(10);
      expect(files.map((x) => x.name)).toEqual(['po1.edi']);
      expect(files[0].bytes.equals(FIXTURE)).toBe(true);
      // Taken is not removed: the ledger must have it first.
      expect(existsSync(join(f.local('out'), 'po1.edi'))).toBe(true);
      await poller.commit(files[0], 41);
      expect(readdirSync(f.local('out'))).toEqual(['notes.txt']);
      expect(await poller.take(10)).toEqual([]);
    } finally {
      await poller.close();
    }
  });

  it('logs in with a password and accepts a hex fingerprint', async () => {
    const f = folder('out');
    putOld(join(f.local('out'), 'a.edi'), 'A');
    const poller = new SftpPoller('northgate', inbound(f.remote('out'), { privateKey: undefined, password: { env: 'SFTP_PASSWORD' }, hostKey: sshd.fingerprintHex.toUpperCase() }), deps());
    try {
      const files = await poller.take(10);
      expect(files.map((x) => x.bytes.toString())).toEqual(['A']);
    } finally {
      await poller.close();
    }
  });

  it('afterDownload: move renames into moveTo, never over a file already there', async () => {
    const f = folder('out', 'done');
    putOld(join(f.local('out'), 'po.edi'), 'first');
    const poller = new SftpPoller('northgate', inbound(f.remote('out'), { afterDownload: 'move', moveTo: f.remote('done') }), deps());
    try {
      const [first] = await poller.take(10);
      await poller.commit(first, 7);
      putOld(join(f.local('out'), 'po.edi'), 'second');
      const [second] = await poller.take(10);
      expect(second.bytes.toString()).toBe('second');
      await poller.commit(second, 8);
      expect(readdirSync(f.local('out'))).toEqual([]);
      expect(readdirSync(f.local('done')).sort()).toEqual(['8-po.edi', 'po.edi']);
      expect(readFileSync(join(f.local('done'), 'po.edi'), 'utf8')).toBe('first');
    } finally {
      await poller.close();
    }
  });

  it('never takes temp names, hidden files or a file still growing; takes it once it settles', async () => {
    const f = folder('out');
    const out = f.local('out');
    for (const name of ['x.edi.tmp', 'y.edi.part', 'z.edi.filepart', '.hidden.edi']) putOld(join(out, name), 'partial');
    writeFileSync(join(out, 'grow.edi'), 'ISA');
    const poller = new SftpPoller('northgate', inbound(f.remote('out'), { pattern: '*' }), deps({ settleMs: 400 }));
    const writer = setInterval(() => appendFileSync(join(out, 'grow.edi'), '*segment~'), 100);
    try {
      for (let i = 0; i < 8; i++) {
        expect(await poller.take(10)).toEqual([]);
        await sleep(150);
      }
      clearInterval(writer);
      const final = readFileSync(join(out, 'grow.edi'));
      let taken: Buffer[] = [];
      for (let i = 0; i < 20 && taken.length === 0; i++) {
        await sleep(150);
        taken = (await poller.take(10)).map((x) => x.bytes);
      }
      expect(taken).toHaveLength(1);
      expect(taken[0].equals(final)).toBe(true);
    } finally {
      clearInterval(writer);
      await poller.close();
    }
  });

  it('leaves a file over maxFileBytes on the server and reports it once', async () => {
    const f = folder('out');
    putOld(join(f.local('out'), 'big.edi'), Buffer.alloc(2048, 65));
    const { logger, lines } = capture();
    const poller = new SftpPoller('northgate', inbound(f.remote('out')), deps({ logger, maxFileBytes: 1024 }));
    try {
      expect(await poller.take(10)).toEqual([]);
      expect(await poller.take(10)).toEqual([]);
      expect(lines.filter((l) => l.level === 50 && l.file === 'big.edi')).toHaveLength(1);
      expect(existsSync(join(f.local('out'), 'big.edi'))).toBe(true);
    } finally {
      await poller.close();
    }
  });

  it('refuses a server whose host key does not match the pin (not retryable, nothing downloaded)', async () => {
    const f = folder('out');
    putOld(join(f.local('out'), 'po.edi'), FIXTURE);
    const other = `SHA256:${createHash('sha256').update('another key').digest('base64').replace(/=+$/, '')}`;
    const poller = new SftpPoller('northgate', inbound(f.remote('out'), { hostKey: other }), deps());
    try {
      const err = await rejection(poller.take(10));
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/host key mismatch/);
      expect(err.message).toContain(sshd.fingerprint);
      await expect(poller.prepare()).rejects.toThrow(/host key mismatch/);
      expect(readdirSync(f.local('out'))).toEqual(['po.edi']);
    } finally {
      await poller.close();
    }
  });

  it('reports a refused key as not retryable', async () => {
    const f = folder('out');
    const poller = new SftpPoller('northgate', inbound(f.remote('out'), { privateKey: { env: 'STRANGER_KEY' } }), deps());
    try {
      const err = await rejection(poller.prepare());
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/login refused/);
    } finally {
      await poller.close();
    }
  });
});

describe('sftpSender', () => {
  it('uploads under the temp name, sets mode 0640, renames, and never overwrites an existing name', async () => {
    const f = folder('in');
    const sender = sftpSender(deps());
    const partner = partnerWith(outbound(f.remote('in')));
    try {
      // A big file, so the folder can be watched while it is being written.
      const big = randomBytes(24 * 1024 * 1024);
      const observed: { name: string; size: number }[] = [];
      const watch = setInterval(() => {
        for (const name of readdirSync(f.local('in'))) {
          const st = statSync(join(f.local('in'), name), { throwIfNoEntry: false });
          if (st) observed.push({ name, size: st.size });
        }
      }, 2);
      let detail: Record<string, unknown>;
      try {
        detail = await sender.send(partner, outgoing('997-000000001.edi', big));
      } finally {
        clearInterval(watch);
      }
      expect(detail).toEqual({ channel: 'sftp', host: '127.0.0.1', path: `${f.remote('in')}/997-000000001.edi` });
      // The partner could only ever see the temp name while the bytes were arriving.
      expect(observed.some((o) => o.name === '997-000000001.edi.tmp' && o.size < big.length)).toBe(true);
      expect(observed.filter((o) => o.name === '997-000000001.edi').every((o) => o.size === big.length)).toBe(true);
      const landed = join(f.local('in'), '997-000000001.edi');
      expect(statSync(landed).mode & 0o777).toBe(0o640);
      expect(sha(readFileSync(landed))).toBe(sha(big));

      const again = await sender.send(partner, outgoing('997-000000001.edi', Buffer.from('second')));
      expect(again.path).toBe(`${f.remote('in')}/997-000000001-1.edi`);
      expect(readdirSync(f.local('in')).sort()).toEqual(['997-000000001-1.edi', '997-000000001.edi']);
      expect(sha(readFileSync(landed))).toBe(sha(big));
    } finally {
      await sender.close();
    }
  });

  it('permission denied is final; a login refused is final', async () => {
    const sender = sftpSender(deps());
    try {
      const denied = await rejection(sender.send(partnerWith(outbound('/')), outgoing('x.edi', Buffer.from('x'))));
      expect(denied.retryable).toBe(false);
      expect(denied.message).toMatch(/permission denied/i);
      const refused = await rejection(sender.send(partnerWith(outbound('/upload', { privateKey: { env: 'STRANGER_KEY' } })), outgoing('x.edi', Buffer.from('x'))));
      expect(refused.retryable).toBe(false);
    } finally {
      await sender.close();
    }
  });
});

describe('dropped connections', () => {
  afterEach(async () => {
    // Whatever happened, the next test finds the server up.
    if (!sshd.running()) await sshd.start();
  });

  it('a download cut by a dying server fails retryably, removes nothing, and the file is taken once after restart', async () => {
    const f = folder('out');
    const big = randomBytes(64 * 1024 * 1024);
    putOld(join(f.local('out'), 'big.edi'), big);
    let killed: Promise<void> | undefined;
    const { logger } = capture((line) => {
      // Stop the server shortly after the transfer began.
      if (line.msg === 'downloading' && !killed) killed = sleep(60).then(() => sshd.stop());
    });
    const poller = new SftpPoller('northgate', inbound(f.remote('out')), deps({ logger }));
    try {
      const cut = await rejection(poller.take(10));
      await killed;
      expect(cut.retryable).toBe(true);
      expect(existsSync(join(f.local('out'), 'big.edi'))).toBe(true);
      const down = await rejection(poller.take(10));
      expect(down.retryable).toBe(true);

      await sshd.start();
      const files = await poller.take(10);
      expect(files).toHaveLength(1);
      expect(sha(files[0].bytes)).toBe(sha(big));
      await poller.commit(files[0], 3);
      expect(await poller.take(10)).toEqual([]);
      expect(readdirSync(f.local('out'))).toEqual([]);
    } finally {
      await poller.close();
    }
  });

  it('a removal that fails after the ledger has the file is finished on the next poll, without taking the file again', async () => {
    const f = folder('out');
    putOld(join(f.local('out'), 'po.edi'), FIXTURE);
    const poller = new SftpPoller('northgate', inbound(f.remote('out')), deps());
    try {
      const [file] = await poller.take(10);
      await sshd.stop();
      const failed = await rejection(poller.commit(file, 9));
      expect(failed.retryable).toBe(true);
      expect(existsSync(join(f.local('out'), 'po.edi'))).toBe(true);
      await sshd.start();
      expect(await poller.take(10)).toEqual([]);
      expect(readdirSync(f.local('out'))).toEqual([]);
    } finally {
      await poller.close();
    }
  });

  it('an upload cut mid-transfer fails retryably, leaves no final name, and the next send reconnects', async () => {
    const f = folder('in');
    const sender = sftpSender(deps());
    const partner = partnerWith(outbound(f.remote('in')));
    const big = randomBytes(48 * 1024 * 1024);
    try {
      // Open the connection first, so the cut hits a transfer, not a login.
      await sender.send(partner, outgoing('warm-up.edi', Buffer.from('x')));
      const sending = sender.send(partner, outgoing('997-000000002.edi', big));
      while (!existsSync(join(f.local('in'), '997-000000002.edi.tmp'))) await sleep(5);
      expect(sshd.dropSessions()).toBeGreaterThan(0);
      const cut = await rejection(sending);
      expect(cut.retryable).toBe(true);
      expect(existsSync(join(f.local('in'), '997-000000002.edi'))).toBe(false);

      const detail = await sender.send(partner, outgoing('997-000000002.edi', big));
      expect(detail.path).toBe(`${f.remote('in')}/997-000000002.edi`);
      expect(sha(readFileSync(join(f.local('in'), '997-000000002.edi')))).toBe(sha(big));
      expect(readdirSync(f.local('in')).sort()).toEqual(['997-000000002.edi', 'warm-up.edi']);
    } finally {
      await sender.close();
    }
  });
});

describe('gateway over SFTP', () => {
  it('northgate polls the partner server: the 850 is posted, the remote file is gone, the 997 is uploaded', async () => {
    const f = folder('out', 'in');
    const work = mkdtempSync(join(tmpdir(), 'gw-sftp-'));
    const partners = join(work, 'partners');
    cpSync(join(ROOT, 'partners', 'northgate'), join(partners, 'northgate'), { recursive: true });
    const file = join(partners, 'northgate', 'partner.yaml');
    // Swap the channels block (the file's last one) for SFTP both ways; the rest of the file stays as written.
    const text = readFileSync(file, 'utf8');
    const login = { host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: { env: 'SFTP_KEY' }, hostKey: sshd.fingerprint };
    const channels = {
      inbound: [{ type: 'sftp', ...login, remoteDir: f.remote('out'), pattern: '*.edi', pollInterval: '1s' }],
      outbound: { type: 'sftp', ...login, remoteDir: f.remote('in') },
    };
    writeFileSync(file, `${text.slice(0, text.indexOf('\nchannels:'))}\n${stringify({ channels })}`);
    const registry = loadPartners(partners, { dataRoot: work, mappingsRoot: join(ROOT, 'mappings') });

    const sandbox = await startSandbox({ password: 'pw' });
    const ledger = new SqliteLedger({ file: join(work, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    const gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 100, pollMs: 50, secret });
    try {
      expect(gateway.inboundChannels).toEqual([{ partner: 'northgate', label: `sftp ${sshd.user}@127.0.0.1:${sshd.port}/${f.remote('out').slice(1)}` }]);
      putOld(join(f.local('out'), 'po.edi'), FIXTURE);
      await gateway.start();
      const end = Date.now() + 15_000;
      while (!((ledger.counts().documents.posted ?? 0) === 1 && (ledger.counts().messages.sent ?? 0) === 1)) {
        if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(ledger.counts())}`);
        await sleep(50);
      }
      expect(sandbox.data.count('sale.order')).toBe(1);
      expect(readdirSync(f.local('out'))).toEqual([]);
      const acks = readdirSync(f.local('in'));
      expect(acks).toHaveLength(1);
      expect(acks[0]).toMatch(/^997-.*\.edi$/);
      expect(readFileSync(join(f.local('in'), acks[0]), 'utf8')).toMatch(/AK9\*A\*1\*1\*1/);
      expect(statSync(join(f.local('in'), acks[0])).mode & 0o777).toBe(0o640);
    } finally {
      await gateway.stop();
      ledger.close();
      await sandbox.close();
      rmSync(work, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('partners pushing to us (chrooted internal-sftp + the dir channel)', () => {
  it('a partner uploads under a temp name and renames; the dir channel takes the file only after the rename', async () => {
    const f = folder('push');
    const archive = mkdtempSync(join(tmpdir(), 'push-archive-'));
    const dir = new DirInbound({ path: f.local('push'), archive, pattern: '*.edi', settleMs: 0 });
    const partnerSide = new SftpClient('partner', {});
    try {
      await partnerSide.connect({ host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: sshd.clientKey, hostVerifier: () => true });
      // What the partner sees is its chroot: our server's folders are invisible to it.
      expect((await partnerSide.list('/')).map((e) => e.name)).toEqual(['upload']);
      await partnerSide.put(FIXTURE, `${f.remote('push')}/po.edi.tmp`);
      expect(await dir.take(10)).toEqual([]);
      await partnerSide.rename(`${f.remote('push')}/po.edi.tmp`, `${f.remote('push')}/po.edi`);
      const files = await dir.take(10);
      expect(files.map((x) => x.name)).toEqual(['po.edi']);
      expect(files[0].bytes.equals(FIXTURE)).toBe(true);
      await dir.commit(files[0], 5);
      expect(readdirSync(f.local('push'))).toEqual([]);
    } finally {
      await partnerSide.end();
      rmSync(archive, { recursive: true, force: true });
    }
  });
});
