/**
 * The sales side: a customer's EDI order booked in Odoo is answered with an 855 once sales confirms or
 * cancels it, exactly once, each line by the customer's own line number, with what Odoo changed. Real
 * ledger file, dir channels, the Odoo sandbox over JSON-RPC.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateBuffer } from '../../src/edi/validate';
import { exportFromOdoo } from '../../src/pipeline/export-all';
import { exportRig, type ExportRig } from '../support/export-rig';
import { northgateOrders } from '../support/orders';
import { until } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** A gateway exporting from the sandbox; Northgate's partner.yaml with `odoo` settings replaced (and `more` edits). */
function rig(odoo: string, more: (text: string) => string = (text) => text): Promise<ExportRig> {
  return exportRig({
    exports: [exportFromOdoo],
    ready: ['export.since.northgate.sale.order'],
    partnerYaml: { northgate: (text) => more(text.replace(/odoo:\n(?: {2}.*\n)+/, `odoo:\n${odoo}`)) },
  });
}

/** Northgate's 855s in its outbound folder, in file-name order (their control numbers). */
const sent855 = (r: ExportRig): string[] => r.sent('northgate', 'ST*855*');

/** The PO1/ACK pairs of an 855: [line number, ACK01, quantity, unit]. */
function answers(text: string): string[][] {
  return [...text.matchAll(/PO1\*([^*~]*)\*[^~]*~\s*ACK\*([^*~]*)\*([^*~]*)\*([^*~]*)/g)].map((m) => [m[1], m[2], m[3], m[4]]);
}

