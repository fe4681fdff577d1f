/**
 * A customer's change (850 BEG01 04) or cancellation (BEG01 01) of an order it sent: held for a person by
 * default, applied to the sale order with `orderUpdates: apply` unless something delivered or invoiced
 * stands in the way (D29). Real ledger file, dir channels, the Odoo sandbox over JSON-RPC, Northgate.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OdooClient } from '../../src/odoo/client';
import { exportFromOdoo } from '../../src/pipeline/export-all';
import { exportRig, type ExportRig } from '../support/export-rig';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

type Line = [number: number, qty: number, price: number, vendorCode: string, buyerCode: string];

/** Northgate's catalogue lines as the shipped sample orders them. */
const VALVE_12: Line = [1, 120, 18.45, 'BV-050-NPT', '100234'];
const VALVE_34: Line = [2, 60, 27.9, 'BV-075-NPT', '100235'];
const VALVE_112: Line = [3, 24, 54.1, 'BV-150-SWT', '100240'];
const ELBOW: Line = [4, 200, 3.12, 'EL90-050-C', '100311'];

/** One 850 interchange (ISA13 = `icn`) of purpose BEG01 `purpose` for order `number` with `lines`. */
function order850(icn: number, purpose: '00' | '01' | '04' | '05', number: string, lines: Line[]): Buffer {
  const isa = String(icn).padStart(9, '0');
  const body = [`ST*850*0001`, `BEG*${purpose}*SA*${number}**20261120`, 'DTM*002*20261210', ...lines.map(([n, qty, price, vp, bp]) => `PO1*${n}*${qty}*EA*${price}*PE*VP*${vp}*BP*${bp}`), `CTT*${lines.length}`];
  return Buffer.from(
    [
      `ISA*00*          *00*          *ZZ*NORTHGATEIND   *ZZ*BRIGHTWATERVF  *261120*0915*U*00401*${isa}*0*P*>`,
      `GS*PO*NORTHGATEIND*BRIGHTWATERVF*20261120*0915*${icn}*X*004010`,
      ...body,
      `SE*${body.length + 1}*0001`,
      `GE*1*${icn}`,
      `IEA*1*${isa}`,
    ].join('~\n') + '~\n',
    'latin1',
  );
}

/** The gateway over the sandbox with Northgate's `odoo` block replaced (confirming orders, EDI prices) plus `settings`. */
function rig(settings: string, more: (text: string) => string = (text) => text): Promise<ExportRig> {
  return exportRig({
    exports: [exportFromOdoo],
    ready: ['export.since.northgate.sale.order'],
    partnerYaml: { northgate: (text) => more(text.replace(/odoo:\n(?: {2}.*\n)+/, `odoo:\n  partnerRef: NORTHGATE\n  confirmOrders: true\n  priceSource: edi\n${settings}`)) },
  });
}

/** The ledger's documents of an order (original and its updates), oldest first: [purpose-ish business key, state, reason]. */
function documents(r: ExportRig, number: string): Array<{ key: string | null; state: string; reason: string | null }> {
  return r.ledger
    .findByNumber(number, ['northgate'])
    .documents.filter((d) => d.type === 'order')
    .reverse()
    .map((d) => ({ key: d.businessKey, state: d.state, reason: d.reason }));
}

/** Wait until the order's documents are `n` and none is still on its way. */
async function settled(r: ExportRig, number: string, n: number): Promise<void> {
  await until(() => {
    const docs = documents(r, number);
    return docs.length === n && docs.every((d) => !['mapped', 'retry'].includes(d.state));
  }, 20_000, `${n} documents of ${number}`);
}

async function saleOrder(client: OdooClient, number: string): Promise<{ id: number; state: string; lines: Array<[string, number]> }> {
  const [so] = await client.searchRead('sale.order', [['client_order_ref', '=', number]], { fields: ['id', 'state'], order: 'id desc', limit: 1 });
  const lines = await client.searchRead('sale.order.line', [['order_id', '=', so!.id]], { fields: ['product_id', 'product_uom_qty'], order: 'id' });
  return { id: so!.id, state: String(so!.state), lines: lines.map((l) => [String((l.product_id as [number, string])[1]).replace(/^\[([^\]]+)\].*$/, '$1'), Number(l.product_uom_qty)]) };
}

