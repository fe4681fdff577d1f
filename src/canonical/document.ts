/**
 * The canonical document: one of the five kinds, told apart by `type`. Translate produces these,
 * render consumes them, and `validateCanonicalDocument` gives both sides one place to check them with
 * errors that name the JSON path.
 */
import { z } from 'zod';
import { FunctionalAckSchema } from './functional-ack';
import { InvoiceSchema } from './invoice';
import { OrderSchema } from './order';
import { OrderResponseSchema } from './order-response';
import { ShipNoticeSchema } from './ship-notice';
import { NOT_SURE, quickParse } from './quick-check';

/** Any canonical document, discriminated on `type`. */
export const CanonicalDocumentSchema = z
  .discriminatedUnion('type', [OrderSchema, OrderResponseSchema, ShipNoticeSchema, InvoiceSchema, FunctionalAckSchema])
  .meta({ title: 'CanonicalDocument', description: 'Any canonical EDI business document, discriminated on type' });
/** Any canonical document. */
export type CanonicalDocument = z.infer<typeof CanonicalDocumentSchema>;

/** The document kinds in a fixed order (for CLI help and loops). */
export const DOCUMENT_TYPES = ['order', 'order_response', 'ship_notice', 'invoice', 'functional_ack'] as const;
/** A document kind. */
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Schema of each kind by its `type` value. */
export const DOCUMENT_SCHEMAS = {
  order: OrderSchema,
  order_response: OrderResponseSchema,
  ship_notice: ShipNoticeSchema,
  invoice: InvoiceSchema,
  functional_ack: FunctionalAckSchema,
} as const satisfies Record<DocumentType, z.ZodType>;

/** Narrow an untrusted string (CLI argument, mapping file) to a document kind. */
export function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

/** One validation problem: `path` is a JSON path such as `lines[0].quantity` ('' for the document itself). */
export interface CanonicalIssue {
  path: string;
  message: string;
}

/** Result of {@link validateCanonicalDocument}. */
export type CanonicalValidation<T> = { ok: true; document: T } | { ok: false; issues: CanonicalIssue[] };

/** How {@link validateCanonicalDocument} may read the value. */
export interface ValidateOptions {
  /** The value is plain data: object literals and arrays whose own properties are all enumerable (what the mapping engine builds). */
  plain?: boolean;
}

/** Check a value against the union (or one kind's schema) and report every problem with its path. */
export function validateCanonicalDocument(value: unknown): CanonicalValidation<CanonicalDocument>;
export function validateCanonicalDocument<K extends DocumentType>(value: unknown, type: K, options?: ValidateOptions): CanonicalValidation<z.infer<(typeof DOCUMENT_SCHEMAS)[K]>>;
export function validateCanonicalDocument(value: unknown, type?: DocumentType, options?: ValidateOptions): CanonicalValidation<unknown> {
  const schema: z.ZodType = type === undefined ? CanonicalDocumentSchema : DOCUMENT_SCHEMAS[type];
  // Every translated transaction passes here: the quick walk answers for valid documents, zod says what is wrong with the others.
  if (type !== undefined) {
    const quick = quickParse(schema, value, options?.plain === true);
    if (quick !== NOT_SURE) return { ok: true, document: quick };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, document: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })) };
}

/** Render a zod path as a JSON path: ['lines', 0, 'quantity'] -> 'lines[0].quantity'. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const name = String(key);
    return out === '' ? name : `${out}.${name}`;
  }, '');
}
