/**
 * The sandbox prices lines as Odoo 17, 18 and 19 do, over real HTTP: a line's default price is the
 * product's in the line's unit (a case of 12 costs 12 units), customer documents take the sales price,
 * the customer taxes and the income account while vendor ones take the cost, the vendor taxes and the
 * expense account, and a fixed tax is an amount per unit, not a percentage.
 */
import type { OdooClient, OdooProtocol } from '../../src/odoo';
import { startSandbox, type SandboxHandle } from '../../src/odoo/sandbox';
import { API_KEY, client, DB, LOGIN, PASSWORD } from './helpers';

const VERSIONS: Array<{ serverVersion: string; major: number; protocol: OdooProtocol }> = [
  { serverVersion: '17.0', major: 17, protocol: 'jsonrpc' },
  { serverVersion: '18.0-20250702', major: 18, protocol: 'xmlrpc' },
  { serverVersion: '19.0', major: 19, protocol: 'json2' },
];

// Seeded records (seed.yaml): units, products, taxes, accounts.
const UNITS = 1;
const DOZENS = 2;
const CASE_OF_12 = 14;
const BOX_OF_100 = 15;
const CHAIR = 5; // lst_price 120.5, standard_price 79.8
const VALVE = 60; // lst_price 18.45, standard_price 11.2
const TAPE = 65; // lst_price 3.46 a roll
const HEX_NUT = 82; // standard_price 0.124 a unit, bought by the box of 100 (its uom_po_id, 17/18)
const SALES_TAX = 1;
const PURCHASE_TAX = 2;
const INCOME = [21, '400000 Product Sales'];
const EXPENSE = [33, '600000 Expenses'];
const CUSTOMER = 30;
const VENDOR = 36;

const id = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

