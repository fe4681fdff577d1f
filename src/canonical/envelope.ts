/**
 * The `envelope` block every canonical document carries: where the transaction came from (or goes to)
 * in EDI terms. It keeps the control numbers so acknowledgments, duplicates and audit trails can be
 * traced back to the interchange without re-reading the raw file.
 */
import { z } from 'zod';
import { CodeSchema } from './common';

/** The two EDI syntaxes the gateway speaks. */
export const StandardSchema = z.enum(['x12', 'edifact']);
/** x12 | edifact. */
export type Standard = z.infer<typeof StandardSchema>;

/** An interchange party: ISA05/06 and ISA07/08, GS02/03 application codes, or UNB 0004/0007 and 0010/0007. */
export const EnvelopePartySchema = z
  .strictObject({
    qualifier: CodeSchema.optional().describe('ISA05/ISA07 or UNB 0007 (e.g. ZZ, 01, 14); absent for GS application codes'),
    id: CodeSchema.describe('trimmed interchange id (ISA06/ISA08, UNB 0004/0010)'),
  })
  .meta({ title: 'EnvelopeParty' });
/** An interchange party. */
export type EnvelopeParty = z.infer<typeof EnvelopePartySchema>;

/** The envelope data of one transaction (ISA/GS/ST or UNB/UNG/UNH). */
export const EnvelopeSchema = z
  .strictObject({
    standard: StandardSchema,
    version: CodeSchema.describe('X12 GS08 (004010, 005010, 004010VICS) or EDIFACT directory (D96A, D01B)'),
    messageType: CodeSchema.describe('X12 ST01 (850, 997) or EDIFACT UNH 0065 (ORDERS, CONTRL)'),
    sender: EnvelopePartySchema,
    receiver: EnvelopePartySchema,
    interchangeControlNumber: CodeSchema.describe('ISA13 or UNB 0020, kept as text because leading zeros matter'),
    groupControlNumber: CodeSchema.optional().describe('GS06 or UNG 0048; absent when there is no group (most EDIFACT)'),
    controlNumber: CodeSchema.describe('ST02 or UNH 0062'),
    test: z.boolean().describe('ISA15 = T or UNB 0035 = 1'),
  })
  .superRefine((envelope, ctx) => {
    // Catch envelopes filled from the wrong standard early; the message says what was expected.
    const rules =
      envelope.standard === 'x12'
        ? { version: /^\d{6}[A-Z0-9]{0,6}$/, versionHint: '6 digits such as 004010, optionally an industry suffix', messageType: /^\d{3}$/, typeHint: '3 digits such as 850' }
        : { version: /^[A-Z]\d{2}[A-Z]$/, versionHint: 'a directory such as D96A or D01B', messageType: /^[A-Z]{6}$/, typeHint: '6 letters such as ORDERS' };
    if (!rules.version.test(envelope.version)) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: `expected ${rules.versionHint} for ${envelope.standard}` });
    }
    if (!rules.messageType.test(envelope.messageType)) {
      ctx.addIssue({ code: 'custom', path: ['messageType'], message: `expected ${rules.typeHint} for ${envelope.standard}` });
    }
  })
  .meta({ title: 'Envelope' });
/** The envelope data of one transaction. */
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** Partner folder name (`partners/<id>`), so it must be a safe single path segment. */
export const PartnerIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a partner folder name: letters, digits, ".", "_" or "-"');

/** Fields every canonical document starts with; spread into each document's shape next to its `type` literal. */
export const documentHeader = {
  partnerId: PartnerIdSchema.describe('id of the partner folder this document was routed to or is sent to'),
  envelope: EnvelopeSchema,
};
