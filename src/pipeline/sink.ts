/**
 * Where posted documents go: Odoo through the posters, or (for the pipeline benchmark) nowhere. The
 * Odoo sink keeps one lookup cache per partner and renews it every `cacheTtlMs`, so a product or
 * contact changed in Odoo is seen within that time without asking Odoo the same question per document.
 */
import type { CanonicalDocument } from '../canonical/document';
import type { OdooClient } from '../odoo/client';
import { createPostContext, postDocument, ResolveCache, type PostResult } from '../odoo/post';
import type { Partner } from '../partners/registry';

/** Takes a canonical document for a partner; throws typed errors (BusinessError, OdooError). */
export interface DocumentSink {
  post(doc: CanonicalDocument, partner: Partner): Promise<PostResult>;
  /** Throws when the target cannot be reached (readiness). */
  ping(): Promise<void>;
}

/** The Odoo sink. */
export function odooSink(client: OdooClient, cacheTtlMs = 60_000, now: () => number = Date.now): DocumentSink {
  const caches = new Map<string, { cache: ResolveCache; born: number }>();
  const cacheFor = (partnerId: string): ResolveCache => {
    const entry = caches.get(partnerId);
    if (entry && now() - entry.born < cacheTtlMs) return entry.cache;
    const fresh = { cache: new ResolveCache(), born: now() };
    caches.set(partnerId, fresh);
    return fresh.cache;
  };
  return {
    post: (doc, partner) => postDocument(doc, createPostContext({ client, settings: partner.odoo, cache: cacheFor(partner.id) })),
    // A real round trip (version() is cached): counts nothing, but needs the server, the database and our login.
    ping: async () => {
      await client.searchCount('res.partner', [['id', '=', 0]], { signal: AbortSignal.timeout(2000) });
    },
  };
}

/** A sink that accepts everything at once: measures the pipeline's own overhead. */
export function nullSink(): DocumentSink {
  return {
    post: async (doc) => [{ model: 'null', id: 0, name: doc.type, created: true, action: 'created', notes: [] }],
    ping: async () => undefined,
  };
}