/** Deliver `qty` of the product `code` of the order's open delivery, keeping a backorder for the rest (Odoo's wizard). */
async function deliver(client: OdooClient, number: string, code: string, qty: number): Promise<void> {
  const [picking] = await client.searchRead('stock.picking', [['sale_id.client_order_ref', '=', number], ['state', 'not in', ['done', 'cancel']]], { fields: ['id'] });
  const moves = await client.searchRead('stock.move', [['picking_id', '=', picking!.id]], { fields: ['id', 'product_id'] });
  for (const m of moves) {
    const mine = String((m.product_id as [number, string])[1]).includes(code);
    await client.write('stock.move', [m.id], { quantity: mine ? qty : 0, picked: mine });
  }
  const res = (await client.call('stock.picking', 'button_validate', [[picking!.id]])) as true | { context: Record<string, unknown> };
  if (res === true) return;
  const wizard = await client.create('stock.backorder.confirmation', {}, { context: res.context });
  await client.call('stock.backorder.confirmation', 'process', [[wizard]], { context: res.context });
}

const notes = (r: ExportRig, soId: number): string[] =>
  r.sandbox.data.records('mail.message', [['model', '=', 'sale.order'], ['res_id', '=', soId]]).map((n) => String(n.body));

describe('changes and cancellations of customers\' orders', () => {
  let r: ExportRig;
  afterEach(async () => r && (await r.stop()));

  it('by default (orderUpdates: hold) a change and a cancellation are held for a person, the sale order untouched', async () => {
    r = await rig('');
    r.drop('northgate', 'o.edi', order850(501, '00', 'PO-U1', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U1', 1);
    r.drop('northgate', 'c.edi', order850(502, '04', 'PO-U1', [[1, 150, 18.45, 'BV-050-NPT', '100234'], VALVE_34]));
    r.drop('northgate', 'x.edi', order850(503, '01', 'PO-U1', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U1', 3);
    const docs = documents(r, 'PO-U1');
    expect(docs.map((d) => [d.key, d.state])).toEqual([
      ['PO-U1', 'posted'],
      ['PO-U1/change/000000502/0001', 'held'],
      ['PO-U1/cancel/000000503/0001', 'held'],
    ]);
    expect(docs[1]!.reason).toMatch(/purpose "change" is held for a person to change the sale order \(partner setting orderUpdates: hold\)/);
    const so = await saleOrder(r.client, 'PO-U1');
    expect(so).toMatchObject({ state: 'sale', lines: [['BWV-1001', 120], ['BWV-1002', 60]] });
    // No APERAK or other rejection goes to the customer: nothing was wrong with it.
    expect(r.ledger.messages('outbound').filter((m) => m.messageType !== '997' && m.messageType !== '855')).toEqual([]);
  });

  it('a cancellation is applied when nothing was delivered or invoiced: cancelled through action_cancel, the 855 says so; again: unchanged', async () => {
    r = await rig('  orderUpdates: apply\n', (text) => text.replace('messageType: 855 }', 'messageType: 855, changes: true }'));
    const sent855 = (): string[] => r.sent('northgate', 'ST*855*');
    r.drop('northgate', 'o.edi', order850(511, '00', 'PO-U2', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U2', 1);
    await until(() => sent855().length === 1, 15_000, 'the first 855');
    // The sandbox's clock ticks in seconds: the cancellation is written strictly after the last export's look.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    r.drop('northgate', 'x.edi', order850(512, '01', 'PO-U2', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U2', 2);
    expect(documents(r, 'PO-U2').map((d) => d.state)).toEqual(['posted', 'posted']);
    const so = await saleOrder(r.client, 'PO-U2');
    expect(so.state).toBe('cancel');
    expect(r.sandbox.data.records('stock.picking', [['sale_id', '=', so.id]]).map((p) => p.state)).toEqual(['cancel']);
    expect(notes(r, so.id).some((b) => b.includes('EDI 850 cancel of order PO-U2') && b.includes('order cancelled by the customer'))).toBe(true);
    // The customer hears back that every line is off (D25).
    r.gateway.kickExport();
    await until(() => sent855().length === 2, 15_000, 'the 855 of the cancellation');
    expect(sent855()[1]).toMatch(/BAK\*04\*RD\*PO-U2\*/);
    // The same cancellation again: nothing new in Odoo.
    const writes = r.sandbox.stats.calls['sale.order.action_cancel'];
    r.drop('northgate', 'x2.edi', order850(513, '01', 'PO-U2', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U2', 3);
    const last = r.ledger.findByNumber('PO-U2', ['northgate']).documents[0]!;
    expect(last.state).toBe('posted');
    expect(JSON.parse(last.result!)).toEqual([expect.objectContaining({ model: 'sale.order', id: so.id, action: 'unchanged', notes: ['already cancelled'] })]);
    expect(r.sandbox.stats.calls['sale.order.action_cancel']).toBe(writes);
  });

  /** Accounting invoices 100 of the order's first line before anything ships (a draft: Odoo counts it). */
  async function invoiceFirstLine(client: OdooClient, number: string): Promise<void> {
    const { id: soId } = await saleOrder(client, number);
    const [line] = await client.searchRead('sale.order.line', [['order_id', '=', soId]], { fields: ['id', 'product_id', 'product_uom', 'price_unit'], order: 'id', limit: 1 });
    const m2o = (v: unknown): number => (v as [number, string])[0];
    const [so] = await client.read('sale.order', [soId], ['partner_id']);
    await client.call('account.move', 'create', [
      { move_type: 'out_invoice', partner_id: m2o(so!.partner_id), invoice_line_ids: [[0, 0, { product_id: m2o(line!.product_id), quantity: 100, product_uom_id: m2o(line!.product_uom), price_unit: line!.price_unit, sale_line_ids: [[6, 0, [line!.id]]] }]] },
    ]);
  }

  it.each([
    ['after a partial delivery', 'PO-U3', 521, (client: OdooClient) => deliver(client, 'PO-U3', 'BWV-1002', 40), /line 2 \(\[BWV-1002\][^)]*\): delivered 40 of 60/],
    ['of an order already invoiced (even as a draft invoice)', 'PO-U6', 525, (client: OdooClient) => invoiceFirstLine(client, 'PO-U6'), /line 1 \(\[BWV-1001\][^)]*\): invoiced 100 of 120/],
  ] as const)('a cancellation %s is refused, naming the line and what stands in the way', async (_what, number, icn, standInTheWay, line) => {
    r = await rig('  orderUpdates: apply\n');
    r.drop('northgate', 'o.edi', order850(icn, '00', number, [VALVE_12, VALVE_34]));
    await settled(r, number, 1);
    await standInTheWay(r.client);
    r.drop('northgate', 'x.edi', order850(icn + 1, '01', number, [VALVE_12, VALVE_34]));
    await settled(r, number, 2);
    const [, cancel] = documents(r, number);
    expect(cancel!.state).toBe('dead');
    expect(cancel!.reason).toMatch(new RegExp(`order ${number}: cannot cancel S\\d{5}: ${line.source}; a person must decide`));
    expect((await saleOrder(r.client, number)).state).toBe('sale');
  });

  it('a change is applied in one write: a quantity up, a new line, a line left out to 0, the delivery following; the same change again writes nothing', async () => {
    r = await rig('  orderUpdates: apply\n', (text) => text.replace('messageType: 855 }', 'messageType: 855, changes: true }'));
    const sent855 = (): string[] => r.sent('northgate', 'ST*855*');
    r.drop('northgate', 'o.edi', order850(531, '00', 'PO-U4', [VALVE_12, VALVE_34, VALVE_112]));
    await settled(r, 'PO-U4', 1);
    await until(() => sent855().length === 1, 15_000, 'the first 855');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const before = r.sandbox.stats.calls['sale.order.write'] ?? 0;
    // Line 1 up to 150, line 2 as it was, line 3 left out, line 4 new.
    const change = (icn: number) => order850(icn, '04', 'PO-U4', [[1, 150, 18.45, 'BV-050-NPT', '100234'], VALVE_34, ELBOW]);
    r.drop('northgate', 'c.edi', change(532));
    await settled(r, 'PO-U4', 2);
    expect(documents(r, 'PO-U4').map((d) => d.state)).toEqual(['posted', 'posted']);
    const so = await saleOrder(r.client, 'PO-U4');
    expect(so).toEqual({
      id: so.id,
      state: 'sale',
      lines: [
        ['BWV-1001', 150],
        ['BWV-1002', 60],
        ['BWV-1005', 0],
        ['BWF-2010', 200],
      ],
    });
    expect(r.sandbox.stats.calls['sale.order.write']).toBe(before + 1);
    // The delivery asks for what the order now says.
    const pickings = r.sandbox.data.records('stock.picking', [['sale_id', '=', so.id]]).map((p) => p.id);
    const moves = r.sandbox.data.records('stock.move', [['picking_id', 'in', pickings], ['state', '!=', 'cancel']]).map((m) => [String((m.product_id as [number, string])[1]).slice(1, 9), m.product_uom_qty]);
    expect(moves).toEqual([
      ['BWV-1001', 150],
      ['BWV-1002', 60],
      ['BWF-2010', 200],
    ]);
    const note = notes(r, so.id).find((b) => b.includes('changed by the customer'));
    expect(note).toContain('line 1 ([BWV-1001]');
    expect(note).toMatch(/120 → 150/);
    expect(note).toMatch(/line 3 \(\[BWV-1005\][^)]*\) left out: 24 → 0/);
    expect(note).toMatch(/line 4 \(\[BWF-2010\][^)]*\) added: 200/);
    // The customer's answer follows the order as they now state it: the new line 4 is answered too.
    r.gateway.kickExport();
    await until(() => sent855().length === 2, 15_000, 'the 855 of the change');
    expect(sent855()[1]).toMatch(/BAK\*04\*AD\*PO-U4\*/);
    expect(sent855()[1]).toMatch(/PO1\*1\*[^~]*~\s*ACK\*IA\*150\*EA\*/);
    expect(sent855()[1]).toMatch(/PO1\*4\*[^~]*EL90-050-C~\s*ACK\*IA\*200\*EA\*/);

    // The same change in a new interchange: compared first, nothing written.
    r.drop('northgate', 'c2.edi', change(533));
    await settled(r, 'PO-U4', 3);
    const last = r.ledger.findByNumber('PO-U4', ['northgate']).documents[0]!;
    expect(last.state).toBe('posted');
    expect(JSON.parse(last.result!)).toEqual([expect.objectContaining({ id: so.id, action: 'unchanged' })]);
    expect(r.sandbox.stats.calls['sale.order.write']).toBe(before + 1);
    expect((await saleOrder(r.client, 'PO-U4')).lines).toEqual(so.lines);
  });

  it('a replacement (BEG01 05) restates a booked order and is applied as its change; one of an order never booked is booked as the order', async () => {
    r = await rig('  orderUpdates: apply\n');
    r.drop('northgate', 'o.edi', order850(541, '00', 'PO-U7', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U7', 1);
    r.drop('northgate', 'p.edi', order850(542, '05', 'PO-U7', [[1, 90, 18.45, 'BV-050-NPT', '100234'], VALVE_34]));
    await settled(r, 'PO-U7', 2);
    expect(documents(r, 'PO-U7').map((d) => d.state)).toEqual(['posted', 'posted']);
    expect((await saleOrder(r.client, 'PO-U7')).lines).toEqual([
      ['BWV-1001', 90],
      ['BWV-1002', 60],
    ]);
    // Not a second sale order.
    expect(await r.client.searchRead('sale.order', [['client_order_ref', '=', 'PO-U7']], { fields: ['id'] })).toHaveLength(1);

    r.drop('northgate', 'n.edi', order850(543, '05', 'PO-U8', [VALVE_112]));
    await settled(r, 'PO-U8', 1);
    expect(documents(r, 'PO-U8').map((d) => d.state)).toEqual(['posted']);
    expect(await saleOrder(r.client, 'PO-U8')).toMatchObject({ state: 'sale', lines: [['BWV-1005', 24]] });
  });

  it('an EDIFACT customer\'s cancellation (ORDERS BGM 1225 1) cancels its sale order the same way', async () => {
    r = await exportRig({
      exports: [exportFromOdoo],
      ready: ['export.since.northgate.sale.order'],
      partnerYaml: { nordhaven: (text) => text.replace('  confirmOrders: true\n', '  confirmOrders: true\n  orderUpdates: apply\n') },
    });
    const original = readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi'));
    r.drop('nordhaven', 'o.edi', original);
    await until(() => r.ledger.findByNumber('PO-2024-0566', ['nordhaven']).documents.some((d) => d.state === 'posted'), 20_000, 'the order');
    // The same order again as its cancellation, in an interchange of its own.
    const cancel = Buffer.from(original.toString('latin1').replace("BGM+220+PO-2024-0566+9'", "BGM+220+PO-2024-0566+1'").split('ORD0000566').join('ORD0000567'), 'latin1');
    r.drop('nordhaven', 'x.edi', cancel);
    await until(() => r.ledger.findByNumber('PO-2024-0566', ['nordhaven']).documents.filter((d) => d.state === 'posted').length === 2, 20_000, 'the cancellation');
    const [so] = await r.client.searchRead('sale.order', [['client_order_ref', '=', 'PO-2024-0566']], { fields: ['state'] });
    expect(so!.state).toBe('cancel');
  });

  it('a change below what was delivered is refused as a whole, naming the line; nothing of it is written', async () => {
    r = await rig('  orderUpdates: apply\n');
    r.drop('northgate', 'o.edi', order850(541, '00', 'PO-U5', [VALVE_12, VALVE_34]));
    await settled(r, 'PO-U5', 1);
    await deliver(r.client, 'PO-U5', 'BWV-1002', 40);
    const before = r.sandbox.stats.calls['sale.order.write'] ?? 0;
    // Line 1 up (fine on its own), line 2 down to 30 of which 40 went out: the whole change is refused.
    r.drop('northgate', 'c.edi', order850(542, '04', 'PO-U5', [[1, 150, 18.45, 'BV-050-NPT', '100234'], [2, 30, 27.9, 'BV-075-NPT', '100235']]));
    await settled(r, 'PO-U5', 2);
    const [, change] = documents(r, 'PO-U5');
    expect(change!.state).toBe('dead');
    expect(change!.reason).toMatch(/order PO-U5: cannot change S\d{5}: line 2 \(\[BWV-1002\][^)]*\): 30 asked, but 40 delivered and 0 invoiced; a person must decide/);
    expect(r.sandbox.stats.calls['sale.order.write'] ?? 0).toBe(before);
    expect((await saleOrder(r.client, 'PO-U5')).lines).toEqual([
      ['BWV-1001', 120],
      ['BWV-1002', 60],
    ]);
  });

  it('a change of an order the gateway never booked is refused with a clear reason', async () => {
    r = await rig('  orderUpdates: apply\n');
    r.drop('northgate', 'c.edi', order850(551, '04', 'PO-U6', [VALVE_12]));
    await settled(r, 'PO-U6', 1);
    expect(documents(r, 'PO-U6')[0]!.reason).toMatch(/order PO-U6: no sale order of .* carries customer reference PO-U6, so its change cannot be applied/);
  });
});
