import {
  CanonicalDocumentSchema,
  DOCUMENT_SCHEMAS,
  DOCUMENT_TYPES,
  EnvelopeSchema,
  FunctionalAckSchema,
  InvoiceSchema,
  IsoDateSchema,
  IsoTimeSchema,
  OrderResponseSchema,
  OrderSchema,
  PartySchema,
  ShipNoticeSchema,
  formatPath,
  isDocumentType,
  validateCanonicalDocument,
} from '../../src/canonical';
import type { CanonicalDocument } from '../../src/canonical';
import { clone, functionalAck, invoice, order, orderResponse, shipNotice } from './examples';

/** Validate against the union and return the issues as 'path: message' lines. */
function issuesOf(value: unknown): string[] {
  const result = validateCanonicalDocument(value);
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

/** Paths of all issues, for assertions that only care where the problem is. */
function pathsOf(value: unknown): string[] {
  const result = validateCanonicalDocument(value);
  return result.ok ? [] : result.issues.map((issue) => issue.path);
}

/** Clone a document, let the test break it, and return the copy. */
function broken<T>(document: T, edit: (copy: T & Record<string, unknown>) => void): T {
  const copy = clone(document) as T & Record<string, unknown>;
  edit(copy);
  return copy;
}

describe('valid examples', () => {
  const examples: [string, CanonicalDocument, { safeParse(v: unknown): { success: boolean } }][] = [
    ['order', order, OrderSchema],
    ['order_response', orderResponse, OrderResponseSchema],
    ['ship_notice', shipNotice, ShipNoticeSchema],
    ['invoice', invoice, InvoiceSchema],
    ['functional_ack', functionalAck, FunctionalAckSchema],
  ];

  it.each(examples)('%s passes its own schema and the union, unchanged', (type, document, schema) => {
    expect(document.type).toBe(type);
    expect(schema.safeParse(document).success).toBe(true);
    expect(issuesOf(document)).toEqual([]);
    expect(CanonicalDocumentSchema.parse(document)).toEqual(document);
  });

  it('survives a JSON round trip (no Dates, no undefined placeholders)', () => {
    for (const [, document] of examples) {
      expect(CanonicalDocumentSchema.parse(JSON.parse(JSON.stringify(document)))).toEqual(document);
    }
  });

  it('accepts minimal documents with only the required fields', () => {
    const minimalOrder = {
      type: 'order',
      partnerId: 'p1',
      envelope: order.envelope,
      orderNumber: '1',
      purpose: 'original',
      orderDate: '2024-01-31',
      lines: [{ lineNumber: '1', quantity: 1, uom: 'EA', description: 'Service' }],
    };
    expect(issuesOf(minimalOrder)).toEqual([]);
    expect(issuesOf({ type: 'order_response', partnerId: 'p1', envelope: order.envelope, orderNumber: '1', status: 'pending' })).toEqual([]);
    expect(issuesOf({ type: 'invoice', partnerId: 'p1', envelope: invoice.envelope, invoiceNumber: 'I1', invoiceDate: '2024-01-31', totalAmount: -10 })).toEqual([]);
    expect(
      issuesOf({
        type: 'ship_notice',
        partnerId: 'p1',
        envelope: order.envelope,
        shipmentId: 'S1',
        orders: [{ orderNumber: 'PO1', lines: [{ lineNumber: '1', quantityShipped: 0, uom: 'EA' }] }],
      }),
    ).toEqual([]);
    expect(
      issuesOf({ type: 'functional_ack', partnerId: 'p1', envelope: functionalAck.envelope, acknowledged: { interchangeControlNumber: '17' }, status: 'rejected' }),
    ).toEqual([]);
  });

  it('lists the kinds and their schemas consistently', () => {
    expect(Object.keys(DOCUMENT_SCHEMAS)).toEqual([...DOCUMENT_TYPES]);
    expect(isDocumentType('invoice')).toBe(true);
    expect(isDocumentType('toString')).toBe(false);
  });

  it('validates against one kind when asked', () => {
    expect(validateCanonicalDocument(order, 'order').ok).toBe(true);
    expect(validateCanonicalDocument(order, 'invoice')).toMatchObject({ ok: false });
  });
});

describe('typical mistakes fail with a path', () => {
  it('rejects a date that is not in the calendar', () => {
    expect(issuesOf(broken(order, (d) => (d.orderDate = '2024-02-30')))).toEqual(['orderDate: expected a calendar date YYYY-MM-DD']);
    expect(pathsOf(broken(order, (d) => (d.orderDate = '2023-02-29')))).toEqual(['orderDate']);
    expect(pathsOf(broken(order, (d) => (d.lines[0].requestedDate = '20240315')))).toEqual(['lines[0].requestedDate']);
    expect(pathsOf(broken(invoice, (d) => (d.terms!.dueDate = '2024-13-01')))).toEqual(['terms.dueDate']);
  });

  it('rejects negative or zero quantities where the document does not allow them', () => {
    expect(pathsOf(broken(order, (d) => (d.lines[1].quantity = -2.5)))).toEqual(['lines[1].quantity']);
    expect(pathsOf(broken(order, (d) => (d.lines[1].quantity = 0)))).toEqual(['lines[1].quantity']);
    expect(pathsOf(broken(orderResponse, (d) => (d.lines![0].quantity = -1)))).toEqual(['lines[0].quantity']);
    expect(pathsOf(broken(shipNotice, (d) => (d.orders[0].lines[2].quantityShipped = -1)))).toEqual(['orders[0].lines[2].quantityShipped']);
    expect(pathsOf(broken(order, (d) => (d.lines[0].unitPrice = -12.5)))).toEqual(['lines[0].unitPrice']);
  });

  it('allows negative quantities and amounts on invoices (credits, returns)', () => {
    expect(issuesOf(broken(invoice, (d) => (d.totalAmount = -359.98)))).toEqual([]);
  });

  it('rejects unknown enum values', () => {
    expect(pathsOf(broken(order, (d) => ((d as Record<string, unknown>).purpose = 'new')))).toEqual(['purpose']);
    expect(pathsOf(broken(order, (d) => ((d.parties![0] as Record<string, unknown>).role = 'BY')))).toEqual(['parties[0].role']);
    expect(pathsOf(broken(orderResponse, (d) => ((d as Record<string, unknown>).status = 'ok')))).toEqual(['status']);
    expect(pathsOf(broken(orderResponse, (d) => ((d.lines![1] as Record<string, unknown>).status = 'cancelled')))).toEqual(['lines[1].status']);
    expect(pathsOf(broken(functionalAck, (d) => ((d as Record<string, unknown>).status = 'A')))).toEqual(['status']);
    expect(pathsOf(broken(order, (d) => ((d.envelope as Record<string, unknown>).standard = 'tradacoms')))).toEqual(['envelope.standard']);
  });

  it('rejects an unknown type with the discriminator path', () => {
    expect(pathsOf({ ...order, type: 'quote' })).toEqual(['type']);
  });

  it('rejects unknown keys at every level (strict objects)', () => {
    expect(issuesOf(broken(order, (d) => (d.poNumber = 'x')))).toEqual([': Unrecognized key: "poNumber"']);
    expect(pathsOf(broken(order, (d) => ((d.lines[0] as Record<string, unknown>).price = 1)))).toEqual(['lines[0]']);
    expect(pathsOf(broken(order, (d) => ((d.lines[0].itemIds as Record<string, unknown>).isbn = '1')))).toEqual(['lines[0].itemIds']);
    expect(pathsOf(broken(order, (d) => ((d.envelope.sender as Record<string, unknown>).name = 'x')))).toEqual(['envelope.sender']);
    expect(pathsOf(broken(order, (d) => ((d.parties![1].address as Record<string, unknown>).zip = '60431')))).toEqual(['parties[1].address']);
  });

  it('rejects null and empty placeholders instead of treating them as unknown', () => {
    expect(pathsOf(broken(order, (d) => ((d as Record<string, unknown>).currency = null)))).toEqual(['currency']);
    expect(pathsOf(broken(order, (d) => (d.orderType = '')))).toEqual(['orderType']);
    expect(pathsOf(broken(order, (d) => (d.parties![0].name = '   ')))).toEqual(['parties[0].name']);
    expect(pathsOf(broken(order, (d) => (d.references = [])))).toEqual(['references']);
    expect(pathsOf(broken(order, (d) => (d.lines[0].itemIds = {})))).toEqual(['lines[0].itemIds']);
    expect(pathsOf(broken(order, (d) => (d.envelope.sender.id = 'ACMERETAIL     ')))).toEqual(['envelope.sender.id']);
  });

  it('requires a line on an order', () => {
    expect(pathsOf(broken(order, (d) => (d.lines = [])))).toEqual(['lines']);
    expect(pathsOf(broken(order, (d) => delete (d as Partial<typeof d>).lines))).toEqual(['lines']);
    const noLines = broken(shipNotice, (d) => {
      d.orders[0].lines = [];
      delete d.packages;
    });
    expect(pathsOf(noLines)).toEqual(['orders[0].lines']);
  });

  it('rejects non-finite and non-number amounts', () => {
    expect(pathsOf(broken(invoice, (d) => (d.totalAmount = Infinity)))).toEqual(['totalAmount']);
    expect(pathsOf(broken(invoice, (d) => (d.totalAmount = NaN)))).toEqual(['totalAmount']);
    expect(pathsOf(broken(invoice, (d) => ((d as Record<string, unknown>).totalAmount = '359.98')))).toEqual(['totalAmount']);
  });

  it('checks codes: currency, country, GTIN, SSCC, partner id', () => {
    expect(pathsOf(broken(order, (d) => (d.currency = 'usd')))).toEqual(['currency']);
    expect(pathsOf(broken(order, (d) => (d.parties![1].address!.country = 'USA')))).toEqual(['parties[1].address.country']);
    expect(pathsOf(broken(order, (d) => (d.lines[0].itemIds!.gtin = '614141000036X')))).toEqual(['lines[0].itemIds.gtin']);
    expect(pathsOf(broken(shipNotice, (d) => (d.packages![0].sscc = '00006141411234567890')))).toContain('packages[0].sscc');
    expect(pathsOf(broken(order, (d) => (d.partnerId = '../etc')))).toEqual(['partnerId']);
  });

  it('checks the envelope against its standard', () => {
    expect(issuesOf(broken(order, (d) => (d.envelope.version = 'D96A')))).toEqual(['envelope.version: expected 6 digits such as 004010, optionally an industry suffix for x12']);
    expect(pathsOf(broken(invoice, (d) => (d.envelope.messageType = '810')))).toEqual(['envelope.messageType']);
    expect(EnvelopeSchema.safeParse({ ...order.envelope, test: 'false' }).success).toBe(false);
  });

  it('applies the cross-field rules', () => {
    expect(pathsOf(broken(order, (d) => (d.lines[1] = { lineNumber: '2', quantity: 1, uom: 'EA' })))).toEqual(['lines[1].itemIds']);
    expect(pathsOf(broken(orderResponse, (d) => delete d.lines![0].uom))).toEqual(['lines[0].uom']);
    expect(PartySchema.safeParse({ role: 'buyer' }).error?.issues[0]).toMatchObject({ path: ['ids'] });
    expect(pathsOf(broken(shipNotice, (d) => (d.orders[0].lines[0].packageSscc = '006141419999999999')))).toEqual(['orders[0].lines[0].packageSscc']);
    expect(pathsOf(broken(shipNotice, (d) => (d.packages![0].lines![0].lineNumber = '9')))).toEqual(['packages[0].lines[0]']);
    expect(pathsOf(broken(functionalAck, (d) => delete d.transactions![1].errors![0].elementPosition))).toEqual(['transactions[1].errors[0].elementPosition']);
    expect(pathsOf(broken(functionalAck, (d) => (d.acknowledged = { functionalId: 'SH' })))).toEqual(['acknowledged.groupControlNumber']);
    expect(pathsOf(broken(functionalAck, (d) => (d.counts = { included: 2, received: 1, accepted: 2 })))).toEqual(['counts.accepted']);
    expect(pathsOf(broken(invoice, (d) => (d.terms!.discountPercent = 120)))).toEqual(['terms.discountPercent']);
    expect(pathsOf(broken(invoice, (d) => (d.allowancesCharges![0] = { indicator: 'charge', code: 'FC' })))).toEqual(['allowancesCharges[0]']);
  });

  it('reports every problem at once, not just the first', () => {
    const bad = broken(order, (d) => {
      d.orderDate = '2024-02-30';
      d.lines[0].quantity = -1;
      d.extra = true;
    });
    expect(pathsOf(bad).sort()).toEqual(['', 'lines[0].quantity', 'orderDate']);
  });
});

describe('formatPath', () => {
  it('writes JSON paths', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['lines', 0, 'itemIds', 'gtin'])).toBe('lines[0].itemIds.gtin');
    expect(formatPath([0, 'a'])).toBe('[0].a');
  });
});

describe('IsoDateSchema', () => {
  it('reports one issue per bad date and agrees with isIsoDate on year 0000', () => {
    expect(IsoDateSchema.safeParse('2024-02-30').error?.issues).toHaveLength(1);
    expect(IsoDateSchema.safeParse('0000-01-01').error?.issues).toHaveLength(1);
    expect(IsoDateSchema.safeParse('2000-02-29').success).toBe(true);
    expect(IsoTimeSchema.safeParse('10:30').success).toBe(true);
    expect(IsoTimeSchema.safeParse('10:30:00.123').success).toBe(false);
  });
});
