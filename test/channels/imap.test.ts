/**
 * The email channel's IMAP poller against a real Dovecot (Debian's dovecot-imapd) on 127.0.0.1, started
 * by the test with its own config: messages are appended over IMAP by a second client (the partner's
 * mail, as the mail server would deliver it), taken by the poller, and moved only after commit. Also the
 * whole road: a Gateway polling the mailbox posts the order into the Odoo sandbox.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { stringify } from 'yaml';
import { createPoller } from '../../src/channels';
import { ImapPoller, PROCESSED_KEYWORD, type ImapFile } from '../../src/channels/email/imap';
import { ChannelError, type ChannelDeps } from '../../src/channels/types';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import type { InboundChannel } from '../../src/partners/schema';
import type { Partner } from '../../src/partners/registry';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { startDovecot, type Dovecot } from '../support/dovecot';

const ROOT = join(__dirname, '..', '..');
const X12 = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));
const EDIFACT = readFileSync(join(ROOT, 'fixtures', 'edi', 'edifact', 'D01B', 'ORDERS-unoc-latin1.edi'));
const PARTNER_FROM = 'edi@northgate.test';
const silent = pino({ level: 'silent' });

type ImapChannel = Extract<InboundChannel, { type: 'email'; via: 'imap' }>;

/** Log lines written by the poller, parsed. */
function capturingLogger(): { logger: pino.Logger; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** A MIME message as the partner's mail client would write it (nodemailer's composer, not sent). */
async function mime(o: { from?: string; messageId: string; attachments: Array<{ filename: string; content: Buffer; contentType: string }> }): Promise<Buffer> {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await t.sendMail({ from: o.from ?? PARTNER_FROM, to: 'edi@brightwater.test', subject: 'EDI', text: 'Please find our EDI attached.', messageId: `<${o.messageId}>`, attachments: o.attachments });
  return info.message as Buffer;
}

const x12Attachment = (filename = 'po-101.x12') => ({ filename, content: X12, contentType: 'application/EDI-X12' });

/** The test's own IMAP session on the server: the mail server delivering, and our eyes on the mailboxes. */
class Mailbox {
  private client: ImapFlow | undefined;
  constructor(private readonly d: Dovecot) {}
  private async c(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    // Plain port; imapflow upgrades with STARTTLS when the server offers it, so trust the test certificate.
    const c = new ImapFlow({ host: this.d.host, port: this.d.port, secure: false, ...(this.d.cert ? { tls: { ca: this.d.cert } } : {}), auth: { user: this.d.user, pass: this.d.password }, logger: false, disableAutoIdle: true });
    c.on('error', () => undefined);
    await c.connect();
    this.client = c;
    return c;
  }
  /** Deliver a message into a mailbox. */
  async deliver(raw: Buffer, mailbox = 'INBOX'): Promise<void> {
    await (await this.c()).append(mailbox, raw);
  }
  /** Number of messages in a mailbox (0 when it does not exist). */
  async count(mailbox: string): Promise<number> {
    const c = await this.c();
    // Sync first: a server reports another session's changes to a selected mailbox only after a command.
    await c.noop();
    const list = await c.list();
    if (!list.some((m) => m.path === mailbox)) return 0;
    const status = await c.status(mailbox, { messages: true });
    return status ? (status.messages ?? 0) : 0;
  }
  /** Flags of every message in INBOX. */
  async flags(mailbox = 'INBOX'): Promise<string[][]> {
    const c = await this.c();
    const lock = await c.getMailboxLock(mailbox);
    try {
      const out: string[][] = [];
      for await (const m of c.fetch('1:*', { flags: true })) out.push([...(m.flags ?? [])]);
      return out;
    } finally {
      lock.release();
    }
  }
  /** Empty INBOX and Processed. */
  async clear(): Promise<void> {
    const c = await this.c();
    for (const box of ['INBOX', 'Processed']) {
      if ((await this.count(box)) === 0) continue;
      const lock = await c.getMailboxLock(box);
      try {
        await c.messageDelete('1:*');
      } finally {
        lock.release();
      }
      await c.mailboxClose();
    }
  }
  async close(): Promise<void> {
    if (this.client?.usable) await this.client.logout().catch(() => undefined);
    this.client = undefined;
  }
}

