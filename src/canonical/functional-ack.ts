/**
 * Functional acknowledgments (X12 997 and 999, EDIFACT CONTRL) in one shape, so the ack tracker can
 * match any of them to what we sent by control numbers and show why a partner rejected something.
 * Error codes stay the standard's codes (AK304/IK304, AK403/IK403, AK502/IK502, CONTRL 0085), since
 * they are what partner guides and support people talk about.
 */
import { z } from 'zod';
import { CodeSchema, TextSchema, listOf } from './common';
import { EnvelopePartySchema, documentHeader } from './envelope';

/** Overall answer (AK901 / IK901 A, E, P, R; CONTRL UCI 0083 7 or 4). */
export const FunctionalAckStatusSchema = z.enum(['accepted', 'accepted_with_errors', 'partially_accepted', 'rejected']);
/** Overall answer. */
export type FunctionalAckStatus = z.infer<typeof FunctionalAckStatusSchema>;

/** Answer for one transaction (AK501 / IK501 A, E, R…; CONTRL UCM 0083). */
export const AckTransactionStatusSchema = z.enum(['accepted', 'accepted_with_errors', 'rejected']);
/** Answer for one transaction. */
export type AckTransactionStatus = z.infer<typeof AckTransactionStatusSchema>;

/** Where an error sits; `transaction` errors have no segment position. */
export const AckErrorLevelSchema = z.enum(['interchange', 'group', 'transaction', 'segment', 'element']);
/** Where an error sits. */
export type AckErrorLevel = z.infer<typeof AckErrorLevelSchema>;

/** 1-based position, as the standards count segments, elements and components. */
const PositionSchema = z.number().int().positive();

/** One reported error (X12 AK3/AK4, IK3/IK4/CTX, AK5/IK5 codes; CONTRL UCS/UCD/UCM 0085). */
export const AckErrorSchema = z
  .strictObject({
    level: AckErrorLevelSchema,
    code: CodeSchema.describe('the standard code: AK304/IK304, AK403/IK403, AK502/IK502, AK905 or CONTRL 0085'),
    segmentTag: CodeSchema.optional().describe('AK301 / IK301'),
    segmentPosition: PositionSchema.optional().describe('AK302 / IK302 or UCS 0096, counted from ST/UNH = 1'),
    loopId: CodeSchema.optional().describe('AK303 / IK303'),
    elementPosition: PositionSchema.optional().describe('AK401-1 / IK401-1 or UCD 0098 first component'),
    componentPosition: PositionSchema.optional().describe('AK401-2 / IK401-2 or UCD 0104'),
    repetitionPosition: PositionSchema.optional().describe('IK401-3'),
    elementReference: CodeSchema.optional().describe('data element reference number (AK402 / IK402)'),
    badValue: z.string().min(1).optional().describe('copy of the bad data element (AK404 / IK404)'),
    description: TextSchema.optional().describe('human-readable explanation, when known'),
  })
  .superRefine((error, ctx) => {
    // An element position without its segment cannot be located by anyone reading the ack.
    if ((error.level === 'segment' || error.level === 'element') && error.segmentPosition === undefined && error.segmentTag === undefined) {
      ctx.addIssue({ code: 'custom', path: ['segmentPosition'], message: `a ${error.level} error needs segmentPosition or segmentTag` });
    }
    if (error.level === 'element' && error.elementPosition === undefined) {
      ctx.addIssue({ code: 'custom', path: ['elementPosition'], message: 'an element error needs elementPosition' });
    }
  })
  .meta({ title: 'AckError' });
/** One reported error. */
export type AckError = z.infer<typeof AckErrorSchema>;

/** The answer for one acknowledged transaction (AK2…AK5 / IK2…IK5, CONTRL UCM group). */
export const AckTransactionSchema = z
  .strictObject({
    messageType: CodeSchema.optional().describe('AK201 / UCM 0065'),
    controlNumber: CodeSchema.describe('AK202 / UCM 0062, the ST02 or UNH 0062 we sent'),
    implementationReference: CodeSchema.optional().describe('AK203 (999 implementation guide)'),
    status: AckTransactionStatusSchema,
    errors: listOf(AckErrorSchema).optional(),
  })
  .meta({ title: 'AckTransaction' });
/** The answer for one acknowledged transaction. */
export type AckTransaction = z.infer<typeof AckTransactionSchema>;

/** What is acknowledged: a group (X12 AK1) or an interchange (CONTRL UCI) and, for UCF, a group in it. */
export const AcknowledgedSchema = z
  .strictObject({
    interchangeControlNumber: CodeSchema.optional().describe('CONTRL UCI 0020 (X12 997/999 do not carry it)'),
    groupControlNumber: CodeSchema.optional().describe('AK102 or UCF 0048'),
    functionalId: CodeSchema.optional().describe('AK101 (PO, IN, SH …) or UCF 0038'),
    version: CodeSchema.optional().describe('AK103 (999) or the acknowledged directory'),
    sender: EnvelopePartySchema.optional().describe('UCI sender of the acknowledged interchange'),
    receiver: EnvelopePartySchema.optional().describe('UCI recipient of the acknowledged interchange'),
  })
  .refine((ack) => ack.interchangeControlNumber !== undefined || ack.groupControlNumber !== undefined, {
    message: 'an acknowledgment must name the interchange or group control number it answers',
    path: ['groupControlNumber'],
  })
  .meta({ title: 'Acknowledged' });
/** What is acknowledged. */
export type Acknowledged = z.infer<typeof AcknowledgedSchema>;

/** Transaction counts of AK9 / IK9. */
export const AckCountsSchema = z
  .strictObject({
    included: z.number().int().nonnegative().describe('AK902: transaction sets in the group'),
    received: z.number().int().nonnegative().describe('AK903'),
    accepted: z.number().int().nonnegative().describe('AK904'),
  })
  .refine((c) => c.accepted <= c.received, { message: 'accepted cannot exceed received', path: ['accepted'] })
  .meta({ title: 'AckCounts' });
/** Transaction counts. */
export type AckCounts = z.infer<typeof AckCountsSchema>;

/** Canonical functional acknowledgment. */
export const FunctionalAckSchema = z
  .strictObject({
    type: z.literal('functional_ack'),
    ...documentHeader,
    acknowledged: AcknowledgedSchema,
    status: FunctionalAckStatusSchema,
    counts: AckCountsSchema.optional(),
    transactions: listOf(AckTransactionSchema).optional().describe('absent when only the group or interchange is answered'),
    errors: listOf(AckErrorSchema).optional().describe('group or interchange level errors (AK905-909, UCI 0085)'),
  })
  .meta({ title: 'FunctionalAck', description: 'Functional acknowledgment (X12 997/999, EDIFACT CONTRL)' });
/** Canonical functional acknowledgment. */
export type FunctionalAck = z.infer<typeof FunctionalAckSchema>;
