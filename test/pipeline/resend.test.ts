/**
 * Re-send: an 850 of ours whose 997 is overdue goes to the supplier again byte for byte, expected to be
 * acknowledged afresh; the one 997 the supplier sends settles the overdue rows and the new ones. What is
 * still on its way, inbound, for a partner no longer configured, or pruned is refused with the reason.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { acknowledge } from '../../src/edi/ack';
import { loadPartners } from '../../src/partners';
import { PartnerRegistry, type Partner } from '../../src/partners/registry';
import { queueOutbound } from '../../src/pipeline/acks';
import { Gateway } from '../../src/pipeline/gateway';
import { ReplayError } from '../../src/pipeline/replay';
import { resend } from '../../src/pipeline/resend';
import { nullSink } from '../../src/pipeline/sink';
import { prunePayloads, SqliteLedger } from '../../src/store';
import { orderToBolt } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const HOUR = 3600 * 1000;
/** Our purchase order to Bolt Industrial Supply (they owe a 997 within 4h). */
const OUR_850 = orderToBolt(731, 'PO-1001');

/** The 997 rows of our 850 (Bolt also owes an 855 for it, D27, which these tests leave alone). */
const owed997 = (l: SqliteLedger) => l.expectedAcks('bolt-supply', '000000731').filter((a) => a.ackType === '997');

describe('re-sending an 850 whose 997 is overdue', () => {
  let data: string;
  let ledger: SqliteLedger;
  let registry: PartnerRegistry;
  let gateway: Gateway;
  let clock = Date.now();

  beforeEach(async () => {
    clock = Date.now();
    data = mkdtempSync(join(tmpdir(), 'gw-resend-'));
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite'), now: () => clock });
    registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
    gateway = new Gateway({ ledger, registry, sink: nullSink(), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 30, pollMs: 30, now: () => clock });
    await gateway.start();
  });

  afterEach(async () => {
    await gateway.stop();
    ledger.close();
  });

  it('queues the same bytes again with fresh deadlines; the supplier\'s one 997 settles old and new rows', async () => {
    const original = gateway.enqueue('bolt-supply', OUR_850);
    await until(() => ledger.message(original)?.state === 'sent');
    clock += 5 * HOUR;
    ledger.markOverdue();
    expect(owed997(ledger).map((a) => a.state)).toEqual(['overdue']);

    const r = resend(ledger, registry, original, clock);
    expect(r).toEqual({ messageId: expect.any(Number), resentFrom: original });
    expect(r.messageId).not.toBe(original);
    const before = ledger.message(original);
    expect(ledger.message(r.messageId)).toMatchObject({
      direction: 'outbound',
      partnerId: 'bolt-supply',
      source: before?.source,
      messageType: '850',
      interchangeControlNumber: '000000731',
      correlationId: before?.correlationId,
      causeMessageId: original,
    });
    expect(ledger.bytes(r.messageId).equals(OUR_850)).toBe(true);
    expect(ledger.eventsOfMessage(original).filter((e) => e.kind === 'message.resent').map((e) => JSON.parse(e.detail ?? 'null'))).toEqual([{ messageId: r.messageId }]);
    expect(ledger.eventsOfMessage(r.messageId).map((e) => e.kind)).toEqual(expect.arrayContaining(['outbound.queued', 'message.resend_of']));

    // The old row stays overdue; the copy is owed a 997 within 4h from now.
    const rows = owed997(ledger);
    expect(rows.map((a) => [a.messageId, a.state, a.groupControlNumber, a.transactionControlNumber])).toEqual([
      [original, 'overdue', '731', '0001'],
      [r.messageId, 'sent', '731', '0001'],
    ]);
    expect(rows[1].deadline).toBe(clock + 4 * HOUR);

    // Out of the partner's folder the copy comes beside the first file, never over it.
    await until(() => ledger.message(r.messageId)?.state === 'sent');
    const outbound = join(data, 'exchange', 'bolt-supply', 'outbound');
    const files = readdirSync(outbound).filter((f) => !f.startsWith('.'));
    expect(files).toHaveLength(2);
    for (const f of files) expect(readFileSync(join(outbound, f)).equals(OUR_850)).toBe(true);

    const { acks } = await acknowledge(OUR_850, { type: '997' });
    const inbound = join(data, 'exchange', 'bolt-supply', 'inbound');
    writeFileSync(join(inbound, '.997.tmp'), acks[0].text);
    renameSync(join(inbound, '.997.tmp'), join(inbound, '997.x12'));
    await until(() => owed997(ledger).every((a) => a.state === 'acknowledged'), 15_000, 'the 997 to settle both rows');
    const settled = owed997(ledger);
    expect(settled).toHaveLength(2);
    expect(new Set(settled.map((a) => a.ackMessageId)).size).toBe(1);
    expect(settled[0].ackMessageId).toEqual(expect.any(Number));
  });

  it('a delivery given up (parked) can be re-sent too, and then waits for no one', async () => {
    const original = gateway.enqueue('bolt-supply', OUR_850);
    await until(() => ledger.message(original)?.state === 'sent');
    ledger.outboundState(original, { state: 'parked', reason: 'the partner\'s server refused it', event: 'outbound.parked' });
    const r = resend(ledger, registry, original, clock);
    await until(() => ledger.message(r.messageId)?.state === 'sent');
    expect(ledger.message(original)).toMatchObject({ state: 'discarded', reason: `re-sent as message ${r.messageId}` });
    expect(ledger.eventsOfMessage(original).map((e) => e.kind).slice(-2)).toEqual(['message.resent', 'message.discarded']);
    expect(ledger.openCounts().messages.parked ?? 0).toBe(0);
  });
});