/** The channel block of partner.yaml for this server (after parsing: durations in ms). */
function channelFor(server: Dovecot, over: Partial<ImapChannel> = {}): ImapChannel {
  return { type: 'email', via: 'imap', host: server.host, port: server.port, tls: false, username: server.user, password: { env: 'IMAP_PW' }, mailbox: 'INBOX', moveTo: 'Processed', from: [PARTNER_FROM], pollInterval: 100, ...over };
}

function depsWith(server: Dovecot, logger: pino.Logger = silent, password = server.password): ChannelDeps {
  return {
    logger,
    now: Date.now,
    settleMs: 0,
    maxFileBytes: 1024 * 1024,
    secret: (ref) => {
      if ('env' in ref && ref.env === 'IMAP_PW') return password;
      throw new ChannelError('no such secret', false, 'config');
    },
  };
}

describe('IMAP poller (imapflow → Dovecot on 127.0.0.1)', () => {
  let server: Dovecot;
  let box: Mailbox;
  const pollers: ImapPoller[] = [];
  const poller = (over: Partial<ImapChannel> = {}, deps?: ChannelDeps): ImapPoller => {
    const p = new ImapPoller('northgate', channelFor(server, over), deps ?? depsWith(server), { timeoutMs: 5000 });
    pollers.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startDovecot();
    box = new Mailbox(server);
  });
  afterAll(async () => {
    await box.close();
    await server.close();
  });
  beforeEach(async () => {
    if (!server.running()) await server.start();
    await box.clear();
  });
  afterEach(async () => {
    for (const p of pollers.splice(0)) await p.close();
  });

  it('takes an X12 attachment byte for byte and moves the mail to moveTo only after commit', async () => {
    await box.deliver(await mime({ messageId: 'po-101@northgate.test', attachments: [x12Attachment(), { filename: 'terms.pdf', content: Buffer.from('%PDF-1.4 not EDI'), contentType: 'application/pdf' }] }));
    const p = poller();
    expect(p.label).toBe(`imap ${server.user}@127.0.0.1:${server.port}/INBOX`);
    await p.prepare();
    const files = await p.take(10);
    expect(files).toHaveLength(1);
    expect(files[0].name).toBe('po-101@northgate.test/po-101.x12');
    expect(files[0].bytes.equals(X12)).toBe(true);
    // Taken is not stored: the mail stays where it is until the ledger has the file.
    expect(await box.count('INBOX')).toBe(1);
    expect(await box.count('Processed')).toBe(0);
    await p.commit(files[0], 1);
    expect(await box.count('INBOX')).toBe(0);
    // moveTo did not exist: it was created.
    expect(await box.count('Processed')).toBe(1);
    expect(await p.take(10)).toEqual([]);
  });

  it('keeps Latin-1 EDIFACT sent as octet-stream .edi exact', async () => {
    await box.deliver(await mime({ messageId: 'orders-1@northgate.test', attachments: [{ filename: 'orders.edi', content: EDIFACT, contentType: 'application/octet-stream' }] }));
    const files = await poller().take(10);
    expect(files).toHaveLength(1);
    expect(files[0].bytes.equals(EDIFACT)).toBe(true);
  });

  it('leaves mail from an unknown sender in the mailbox, logged once', async () => {
    await box.deliver(await mime({ from: 'mallory@elsewhere.test', messageId: 'spoof@elsewhere.test', attachments: [x12Attachment()] }));
    const { logger, lines } = capturingLogger();
    const p = poller({}, depsWith(server, logger));
    expect(await p.take(10)).toEqual([]);
    expect(await p.take(10)).toEqual([]);
    expect(await box.count('INBOX')).toBe(1);
    const warned = lines.filter((l) => /not one of the partner's addresses/.test(l.msg));
    expect(warned).toHaveLength(1);
    // The partner's own mail next to it is still taken.
    await box.deliver(await mime({ messageId: 'po-102@northgate.test', attachments: [x12Attachment()] }));
    const files = await p.take(10);
    expect(files.map((f) => f.name)).toEqual(['po-102@northgate.test/po-101.x12']);
  });

  it('leaves a mail without EDI in the mailbox (logged once, not downloaded again)', async () => {
    await box.deliver(await mime({ messageId: 'hello@northgate.test', attachments: [] }));
    const { logger, lines } = capturingLogger();
    const p = poller({}, depsWith(server, logger));
    expect(await p.take(10)).toEqual([]);
    expect(await p.take(10)).toEqual([]);
    expect(lines.filter((l) => /no EDI found/.test(l.msg))).toHaveLength(1);
    expect(await box.count('INBOX')).toBe(1);
  });

  it('a mail with two EDI attachments gives two files and is moved after both are committed', async () => {
    await box.deliver(await mime({ messageId: 'batch-7@northgate.test', attachments: [x12Attachment('a.x12'), { filename: 'b.edi', content: EDIFACT, contentType: 'application/EDIFACT' }] }));
    const p = poller();
    const files = await p.take(10);
    expect(files.map((f) => f.name)).toEqual(['batch-7@northgate.test/a.x12', 'batch-7@northgate.test/b.edi']);
    expect(files[1].bytes.equals(EDIFACT)).toBe(true);
    await p.commit(files[0], 1);
    expect(await box.count('INBOX')).toBe(1);
    await p.commit(files[1], 2);
    expect(await box.count('INBOX')).toBe(0);
    expect(await box.count('Processed')).toBe(1);
  });

  it('a mail whose attachments were only partly committed (crash) is taken again, whole', async () => {
    await box.deliver(await mime({ messageId: 'batch-8@northgate.test', attachments: [x12Attachment('a.x12'), x12Attachment('b.x12')] }));
    const first = poller();
    const files = await first.take(10);
    await first.commit(files[0], 1);
    // The process dies here: a new poller (a restarted gateway) knows nothing of the first commit.
    await first.close();
    const second = poller();
    const again = (await second.take(10)) as ImapFile[];
    expect(again.map((f) => f.name)).toEqual(files.map((f) => f.name));
    for (const [i, f] of again.entries()) await second.commit(f, 10 + i);
    expect(await box.count('INBOX')).toBe(0);
  });

  it('takes whole mails only, as many as fit in the limit', async () => {
    for (const n of [1, 2, 3]) await box.deliver(await mime({ messageId: `m${n}@northgate.test`, attachments: [x12Attachment('a.x12'), x12Attachment('b.x12')] }));
    const p = poller();
    const files = await p.take(3);
    expect(files.map((f) => f.name)).toEqual(['m1@northgate.test/a.x12', 'm1@northgate.test/b.x12']);
  });

  it('a mailbox that does not exist is a non-retryable ChannelError', async () => {
    const err = await poller({ mailbox: 'Nope' }).prepare().catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: false });
  });

  it('Dovecot stopped mid-way: retryable errors, nothing lost, taken again after the restart', async () => {
    await box.deliver(await mime({ messageId: 'po-200@northgate.test', attachments: [x12Attachment()] }));
    await box.close();
    const p = poller();
    const files = await p.take(10);
    expect(files).toHaveLength(1);
    await server.stop();
    const commitErr = await p.commit(files[0], 1).catch((e: unknown) => e);
    expect(commitErr).toBeInstanceOf(ChannelError);
    expect(commitErr).toMatchObject({ retryable: true });
    const takeErr = await p.take(10).catch((e: unknown) => e);
    expect(takeErr).toMatchObject({ retryable: true });
    await server.start();
    // The ledger has the file: the next poll finishes the move instead of storing it again.
    expect(await p.take(10)).toEqual([]);
    expect(await box.count('INBOX')).toBe(0);
    expect(await box.count('Processed')).toBe(1);
  });

  it('Dovecot stopped before the commit: a new poller (a restart) takes the mail again after the restart', async () => {
    await box.deliver(await mime({ messageId: 'po-201@northgate.test', attachments: [x12Attachment()] }));
    await box.close();
    const p = poller();
    expect(await p.take(10)).toHaveLength(1);
    await server.stop();
    expect(await p.take(10).catch((e: unknown) => e)).toMatchObject({ retryable: true });
    await server.start();
    const again = await p.take(10);
    expect(again.map((f) => f.name)).toEqual(['po-201@northgate.test/po-101.x12']);
    expect(again[0].bytes.equals(X12)).toBe(true);
    await p.commit(again[0], 2);
    expect(await box.count('INBOX')).toBe(0);
  });

  it('createPoller makes an ImapPoller for email via imap, none for via smtp', () => {
    const partner = { id: 'northgate' } as Partner;
    expect(createPoller(partner, channelFor(server), depsWith(server))).toBeInstanceOf(ImapPoller);
    expect(createPoller(partner, { type: 'email', via: 'smtp', from: [PARTNER_FROM], to: ['edi@brightwater.test'], maxSize: 1000 }, depsWith(server))).toBeUndefined();
  });
  // Last on this server: Dovecot slows down every later login from the IP after a refused one.
  it('a wrong password is a non-retryable ChannelError', async () => {
    const p = poller({}, depsWith(server, silent, 'letmein-7'));
    const err = await p.prepare().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ retryable: false, channel: 'email', partner: 'northgate' });
    expect((err as Error).message).toMatch(/login refused/);
    expect((err as Error).message).not.toMatch(/letmein/);
  });
});

