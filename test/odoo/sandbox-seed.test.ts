/**
 * The sandbox's default seed against the shipped sample partners: every inbound sample file of
 * northgate, nordhaven, mueller-armaturen and bolt-supply is translated and posted as
 * `edi-gateway ingest --sandbox` does it, lands in the expected Odoo records, and a second delivery
 * of the same file creates nothing.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalDocument } from '../../src/canonical';
import { translate } from '../../src/mapping';
import type { OdooClient } from '../../src/odoo/client';
import { createPostContext, postDocument, type PostResult } from '../../src/odoo/post';
import type { SandboxHandle } from '../../src/odoo/sandbox';
import { loadPartners, type PartnerRegistry } from '../../src/partners';
import { client, rejection, sandbox } from './helpers';

const ROOT = join(__dirname, '..', '..');
const fixture = (...parts: string[]): string => join(ROOT, 'fixtures', ...parts);

/** Models a re-delivered document must not add to. */
const WATCHED = [
  'res.partner',
  'sale.order',
  'sale.order.line',
  'purchase.order',
  'purchase.order.line',
  'stock.picking',
  'stock.move',
  'stock.move.line',
  'stock.lot',
  'account.move',
  'account.move.line',
  'mail.message',
  'mail.activity',
];

function counts(sb: SandboxHandle): Record<string, number> {
  return Object.fromEntries(WATCHED.map((m) => [m, sb.data.count(m)]));
}

/** Translate one file with the shipped partner folders and mappings; fails on any mapping error. */
async function documentsOf(registry: PartnerRegistry, file: string): Promise<CanonicalDocument[]> {
  const result = await translate(createReadStream(file), { registry });
  expect(result.errors).toEqual([]);
  expect(result.documents.length).toBeGreaterThan(0);
  return result.documents;
}

/** Post every document of the file with its partner's odoo settings and a fresh per-run cache, as one ingest run. */
async function ingest(registry: PartnerRegistry, odoo: OdooClient, file: string): Promise<PostResult> {
  const out: PostResult = [];
  for (const doc of await documentsOf(registry, file)) {
    const partner = registry.get(doc.partnerId);
    if (!partner) throw new Error(`no partner folder for ${doc.partnerId}`);
    out.push(...(await postDocument(doc, createPostContext({ client: odoo, settings: partner.odoo }))));
  }
  return out;
}

/** The same file again: nothing created, counts unchanged, only records of the first run reported. */
async function expectIdempotent(sb: SandboxHandle, registry: PartnerRegistry, odoo: OdooClient, file: string, first: PostResult): Promise<void> {
  const before = counts(sb);
  const again = await ingest(registry, odoo, file);
  expect(counts(sb)).toEqual(before);
  expect(again.filter((r) => r.created)).toEqual([]);
  const key = (r: PostResult[number]): string => `${r.model}:${r.id}`;
  const seen = new Set(first.map(key));
  // a found order is not re-resolved, so its delivery address is not reported again
  expect(again.map(key).filter((k) => !seen.has(k))).toEqual([]);
  expect(again.length).toBeGreaterThan(0);
}

function m2oName(v: unknown): string {
  return Array.isArray(v) ? String(v[1]) : '';
}

function m2oId(v: unknown): number | undefined {
  return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : undefined;
}

/** The sale order's lines as [product display name, quantity, unit name, unit price]. */
function saleLines(sb: SandboxHandle, orderId: number): Array<[string, number, string, number]> {
  return sb.data.records('sale.order.line', [['order_id', '=', orderId]]).map((l) => [m2oName(l.product_id), l.product_uom_qty as number, m2oName(l.product_uom), l.price_unit as number]);
}

