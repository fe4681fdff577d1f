/**
 * The reverse direction: canonical documents rendered through the partners' mappings into X12 and
 * EDIFACT. Every shipped mapping with a fixture goes both ways (EDI -> canonical -> EDI -> canonical keeps
 * every mapped value), the output passes our own validator, and what cannot be rendered is reported.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalDocument } from '../../src/canonical/document';
import type { Envelope } from '../../src/canonical/envelope';
import { InMemoryControlNumbers } from '../../src/edi/ack';
import { definitionsDir, loadDictionary, loadTransaction } from '../../src/edi/common/definition-loader';
import { validateBuffer } from '../../src/edi/validate';
import { buildTree, loadMapping, mapTransaction, renderDocuments, translate } from '../../src/mapping';
import { outboundMappingProblems } from '../../src/mapping/render';
import { loadPartners } from '../../src/partners/loader';
import { segmentsOf, tempFiles } from './helpers';
import { runCli } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path));
const registry = loadPartners();
const partner = (id: string) => {
  const p = registry.get(id);
  if (!p) throw new Error(`no partner ${id}`);
  return p;
};
const NOW = new Date('2026-01-02T03:04:05Z');

/** The documents without what differs between two interchanges (control numbers, dates, ids of the envelope). */
const body = (docs: CanonicalDocument[]) => docs.map(({ envelope: _envelope, ...rest }) => rest);

/** The fixtures named in issue 3: each must translate cleanly, so none of them can drop out of the round trip below. */
const REQUIRED = [
  'fixtures/edi/x12/004010/850-purchase-order.edi',
  'fixtures/bolt-supply/855.edi',
  'fixtures/bolt-supply/856.edi',
  'fixtures/bolt-supply/810.edi',
  'fixtures/edi/edifact/D96A/ORDERS-unoa-una-release.edi',
  'fixtures/edi/edifact/D01B/ORDERS-unow-utf8-pipe.edi',
];

/**
 * The partners' own fixtures (fixtures/<partner>/) whose recorded translation (.expected.json) has documents
 * and no errors: every shipped partner mapping with a fixture goes both ways, whoever added it.
 */
