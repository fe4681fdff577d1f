/**
 * What every poster gets and returns.
 *
 * A poster turns one canonical document into Odoo records through the {@link OdooClient}. It looks
 * up by business key before it creates anything, so posting the same document again (a re-delivered
 * interchange, a retry after a time-out) finds what the first run made instead of duplicating it.
 *
 * Two kinds of failure leave a poster:
 * - {@link BusinessError}: the document cannot be booked as it is (unknown product, PO not found,
 *   closed PO, quantity over tolerance, a different invoice under the same number). Not retryable;
 *   the message names the value and where it came from in the EDI.
 * - Odoo client errors (`OdooError` subclasses) pass through untouched: they carry `retryable`
 *   (an `OdooUnavailableError` after a 503 or a time-out is worth retrying, the run is idempotent).
 */
import type { OdooClient } from '../client';
import { OdooSettingsSchema, type OdooSettings } from '../../partners/schema';
import type { z } from 'zod';
import type { ItemIds, Order } from '../../canonical';

export type PostAction = 'created' | 'found' | 'updated' | 'unchanged';

/** One Odoo record a poster created, found or changed. */
export interface PostedRecord {
  model: string;
  id: number;
  /** The record's display name (S00012, P00001, WH/IN/00003, BILL/2026/11/0001…). */
  name: string;
  /** True only when this run created the record. */
  created: boolean;
  /**
   * created: new record; found: it existed and nothing was changed; updated: it existed (or was just
   * created by a part of this run) and this run changed it (confirmed, validated, posted, wrote values);
   * unchanged: it existed and already said what the document says.
   */
  action: PostAction;
  notes: string[];
}

export type PostResult = PostedRecord[];

export type BusinessErrorCode =
  | 'unknown_partner'
  | 'ambiguous'
  | 'unknown_product'
  | 'unknown_uom'
  | 'po_not_found'
  | 'po_closed'
  | 'no_receipt'
  | 'line_not_found'
  | 'quantity_over_tolerance'
  | 'duplicate_supplier_invoice'
  | 'unsupported';

/** The document cannot be booked as it is. Retrying will not help; a person (or a fixed mapping) must. */
export class BusinessError extends Error {
  readonly retryable = false as const;
  readonly code: BusinessErrorCode;
  /** One entry per problem when several lines failed (the message joins them). */
  readonly issues: string[];

  constructor(code: BusinessErrorCode, issues: string | string[]) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.join('; '));
    this.name = 'BusinessError';
    this.code = code;
    this.issues = list;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable, issues: this.issues };
  }
}

/**
 * A document a person is to book (a change or cancellation of an order under `orderUpdates: hold`):
 * nothing is wrong with it, so the ledger holds it (state held, replayable) instead of dead-lettering it,
 * and the partner gets no negative acknowledgment.
 */
export class HeldForPerson extends BusinessError {
  constructor(issue: string) {
    super('unsupported', issue);
    this.name = 'HeldForPerson';
  }
}

/** The customer's order `orderNumber` as it last stated it (the latest posted original or change), or undefined when none is kept. */
export type StatedOrderLookup = (orderNumber: string) => Order | undefined;

/**
 * Hook for `productMatch: partnerCode`: the partner's cross-reference table (their item number →
 * our product id). Returns the product.product id, or undefined when the table has no entry.
 */
export type PartnerCodeLookup = (itemIds: ItemIds) => Promise<number | undefined> | number | undefined;

/** Per-run cache of lookups; a new one per run, so a changed master record is seen by the next run. */
export class ResolveCache {
  readonly entries = new Map<string, Promise<unknown>>();
  /** Values a caller derived from lookups of this cache (see `remember`): read without awaiting. */
  private readonly derived = new Map<string, unknown>();

  /** The cached promise for `key`, or the one `load` makes (a failed load is forgotten, so a retry asks again). */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.entries.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.entries.set(key, p);
      p.catch(() => {
        if (this.entries.get(key) === p) this.entries.delete(key);
      });
    }
    return p;
  }

  /**
   * Keep a value computed only from this cache's lookups (an order line's product and unit), so the
   * next document asks for it synchronously: twenty awaited lookups per order cost more than the order's
   * HTTP call. It lives as long as the cache, like the lookups it came from.
   */
  remember<T>(key: string, value: T): void {
    this.derived.set(key, value);
  }

  /** A value kept by `remember`, or undefined. */
  recall<T>(key: string): T | undefined {
    return this.derived.get(key) as T | undefined;
  }

  /** Forget one key (after a create, so the next lookup sees the new record). */
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** What every poster gets. */
export interface PostContext {
  client: OdooClient;
  /** The partner's `odoo` block, defaults applied. */
  settings: OdooSettings;
  /** Per-run cache of lookups (partner, products, units, fields). Share it across the documents of one run. */
  cache: ResolveCache;
  /**
   * Extra EDI unit codes → Odoo unit names for this partner (e.g. `{ CA: 'Case of 12' }`), checked
   * before the built-in table.
   */
  uomCodes?: Record<string, string>;
  /** Hook for `productMatch: partnerCode` (a partner cross-reference table); absent = not configured. */
  partnerCodeLookup?: PartnerCodeLookup;
  /** The partner's orders as last stated, from the ledger: what a change is compared with. Absent outside the gateway. */
  statedOrder?: StatedOrderLookup;
}

export interface PostContextInit {
  client: OdooClient;
  /** The partner's `odoo` block as written in partner.yaml (defaults are applied here). */
  settings: z.input<typeof OdooSettingsSchema> | OdooSettings;
  cache?: ResolveCache;
  uomCodes?: Record<string, string>;
  partnerCodeLookup?: PartnerCodeLookup;
  statedOrder?: StatedOrderLookup;
}

export function createPostContext(init: PostContextInit): PostContext {
  const ctx: PostContext = { client: init.client, settings: OdooSettingsSchema.parse(init.settings), cache: init.cache ?? new ResolveCache() };
  if (init.uomCodes) ctx.uomCodes = init.uomCodes;
  if (init.partnerCodeLookup) ctx.partnerCodeLookup = init.partnerCodeLookup;
  if (init.statedOrder) ctx.statedOrder = init.statedOrder;
  return ctx;
}

export function record(model: string, id: number, name: string, action: PostAction, notes: string[] = []): PostedRecord {
  return { model, id, name, created: action === 'created', action, notes };
}

/** `[12, "S00012"]` → 12; `false` → undefined. */
export function m2oId(v: unknown): number | undefined {
  if (Array.isArray(v) && typeof v[0] === 'number') return v[0];
  return typeof v === 'number' ? v : undefined;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** A canonical date (no zone) as an Odoo datetime: noon UTC, so no time zone shifts it to another day. */
export function dateToOdooDatetime(date: string): string {
  return `${date} 12:00:00`;
}

/** The segment a line came from, for error messages: PO1 (850), ACK (855), LIN (856), IT1 (810); EDIFACT LIN. */
export function lineSegment(standard: 'x12' | 'edifact', docType: 'order' | 'order_response' | 'ship_notice' | 'invoice'): string {
  if (standard === 'edifact') return 'LIN';
  return { order: 'PO1', order_response: 'PO1/ACK', ship_notice: 'LIN/SN1', invoice: 'IT1' }[docType];
}