describe('default sandbox seed × shipped customer orders', () => {
  let sb: SandboxHandle;
  let odoo: OdooClient;
  let registry: PartnerRegistry;
  beforeAll(async () => {
    registry = loadPartners();
    sb = await sandbox();
    odoo = client(sb, 'jsonrpc');
  });
  afterAll(async () => {
    await sb.close();
  });

  test('northgate 850 (X12 004010): a confirmed sale order with six lines to the seeded DC address', async () => {
    const file = fixture('edi', 'x12', '004010', '850-purchase-order.edi');
    const partners = sb.data.count('res.partner');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([
      ['res.partner', 'found'],
      ['sale.order', 'created'],
    ]);
    expect(sb.data.count('res.partner')).toBe(partners);

    const [so] = sb.data.records('sale.order', [['client_order_ref', '=', 'NG-45871']]);
    expect(so).toMatchObject({ state: 'sale', partner_id: [30, 'Northgate Industrial Distribution'], commitment_date: '2024-04-05 12:00:00' });
    expect(m2oName(so!.partner_shipping_id)).toBe('Northgate Industrial Distribution, NORTHGATE DC COLUMBUS');
    // priceSource odoo: the seeded list prices, not the 850's; a case is priced as 12 rolls (12 × 3.46)
    expect(saleLines(sb, so!.id as number)).toEqual([
      ['[BWV-1001] Ball Valve 1/2in NPT Lead-Free Brass', 120, 'Units', 18.45],
      ['[BWV-1002] Ball Valve 3/4in NPT Lead-Free Brass', 60, 'Units', 27.9],
      ['[BWV-1005] Ball Valve 1-1/2in Sweat Full Port', 24, 'Units', 54.1],
      ['[BWF-2010] Elbow 90° 1/2in Copper Sweat', 200, 'Units', 3.12],
      ['[BWF-2014] Coupling 1/2in Copper with Stop', 500, 'Units', 0.87],
      ['[TS-PTFE-12] Thread Seal Tape PTFE (roll)', 36, 'Case of 12', 41.52],
    ]);

    await expectIdempotent(sb, registry, odoo, file, result);
  });

  test('nordhaven ORDERS (EDIFACT D96A): a confirmed sale order with three lines to the seeded Waalhaven DC', async () => {
    const file = fixture('edi', 'edifact', 'D96A', 'ORDERS-unoa-una-release.edi');
    const partners = sb.data.count('res.partner');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([
      ['res.partner', 'found'],
      ['sale.order', 'created'],
    ]);
    expect(sb.data.count('res.partner')).toBe(partners);

    const [so] = sb.data.records('sale.order', [['client_order_ref', '=', 'PO-2024-0521']]);
    expect(so).toMatchObject({ state: 'sale', partner_id: [32, 'Nordhaven Installatie B.V.'] });
    expect(m2oId(so!.partner_shipping_id)).toBe(33);
    expect(saleLines(sb, so!.id as number)).toEqual([
      ['[VV-BV15-PN40] Kogelkraan 1/2in PN40 Messing', 120, 'Units', 9.85],
      ['[VV-BV20-PN40] Kogelkraan 3/4in PN40 Messing', 120, 'Units', 14.3],
      ['[VV-TR15-RA] Radiatorkraan 1/2in Haaks Voorinstelbaar', 300, 'Units', 6.42],
    ]);

    await expectIdempotent(sb, registry, odoo, file, result);
  });

  test('mueller-armaturen ORDERS (EDIFACT D01B, UNOW): a quotation with two lines at the EDI prices', async () => {
    const file = fixture('edi', 'edifact', 'D01B', 'ORDERS-unow-utf8-pipe.edi');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([['sale.order', 'created']]);

    const [so] = sb.data.records('sale.order', [['client_order_ref', '=', '4500019377']]);
    // confirmOrders is off for Müller, priceSource edi
    expect(so).toMatchObject({ state: 'draft', partner_id: [34, 'Müller & Söhne Armaturen GmbH'] });
    expect(saleLines(sb, so!.id as number)).toEqual([
      ['[VV-BV15-PN40] Kogelkraan 1/2in PN40 Messing', 500, 'Units', 9.6],
      ['[VV-KV25-PN16] Rückschlagventil 1in Rotguss', 80, 'Units', 21.75],
    ]);

    await expectIdempotent(sb, registry, odoo, file, result);
  });
});

