/**
 * Outbound documents from Odoo: confirmed purchase orders of suppliers that receive 850s / ORDERS, and
 * customers' orders confirmed or cancelled by sales for customers that receive 855s / ORDRSP, are turned
 * into canonical documents, rendered with the partner's mapping and envelope, and queued, each exactly
 * once (the ledger remembers what it exported in the same transaction that queues it). Only records
 * confirmed after the partner's first export run are sent, so connecting the gateway to an Odoo with
 * years of history does not send old orders to a supplier or old answers to a customer.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { renderDocuments } from '../mapping/render';
import type { CanonicalDocument } from '../canonical/document';
import type { Envelope } from '../canonical/envelope';
import type { OdooClient } from '../odoo/client';
import { OdooError } from '../odoo/errors';
import { createPostContext, ResolveCache, type PostContext } from '../odoo/post';
import { cancelledPurchaseOrders, changedPurchaseOrders, confirmedPurchaseOrders, purchaseOrderAsOrder, type ConfirmedPurchaseOrder } from '../odoo/pull/purchase-order';
import { later, type ExportCursor, type ExportWindow } from '../odoo/pull/fields';
import { answeredSaleOrders, changedSaleOrders, saleOrderAsOrderResponse, type AnsweredSaleOrder } from '../odoo/pull/sale-order';
import type { Order } from '../canonical/order';
import { lastStatedOrder } from './sink';
import type { Partner, PartnerRegistry } from '../partners/registry';
import type { DocumentEntry } from '../partners/schema';
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

/** A record the partner is not to get (an order response to an order that did not come by EDI), and why. */
export interface NotForPartner {
  skip: string;
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
  /** The records in `window` that are to be sent: dated at or after its `since`, after its cursor in (date, id) order, oldest first, at most `limit`; or those of its ids. */
  list(ctx: PostContext, window: ExportWindow, limit: number): Promise<T[]>;
  build(ctx: PostContext, row: T, partner: Partner, envelope: Envelope, ledger: Ledger): Promise<CanonicalDocument | NotForPartner>;
  /** The outbound message's name: the number a person looks for, and what an order response is matched on. */
  name(row: T, doc: CanonicalDocument): string;
  /**
   * For records whose date is not when they became due (a purchase order cancelled weeks after it was
   * approved): each run lists again the records dated in the last `days`, and keeps no cursor between runs.
   */
  rescanDays?: number;
  /** What the partner will read of a document (a hash), kept with the export so a later change can be told apart from none. */
  fingerprint?(doc: CanonicalDocument): string;
  /**
   * The fingerprint as an earlier version of the gateway took it (fewer fields): an export that kept one
   * of those, of a document unchanged in those fields, takes today's without sending, as one kept before
   * fingerprints were.
   */
  formerFingerprint?(doc: CanonicalDocument): string;
  /**
   * A kind that sends changes of what `base` sent: a record goes only once `base` sent it, and again
   * whenever its fingerprint differs from the last one sent (each change an export of its own).
   */
  base?: string;
  /** Whether this partner gets this kind at all (default: whenever its documents entry asks for `docType`). */
  enabled?(entry: DocumentEntry): boolean;
  /**
   * For a record that may go more than once over its life, each time once (a purchase order cancelled,
   * reinstated, cancelled again): the key it is sent under now, or why it is not to be sent now. Default
   * `partner:id`, one send ever.
   */
  keyOf?(row: T, partner: Partner, ledger: Ledger): string | NotForPartner;
  /** The kind whose export of the record (`partner:id`) takes this one's fingerprint: what the partner has now, that changes are measured from. */
  renews?: string;
}

/**
 * A hash of what a partner reads of a document: `pick` chooses it (not the envelope, which every send
 * renews). A later definition of what is read has a `version`, which prefixes its hashes.
 */
function fingerprintOf(pick: (doc: CanonicalDocument) => unknown, version?: number): (doc: CanonicalDocument) => string {
  const prefix = version === undefined ? '' : `${version}:`;
  return (doc) => prefix + createHash('sha256').update(JSON.stringify(pick(doc))).digest('base64url');
}