describe.each(VERSIONS)('Odoo $serverVersion: line prices, taxes and accounts', ({ serverVersion, major, protocol }) => {
  let sb: SandboxHandle;
  let c: OdooClient;
  // the line unit's and taxes' names in this version (versions.ts): product_uom_id and tax_ids from 19
  const uom = major >= 19 ? 'product_uom_id' : 'product_uom';
  const saleTaxes = major >= 19 ? 'tax_ids' : 'tax_id';
  const purchaseTaxes = major >= 19 ? 'tax_ids' : 'taxes_id';

  beforeAll(async () => {
    sb = await startSandbox({ apiKey: API_KEY, password: PASSWORD, login: LOGIN, db: DB, host: '127.0.0.1', port: 0, serverVersion });
    c = client(sb, protocol);
  });
  afterAll(async () => {
    await sb.close();
  });

  async function saleLines(lines: Array<Record<string, unknown>>): Promise<{ order: Record<string, unknown>; lines: Array<Record<string, unknown>> }> {
    const so = await c.create('sale.order', { partner_id: CUSTOMER, order_line: lines.map((l) => [0, 0, l]) });
    const [order] = await c.read('sale.order', [so], ['amount_untaxed', 'amount_tax', 'amount_total', 'order_line']);
    const read = await c.read('sale.order.line', order!.order_line as number[], [uom, 'price_unit', saleTaxes, 'price_subtotal', 'price_total']);
    return { order: order!, lines: read };
  }

  async function moveLines(moveType: string, lines: Array<Record<string, unknown>>): Promise<{ move: Record<string, unknown>; lines: Array<Record<string, unknown>> }> {
    const partner = moveType.startsWith('in_') ? VENDOR : CUSTOMER;
    const mv = await c.create('account.move', { move_type: moveType, partner_id: partner, invoice_line_ids: lines.map((l) => [0, 0, l]) });
    const [move] = await c.read('account.move', [mv], ['amount_untaxed', 'amount_tax', 'amount_total', 'invoice_line_ids']);
    const read = await c.read('account.move.line', move!.invoice_line_ids as number[], ['product_uom_id', 'price_unit', 'tax_ids', 'account_id']);
    return { move: move!, lines: read };
  }

  test('a sale line without a price gets the list price in its own unit; a price sent is kept', async () => {
    const { lines } = await saleLines([
      { product_id: TAPE, product_uom_qty: 36 },
      { product_id: TAPE, product_uom_qty: 3, [uom]: CASE_OF_12 },
      { product_id: TAPE, product_uom_qty: 3, [uom]: DOZENS },
      { product_id: TAPE, product_uom_qty: 3, [uom]: CASE_OF_12, price_unit: 41.5 },
    ]);
    expect(lines.map((l) => [id(l[uom]), l.price_unit])).toEqual([
      [UNITS, 3.46],
      [CASE_OF_12, 41.52],
      [DOZENS, 41.52],
      [CASE_OF_12, 41.5],
    ]);
  });

  test("a purchase line without a price gets the cost in its own unit, by default the product's purchase unit (19: its unit)", async () => {
    const po = await c.create('purchase.order', {
      partner_id: VENDOR,
      order_line: [
        [0, 0, { product_id: HEX_NUT, product_qty: 5 }],
        [0, 0, { product_id: HEX_NUT, product_qty: 500, [uom]: UNITS }],
        [0, 0, { product_id: CHAIR, product_qty: 1, [uom]: DOZENS }],
      ],
    });
    const [order] = await c.read('purchase.order', [po], ['order_line', 'amount_tax']);
    const lines = await c.read('purchase.order.line', order!.order_line as number[], [uom, 'price_unit', purchaseTaxes]);
    // 19 has no product purchase unit (uom_po_id): the line takes the product's unit, a vendor's own
    // unit coming from a vendor pricelist, which the sandbox has none of
    expect(lines.map((l) => [id(l[uom]), l.price_unit, l[purchaseTaxes]])).toEqual([
      major >= 19 ? [UNITS, 0.124, []] : [BOX_OF_100, 12.4, []],
      [UNITS, 0.124, []],
      [DOZENS, 957.6, []],
    ]);
    // the vendor taxes of the product, when it has some
    await c.write('product.product', [CHAIR], { supplier_taxes_id: [[6, 0, [PURCHASE_TAX]]] });
    try {
      const po2 = await c.create('purchase.order', { partner_id: VENDOR, order_line: [[0, 0, { product_id: CHAIR, product_qty: 2 }]] });
      const [o2] = await c.read('purchase.order', [po2], ['order_line', 'amount_untaxed', 'amount_tax', 'amount_total']);
      const [l2] = await c.read('purchase.order.line', o2!.order_line as number[], [purchaseTaxes]);
      expect(l2![purchaseTaxes]).toEqual([PURCHASE_TAX]);
      expect([o2!.amount_untaxed, o2!.amount_tax, o2!.amount_total]).toEqual([159.6, 23.94, 183.54]);
    } finally {
      await c.write('product.product', [CHAIR], { supplier_taxes_id: [[6, 0, []]] });
    }
  });

  test('customer invoice and credit note lines: sales price in the line unit, customer taxes, income account', async () => {
    for (const moveType of ['out_invoice', 'out_refund']) {
      const { move, lines } = await moveLines(moveType, [
        { product_id: TAPE, quantity: 3, product_uom_id: CASE_OF_12 },
        { product_id: VALVE, quantity: 10 },
      ]);
      expect(lines.map((l) => [id(l.product_uom_id), l.price_unit, l.tax_ids, l.account_id])).toEqual([
        [CASE_OF_12, 41.52, [SALES_TAX], INCOME],
        [UNITS, 18.45, [SALES_TAX], INCOME],
      ]);
      // 3 × 41.52 + 10 × 18.45 = 309.06, and 15 %
      expect([move.amount_untaxed, move.amount_tax, move.amount_total]).toEqual([309.06, 46.36, 355.42]);
    }
  });

  test('vendor bill lines: cost, vendor taxes, expense account', async () => {
    const { move, lines } = await moveLines('in_invoice', [
      { product_id: CHAIR, quantity: 2 },
      { product_id: HEX_NUT, quantity: 3, product_uom_id: BOX_OF_100 },
    ]);
    expect(lines.map((l) => [l.price_unit, l.tax_ids, l.account_id])).toEqual([
      [79.8, [], EXPENSE],
      [12.4, [], EXPENSE],
    ]);
    expect(move.amount_total).toBe(196.8);
  });

  test("the product's own accounts come first; taxes of another company are left out", async () => {
    const other = await c.create('res.company', { name: 'Other Company', country_id: 75 });
    const foreignTax = await c.create('account.tax', { name: '20% (other)', amount: 20, type_tax_use: 'sale', company_id: other });
    const income = await c.create('account.account', { code: '400100', name: 'Service Sales', account_type: 'income' });
    const product = await c.create('product.product', { name: 'Site Survey', lst_price: 200, standard_price: 120, property_account_income_id: income, taxes_id: [[6, 0, [SALES_TAX, foreignTax]]] });
    const { lines: sale } = await saleLines([{ product_id: product }]);
    expect(sale[0]![saleTaxes]).toEqual([SALES_TAX]);
    const { lines: inv } = await moveLines('out_invoice', [{ product_id: product }]);
    expect(inv.map((l) => [l.price_unit, l.tax_ids, l.account_id])).toEqual([[200, [SALES_TAX], [income, '400100 Service Sales']]]);
    // and a product without customer taxes gets none, on the order and the invoice
    const untaxed = await c.create('product.product', { name: 'Untaxed Item', lst_price: 5, taxes_id: [[6, 0, []]] });
    expect((await saleLines([{ product_id: untaxed }])).lines[0]![saleTaxes]).toEqual([]);
    expect((await moveLines('out_invoice', [{ product_id: untaxed }])).lines[0]!.tax_ids).toEqual([]);
  });

  test('a fixed tax is its amount per unit (signed as the line), beside a percentage on the net amount', async () => {
    const fee = await c.create('account.tax', { name: 'Recycling fee 0.50', amount_type: 'fixed', amount: 0.5, type_tax_use: 'sale' });
    // 4 × 18.45 = 73.80: 15 % is 11.07, the fee 4 × 0.50 = 2.00
    const { order, lines } = await saleLines([{ product_id: VALVE, product_uom_qty: 4, [saleTaxes]: [[6, 0, [SALES_TAX, fee]]] }]);
    expect([lines[0]!.price_subtotal, lines[0]!.price_total]).toEqual([73.8, 86.87]);
    expect([order.amount_untaxed, order.amount_tax, order.amount_total]).toEqual([73.8, 13.07, 86.87]);

    const po = await c.create('purchase.order', { partner_id: VENDOR, order_line: [[0, 0, { product_id: CHAIR, product_qty: 3, price_unit: 80, [purchaseTaxes]: [[6, 0, [fee]]] }]] });
    const [purchase] = await c.read('purchase.order', [po], ['amount_untaxed', 'amount_tax', 'amount_total']);
    expect([purchase!.amount_untaxed, purchase!.amount_tax, purchase!.amount_total]).toEqual([240, 1.5, 241.5]);

    // a line taken back (negative quantity) takes its fee back; per unit of the line's own unit (a case)
    const { move } = await moveLines('out_invoice', [
      { product_id: TAPE, quantity: 5, product_uom_id: CASE_OF_12, tax_ids: [[6, 0, [fee]]] },
      { product_id: TAPE, quantity: -2, product_uom_id: CASE_OF_12, tax_ids: [[6, 0, [fee]]] },
    ]);
    expect([move.amount_untaxed, move.amount_tax, move.amount_total]).toEqual([124.56, 1.5, 126.06]);
  });
});
