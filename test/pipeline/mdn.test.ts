/** Asynchronous AS2 MDNs settle against the MIC our sender recorded for the message. */
import { parseMic } from '../../src/channels/as2/mic';
import type { ParsedMdn } from '../../src/channels/as2/mdn';
import { recordAsyncMdn } from '../../src/pipeline/mdn';
import { SqliteLedger } from '../../src/store';

function mdn(processed: boolean, mic: string | undefined): ParsedMdn {
  return {
    originalMessageId: '<x@us>',
    disposition: processed ? 'automatic-action/MDN-sent-automatically; processed' : 'automatic-action/MDN-sent-automatically; processed/error: decryption-failed',
    processed,
    modifier: processed ? undefined : 'decryption-failed',
    mic: mic ? parseMic(mic) : undefined,
    signed: true,
    text: '',
  };
}

describe('recordAsyncMdn', () => {
  const ledger = new SqliteLedger({ file: ':memory:' });
  const id = ledger.enqueue({ partnerId: 'acme', channel: 'as2', name: '850', bytes: Buffer.from('ISA'), correlationId: 'corr-1', messageType: '850' });
  ledger.outboundState(id, { state: 'sent', attempt: true, event: 'outbound.sent', detail: { channel: 'as2', mdn: 'pending', mic: 'q1w2e3r4t5y6u7i8o9p0AAAAAAAAAAAAAAAAAAAAAAA=, sha-256' } });
  afterAll(() => ledger.close());

  it('a processed MDN with our MIC is a receipt, kept in the message history', () => {
    expect(recordAsyncMdn(ledger, { partnerId: 'acme', messageId: id, correlationId: 'corr-1', mdn: mdn(true, 'q1w2e3r4t5y6u7i8o9p0AAAAAAAAAAAAAAAAAAAAAAA=, sha-256') })).toBe('receipt');
    expect(ledger.eventsOfMessage(id).at(-1)).toMatchObject({ kind: 'as2.mdn', correlationId: 'corr-1' });
  });

  it('another MIC, a negative disposition, or a message that is not ours to that partner are told apart', () => {
    expect(recordAsyncMdn(ledger, { partnerId: 'acme', messageId: id, correlationId: 'corr-1', mdn: mdn(true, 'ZZZZ, sha-256') })).toBe('mic_mismatch');
    expect(recordAsyncMdn(ledger, { partnerId: 'acme', messageId: id, correlationId: 'corr-1', mdn: mdn(false, undefined) })).toBe('negative');
    expect(recordAsyncMdn(ledger, { partnerId: 'other', messageId: id, correlationId: undefined, mdn: mdn(true, undefined) })).toBe('unmatched');
    expect(ledger.eventsOfMessage(id).map((e) => e.kind).slice(-2)).toEqual(['as2.mdn.mic_mismatch', 'as2.mdn.negative']);
  });
});