/** What a supplier read of our order before the ship-to went with it (D28): lines, dates, currency. */
const orderFingerprintV1 = fingerprintOf((doc) => (doc.type === 'order' ? { lines: doc.lines, requestedDeliveryDate: doc.requestedDeliveryDate, currency: doc.currency } : doc));

/** What a supplier reads of our order: its lines, dates and where to deliver (not its envelope, order date or our own address). */
const orderFingerprint = fingerprintOf(
  (doc) => (doc.type === 'order' ? { lines: doc.lines, requestedDeliveryDate: doc.requestedDeliveryDate, currency: doc.currency, shipTo: doc.parties?.find((p) => p.role === 'ship_to') ?? null } : doc),
  2,
);

/** Our confirmed purchase orders → 850 / ORDERS to the supplier. */
const PURCHASE_ORDERS: ExportKind<ConfirmedPurchaseOrder> = {
  source: 'odoo:purchase.order',
  docType: 'order',
  model: 'purchase.order',
  // The first kind exported: its setting keeps the name it had then.
  sinceKey: (partnerId) => `export.since.${partnerId}`,
  what: 'purchase order',
  list: confirmedPurchaseOrders,
  build: (ctx, po, partner, envelope) => purchaseOrderAsOrder(ctx, po.id, partner.id, envelope),
  // The supplier's order response is matched on it.
  name: (_po, doc) => (doc.type === 'order' ? doc.orderNumber : ''),
  fingerprint: orderFingerprint,
};

/** The ledger's key spaces of purchase orders cancelled at the supplier and reinstated there. */
const CANCELLED = 'odoo:purchase.order.cancel';
const REINSTATED = 'odoo:purchase.order.reinstate';

/**
 * Where a purchase order stands with the supplier, from what the ledger says was sent: undefined when
 * its order never went out (or a person dismissed it); else the generation it is in (`partner:id` for the
 * order as first sent, `partner:id#n` once reinstated for the (n-1)th time), whether that generation was
 * cancelled there, and the key a reinstatement of it is sent under. Each cancellation and reinstatement is
 * one export of its own, so the chain is walked by key, without reading rows in time order.
 */
function purchaseOrderStanding(ledger: Ledger, partnerId: string, poId: number): { generation: string; cancelled: boolean; next: string } | undefined {
  const record = `${partnerId}:${poId}`;
  const generation = (n: number): string => (n === 1 ? record : `${record}#${n}`);
  if (typeof ledger.exported(PURCHASE_ORDERS.source, record) !== 'number') return undefined;
  for (let n = 1; ; n++) {
    // A cancellation or reinstatement dismissed by a person (null) was not sent: the supplier has what came before.
    const cancelled = typeof ledger.exported(CANCELLED, generation(n)) === 'number';
    if (!cancelled || typeof ledger.exported(REINSTATED, generation(n + 1)) !== 'number') return { generation: generation(n), cancelled, next: generation(n + 1) };
  }
}

/** A purchase order sent and changed in Odoo since (quantities, prices, dates, lines) → the order as it is now, purpose change (850 BEG01 04, ORDERS BGM 1225 4), for suppliers whose entry says `changes: true`. */
const PURCHASE_ORDER_CHANGES: ExportKind<ConfirmedPurchaseOrder> = {
  source: 'odoo:purchase.order.change',
  docType: 'order',
  model: 'purchase.order',
  sinceKey: (partnerId) => `export.since.${partnerId}.purchase.order.change`,
  what: 'changed purchase order',
  list: changedPurchaseOrders,
  build: async (ctx, po, partner, envelope, ledger) => {
    // A change cannot undo a cancellation the supplier holds: only a reinstatement does (D26).
    if (purchaseOrderStanding(ledger, partner.id, po.id)?.cancelled) return { skip: `purchase order ${po.name} stands cancelled at ${partner.id}` };
    return purchaseOrderAsOrder(ctx, po.id, partner.id, envelope, 'change');
  },
  name: (po) => po.name,
  fingerprint: orderFingerprint,
  formerFingerprint: orderFingerprintV1,
  base: PURCHASE_ORDERS.source,
  enabled: (entry) => entry.changes === true,
};

