/**
 * Acknowledgments for what we send: an interchange we queue for a partner is expected to be answered
 * (partner.yaml acknowledgments.expect); the partner's 997 settles it, a rejecting 997 marks it
 * rejected with the reported errors, and one that never comes goes overdue.
 */
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { acknowledge } from '../../src/edi/ack';
import { loadPartners } from '../../src/partners';
import { Gateway } from '../../src/pipeline/gateway';
import { nullSink } from '../../src/pipeline/sink';
import { SqliteLedger } from '../../src/store';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const OUR_855 = readFileSync(join(ROOT, 'fixtures', 'edi', 'x12', '004010', '855-po-acknowledgment.edi'));


describe('expected acknowledgments', () => {
  let data: string;
  let ledger: SqliteLedger;
  let gateway: Gateway;
  let clock = Date.now();

  beforeEach(async () => {
    data = mkdtempSync(join(tmpdir(), 'gw-acks-'));
    ledger = new SqliteLedger({ file: join(data, 'ledger.sqlite'), now: () => clock });
    gateway = new Gateway({ ledger, registry: loadPartners(join(ROOT, 'partners'), { dataRoot: data }), sink: nullSink(), logger: pino({ level: 'silent' }), settleMs: 0, dirPollMs: 30, pollMs: 30, now: () => clock });
    await gateway.start();
  });

  afterEach(async () => {
    await gateway.stop();
    ledger.close();
  });

  /** The partner's answer to our interchange, written by our own ack builder standing in for them. */
  async function partnerAnswers(bytes: Buffer, name: string): Promise<void> {
    const { acks } = await acknowledge(bytes, { type: '997' });
    const inbound = join(data, 'exchange', 'northgate', 'inbound');
    writeFileSync(join(inbound, `${name}.tmp`), acks[0].text);
    renameSync(join(inbound, `${name}.tmp`), join(inbound, name));
  }

  it('an 855 we send is expected to be acknowledged within 24h; the partner\'s 997 settles it', async () => {
    clock = Date.now();
    const id = gateway.enqueue('northgate', OUR_855);
    await until(() => ledger.message(id)?.state === 'sent');
    const [row] = ledger.expectedAcks('northgate', '000000207');
    expect(row).toMatchObject({ ackType: '997', groupControlNumber: '207', transactionControlNumber: '0001', messageType: '855', state: 'sent' });
    expect(row.deadline - clock).toBe(24 * 3600 * 1000);
    await partnerAnswers(OUR_855, '997.edi');
    await until(() => ledger.expectedAcks('northgate', '000000207')[0].state !== 'sent');
    expect(ledger.expectedAcks('northgate', '000000207')[0]).toMatchObject({ state: 'acknowledged', ackMessageId: expect.any(Number) });
    // Acks are not acknowledged and not posted.
    expect(ledger.counts().documents).toEqual({});
  });

  it('a rejecting 997 marks the set rejected with the partner\'s error codes', async () => {
    clock = Date.now();
    gateway.enqueue('northgate', OUR_855);
    // The partner rejects it: simulate by acknowledging a damaged copy (BAK04 is not a date).
    const damaged = Buffer.from(OUR_855.toString('latin1').replace('|NG-45871|20240313|', '|NG-45871|20241399|'), 'latin1');
    await partnerAnswers(damaged, '997-reject.edi');
    await until(() => ledger.expectedAcks('northgate', '000000207')[0].state !== 'sent');
    const [row] = ledger.expectedAcks('northgate', '000000207');
    expect(row.state).toBe('rejected');
    expect(JSON.parse(row.errors ?? '[]')).toEqual(expect.arrayContaining([expect.objectContaining({ code: '8', elementPosition: 4 })]));
  });

  it('an ack that never comes goes overdue after the deadline', async () => {
    clock = Date.now();
    gateway.enqueue('northgate', OUR_855);
    clock += 25 * 3600 * 1000;
    expect(ledger.markOverdue()).toBe(1);
    expect(ledger.overdueByPartner()).toEqual({ northgate: 1 });
    expect(ledger.expectedAckList()[0].state).toBe('overdue');
  });

  it('a 997 that answers nothing we sent is recorded as unmatched, not guessed', async () => {
    clock = Date.now();
    await partnerAnswers(OUR_855, 'stray.edi');
    await until(() => (ledger.counts().messages.processed ?? 0) === 1);
    const msg = ledger.messages('inbound')[0];
    const ev = ledger.eventsOfMessage(msg.id).find((e) => e.kind === 'acks.received');
    expect(JSON.parse(ev?.detail ?? '{}')).toMatchObject({ settled: 0, unmatched: [expect.stringMatching(/997 .* group 207: nothing we sent partner northgate expects it/)] });
  });
});
