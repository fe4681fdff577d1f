/**
 * Invoices to customers: a customer invoice posted in Odoo for a customer's EDI order is sent as an 810 /
 * INVOIC exactly once, each line by the customer's own line number, item ids and unit, with Odoo's
 * amounts. Real ledger file, dir channels, the Odoo sandbox over JSON-RPC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateBuffer } from '../../src/edi/validate';
import { exportFromOdoo } from '../../src/pipeline/export-all';
import { exportRig, n1Loops, setCompany, type ExportRig } from '../support/export-rig';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** A gateway exporting what the service exports from the sandbox, with the shipped partners (Northgate: Odoo's prices); `mueller` edits Müller's partner.yaml. */
function rig(mueller: (text: string) => string = (text) => text): Promise<ExportRig> {
  return exportRig({ exports: [exportFromOdoo], ready: ['export.since.northgate.account.move', 'export.since.northgate.account.move.refund'], partnerYaml: { 'mueller-armaturen': mueller } });
}

/** Valdoria Valvole, an Italian company with a VAT number: who we are towards the EDIFACT customers. */
const VALDORIA = { street: 'Via delle Fonderie 12', city: 'Lumezzane', zip: '25065', country_id: 109, vat: 'IT01234567890' };

/** A sale tax of `amount` percent named `name`. */
function saleTax(r: ExportRig, name: string, amount: number): Promise<number> {
  return r.client.create('account.tax', { name, amount, amount_type: 'percent', type_tax_use: 'sale' });
}

/** The confirmed sale order of a customer's order number, with its lines in creation order. */
async function confirmedOrder(r: ExportRig, ref: string) {
  let so: Record<string, unknown> & { id: number } = { id: 0 };
  await until(
    async () => {
      [so = { id: 0 }] = await r.client.searchRead('sale.order', [['client_order_ref', '=', ref], ['state', '=', 'sale']], { fields: ['id', 'name', 'partner_id'] });
      return so.id !== 0;
    },
    20_000,
    `sale order ${ref} confirmed`,
  );
  const lines = await r.client.searchRead('sale.order.line', [['order_id', '=', so.id]], { fields: ['id', 'product_id', 'product_uom', 'price_unit', 'tax_id'], order: 'id' });
  return { so, lines };
}

/**
 * A customer invoice for some of a sale order's lines (index on the sale order, quantity, and taxes other
 * than the sale line's), made through `create` as Odoo's invoicing makes it: each line linked to its sale
 * line, the order's name as origin.
 */
async function invoice(r: ExportRig, order: Awaited<ReturnType<typeof confirmedOrder>>, picks: Array<[number, number, number[]?]>, post: boolean): Promise<number> {
  const m2o = (v: unknown) => (v as [number, string])[0];
  const id = (await r.client.call('account.move', 'create', [
    {
      move_type: 'out_invoice',
      partner_id: m2o(order.so.partner_id),
      invoice_origin: order.so.name,
      invoice_line_ids: picks.map(([i, quantity, taxes]) => {
        const l = order.lines[i]!;
        return [0, 0, { product_id: m2o(l.product_id), quantity, product_uom_id: m2o(l.product_uom), price_unit: l.price_unit, tax_ids: [[6, 0, taxes ?? l.tax_id]], sale_line_ids: [[6, 0, [l.id]]] }];
      }),
    },
  ])) as number;
  if (post) await r.client.call('account.move', 'action_post', [[id]]);
  return id;
}

/**
 * A posted customer credit note of `lines` ([sale order index, quantity]) crediting invoice `reversed`,
 * made through `create` as a user of the API makes one: out_refund, the invoice it reverses, lines linked
 * to their sale lines or (`linked` false) not.
 */
async function creditNote(r: ExportRig, order: Awaited<ReturnType<typeof confirmedOrder>>, reversed: number, picks: Array<[number, number]>, linked = true): Promise<number> {
  const m2o = (v: unknown) => (v as [number, string])[0];
  const id = (await r.client.call('account.move', 'create', [
    {
      move_type: 'out_refund',
      partner_id: m2o(order.so.partner_id),
      reversed_entry_id: reversed,
      invoice_line_ids: picks.map(([i, quantity]) => {
        const l = order.lines[i]!;
        return [0, 0, { product_id: m2o(l.product_id), quantity, product_uom_id: m2o(l.product_uom), price_unit: l.price_unit, tax_ids: [[6, 0, l.tax_id]], ...(linked ? { sale_line_ids: [[6, 0, [l.id]]] } : {}) }];
      }),
    },
  ])) as number;
  await r.client.call('account.move', 'action_post', [[id]]);
  return id;
}