/**
 * A purchase order cancelled at the supplier, then set to draft and confirmed again in Odoo → the order
 * as it is now, purpose replace (850 BEG01 05, ORDERS BGM 1225 5; D26), once per reinstatement, for every
 * supplier that gets orders. Found by its new approval (`date_approve`), from its own cursor.
 */
const PURCHASE_ORDER_REINSTATEMENTS: ExportKind<ConfirmedPurchaseOrder> = {
  source: REINSTATED,
  docType: 'order',
  model: 'purchase.order',
  sinceKey: (partnerId) => `export.since.${partnerId}.purchase.order.reinstate`,
  what: 'reinstated purchase order',
  list: confirmedPurchaseOrders,
  keyOf: (po, partner, ledger) => {
    const standing = purchaseOrderStanding(ledger, partner.id, po.id);
    return standing?.cancelled ? standing.next : { skip: `purchase order ${po.name} does not stand cancelled at ${partner.id}` };
  },
  build: (ctx, po, partner, envelope) => purchaseOrderAsOrder(ctx, po.id, partner.id, envelope, 'replace'),
  name: (po) => po.name,
  fingerprint: orderFingerprint,
  // The supplier has the order as sent now: a later change (D25) is measured from it.
  renews: PURCHASE_ORDERS.source,
};

/** How far back cancellations are looked for: a purchase order approved longer ago than this and cancelled now is not announced. */
export const CANCEL_RESCAN_DAYS = 90;

/** Purchase orders we sent, cancelled in Odoo since → the same 850 / ORDERS as a cancellation (BEG01 01, BGM 1225 1), once per generation of the order (D26). */
const PURCHASE_ORDER_CANCELS: ExportKind<ConfirmedPurchaseOrder> = {
  source: CANCELLED,
  docType: 'order',
  model: 'purchase.order',
  // From the same first run as the orders: only orders sent since then can be cancelled.
  sinceKey: PURCHASE_ORDERS.sinceKey,
  what: 'cancellation of a purchase order',
  list: cancelledPurchaseOrders,
  // Only an order the supplier got is cancelled there (not one cancelled before it went out, nor one a person dismissed).
  keyOf: (po, partner, ledger) => purchaseOrderStanding(ledger, partner.id, po.id)?.generation ?? { skip: `purchase order ${po.name} was never sent to ${partner.id}` },
  build: (ctx, po, partner, envelope) => purchaseOrderAsOrder(ctx, po.id, partner.id, envelope, 'cancel'),
  name: (po) => po.name,
  rescanDays: CANCEL_RESCAN_DAYS,
};

/**
 * Whether the customer's order `orderNumber` reached us from this partner by EDI (the ledger holds it
 * posted), and the order as the customer last stated it (a change applied since, D29, else as received)
 * while its JSON is still kept (retention may have removed it).
 */
export function receivedOrder(ledger: Ledger, partnerId: string, orderNumber: string): { received: boolean; order?: Order } {
  const documents = ledger.findByNumber(orderNumber, [partnerId], 20).documents;
  if (!documents.some((d) => d.type === 'order' && d.partnerId === partnerId && d.state === 'posted' && d.businessKey === orderNumber)) return { received: false };
  const order = lastStatedOrder(documents, partnerId, orderNumber);
  return order ? { received: true, order } : { received: true };
}

/**
 * The customer's order a sales-side document is about, or why it is not sent: by default a partner gets
 * documents only about the orders it sent us by EDI; `orders: all` on its documents entry sends them for
 * every order of the customer (and for invoices of no order). An order response always answers an EDI order.
 */
export function orderToAnswer(ledger: Ledger, partner: Partner, docType: ExportKind<never>['docType'], orderNumber: string | undefined, what: string): { order: Order | undefined } | NotForPartner {
  const from = orderNumber ? receivedOrder(ledger, partner.id, orderNumber) : { received: false };
  if (from.received) return { order: from.order };
  const all = docType !== 'order_response' && partner.documents.some((e) => e.type === docType && e.direction === 'outbound' && e.orders === 'all');
  if (all) return { order: undefined };
  return { skip: orderNumber ? `${what}: order ${orderNumber} did not come from ${partner.id} by EDI` : `${what}: of no order of ${partner.id}'s` };
}

