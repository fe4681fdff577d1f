import { CANONICAL_SCHEMA_NAMES, DOCUMENT_TYPES, canonicalJsonSchema } from '../../src/canonical';

type JsonObject = Record<string, unknown>;

/** The properties object of a schema node. */
function props(node: unknown): JsonObject {
  return (node as JsonObject).properties as JsonObject;
}

const requiredFields: Record<string, string[]> = {
  order: ['type', 'partnerId', 'envelope', 'orderNumber', 'purpose', 'orderDate', 'lines'],
  order_response: ['type', 'partnerId', 'envelope', 'orderNumber', 'status'],
  ship_notice: ['type', 'partnerId', 'envelope', 'shipmentId', 'orders'],
  invoice: ['type', 'partnerId', 'envelope', 'invoiceNumber', 'invoiceDate', 'totalAmount'],
  functional_ack: ['type', 'partnerId', 'envelope', 'acknowledged', 'status'],
};

describe('canonicalJsonSchema', () => {
  it.each(DOCUMENT_TYPES.map((type) => [type]))('%s exports as valid JSON with its required fields', (type) => {
    const schema = canonicalJsonSchema(type);
    const reparsed = JSON.parse(JSON.stringify(schema)) as JsonObject;
    expect(reparsed).toEqual(schema);
    expect(reparsed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(reparsed.type).toBe('object');
    expect(reparsed.additionalProperties).toBe(false);
    expect([...(reparsed.required as string[])].sort()).toEqual([...requiredFields[type]].sort());
    expect(props(reparsed).type).toEqual({ type: 'string', const: type });
    expect(props(props(reparsed).envelope).standard).toMatchObject({ enum: ['x12', 'edifact'] });
    expect((props(reparsed).envelope as JsonObject).required).toEqual(
      expect.arrayContaining(['standard', 'version', 'messageType', 'sender', 'receiver', 'interchangeControlNumber', 'controlNumber', 'test']),
    );
  });

  it('describes dates, enums and non-empty lines', () => {
    const order = canonicalJsonSchema('order');
    expect(props(order).orderDate).toMatchObject({ type: 'string', format: 'date' });
    expect(props(order).purpose).toMatchObject({ enum: ['original', 'replace', 'cancel', 'change', 'duplicate'] });
    expect(props(order).lines).toMatchObject({ type: 'array', minItems: 1 });
    const line = (props(order).lines as JsonObject).items as JsonObject;
    expect(line.required).toEqual(['lineNumber', 'quantity', 'uom']);
    expect(props(line).quantity).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
    expect(props(props(line).itemIds)).toHaveProperty('gtin');
    const ack = canonicalJsonSchema('functional_ack');
    expect(props(ack).status).toMatchObject({ enum: ['accepted', 'accepted_with_errors', 'partially_accepted', 'rejected'] });
    const response = canonicalJsonSchema('order_response');
    const responseLine = (props(response).lines as JsonObject).items as JsonObject;
    expect(props(responseLine).status).toMatchObject({ enum: ['accepted', 'changed', 'rejected', 'backordered', 'rescheduled'] });
  });

  it('exports the whole union as one oneOf per kind', () => {
    const schema = canonicalJsonSchema('document');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    const variants = schema.oneOf as JsonObject[];
    expect(variants.map((variant) => (props(variant).type as JsonObject).const)).toEqual([...DOCUMENT_TYPES]);
  });

  it('rejects an unknown name with the list of valid ones', () => {
    expect(() => canonicalJsonSchema('quote')).toThrow(/unknown document type 'quote'; expected one of order, order_response, ship_notice, invoice, functional_ack, document/);
    expect(() => canonicalJsonSchema('toString')).toThrow(RangeError);
    expect(CANONICAL_SCHEMA_NAMES).toContain('document');
  });
});
