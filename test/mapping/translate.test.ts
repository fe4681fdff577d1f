/** The shipped fixtures through translate: routing, the partner's mapping, the envelope block. */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { translate } from '../../src/mapping';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'edi');
const read = (rel: string) => readFileSync(join(FIXTURES, rel));

const NORTHGATE_850 = {
  type: 'order',
  partnerId: 'northgate',
  envelope: {
    standard: 'x12',
    version: '004010',
    messageType: '850',
    sender: { qualifier: 'ZZ', id: 'NORTHGATEIND' },
    receiver: { qualifier: 'ZZ', id: 'BRIGHTWATERVF' },
    interchangeControlNumber: '000000101',
    groupControlNumber: '101',
    controlNumber: '0001',
    test: false,
  },
  orderNumber: 'NG-45871',
  purpose: 'original',
  orderType: 'SA',
  orderDate: '2024-03-12',
  currency: 'USD',
  requestedDeliveryDate: '2024-04-05',
  references: [{ qualifier: 'DP', value: '118' }],
  parties: [
    {
      role: 'ship_to',
      name: 'NORTHGATE DC COLUMBUS',
      ids: [{ qualifier: 'buyer_assigned', value: 'DC07' }],
      address: { lines: ['4200 LOGISTICS PKWY', 'DOCK 14'], city: 'GROVEPORT', region: 'OH', postalCode: '43125', country: 'US' },
    },
    {
      role: 'bill_to',
      name: 'NORTHGATE INDUSTRIAL DISTRIBUTION',
      ids: [{ qualifier: 'buyer_assigned', value: 'HQ01' }],
      address: { lines: ['PO BOX 1187'], city: 'DUBLIN', region: 'OH', postalCode: '43017', country: 'US' },
    },
  ],
  lines: [
    { lineNumber: '1', quantity: 120, uom: 'Units', unitPrice: 18.45, itemIds: { vendor: 'BV-050-NPT', buyer: '100234', sku: 'BWV-1001' }, description: 'BALL VALVE 1/2IN NPT LEAD-FREE BRASS' },
    { lineNumber: '2', quantity: 60, uom: 'Units', unitPrice: 27.9, itemIds: { vendor: 'BV-075-NPT', buyer: '100235', sku: 'BWV-1002' }, description: 'BALL VALVE 3/4IN NPT LEAD-FREE BRASS' },
    { lineNumber: '3', quantity: 24, uom: 'Units', unitPrice: 54.1, itemIds: { vendor: 'BV-150-SWT', buyer: '100240', sku: 'BWV-1005' }, description: 'BALL VALVE 1-1/2IN SWEAT FULL PORT' },
    { lineNumber: '4', quantity: 200, uom: 'Units', unitPrice: 3.12, itemIds: { vendor: 'EL90-050-C', buyer: '100311', sku: 'BWF-2010' }, description: 'ELBOW 90DEG 1/2IN COPPER SWEAT' },
    { lineNumber: '5', quantity: 500, uom: 'Units', unitPrice: 0.87, itemIds: { vendor: 'CPL-050-C', buyer: '100318', sku: 'BWF-2014' }, description: 'COUPLING 1/2IN COPPER W/ STOP' },
    // 100402 is not in mappings/northgate/items.csv: no sku rather than an invented one. CA is Northgate's case of 12.
    { lineNumber: '6', quantity: 36, uom: 'Case of 12', unitPrice: 41.5, itemIds: { vendor: 'TS-PTFE-12', buyer: '100402' }, description: 'THREAD SEAL TAPE PTFE 12 ROLLS PER CASE' },
  ],
  totals: { lineCount: 6 },
};

const NORDHAVEN_ORDERS = {
  type: 'order',
  partnerId: 'nordhaven',
  envelope: {
    standard: 'edifact',
    version: 'D96A',
    messageType: 'ORDERS',
    sender: { qualifier: '14', id: '8712345000014' },
    receiver: { qualifier: '14', id: '8034567000012' },
    interchangeControlNumber: 'ORD0000521',
    controlNumber: 'ORD521',
    test: false,
  },
  orderNumber: 'PO-2024-0521',
  purpose: 'original',
  orderType: '220',
  orderDate: '2024-06-10',
  requestedDeliveryDate: '2024-07-01',
  currency: 'EUR',
  // CT -> contract: Nordhaven's own reference qualifier table (mappings/nordhaven/ORDERS.yaml).
  references: [{ qualifier: 'contract', value: 'FA-2023-117' }],
  notes: [{ qualifier: 'DEL', text: 'DELIVER TO GATE 3: RING BELL + WAIT AT RAMP' }],
  parties: [
    {
      role: 'buyer',
      ids: [{ qualifier: 'GLN', value: '8712345000014' }],
      name: 'NORDHAVEN INSTALLATIE B.V.',
      address: { lines: ['HAVENSTRAAT 41'], city: 'ROTTERDAM', postalCode: '3011 AB', country: 'NL' },
      contacts: [{ function: 'PD', name: 'J. DE VRIES', phone: '31104567890' }],
    },
    {
      role: 'supplier',
      ids: [{ qualifier: 'GLN', value: '8034567000012' }],
      name: 'VALDORIA VALVOLE S.R.L.',
      address: { lines: ['VIA DELLE FONDERIE 12'], city: 'LUMEZZANE', postalCode: '25065', country: 'IT' },
    },
    {
      role: 'ship_to',
      ids: [{ qualifier: 'GLN', value: '8712345000021' }],
      name: 'NORDHAVEN DC WAALHAVEN',
      address: { lines: ['WAALHAVEN OZ 88'], city: 'ROTTERDAM', postalCode: '3087 BM', country: 'NL' },
    },
  ],
  lines: [
    { lineNumber: '1', quantity: 120, uom: 'Units', unitPrice: 9.85, itemIds: { ean: '8034567100018', vendor: 'VV-BV15-PN40', sku: 'VV-BV15-PN40' }, description: "KOGELKRAAN 1/2' PN40 MESSING", requestedDate: '2024-07-01' },
    { lineNumber: '2', quantity: 120, uom: 'Units', unitPrice: 14.3, itemIds: { ean: '8034567100025', vendor: 'VV-BV20-PN40', sku: 'VV-BV20-PN40' }, description: "KOGELKRAAN 3/4' PN40 MESSING" },
    { lineNumber: '3', quantity: 300, uom: 'Units', unitPrice: 6.42, itemIds: { ean: '8034567100049', vendor: 'VV-TR15-RA', sku: 'VV-TR15-RA' }, description: 'RADIATORKRAAN 1/2" HAAKS + VOORINST' },
  ],
  totals: { lineCount: 3 },
};