describe('what is not re-sent', () => {
  let ledger: SqliteLedger;
  let registry: PartnerRegistry;
  let bolt: Partner;
  const now = Date.now();

  beforeEach(() => {
    const data = mkdtempSync(join(tmpdir(), 'gw-resend-no-'));
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite') });
    registry = loadPartners(join(ROOT, 'partners'), { dataRoot: data });
    bolt = registry.get('bolt-supply') as Partner;
  });

  afterEach(() => ledger.close());

  /** Our 850 to Bolt, delivered (as the sender records it). */
  const sent = (): number => {
    const id = queueOutbound(ledger, bolt, OUR_850, now, 'c-1');
    ledger.outboundState(id, { state: 'sent', attempt: true, event: 'outbound.sent' });
    return id;
  };

  const refusal = (id: number, r: PartnerRegistry = registry): ReplayError => {
    try {
      resend(ledger, r, id, now);
    } catch (err) {
      if (err instanceof ReplayError) return err;
      throw err;
    }
    throw new Error(`message ${id} was re-sent`);
  };

  it('a message not in the ledger', () => {
    expect(refusal(4242)).toMatchObject({ kind: 'missing', message: 'no message 4242 in the ledger' });
  });

  it('an inbound message: that one is replayed', () => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: '850.edi', partnerId: 'bolt-supply', bytes: OUR_850 }]);
    expect(refusal(m.id)).toMatchObject({ kind: 'state', message: `message ${m.id} is inbound: replay it instead` });
  });

  it('one still on its way (pending, retry)', () => {
    const pending = queueOutbound(ledger, bolt, OUR_850, now, 'c-2');
    expect(refusal(pending)).toMatchObject({ kind: 'state', message: expect.stringMatching(new RegExp(`^message ${pending} is pending: it is still on its way`)) });
    ledger.outboundState(pending, { state: 'retry', attempt: true, nextAttemptAt: now + HOUR, reason: 'connection refused', event: 'outbound.retry' });
    expect(refusal(pending)).toMatchObject({ kind: 'state', message: expect.stringMatching(new RegExp(`^message ${pending} is retry: `)) });
  });

  it('one for a partner no longer configured, or without an outbound channel now', () => {
    const id = sent();
    expect(refusal(id, new PartnerRegistry([]))).toMatchObject({ kind: 'state', message: `message ${id} is for partner bolt-supply, who is not configured any more: it cannot be re-sent` });
    const { outbound: _gone, ...channels } = bolt.channels;
    const receiveOnly = new PartnerRegistry([{ ...bolt, channels }]);
    expect(refusal(id, receiveOnly)).toMatchObject({ kind: 'state', message: `message ${id}: partner bolt-supply has no outbound channel: it cannot be re-sent` });
  });

  it('one whose bytes went under the retention policy', async () => {
    const id = sent();
    // Retention keeps the bytes while an ack is owed: only one the partner answered loses them.
    for (const a of ledger.expectedAcks('bolt-supply', '000000731')) ledger.expectedAckState(a.id, 'rejected', [], null);
    await prunePayloads(ledger, 0, { now: Date.now() + 1000 });
    expect(refusal(id)).toMatchObject({ kind: 'state', message: expect.stringMatching(new RegExp(`^the bytes of message ${id} were removed on .* under the retention policy \\(retention.payloads\\); it cannot be replayed or sent again$`)) });
  });

  it('nothing is queued by a refusal', () => {
    const id = sent();
    refusal(id, new PartnerRegistry([]));
    expect(ledger.messages('outbound').map((m) => m.id)).toEqual([id]);
    expect(owed997(ledger)).toHaveLength(1);
  });
});
