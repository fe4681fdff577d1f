/**
 * Re-send: queue one of our outbound interchanges again, byte for byte, when the partner's ack is
 * overdue (or the delivery was given up). The control numbers stay the same on purpose: a partner that
 * did receive it treats it as a duplicate and acknowledges again, which is what the X12 and EDIFACT
 * duplicate checks are for; fresh numbers would make it a second order. The copy is expected to be
 * acknowledged with fresh deadlines, and since acks are matched by control numbers, the one ack that
 * comes settles the overdue rows of the original as well.
 */
import type { PartnerRegistry } from '../partners/registry';
import { byOperator, LedgerError, type Ledger, type MessageState } from '../store';
import { outboundFor } from './acks';
import { ReplayError } from './replay';

/** Outbound states nothing is going to change by itself: delivered, given up, or set aside by a person. */
export const RESENDABLE_MESSAGE_STATES: readonly MessageState[] = ['sent', 'parked', 'discarded'];

/** Queue a byte-identical copy of outbound message `messageId` (same control numbers, acks expected afresh) for `operator`; throws ReplayError when refused. */
export function resend(ledger: Ledger, registry: PartnerRegistry, messageId: number, now: number = Date.now(), operator?: string): { messageId: number; resentFrom: number } {
  const msg = ledger.message(messageId);
  if (!msg) throw new ReplayError(`no message ${messageId} in the ledger`, 'missing');
  if (msg.direction !== 'outbound') throw new ReplayError(`message ${msg.id} is inbound: replay it instead`);
  // A copy of what is still queued would go out twice for nothing; the sender gets to it anyway.
  if (!RESENDABLE_MESSAGE_STATES.includes(msg.state)) throw new ReplayError(`message ${msg.id} is ${msg.state}: it is still on its way; only ${RESENDABLE_MESSAGE_STATES.join(', ')} messages are re-sent`);
  const partner = msg.partnerId ? registry.get(msg.partnerId) : undefined;
  if (!partner) throw new ReplayError(`message ${msg.id} is for partner ${msg.partnerId ?? '(none)'}, who is not configured any more: it cannot be re-sent`);
  // Queued anyway, it would only be parked by the sender with the same complaint.
  if (!partner.channels.outbound) throw new ReplayError(`message ${msg.id}: partner ${partner.id} has no outbound channel: it cannot be re-sent`);
  let bytes: Buffer;
  try {
    bytes = ledger.bytes(msg.id);
  } catch (err) {
    // Removed under the retention policy: the ledger's message says when and why.
    if (err instanceof LedgerError) throw new ReplayError(err.message);
    throw err;
  }
  const copy = outboundFor(partner, bytes, now, msg.correlationId);
  const id = ledger.together(() => {
    const copyId = ledger.enqueue(
      {
        ...copy,
        // The original's name carries the order number the supplier's order response is matched on (export.ts),
        // and its type and control number hold for what expects no ack (a 997 or CONTRL of ours).
        name: msg.source,
        messageType: msg.messageType ?? copy.messageType,
        interchangeControlNumber: msg.interchangeControlNumber ?? copy.interchangeControlNumber,
        causeMessageId: msg.id,
      },
      operator,
    );
    ledger.event({ correlationId: msg.correlationId, messageId: msg.id, kind: 'message.resent', detail: { messageId: copyId, ...byOperator(operator) } });
    ledger.event({ correlationId: msg.correlationId, messageId: copyId, kind: 'message.resend_of', detail: { messageId: msg.id, ...byOperator(operator) } });
    // A delivery given up on is done with once its copy is queued: it must not wait for a person any more.
    if (msg.state === 'parked') ledger.messageState(msg.id, 'discarded', `re-sent as message ${copyId}`, 'message.discarded', operator);
    return copyId;
  });
  return { messageId: id, resentFrom: msg.id };
}
