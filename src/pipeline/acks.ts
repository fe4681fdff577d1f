/**
 * Acknowledgments both ways, on the ledger's side: what a partner owes us for an interchange we send
 * (`expectationsFor`, from the partner's `acknowledgments.expect`), and what a received TA1 / 997 / 999 /
 * CONTRL / APERAK settles (`settle`). A functional ack is matched by partner and the control numbers it
 * names (TA1 and CONTRL: our interchange; 997/999: our group and its transaction sets; APERAK: our
 * message reference); one that matches nothing is reported, never guessed at.
 */
import type { ReceivedAck } from '../edi/ack-read';
import { EdiReader } from '../edi/reader';
import type { Partner } from '../partners/registry';
import { ORDER_RESPONSE_EXPECTED } from '../partners/schema';
import type { ExpectedAckRow, ExpectedAckState, Ledger, NewExpectedAck, NewOutboundMessage } from '../store';

/**
 * The transaction sets and messages of an order we send: where each says its order number (BEG03, BGM
 * 1004) and its purpose (BEG01, BGM 1225), and the purpose of a cancellation, which no order response is
 * owed for (a supplier takes note of it; many send none).
 */
const ORDER_NUMBER_AT: Record<string, { tag: string; element: number; purpose: number; cancel: string }> = {
  '850': { tag: 'BEG', element: 3, purpose: 1, cancel: '01' },
  ORDERS: { tag: 'BGM', element: 2, purpose: 3, cancel: '1' },
};

/** What a row waits for, as people name it: the ack type, or for an order response the message that answers the order (855, ORDRSP). */
export function awaitedLabel(row: Pick<ExpectedAckRow, 'ackType' | 'messageType'>): string {
  if (row.ackType !== ORDER_RESPONSE_EXPECTED) return row.ackType;
  return row.messageType === 'ORDERS' ? 'ORDRSP' : '855';
}

/** The acks a partner owes for one outbound file of ours, with their deadlines; and the order responses, named by order number. */
export function expectationsFor(partner: Partner, bytes: Buffer, now: number): NewExpectedAck[] {
  const out: NewExpectedAck[] = [];
  const expect = partner.acknowledgments.expect;
  if (expect.length === 0) return out;
  // Order responses of the current transaction, waiting for its order number.
  let owed: NewExpectedAck[] = [];
  let numberAt: (typeof ORDER_NUMBER_AT)[string] | undefined;
  const reader = new EdiReader({
    interchangeStart: (h) => {
      for (const e of expect) if (e.type === 'TA1' && h.standard === 'x12') out.push({ ackType: 'TA1', interchangeControlNumber: h.controlNumber.trim(), messageType: 'interchange', deadline: now + e.within });
    },
    transactionStart: (t) => {
      numberAt = ORDER_NUMBER_AT[t.id];
      for (const e of expect) {
        if (e.type === 'TA1' || (e.type === ORDER_RESPONSE_EXPECTED && !numberAt)) continue;
        const row: NewExpectedAck = { ackType: e.type, interchangeControlNumber: t.interchangeControlNumber.trim(), transactionControlNumber: t.controlNumber.trim(), messageType: t.id, deadline: now + e.within };
        if (t.groupControlNumber) row.groupControlNumber = t.groupControlNumber.trim();
        (e.type === ORDER_RESPONSE_EXPECTED ? owed : out).push(row);
      }
    },
    segment: (seg, place) => {
      if (owed.length === 0 || place.level !== 'transaction' || seg.tag !== numberAt?.tag) return;
      if (seg.value(numberAt.purpose).trim() === numberAt.cancel) {
        owed = [];
        return;
      }
      const number = seg.value(numberAt.element).trim();
      if (number !== '') for (const row of owed) row.reference ??= number;
    },
    transactionEnd: () => {
      // An order without a number could never be matched to its answer: nothing is owed for it.
      out.push(...owed.filter((row) => row.reference !== undefined));
      owed = [];
    },
  });
  reader.write(bytes);
  reader.end();
  return out;
}

