/**
 * The order response (X12 855, EDIFACT ORDRSP): the supplier's answer to an order, header and per line.
 * Lines are optional because a plain "accepted, no detail" answer (BAK02 AK / ORDRSP without LIN) is valid.
 */
import { z } from 'zod';
import { CodeSchema, IsoDateSchema, ItemIdsSchema, LineNumberSchema, NonNegativeSchema, UomSchema, listOf, quantityHasUom } from './common';
import { documentHeader } from './envelope';

/** Header answer (BAK02 / BGM 4343, translated). */
export const ResponseStatusSchema = z.enum(['accepted', 'accepted_with_changes', 'rejected', 'pending']);
/** Header answer. */
export type ResponseStatus = z.infer<typeof ResponseStatusSchema>;

/** Line answer (ACK01 / LIN 1229, translated). */
export const LineStatusSchema = z.enum(['accepted', 'changed', 'rejected', 'backordered', 'rescheduled']);
/** Line answer. */
export type LineStatus = z.infer<typeof LineStatusSchema>;

/** The answer for one order line (X12 PO1/ACK, EDIFACT LIN/QTY/DTM). */
export const OrderResponseLineSchema = z
  .strictObject({
    lineNumber: LineNumberSchema.describe('the order line answered'),
    status: LineStatusSchema,
    quantity: NonNegativeSchema.optional().describe('confirmed quantity; 0 is legitimate for rejected lines'),
    uom: UomSchema.optional(),
    unitPrice: NonNegativeSchema.optional(),
    scheduledDate: IsoDateSchema.optional().describe('promised delivery or ship date (ACK05, DTM)'),
    itemIds: ItemIdsSchema.optional(),
  })
  .refine(quantityHasUom, { message: 'a quantity needs its uom', path: ['uom'] })
  .meta({ title: 'OrderResponseLine' });
/** The answer for one order line. */
export type OrderResponseLine = z.infer<typeof OrderResponseLineSchema>;

/** Canonical order response. */
export const OrderResponseSchema = z
  .strictObject({
    type: z.literal('order_response'),
    ...documentHeader,
    orderNumber: CodeSchema.describe('the order answered (BAK03, RFF+ON)'),
    responseNumber: CodeSchema.optional().describe('BAK08 or BGM 1004'),
    responseDate: IsoDateSchema.optional().describe('BAK09 or DTM 137'),
    status: ResponseStatusSchema,
    purpose: z.enum(['original', 'change']).optional().describe('change: an answer that replaces one sent before (BAK01 04); original when absent'),
    lines: listOf(OrderResponseLineSchema).optional(),
  })
  .meta({ title: 'OrderResponse', description: 'Order response (X12 855, EDIFACT ORDRSP)' });
/** Canonical order response. */
export type OrderResponse = z.infer<typeof OrderResponseSchema>;