describe('order responses to customers', () => {
  let r: ExportRig;
  afterEach(async () => r && (await r.stop()));

  it('a confirmed order is answered with an 855 at once, line by line, exactly once, and findable by the order number', async () => {
    r = await rig('  partnerRef: NORTHGATE\n  confirmOrders: true\n  priceSource: edi\n');
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 900, count: 2 }));
    await until(() => sent855(r).length === 2 && r.ledger.messages('outbound', ['sent']).filter((m) => m.messageType === '855').length === 2, 20_000, 'two 855s');
    for (const [i, text] of sent855(r).entries()) {
      expect(validateBuffer(Buffer.from(text, 'latin1')).errors).toEqual([]);
      // Accepted as sent: every line of the customer's order, by its own number, in its own unit.
      expect(text).toMatch(new RegExp(`BAK\\*00\\*AD\\*PO-900-${i}\\*\\d{8}\\*{4}S\\d{5}\\*\\d{8}~`));
      expect(answers(text)).toEqual([
        ['1', 'IA', '120', 'EA'],
        ['2', 'IA', '60', 'EA'],
        ['3', 'IA', '24', 'EA'],
        ['4', 'IA', '200', 'EA'],
        ['5', 'IA', '500', 'EA'],
        ['6', 'IA', '36', 'CA'],
      ]);
      expect(text).toMatch(/PO1\*1\*\*\*18\.45\*\*BP\*100234\*VP\*BV-050-NPT~/);
    }
    // The customer owes a 997 for each, and the dashboard's Find shows it beside their order.
    const found = r.ledger.findByNumber('PO-900-1', ['northgate']);
    expect(found.messages.map((m) => m.messageType)).toEqual(['855']);
    expect(found.documents.map((d) => d.type)).toEqual(['order']);
    expect(r.ledger.expectedAckList().filter((a) => a.messageType === '855')).toHaveLength(2);
    // Sales sees it on the sale order.
    const notes = () => r.sandbox.data.records('mail.message', [['model', '=', 'sale.order']]).map((n) => String(n.body)).filter((b) => b.includes('EDI 855 queued for Northgate'));
    await until(() => notes().length === 2);
    // Another run sends nothing again.
    await r.exportOnce();
    expect(sent855(r)).toHaveLength(2);
  });

  it('an EDIFACT customer gets an ORDRSP: accepted lines by their own numbers, each at the date it asked for', async () => {
    r = await rig('  partnerRef: NORTHGATE\n  confirmOrders: true\n  priceSource: edi\n');
    r.drop('nordhaven', 'orders.edi', readFileSync(join(ROOT, 'fixtures', 'nordhaven', 'ORDERS-unoc-two-deliveries.edi')));
    const ordrsp = () => r.sent('nordhaven', 'ORDRSP:D:96A');
    await until(() => ordrsp().length === 1, 20_000, 'the ORDRSP');
    const bytes = Buffer.from(ordrsp()[0]!, 'latin1');
    expect(validateBuffer(bytes).errors).toEqual([]);
    const segments = bytes.toString('latin1').split("'").map((x) => x.trim());
    expect(segments).toEqual(expect.arrayContaining(['RFF+ON:PO-2024-0566', 'LIN+1+5+8034567100049:EN', 'LIN+2+5+8034567100018:EN', 'DTM+2:20240923:102', 'DTM+2:20241007:102']));
    expect(segments.find((x) => x.startsWith('BGM'))).toMatch(/^BGM\+231\+S\d{5}\+29$/);
  });

  it('a quotation is answered only when sales confirms it, with the changes; a cancelled one is rejected', async () => {
    r = await rig('  partnerRef: NORTHGATE\n  confirmOrders: false\n  priceSource: edi\n');
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 910, count: 2 }));
    await until(() => (r.ledger.counts().documents.posted ?? 0) === 2, 20_000, 'two quotations');
    await r.exportOnce();
    expect(sent855(r)).toEqual([]);

    const [first, second] = await r.client.searchRead('sale.order', [['client_order_ref', 'in', ['PO-910-0', 'PO-910-1']]], { fields: ['id', 'client_order_ref', 'order_line', 'state'], order: 'client_order_ref' });
    expect([first.state, second.state]).toEqual(['draft', 'draft']);
    // Sales can ship 100 of the first line, not 120, and drops the fourth line; then confirms.
    const lines = first.order_line as number[];
    await r.client.write('sale.order.line', [lines[0]], { product_uom_qty: 100 });
    await r.client.call('sale.order.line', 'unlink', [[lines[3]]]);
    await r.client.call('sale.order', 'action_confirm', [[first.id]]);
    await r.client.call('sale.order', 'action_cancel', [[second.id]]);
    r.gateway.kickExport();
    await until(() => sent855(r).length === 2, 15_000, 'two 855s');
    // Found by their order numbers: they go out in the order of their dates, not of the steps above.
    const changed = sent855(r).find((t) => t.includes('*PO-910-0*')) ?? '';
    const cancelled = sent855(r).find((t) => t.includes('*PO-910-1*')) ?? '';
    expect(changed).toMatch(/BAK\*00\*AC\*PO-910-0\*/);
    expect(answers(changed)).toEqual([
      ['1', 'IC', '100', 'EA'],
      ['2', 'IA', '60', 'EA'],
      ['3', 'IA', '24', 'EA'],
      ['4', 'ID', '0', 'EA'],
      ['5', 'IA', '500', 'EA'],
      ['6', 'IA', '36', 'CA'],
    ]);
    expect(cancelled).toMatch(/BAK\*00\*RD\*PO-910-1\*/);
    expect(answers(cancelled).map((a) => [a[1], a[2]])).toEqual(Array.from({ length: 6 }, () => ['ID', '0']));
    for (const text of [changed, cancelled]) expect(validateBuffer(Buffer.from(text, 'latin1')).errors).toEqual([]);
  });

  it('a sale order keyed in by hand, with the customer\'s reference, gets no 855 and no 810: only orders that came by EDI are answered', async () => {
    r = await rig('  partnerRef: NORTHGATE\n  confirmOrders: true\n  priceSource: edi\n');
    // Sales types in a phone order of Northgate's, with their order number, confirms and invoices it.
    const so = await r.client.create('sale.order', { partner_id: 30, client_order_ref: 'PHONE-0042', order_line: [[0, 0, { product_id: 60, product_uom_qty: 5 }]] });
    await r.client.call('sale.order', 'action_confirm', [[so]]);
    const [line] = await r.client.searchRead('sale.order.line', [['order_id', '=', so]], { fields: ['id', 'price_unit'] });
    const move = (await r.client.call('account.move', 'create', [
      { move_type: 'out_invoice', partner_id: 30, invoice_date: new Date().toISOString().slice(0, 10), invoice_line_ids: [[0, 0, { product_id: 60, quantity: 5, price_unit: line!.price_unit, sale_line_ids: [[6, 0, [line!.id]]] }]] },
    ])) as number;
    await r.client.call('account.move', 'action_post', [[move]]);
    // And an order that does come by EDI in the same minutes: answered, so the runs did run.
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 920, count: 1 }));
    await until(() => sent855(r).length === 1, 20_000, 'the 855 of the EDI order');
    await r.exportOnce();
    expect(sent855(r)[0]).toMatch(/BAK\*00\*A\w\*PO-920-0\*/);
    expect(r.sent('northgate', 'PHONE-0042')).toEqual([]);
    expect(r.ledger.messages('outbound').filter((m) => m.source === 'PHONE-0042')).toEqual([]);
    // Not a failure either: nothing waits for a person.
    expect(r.ledger.exportFailures()).toEqual([]);
  });

  it('with changes: true, an order changed or cancelled after its 855 is answered again (BAK01 04), once per change; an unchanged one is not', async () => {
    r = await rig('  partnerRef: NORTHGATE\n  confirmOrders: true\n  priceSource: edi\n', (text) => text.replace('messageType: 855 }', 'messageType: 855, changes: true }'));
    r.drop('northgate', 'orders.edi', northgateOrders({ icn: 940, count: 1 }));
    await until(() => sent855(r).length === 1, 20_000, 'the first 855');
    expect(sent855(r)[0]).toMatch(/BAK\*00\*AD\*PO-940-0\*/);
    // Runs over an order nobody touched send nothing.
    await r.exportOnce();
    await r.exportOnce();
    expect(sent855(r)).toHaveLength(1);

    const [so] = await r.client.searchRead('sale.order', [['client_order_ref', '=', 'PO-940-0']], { fields: ['id', 'order_line'] });
    // The sandbox's clock ticks in seconds: the change is written strictly after the last run's look.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await r.client.write('sale.order.line', [(so!.order_line as number[])[0]!], { product_uom_qty: 100 });
    await r.exportOnce();
    await until(() => sent855(r).length === 2, 15_000, 'the changed 855');
    const changed = sent855(r)[1]!;
    expect(changed).toMatch(/BAK\*04\*AC\*PO-940-0\*/);
    expect(answers(changed)[0]).toEqual(['1', 'IC', '100', 'EA']);
    expect(validateBuffer(Buffer.from(changed, 'latin1')).errors).toEqual([]);
    await r.exportOnce();
    expect(sent855(r)).toHaveLength(2);

    // Cancelled later: the customer is told every line is off.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // As the cancel wizard's button does it (a confirmed order otherwise answers the wizard).
    await r.client.call('sale.order', 'action_cancel', [[so!.id]], { context: { disable_cancel_warning: true } });
    await r.exportOnce();
    await until(() => sent855(r).length === 3, 15_000, 'the 855 of the cancellation');
    const cancelled = sent855(r)[2]!;
    expect(cancelled).toMatch(/BAK\*04\*RD\*PO-940-0\*/);
    expect(answers(cancelled).every((a) => a[1] === 'ID' && a[2] === '0')).toBe(true);
    await r.exportOnce();
    expect(sent855(r)).toHaveLength(3);
    // All three answers are found by the order number, each with its 997 expected.
    expect(r.ledger.findByNumber('PO-940-0', ['northgate']).messages.filter((m) => m.messageType === '855')).toHaveLength(3);
    expect(r.ledger.exportFailures()).toEqual([]);
  });
});