function partnerFixtures(): string[] {
  return readdirSync(join(ROOT, 'fixtures'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'edi')
    .flatMap((d) => readdirSync(join(ROOT, 'fixtures', d.name)).filter((n) => n.endsWith('.edi')).map((n) => `fixtures/${d.name}/${n}`))
    .filter((file) => {
      if (!existsSync(join(ROOT, `${file}.expected.json`))) return true;
      const expected = JSON.parse(readFileSync(join(ROOT, `${file}.expected.json`), 'utf8')) as { documents?: unknown[]; errors?: unknown[] };
      return (expected.documents?.length ?? 0) > 0 && (expected.errors?.length ?? 0) === 0;
    });
}
const ROUND_TRIP = [...new Set([...REQUIRED, ...partnerFixtures()])].sort();

describe('renderDocuments: every shipped mapping on its fixtures, both ways', () => {
  it.each(ROUND_TRIP)('%s: translate -> render -> validate -> translate gives the same documents', async (file) => {
    const first = await translate(read(file));
    expect(first.errors).toEqual([]);
    expect(first.documents.length).toBeGreaterThan(0);
    const partnerId = first.documents[0].partnerId;

    const rendered = await renderDocuments(first.documents, partner(partnerId), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([]);
    expect(rendered.transactions).toEqual(first.documents.map((doc, i) => expect.objectContaining({ messageType: doc.envelope.messageType, document: i })));

    const bytes = Buffer.from(rendered.text, rendered.encoding);
    const report = validateBuffer(bytes);
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);

    const second = await translate(bytes, { partner: partnerId });
    expect(second.errors).toEqual([]);
    expect(body(second.documents)).toEqual(body(first.documents));
    // The new envelope is ours: fresh control numbers, from us to the partner.
    expect(second.documents[0].envelope).toMatchObject({ interchangeControlNumber: rendered.interchangeControlNumber, controlNumber: rendered.transactions[0].controlNumber });
  });

  it('envelopes with the partner settings: delimiters, version, identities, line breaks and fresh control numbers', async () => {
    const { documents } = await translate(read('fixtures/bolt-supply/855.edi'));
    const numbers = new InMemoryControlNumbers(41);
    const bolt = partner('bolt-supply');
    const once = await renderDocuments(documents, bolt, { controlNumbers: numbers, now: NOW });
    const twice = await renderDocuments([...documents, ...documents], bolt, { controlNumbers: numbers, now: NOW, test: true });
    expect(once.text.startsWith('ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *01*047712960      *260102*0304*U*00401*000000041*0*P*:~GS*PR*BRIGHTWATERVF*BOLTSUPPLY*20260102*0304*41*X*004010~ST*855*0041~')).toBe(true);
    expect(once).toMatchObject({ interchangeControlNumber: '000000041', groupControlNumber: '41', transactions: [{ controlNumber: '0041', messageType: '855' }] });
    expect(twice).toMatchObject({ interchangeControlNumber: '000000042', groupControlNumber: '42', transactions: [{ controlNumber: '0042' }, { controlNumber: '0043' }] });
    expect(twice.text).toContain('*000000042*0*T*:~');
    expect(twice.text).toMatch(/~GE\*2\*42~IEA\*1\*000000042~$/);
    expect(validateBuffer(Buffer.from(twice.text)).errors).toEqual([]);
  });

  it('writes EDIFACT in the partner character set with its UNA and decimal mark', async () => {
    const { documents } = await translate(read('fixtures/edi/edifact/D01B/ORDERS-unow-utf8-pipe.edi'));
    const rendered = await renderDocuments(documents, partner('mueller-armaturen'), { controlNumbers: new InMemoryControlNumbers(7), now: NOW });
    expect(rendered.encoding).toBe('utf8');
    expect(rendered.text.startsWith('UNA=*,? ~UNB*UNOY=4*8034567000012=14*4012345000009=14*20260102=0304*7~UNH*7*ORDERS=D=01B=UN~')).toBe(true);
    expect(rendered.text).toContain('PRI*AAA=21,75~');
    expect(rendered.text).toMatch(/UNT\*\d+\*7~UNZ\*1\*7~$/);
  });
});

/** Hand-made documents we send to Northgate (their partner.yaml lists 855, 856 and 810 outbound). */
const envelope = (messageType: string): Envelope => ({
  standard: 'x12',
  version: '004010',
  messageType,
  sender: { qualifier: 'ZZ', id: 'BRIGHTWATERVF' },
  receiver: { qualifier: 'ZZ', id: 'NORTHGATEIND' },
  interchangeControlNumber: '1',
  controlNumber: '1',
  test: false,
});

const orderResponse = {
  type: 'order_response',
  partnerId: 'northgate',
  envelope: envelope('855'),
  orderNumber: 'NG-PO-77120',
  responseNumber: 'SO-2026-0042',
  responseDate: '2026-01-05',
  status: 'accepted_with_changes',
  lines: [
    { lineNumber: '1', status: 'accepted', quantity: 24, uom: 'Units', unitPrice: 41.5, scheduledDate: '2026-01-12', itemIds: { buyer: '100234', vendor: 'BWV-1001' } },
    { lineNumber: '2', status: 'backordered', quantity: 10, uom: 'Case', scheduledDate: '2026-02-01', itemIds: { buyer: '100311' } },
    { lineNumber: '3', status: 'rejected', quantity: 0, uom: 'Units', itemIds: { upc: '012345678905' } },
  ],
} as const;

const shipNotice = {
  type: 'ship_notice',
  partnerId: 'northgate',
  envelope: envelope('856'),
  shipmentId: 'SH-2026-0107',
  shipDate: '2026-01-07',
  estimatedDeliveryDate: '2026-01-09',
  carrier: { scac: 'ODFL', name: 'OLD DOMINION', mode: 'motor', trackingNumber: 'BOL-558120' },
  parties: [
    { role: 'ship_from', name: 'BRIGHTWATER VALVE AND FITTING CO', address: { lines: ['77 FOUNDRY ROAD'], city: 'ELKHART', region: 'IN', postalCode: '46514', country: 'US' } },
    { role: 'ship_to', name: 'NORTHGATE DC 2', ids: [{ qualifier: 'buyer_assigned', value: 'DC02' }] },
  ],
  packages: [{ sscc: '008034567000000012', weight: { value: 18.5, uom: 'lb' } }, { sscc: '008034567000000029' }],
  orders: [
    {
      orderNumber: 'NG-PO-77120',
      lines: [
        { lineNumber: '1', quantityShipped: 24, uom: 'Units', itemIds: { buyer: '100234', vendor: 'BWV-1001' }, lot: 'L2601-07' },
        { lineNumber: '2', quantityShipped: 5, uom: 'Case', itemIds: { buyer: '100311' } },
      ],
    },
  ],
} as const;

const invoice = {
  type: 'invoice',
  partnerId: 'northgate',
  envelope: envelope('810'),
  invoiceNumber: 'INV-2026-00017',
  invoiceDate: '2026-01-08',
  orderNumber: 'NG-PO-77120',
  currency: 'USD',
  parties: [{ role: 'remit_to', name: 'BRIGHTWATER VALVE AND FITTING CO', address: { lines: ['PO BOX 1200'], city: 'ELKHART', region: 'IN', postalCode: '46515', country: 'US' } }],
  lines: [
    { lineNumber: '1', quantity: 24, uom: 'Units', unitPrice: 41.5, itemIds: { buyer: '100234', vendor: 'BWV-1001' }, description: 'BALL VALVE 1/2IN BRASS FULL PORT LEAD FREE THREADED ENDS WITH STAINLESS HANDLE AND NUT' },
    { lineNumber: '2', quantity: 5, uom: 'Case', unitPrice: 120, itemIds: { buyer: '100311' } },
  ],
  allowancesCharges: [{ indicator: 'charge', code: 'freight', amount: 35.75, description: 'LTL FREIGHT' }],
  totalAmount: 1631.75,
  terms: { netDays: 30, dueDate: '2026-02-07' },
} as const;

/** Read our own X12 text back through the shared mapping the document was rendered with. */
async function readBack(text: string, messageType: string, doc: { envelope: Envelope }) {
  const segments = segmentsOf(text, { segment: '~', element: '*', component: '>' }).filter((s) => !['ISA', 'GS', 'GE', 'IEA'].includes(s.tag));
  const dir = definitionsDir('x12', '004010');
  const tree = buildTree(loadTransaction(dir, messageType), segments);
  const mapping = loadMapping(join(ROOT, 'mappings', '_x12-004010', `${messageType}.yaml`));
  return mapTransaction(tree, mapping, { partnerId: 'northgate', envelope: doc.envelope, dictionary: loadDictionary(dir) });
}

describe('renderDocuments: what we send to Northgate', () => {
  it.each([
    ['855', orderResponse],
    ['856', shipNotice],
    ['810', invoice],
  ] as const)('renders a hand-made %s with the shared mapping into a valid interchange that reads back the same', async (messageType, doc) => {
    const rendered = await renderDocuments([doc], partner('northgate'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([]);
    expect(rendered.transactions).toEqual([{ controlNumber: '0001', messageType, document: 0 }]);
    // Northgate's settings: ZZ ids, '>' component separator, a line break after every segment.
    expect(rendered.text.split('\n')[0]).toBe('ISA*00*          *00*          *ZZ*BRIGHTWATERVF  *ZZ*NORTHGATEIND   *260102*0304*U*00401*000000001*0*P*>~');
    const report = validateBuffer(Buffer.from(rendered.text));
    expect(report.errors).toEqual([]);
    const back = await readBack(rendered.text, messageType, doc);
    expect(back.errors).toEqual([]);
    expect(back.document).toEqual(doc);
  });

  it('renders an order response for an X12 005010 customer with the shared 005010 855, valid as 005010, reading back the same', async () => {
    // Keystone (005010) as if they wanted 855s: their folder with the order response added, no 855 mapping of their own.
    const yaml = readFileSync(join(ROOT, 'partners', 'keystone', 'partner.yaml'), 'utf8').replace('  - { type: ship_notice, direction: outbound, messageType: 856 }', '  - { type: order_response, direction: outbound, messageType: 855 }\n  - { type: ship_notice, direction: outbound, messageType: 856 }');
    const root = tempFiles({ 'partners/keystone/partner.yaml': yaml });
    for (const folder of ['_x12-004010', '_x12-005010', 'keystone']) cpSync(join(ROOT, 'mappings', folder), join(root, 'mappings', folder), { recursive: true });
    const keystone = loadPartners(join(root, 'partners')).get('keystone');
    if (!keystone) throw new Error('keystone did not load');
    expect(outboundMappingProblems(keystone)).toEqual([]);
    const doc = { ...orderResponse, partnerId: 'keystone', envelope: { ...orderResponse.envelope, version: '005010' } };
    const rendered = await renderDocuments([doc], keystone, { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([]);
    expect(rendered.text).toMatch(/^ISA\*[^~]*\*\^\*00501\*/);
    expect(rendered.text).toContain('GS*PR*');
    expect(rendered.text).toMatch(/\*X\*005010\S*~/);
    const report = validateBuffer(Buffer.from(rendered.text));
    expect(report.errors).toEqual([]);
    expect(report.valid).toBe(true);
    const segments = segmentsOf(rendered.text.replace(/\r\n/g, ''), { segment: '~', element: '*', component: ':' }).filter((seg) => !['ISA', 'GS', 'GE', 'IEA'].includes(seg.tag));
    const dir = definitionsDir('x12', '005010');
    const back = await mapTransaction(buildTree(loadTransaction(dir, '855'), segments), loadMapping(join(ROOT, 'mappings', '_x12-005010', '855.yaml')), { partnerId: 'keystone', envelope: doc.envelope, dictionary: loadDictionary(dir) });
    expect(back.errors).toEqual([]);
    expect(back.document).toEqual(doc);
  });

  it('derives the segments from the mapping: qualifiers, pairs, inverted codes, implied decimals, the HL hierarchy', async () => {
    const rendered = await renderDocuments([orderResponse, shipNotice, invoice], partner('northgate'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([]);
    const lines = rendered.text.split('\n');
    // One functional group per kind of document.
    expect(lines.filter((l) => l.startsWith('GS*')).map((l) => l.split('*')[1])).toEqual(['PR', 'SH', 'IN']);
    expect(rendered.groupControlNumbers).toEqual(['1', '2', '3']);
    expect(lines).toEqual(
      expect.arrayContaining([
        'BAK*00*AC*NG-PO-77120*20260105****SO-2026-0042*20260105~',
        'PO1*1***41.5**BP*100234*VP*BWV-1001~',
        'ACK*IA*24*EA*068*20260112~',
        'ACK*IB*10*CA*068*20260201~',
        'ACK*ID*0*EA~',
        'HL*1**S*1~',
        'TD5**2*ODFL*M*OLD DOMINION~',
        'HL*2*1*O*1~',
        'HL*3*2*P*0~',
        'MAN*GM*008034567000000012~',
        'HL*5*2*I*0~',
        'LIN*1*BP*100234*VP*BWV-1001*LT*L2601-07~',
        'SN1**24*EA~',
        'TDS*163175~',
        'SAC*C*D240***3575**********LTL FREIGHT~',
        'ITD******20260207*30~',
      ]),
    );
    // The 80-character PID05 holds the description in two PIDs, cut between words.
    expect(lines.filter((l) => l.startsWith('PID*'))).toEqual(['PID*F****BALL VALVE 1/2IN BRASS FULL PORT LEAD FREE THREADED ENDS WITH STAINLESS HANDLE~', 'PID*F****AND NUT~']);
  });
});

describe('renderDocuments: what cannot be rendered is reported', () => {
  it('refuses a document missing a required field, naming the document and the field, and renders the others', async () => {
    const { orderNumber: _missing, ...withoutNumber } = orderResponse;
    const rendered = await renderDocuments([withoutNumber, invoice], partner('northgate'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([expect.objectContaining({ document: 0, severity: 'error', rule: 'schema', path: 'orderNumber' })]);
    expect(rendered.transactions).toEqual([{ controlNumber: '0001', messageType: '810', document: 1 }]);
    expect(validateBuffer(Buffer.from(rendered.text)).errors).toEqual([]);
  });

  it('reports a value without a partner code as an error and writes nothing for that document', async () => {
    const doc = { ...orderResponse, lines: [{ ...orderResponse.lines[0], uom: 'Pallet' }] };
    const rendered = await renderDocuments([doc], partner('northgate'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.text).toBe('');
    expect(rendered.errors).toEqual([expect.objectContaining({ document: 0, severity: 'error', rule: 'code', path: 'lines[0].uom', message: expect.stringContaining("'Pallet' has no code in table uom") })]);
  });

  it('warns about values the mapping has no place for instead of dropping them silently', async () => {
    const doc = { ...invoice, taxTotal: 12.5, lines: [{ ...invoice.lines[0], amount: 996 }] };
    const rendered = await renderDocuments([doc], partner('northgate'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.errors).toEqual([expect.objectContaining({ document: 0, severity: 'warning', rule: 'not_rendered', path: 'lines[0].amount' })]);
    expect(rendered.text).toContain('TXI*TX*12.5~');
    expect(validateBuffer(Buffer.from(rendered.text)).errors).toEqual([]);
  });

  it('reports an expr field as not rendered unless the render: block writes it and skips it', async () => {
    const shared = join(ROOT, 'mappings', '_x12-004010', '855.yaml');
    const base = `extends: ${JSON.stringify(shared)}\nfields:\n  responseNumber: { path: null, expr: '"SO-" & $string($count(lines))' }\n`;
    const warned = tempFiles({ 'northgate/855.yaml': base });
    const covered = tempFiles({ 'northgate/855.yaml': `${base}render:\n  fields:\n    BAK/08: { expr: responseNumber }\n  skip: [responseNumber]\n` });
    const render = (mappings: string) => renderDocuments([orderResponse], { ...partner('northgate'), mappingsDir: join(mappings, 'northgate') }, { controlNumbers: new InMemoryControlNumbers(), now: NOW });

    const first = await render(warned);
    expect(first.errors).toEqual([expect.objectContaining({ severity: 'warning', rule: 'not_rendered', path: 'responseNumber', message: expect.stringContaining('render.skip') })]);
    expect(first.text).toContain('BAK*00*AC*NG-PO-77120*20260105*****20260105~');
    const second = await render(covered);
    expect(second.errors).toEqual([]);
    expect(second.text).toContain('BAK*00*AC*NG-PO-77120*20260105****SO-2026-0042*20260105~');
  });

  it('refuses documents the partner does not exchange', async () => {
    const rendered = await renderDocuments([{ ...shipNotice, partnerId: 'mueller-armaturen' }], partner('mueller-armaturen'), { controlNumbers: new InMemoryControlNumbers(), now: NOW });
    expect(rendered.text).toBe('');
    expect(rendered.errors).toEqual([expect.objectContaining({ document: 0, severity: 'error', rule: 'partner', message: expect.stringContaining('does not exchange ship_notice') })]);
  });
});

const run = runCli;

describe('edi-gateway render', () => {
  it('renders what translate prints and exits 0', async () => {
    const translated = await run(['translate', join(ROOT, 'fixtures/bolt-supply/810.edi')]);
    const r = await run(['render', '-', '--partner', 'bolt-supply'], translated.out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ISA\*.*\*P\*:~GS\*IN\*BRIGHTWATERVF\*BOLTSUPPLY\*/);
    expect(validateBuffer(Buffer.from(r.out)).errors).toEqual([]);
  });

  it('takes a single document, marks --test, and lists render errors on stderr with exit 1', async () => {
    const ok = await run(['render', '-', '--partner', 'northgate', '--test'], JSON.stringify(invoice));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ISA\*(?:[^*]*\*){14}T\*>~/);
    const { orderNumber: _missing, ...bad } = orderResponse;
    const failed = await run(['render', '-', '--partner', 'northgate'], JSON.stringify([bad]));
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('error: document 0 orderNumber:');
  });

  it('exits 2 on usage errors', async () => {
    expect((await run(['render', '-'], '{}')).code).toBe(2);
    expect((await run(['render', '-', '--partner', 'nobody'], JSON.stringify(invoice))).code).toBe(2);
    expect((await run(['render', '-', '--partner', 'northgate'], 'not json')).code).toBe(2);
  });
});
