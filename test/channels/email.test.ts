/**
 * The email channel against real SMTP peers on loopback: swaks (Debian) talking to our listener,
 * our nodemailer sender talking to an smtp-server sink with STARTTLS and AUTH PLAIN, and the whole road
 * (swaks → listener → ledger → Odoo sandbox → 997 → sender → sink) with a Gateway in-process.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { ChannelError, type ChannelDeps, type InboundSink, type OutgoingFile } from '../../src/channels/types';
import { startSmtpListener, type SmtpListenerHandle } from '../../src/channels/email/listener';
import { ediContentType, emailSender } from '../../src/channels/email/sender';
import { OdooClient } from '../../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners } from '../../src/partners';
import { PartnerRegistry, type Partner } from '../../src/partners/registry';
import { Gateway } from '../../src/pipeline/gateway';
import { odooSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { freePort, selfSignedCert, smtpDialog, startSmtpSink, swaks, type SmtpSink } from '../support/smtp';

const ROOT = join(__dirname, '..', '..');
const X12 = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi'));
const EDIFACT = readFileSync(join(ROOT, 'fixtures', 'edi', 'edifact', 'D01B', 'ORDERS-unoc-latin1.edi'));
const PARTNER_FROM = 'edi@northgate.test';
const OUR_MAILBOX = 'edi-northgate@gateway.test';
const silent = pino({ level: 'silent' });
const cert = selfSignedCert();

/** A partners folder holding northgate with the given channels (mappings from the repository). */
function registryWith(channels: Record<string, unknown>): { registry: PartnerRegistry; data: string } {
  const dir = mkdtempSync(join(tmpdir(), 'email-partners-'));
  const data = join(dir, 'data');
  mkdirSync(join(dir, 'partners', 'northgate'), { recursive: true });
  mkdirSync(data);
  // Replace the text of the channels block (the file's last): re-serialising the whole file would turn
  // `version: 004010` into 4010.
  const text = readFileSync(join(ROOT, 'partners', 'northgate', 'partner.yaml'), 'utf8');
  writeFileSync(join(dir, 'partners', 'northgate', 'partner.yaml'), `${text.slice(0, text.indexOf('\nchannels:'))}\n${stringify({ channels })}`);
  return { registry: loadPartners(join(dir, 'partners'), { dataRoot: data, mappingsRoot: join(ROOT, 'mappings') }), data };
}

/** A file in a temp folder, for swaks --attach @file. */
function tempFile(name: string, bytes: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'email-att-')), name);
  writeFileSync(path, bytes);
  return path;
}

const envelope = ['--from', PARTNER_FROM, '--to', OUR_MAILBOX];

