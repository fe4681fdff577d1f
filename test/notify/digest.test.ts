/**
 * The notification digest over a real SMTP server on loopback: one mail with what is new per kind and
 * partner, nothing twice, nothing when nothing is new, and nothing lost when the server is down.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { CliIo } from '../../src/cli/io';
import { main } from '../../src/cli/main';
import { GatewayConfigSchema } from '../../src/config/gateway';
import { collectDigest } from '../../src/notify/digest';
import { scheduleDigest, sendDigest, smtpDigestMailer, DIGEST_SINCE_KEY, type NotifyConfig } from '../../src/notify/send';
import { SqliteLedger } from '../../src/store';
import { freePort, startSmtpSink, type SmtpSink } from '../support/smtp';

const HOUR = 60 * 60 * 1000;
const NAMES: Record<string, string> = { 'bolt-supply': 'Bolt Supply Co', northgate: 'Northgate Retail' };
const silent = { warn: jest.fn(), info: jest.fn() };

describe('notification digest', () => {
  let sink: SmtpSink;
  let ledger: SqliteLedger;
  let file: string;
  let clock: number;

  beforeEach(async () => {
    sink = await startSmtpSink();
    clock = Date.UTC(2026, 10, 27, 8, 0, 0);
    file = join(mkdtempSync(join(tmpdir(), 'notify-')), 'ledger.sqlite');
    ledger = new SqliteLedger({ file, now: () => clock });
    silent.warn.mockClear();
  });
  afterEach(async () => {
    ledger.close();
    await sink.close();
  });

  const config = (port: number): NotifyConfig =>
    GatewayConfigSchema.parse({ notify: { to: ['purchasing@example.test'], from: 'edi-gateway@example.test', smtp: { host: '127.0.0.1', port, security: 'none' } } }).notify as NotifyConfig;

  const digest = (port = sink.port) =>
    sendDigest({ ledger, mailer: smtpDigestMailer(config(port), () => 'unused', { timeoutMs: 5_000 }), rows: 20, view: { partnerName: (id) => NAMES[id], dashboardUrl: 'https://edi.example.test' }, now: () => clock, logger: silent });

  /** An 850 we sent to bolt-supply whose 997 is due in an hour. */
  function orderAwaitingAck(icn: string): void {
    ledger.enqueue({ partnerId: 'bolt-supply', channel: 'dir', name: `po-${icn}.edi`, bytes: Buffer.from(`ISA ${icn}`), correlationId: `c-${icn}`, messageType: '850', interchangeControlNumber: icn, expects: [{ ackType: '997', interchangeControlNumber: icn, messageType: '850', deadline: clock + HOUR }] });
  }

  /** Dead orders of a partner, one per business key, from one received file in one transaction; their ids. */
  function deadDocuments(partnerId: string, keys: string[], replayOf?: Map<number, number>, messageId?: number): number[] {
    const id = messageId ?? ledger.receiveMany([{ channel: 'dir', source: 'in/a.edi', partnerId, bytes: Buffer.from('ISA a'), correlationId: 'c-in' }])[0].id;
    const documents = keys.map((key, i) => ({ seq: i + 1, partnerId, type: 'order', messageType: '850', interchangeControlNumber: '11', groupControlNumber: '12', controlNumber: String(13 + i), businessKey: key, orderKey: key, state: 'dead' as const, reason: 'no product with SKU X-99', errorKind: 'business' as const, canonical: '{}' }));
    return ledger.commitProcessed({ messageId: id, state: 'processed', partnerId, messageType: '850', interchanges: [], outbound: [], events: [], documents }, replayOf);
  }

  const deadDocument = (): number => deadDocuments('northgate', ['PO-4711'])[0];

  it('mails each new item once, per kind and partner, and nothing when nothing is new', async () => {
    orderAwaitingAck('000000101');
    deadDocument();
    ledger.exportFailed({ source: 'odoo:account.move', key: 'bolt-supply:7', partnerId: 'bolt-supply', recordId: 7, name: 'INV/2026/00007', reason: 'the invoice has no customer order reference' });
    clock += 2 * HOUR;

    const first = await digest();
    expect(first).toMatchObject({ sent: true, digest: { total: 3 } });
    expect(sink.messages).toHaveLength(1);
    const [mail] = sink.messages;
    expect(mail.to).toEqual(['purchasing@example.test']);
    expect(mail.from).toBe('edi-gateway@example.test');
    expect(mail.mail.subject).toBe('EDI gateway: 1 overdue, 1 need a person, 1 not sent');
    const text = mail.mail.text ?? '';
    expect(text).toContain('Bolt Supply Co (bolt-supply): 1');
    expect(text).toContain('Northgate Retail (northgate): 1');
    expect(text).toContain('850 interchange 000000101: 997 due');
    expect(text).toContain('document');
    expect(text).toContain('PO-4711 — no product with SKU X-99');
    expect(text).toContain('account.move INV/2026/00007 (1 attempt) — the invoice has no customer order reference');
    expect(text).toContain('https://edi.example.test/dashboard/acks?state=overdue');
    expect(text).toContain('https://edi.example.test/dashboard/exports');
    expect(mail.mail.html).toContain('<li>');

    // Right after: nothing new, no mail.
    clock += 1000;
    expect(await digest()).toMatchObject({ sent: false, digest: { total: 0 } });
    expect(sink.messages).toHaveLength(1);

    // A new overdue ack: the next digest has only it (the old ones stay overdue, but were told already).
    orderAwaitingAck('000000102');
    clock += 2 * HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 1 } });
    expect(sink.messages).toHaveLength(2);
    const second = sink.messages[1].mail;
    expect(second.subject).toBe('EDI gateway: 1 overdue');
    expect(second.text).toContain('000000102');
    expect(second.text).not.toContain('000000101');
    expect(second.text).not.toContain('PO-4711');
  });

  it('a digest the SMTP server did not take moves no marker: its items come in the next one', async () => {
    orderAwaitingAck('000000201');
    clock += 2 * HOUR;
    const down = await digest(await freePort());
    expect(down).toMatchObject({ sent: false, digest: { total: 1 } });
    expect(down.error).toBeDefined();
    expect(silent.warn).toHaveBeenCalledTimes(1);
    expect(ledger.meta(DIGEST_SINCE_KEY)).toBeUndefined();
    expect(sink.messages).toHaveLength(0);

    deadDocument();
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 2 } });
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0].mail.text).toContain('000000201');
    expect(sink.messages[0].mail.text).toContain('PO-4711');
    expect(ledger.meta(DIGEST_SINCE_KEY)).toBe(String(clock - 1));
  });

  it('counts every item of the window, however many (10 050 dead documents), and lists the first rows per partner', async () => {
    deadDocuments('northgate', ['PO-OLD']);
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 1 } });

    clock += 1000;
    const northgate = Array.from({ length: 10_030 }, (_, i) => `N-${i + 1}`);
    const bolt = Array.from({ length: 20 }, (_, i) => `B-${i + 1}`);
    // One received file (one transaction) each.
    deadDocuments('northgate', northgate);
    deadDocuments('bolt-supply', bolt);
    clock += HOUR;
    const outcome = await digest();
    expect(outcome).toMatchObject({ sent: true, digest: { total: 10_050 } });
    expect(outcome.digest.sections.map((s) => [s.kind, s.count])).toEqual([['needsPerson', 10_050]]);
    expect(outcome.digest.sections[0].byPartner.map((p) => [p.partnerId, p.count, p.items.length])).toEqual([
      ['bolt-supply', 20, 20],
      ['northgate', 10_030, 20],
    ]);
    const text = sink.messages[1].mail.text ?? '';
    expect(sink.messages[1].mail.subject).toBe('EDI gateway: 10050 need a person');
    expect(text).toContain('Northgate Retail (northgate): 10030 (first 20 of 10030)');
    expect(text).toMatch(/Bolt Supply Co \(bolt-supply\): 20\n/);
    // Oldest first (all of one moment: by id), and only what is new since the last digest.
    expect(text).toContain('850 N-1 — ');
    expect(text).toContain('850 N-20 — ');
    expect(text).not.toContain('850 N-21 — ');
    expect(text).not.toContain('PO-OLD');
    expect(text.split('\n').filter((l) => l.startsWith('    - document'))).toHaveLength(40);
  });

  it('lists at most `rows` items of a partner, oldest first, with the whole count', () => {
    const ids = deadDocuments('northgate', ['PO-1', 'PO-2', 'PO-3', 'PO-4']);
    const d = collectDigest(ledger, { since: clock - 1, until: clock, rows: 3 });
    expect(d.sections[0].byPartner).toEqual([{ partnerId: 'northgate', count: 4, items: ids.slice(0, 3).map((id) => expect.objectContaining({ id, at: clock })) }]);
  });

  it('a document waiting for a person is listed once; one that fails again (a replay, a new failure) is listed again', async () => {
    const first = deadDocument();
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 1 } });

    // Touched without a change of state: an event in its history, its row written (as a note would be).
    clock += HOUR;
    ledger.event({ correlationId: 'c-in', documentId: first, kind: 'document.note', detail: { note: 'asked purchasing about SKU X-99' } });
    const db = new Database(file);
    db.prepare('UPDATE documents SET updated_at = ? WHERE id = ?').run(clock, first);
    db.close();
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: false, digest: { total: 0 } });
    expect(sink.messages).toHaveLength(1);

    // Replayed and dead again: a new document, listed; the old one is replaced.
    const message = ledger.document(first)?.messageId;
    const [again] = deadDocuments('northgate', ['PO-4711'], new Map([[1, first]]), message);
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 1 } });
    expect(sink.messages[1].mail.text).toContain(`document ${again} dead: 850 PO-4711`);
    expect(sink.messages[1].mail.text).not.toContain(`document ${first} `);

    // A new failure written over the same state is a new entry too (its own event), with its own reason.
    clock += HOUR;
    ledger.documentState(again, { state: 'dead', reason: 'the customer is blocked in Odoo', errorKind: 'business', event: 'document.dead' });
    clock += HOUR;
    expect(await digest()).toMatchObject({ sent: true, digest: { total: 1 } });
    expect(sink.messages[2].mail.text).toContain(`document ${again} dead: 850 PO-4711 — the customer is blocked in Odoo`);
  });

  it('a dry run builds the mail and neither sends it nor moves the marker', async () => {
    orderAwaitingAck('000000301');
    clock += 2 * HOUR;
    const dry = await sendDigest({ ledger, mailer: smtpDigestMailer(config(sink.port), () => 'unused'), rows: 20, now: () => clock, logger: silent, dryRun: true });
    expect(dry.mail?.text).toContain('000000301');
    expect(dry.mail?.text).not.toContain('http');
    expect(sink.messages).toHaveLength(0);
    expect(ledger.meta(DIGEST_SINCE_KEY)).toBeUndefined();
  });
});

