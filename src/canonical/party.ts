/**
 * Trading parties (X12 N1 loop, EDIFACT NAD group). Roles are a closed list so Odoo code can ask for
 * "the ship_to" without knowing that one partner says ST and another DP; mappings translate the codes.
 */
import { z } from 'zod';
import { CodeSchema, CountrySchema, QualifiedValueSchema, TextSchema, hasAnyValue, listOf } from './common';

/** Party roles: X12 N101 / EDIFACT NAD 3035 after translation by the mapping. */
export const PartyRoleSchema = z.enum([
  'buyer',
  'seller',
  'ship_to',
  'bill_to',
  'ship_from',
  'remit_to',
  'supplier',
  'manufacturer',
  'carrier',
  'ultimate_consignee',
  'consignee',
  'mark_for',
  'payer',
  'invoicer',
  'ordered_by',
  'warehouse',
  'freight_forwarder',
  'customs_broker',
]);
/** A party role. */
export type PartyRole = z.infer<typeof PartyRoleSchema>;

/** Postal address (X12 N3/N4, EDIFACT NAD street/city/postcode/country); every part optional but not all. */
export const AddressSchema = z
  .strictObject({
    lines: listOf(TextSchema).optional().describe('street lines in order (N301, N302, further N3; NAD 3042)'),
    city: TextSchema.optional(),
    region: CodeSchema.optional().describe('state or province code (N402, NAD 3229)'),
    postalCode: CodeSchema.optional(),
    country: CountrySchema.optional(),
  })
  .refine(hasAnyValue, 'an address needs at least one part; omit it otherwise')
  .meta({ title: 'Address' });
/** Postal address. */
export type Address = z.infer<typeof AddressSchema>;

/** A contact (X12 PER, EDIFACT CTA/COM); `function` keeps the partner's function code (PER01, CTA 3139). */
export const ContactSchema = z
  .strictObject({
    name: TextSchema.optional(),
    function: CodeSchema.optional(),
    phone: CodeSchema.optional(),
    email: CodeSchema.optional(),
    fax: CodeSchema.optional(),
  })
  .refine(hasAnyValue, 'a contact needs at least one field; omit it otherwise')
  .meta({ title: 'Contact' });
/** A contact. */
export type Contact = z.infer<typeof ContactSchema>;

/** A party in a role, identified by ids (DUNS, GLN, buyer-assigned …), a name or an address. */
export const PartySchema = z
  .strictObject({
    role: PartyRoleSchema,
    ids: listOf(QualifiedValueSchema).optional().describe('N103/N104 and NAD 3039/3055, e.g. {qualifier: "GLN", value: "..."}'),
    name: TextSchema.optional(),
    address: AddressSchema.optional(),
    taxId: CodeSchema.optional().describe('VAT or other tax registration number (EDIFACT RFF+VA in the NAD group, X12 REF*VX in the N1 loop)'),
    contacts: listOf(ContactSchema).optional(),
  })
  .refine((party) => party.ids !== undefined || party.name !== undefined || party.address !== undefined, {
    message: 'a party needs ids, a name or an address to be identifiable',
    path: ['ids'],
  })
  .meta({ title: 'Party' });
/** A party in a role. */
export type Party = z.infer<typeof PartySchema>;
