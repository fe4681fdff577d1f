/**
 * Invoices to customers: a customer invoice posted in Odoo for a partner that receives invoices
 * (`documents: [{type: invoice, direction: outbound}]`, 810 or INVOIC) is sent once, its lines answering
 * the customer's order lines as they sent them (the order from the ledger), and named by the customer's
 * order number so the dashboard's Find shows it beside their order. A posted credit note (out_refund)
 * goes the same way as the same message type, marked a credit note (810 BIG07 CR, INVOIC BGM 381; D30).
 */
import { customerInvoiceAsInvoice, invoicedSaleOrder, postedCustomerCreditNotes, postedCustomerInvoices, type PostedCustomerInvoice } from '../odoo/pull/customer-invoice';
import { exportKind, orderToAnswer, type ExportDeps, type ExportKind } from './export';

/** How a kind of `what` (invoice, credit note) builds its canonical document, or says why the partner does not get it (D21: the order's EDI origin, or `orders: all`). */
function buildCustomerMove(what: string): ExportKind<PostedCustomerInvoice>['build'] {
  return async (ctx, move, partner, envelope, ledger) => {
    const so = await invoicedSaleOrder(ctx, move.id);
    const about = orderToAnswer(ledger, partner, 'invoice', so?.ref || undefined, `${what} ${move.name}`);
    return 'skip' in about ? about : customerInvoiceAsInvoice(ctx, move.id, about.order, partner.id, envelope);
  };
}

/** The customer looks for their order number; an invoice of no order goes by its own. */
const nameOf: ExportKind<PostedCustomerInvoice>['name'] = (move, doc) => (doc.type === 'invoice' ? (doc.orderNumber ?? doc.invoiceNumber) : move.name);

/** Customers' posted invoices → 810 / INVOIC to the customer. */
export const INVOICES: ExportKind<PostedCustomerInvoice> = {
  source: 'odoo:account.move',
  docType: 'invoice',
  model: 'account.move',
  sinceKey: (partnerId) => `export.since.${partnerId}.account.move`,
  what: 'invoice',
  list: postedCustomerInvoices,
  build: buildCustomerMove('invoice'),
  name: nameOf,
};

/**
 * Customers' posted credit notes → 810 / INVOIC as a credit note, to the partners that get invoices: its
 * own key space, cursor and first run, so the invoices' cursor is not disturbed and a credit note and an
 * invoice of the same id space never shadow each other.
 */
export const CREDIT_NOTES: ExportKind<PostedCustomerInvoice> = {
  source: 'odoo:account.move.refund',
  docType: 'invoice',
  model: 'account.move',
  sinceKey: (partnerId) => `export.since.${partnerId}.account.move.refund`,
  what: 'credit note',
  list: postedCustomerCreditNotes,
  build: buildCustomerMove('credit note'),
  name: nameOf,
};

/** One pass over every customer partner that receives invoices: invoices, then credit notes; returns how many were queued. */
export async function exportInvoices(d: ExportDeps): Promise<number> {
  // Invoices first: a credit note posted in the same run goes after the invoice it credits.
  return (await exportKind(d, INVOICES)) + (await exportKind(d, CREDIT_NOTES));
}
