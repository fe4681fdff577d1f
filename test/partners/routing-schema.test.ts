/** Routing rules, durations and the JSON Schema export of partner.yaml. */
import { formatDuration, parseDuration, partnerJsonSchema, PartnerFileSchema, PartnerRegistry, type Partner } from '../../src/partners';

function partner(id: string, identities: Partner['identities'], us?: Partner['us']): Partner {
  const file = PartnerFileSchema.parse({
    id,
    name: id,
    identities,
    us,
    documents: [{ type: 'order', direction: 'inbound', messageType: identities[0].standard === 'x12' ? '850' : 'ORDERS' }],
    odoo: { partnerRef: id.toUpperCase() },
  });
  return { ...file, channels: { inbound: [] }, folder: `/p/${id}`, file: `/p/${id}/partner.yaml`, mappingsDir: `/m/${id}` };
}

const x12 = (senderId: string, receiverId: string, senderQualifier = 'ZZ', receiverQualifier = 'ZZ') => ({ standard: 'x12' as const, senderQualifier, senderId, receiverQualifier, receiverId });
const edifact = (senderId: string, receiverId: string, senderQualifier = '', receiverQualifier = '') => ({ standard: 'edifact' as const, senderQualifier, senderId, receiverQualifier, receiverId });

describe('PartnerRegistry.route', () => {
  const registry = new PartnerRegistry(
    [
      partner('acme', [{ standard: 'x12', qualifier: 'ZZ', id: 'ACME' }]),
      partner('glnco', [{ standard: 'edifact', id: '8712345000014', qualifier: '14' }], [{ standard: 'edifact', id: '8034567000012' }]),
      partner('anyq', [{ standard: 'edifact', id: 'ANYQ' }]),
    ],
    [{ standard: 'x12', qualifier: 'ZZ', id: 'US' }],
  );

  test('compares space-padded ISA ids trimmed', () => {
    expect(registry.route(x12('ACME           ', 'US             '))).toMatchObject({ kind: 'partner', partner: { id: 'acme' }, direction: 'inbound', identity: { id: 'ACME' } });
  });

  test('recognises what we sent to a partner as outbound', () => {
    expect(registry.route(x12('US', 'ACME'))).toMatchObject({ kind: 'partner', partner: { id: 'acme' }, direction: 'outbound' });
  });

  test('a partner id addressed to someone else is not ours', () => {
    expect(registry.route(x12('ACME', 'OTHER'))).toMatchObject({ kind: 'unknown', reason: 'not-for-us', candidates: ['acme'] });
  });

  test('an unknown sender is a typed result with a message', () => {
    const result = registry.route(x12('NOBODY', 'US', '01'));
    expect(result).toEqual({
      kind: 'unknown',
      reason: 'no-match',
      standard: 'x12',
      sender: { qualifier: '01', id: 'NOBODY' },
      receiver: { qualifier: 'ZZ', id: 'US' },
      candidates: [],
      message: "no partner has the identity 01/NOBODY (or ZZ/US); add it to a partner's identities in partners/<id>/partner.yaml",
    });
  });

  test('the ISA qualifier is part of the identity', () => {
    expect(registry.route(x12('ACME', 'US', '01'))).toMatchObject({ kind: 'unknown', reason: 'no-match' });
  });

  test('EDIFACT qualifiers are optional on either side', () => {
    expect(registry.route(edifact('8712345000014', '8034567000012', '14', '14'))).toMatchObject({ kind: 'partner', partner: { id: 'glnco' } });
    expect(registry.route(edifact('8712345000014', '8034567000012'))).toMatchObject({ kind: 'partner', partner: { id: 'glnco' } });
    expect(registry.route(edifact('8712345000014', '8034567000012', 'ZZZ'))).toMatchObject({ kind: 'unknown', reason: 'no-match' });
    expect(registry.route(edifact('ANYQ', 'WHOEVER', 'ZZZ'))).toMatchObject({ kind: 'partner', partner: { id: 'anyq' } });
  });

  test('the standard must match', () => {
    expect(registry.route({ ...edifact('ACME', 'US'), senderQualifier: 'ZZ' })).toMatchObject({ kind: 'unknown' });
  });
});

describe('durations', () => {
  test.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  test.each(['24 hours', '24', 'h', '1.5h', '-1s', ''])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('JSON Schema of partner.yaml', () => {
  const schema = partnerJsonSchema() as {
    $schema: string;
    type: string;
    required: string[];
    additionalProperties: boolean;
    properties: Record<string, { description?: string; default?: unknown }>;
  };

  test('builds as a strict object with descriptions, for editors', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'identities', 'documents', 'odoo']));
    expect(schema.properties.mode).toMatchObject({ default: 'production' });
    expect(schema.properties.identities.description).toMatch(/routing/);
    expect(JSON.stringify(schema)).toContain('"pattern":"^(?:\\\\d+(?:ms|s|m|h|d|w))+$"');
  });

  test('durations are written as text and secrets as references', () => {
    const text = JSON.stringify(schema);
    expect(text).toContain('"title":"Duration"');
    expect(text).toMatch(/"required":\["env"\]/);
    expect(text).toMatch(/"required":\["file"\]/);
  });
});