describe('IMAP poller on a TLS server without MOVE', () => {
  let server: Dovecot;
  let box: Mailbox;

  beforeAll(async () => {
    server = await startDovecot({ tls: true, noMove: true });
    box = new Mailbox(server);
  });
  afterAll(async () => {
    await box.close();
    await server.close();
  });

  it('over implicit TLS, flags the mail \\Seen and $EdiProcessed instead of moving it, and never takes it again', async () => {
    await box.deliver(await mime({ messageId: 'po-300@northgate.test', attachments: [x12Attachment()] }));
    const p = new ImapPoller('northgate', channelFor(server, { port: server.tlsPort, tls: true }), depsWith(server), { tls: { ca: server.cert }, timeoutMs: 5000 });
    try {
      const files = await p.take(10);
      expect(files).toHaveLength(1);
      expect(files[0].bytes.equals(X12)).toBe(true);
      await p.commit(files[0], 1);
      expect(await box.count('INBOX')).toBe(1);
      expect(await box.count('Processed')).toBe(0);
      expect((await box.flags())[0]).toEqual(expect.arrayContaining(['\\Seen', PROCESSED_KEYWORD]));
      expect(await p.take(10)).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('an untrusted server certificate is not retried (configuration)', async () => {
    const p = new ImapPoller('northgate', channelFor(server, { port: server.tlsPort, tls: true }), depsWith(server), { timeoutMs: 5000 });
    try {
      expect(await p.prepare().catch((e: unknown) => e)).toMatchObject({ retryable: false, message: expect.stringMatching(/TLS/) });
    } finally {
      await p.close();
    }
  });
});

describe('IMAP end to end (mailbox → Gateway → ledger → Odoo sandbox)', () => {
  let server: Dovecot;
  let box: Mailbox;
  let sandbox: SandboxHandle;
  let ledger: SqliteLedger;
  let gateway: Gateway;

  beforeAll(async () => {
    server = await startDovecot();
    box = new Mailbox(server);
    sandbox = await startSandbox({ password: 'pw' });
    // A temp copy of northgate's partner.yaml with the channels block replaced (re-serialising the whole
    // file would turn `version: 004010` into 4010).
    const dir = mkdtempSync(join(tmpdir(), 'imap-partners-'));
    const data = join(dir, 'data');
    mkdirSync(join(dir, 'partners', 'northgate'), { recursive: true });
    mkdirSync(data);
    const text = readFileSync(join(ROOT, 'partners', 'northgate', 'partner.yaml'), 'utf8');
    const channels = {
      inbound: [{ type: 'email', via: 'imap', host: '127.0.0.1', port: server.port, tls: false, username: server.user, password: { env: 'IMAP_PW' }, from: [PARTNER_FROM], pollInterval: '100ms' }],
      outbound: { type: 'dir', path: 'exchange/northgate/outbound' },
    };
    writeFileSync(join(dir, 'partners', 'northgate', 'partner.yaml'), `${text.slice(0, text.indexOf('\nchannels:'))}\n${stringify({ channels })}`);
    const registry = loadPartners(join(dir, 'partners'), { dataRoot: data, mappingsRoot: join(ROOT, 'mappings') });
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: silent, settleMs: 0, pollMs: 50, dirPollMs: 100, secret: depsWith(server).secret });
    await gateway.start();
  });

  afterAll(async () => {
    await gateway.stop();
    ledger.close();
    await sandbox.close();
    await box.close();
    await server.close();
  });

  it('an 850 mailed to the polled mailbox becomes a sale order; the mail is moved to Processed', async () => {
    await box.deliver(await mime({ messageId: 'po-e2e@northgate.test', attachments: [x12Attachment()] }));
    const end = Date.now() + 15_000;
    while (!((ledger.counts().documents.posted ?? 0) === 1 && (await box.count('Processed')) === 1)) {
      if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(ledger.counts())}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(sandbox.data.count('sale.order')).toBe(1);
    expect(await box.count('INBOX')).toBe(0);
  });
});