async function* chunks(buf: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

describe('translate', () => {
  it('turns the Northgate 850 into the exact canonical order', async () => {
    const result = await translate(read('x12/004010/850-purchase-order.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([NORTHGATE_850]);
  });

  it('turns the Nordhaven ORDERS (UNA, release characters) into the exact canonical order', async () => {
    const result = await translate(read('edifact/D96A/ORDERS-unoa-una-release.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([NORDHAVEN_ORDERS]);
  });

  it('gives the same result from a stream of small chunks', async () => {
    const result = await translate(chunks(read('edifact/D96A/ORDERS-unoa-una-release.edi'), 7));
    expect(result).toEqual({ documents: [NORDHAVEN_ORDERS], errors: [] });
  });

  it('reports an interchange from an unknown sender as a routing error naming the transaction', async () => {
    const result = await translate(read('edifact/D01B/ORDERS-unoc-latin1.edi'));
    expect(result.documents).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({ rule: 'routing', controlNumber: 'CDE412', interchangeControlNumber: 'SGR0000412', messageType: 'ORDERS', message: expect.stringContaining('no partner has the identity 14/3012345000004') }),
    ]);
  });

  it('maps D01B ORDERS (UNOW, UTF-8) with the shared mapping: paths name tags and element ids, not group numbers', async () => {
    const result = await translate(read('edifact/D01B/ORDERS-unow-utf8-pipe.edi'));
    expect(result.errors).toEqual([]);
    expect(result.documents).toHaveLength(1);
    expect(result.documents[0]).toMatchObject({
      partnerId: 'mueller-armaturen',
      envelope: { version: 'D01B', controlNumber: 'M77', interchangeControlNumber: 'MUE0000077' },
      orderNumber: '4500019377',
      orderDate: '2024-09-12',
      requestedDeliveryDate: '2024-10-07',
      parties: [{ role: 'buyer', name: 'Müller & Söhne Armaturen GmbH', address: { lines: ['Gießereistraße 14'], city: 'Göppingen' }, contacts: [{ name: 'Jürgen Weiß', phone: '4971619876543' }] }, { role: 'supplier' }],
      lines: [
        { lineNumber: '10', quantity: 500, uom: 'Units', unitPrice: 9.6, description: 'Kugelhahn ½″ PN40 Messing vernickelt' },
        { lineNumber: '20', quantity: 80, uom: 'Units', unitPrice: 21.75, itemIds: { vendor: 'VV-KV25-PN16', ean: '8034567100063' } },
      ],
      notes: [{ qualifier: 'delivery', text: 'Anlieferung über Tor 2: Montag bis Freitag 7–15 Uhr' }],
    });
  });

  it('reports a partner without a mapping file for the message type', async () => {
    // An empty mappings folder: keystone (which has an 850 mapping now) has none there.
    const mappingsRoot = join(mkdtempSync(join(tmpdir(), 'no-mappings-')), 'mappings');
    mkdirSync(mappingsRoot);
    const result = await translate(read('x12/004010/850-purchase-order.edi'), { partner: 'keystone', mappingsRoot });
    expect(result.documents).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ rule: 'mapping', partner: 'keystone', controlNumber: '0001', message: expect.stringMatching(/mappings\/keystone\/850\.yaml: does not exist/) })]);
  });

  it('uses the partner given instead of routing', async () => {
    const result = await translate(read('x12/004010/850-purchase-order.edi'), { partner: 'nordhaven' });
    expect(result.errors).toEqual([expect.objectContaining({ rule: 'routing', partner: 'nordhaven', message: expect.stringContaining('does not exchange 850') })]);
    const unknown = await translate(read('x12/004010/850-purchase-order.edi'), { partner: 'nobody' });
    expect(unknown.errors[0]).toMatchObject({ rule: 'routing', message: expect.stringContaining("no partner 'nobody'") });
  });
});
