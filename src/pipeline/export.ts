/**
 * Outbound documents from Odoo: confirmed purchase orders of suppliers that receive 850s / ORDERS, and
 * customers' orders confirmed or cancelled by sales for customers that receive 855s / ORDRSP, are turned
 * into canonical documents, rendered with the partner's mapping and envelope, and queued, each exactly
 * once (the ledger remembers what it exported in the same transaction that queues it). Only records
 * confirmed after the partner's first export run are sent, so connecting the gateway to an Odoo with
 * years of history does not send old orders to a supplier or old answers to a customer.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { renderDocuments } from '../mapping/render';
import type { CanonicalDocument } from '../canonical/document';
import type { Envelope } from '../canonical/envelope';
import type { OdooClient } from '../odoo/client';
import { createPostContext, ResolveCache, type PostContext } from '../odoo/post';
import { confirmedPurchaseOrders, purchaseOrderAsOrder, type ConfirmedPurchaseOrder } from '../odoo/pull/purchase-order';
import type { ExportCursor } from '../odoo/pull/fields';
import { answeredSaleOrders, saleOrderAsOrderResponse, type AnsweredSaleOrder } from '../odoo/pull/sale-order';
import { OrderSchema, type Order } from '../canonical/order';
import type { Partner, PartnerRegistry } from '../partners/registry';
import type { Ledger } from '../store';
import { outboundFor } from './acks';

/** Canonical documents → the partner's EDI bytes (src/mapping/render), or the reasons it could not. */
export type DocumentRenderer = (docs: CanonicalDocument[], partner: Partner) => Promise<{ bytes: Buffer; errors: string[] }>;

/** The service's renderer: the partner's mapping and envelope, control numbers from the ledger (one series per partner and standard). */
export function ledgerRenderer(ledger: Ledger): DocumentRenderer {
  return async (docs, partner) => {
    const standard = partner.edifact && !partner.x12 ? 'edifact' : 'x12';
    const r = await renderDocuments(docs, partner, { controlNumbers: ledger, partnerKey: `${partner.id}:${standard}` });
    return { bytes: Buffer.from(r.text, r.encoding), errors: r.errors.filter((e) => e.severity === 'error').map((e) => `${e.path}: ${e.message}`) };
  };
}

export interface ExportDeps {
  ledger: Ledger;
  registry: PartnerRegistry;
  client: OdooClient;
  render: DocumentRenderer;
  logger: Logger;
  now?: () => number;
  /** Records listed per Odoo call (default 500; tests use a few to reach the pages after the first). */
  pageSize?: number;
}

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

/** Something in Odoo we send partners as one document each: how to list it, build it and name it. */
export interface ExportKind<T extends { id: number; name: string; at: string }> {
  /** The ledger's key space for "exported already" (with `partner:id`). */
  source: string;
  /** The partner's `documents` entry (outbound) that asks for it. */
  docType: 'order' | 'order_response' | 'ship_notice' | 'invoice';
  model: string;
  /** The ledger setting holding from when on this partner's records are sent. */
  sinceKey(partnerId: string): string;
  /** What a log line or chatter note calls it. */
  what: string;
  /** Records dated at or after `since`, after `cursor` in (date, id) order, oldest first, at most `limit`. */
  list(ctx: PostContext, since: string, cursor: ExportCursor | undefined, limit: number): Promise<T[]>;
  build(ctx: PostContext, row: T, partner: Partner, envelope: Envelope, ledger: Ledger): Promise<CanonicalDocument>;
  /** The outbound message's name: the number a person looks for, and what an order response is matched on. */
  name(row: T, doc: CanonicalDocument): string;
}

/** Our confirmed purchase orders → 850 / ORDERS to the supplier. */
const PURCHASE_ORDERS: ExportKind<ConfirmedPurchaseOrder> = {
  source: 'odoo:purchase.order',
  docType: 'order',
  model: 'purchase.order',
  // The first kind exported: its setting keeps the name it had then.
  sinceKey: (partnerId) => `export.since.${partnerId}`,
  what: 'purchase order',
  list: (ctx, since, cursor, limit) => confirmedPurchaseOrders(ctx, since, cursor, limit),
  build: (ctx, po, partner, envelope) => purchaseOrderAsOrder(ctx, po.id, partner.id, envelope),
  // The supplier's order response is matched on it.
  name: (_po, doc) => (doc.type === 'order' ? doc.orderNumber : ''),
};

/** The customer's order as it reached us (the ledger's posted order document), when its JSON is still kept. */
export function receivedOrder(ledger: Ledger, partnerId: string, orderNumber: string): Order | undefined {
  const doc = ledger.findByNumber(orderNumber, [partnerId], 20).documents.find((d) => d.type === 'order' && d.state === 'posted' && d.businessKey === orderNumber);
  if (!doc?.canonical) return undefined;
  const parsed = OrderSchema.safeParse(JSON.parse(doc.canonical));
  return parsed.success ? parsed.data : undefined;
}

