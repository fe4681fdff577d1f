/**
 * Onboarding a partner is data, not code: a partner folder, a mapping that extends the shared one and a
 * sample file, written into a temp dir, translate with no code change.
 */
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { translate } from '../../src/mapping';
import { tempFiles } from './helpers';

const PARTNER = `
id: acme-plumbing
name: Acme Plumbing Supply
identities:
  - { standard: x12, qualifier: ZZ, id: ACMEPLUMB }
documents:
  - { type: order, direction: inbound, messageType: 850, mapping: orders-850.yaml }
odoo:
  partnerRef: ACME
`;

// Acme sends its order number in BEG03 like everyone, but its units as "EACH"/"BOX" and its own
// item numbers in PO1 IN pairs, and requires a ship-to party.
const MAPPING = `
extends: ../_x12-004010/850.yaml
tables:
  uom: { EACH: Units, BOX: Box of 10 }
fields:
  parties:
    required: 'Acme must send a ship-to N1 loop (N1*ST)'
  lines:
    fields:
      itemIds:
        fields:
          sku: { path: PO1, pair: { from: 6, qualifier: IN }, xref: acme-items.csv }
  notes: { expr: '$count(lines) > 1 ? [{"text": "multi-line order " & orderNumber}]' }
`;

const EDI = [
  'ISA*00*          *00*          *ZZ*ACMEPLUMB      *ZZ*BRIGHTWATERVF  *240501*1200*U*00401*000000777*0*T*>',
  'GS*PO*ACMEPLUMB*BRIGHTWATERVF*20240501*1200*77*X*004010',
  'ST*850*7001',
  'BEG*00*NE*ACME-9001**20240501',
  'N1*ST*ACME YARD 2*92*Y2',
  'N4*TOLEDO*OH*43604*US',
  'PO1*1*3*EACH*12.5*PE*IN*A-77',
  'PID*F****GATE VALVE',
  'PO1*2*1*BOX*40*PE*IN*A-78',
  'PID*F****WASHERS',
  'CTT*2',
  'SE*10*7001',
  'GE*1*77',
  'IEA*1*000000777',
  '',
].join('~\n');

function onboard(edi = EDI): { root: string; input: Buffer } {
  const root = tempFiles({
    'partners/acme-plumbing/partner.yaml': PARTNER,
    'mappings/acme-plumbing/orders-850.yaml': MAPPING,
    'mappings/acme-plumbing/acme-items.csv': 'acme,ours\nA-77,BWV-3077\nA-78,BWF-9078\n',
    'fixtures/acme-plumbing/850.edi': edi,
  });
  // The shared 004010 defaults ship with the gateway; the new folder extends them.
  cpSync(join(__dirname, '..', '..', 'mappings', '_x12-004010'), join(root, 'mappings', '_x12-004010'), { recursive: true });
  return { root, input: readFileSync(join(root, 'fixtures/acme-plumbing/850.edi')) };
}

describe('onboarding a new partner', () => {
  it('translates its sample with the new folders only', async () => {
    const { root, input } = onboard();
    const result = await translate(input, { partnersRoot: join(root, 'partners'), mappingsRoot: join(root, 'mappings') });
    expect(result.errors).toEqual([]);
    expect(result.documents).toEqual([
      {
        type: 'order',
        partnerId: 'acme-plumbing',
        envelope: {
          standard: 'x12',
          version: '004010',
          messageType: '850',
          sender: { qualifier: 'ZZ', id: 'ACMEPLUMB' },
          receiver: { qualifier: 'ZZ', id: 'BRIGHTWATERVF' },
          interchangeControlNumber: '000000777',
          groupControlNumber: '77',
          controlNumber: '7001',
          test: true,
        },
        orderNumber: 'ACME-9001',
        purpose: 'original',
        orderType: 'NE',
        orderDate: '2024-05-01',
        parties: [{ role: 'ship_to', name: 'ACME YARD 2', ids: [{ qualifier: 'buyer_assigned', value: 'Y2' }], address: { city: 'TOLEDO', region: 'OH', postalCode: '43604', country: 'US' } }],
        lines: [
          { lineNumber: '1', quantity: 3, uom: 'Units', unitPrice: 12.5, itemIds: { buyer: 'A-77', sku: 'BWV-3077' }, description: 'GATE VALVE' },
          { lineNumber: '2', quantity: 1, uom: 'Box of 10', unitPrice: 40, itemIds: { buyer: 'A-78', sku: 'BWF-9078' }, description: 'WASHERS' },
        ],
        totals: { lineCount: 2 },
        notes: [{ text: 'multi-line order ACME-9001' }],
      },
    ]);
  });

  it("reports the partner's own required-field message with the transaction and the place searched", async () => {
    const { root, input } = onboard(EDI.replace('N1*ST*ACME YARD 2*92*Y2~\nN4*TOLEDO*OH*43604*US~\n', '').replace('SE*10*', 'SE*8*'));
    const result = await translate(input, { partnersRoot: join(root, 'partners'), mappingsRoot: join(root, 'mappings') });
    expect(result.documents).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({
        rule: 'required',
        partner: 'acme-plumbing',
        interchangeControlNumber: '000000777',
        controlNumber: '7001',
        path: 'parties',
        source: 'N1',
        segment: { tag: 'ST', position: 1 },
        message: 'Acme must send a ship-to N1 loop (N1*ST) (N1 not found in the transaction)',
      }),
    ]);
  });
});