describe('SMTP listener (swaks → our listener on 127.0.0.1)', () => {
  const { registry } = registryWith({
    inbound: [{ type: 'email', via: 'smtp', from: [PARTNER_FROM, 'backup@northgate.test'], to: [OUR_MAILBOX], maxSize: 64 * 1024 }],
    outbound: { type: 'dir', path: 'exchange/northgate/outbound' },
  });
  let listener: SmtpListenerHandle;
  let stored: Parameters<InboundSink>[0][];
  let failing: boolean;
  const receive: InboundSink = async (m) => {
    if (failing) throw new Error('ledger is read-only');
    stored.push(m);
    return { messageId: stored.length, correlationId: `c${stored.length}` };
  };

  beforeAll(async () => {
    listener = await startSmtpListener({ port: 0, registry, receive, logger: silent, tls: { key: cert.key, cert: cert.cert } });
  });
  afterAll(() => listener.close());
  beforeEach(() => {
    stored = [];
    failing = false;
  });

  it('stores an X12 attachment byte for byte, ignores other attachments, then answers 250', async () => {
    const edi = tempFile('po-101.x12', X12);
    const note = tempFile('note.pdf', Buffer.from('%PDF-1.4 not EDI'));
    const r = await swaks(listener.port, [...envelope, '--attach-type', 'application/EDI-X12', '--attach', `@${edi}`, '--attach-type', 'application/pdf', '--attach', `@${note}`]);
    expect(r.code).toBe(0);
    expect(r.dataReply).toMatch(/^250 .*stored as message 1/);
    expect(stored).toHaveLength(1);
    expect(stored[0].partnerId).toBe('northgate');
    expect(stored[0].channel).toBe('email');
    expect(stored[0].source).toMatch(/\/po-101\.x12$/);
    expect(stored[0].bytes.equals(X12)).toBe(true);
  });

  it('keeps Latin-1 EDIFACT sent as octet-stream with an .edi name exact (no charset conversion)', async () => {
    const file = tempFile('orders.edi', EDIFACT);
    const r = await swaks(listener.port, [...envelope, '--attach', `@${file}`]);
    expect(r.code).toBe(0);
    expect(stored).toHaveLength(1);
    expect(stored[0].bytes.equals(EDIFACT)).toBe(true);
  });

  it('takes a body that is itself an interchange when nothing is attached', async () => {
    const r = await swaks(listener.port, [...envelope, '--body', X12.toString('latin1')]);
    expect(r.code).toBe(0);
    expect(stored).toHaveLength(1);
    expect(stored[0].source).toMatch(/\/body$/);
    expect(stored[0].bytes.toString('latin1').trim()).toBe(X12.toString('latin1').trim());
  });

  it('refuses a sender that is not a partner address at MAIL FROM, storing nothing', async () => {
    const r = await swaks(listener.port, ['--from', 'mallory@elsewhere.test', '--to', OUR_MAILBOX, '--attach', `@${tempFile('po.edi', X12)}`]);
    expect(r.code).toBe(23);
    expect(r.out).toMatch(/553 .*not a configured partner address/);
    expect(stored).toEqual([]);
  });

  it('refuses an unknown mailbox with 550', async () => {
    const r = await swaks(listener.port, ['--from', PARTNER_FROM, '--to', 'postmaster@gateway.test', '--attach', `@${tempFile('po.edi', X12)}`]);
    expect(r.code).toBe(24);
    expect(r.out).toMatch(/550 .*mailbox <postmaster@gateway.test> is unknown/);
    expect(stored).toEqual([]);
  });

  it('refuses a message over the partner limit with 552', async () => {
    const big = Buffer.concat([X12, Buffer.alloc(80 * 1024, 0x41)]);
    const r = await swaks(listener.port, [...envelope, '--attach', `@${tempFile('big.edi', big)}`]);
    expect(r.code).toBe(26);
    expect(r.dataReply).toMatch(/^552 /);
    expect(stored).toEqual([]);
  });

  it('refuses at RCPT TO a message whose declared SIZE is over the partner limit (RFC 1870)', async () => {
    const replies = await smtpDialog(listener.port, ['EHLO partner.test', `MAIL FROM:<${PARTNER_FROM}> SIZE=100000`, `RCPT TO:<${OUR_MAILBOX}>`, 'QUIT']);
    expect(replies[1]).toMatch(/^250[ -].*SIZE \d+/m);
    expect(replies[2]).toMatch(/^250 /);
    expect(replies[3]).toMatch(/^552 .*100000 exceeds the limit of 65536/);
  });

  it('answers 550 with the reason when the message carries no EDI', async () => {
    const r = await swaks(listener.port, [...envelope, '--body', 'Hello, please find our order attached. (it is not)']);
    expect(r.code).toBe(26);
    expect(r.dataReply).toMatch(/^550 .*no EDI found/);
    expect(stored).toEqual([]);
  });

  it('answers 451 when the ledger cannot store it, so the sending server retries', async () => {
    failing = true;
    const r = await swaks(listener.port, [...envelope, '--attach', `@${tempFile('po.edi', X12)}`]);
    expect(r.code).toBe(26);
    expect(r.dataReply).toMatch(/^451 .*temporary failure/);
  });

  it('offers STARTTLS with the configured certificate (swaks --tls)', async () => {
    const r = await swaks(listener.port, [...envelope, '--tls', '--attach-type', 'application/EDI-X12', '--attach', `@${tempFile('po.x12', X12)}`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/TLS started/);
    expect(stored).toHaveLength(1);
    expect(stored[0].bytes.equals(X12)).toBe(true);
  });

  it('one message goes to one partner: a second partner\'s mailbox gets 452; an ambiguous config does not start', async () => {
    const northgate = registry.get('northgate') as Partner;
    const other = (to: string): Partner => ({ ...northgate, id: 'other', channels: { inbound: [{ type: 'email', via: 'smtp', from: [PARTNER_FROM], to: [to], maxSize: 1000 }] } }) as Partner;
    const two = await startSmtpListener({ port: 0, registry: new PartnerRegistry([northgate, other('edi-other@gateway.test')]), receive, logger: silent });
    try {
      const replies = await smtpDialog(two.port, ['EHLO partner.test', `MAIL FROM:<${PARTNER_FROM}>`, `RCPT TO:<${OUR_MAILBOX}>`, 'RCPT TO:<edi-other@gateway.test>', 'QUIT']);
      expect(replies[3]).toMatch(/^250 /);
      expect(replies[4]).toMatch(/^452 .*one partner per message/);
    } finally {
      await two.close();
    }
    await expect(startSmtpListener({ port: 0, registry: new PartnerRegistry([northgate, other(OUR_MAILBOX)]), receive, logger: silent })).rejects.toThrow(
      /partners northgate and other both accept mail from edi@northgate.test to edi-northgate@gateway.test/,
    );
  });

  it('refuses MAIL FROM before STARTTLS when TLS is required', async () => {
    const strict = await startSmtpListener({ port: 0, registry, receive, logger: silent, tls: { key: cert.key, cert: cert.cert }, requireTls: true });
    try {
      const plain = await swaks(strict.port, [...envelope, '--attach', `@${tempFile('po.edi', X12)}`]);
      expect(plain.code).toBe(23);
      expect(plain.out).toMatch(/530 /);
      const tls = await swaks(strict.port, [...envelope, '--tls', '--attach', `@${tempFile('po.edi', X12)}`]);
      expect(tls.code).toBe(0);
      expect(stored).toHaveLength(1);
    } finally {
      await strict.close();
    }
  });
});

describe('email sender (nodemailer → smtp-server sink with STARTTLS and AUTH PLAIN)', () => {
  const { registry } = registryWith({
    inbound: [{ type: 'email', via: 'smtp', from: [PARTNER_FROM], to: [OUR_MAILBOX] }],
    outbound: { type: 'email', host: '127.0.0.1', from: 'edi@brightwater.test', to: ['orders@northgate.test'] },
  });
  const base = registry.get('northgate') as Partner;
  let sink: SmtpSink;
  const secrets: Record<string, string> = { SMTP_PW: 's3cret', SMTP_BAD: 'wrong' };
  const deps: ChannelDeps = {
    logger: silent,
    now: Date.now,
    settleMs: 0,
    maxFileBytes: 1e8,
    secret: (ref) => {
      const v = 'env' in ref ? secrets[ref.env] : undefined;
      if (v === undefined) throw new ChannelError('no such secret', false, 'config');
      return v;
    },
  };
  const partnerTo = (port: number, over: Record<string, unknown> = {}): Partner =>
    ({
      ...base,
      channels: {
        inbound: [],
        outbound: { type: 'email', host: '127.0.0.1', port, security: 'starttls', username: 'gw', password: { env: 'SMTP_PW' }, from: 'edi@brightwater.test', to: ['orders@northgate.test'], subject: '{messageType} {controlNumber} from {partner}', ...over },
      },
    }) as Partner;
  const file = (bytes: Buffer, name = '850-000000101.edi'): OutgoingFile => ({ name, bytes, messageId: 7, messageType: '850', controlNumber: '000000101', correlationId: 'corr-1' });

  beforeAll(async () => {
    sink = await startSmtpSink({ tls: { key: cert.key, cert: cert.cert }, auth: { user: 'gw', pass: 's3cret' } });
  });
  afterAll(() => sink.close());
  beforeEach(() => {
    sink.messages.length = 0;
  });

  it('sends the file as a base64 application/EDI-X12 attachment over STARTTLS with AUTH', async () => {
    const sender = emailSender(deps, { tls: { ca: cert.cert } });
    try {
      const detail = await sender.send(partnerTo(sink.port), file(X12));
      expect(detail).toMatchObject({ channel: 'email', response: expect.stringMatching(/^250 /), messageId: '<edi-7.corr-1@brightwater.test>' });
      expect(sink.messages).toHaveLength(1);
      const m = sink.messages[0];
      expect(m).toMatchObject({ from: 'edi@brightwater.test', to: ['orders@northgate.test'], user: 'gw', secure: true });
      expect(m.mail.subject).toBe('850 000000101 from northgate');
      expect(m.mail.attachments).toHaveLength(1);
      const a = m.mail.attachments[0];
      expect(a.filename).toBe('850-000000101.edi');
      expect(a.contentType.toLowerCase()).toBe('application/edi-x12');
      expect(a.content.equals(X12)).toBe(true);
      expect(m.raw.toString('latin1')).toMatch(/Content-Type: application\/EDI-X12; name=850-000000101\.edi\r\nContent-Transfer-Encoding: base64/);
    } finally {
      await sender.close();
    }
  });

  it('labels EDIFACT as application/EDIFACT and keeps Latin-1 bytes exact', async () => {
    expect(ediContentType(Buffer.from('\ufeffUNA:+.? \'UNB+UNOC:3'))).toBe('application/EDIFACT');
    const sender = emailSender(deps, { tls: { ca: cert.cert } });
    try {
      await sender.send(partnerTo(sink.port), file(EDIFACT, 'ORDERS.edi'));
      const a = sink.messages[0].mail.attachments[0];
      expect(a.contentType.toLowerCase()).toBe('application/edifact');
      expect(a.content.equals(EDIFACT)).toBe(true);
    } finally {
      await sender.close();
    }
  });

  it('refused credentials are a non-retryable ChannelError', async () => {
    const sender = emailSender(deps, { tls: { ca: cert.cert } });
    try {
      const err = await sender.send(partnerTo(sink.port, { password: { env: 'SMTP_BAD' } }), file(X12)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect(err).toMatchObject({ retryable: false, channel: 'email', partner: 'northgate' });
      expect((err as Error).message).toMatch(/authentication refused/);
      expect(sink.messages).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });

  it('a server that is down is a retryable ChannelError', async () => {
    const port = await freePort();
    const sender = emailSender(deps, { timeoutMs: 5000 });
    try {
      const err = await sender.send(partnerTo(port), file(X12)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect(err).toMatchObject({ retryable: true });
    } finally {
      await sender.close();
    }
  });

  it('an untrusted server certificate is not retried (configuration)', async () => {
    const sender = emailSender(deps);
    try {
      const err = await sender.send(partnerTo(sink.port), file(X12)).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: false });
      expect(sink.messages).toHaveLength(0);
    } finally {
      await sender.close();
    }
  });
});

describe('email end to end (swaks → listener → ledger → Odoo sandbox → 997 → sender → sink)', () => {
  let sandbox: SandboxHandle;
  let ledger: SqliteLedger;
  let gateway: Gateway;
  let listener: SmtpListenerHandle;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await startSmtpSink();
    sandbox = await startSandbox({ password: 'pw' });
    const { registry, data } = registryWith({
      inbound: [{ type: 'email', via: 'smtp', from: [PARTNER_FROM], to: [OUR_MAILBOX] }],
      outbound: { type: 'email', host: '127.0.0.1', port: sink.port, security: 'none', from: 'edi@brightwater.test', to: ['acks@northgate.test'] },
    });
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    const client = new OdooClient({ url: sandbox.url, db: sandbox.db, login: 'admin', password: 'pw', protocol: 'jsonrpc' });
    gateway = new Gateway({ ledger, registry, sink: odooSink(client), logger: silent, settleMs: 0, pollMs: 50 });
    await gateway.start();
    listener = await startSmtpListener({ port: 0, registry, receive: gateway.receive, logger: silent });
  });

  afterAll(async () => {
    await listener.close();
    await gateway.stop();
    ledger.close();
    await sandbox.close();
    await sink.close();
  });

  it('an 850 mailed by the partner becomes a sale order, and the 997 is mailed back as an attachment', async () => {
    const r = await swaks(listener.port, [...envelope, '--attach-type', 'application/EDI-X12', '--attach', `@${tempFile('po.x12', X12)}`]);
    expect(r.code).toBe(0);
    expect(r.dataReply).toMatch(/^250 /);
    // 250 came after the fsync: the ledger already has the message.
    expect(ledger.counts().messages).not.toEqual({});
    const end = Date.now() + 15_000;
    while (!((ledger.counts().documents.posted ?? 0) === 1 && sink.messages.length === 1)) {
      if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(ledger.counts())}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(sandbox.data.count('sale.order')).toBe(1);
    const m = sink.messages[0];
    expect(m.to).toEqual(['acks@northgate.test']);
    expect(m.mail.subject).toMatch(/^997 /);
    const a = m.mail.attachments[0];
    expect(a.contentType.toLowerCase()).toBe('application/edi-x12');
    expect(a.content.toString('latin1')).toMatch(/AK9\*A\*1\*1\*1/);
  });
});