describe('default sandbox seed × bolt-supply 855, 856, 810 on PO-BW-10427', () => {
  let sb: SandboxHandle;
  let odoo: OdooClient;
  let registry: PartnerRegistry;
  let poId: number;
  beforeAll(async () => {
    registry = loadPartners();
    sb = await sandbox();
    odoo = client(sb, 'jsonrpc');
    const [po] = sb.data.records('purchase.order', [['name', '=', 'PO-BW-10427']]);
    poId = po!.id as number;
  });
  afterAll(async () => {
    await sb.close();
  });

  const poLines = () => sb.data.records('purchase.order.line', [['order_id', '=', poId]]);

  test('the seed holds the purchase order confirmed, with its receipt', () => {
    expect(sb.data.record('purchase.order', poId)).toMatchObject({ state: 'purchase', partner_id: [36, 'Bolt Industrial Supply Inc.'], partner_ref: false });
    expect(poLines().map((l) => [m2oName(l.product_id), l.product_qty, m2oName(l.product_uom)])).toEqual([
      ['[BWV-7731] Hex Cap Screw 5/16-18 x 2in Gr5 Zinc', 2000, 'Units'],
      ['[BWF-5520] Hex Nut 5/16-18 Zinc Plated', 50, 'Box of 100'],
      ['[BWF-5531] Flat Washer 5/16 Zinc', 1000, 'Units'],
      ['[BWF-5610] Wedge Anchor 3/8in Zinc', 25, 'Box of 100'],
      ['[BWV-7702] Hex Cap Screw 3/8-16 x 2in Gr5 Zinc', 500, 'Units'],
    ]);
    expect(sb.data.count('stock.picking', [['purchase_id', '=', poId], ['state', '=', 'assigned']])).toBe(1);
  });

  test('855: vendor reference, reception confirmed, planned dates, an activity for the rejected line', async () => {
    const file = fixture('bolt-supply', '855.edi');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([
      ['purchase.order', 'updated'],
      ['mail.activity', 'created'],
      ['mail.message', 'created'],
    ]);
    expect(sb.data.record('purchase.order', poId)).toMatchObject({ partner_ref: 'SO-771204', mail_reception_confirmed: true });
    // backordered line 3 and rescheduled line 5 move; the others keep the date they had
    expect(poLines().map((l) => l.date_planned)).toEqual(['2024-03-22 12:00:00', '2024-03-22 12:00:00', '2024-04-05 12:00:00', '2024-03-22 12:00:00', '2024-03-29 12:00:00']);
    const [activity] = sb.data.records('mail.activity', [['res_id', '=', poId]]);
    expect(String(activity!.note)).toContain('line 4 ([BWF-5610] Wedge Anchor 3/8in Zinc)');
    expect(sb.data.count('mail.message', [['model', '=', 'purchase.order'], ['res_id', '=', poId], ['body', 'ilike', '[edi order_response SO-771204]']])).toBe(1);

    await expectIdempotent(sb, registry, odoo, file, result);
  });

  test('856: the receipt holds the shipped quantities and lots, tracking number, not validated', async () => {
    const file = fixture('bolt-supply', '856.edi');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([['stock.picking', 'updated']]);

    const picking = sb.data.record('stock.picking', result[0]!.id)!;
    expect(picking).toMatchObject({ origin: 'PO-BW-10427', state: 'assigned', carrier_tracking_ref: '1Z4F81W20391847265' });
    const moves = sb.data.records('stock.move', [['picking_id', '=', picking.id]]);
    expect(moves.map((m) => [m2oName(m.product_id), m.quantity, m.picked, m2oName(m.product_uom)])).toEqual([
      ['[BWV-7731] Hex Cap Screw 5/16-18 x 2in Gr5 Zinc', 2000, true, 'Units'],
      ['[BWF-5520] Hex Nut 5/16-18 Zinc Plated', 40, true, 'Box of 100'],
      ['[BWF-5531] Flat Washer 5/16 Zinc', 0, false, 'Units'],
      ['[BWF-5610] Wedge Anchor 3/8in Zinc', 0, false, 'Box of 100'],
      ['[BWV-7702] Hex Cap Screw 3/8-16 x 2in Gr5 Zinc', 0, false, 'Units'],
    ]);
    const lots = sb.data
      .records('stock.move.line', [['move_id', 'in', moves.slice(0, 2).map((m) => m.id as number)]])
      .map((l) => [m2oName(l.product_id), l.lot_name, l.quantity])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(lots).toEqual([
      ['[BWV-7731] Hex Cap Screw 5/16-18 x 2in Gr5 Zinc', 'H24031107', 1000],
      ['[BWV-7731] Hex Cap Screw 5/16-18 x 2in Gr5 Zinc', 'H24031108', 1000],
      ['[BWF-5520] Hex Nut 5/16-18 Zinc Plated', 'N24030422', 40],
    ]);

    await expectIdempotent(sb, registry, odoo, file, result);
  });

  test('810: a draft vendor bill linked to the PO lines, labelled by display_name', async () => {
    const file = fixture('bolt-supply', '810.edi');
    const result = await ingest(registry, odoo, file);
    expect(result.map((r) => [r.model, r.action])).toEqual([['account.move', 'created']]);

    const bill = sb.data.record('account.move', result[0]!.id)!;
    expect(bill).toMatchObject({
      move_type: 'in_invoice',
      state: 'draft',
      ref: 'BIS-INV-0093317',
      invoice_date: '2024-03-25',
      invoice_date_due: '2024-04-24',
      invoice_origin: 'PO-BW-10427',
      partner_id: [36, 'Bolt Industrial Supply Inc.'],
      amount_untaxed: 665,
    });
    const [row] = await odoo.read('account.move', [bill.id as number], ['display_name']);
    expect(row!.display_name).toBe(`Draft Vendor Bill (* ${String(bill.id)})`);
    const lines = sb.data.records('account.move.line', [['move_id', '=', bill.id]]);
    const [first, second] = poLines();
    expect(lines.map((l) => [m2oName(l.product_id), l.quantity, m2oName(l.product_uom_id), l.price_unit, m2oId(l.purchase_line_id)])).toEqual([
      ['[BWV-7731] Hex Cap Screw 5/16-18 x 2in Gr5 Zinc', 2000, 'Units', 0.0845, first!.id],
      ['[BWF-5520] Hex Nut 5/16-18 Zinc Plated', 40, 'Box of 100', 12.4, second!.id],
    ]);

    await expectIdempotent(sb, registry, odoo, file, result);
  });
});