/** What a customer reads of an order response: its answer and lines (not its envelope, number or date). */
const responseFingerprint = fingerprintOf((doc) => (doc.type === 'order_response' ? { status: doc.status, lines: doc.lines ?? [] } : doc));

/** An order response to the sale order `so` (original or change), or why the partner gets none. */
async function answerOf(ctx: PostContext, so: AnsweredSaleOrder, partner: Partner, envelope: Envelope, ledger: Ledger, purpose: 'original' | 'change'): Promise<CanonicalDocument | NotForPartner> {
  const about = orderToAnswer(ledger, partner, 'order_response', so.ref, `sale order ${so.name}`);
  if ('skip' in about) return about;
  const response = await saleOrderAsOrderResponse(ctx, so.id, about.order, partner.id, envelope);
  return purpose === 'change' ? { ...response, purpose } : response;
}

/** Customers' orders confirmed or cancelled by sales → 855 / ORDRSP to the customer. */
const ORDER_RESPONSES: ExportKind<AnsweredSaleOrder> = {
  source: 'odoo:sale.order',
  docType: 'order_response',
  model: 'sale.order',
  sinceKey: (partnerId) => `export.since.${partnerId}.sale.order`,
  what: 'order response',
  list: answeredSaleOrders,
  build: (ctx, so, partner, envelope, ledger) => answerOf(ctx, so, partner, envelope, ledger, 'original'),
  // Named by the customer's order number: the dashboard's Find shows it beside their order.
  name: (so) => so.ref,
  fingerprint: responseFingerprint,
};

/**
 * A sale order answered before and changed in Odoo since (a quantity, a line, the date, cancelled) → a
 * new 855 / ORDRSP with purpose change, for partners whose entry says `changes: true`.
 */