/** An interchange of ours as an outbox entry for a partner, with the acks the partner owes for it. */
export function outboundFor(partner: Partner, bytes: Buffer, now: number, correlationId: string): NewOutboundMessage {
  const expects = expectationsFor(partner, bytes, now);
  const first = expects.find((e) => e.messageType !== 'interchange');
  return {
    partnerId: partner.id,
    channel: partner.channels.outbound?.type ?? 'dir',
    name: first?.messageType ?? 'message',
    bytes,
    correlationId,
    messageType: first?.messageType ?? 'message',
    ...(expects[0] ? { interchangeControlNumber: expects[0].interchangeControlNumber } : {}),
    expects,
  };
}

/** Put an interchange of ours in the outbox for a partner, with the acks the partner owes for it; `operator`: the person who sent it. */
export function queueOutbound(ledger: Ledger, partner: Partner, bytes: Buffer, now: number, correlationId: string, operator?: string): number {
  return ledger.enqueue(outboundFor(partner, bytes, now, correlationId), operator);
}

/** A change to one expected-ack row. */
export interface AckSettlement {
  id: number;
  state: ExpectedAckState;
  errors: unknown;
}

function stateOf(status: string): ExpectedAckState {
  if (status === 'accepted') return 'acknowledged';
  if (status === 'accepted_with_errors') return 'accepted_with_errors';
  return 'rejected';
}

/** 997 and 999 answer the same thing: a partner told to send one may send the other. */
function sameKind(expected: string, received: string): boolean {
  const fa = ['997', '999'];
  return expected === received || (fa.includes(expected) && fa.includes(received));
}

/**
 * What an order response received from a partner settles: the answers it owes for the order it names
 * (every order message of ours with that number still waiting: the order, a change, a cancellation).
 * A rejection of the order is the answer `rejected`; any other status `acknowledged`.
 */
export function orderResponseSettlements(ledger: Ledger, partnerId: string, canonicalJson: string): AckSettlement[] {
  const response = JSON.parse(canonicalJson) as { orderNumber?: unknown; status?: unknown };
  if (typeof response.orderNumber !== 'string' || response.orderNumber === '') return [];
  const state: ExpectedAckState = response.status === 'rejected' ? 'rejected' : 'acknowledged';
  return ledger.openExpectationsFor(partnerId, ORDER_RESPONSE_EXPECTED, response.orderNumber).map((row) => ({ id: row.id, state, errors: [] }));
}

/** What the received acks settle among the partner's expected acks, and what matched nothing. */
export function settle(ledger: Ledger, partnerId: string, acks: ReceivedAck[]): { settlements: AckSettlement[]; unmatched: string[] } {
  const settlements: AckSettlement[] = [];
  const unmatched: string[] = [];
  for (const ack of acks) {
    const found: ExpectedAckRow[] = [];
    const interchange = ack.refers.interchange?.trim();
    const group = ack.refers.group?.controlNumber.trim();
    if ((ack.type === 'TA1' || ack.type === 'CONTRL') && interchange) {
      found.push(...ledger.expectedAcks(partnerId, interchange).filter((r) => sameKind(r.ackType, ack.type) && (!group || r.groupControlNumber === null || r.groupControlNumber === group)));
    } else if ((ack.type === '997' || ack.type === '999') && group) {
      found.push(...ledger.expectedAcksOfGroup(partnerId, group).filter((r) => sameKind(r.ackType, ack.type)));
    } else if (ack.type === 'APERAK') {
      for (const t of ack.refers.transactions ?? []) found.push(...ledger.expectedAcksOfTransaction(partnerId, t.controlNumber.trim()).filter((r) => r.ackType === 'APERAK'));
    }
    const what = `${ack.type} ${ack.ackInterchange}${interchange ? ` for interchange ${interchange}` : ''}${group ? ` group ${group}` : ''}`;
    if (found.length === 0) {
      unmatched.push(`${what}: nothing we sent partner ${partnerId} expects it`);
      continue;
    }
    for (const row of found) {
      const tx = ack.refers.transactions?.find((t) => t.controlNumber.trim() === row.transactionControlNumber);
      // A set the ack does not list (an "errors only" ack) shares the ack's overall verdict.
      const status = tx ? tx.status : ack.status === 'partially_accepted' ? 'accepted' : ack.status;
      settlements.push({ id: row.id, state: stateOf(status), errors: [...ack.errors, ...(tx?.errors ?? [])] });
    }
  }
  return { settlements, unmatched };
}
