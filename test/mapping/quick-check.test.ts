/**
 * The quick schema walk against zod itself: for every translated fixture document and many broken
 * variants of them, whatever the walk accepts zod accepts too, with the same output (key order included,
 * since the ledger stores the JSON), and the valid documents are answered by the walk, not handed on.
 */
import { readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { DOCUMENT_SCHEMAS, type CanonicalDocument } from '../../src/canonical/document';
import { NOT_SURE, quickParse } from '../../src/canonical/quick-check';
import { translate } from '../../src/mapping';
import { clone, functionalAck, invoice, order, orderResponse, shipNotice } from '../canonical/examples';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'edi');

function ediFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return ediFiles(path);
    return /\.(edi|x12|edifact|txt)$/i.test(name) ? [path] : [];
  });
}

/** Values that break a field in every way a schema can notice. */
const REPLACEMENTS: unknown[] = ['', ' ', ' x', 'x ', 'ABC', '2024-02-30', '2024-02-29', '12:00', 'US', 0, -1, 1.5, 1e21, NaN, Infinity, true, null, [], {}, [''], { x: 1 }, undefined];

/** Every variant of a document with one place changed: replaced, removed, or an unknown key added. */
function* variants(doc: unknown): Generator<unknown> {
  function* at(value: unknown, set: (v: unknown) => unknown): Generator<unknown> {
    for (const r of REPLACEMENTS) yield set(r);
    if (Array.isArray(value)) {
      yield set([]);
      for (let i = 0; i < value.length; i++) {
        yield* at(value[i], (v) => set(value.map((x, j) => (j === i ? v : x))));
        yield set(value.filter((_, j) => j !== i));
      }
    } else if (typeof value === 'object' && value !== null) {
      const obj = value as Record<string, unknown>;
      yield set({ ...obj, unknownKey: 'x' });
      yield set(Object.fromEntries(Object.entries(obj).reverse()));
      for (const key of Object.keys(obj)) {
        yield* at(obj[key], (v) => set({ ...obj, [key]: v }));
        const { [key]: _dropped, ...rest } = obj;
        yield set(rest);
      }
    }
  }
  yield* at(doc, (v) => v);
}

function agrees(type: CanonicalDocument['type'], value: unknown): boolean {
  const schema = DOCUMENT_SCHEMAS[type];
  const quick = quickParse(schema, value);
  if (quick === NOT_SURE) return false;
  const zod = schema.safeParse(value);
  expect(zod.success).toBe(true);
  expect(quick).toStrictEqual(zod.data);
  expect(JSON.stringify(quick)).toBe(JSON.stringify(zod.data));
  return true;
}

describe('quick schema walk', () => {
  let documents: CanonicalDocument[] = [];

  beforeAll(async () => {
    // A JSON copy, not a structured clone: that one comes from another realm under jest, which the walk hands to zod.
    documents = [order, orderResponse, shipNotice, invoice, functionalAck].map((d) => JSON.parse(JSON.stringify(d)) as CanonicalDocument);
    for (const file of ediFiles(FIXTURES)) documents.push(...(await translate(readFileSync(file))).documents);
  });

  it('answers every valid document itself, with zod’s output', () => {
    expect(documents.length).toBeGreaterThan(10);
    for (const doc of documents) expect(agrees(doc.type, doc)).toBe(true);
  });

  it('accepts no broken variant that zod rejects, and gives zod’s output for the ones it accepts', () => {
    let checked = 0;
    for (const doc of documents.slice(0, 12)) {
      for (const variant of variants(doc)) {
        agrees(doc.type, variant);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('hands class instances, other realms, inherited fields and undefined fields to zod', () => {
    expect(quickParse(DOCUMENT_SCHEMAS.order, Object.assign(runInNewContext('({})') as object, JSON.parse(JSON.stringify(order)) as object))).toBe(NOT_SURE);
    expect(quickParse(DOCUMENT_SCHEMAS.order, Object.assign(Object.create({ inherited: 1 }) as object, clone(order)))).toBe(NOT_SURE);
    expect(quickParse(DOCUMENT_SCHEMAS.order, Object.assign(new (class Doc {})(), clone(order)))).toBe(NOT_SURE);
    expect(quickParse(DOCUMENT_SCHEMAS.order, { ...clone(order), orderType: undefined })).toBe(NOT_SURE);
  });

  it('gives the input itself where zod’s output equals it, and a copy in the schema’s order where it does not', () => {
    const doc = JSON.parse(JSON.stringify(order)) as typeof order;
    const quick = quickParse(DOCUMENT_SCHEMAS.order, doc) as typeof order;
    expect(quick.lines).toBe(doc.lines);
    expect(quick.lines[0]).toBe(doc.lines[0]);
    // Keys out of the schema's order: an object in zod's order, with the same values.
    const reversed = Object.fromEntries(Object.entries(doc).reverse());
    const copied = quickParse(DOCUMENT_SCHEMAS.order, reversed) as typeof order;
    expect(copied).not.toBe(reversed);
    expect(JSON.stringify(copied)).toBe(JSON.stringify(DOCUMENT_SCHEMAS.order.parse(reversed)));
    // A field that is there but not enumerable is in zod's output (and would be missing from the input's JSON).
    const hidden = JSON.parse(JSON.stringify(order)) as typeof order;
    Object.defineProperty(hidden.lines[0], 'lineNumber', { value: hidden.lines[0].lineNumber, enumerable: false });
    expect(agrees('order', hidden)).toBe(true);
    expect(JSON.stringify((quickParse(DOCUMENT_SCHEMAS.order, hidden) as typeof order).lines[0])).toContain('"lineNumber":"1"');
  });

  it('gives the same answers for plain data, and asks by name again once Object.prototype has changed', () => {
    let checked = 0;
    for (const doc of documents.slice(0, 6)) {
      const schema = DOCUMENT_SCHEMAS[doc.type];
      for (const variant of variants(doc)) {
        const plain = quickParse(schema, variant, true);
        const named = quickParse(schema, variant);
        if (named === NOT_SURE) expect(plain).toBe(NOT_SURE);
        else expect(JSON.stringify(plain)).toBe(JSON.stringify(named));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
    const doc = JSON.parse(JSON.stringify(order)) as typeof order;
    const address = doc.parties?.[1].address as Record<string, unknown>;
    delete address.region;
    expect(quickParse(DOCUMENT_SCHEMAS.order, doc, true)).not.toBe(NOT_SURE);
    // zod reads an inherited field by name: the walk must not answer without it.
    Object.defineProperty(Object.prototype, 'region', { value: 'OH', enumerable: false, configurable: true });
    try {
      expect(quickParse(DOCUMENT_SCHEMAS.order, doc, true)).toBe(NOT_SURE);
    } finally {
      delete (Object.prototype as Record<string, unknown>).region;
    }
    expect(quickParse(DOCUMENT_SCHEMAS.order, doc, true)).not.toBe(NOT_SURE);
  });

  it('remembers numbers without confusing -0 with 0', () => {
    for (const price of [0, -0, 0, 12.5, 12.5]) {
      const doc = JSON.parse(JSON.stringify(order)) as typeof order;
      doc.lines[0].unitPrice = price;
      expect(Object.is((quickParse(DOCUMENT_SCHEMAS.order, doc) as typeof order).lines[0].unitPrice, price)).toBe(true);
      expect(agrees('order', doc)).toBe(true);
    }
  });
});