const ORDER_RESPONSE_CHANGES: ExportKind<AnsweredSaleOrder> = {
  source: 'odoo:sale.order.change',
  docType: 'order_response',
  model: 'sale.order',
  sinceKey: (partnerId) => `export.since.${partnerId}.sale.order.change`,
  what: 'changed order response',
  list: changedSaleOrders,
  build: (ctx, so, partner, envelope, ledger) => answerOf(ctx, so, partner, envelope, ledger, 'change'),
  name: (so) => so.ref,
  fingerprint: responseFingerprint,
  base: ORDER_RESPONSES.source,
  enabled: (entry) => entry.changes === true,
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

/** A time as Odoo writes datetimes: UTC "YYYY-MM-DD HH:MM:SS" (which sorts as text). */
const odooTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** What became of one record in a run. */
type Outcome = 'queued' | 'exported' | 'skipped' | 'failed' | 'retry';

/**
 * One pass of one kind over every partner that asks for it; returns how many were queued. Each partner's
 * run first tries the records that failed before (the ledger's export failures), then goes on from its
 * cursor. A record that fails for good is recorded as failed (a person sees it, can dismiss it, and it is
 * tried again at every run) and the cursor goes past it; one that meets Odoo unavailable ends the
 * partner's run there, the cursor just before it.
 */
export async function exportKind<T extends { id: number; name: string; at: string }>(d: ExportDeps, kind: ExportKind<T>): Promise<number> {
  const now = d.now ?? Date.now;
  const pageSize = d.pageSize ?? PAGE;
  let queued = 0;
  for (const partner of d.registry.partners) {
    const entry = partner.documents.find((e) => e.type === kind.docType && e.direction === 'outbound');
    if (!entry || (kind.enabled && !kind.enabled(entry))) continue;
    const { messageType } = entry;
    const sinceKey = kind.sinceKey(partner.id);
    let since = d.ledger.meta(sinceKey);
    if (since === undefined) {
      // First run for this partner: from now on.
      since = odooTime(now());
      d.ledger.setMeta(sinceKey, since);
      d.logger.info({ partner: partner.id, since, model: kind.model }, `from now on, every ${kind.what} (${kind.model}) is sent as ${messageType}`);
    }
    const ctx = createPostContext({ client: d.client, settings: partner.odoo, cache: new ResolveCache() });
    const one = async (row: T): Promise<Outcome> => {
      const outcome = await exportOne(d, kind, partner, messageType, ctx, row, now);
      if (outcome === 'queued') queued++;
      return outcome;
    };
    if (!(await retryFailures(d, kind, partner, ctx, one))) continue;

    const cursorKey = `${sinceKey}.cursor`;
    const kept = kind.rescanDays === undefined ? cursorOf(d.ledger.meta(cursorKey)) : undefined;
    const from = kind.rescanDays === undefined ? since : later(since, odooTime(now() - kind.rescanDays * 86_400_000));
    let cursor = kept;
    let page = kept;
    pages: for (let pages = 0; pages < MAX_PAGES; pages++) {
      let rows: T[];
      try {
        rows = await kind.list(ctx, { since: from, ...(page ? { cursor: page } : {}) }, pageSize);
      } catch (err) {
        d.logger.error({ partner: partner.id, err }, `could not list ${kind.model} records; trying again on the next run`);
        break;
      }
      for (const row of rows) {
        if ((await one(row)) === 'retry') break pages;
        cursor = { at: row.at, id: row.id };
      }
      const last = rows[rows.length - 1];
      if (rows.length < pageSize || !last) break;
      page = { at: last.at, id: last.id };
    }
    if (kind.rescanDays === undefined && cursor && (cursor.at !== kept?.at || cursor.id !== kept.id)) d.ledger.setMeta(cursorKey, JSON.stringify(cursor));
  }
  return queued;
}

/**
 * The partner's records of this kind that failed before, tried again; a failure whose record is no longer
 * to be sent (cancelled since, or no longer listed for the partner) is forgotten. False when Odoo could
 * not be reached: the partner's run ends there.
 */
async function retryFailures<T extends { id: number; name: string; at: string }>(
  d: ExportDeps,
  kind: ExportKind<T>,
  partner: Partner,
  ctx: PostContext,
  one: (row: T) => Promise<Outcome>,
): Promise<boolean> {
  const failed = d.ledger.exportFailures({ partnerId: partner.id, source: kind.source });
  if (failed.length === 0) return true;
  let rows: T[];
  try {
    rows = await kind.list(ctx, { ids: failed.map((f) => f.recordId) }, failed.length);
  } catch (err) {
    d.logger.error({ partner: partner.id, err }, `could not list the ${kind.model} records that failed; trying again on the next run`);
    return false;
  }
  const listed = new Set(rows.map((r) => r.id));
  for (const f of failed) {
    if (listed.has(f.recordId)) continue;
    d.ledger.clearExportFailure(f.source, f.key);
    d.logger.info({ partner: partner.id, [kind.model]: f.name }, `${kind.what} that failed is no longer to be sent (no longer listed in Odoo)`);
  }
  for (const row of rows) if ((await one(row)) === 'retry') return false;
  return true;
}

/** One record: queued, found exported before, not for this partner, failed (recorded), or to retry (Odoo unavailable). */
async function exportOne<T extends { id: number; name: string; at: string }>(
  d: ExportDeps,
  kind: ExportKind<T>,
  partner: Partner,
  messageType: string,
  ctx: PostContext,
  row: T,
  now: () => number,
): Promise<Outcome> {
  const record = `${partner.id}:${row.id}`;
  const log = d.logger.child({ partner: partner.id, [kind.model]: row.name });
  const keyed = kind.keyOf ? kind.keyOf(row, partner, d.ledger) : record;
  if (typeof keyed !== 'string') {
    log.debug({ reason: keyed.skip }, `${kind.what}: nothing to send now`);
    return 'skipped';
  }
  // What the send is remembered (and, failing, held) under.
  const key = keyed;
  // A record goes once under its key; a change of one only after its base went out.
  let sent: ReturnType<Ledger['exportSent']>;
  if (kind.base === undefined) {
    if (d.ledger.exported(kind.source, key) !== undefined) return 'exported';
  } else {
    sent = d.ledger.exportSent(kind.base, key);
    if (typeof sent?.messageId !== 'number') return 'skipped';
  }
  const fail = (reason: string, extra: object = {}): Outcome => {
    const { attempts, fresh } = d.ledger.exportFailed({ source: kind.source, key, partnerId: partner.id, recordId: row.id, name: row.name, reason });
    // Said once per reason: the record is tried again at every run, and the dashboard shows it meanwhile.
    if (fresh) log.error({ ...extra, reason, attempts }, `${kind.what} not sent; held for a person and tried again at every export run`);
    return 'failed';
  };
  try {
    const doc = await kind.build(ctx, row, partner, draftEnvelope(partner, messageType), d.ledger);
    if ('skip' in doc) {
      if (d.ledger.clearExportFailure(kind.source, key)) log.info({ reason: doc.skip }, `${kind.what} that failed is no longer to be sent`);
      log.debug({ reason: doc.skip }, `${kind.what} not for this partner`);
      return 'skipped';
    }
    const fingerprint = kind.fingerprint?.(doc);
    if (kind.base !== undefined && fingerprint !== undefined) {
      if (sent?.fingerprint === fingerprint) return 'skipped';
      if (!sent?.fingerprint || sent.fingerprint === kind.formerFingerprint?.(doc)) {
        // Sent before fingerprints were kept, or kept as an earlier version took them and unchanged in what
        // that one read: what it looks like now becomes the reference, nothing is sent.
        d.ledger.setExportFingerprint(kind.base, key, fingerprint);
        return 'skipped';
      }
    }
    const rendered = await d.render([doc], partner);
    if (rendered.errors.length > 0) return fail(`it cannot be rendered as ${messageType}: ${rendered.errors.join('; ')}`);
    const correlationId = randomUUID();
    const message = { ...outboundFor(partner, rendered.bytes, now(), correlationId), name: kind.name(row, doc) };
    // Each change is an export of its own; the record's own export keeps what the partner has now.
    const id =
      kind.base !== undefined
        ? d.ledger.enqueueExport(kind.source, `${key}@${correlationId}`, message, { fingerprint, reference: { source: kind.base, key }, heldAs: key })
        : d.ledger.enqueueExport(kind.source, key, message, { fingerprint, ...(kind.renews !== undefined ? { reference: { source: kind.renews, key: record } } : {}) });
    log.info({ correlationId, messageId: id }, `${kind.what} queued as ${messageType}`);
    // The people working on the record see it there; a failure here does not unsend anything.
    await d.client.messagePost(kind.model, row.id, `EDI ${messageType} queued for ${partner.name} (gateway message ${id})`).catch((err: unknown) => log.warn({ err }, 'chatter note not written'));
    return 'queued';
  } catch (err) {
    // Odoo out of reach comes back by itself; anything else (a business refusal, a bug) needs a person.
    if (err instanceof OdooError && err.retryable) {
      log.warn({ err: errorText(err) }, `${kind.what} not sent: Odoo could not be reached; trying again on the next run`);
      return 'retry';
    }
    return fail(errorText(err));
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** One pass over every supplier partner: purchase orders confirmed, reinstated after a cancellation, changed since they were sent, and cancelled; returns how many were queued. */
export async function exportPurchaseOrders(d: ExportDeps): Promise<number> {
  // Reinstatements before changes: a reinstated order's edits go in the reinstatement, not in a change of a cancelled order.
  let queued = 0;
  for (const kind of [PURCHASE_ORDERS, PURCHASE_ORDER_REINSTATEMENTS, PURCHASE_ORDER_CHANGES, PURCHASE_ORDER_CANCELS]) queued += await exportKind(d, kind);
  return queued;
}

/** One pass over every customer partner that receives order responses: answers, then changes of answers sent; returns how many were queued. */
export async function exportOrderResponses(d: ExportDeps): Promise<number> {
  return (await exportKind(d, ORDER_RESPONSES)) + (await exportKind(d, ORDER_RESPONSE_CHANGES));
}
