/**
 * Where posted documents go: Odoo through the posters, or (for the pipeline benchmark) nowhere. The
 * Odoo sink keeps one lookup cache per partner and renews it every `cacheTtlMs`, so a product or
 * contact changed in Odoo is seen within that time without asking Odoo the same question per document.
 */
import type { CanonicalDocument } from '../canonical/document';
import { OrderSchema, type Order } from '../canonical';
import type { DocumentRow, Ledger } from '../store';
import type { OdooClient } from '../odoo/client';
import { createPostContext, postDocument, postOrderBatch, ResolveCache, settle, type PostResult, type Settled } from '../odoo/post';
import type { Partner } from '../partners/registry';

/** Takes a canonical document for a partner; throws typed errors (BusinessError, OdooError). */
export interface DocumentSink {
  post(doc: CanonicalDocument, partner: Partner): Promise<PostResult>;
  /** Several documents of one partner and one of the `batchable` types at once: one outcome each, in order. */
  postMany?(docs: CanonicalDocument[], partner: Partner): Promise<Settled<PostResult>[]>;
  /** The document types `postMany` takes. */
  batchable?: ReadonlySet<CanonicalDocument['type']>;
  /** Throws when the target cannot be reached (readiness). */
  ping(): Promise<void>;
}

/** What Odoo takes several of in one call: new sale orders (`create` with a list, one `action_confirm`). */
const ODOO_BATCHABLE: ReadonlySet<CanonicalDocument['type']> = new Set(['order']);

/** A partner's order as it last stated it: the latest posted original or change under that number. */
export type StatedOrders = (partnerId: string, orderNumber: string) => Order | undefined;

/** The stated orders of the ledger (D29): what a customer's change is compared with; undefined once retention removed the JSON. */
export function ledgerStatedOrders(ledger: Pick<Ledger, 'findByNumber'>): StatedOrders {
  return (partnerId, orderNumber) => lastStatedOrder(ledger.findByNumber(orderNumber, [partnerId], 20).documents, partnerId, orderNumber);
}

/** Among an order's documents (newest first), the order as the customer last stated it: the newest posted original or applied change. */
export function lastStatedOrder(documents: readonly DocumentRow[], partnerId: string, orderNumber: string): Order | undefined {
  for (const d of documents) {
    if (d.type !== 'order' || d.partnerId !== partnerId || d.state !== 'posted' || !d.canonical) continue;
    const parsed = OrderSchema.safeParse(JSON.parse(d.canonical));
    if (parsed.success && parsed.data.orderNumber === orderNumber && parsed.data.purpose !== 'cancel') return parsed.data;
  }
  return undefined;
}

/** The Odoo sink; `statedOrders` lets changes of orders be matched by the customer's line numbers. */
export function odooSink(client: OdooClient, cacheTtlMs = 60_000, now: () => number = Date.now, statedOrders?: StatedOrders): DocumentSink {
  const caches = new Map<string, { cache: ResolveCache; born: number }>();
  const cacheFor = (partnerId: string): ResolveCache => {
    const entry = caches.get(partnerId);
    if (entry && now() - entry.born < cacheTtlMs) return entry.cache;
    const fresh = { cache: new ResolveCache(), born: now() };
    caches.set(partnerId, fresh);
    return fresh.cache;
  };
  const contextFor = (partner: Partner) =>
    createPostContext({ client, settings: partner.odoo, cache: cacheFor(partner.id), ...(statedOrders ? { statedOrder: (n: string) => statedOrders(partner.id, n) } : {}) });
  return {
    post: (doc, partner) => postDocument(doc, contextFor(partner)),
    postMany: (docs, partner) => {
      const ctx = contextFor(partner);
      const orders = docs.filter((d): d is Order => d.type === 'order');
      return orders.length === docs.length ? postOrderBatch(orders, ctx) : Promise.all(docs.map((d) => settle(postDocument(d, ctx))));
    },
    batchable: ODOO_BATCHABLE,
    // A real round trip (version() is cached): counts nothing, but needs the server, the database and our login.
    ping: async () => {
      await client.searchCount('res.partner', [['id', '=', 0]], { signal: AbortSignal.timeout(2000) });
    },
  };
}

/** A sink that accepts everything at once: measures the pipeline's own overhead (batching the types Odoo batches). */
export function nullSink(): DocumentSink {
  const accept = (doc: CanonicalDocument): PostResult => [{ model: 'null', id: 0, name: doc.type, created: true, action: 'created', notes: [] }];
  return {
    post: async (doc) => accept(doc),
    postMany: async (docs) => docs.map((doc) => ({ ok: true as const, value: accept(doc) })),
    batchable: ODOO_BATCHABLE,
    ping: async () => undefined,
  };
}
