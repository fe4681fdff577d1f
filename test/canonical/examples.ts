/**
 * Realistic canonical documents, one per kind, shaped after what a 004010 grocery partner and a D96A
 * retailer send. Tests clone and break them to check that each rule fails with the right path.
 */
import type { FunctionalAck, Invoice, Order, OrderResponse, ShipNotice } from '../../src/canonical';

/** 850 from a retailer to us, as the mapping would produce it. */
export const order: Order = {
  type: 'order',
  partnerId: 'acme-retail',
  envelope: {
    standard: 'x12',
    version: '004010',
    messageType: '850',
    sender: { qualifier: 'ZZ', id: 'ACMERETAIL' },
    receiver: { qualifier: '01', id: '123456789' },
    interchangeControlNumber: '000000905',
    groupControlNumber: '905',
    controlNumber: '0001',
    test: false,
  },
  orderNumber: 'PO-4500012345',
  purpose: 'original',
  orderType: 'SA',
  orderDate: '2024-02-29',
  currency: 'USD',
  parties: [
    {
      role: 'buyer',
      name: 'ACME Retail Inc.',
      ids: [{ qualifier: 'DUNS', value: '007911234' }],
      contacts: [{ name: 'Jane Buyer', function: 'BD', phone: '+1 312 555 0100', email: 'jane.buyer@acme.example' }],
    },
    {
      role: 'ship_to',
      name: 'ACME DC 12',
      ids: [{ qualifier: 'GLN', value: '0614141000012' }],
      address: { lines: ['1200 Distribution Way', 'Dock 4'], city: 'Joliet', region: 'IL', postalCode: '60431', country: 'US' },
    },
  ],
  requestedDeliveryDate: '2024-03-15',
  references: [{ qualifier: 'CT', value: 'CONTRACT-2024-01' }],
  lines: [
    {
      lineNumber: '1',
      quantity: 24,
      uom: 'CA',
      unitPrice: 12.5,
      itemIds: { buyer: '100234', vendor: 'WID-RED-L', gtin: '00614141000036' },
      description: 'Red widget, large',
      requestedDate: '2024-03-15',
    },
    { lineNumber: '2', quantity: 2.5, uom: 'KG', unitPrice: 3.99, itemIds: { upc: '036000291452' } },
  ],
  totals: { lineCount: 2, amount: 309.98 },
  notes: [{ qualifier: 'GEN', text: 'Deliver between 6am and 2pm.' }],
};

/** ORDRSP (D96A) answering the order with one change. */
export const orderResponse: OrderResponse = {
  type: 'order_response',
  partnerId: 'euro-supplier',
  envelope: {
    standard: 'edifact',
    version: 'D96A',
    messageType: 'ORDRSP',
    sender: { qualifier: '14', id: '4012345000009' },
    receiver: { qualifier: '14', id: '5412345000013' },
    interchangeControlNumber: '20240301001',
    controlNumber: '1',
    test: true,
  },
  orderNumber: 'PO-4500012345',
  responseNumber: 'RSP-778',
  responseDate: '2024-03-01',
  status: 'accepted_with_changes',
  lines: [
    { lineNumber: '1', status: 'accepted', quantity: 24, uom: 'CA', unitPrice: 12.5, itemIds: { ean: '4012345000016' } },
    { lineNumber: '2', status: 'backordered', quantity: 0, uom: 'KG', scheduledDate: '2024-04-02' },
  ],
};

