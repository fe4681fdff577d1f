/**
 * The advance ship notice (X12 856, EDIFACT DESADV), flattened from the 856 HL hierarchy or the DESADV
 * CPS/PAC/LIN groups into packages and per-order lines, because every HL structure (SOPI, SOTPI, SOI …)
 * carries the same facts: what was shipped, for which order line, in which package.
 */
import { z } from 'zod';
import { CodeSchema, IsoDateSchema, ItemIdsSchema, LineNumberSchema, NonNegativeSchema, TextSchema, UomSchema, hasAnyValue, listOf } from './common';
import { documentHeader } from './envelope';
import { PartySchema } from './party';

/** SSCC-18 as written in MAN*GM / GIN+BJ, without the (00) application identifier. */
export const SsccSchema = z.string().regex(/^\d{18}$/, 'expected an 18-digit SSCC without the (00) prefix');

/** The carrier and how the goods travel (X12 TD5/TD3/REF*CN, EDIFACT TDT/RFF+CN). */
export const CarrierSchema = z
  .strictObject({
    scac: z.string().regex(/^[A-Z]{2,4}$/, 'expected a 2 to 4 letter SCAC').optional(),
    name: TextSchema.optional(),
    trackingNumber: CodeSchema.optional().describe('pro, bill of lading or parcel tracking number'),
    mode: CodeSchema.optional().describe('transport mode code as translated by the mapping (TD504, TDT 8067)'),
  })
  .refine(hasAnyValue, 'omit carrier when nothing is known about it')
  .meta({ title: 'Carrier' });
/** The carrier. */
export type Carrier = z.infer<typeof CarrierSchema>;

/** A weight with its unit (TD106/TD107, MEA AAB/KGM). */
export const WeightSchema = z.strictObject({ value: NonNegativeSchema, uom: UomSchema }).meta({ title: 'Weight' });
/** A weight with its unit. */
export type Weight = z.infer<typeof WeightSchema>;

/** Pointer from a package to an order line packed in it; orderNumber is needed when the notice covers several orders. */
export const PackageLineRefSchema = z
  .strictObject({ orderNumber: CodeSchema.optional(), lineNumber: LineNumberSchema })
  .meta({ title: 'PackageLineRef' });
/** Pointer from a package to an order line. */
export type PackageLineRef = z.infer<typeof PackageLineRefSchema>;

/** A pack or pallet (856 HL P/T, DESADV CPS/PAC). */
export const PackageSchema = z
  .strictObject({
    sscc: SsccSchema.optional(),
    weight: WeightSchema.optional(),
    lines: listOf(PackageLineRefSchema).optional(),
  })
  .refine(hasAnyValue, 'omit packages that say nothing')
  .meta({ title: 'Package' });
/** A pack or pallet. */
export type Package = z.infer<typeof PackageSchema>;

/** One shipped item for an order line; the same lineNumber repeats when a line is split over packages. */
export const ShipNoticeLineSchema = z
  .strictObject({
    lineNumber: LineNumberSchema.describe('order line (LIN01, PO line reference, LIN 1082/RFF+LI)'),
    itemIds: ItemIdsSchema.optional(),
    quantityShipped: NonNegativeSchema.describe('SN102 or QTY+12'),
    uom: UomSchema,
    lot: CodeSchema.optional().describe('batch/lot number (LIN*LT, PIA/GIN BX)'),
    serials: listOf(CodeSchema).optional(),
    packageSscc: SsccSchema.optional().describe('the package this quantity is in'),
  })
  .meta({ title: 'ShipNoticeLine' });
/** One shipped item. */
export type ShipNoticeLine = z.infer<typeof ShipNoticeLineSchema>;

/** The shipped lines of one order (856 HL O, DESADV RFF+ON). */
export const ShipNoticeOrderSchema = z
  .strictObject({
    orderNumber: CodeSchema.describe('PRF01 or RFF+ON'),
    lines: listOf(ShipNoticeLineSchema),
  })
  .meta({ title: 'ShipNoticeOrder' });
/** The shipped lines of one order. */
export type ShipNoticeOrder = z.infer<typeof ShipNoticeOrderSchema>;

/** Canonical ship notice. */
export const ShipNoticeSchema = z
  .strictObject({
    type: z.literal('ship_notice'),
    ...documentHeader,
    shipmentId: CodeSchema.describe('BSN02 or BGM 1004'),
    shipDate: IsoDateSchema.optional().describe('DTM 011 / DTM 11'),
    estimatedDeliveryDate: IsoDateSchema.optional().describe('DTM 017 / DTM 17, 132'),
    carrier: CarrierSchema.optional(),
    parties: listOf(PartySchema).optional(),
    packages: listOf(PackageSchema).optional(),
    orders: listOf(ShipNoticeOrderSchema),
  })
  .superRefine((notice, ctx) => {
    // Cross-references must resolve, or Odoo would book goods into a package or order line that does not exist.
    const ssccs = new Set((notice.packages ?? []).flatMap((pkg) => (pkg.sscc === undefined ? [] : [pkg.sscc])));
    const orderLines = new Set(notice.orders.flatMap((order) => order.lines.map((line) => `${order.orderNumber}\u0000${line.lineNumber}`)));
    const lineNumbers = new Set(notice.orders.flatMap((order) => order.lines.map((line) => line.lineNumber)));
    if (notice.packages !== undefined) {
      notice.orders.forEach((order, o) =>
        order.lines.forEach((line, l) => {
          if (line.packageSscc !== undefined && !ssccs.has(line.packageSscc)) {
            ctx.addIssue({ code: 'custom', path: ['orders', o, 'lines', l, 'packageSscc'], message: `no package has SSCC ${line.packageSscc}` });
          }
        }),
      );
    }
    (notice.packages ?? []).forEach((pkg, p) =>
      (pkg.lines ?? []).forEach((ref, r) => {
        const known = ref.orderNumber === undefined ? lineNumbers.has(ref.lineNumber) : orderLines.has(`${ref.orderNumber}\u0000${ref.lineNumber}`);
        if (!known) {
          ctx.addIssue({ code: 'custom', path: ['packages', p, 'lines', r], message: `no shipped order line ${ref.orderNumber ?? '*'}/${ref.lineNumber}` });
        }
      }),
    );
  })
  .meta({ title: 'ShipNotice', description: 'Advance ship notice (X12 856, EDIFACT DESADV)' });
/** Canonical ship notice. */
export type ShipNotice = z.infer<typeof ShipNoticeSchema>;
