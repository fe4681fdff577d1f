/** Every kind of document the gateway sends partners from Odoo, one pass each (kinds live in modules of their own). */
import { exportOrderResponses, exportPurchaseOrders, type ExportDeps } from './export';
import { exportInvoices } from './export-invoices';
import { exportShipNotices } from './export-ship-notices';

/** Everything Odoo has for partners: purchase orders, order responses, ship notices, invoices; how many were queued. */
export async function exportFromOdoo(d: ExportDeps): Promise<number> {
  return (await exportPurchaseOrders(d)) + (await exportOrderResponses(d)) + (await exportShipNotices(d)) + (await exportInvoices(d));
}
