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
import { awaitedLabel } from '../../src/pipeline/acks';
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

  it('a supplier owes an 855 naming each PO we send (order_response, 2d): theirs settles it; an order never answered goes overdue', async () => {
    clock = Date.now();
    const po = (icn: number, number: string): Buffer =>
      Buffer.from(
        `ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *01*047712960      *240315*1000*U*00401*00000${icn}*0*P*:~GS*PO*BRIGHTWATERVF*BOLTSUPPLY*20240315*1000*${icn}*X*004010~` +
          `ST*850*0001~BEG*00*SA*${number}**20240315~PO1*1*2000*EA*0.0845*PE*VP*HCS-0516-2~CTT*1~SE*5*0001~GE*1*${icn}~IEA*1*00000${icn}~`,
        'latin1',
      );
    const answered = gateway.enqueue('bolt-supply', po(7001, 'PO-BW-10427'));
    const unanswered = gateway.enqueue('bolt-supply', po(7002, 'PO-BW-10428'));
    // A cancellation owes a 997, no order response.
    const cancellation = gateway.enqueue('bolt-supply', Buffer.from(po(7003, 'PO-BW-10429').toString('latin1').replace('BEG*00*', 'BEG*01*'), 'latin1'));
    await until(() => [answered, unanswered, cancellation].every((m) => ledger.message(m)?.state === 'sent'));
    expect(ledger.expectedAcks('bolt-supply', '000007003').map((a) => a.ackType)).toEqual(['997']);
    const owed = (): { ackType: string; state: string; deadline: number; messageId: number }[] => ledger.expectedAckList().filter((a) => a.partnerId === 'bolt-supply' && a.ackType === 'order_response');
    expect(owed().map((a) => [a.messageId, a.state, a.deadline - clock]).sort()).toEqual([
      [answered, 'sent', 2 * 86_400_000],
      [unanswered, 'sent', 2 * 86_400_000],
    ]);
    // Their 855 for PO-BW-10427 (the fixture): read, mapped, and the answer owed for that order is settled by it.
    const inbound = join(data, 'exchange', 'bolt-supply', 'inbound');
    writeFileSync(join(inbound, '855.tmp'), readFileSync(join(ROOT, 'fixtures', 'bolt-supply', '855.edi')));
    renameSync(join(inbound, '855.tmp'), join(inbound, '855.edi'));
    await until(() => owed().some((a) => a.state !== 'sent'));
    const response = ledger.documentsOfMessage(ledger.expectedAckList().find((a) => a.messageId === answered && a.ackType === 'order_response')!.ackMessageId!);
    expect(response.map((d) => d.type)).toEqual(['order_response']);
    expect(Object.fromEntries(owed().map((a) => [a.messageId, a.state]))).toEqual({ [answered]: 'acknowledged', [unanswered]: 'sent' });
    // Two days later the other order is overdue, and counted as such.
    clock += 2 * 86_400_000 + 1;
    expect(ledger.markOverdue()).toBeGreaterThanOrEqual(1);
    expect(Object.fromEntries(owed().map((a) => [a.messageId, a.state]))).toEqual({ [answered]: 'acknowledged', [unanswered]: 'overdue' });
    expect(ledger.overdueByPartner()['bolt-supply']).toBeGreaterThanOrEqual(1);
    // Listed as what it waits for: the 855 that answers an 850.
    expect(ledger.expectedAckList().filter((a) => a.partnerId === 'bolt-supply').map(awaitedLabel).sort()).toEqual(['855', '855', '997', '997', '997']);
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