describe('bench products', () => {
  test('the default seed has none; benchProducts: 200 adds BENCH-0001…BENCH-0200 that order lines resolve', async () => {
    const plain = await sandbox();
    try {
      expect(plain.data.count('product.product', [['default_code', '=like', 'BENCH-%']])).toBe(0);
    } finally {
      await plain.close();
    }

    const sb = await sandbox({ benchProducts: 200 });
    try {
      const codes = sb.data.records('product.product', [['default_code', '=like', 'BENCH-%']]).map((p) => p.default_code);
      expect(codes).toHaveLength(200);
      expect(codes[0]).toBe('BENCH-0001');
      expect(codes[199]).toBe('BENCH-0200');
      // the seeded products keep their ids
      expect(sb.data.record('product.product', 80)).toMatchObject({ default_code: 'BWV-7731' });

      const [order] = await documentsOf(loadPartners(), fixture('edi', 'x12', '004010', '850-purchase-order.edi'));
      if (order?.type !== 'order') throw new Error('expected an order');
      const lines = Array.from({ length: 20 }, (_, i) => ({ lineNumber: String(i + 1), quantity: i + 1, uom: 'Units', itemIds: { vendor: `BENCH-${String(i * 10 + 1).padStart(4, '0')}` } }));
      const bench = { ...order, orderNumber: 'BENCH-PO-1', lines };
      const result = await postDocument(bench, createPostContext({ client: client(sb, 'jsonrpc'), settings: { partnerRef: 'NORTHGATE', confirmOrders: true } }));
      const so = result.find((r) => r.model === 'sale.order')!;
      expect(sb.data.count('sale.order.line', [['order_id', '=', so.id]])).toBe(20);
    } finally {
      await sb.close();
    }
  });

  test('a benchProducts that is not a count is refused', async () => {
    expect((await rejection(sandbox({ benchProducts: -1 }))).message).toMatch(/bench products must be an integer from 0/);
  });
});