/** The IT1 lines of an 810: [line number, quantity, unit, price, basis, item id pairs…]. */
function it1(text: string): string[][] {
  return [...text.matchAll(/IT1\*([^~]*)~/g)].map((m) => m[1]!.split('*'));
}

describe('invoices to customers', () => {
  let r: ExportRig;
  afterEach(async () => r && (await r.stop()));

  it('a posted invoice for part of an order is sent once as an 810, line by line as the customer ordered; a draft waits until posted', async () => {
    r = await rig();
    await setCompany(r.client, 'Brightwater Valve and Fitting Co.', { street: '250 Executive Park Blvd', city: 'San Francisco', zip: '94134', country_id: 233 });
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 920, count: 1 }));
    const order = await confirmedOrder(r, 'PO-920-0');
    // Accounting bills the cases, 100 of the 120 first valves and the third line, in another order than
    // the sale order's; the second line's invoice is still a draft.
    const posted = await invoice(r, order, [[5, 36], [0, 100], [2, 24]], true);
    const draft = await invoice(r, order, [[1, 60]], false);
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*810*').length === 1, 15_000, 'the 810');

    const [text] = r.sent('northgate', 'ST*810*');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const [move] = await r.client.read('account.move', [posted], ['name', 'invoice_date', 'amount_tax', 'amount_total']);
    // Odoo's list prices, a case at 12 rolls (12 × 3.46 = 41.52, where the customer sent 41.50):
    // 36 × 41.52 + 100 × 18.45 + 24 × 54.10 = 4638.12, and the sales tax of 15 %.
    expect([move!.amount_tax, move!.amount_total]).toEqual([695.72, 5333.84]);
    expect(text).toContain(`BIG*${String(move!.invoice_date).replace(/-/g, '')}*${String(move!.name)}**PO-920-0~`);
    expect(it1(text!)).toEqual([
      ['6', '36', 'CA', '41.52', '', 'BP', '100402', 'VP', 'TS-PTFE-12'],
      ['1', '100', 'EA', '18.45', '', 'BP', '100234', 'VP', 'BV-050-NPT'],
      ['3', '24', 'EA', '54.1', '', 'BP', '100240', 'VP', 'BV-150-SWT'],
    ]);
    expect(text).toContain('TDS*533384~');
    // A tax of a company in the United States is a sales tax, on each line and in the total.
    expect(text).toMatch(/IT1\*6\*[^~]*~\s*TXI\*ST\*224\.21\*15~/);
    expect(text).toContain('TXI*ST*695.72~');
    // Bill-to and ship-to as the customer's order named them, with their own numbers; the buyer, which
    // the order does not name, from Odoo; us as the seller, by our interchange id, with the company's address.
    expect(n1Loops(text!)).toEqual([
      'N1*BY*Northgate Industrial Distribution~N3*PO Box 1187~N4*Dublin**43017*US',
      'N1*BT*NORTHGATE INDUSTRIAL DISTRIBUTION*92*HQ01~N3*PO BOX 1187~N4*DUBLIN*OH*43017*US',
      'N1*ST*NORTHGATE DC COLUMBUS*92*DC07~N3*4200 LOGISTICS PKWY*DOCK 14~N4*GROVEPORT*OH*43125*US',
      'N1*SE*Brightwater Valve and Fitting Co.*ZZ*BRIGHTWATERVF~N3*250 Executive Park Blvd~N4*San Francisco**94134*US',
    ]);

    // Beside their order on the dashboard's Find, with its 997 expected, and noted on the invoice.
    expect(r.ledger.findByNumber('PO-920-0', ['northgate']).messages.map((m) => m.messageType).sort()).toEqual(['810', '855']);
    expect(r.ledger.expectedAckList().filter((a) => a.messageType === '810')).toHaveLength(1);
    const notes = () => r.sandbox.data.records('mail.message', [['model', '=', 'account.move'], ['res_id', '=', posted]]).map((n) => String(n.body));
    await until(() => notes().some((b) => b.includes('EDI 810 queued for Northgate')));

    // Another run sends nothing again, and the draft is not sent.
    await r.exportOnce();
    expect(r.sent('northgate', 'ST*810*')).toHaveLength(1);

    // Once posted, it is sent too: the second line, by its number.
    await r.client.call('account.move', 'action_post', [[draft]]);
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*810*').length === 2, 15_000, 'the second 810');
    const [second] = await r.client.read('account.move', [draft], ['name']);
    const secondText = r.sent('northgate', 'ST*810*').find((t) => t.includes(`*${String(second!.name)}*`));
    expect(it1(secondText ?? '')).toEqual([['2', '60', 'EA', '27.9', '', 'BP', '100235', 'VP', 'BV-075-NPT']]);
  });

  it("a group of taxes goes out as its taxes, and a tax that adds to the base raises the next one's, so the lines' taxes add up to Odoo's tax total", async () => {
    r = await rig();
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 921, count: 1 }));
    const order = await confirmedOrder(r, 'PO-921-0');
    const tax = (vals: Record<string, unknown>): Promise<number> => r.client.create('account.tax', { amount_type: 'percent', type_tax_use: 'sale', ...vals });
    // A Canadian-style pair under one group, in the children's sequence (not their creation order) …
    const pst = await tax({ name: 'PST 7%', amount: 7, sequence: 2, type_tax_use: 'none' });
    const gst = await tax({ name: 'GST 5%', amount: 5, sequence: 1, type_tax_use: 'none' });
    const both = await tax({ name: 'GST + PST', amount_type: 'group', children_tax_ids: [[6, 0, [pst, gst]]] });
    // … and an environmental fee whose amount is taxed too.
    const eco = await tax({ name: 'Eco fee 2%', amount: 2, sequence: 0, include_base_amount: true });
    const gstAlone = await tax({ name: 'GST 5% on fees', amount: 5, sequence: 1 });
    const posted = await invoice(r, order, [[0, 100, [both]], [2, 24, [gstAlone, eco]]], true);
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*810*').length === 1, 15_000, 'the 810');

    const [text] = r.sent('northgate', 'ST*810*');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const [move] = await r.client.read('account.move', [posted], ['amount_untaxed', 'amount_tax']);
    // 100 × 18.45 = 1845.00: GST 92.25, PST 129.15. 24 × 54.10 = 1298.40: the fee 25.97, GST on 1324.37: 66.22.
    expect(move).toMatchObject({ amount_untaxed: 3143.4, amount_tax: 313.59 });
    // The TXIs after an IT1 (the total's TXI follows TDS).
    const txi = (line: string): string[] => [...(text!.split(/IT1\*|TDS\*/).find((l) => l.startsWith(`${line}*`)) ?? '').matchAll(/TXI\*([^~]*)~/g)].map((m) => m[1]!);
    expect(txi('1')).toEqual(['GS*92.25*5', 'ST*129.15*7']);
    expect(txi('3')).toEqual(['ST*25.97*2', 'GS*66.22*5']);
    expect(text).toContain('TXI*TX*313.59~');
  });

  it('an EDIFACT customer gets a valid INVOIC naming their order, their lines and their parties, with each tax in its category', async () => {
    r = await rig();
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', VALDORIA);
    await r.client.write('res.partner', [32], { vat: 'NL812345678B01' });
    r.drop('nordhaven', 'orders.edi', readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi')));
    const order = await confirmedOrder(r, 'PO-2024-0566');
    // The second line goes out zero rated.
    const zero = await saleTax(r, '0% Export', 0);
    const posted = await invoice(r, order, [[0, 600], [1, 240, [zero]]], true);
    await r.exportOnce();
    await until(() => r.sent('nordhaven', 'INVOIC:D:96A').length === 1, 15_000, 'the INVOIC');

    const [text] = r.sent('nordhaven', 'INVOIC:D:96A');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const [move] = await r.client.read('account.move', [posted], ['name', 'amount_total']);
    const segments = text!.split("'");
    expect(segments).toEqual(
      expect.arrayContaining([
        `BGM+380+${String(move!.name)}+9`,
        'RFF+ON:PO-2024-0566',
        'LIN+1++8034567100049:EN',
        'QTY+47:600:PCE',
        'LIN+2++8034567100018:EN',
        'QTY+47:240:PCE',
        `MOA+77:${String(move!.amount_total)}`,
        // An Italian company's tax is a VAT: the standard rate, and the zero-rated line as Z.
        'TAX+7+VAT+++:::15+S',
        'TAX+7+VAT+++:::0+Z',
      ]),
    );
    // Buyer and delivery point as their order named them (GLN: 3055 9), with the VAT number Odoo has
    // of the buyer; us by our GLN, with our name, address and VAT number.
    expect(segments.filter((x) => /^(?:NAD|RFF\+VA)/.test(x))).toEqual([
      'NAD+BY+8712345000014::9++NORDHAVEN INSTALLATIE B.V.+HAVENSTRAAT 41+ROTTERDAM++3011 AB+NL',
      'RFF+VA:NL812345678B01',
      'NAD+DP+8712345000021::9++NORDHAVEN DC WAALHAVEN+WAALHAVEN OZ 88+ROTTERDAM++3087 BM+NL',
      'NAD+SU+8034567000012::9++Valdoria Valvole S.r.l.+Via delle Fonderie 12+Lumezzane++25065+IT',
      'RFF+VA:IT01234567890',
    ]);
    expect(r.ledger.findByNumber('PO-2024-0566', ['nordhaven']).messages.map((m) => m.messageType).sort()).toEqual(['INVOIC', 'ORDRSP']);
  });

  it('to a customer that gets invoices of every order (orders: all), an invoice typed by hand, of no order, goes by its own number: lines by position, our item ids, net prices, Odoo\'s addresses, in their own syntax', async () => {
    // Müller says what their exempt tax is, which the name alone does not tell.
    r = await rig((text) =>
      text.replace('  priceSource: edi\n', "  priceSource: edi\n  taxes:\n    - { tax: 'Art. 10 DPR 633/72', category: E }\n").replace('messageType: INVOIC }', 'messageType: INVOIC, orders: all }'),
    );
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', VALDORIA);
    const exempt = await saleTax(r, 'Art. 10 DPR 633/72', 0);
    // Invoiced to their accounts department, a contact of its own.
    const accounts = await r.client.create('res.partner', { name: 'Müller Buchhaltung', parent_id: 34, type: 'invoice', street: 'Postfach 1120', city: 'Göppingen', zip: '73011', country_id: 57 });
    const today = new Date().toISOString().slice(0, 10);
    const due = new Date(Date.parse(today) + 30 * 86_400_000).toISOString().slice(0, 10);
    const id = (await r.client.call('account.move', 'create', [
      {
        move_type: 'out_invoice',
        partner_id: accounts,
        currency_id: 2,
        invoice_date: today,
        invoice_date_due: due,
        invoice_line_ids: [
          [0, 0, { product_id: 70, quantity: 10, price_unit: 9.85, discount: 10 }],
          [0, 0, { product_id: 72, quantity: 4, price_unit: 6.42, tax_ids: [[6, 0, [exempt]]] }],
        ],
      },
    ])) as number;
    await r.client.call('account.move', 'action_post', [[id]]);
    await r.exportOnce();
    await until(() => r.sent('mueller-armaturen', 'INVOIC=D=01B').length === 1, 15_000, 'the INVOIC');

    const [text] = r.sent('mueller-armaturen', 'INVOIC=D=01B');
    const bytes = Buffer.from(text!, 'latin1');
    expect(validateBuffer(bytes).errors).toEqual([]);
    const [move] = await r.client.read('account.move', [id], ['name']);
    const segments = bytes.toString('utf8').split('~');
    expect(segments).toEqual(
      expect.arrayContaining([
        `BGM*380*${String(move!.name)}*9`,
        'CUX*2=EUR',
        'PAT*1**5=3=D=30',
        `DTM*13=${due.replace(/-/g, '')}=102`,
        'LIN*1**8034567100018=SRV',
        'PIA*5*VV-BV15-PN40=SA',
        'QTY*47=10=PCE',
        'PRI*AAA=8,865',
        'MOA*203=88,65',
        'LIN*2**8034567100049=SRV',
        'QTY*47=4=PCE',
        // the first line's customer tax (15 %, standard rated) is Odoo's default for the product
        'TAX*7*VAT***===15*S',
        'MOA*124=13,3',
        'TAX*7*VAT***===0*E',
        'MOA*176=13,3',
        'MOA*77=127,63',
      ]),
    );
    // Without their order, the buyer and the invoicee are Odoo's contacts, named and addressed; no
    // delivery address (an invoice of no sale order, and the sandbox's invoices have none).
    expect(segments.filter((x) => /^(?:NAD|RFF\*VA)/.test(x))).toEqual([
      'NAD*BY***Müller & Söhne Armaturen GmbH*Gießereistraße 14*Göppingen**73033*DE',
      'NAD*IV***Müller Buchhaltung*Postfach 1120*Göppingen**73011*DE',
      'NAD*SU*8034567000012==9**Valdoria Valvole S.r.l.*Via delle Fonderie 12*Lumezzane**25065*IT',
      'RFF*VA=IT01234567890',
    ]);
    expect(segments.some((s) => s.startsWith('RFF*ON'))).toBe(false);
    expect(r.ledger.findByNumber(String(move!.name), ['mueller-armaturen']).messages.map((m) => m.messageType)).toEqual(['INVOIC']);
  });

  it('a posted credit note for part of an invoiced EDI order goes once as an 810 credit memo naming the invoice; the Credit Note wizard\'s draft waits until posted', async () => {
    r = await rig();
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 922, count: 1 }));
    const order = await confirmedOrder(r, 'PO-922-0');
    const invoiced = await invoice(r, order, [[0, 100], [2, 24]], true);
    await r.exportOnce();
    await until(() => r.sent('northgate', 'ST*810*').length === 1, 15_000, 'the 810');
    // 10 of the 100 valves come back: a credit note of that line.
    const credited = await creditNote(r, order, invoiced, [[0, 10]]);
    // Accounting also opens the Credit Note wizard on the invoice, which leaves a draft of all of it.
    const wizard = await r.client.create('account.move.reversal', { move_ids: [[6, 0, [invoiced]]], reason: 'price correction' });
    await r.client.call('account.move.reversal', 'refund_moves', [[wizard]]);
    const [draft] = await r.client.searchRead('account.move', [['reversed_entry_id', '=', invoiced], ['state', '=', 'draft']], { fields: ['id', 'move_type', 'invoice_origin', 'ref'] });
    expect(draft).toMatchObject({ move_type: 'out_refund', invoice_origin: order.so.name });
    await r.exportOnce();
    await until(() => r.sent('northgate', '***CR~').length === 1, 15_000, 'the credit memo');

    const [text] = r.sent('northgate', '***CR~');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const [inv] = await r.client.read('account.move', [invoiced], ['name']);
    const [move] = await r.client.read('account.move', [credited], ['name', 'invoice_date', 'amount_tax', 'amount_total']);
    // Positive, as the credit note states them: 10 × 18.45 = 184.50 and 15 % tax.
    expect([move!.amount_tax, move!.amount_total]).toEqual([27.68, 212.18]);
    expect(text).toContain(`BIG*${String(move!.invoice_date).replace(/-/g, '')}*${String(move!.name)}**PO-922-0***CR~`);
    expect(text).toContain(`REF*OI*${String(inv!.name)}~`);
    expect(it1(text!)).toEqual([['1', '10', 'EA', '18.45', '', 'BP', '100234', 'VP', 'BV-050-NPT']]);
    expect(text).toContain('TDS*21218~');
    expect(r.ledger.findByNumber('PO-922-0', ['northgate']).messages.map((m) => m.messageType).sort()).toEqual(['810', '810', '855']);

    // Once: another run sends nothing again, and the wizard's draft is not sent.
    await r.exportOnce();
    expect(r.sent('northgate', 'ST*810*')).toHaveLength(2);
    // Posted, it goes too, all of the invoice's lines.
    await r.client.call('account.move', 'action_post', [[draft!.id]]);
    await r.exportOnce();
    await until(() => r.sent('northgate', '***CR~').length === 2, 15_000, 'the second credit memo');
    const [second] = await r.client.read('account.move', [draft!.id], ['name']);
    const secondText = r.sent('northgate', '***CR~').find((t) => t.includes(`*${String(second!.name)}*`)) ?? '';
    expect(secondText).toContain(`REF*OI*${String(inv!.name)}~`);
    expect(it1(secondText).map((l) => [l[0], l[1]])).toEqual([['1', '100'], ['3', '24']]);
  });

  it('to a customer that gets invoices of every order (orders: all), the credit note of an invoice of no order goes too, as INVOIC 381 in their syntax', async () => {
    r = await rig((text) => text.replace('messageType: INVOIC }', 'messageType: INVOIC, orders: all }'));
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', VALDORIA);
    const today = new Date().toISOString().slice(0, 10);
    const invoiced = (await r.client.call('account.move', 'create', [
      { move_type: 'out_invoice', partner_id: 34, currency_id: 2, invoice_date: today, invoice_line_ids: [[0, 0, { product_id: 70, quantity: 10, price_unit: 9.85 }]] },
    ])) as number;
    await r.client.call('account.move', 'action_post', [[invoiced]]);
    await r.exportOnce();
    await until(() => r.sent('mueller-armaturen', 'BGM*380').length === 1, 15_000, 'the INVOIC');
    // The whole invoice credited through Odoo's Credit Note wizard, then posted.
    const wizard = await r.client.create('account.move.reversal', { move_ids: [[6, 0, [invoiced]]], reason: 'wrong customer' });
    await r.client.call('account.move.reversal', 'refund_moves', [[wizard]]);
    const [refund] = await r.client.searchRead('account.move', [['reversed_entry_id', '=', invoiced]], { fields: ['id'] });
    await r.client.call('account.move', 'action_post', [[refund!.id]]);
    await r.exportOnce();
    await until(() => r.sent('mueller-armaturen', 'BGM*381').length === 1, 15_000, 'the credit note');

    const [text] = r.sent('mueller-armaturen', 'BGM*381');
    const bytes = Buffer.from(text!, 'latin1');
    expect(validateBuffer(bytes).errors).toEqual([]);
    const [inv] = await r.client.read('account.move', [invoiced], ['name']);
    const [move] = await r.client.read('account.move', [refund!.id], ['name']);
    expect(bytes.toString('utf8').split('~')).toEqual(expect.arrayContaining([`BGM*381*${String(move!.name)}*9`, `RFF*IV=${String(inv!.name)}`, 'QTY*47=10=PCE']));
  });

  it('an EDIFACT customer gets a credit note as INVOIC 381 referring to the invoice it credits and to their order', async () => {
    r = await rig();
    await setCompany(r.client, 'Valdoria Valvole S.r.l.', VALDORIA);
    r.drop('nordhaven', 'orders.edi', readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi')));
    const order = await confirmedOrder(r, 'PO-2024-0566');
    const invoiced = await invoice(r, order, [[0, 600], [1, 240]], true);
    // A credit note typed by hand: no sale line links, no origin; its order is the credited invoice's.
    const credited = await creditNote(r, order, invoiced, [[1, 40]], false);
    await r.exportOnce();
    await until(() => r.sent('nordhaven', 'BGM+381').length === 1, 15_000, 'the credit note');

    const [text] = r.sent('nordhaven', 'BGM+381');
    expect(validateBuffer(Buffer.from(text!, 'latin1')).errors).toEqual([]);
    const [inv] = await r.client.read('account.move', [invoiced], ['name']);
    const [move] = await r.client.read('account.move', [credited], ['name', 'amount_total']);
    expect(text!.split("'")).toEqual(
      expect.arrayContaining([`BGM+381+${String(move!.name)}+9`, 'RFF+ON:PO-2024-0566', `RFF+IV:${String(inv!.name)}`, 'LIN+2++8034567100018:EN', 'QTY+47:40:PCE', `MOA+77:${String(move!.amount_total)}`]),
    );
    // The invoice went as an invoice.
    expect(r.sent('nordhaven', 'BGM+380')).toHaveLength(1);
  });
});
