/**
 * The purchase order (X12 850, also 860/875 by mapping; EDIFACT ORDERS/ORDCHG). This is what becomes an
 * Odoo sale order on the customer side or what we send to a supplier from a purchase order.
 */
import { z } from 'zod';
import {
  CodeSchema,
  CountSchema,
  CurrencySchema,
  IsoDateSchema,
  ItemIdsSchema,
  LineNumberSchema,
  NonNegativeSchema,
  NoteSchema,
  QualifiedValueSchema,
  TextSchema,
  UomSchema,
  listOf,
} from './common';
import { documentHeader } from './envelope';
import { PartySchema } from './party';

/** Why the order was sent (X12 BEG01 / BGM 1225, translated). */
export const PurposeSchema = z.enum(['original', 'replace', 'cancel', 'change', 'duplicate']);
/** Order purpose. */
export type Purpose = z.infer<typeof PurposeSchema>;

/** One ordered item (X12 PO1 loop, EDIFACT LIN group). */
export const OrderLineSchema = z
  .strictObject({
    lineNumber: LineNumberSchema.describe('PO101 or LIN 1082, as sent'),
    quantity: z.number().positive().describe('ordered quantity, greater than zero'),
    uom: UomSchema,
    unitPrice: NonNegativeSchema.optional(),
    itemIds: ItemIdsSchema.optional(),
    description: TextSchema.optional(),
    requestedDate: IsoDateSchema.optional().describe('line-level requested delivery date'),
  })
  .refine((line) => line.itemIds !== undefined || line.description !== undefined, {
    message: 'a line needs itemIds or a description to say what is ordered',
    path: ['itemIds'],
  })
  .meta({ title: 'OrderLine' });
/** One ordered item. */
export type OrderLine = z.infer<typeof OrderLineSchema>;

/** Control totals (X12 CTT/AMT, EDIFACT CNT/MOA); optional because many partners omit them. */
export const OrderTotalsSchema = z
  .strictObject({
    lineCount: CountSchema.optional().describe('CTT01 or CNT 2 (number of line items)'),
    amount: NonNegativeSchema.optional().describe('total order amount (AMT*TT, MOA 79/86)'),
  })
  .refine((totals) => totals.lineCount !== undefined || totals.amount !== undefined, 'omit totals when neither lineCount nor amount is known')
  .meta({ title: 'OrderTotals' });
/** Order control totals. */
export type OrderTotals = z.infer<typeof OrderTotalsSchema>;

/** Canonical purchase order. */
export const OrderSchema = z
  .strictObject({
    type: z.literal('order'),
    ...documentHeader,
    orderNumber: CodeSchema.describe('BEG03 or BGM 1004'),
    purpose: PurposeSchema,
    orderType: CodeSchema.optional().describe('BEG02 or BGM 1001 as translated by the mapping (e.g. SA, 220)'),
    orderDate: IsoDateSchema.describe('BEG05 or DTM 137'),
    currency: CurrencySchema.optional(),
    parties: listOf(PartySchema).optional(),
    requestedDeliveryDate: IsoDateSchema.optional().describe('DTM 002 / DTM 2'),
    references: listOf(QualifiedValueSchema).optional().describe('REF and RFF, e.g. contract or promotion numbers'),
    lines: listOf(OrderLineSchema).describe('X12 850 requires PO1; EDIFACT ORDERS without LIN is not an order we can book'),
    totals: OrderTotalsSchema.optional(),
    notes: listOf(NoteSchema).optional(),
  })
  .meta({ title: 'Order', description: 'Purchase order (X12 850, EDIFACT ORDERS)' });
/** Canonical purchase order. */
export type Order = z.infer<typeof OrderSchema>;

