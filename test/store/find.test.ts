/** Finding everything about a business number in the ledger: an order and what followed it, invoices and shipments by their own numbers, orders we sent. */
import { SqliteLedger } from '../../src/store';

describe('the ledger by business number', () => {
  const ledger = new SqliteLedger({ file: ':memory:' });
  afterAll(() => ledger.close());
  const ids: Record<string, number> = {};
  beforeAll(() => {
    const [m] = ledger.receiveMany([{ channel: 'dir', source: 'in.edi', partnerId: 'bolt-supply', bytes: Buffer.from('ISA') }]);
    const doc = (seq: number, type: string, businessKey: string, orderKey: string | null) => ({ seq, partnerId: 'bolt-supply', type, messageType: 'x', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(seq), businessKey, orderKey, state: 'posted' as const });
    const [order, response, notice, invoice, other] = ledger.commitProcessed({
      messageId: m.id,
      state: 'processed',
      interchanges: [],
      documents: [doc(1, 'order', 'PO-7', 'PO-7'), doc(2, 'order_response', 'PO-7/R1', 'PO-7'), doc(3, 'ship_notice', 'SH-1', 'PO-7'), doc(4, 'invoice', 'INV-9', null), doc(5, 'order', 'PO-8', 'PO-8')],
      outbound: [],
      events: [],
    });
    Object.assign(ids, { order, response, notice, invoice, other });
    ids.sent = ledger.enqueue({ partnerId: 'bolt-supply', channel: 'dir', name: 'PO-7', bytes: Buffer.from('ISA'), correlationId: 'c', messageType: '850' });
    ids.ack = ledger.enqueue({ partnerId: 'bolt-supply', channel: 'dir', name: '997-1', bytes: Buffer.from('ISA'), correlationId: 'c', messageType: '997' });
  });

  it('finds an order, its response and ship notice, and the order we sent, newest first', () => {
    const found = ledger.findByNumber('PO-7', ['bolt-supply', 'northgate']);
    expect(found.documents.map((d) => d.id)).toEqual([ids.notice, ids.response, ids.order]);
    expect(found.messages.map((m) => m.id)).toEqual([ids.sent]);
  });

  it('finds an invoice and a shipment by their own numbers, for the partners asked about', () => {
    expect(ledger.findByNumber('INV-9', ['bolt-supply']).documents.map((d) => d.id)).toEqual([ids.invoice]);
    expect(ledger.findByNumber('SH-1', ['bolt-supply']).documents.map((d) => d.id)).toEqual([ids.notice]);
    expect(ledger.findByNumber('INV-9', ['northgate']).documents).toEqual([]);
    expect(ledger.findByNumber('INV-9', []).documents).toEqual([]);
  });

  it('finds nothing for a number nothing has, and no inbound file by its name', () => {
    expect(ledger.findByNumber('PO-70', ['bolt-supply'])).toEqual({ documents: [], messages: [] });
    expect(ledger.findByNumber('in.edi', ['bolt-supply']).messages).toEqual([]);
  });
});
