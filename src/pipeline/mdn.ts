/**
 * An asynchronous AS2 MDN is the partner's receipt for a message we sent: it is checked against what
 * the sender recorded (the MIC of what we sent) and kept in that message's history. A processed MDN
 * with our MIC is a receipt; another MIC means the partner got something else; a negative one says why.
 */
import type { ParsedMdn } from '../channels/as2/mdn';
import { formatMic } from '../channels/as2/mic';
import type { Ledger } from '../store';

/** An MDN that arrived on its own (the AS2 route reads and verifies it). */
export interface AsyncMdn {
  partnerId: string;
  /** The ledger message it answers, when its Original-Message-ID is one of ours. */
  messageId: number | undefined;
  correlationId: string | undefined;
  mdn: ParsedMdn;
}

export type MdnVerdict = 'receipt' | 'mic_mismatch' | 'negative' | 'unmatched';

/** Record an asynchronous MDN in the ledger; returns what it means. */
export function recordAsyncMdn(ledger: Ledger, m: AsyncMdn): MdnVerdict {
  const msg = m.messageId !== undefined ? ledger.message(m.messageId) : undefined;
  const received = m.mdn.mic ? formatMic(m.mdn.mic) : undefined;
  const base = { disposition: m.mdn.disposition, signed: m.mdn.signed, originalMessageId: m.mdn.originalMessageId, receivedMic: received };
  if (!msg || msg.direction !== 'outbound' || msg.partnerId !== m.partnerId) {
    ledger.event({ correlationId: m.correlationId ?? `as2-mdn-${m.partnerId}`, kind: 'as2.mdn.unmatched', detail: { ...base, partner: m.partnerId } });
    return 'unmatched';
  }
  const sent = ledger.eventsOfMessage(msg.id).find((e) => e.kind === 'outbound.sent');
  const ours = sent?.detail ? (JSON.parse(sent.detail) as { mic?: string }).mic : undefined;
  let verdict: MdnVerdict;
  if (!m.mdn.processed) verdict = 'negative';
  else if (!ours || !received || ours.replace(/\s/g, '').toLowerCase() !== received.replace(/\s/g, '').toLowerCase()) verdict = 'mic_mismatch';
  else verdict = 'receipt';
  ledger.event({ correlationId: msg.correlationId, messageId: msg.id, kind: verdict === 'receipt' ? 'as2.mdn' : `as2.mdn.${verdict}`, detail: { ...base, ourMic: ours } });
  return verdict;
}
