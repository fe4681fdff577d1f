/**
 * Invoices to customers: a customer invoice posted in Odoo for a partner that receives invoices
 * (`documents: [{type: invoice, direction: outbound}]`, 810 or INVOIC) is sent once, its lines answering
 * the customer's order lines as they sent them (the order from the ledger), and named by the customer's
 * order number so the dashboard's Find shows it beside their order.
 */
import { customerInvoiceAsInvoice, invoicedSaleOrder, postedCustomerInvoices, type PostedCustomerInvoice } from '../odoo/pull/customer-invoice';
import { exportKind, orderToAnswer, type ExportDeps, type ExportKind } from './export';

/** Customers' posted invoices → 810 / INVOIC to the customer. */
export const INVOICES: ExportKind<PostedCustomerInvoice> = {
  source: 'odoo:account.move',
  docType: 'invoice',
  model: 'account.move',
  sinceKey: (partnerId) => `export.since.${partnerId}.account.move`,
  what: 'invoice',
  list: postedCustomerInvoices,
  build: async (ctx, move, partner, envelope, ledger) => {
    const so = await invoicedSaleOrder(ctx, move.id);
    const about = orderToAnswer(ledger, partner, 'invoice', so?.ref || undefined, `invoice ${move.name}`);
    return 'skip' in about ? about : customerInvoiceAsInvoice(ctx, move.id, about.order, partner.id, envelope);
  },
  // The customer looks for their order number; an invoice of no order goes by its own.
  name: (move, doc) => (doc.type === 'invoice' ? (doc.orderNumber ?? doc.invoiceNumber) : move.name),
};

/** One pass over every customer partner that receives invoices; returns how many were queued. */
export function exportInvoices(d: ExportDeps): Promise<number> {
  return exportKind(d, INVOICES);
}