describe('edi-gateway notify', () => {
  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const sinkOf = (add: (s: string) => void) => new Writable({ write: (chunk: Buffer, _enc, done) => (add(chunk.toString('utf8')), done()) });
    const code = await main(args, { stdin: Readable.from([]), stdout: sinkOf((s) => (out += s)), stderr: sinkOf((s) => (err += s)) } satisfies CliIo);
    return { code, out, err };
  };

  it('needs a notify section; --dry-run prints the digest and sends nothing; then it sends, and nothing is new after', async () => {
    const sink = await startSmtpSink();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'notify-cli-'));
      const bare = join(dir, 'bare.yaml');
      writeFileSync(bare, `dataDir: ${dir}\npartners: ${join(__dirname, '..', '..', 'partners')}\n`);
      expect(await run(['notify', '--config', bare])).toMatchObject({ code: 2, err: expect.stringContaining('no notify section') });
      const f = join(dir, 'gateway.yaml');
      writeFileSync(f, `dataDir: ${dir}\npartners: ${join(__dirname, '..', '..', 'partners')}\nnotify: { to: [sales@example.test], from: edi@example.test, smtp: { host: 127.0.0.1, port: ${sink.port}, security: none } }\n`);
      const ledger = new SqliteLedger({ file: join(dir, 'ledger.sqlite') });
      ledger.exportFailed({ source: 'odoo:sale.order', key: 'northgate:9', partnerId: 'northgate', recordId: 9, name: 'S00009', reason: 'no EDI partner for the customer' });
      ledger.close();
      const dry = await run(['notify', '--config', f, '--dry-run']);
      expect(dry).toMatchObject({ code: 0, out: expect.stringContaining('sale.order S00009') });
      expect(dry.out).toContain('http://127.0.0.1:8080/dashboard/exports');
      expect(sink.messages).toHaveLength(0);
      expect(await run(['notify', '--config', f])).toMatchObject({ code: 0, out: 'digest of 1 items sent to sales@example.test\n' });
      expect(sink.messages.map((m) => m.mail.subject)).toEqual(['EDI gateway: 1 not sent']);
      expect(await run(['notify', '--config', f])).toMatchObject({ code: 0, out: 'nothing new since the last digest: no mail\n' });
    } finally {
      await sink.close();
    }
  });
});

describe('scheduleDigest', () => {
  it('runs on a timer, never two at once, and stopping aborts the run in progress and waits for it', async () => {
    jest.useFakeTimers();
    try {
      let runs = 0;
      let finish: () => void = () => undefined;
      let signal: AbortSignal | undefined;
      const stop = scheduleDigest((s) => new Promise<void>((resolve) => ((runs += 1), (signal = s), (finish = resolve))), 1000, { error: jest.fn() });
      jest.advanceTimersByTime(3500);
      // The first run has not finished: the later ticks start none.
      expect(runs).toBe(1);
      expect(signal?.aborted).toBe(false);
      let stopped = false;
      const stopping = stop().then(() => (stopped = true));
      await Promise.resolve();
      expect(signal?.aborted).toBe(true);
      expect(stopped).toBe(false);
      finish();
      await stopping;
      jest.advanceTimersByTime(5000);
      expect(runs).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
