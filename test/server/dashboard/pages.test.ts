/** Dashboard pages rendered from ledger rows: what a person is offered for each row. */
import { acksPage } from '../../../src/server/dashboard/pages';
import type { ExpectedAckRow } from '../../../src/store';

const row = (id: number, ackType: string, state: ExpectedAckRow['state']): ExpectedAckRow => ({
  id,
  messageId: 100 + id,
  partnerId: 'bolt-supply',
  ackType,
  interchangeControlNumber: '000000731',
  groupControlNumber: '731',
  transactionControlNumber: '0001',
  messageType: '850',
  deadline: Date.UTC(2026, 10, 27),
  state,
  errors: null,
  ackMessageId: null,
  updatedAt: Date.UTC(2026, 10, 27),
});

describe('acknowledgments page', () => {
  it('offers Re-send for what is overdue or rejected, but not for an order the supplier rejected; an owed order response shows as the 855 it waits for', () => {
    const page = acksPage(
      [row(1, '997', 'overdue'), row(2, '997', 'rejected'), row(3, 'order_response', 'overdue'), row(4, 'order_response', 'rejected'), row(5, '997', 'acknowledged')],
      { states: [], partner: undefined, before: undefined },
      ['bolt-supply'],
      null,
      { title: 'Acknowledgments', csrf: 'token' },
    );
    const rows = [...page.matchAll(/<tr data-id="(\d+)">([\s\S]*?)<\/tr>/g)].map((m) => ({ id: Number(m[1]), awaited: /<td>(997|855)<\/td>/.exec(m[2]!)?.[1], resend: m[2]!.includes('Re-send') }));
    expect(rows).toEqual([
      { id: 1, awaited: '997', resend: true },
      { id: 2, awaited: '997', resend: true },
      { id: 3, awaited: '855', resend: true },
      { id: 4, awaited: '855', resend: false },
      { id: 5, awaited: '997', resend: false },
    ]);
  });
});
