/**
 * Bolt Industrial Supply, an X12 004010 supplier: its 855, 856 and 810 fixtures through translate, routed
 * by the envelope ids to partners/bolt-supply and mapped with mappings/bolt-supply (extending the shared
 * _x12-004010 mappings).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryControlNumbers } from '../../src/edi/ack';
import { renderDocuments, translate } from '../../src/mapping';
import { loadPartners } from '../../src/partners/loader';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'bolt-supply');
const read = (name: string) => readFileSync(join(FIXTURES, name));

const envelope = (messageType: string, icn: string) => ({
  standard: 'x12',
  version: '004010',
  messageType,
  sender: { qualifier: '01', id: '047712960' },
  receiver: { qualifier: 'ZZ', id: 'BRIGHTWATERVF' },
  interchangeControlNumber: icn,
  groupControlNumber: String(Number(icn)),
  controlNumber: '0001',
  test: false,
});

const BOLT = { partnerId: 'bolt-supply' };

describe('bolt-supply 855 -> order_response', () => {
  it('maps the header answer and every line status, quantity and date', async () => {
    const result = await translate(read('855.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([
      {
        ...BOLT,
        type: 'order_response',
        envelope: envelope('855', '000005501'),
        orderNumber: 'PO-BW-10427',
        responseNumber: 'SO-771204',
        responseDate: '2024-03-18',
        status: 'accepted_with_changes',
        lines: [
          { lineNumber: '1', status: 'accepted', quantity: 2000, uom: 'Units', unitPrice: 0.0845, scheduledDate: '2024-03-22', itemIds: { buyer: 'BWV-7731', vendor: 'HCS-0516-2' } },
          // BX is Bolt's box of 100 (mappings/bolt-supply/855.yaml).
          { lineNumber: '2', status: 'changed', quantity: 40, uom: 'Box of 100', unitPrice: 12.4, scheduledDate: '2024-03-22', itemIds: { buyer: 'BWF-5520', vendor: 'NUT-0516-ZP' } },
          // IH (on hold for mill stock) is a backorder for Bolt.
          { lineNumber: '3', status: 'backordered', quantity: 1000, uom: 'Units', unitPrice: 0.21, scheduledDate: '2024-04-05', itemIds: { buyer: 'BWF-5531', vendor: 'WSH-0516-F' } },
          { lineNumber: '4', status: 'rejected', quantity: 0, uom: 'Box of 100', unitPrice: 31.5, itemIds: { buyer: 'BWF-5610', vendor: 'ANC-0375-W' } },
          { lineNumber: '5', status: 'rescheduled', quantity: 500, uom: 'Units', unitPrice: 0.33, scheduledDate: '2024-03-29', itemIds: { buyer: 'BWV-7702', vendor: 'HCS-0375-2' } },
        ],
      },
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('maps the first of several ACKs of a line and names the others in a warning', async () => {
    const twoAcks = read('855.edi').toString().replace('ACK*IQ*40*BX*068*20240322~', 'ACK*IQ*40*BX*068*20240322~ACK*IB*10*BX*068*20240412~').replace('SE*15*', 'SE*16*');
    const result = await translate(Buffer.from(twoAcks));
    expect(result.errors).toEqual([]);
    expect(result.documents[0]).toMatchObject({ lines: expect.arrayContaining([expect.objectContaining({ lineNumber: '2', status: 'changed', quantity: 40 })]) });
    expect(result.warnings).toEqual([
      expect.objectContaining({ partner: 'bolt-supply', path: 'lines[1].status', segment: { tag: 'ACK', position: 7 }, message: expect.stringContaining('IB at segment 8 is not') }),
    ]);
  });
});

describe('bolt-supply 856 -> ship_notice', () => {
  it('flattens the S/O/P/I hierarchy into carrier, packages and order lines', async () => {
    const result = await translate(read('856.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([
      {
        ...BOLT,
        type: 'ship_notice',
        envelope: envelope('856', '000005502'),
        shipmentId: 'BIS-ASN-240322-07',
        shipDate: '2024-03-22',
        estimatedDeliveryDate: '2024-03-26',
        // Bolt's parcel tracking number is REF*CN, not the shared REF*BM (mappings/bolt-supply/856.yaml).
        carrier: { scac: 'UPSN', name: 'UPS GROUND', trackingNumber: '1Z4F81W20391847265', mode: 'parcel' },
        parties: [
          {
            role: 'ship_from',
            name: 'BOLT INDUSTRIAL SUPPLY INC',
            ids: [{ qualifier: 'DUNS', value: '047712960' }],
            address: { lines: ['1450 RIVET WAY'], city: 'CLEVELAND', region: 'OH', postalCode: '44135', country: 'US' },
          },
          {
            role: 'ship_to',
            name: 'BRIGHTWATER VALVE AND FITTING CO',
            ids: [{ qualifier: 'buyer_assigned', value: 'BWVF01' }],
            address: { lines: ['77 FOUNDRY ROAD'], city: 'ELKHART', region: 'IN', postalCode: '46514', country: 'US' },
          },
        ],
        packages: [
          { sscc: '008477129000318411', weight: { value: 21.4, uom: 'lb' } },
          { sscc: '008477129000318428', weight: { value: 21.4, uom: 'lb' } },
          { sscc: '008477129000318435', weight: { value: 19, uom: 'lb' } },
        ],
        orders: [
          {
            orderNumber: 'PO-BW-10427',
            lines: [
              // Order line 1 split over two cartons, one lot each.
              { lineNumber: '1', itemIds: { buyer: 'BWV-7731', vendor: 'HCS-0516-2' }, quantityShipped: 1000, uom: 'Units', lot: 'H24031107', packageSscc: '008477129000318411' },
              { lineNumber: '1', itemIds: { buyer: 'BWV-7731', vendor: 'HCS-0516-2' }, quantityShipped: 1000, uom: 'Units', lot: 'H24031108', packageSscc: '008477129000318428' },
              { lineNumber: '2', itemIds: { buyer: 'BWF-5520', vendor: 'NUT-0516-ZP' }, quantityShipped: 40, uom: 'Box of 100', lot: 'N24030422', packageSscc: '008477129000318435' },
            ],
          },
        ],
      },
    ]);
  });

  it('gives each of several orders the items below its HL*O, and renders them back under the same orders and packs', async () => {
    const twoOrders = read('856.edi').toString().replace('HL*7*2*P*1~', 'HL*9*1*O*1~PRF*PO-BW-10431~HL*7*9*P*1~').replace('SE*37*', 'SE*39*');
    const result = await translate(Buffer.from(twoOrders));
    expect(result.errors).toEqual([]);
    const orders = (result.documents[0] as { orders: { orderNumber: string; lines: { lineNumber: string; packageSscc?: string }[] }[] }).orders;
    expect(orders.map((o) => [o.orderNumber, o.lines.map((l) => `${l.lineNumber}@${l.packageSscc ?? ''}`)])).toEqual([
      ['PO-BW-10427', ['1@008477129000318411', '1@008477129000318428']],
      ['PO-BW-10431', ['2@008477129000318435']],
    ]);

    const bolt = loadPartners().get('bolt-supply');
    if (!bolt) throw new Error('no partner bolt-supply');
    const rendered = await renderDocuments(result.documents, bolt, { controlNumbers: new InMemoryControlNumbers(), now: new Date('2026-01-02T03:04:05Z') });
    expect(rendered.errors).toEqual([]);
    // Each pack under the order of its items, each item under its pack.
    expect(rendered.text.match(/HL\*[^~]*~/g)).toEqual(['HL*1**S*1~', 'HL*2*1*O*1~', 'HL*3*2*P*1~', 'HL*4*3*I*0~', 'HL*5*2*P*1~', 'HL*6*5*I*0~', 'HL*7*1*O*1~', 'HL*8*7*P*1~', 'HL*9*8*I*0~']);
    const back = await translate(Buffer.from(rendered.text), { partner: 'bolt-supply' });
    expect(back.errors).toEqual([]);
    expect((back.documents[0] as { orders: unknown }).orders).toEqual(orders);
  });
});

describe('bolt-supply 810 -> invoice', () => {
  it('maps invoice number, lines, freight, total and terms', async () => {
    const result = await translate(read('810.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([
      {
        ...BOLT,
        type: 'invoice',
        envelope: envelope('810', '000005503'),
        invoiceNumber: 'BIS-INV-0093317',
        invoiceDate: '2024-03-25',
        orderNumber: 'PO-BW-10427',
        currency: 'USD',
        parties: [
          {
            role: 'remit_to',
            name: 'BOLT INDUSTRIAL SUPPLY INC',
            ids: [{ qualifier: 'DUNS', value: '047712960' }],
            address: { lines: ['PO BOX 94410'], city: 'CLEVELAND', region: 'OH', postalCode: '44101', country: 'US' },
          },
          {
            role: 'bill_to',
            name: 'BRIGHTWATER VALVE AND FITTING CO',
            ids: [{ qualifier: 'buyer_assigned', value: 'BWVF01' }],
            address: { lines: ['77 FOUNDRY ROAD'], city: 'ELKHART', region: 'IN', postalCode: '46514', country: 'US' },
          },
        ],
        lines: [
          { lineNumber: '1', quantity: 2000, uom: 'Units', unitPrice: 0.0845, itemIds: { buyer: 'BWV-7731', vendor: 'HCS-0516-2' }, description: 'HEX CAP SCREW 5/16-18 X 2IN GR5 ZINC' },
          { lineNumber: '2', quantity: 40, uom: 'Box of 100', unitPrice: 12.4, itemIds: { buyer: 'BWF-5520', vendor: 'NUT-0516-ZP' }, description: 'HEX NUT 5/16-18 ZINC PLATED' },
        ],
        allowancesCharges: [{ indicator: 'charge', code: 'freight', description: 'UPS GROUND FREIGHT', amount: 18.5 }],
        // TDS01 is N2: 68350 -> 683.50 = 2000 x 0.0845 + 40 x 12.40 + 18.50 freight.
        totalAmount: 683.5,
        terms: { discountPercent: 1, discountDays: 10, dueDate: '2024-04-24', netDays: 30 },
      },
    ]);
  });
});
