/**
 * JSON Schema export of the canonical model (`edi-gateway schema <type>`), generated from the zod
 * schemas so the published contract cannot drift from what the gateway actually validates.
 * Refinements (cross-field rules) are not expressible there and are enforced by the zod side only.
 */
import { z } from 'zod';
import { CanonicalDocumentSchema, DOCUMENT_SCHEMAS, DOCUMENT_TYPES, isDocumentType } from './document';
import type { DocumentType } from './document';

/** What `edi-gateway schema` accepts: a document kind, or 'document' for the whole union. */
export type CanonicalSchemaName = DocumentType | 'document';

/** Names accepted by {@link canonicalJsonSchema}, for usage messages. */
export const CANONICAL_SCHEMA_NAMES: readonly CanonicalSchemaName[] = [...DOCUMENT_TYPES, 'document'];

/** JSON Schema (draft 2020-12) of one document kind or of the union; throws a RangeError naming the valid kinds otherwise. */
export function canonicalJsonSchema(type: CanonicalSchemaName | string): Record<string, unknown> {
  let schema: z.ZodType;
  if (type === 'document') schema = CanonicalDocumentSchema;
  else if (isDocumentType(type)) schema = DOCUMENT_SCHEMAS[type];
  else throw new RangeError(`unknown document type '${type}'; expected one of ${CANONICAL_SCHEMA_NAMES.join(', ')}`);
  return z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