/** Customers' orders confirmed or cancelled by sales → 855 / ORDRSP to the customer. */
const ORDER_RESPONSES: ExportKind<AnsweredSaleOrder> = {
  source: 'odoo:sale.order',
  docType: 'order_response',
  model: 'sale.order',
  sinceKey: (partnerId) => `export.since.${partnerId}.sale.order`,
  what: 'order response',
  list: (ctx, since, cursor, limit) => answeredSaleOrders(ctx, since, cursor, limit),
  build: (ctx, so, partner, envelope, ledger) => saleOrderAsOrderResponse(ctx, so.id, receivedOrder(ledger, partner.id, so.ref), partner.id, envelope),
  // Named by the customer's order number: the dashboard's Find shows it beside their order.
  name: (so) => so.ref,
};

/** Records listed per call (default); a run goes on page after page, up to `MAX_PAGES`. */
const PAGE = 500;
const MAX_PAGES = 20;

/** The cursor kept in the ledger, or undefined for none (or one this gateway cannot read). */
function cursorOf(text: string | undefined): ExportCursor | undefined {
  if (!text) return undefined;
  try {
    const c = JSON.parse(text) as { at?: unknown; id?: unknown };
    return typeof c.at === 'string' && typeof c.id === 'number' ? { at: c.at, id: c.id } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One pass of one kind over every partner that asks for it; returns how many were queued. Each partner's
 * run goes on from its cursor: the last record of an unbroken run of records exported (or found exported).
 * A record that fails holds the cursor, so it is tried again at every run, while those after it still go out.
 */
export async function exportKind<T extends { id: number; name: string; at: string }>(d: ExportDeps, kind: ExportKind<T>): Promise<number> {
  const now = d.now ?? Date.now;
  const pageSize = d.pageSize ?? PAGE;
  let queued = 0;
  for (const partner of d.registry.partners) {
    const entry = partner.documents.find((e) => e.type === kind.docType && e.direction === 'outbound');
    if (!entry) continue;
    const { messageType } = entry;
    const sinceKey = kind.sinceKey(partner.id);
    let since = d.ledger.meta(sinceKey);
    if (since === undefined) {
      // First run for this partner: from now on. Odoo datetimes are UTC "YYYY-MM-DD HH:MM:SS".
      since = new Date(now()).toISOString().slice(0, 19).replace('T', ' ');
      d.ledger.setMeta(sinceKey, since);
      d.logger.info({ partner: partner.id, since }, `${kind.model} records from now on will be sent as ${messageType}`);
    }
    const cursorKey = `${sinceKey}.cursor`;
    const kept = cursorOf(d.ledger.meta(cursorKey));
    let cursor = kept;
    let unbroken = true;
    let page = kept;
    const ctx = createPostContext({ client: d.client, settings: partner.odoo, cache: new ResolveCache() });
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      let rows: T[];
      try {
        rows = await kind.list(ctx, since, page, pageSize);
      } catch (err) {
        d.logger.error({ partner: partner.id, err }, `could not list ${kind.model} records; trying again on the next run`);
        break;
      }
      for (const row of rows) {
        const done = await exportOne(d, kind, partner, messageType, ctx, row, now);
        if (done === 'queued') queued++;
        if (done === 'failed') unbroken = false;
        if (unbroken) cursor = { at: row.at, id: row.id };
      }
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || !last) break;
      page = { at: last.at, id: last.id };
    }
    if (cursor && (cursor.at !== kept?.at || cursor.id !== kept.id)) d.ledger.setMeta(cursorKey, JSON.stringify(cursor));
  }
  return queued;
}

/** One record: queued, found exported before, or failed (logged; tried again at the next run). */
async function exportOne<T extends { id: number; name: string; at: string }>(
  d: ExportDeps,
  kind: ExportKind<T>,
  partner: Partner,
  messageType: string,
  ctx: PostContext,
  row: T,
  now: () => number,
): Promise<'queued' | 'exported' | 'failed'> {
  const key = `${partner.id}:${row.id}`;
  if (d.ledger.exported(kind.source, key) !== undefined) return 'exported';
  const log = d.logger.child({ partner: partner.id, [kind.model]: row.name });
  try {
    const doc = await kind.build(ctx, row, partner, draftEnvelope(partner, messageType), d.ledger);
    const rendered = await d.render([doc], partner);
    if (rendered.errors.length > 0) {
      log.error({ errors: rendered.errors }, `${kind.what} not sent: it cannot be rendered for this partner`);
      return 'failed';
    }
    const correlationId = randomUUID();
    const id = d.ledger.enqueueExport(kind.source, key, { ...outboundFor(partner, rendered.bytes, now(), correlationId), name: kind.name(row, doc) });
    log.info({ correlationId, messageId: id }, `${kind.what} queued as ${messageType}`);
    // The people working on the record see it there; a failure here does not unsend anything.
    await d.client.messagePost(kind.model, row.id, `EDI ${messageType} queued for ${partner.name} (gateway message ${id})`).catch((err: unknown) => log.warn({ err }, 'chatter note not written'));
    return 'queued';
  } catch (err) {
    log.error({ err: err instanceof Error ? err.message : String(err) }, `${kind.what} not sent; trying again on the next run`);
    return 'failed';
  }
}

/** One pass over every supplier partner; returns how many purchase orders were queued. */
export function exportPurchaseOrders(d: ExportDeps): Promise<number> {
  return exportKind(d, PURCHASE_ORDERS);
}

/** One pass over every customer partner that receives order responses; returns how many were queued. */
export function exportOrderResponses(d: ExportDeps): Promise<number> {
  return exportKind(d, ORDER_RESPONSES);
}
