/**
 * Outbound documents from Odoo: confirmed purchase orders of suppliers that receive 850s / ORDERS are
 * turned into canonical orders, rendered with the partner's mapping and envelope, and queued, each
 * exactly once (the ledger remembers what it exported in the same transaction that queues it). Only
 * purchase orders confirmed after the partner's first export run are sent, so connecting the gateway to
 * an Odoo with years of history does not send old orders to a supplier.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CanonicalDocument } from '../canonical/document';
import type { Envelope } from '../canonical/envelope';
import type { OdooClient } from '../odoo/client';
import { createPostContext, ResolveCache } from '../odoo/post';
import { confirmedPurchaseOrders, purchaseOrderAsOrder } from '../odoo/pull/purchase-order';
import type { Partner, PartnerRegistry } from '../partners/registry';
import type { Ledger } from '../store';
import { outboundFor } from './acks';

/** Canonical documents → the partner's EDI bytes (src/mapping/render), or the reasons it could not. */
export type DocumentRenderer = (docs: CanonicalDocument[], partner: Partner) => Promise<{ bytes: Buffer; errors: string[] }>;

export interface ExportDeps {
  ledger: Ledger;
  registry: PartnerRegistry;
  client: OdooClient;
  render: DocumentRenderer;
  logger: Logger;
  now?: () => number;
}

const SOURCE = 'odoo:purchase.order';

/** The envelope placeholder of a document we are about to render (the renderer writes the real one). */
function draftEnvelope(partner: Partner, messageType: string): Envelope {
  const standard = partner.edifact && !partner.x12 ? 'edifact' : 'x12';
  const version = standard === 'x12' ? (partner.x12?.version ?? '004010') : (partner.edifact?.directory ?? 'D96A');
  const ours = partner.us?.find((i) => i.standard === standard);
  const theirs = partner.identities.find((i) => i.standard === standard);
  return {
    standard,
    version,
    messageType,
    sender: { id: ours?.id ?? '', ...(ours?.qualifier ? { qualifier: ours.qualifier } : {}) },
    receiver: { id: theirs?.id ?? '', ...(theirs?.qualifier ? { qualifier: theirs.qualifier } : {}) },
    interchangeControlNumber: '0',
    controlNumber: '0',
    test: partner.mode === 'test',
  };
}

/** Partners we send orders to, with the message type. */
function orderPartners(registry: PartnerRegistry): { partner: Partner; messageType: string }[] {
  const out: { partner: Partner; messageType: string }[] = [];
  for (const partner of registry.partners) {
    const entry = partner.documents.find((d) => d.type === 'order' && d.direction === 'outbound');
    if (entry) out.push({ partner, messageType: entry.messageType });
  }
  return out;
}

/** One pass over every supplier partner; returns how many purchase orders were queued. */
export async function exportPurchaseOrders(d: ExportDeps): Promise<number> {
  const now = d.now ?? Date.now;
  let queued = 0;
  for (const { partner, messageType } of orderPartners(d.registry)) {
    const sinceKey = `export.since.${partner.id}`;
    let since = d.ledger.meta(sinceKey);
    if (since === undefined) {
      // First run for this partner: from now on. Odoo datetimes are UTC "YYYY-MM-DD HH:MM:SS".
      since = new Date(now()).toISOString().slice(0, 19).replace('T', ' ');
      d.ledger.setMeta(sinceKey, since);
      d.logger.info({ partner: partner.id, since }, 'purchase orders confirmed from now on will be sent');
    }
    const ctx = createPostContext({ client: d.client, settings: partner.odoo, cache: new ResolveCache() });
    let orders;
    try {
      orders = await confirmedPurchaseOrders(ctx, since);
    } catch (err) {
      d.logger.error({ partner: partner.id, err }, 'could not list confirmed purchase orders; trying again on the next run');
      continue;
    }
    for (const po of orders) {
      const key = `${partner.id}:${po.id}`;
      if (d.ledger.exported(SOURCE, key) !== undefined) continue;
      const log = d.logger.child({ partner: partner.id, purchaseOrder: po.name });
      try {
        const order = await purchaseOrderAsOrder(ctx, po.id, partner.id, draftEnvelope(partner, messageType));
        const rendered = await d.render([order], partner);
        if (rendered.errors.length > 0) {
          log.error({ errors: rendered.errors }, 'purchase order not sent: it cannot be rendered for this partner');
          continue;
        }
        const correlationId = randomUUID();
        // The order number is kept as the outbound message's name: the supplier's order response is matched on it.
        const id = d.ledger.enqueueExport(SOURCE, key, { ...outboundFor(partner, rendered.bytes, now(), correlationId), name: order.orderNumber });
        queued++;
        log.info({ correlationId, messageId: id }, `purchase order queued as ${messageType}`);
        // Purchasing sees it on the PO; a failure here does not unsend anything.
        await d.client.messagePost('purchase.order', po.id, `EDI ${messageType} queued for ${partner.name} (gateway message ${id})`).catch((err: unknown) => log.warn({ err }, 'chatter note not written'));
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'purchase order not sent; trying again on the next run');
      }
    }
  }
  return queued;
}