/** 856 in pick/pack structure (S/O/P/I) for two cartons. */
export const shipNotice: ShipNotice = {
  type: 'ship_notice',
  partnerId: 'acme-retail',
  envelope: {
    standard: 'x12',
    version: '004010',
    messageType: '856',
    sender: { qualifier: '01', id: '123456789' },
    receiver: { qualifier: 'ZZ', id: 'ACMERETAIL' },
    interchangeControlNumber: '000000017',
    groupControlNumber: '17',
    controlNumber: '0017',
    test: false,
  },
  shipmentId: 'SH-2024-0042',
  shipDate: '2024-03-12',
  estimatedDeliveryDate: '2024-03-14',
  carrier: { scac: 'UPSN', name: 'UPS', trackingNumber: '1Z999AA10123456784', mode: 'parcel' },
  parties: [{ role: 'ship_from', name: 'Our Warehouse', address: { city: 'Dayton', region: 'OH', country: 'US' } }],
  packages: [
    { sscc: '006141411234567890', weight: { value: 11.3, uom: 'KG' }, lines: [{ orderNumber: 'PO-4500012345', lineNumber: '1' }] },
    { sscc: '006141411234567906', lines: [{ lineNumber: '1' }, { lineNumber: '2' }] },
  ],
  orders: [
    {
      orderNumber: 'PO-4500012345',
      lines: [
        { lineNumber: '1', itemIds: { buyer: '100234' }, quantityShipped: 12, uom: 'CA', lot: 'L2403A', packageSscc: '006141411234567890' },
        { lineNumber: '1', itemIds: { buyer: '100234' }, quantityShipped: 12, uom: 'CA', lot: 'L2403A', packageSscc: '006141411234567906' },
        { lineNumber: '2', quantityShipped: 2.5, uom: 'KG', serials: ['SN-1', 'SN-2'], packageSscc: '006141411234567906' },
      ],
    },
  ],
};

/** INVOIC (D01B) with VAT, a freight charge and early-payment terms. */
export const invoice: Invoice = {
  type: 'invoice',
  partnerId: 'euro-supplier',
  envelope: {
    standard: 'edifact',
    version: 'D01B',
    messageType: 'INVOIC',
    sender: { qualifier: '14', id: '4012345000009' },
    receiver: { qualifier: '14', id: '5412345000013' },
    interchangeControlNumber: '884',
    controlNumber: 'INV884',
    test: false,
  },
  invoiceNumber: 'RE-2024-000123',
  invoiceDate: '2024-03-13',
  orderNumber: 'PO-4500012345',
  currency: 'EUR',
  parties: [
    { role: 'seller', name: 'Euro Supplier GmbH', ids: [{ qualifier: 'VA', value: 'DE123456789' }] },
    { role: 'bill_to', ids: [{ qualifier: 'GLN', value: '5412345000013' }] },
  ],
  lines: [
    {
      lineNumber: '1',
      orderLineNumber: '1',
      quantity: 24,
      uom: 'CA',
      unitPrice: 12.5,
      amount: 300,
      itemIds: { ean: '4012345000016' },
      description: 'Red widget, large',
      taxes: [{ type: 'VAT', category: 'S', rate: 19, amount: 57, taxableAmount: 300 }],
    },
    { lineNumber: '2', quantity: -1, uom: 'CA', unitPrice: 12.5, amount: -12.5, description: 'Return of damaged case' },
  ],
  allowancesCharges: [{ indicator: 'charge', code: 'FC', description: 'Freight', amount: 15 }],
  taxTotal: 57.48,
  totalAmount: 359.98,
  terms: { netDays: 30, discountPercent: 2, discountDays: 10, dueDate: '2024-04-12' },
};

/** 999 rejecting one of two transactions with an element error. */
export const functionalAck: FunctionalAck = {
  type: 'functional_ack',
  partnerId: 'big-box',
  envelope: {
    standard: 'x12',
    version: '005010X231A1',
    messageType: '999',
    sender: { qualifier: 'ZZ', id: 'BIGBOX' },
    receiver: { qualifier: '01', id: '123456789' },
    interchangeControlNumber: '000004711',
    groupControlNumber: '4711',
    controlNumber: '0001',
    test: false,
  },
  acknowledged: { groupControlNumber: '17', functionalId: 'SH', version: '005010' },
  status: 'partially_accepted',
  counts: { included: 2, received: 2, accepted: 1 },
  transactions: [
    { messageType: '856', controlNumber: '0017', status: 'accepted' },
    {
      messageType: '856',
      controlNumber: '0018',
      status: 'rejected',
      errors: [
        { level: 'element', code: '8', segmentTag: 'DTM', segmentPosition: 4, elementPosition: 2, elementReference: '373', badValue: '20240230', description: 'Invalid date' },
        { level: 'transaction', code: '5' },
      ],
    },
  ],
};

/** Deep copy so a test can break one field without affecting the others. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
