/** Shared setup of the poster tests: a sandbox per test file, clients per transport, canonical documents. */
import type { Invoice, Order, OrderResponse, ShipNotice } from '../../../src/canonical';
import { InvoiceSchema, OrderResponseSchema, OrderSchema, ShipNoticeSchema } from '../../../src/canonical';
import type { OdooClient, OdooProtocol } from '../../../src/odoo';
import type { SandboxHandle } from '../../../src/odoo/sandbox';
import { createPostContext, ResolveCache, type PostContext, type PostContextInit } from '../../../src/odoo/post';
import { client } from '../helpers';

export { client, rejection, sandbox } from '../helpers';

export function context(sb: SandboxHandle, protocol: OdooProtocol, settings: PostContextInit['settings'], extra: Partial<PostContextInit> = {}): PostContext {
  const c: OdooClient = client(sb, protocol);
  return createPostContext({ client: c, settings, ...extra });
}

/** A fresh context (new per-run cache, same client and partner tables), as a second run would have. */
export function rerun(ctx: PostContext): PostContext {
  return createPostContext({ ...ctx, cache: new ResolveCache() });
}

const x12 = (messageType: string, control: string) => ({
  standard: 'x12' as const,
  version: '004010',
  messageType,
  sender: { qualifier: 'ZZ', id: 'PARTNER' },
  receiver: { qualifier: 'ZZ', id: 'US' },
  interchangeControlNumber: '000000101',
  groupControlNumber: '101',
  controlNumber: control,
  test: false,
});

export function order(over: Partial<Order> = {}): Order {
  return OrderSchema.parse({
    type: 'order',
    partnerId: 'acme',
    envelope: x12('850', '0001'),
    orderNumber: 'PO-ACME-1001',
    purpose: 'original',
    orderDate: '2026-11-20',
    requestedDeliveryDate: '2026-12-05',
    parties: [
      { role: 'buyer', name: 'Acme Retail Inc' },
      { role: 'ship_to', name: 'Acme Store 42', ids: [{ qualifier: 'GLN', value: '0614141000012' }], address: { lines: ['42 Harbor Way'], city: 'Boston', postalCode: '02110', country: 'US' } },
    ],
    lines: [
      { lineNumber: '1', quantity: 5, uom: 'EA', unitPrice: 110, itemIds: { vendor: 'FURN_7777' } },
      { lineNumber: '2', quantity: 2, uom: 'EA', unitPrice: 280, itemIds: { gtin: '00012345678905' } },
      { lineNumber: '3', quantity: 25, uom: 'KG', unitPrice: 2.1, itemIds: { vendor: 'SUGAR-KG' } },
    ],
    ...over,
  });
}

export function orderResponse(over: Partial<OrderResponse> = {}): OrderResponse {
  return OrderResponseSchema.parse({
    type: 'order_response',
    partnerId: 'wood',
    envelope: x12('855', '0002'),
    orderNumber: 'P00001',
    responseNumber: 'WC-SO-7781',
    responseDate: '2026-11-21',
    status: 'accepted_with_changes',
    lines: [
      { lineNumber: '1', status: 'accepted', quantity: 15, uom: 'EA', scheduledDate: '2026-12-10' },
      { lineNumber: '2', status: 'rescheduled', quantity: 5, uom: 'EA', scheduledDate: '2026-12-15', itemIds: { buyer: 'FURN_6667' } },
      { lineNumber: '3', status: 'accepted', quantity: 4, uom: 'EA' },
    ],
    ...over,
  });
}

export function shipNotice(over: Partial<ShipNotice> = {}): ShipNotice {
  return ShipNoticeSchema.parse({
    type: 'ship_notice',
    partnerId: 'wood',
    envelope: x12('856', '0003'),
    shipmentId: 'SH-2026-0042',
    shipDate: '2026-11-25',
    carrier: { scac: 'UPSN', trackingNumber: '1Z999AA10123456784' },
    orders: [
      {
        orderNumber: 'P00001',
        lines: [
          { lineNumber: '1', quantityShipped: 15, uom: 'EA', itemIds: { buyer: 'FURN_7777' } },
          { lineNumber: '2', quantityShipped: 4, uom: 'EA' },
          { lineNumber: '3', quantityShipped: 4, uom: 'EA', lot: 'LOT-EDI-0001' },
        ],
      },
    ],
    ...over,
  });
}

export function invoice(over: Partial<Invoice> = {}): Invoice {
  return InvoiceSchema.parse({
    type: 'invoice',
    partnerId: 'wood',
    envelope: x12('810', '0004'),
    invoiceNumber: 'INV-WC-2026-001',
    invoiceDate: '2026-11-26',
    orderNumber: 'P00001',
    lines: [
      { lineNumber: '1', quantity: 15, uom: 'EA', unitPrice: 79.8, itemIds: { buyer: 'FURN_7777' } },
      { lineNumber: '2', quantity: 5, uom: 'EA', unitPrice: 286.7, itemIds: { buyer: 'FURN_6667' } },
      { lineNumber: '3', quantity: 4, uom: 'EA', unitPrice: 99 },
    ],
    totalAmount: 3026.5,
    ...over,
  });
}
