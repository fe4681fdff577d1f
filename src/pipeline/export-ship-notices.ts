/**
 * Ship notices to customers: a delivery of a customer's EDI order validated in Odoo is announced with an
 * 856 / DESADV, exactly once per picking (a backorder validated later is a notice of its own), to
 * partners that list `{type: ship_notice, direction: outbound}`.
 */
import { deliveryAsShipNotice, doneDeliveries, type DoneDelivery } from '../odoo/pull/delivery';
import { exportKind, orderToAnswer, type ExportDeps, type ExportKind } from './export';

/** Validated deliveries of customers' orders → 856 / DESADV to the customer. */
export const SHIP_NOTICES: ExportKind<DoneDelivery> = {
  source: 'odoo:stock.picking',
  docType: 'ship_notice',
  model: 'stock.picking',
  sinceKey: (partnerId) => `export.since.${partnerId}.stock.picking`,
  what: 'ship notice',
  list: doneDeliveries,
  build: async (ctx, picking, partner, envelope, ledger) => {
    const about = orderToAnswer(ledger, partner, 'ship_notice', picking.ref, `delivery ${picking.name}`);
    return 'skip' in about ? about : deliveryAsShipNotice(ctx, picking.id, about.order, partner.id, envelope);
  },
  // Named by the customer's order number: the dashboard's Find shows it beside their order.
  name: (picking) => picking.ref,
};

/** One pass over every customer partner that receives ship notices; returns how many were queued. */
export function exportShipNotices(d: ExportDeps): Promise<number> {
  return exportKind(d, SHIP_NOTICES);
}
