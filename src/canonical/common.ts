/**
 * Building blocks shared by every canonical document. Keeping them in one place means a date, an
 * amount or an item id is checked the same way in an order, an ASN and an invoice, and the JSON Schema
 * shows the same pattern everywhere.
 */
import { z } from 'zod';
import { ISO_TIME, isIsoDate } from './dates';

/** Identifiers and codes: non-empty and trimmed, so padded fixed-width values (ISA06) never leak in. */
export const CodeSchema = z.string().regex(/^\S(?:.*\S)?$/, 'must be non-empty without leading or trailing spaces');

/** Free text (names, descriptions, notes): anything but blank, since blanks are placeholders, not values. */
export const TextSchema = z.string().regex(/\S/, 'must not be empty or blank');

/** Calendar date 'YYYY-MM-DD': zod's pattern (exported as format "date") plus our calendar check, so schemas and converters agree. */
export const IsoDateSchema = z.iso
  .date({ error: 'expected a calendar date YYYY-MM-DD' })
  .refine(isIsoDate, { error: 'expected a calendar date YYYY-MM-DD', when: (payload) => payload.issues.length === 0 });

/** Time of day 'HH:MM' or 'HH:MM:SS', as EDI times carry no zone. */
export const IsoTimeSchema = z.string().regex(ISO_TIME, 'expected a time HH:MM or HH:MM:SS');

/** ISO 4217 alphabetic currency code; mappings translate partner codes to it. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as USD or EUR');

/** ISO 3166-1 alpha-2 country; one form keeps Odoo's country lookup simple (mappings turn 'USA' into 'US'). */
export const CountrySchema = z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code such as US or DE');

/** Any finite JSON number (zod 4 already refuses NaN and Infinity). */
export const AmountSchema = z.number();

/** A price, rate or weight that cannot be below zero. */
export const NonNegativeSchema = z.number().nonnegative();

/** A count of lines or days: a whole number, never negative. */
export const CountSchema = z.number().int().nonnegative();

/** Unit of measure code as agreed in the mapping (e.g. 'EA', 'CS' or the Odoo unit name). */
export const UomSchema = CodeSchema;

/** A line identifier: X12 PO101/IT101 and EDIFACT LIN 1082 are alphanumeric ('001', '1A'), so a string. */
export const LineNumberSchema = CodeSchema;

/** A partner-qualified value: references (REF/RFF), party ids (N104/NAD), extra item ids. */
export const QualifiedValueSchema = z
  .strictObject({
    qualifier: CodeSchema.describe('code saying what the value is, as translated by the mapping (e.g. PO, DUNS, GLN)'),
    value: CodeSchema,
  })
  .meta({ title: 'QualifiedValue' });
/** A partner-qualified value. */
export type QualifiedValue = z.infer<typeof QualifiedValueSchema>;

/** A free-text note with the subject code it came with (X12 NTE01/MSG, EDIFACT FTX 4451). */
export const NoteSchema = z.strictObject({ qualifier: CodeSchema.optional(), text: TextSchema }).meta({ title: 'Note' });
/** A free-text note. */
export type Note = z.infer<typeof NoteSchema>;

/** Optional lists are omitted when there is nothing to say, so a present list has at least one entry. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, 'omit the list instead of sending it empty');
}

/** Item identifiers by who assigned them; unmapped qualifiers go to `other` so nothing is lost. */
export const ItemIdsSchema = z
  .strictObject({
    buyer: CodeSchema.optional().describe("buyer's item number (X12 BP/IN, EDIFACT IN)"),
    vendor: CodeSchema.optional().describe("vendor's item number (X12 VP/VN, EDIFACT SA)"),
    gtin: z.string().regex(/^(?:\d{8}|\d{12,14})$/, 'expected a GTIN of 8, 12, 13 or 14 digits').optional(),
    upc: z.string().regex(/^\d{12}$/, 'expected a 12-digit UPC-A').optional(),
    ean: z.string().regex(/^(?:\d{8}|\d{13})$/, 'expected an EAN of 8 or 13 digits').optional(),
    sku: CodeSchema.optional(),
    manufacturer: CodeSchema.optional().describe("manufacturer's part number (X12 MG, EDIFACT MF)"),
    other: listOf(QualifiedValueSchema).optional(),
  })
  .refine(hasAnyValue, 'give at least one item id or omit itemIds')
  .meta({ title: 'ItemIds' });
/** Item identifiers by assigner. */
export type ItemIds = z.infer<typeof ItemIdsSchema>;

/** Lines that state a quantity must say in what unit; used as a refinement on line objects. */
export function quantityHasUom(line: { quantity?: number; uom?: string }): boolean {
  return line.quantity === undefined || line.uom !== undefined;
}

/** True when an object has at least one defined field; all-optional blocks use it so `{}` is never sent as a placeholder. */
export function hasAnyValue(value: object): boolean {
  // Object.values' question without its list (every line's item ids and every address ask it).
  for (const key in value) if (Object.hasOwn(value, key) && (value as Record<string, unknown>)[key] !== undefined) return true;
  return false;
}
