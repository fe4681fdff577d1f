/**
 * The invoice (X12 810, EDIFACT INVOIC): becomes a vendor bill in Odoo, or is rendered from a customer
 * invoice or credit note. Quantities and amounts may be negative because corrections and credit lines
 * travel in the same message; prices, rates and percentages may not. A credit note says so by its
 * `invoiceType` and states its amounts positive, as the credit it grants (D30).
 */
import { z } from 'zod';
import {
  AmountSchema,
  CodeSchema,
  CountSchema,
  CurrencySchema,
  IsoDateSchema,
  ItemIdsSchema,
  LineNumberSchema,
  NonNegativeSchema,
  TextSchema,
  UomSchema,
  hasAnyValue,
  listOf,
  quantityHasUom,
} from './common';
import { documentHeader } from './envelope';
import { PartySchema } from './party';

/** A percentage from 0 to 100. */
const PercentSchema = z.number().min(0).max(100);

/** A tax on a line or the invoice (X12 TXI, EDIFACT TAX/MOA). */
export const TaxSchema = z
  .strictObject({
    type: CodeSchema.describe('tax type, a UN/EDIFACT 5153 code (VAT, GST, STT, LOC, OTH …); X12 mappings translate TXI01 to it'),
    category: CodeSchema.optional().describe('UN/EDIFACT 5305 duty/tax category (S standard, Z zero rated, E exempt, AE reverse charge …)'),
    rate: PercentSchema.optional().describe('percent'),
    amount: AmountSchema.optional(),
    taxableAmount: AmountSchema.optional(),
  })
  .refine((tax) => tax.rate !== undefined || tax.amount !== undefined || tax.category !== undefined, 'a tax needs a rate, an amount or a category')
  .meta({ title: 'Tax' });
/** A tax. */
export type Tax = z.infer<typeof TaxSchema>;

/** One invoiced item (X12 IT1 loop, EDIFACT LIN group). */
export const InvoiceLineSchema = z
  .strictObject({
    lineNumber: LineNumberSchema.describe('IT101 or LIN 1082'),
    orderLineNumber: LineNumberSchema.optional().describe('the order line invoiced, when the partner sends it'),
    quantity: AmountSchema.optional().describe('invoiced quantity; negative for returns or corrections'),
    uom: UomSchema.optional(),
    unitPrice: NonNegativeSchema.optional(),
    amount: AmountSchema.optional().describe('line net amount (MOA 203); X12 810 has none, so usually absent there'),
    itemIds: ItemIdsSchema.optional(),
    description: TextSchema.optional(),
    taxes: listOf(TaxSchema).optional(),
  })
  .refine(quantityHasUom, { message: 'a quantity needs its uom', path: ['uom'] })
  .meta({ title: 'InvoiceLine' });
/** One invoiced item. */
export type InvoiceLine = z.infer<typeof InvoiceLineSchema>;

/** Header allowance or charge (X12 SAC, EDIFACT ALC/MOA/PCD); the sign comes from `indicator`, so amounts are not negative. */
export const AllowanceChargeSchema = z
  .strictObject({
    indicator: z.enum(['allowance', 'charge']),
    code: CodeSchema.optional().describe('SAC02 or ALC 7161 (e.g. freight, promotion)'),
    description: TextSchema.optional(),
    amount: NonNegativeSchema.optional(),
    percent: PercentSchema.optional(),
    basisAmount: NonNegativeSchema.optional(),
  })
  .refine((ac) => ac.amount !== undefined || ac.percent !== undefined, 'an allowance or charge needs an amount or a percent')
  .meta({ title: 'AllowanceCharge' });
/** Header allowance or charge. */
export type AllowanceCharge = z.infer<typeof AllowanceChargeSchema>;

/** Payment terms (X12 ITD, EDIFACT PAT/DTM/PCD). */
export const PaymentTermsSchema = z
  .strictObject({
    netDays: CountSchema.optional().describe('ITD07'),
    discountPercent: PercentSchema.optional().describe('ITD03'),
    discountDays: CountSchema.optional().describe('ITD05'),
    dueDate: IsoDateSchema.optional().describe('ITD06 or DTM 13'),
  })
  .refine(hasAnyValue, 'omit terms when none are known')
  .meta({ title: 'PaymentTerms' });
/** Payment terms. */
export type PaymentTerms = z.infer<typeof PaymentTermsSchema>;

/** What an invoice document is: an invoice, or a credit note crediting (part of) an earlier invoice. */
export const InvoiceTypeSchema = z.enum(['invoice', 'credit_note']);
/** What an invoice document is. */
export type InvoiceType = z.infer<typeof InvoiceTypeSchema>;

/** Canonical invoice. */
export const InvoiceSchema = z
  .strictObject({
    type: z.literal('invoice'),
    ...documentHeader,
    invoiceType: InvoiceTypeSchema.optional().describe('credit_note: a credit note (810 BIG07 CR, INVOIC BGM 1001 381), its amounts positive; an invoice when absent'),
    invoiceNumber: CodeSchema.describe('BIG02 or BGM 1004'),
    creditedInvoiceNumber: CodeSchema.optional().describe('the invoice a credit note credits (810 REF*OI, INVOIC RFF+IV)'),
    invoiceDate: IsoDateSchema.describe('BIG01 or DTM 137'),
    orderNumber: CodeSchema.optional().describe('BIG04 or RFF+ON'),
    currency: CurrencySchema.optional(),
    parties: listOf(PartySchema).optional(),
    lines: listOf(InvoiceLineSchema).optional().describe('X12 810 allows a summary invoice without IT1'),
    allowancesCharges: listOf(AllowanceChargeSchema).optional(),
    taxTotal: AmountSchema.optional().describe('TXI total or MOA 176'),
    totalAmount: AmountSchema.describe('TDS01 (N2) or MOA 77/86; negative for a credit within an invoice, positive in a credit note'),
    terms: PaymentTermsSchema.optional(),
  })
  .meta({ title: 'Invoice', description: 'Invoice (X12 810, EDIFACT INVOIC)' });
/** Canonical invoice. */
export type Invoice = z.infer<typeof InvoiceSchema>;
