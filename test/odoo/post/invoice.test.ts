/** Invoice → vendor bill (account.move in_invoice), against the sandbox over JSON-RPC. */
import { OdooUnavailableError } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { BusinessError, postDocument, postInvoice } from '../../../src/odoo/post';
import { context, invoice, rejection, rerun, sandbox } from './helpers';

const WOOD = { partnerRef: 'SUP-WOOD' };
const bills = (sb: SandboxHandle) => sb.data.count('account.move', [['move_type', '=', 'in_invoice']]);

describe('postInvoice', () => {
  let sb: SandboxHandle;
  beforeEach(async () => {
    sb = await sandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  test('creates a draft bill with lines linked to the PO lines; a re-post creates nothing', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const result = await postDocument(invoice(), ctx);
    expect(result).toEqual([expect.objectContaining({ model: 'account.move', created: true, action: 'created' })]);
    const bill = sb.data.record('account.move', result[0]!.id)!;
    expect(bill).toMatchObject({ move_type: 'in_invoice', state: 'draft', ref: 'INV-WC-2026-001', invoice_date: '2026-11-26', partner_id: [20, 'Wood Corner'], invoice_origin: 'P00001', amount_total: 3026.5 });
    const lines = sb.data.records('account.move.line', [['move_id', '=', bill.id]]);
    expect(lines.map((l) => [(l.product_id as [number])[0], l.quantity, l.price_unit, (l.purchase_line_id as [number])[0]])).toEqual([
      [5, 15, 79.8, 1],
      [32, 5, 286.7, 2],
      [33, 4, 99, 3],
    ]);
    expect(sb.data.records('purchase.order.line', [['order_id', '=', 1]]).map((l) => l.qty_invoiced)).toEqual([15, 5, 4]);
    expect(result[0]!.notes).toContain('left in draft (postInvoices is off)');

    const again = await postInvoice(invoice(), rerun(ctx));
    expect(again).toEqual([expect.objectContaining({ id: bill.id, created: false, action: 'unchanged' })]);
    expect(bills(sb)).toBe(1);
    expect(sb.data.count('account.move.line')).toBe(3);
  });

  test('postInvoices: posted once; a draft from an earlier run is posted by the re-post, a posted one is left alone', async () => {
    const draft = await postInvoice(invoice(), context(sb, 'jsonrpc', WOOD));
    const id = draft[0]!.id;
    const posting = context(sb, 'jsonrpc', { ...WOOD, postInvoices: true });
    const posted = await postInvoice(invoice(), posting);
    expect(posted).toEqual([expect.objectContaining({ id, action: 'updated', name: 'BILL/2026/11/0001' })]);
    expect(sb.data.record('account.move', id)).toMatchObject({ state: 'posted', name: 'BILL/2026/11/0001' });
    const again = await postInvoice(invoice(), rerun(posting));
    expect(again).toEqual([expect.objectContaining({ id, action: 'unchanged' })]);

    const fresh = await postInvoice(invoice({ invoiceNumber: 'INV-WC-2026-002', orderNumber: undefined, lines: [{ lineNumber: '1', quantity: 1, uom: 'EA', unitPrice: 10, itemIds: { buyer: 'FURN_7800' } }], totalAmount: 10 }), posting);
    expect(fresh[0]).toMatchObject({ created: true, name: 'BILL/2026/11/0002' });
    expect(sb.data.record('account.move', fresh[0]!.id)).toMatchObject({ state: 'posted', invoice_origin: false });
    expect(sb.data.records('account.move.line', [['move_id', '=', fresh[0]!.id]])[0]!.purchase_line_id).toBe(false);
  });

  test('the same invoice number with different content is refused as a duplicate supplier invoice', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    await postInvoice(invoice(), ctx);
    const changed = invoice({ lines: [{ lineNumber: '1', quantity: 10, uom: 'EA', unitPrice: 79.8, itemIds: { buyer: 'FURN_7777' } }], totalAmount: 798 });
    const err = await rejection(postInvoice(changed, rerun(ctx)));
    expect(err).toBeInstanceOf(BusinessError);
    expect(err).toMatchObject({ code: 'duplicate_supplier_invoice', retryable: false });
    expect(err.message).toContain('duplicate supplier invoice');
    expect(err.message).toContain('INV-WC-2026-001');
    const otherDate = await rejection(postInvoice(invoice({ invoiceDate: '2026-11-27' }), rerun(ctx)));
    expect(otherDate.message).toContain('date 2026-11-26 in Odoo, 2026-11-27 in the EDI');
    expect(bills(sb)).toBe(1);
  });

  test('a supplier credit note (810 BIG07 CR, INVOIC 381) is a vendor credit note reversing their bill, not a bill; once; no more than was billed', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const [bill] = await postInvoice(invoice(), ctx);
    // 5 of the 15 chairs of line 1 went back.
    const note = invoice({ invoiceType: 'credit_note', invoiceNumber: 'CN-WC-2026-004', creditedInvoiceNumber: 'INV-WC-2026-001', lines: [{ lineNumber: '1', quantity: 5, uom: 'EA', unitPrice: 79.8, itemIds: { buyer: 'FURN_7777' } }], totalAmount: 399 });
    const result = await postDocument(note, rerun(ctx));
    expect(result).toEqual([expect.objectContaining({ model: 'account.move', created: true, action: 'created' })]);
    expect(result[0]!.notes).toContain(`reverses Draft Bill (* ${bill!.id})`);
    const refund = sb.data.record('account.move', result[0]!.id)!;
    expect(refund).toMatchObject({ move_type: 'in_refund', state: 'draft', ref: 'CN-WC-2026-004', invoice_origin: 'P00001', reversed_entry_id: [bill!.id, expect.any(String)], amount_total: 399 });
    expect(sb.data.records('account.move.line', [['move_id', '=', refund.id]]).map((l) => [l.quantity, l.price_unit, (l.purchase_line_id as [number])[0]])).toEqual([[5, 79.8, 1]]);
    // Odoo counts it against the bill: 10 chairs billed now.
    expect(sb.data.records('purchase.order.line', [['order_id', '=', 1]]).map((l) => l.qty_invoiced)).toEqual([10, 5, 4]);
    expect(bills(sb)).toBe(1);

    // Again: the same credit note, nothing new.
    expect(await postInvoice(note, rerun(ctx))).toEqual([expect.objectContaining({ id: refund.id, action: 'unchanged' })]);
    // Crediting more than is billed is refused.
    const over = await rejection(postInvoice(invoice({ ...note, invoiceNumber: 'CN-WC-2026-005', lines: [{ lineNumber: '1', quantity: 11, uom: 'EA', unitPrice: 79.8 }], totalAmount: 877.8 }), rerun(ctx)));
    expect(over).toMatchObject({ code: 'quantity_over_tolerance' });
    expect(over.message).toContain('credited 11, billed 10 on P00001: more than was billed');
    // A negative credit note is refused: the type says it is a credit.
    const negative = await rejection(postInvoice(invoice({ ...note, invoiceNumber: 'CN-WC-2026-006', totalAmount: -399 }), rerun(ctx)));
    expect(negative.message).toBe('credit note CN-WC-2026-006: total -399 is negative, where a credit note states the credit positive');
    expect(sb.data.count('account.move', [['move_type', '=', 'in_refund']])).toBe(1);
  });

  test('PO not found, unknown product and over-invoicing are BusinessErrors; nothing is created', async () => {
    const ctx = context(sb, 'jsonrpc', WOOD);
    const noPo = await rejection(postInvoice(invoice({ orderNumber: 'P00999' }), ctx));
    expect(noPo).toMatchObject({ code: 'po_not_found' });
    expect(noPo.message).toBe('invoice INV-WC-2026-001: purchase order P00999 is not a purchase order of Wood Corner in Odoo');

    const unknown = await rejection(postInvoice(invoice({ orderNumber: undefined, lines: [{ lineNumber: '4', quantity: 1, uom: 'EA', unitPrice: 1, itemIds: { buyer: 'X-404', upc: '036000291452' } }], totalAmount: 1 }), ctx));
    expect(unknown).toMatchObject({ code: 'unknown_product' });
    expect(unknown.message).toBe('invoice INV-WC-2026-001 line 1 (IT1 position 4): buyer item X-404 / UPC 036000291452 is not a product in Odoo (looked up by internalReference, barcode, partnerCode)');

    const over = await rejection(postInvoice(invoice({ lines: [{ lineNumber: '1', quantity: 16, uom: 'EA', unitPrice: 79.8 }], totalAmount: 1276.8 }), ctx));
    expect(over).toMatchObject({ code: 'quantity_over_tolerance' });
    expect(over.message).toContain('[FURN_7777] Office Chair invoiced 16, ordered 15 on P00001');
    expect(bills(sb)).toBe(0);

    const within = await postInvoice(invoice({ lines: [{ lineNumber: '1', quantity: 16, uom: 'EA', unitPrice: 79.8 }], totalAmount: 1276.8 }), context(sb, 'jsonrpc', { ...WOOD, quantityTolerancePercent: 10 }));
    expect(within[0]).toMatchObject({ created: true });
  });

  test('a 503 is retryable; the retry creates one bill', async () => {
    const ctx = context(sb, 'jsonrpc', { ...WOOD, postInvoices: true });
    sb.faults.fail5xx({ status: 503, times: 1 });
    const err = await rejection(postInvoice(invoice(), ctx));
    expect(err).toBeInstanceOf(OdooUnavailableError);
    expect(err).toMatchObject({ retryable: true });
    await postInvoice(invoice(), rerun(ctx));
    await postInvoice(invoice(), rerun(ctx));
    expect(bills(sb)).toBe(1);
    expect(sb.data.records('account.move', [['move_type', '=', 'in_invoice']])[0]!.state).toBe('posted');
  });
});
