/** The mapping rules: code tables, xref, default, required, JSONata, extends/override, error reports. */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadMapping, mapTransaction, MappingFileError, mergeMapping, type MappingError } from '../../src/mapping';
import { D96A_DICTIONARY, EDIFACT_ENVELOPE, edifactTree, tempFiles, x12Tree, X12_DICTIONARY, X12_ENVELOPE } from './helpers';

const PO = (po1 = 'PO1*1*120*EA*18.45*PE*VP*BV-050*BP*100234', beg = 'BEG*00*SA*PO-1**20240312') =>
  ['ST*850*0001', beg, 'N1*ST*DC COLUMBUS*92*DC07', po1, 'PID*F****BALL VALVE', 'CTT*1', 'SE*7*0001'].join('~');

const BASE = `
type: order
tables:
  purpose: { '00': original, '01': cancel }
  uom: { EA: Units }
  roles: roles.csv
fields:
  orderNumber: { path: BEG/03, required: 'Northgate must send the PO number in BEG03' }
  purpose: { path: BEG/01, code: purpose }
  orderDate: { path: BEG/05, date: CCYYMMDD }
  parties:
    each: N1
    fields:
      role: { path: N1/01, code: roles }
      name: N1/02
  lines:
    each: PO1
    fields:
      lineNumber: PO1/01
      quantity: { path: PO1/02, number: true }
      uom: { path: PO1/03, code: uom }
      unitPrice: { path: PO1/04, number: { implied: 0 } }
      itemIds:
        fields:
          buyer: { path: PO1, pair: { from: 6, qualifier: BP } }
          sku: { pair: { from: 6, qualifier: BP }, xref: items.csv }
      description: PID/05
`;

function setup(extra: Record<string, string> = {}): string {
  return tempFiles({
    'base/850.yaml': BASE,
    'base/roles.csv': 'code,role\nST,ship_to\nBT,bill_to\n',
    'base/items.csv': 'partner,ours\n100234,BWV-1001\n"100,9","X,Y"\n',
    ...extra,
  });
}

async function map(dir: string, file: string, text = PO()) {
  return mapTransaction(x12Tree(text), loadMapping(join(dir, file), { cache: false }), { partnerId: 'acme', envelope: X12_ENVELOPE, dictionary: X12_DICTIONARY() });
}

const errorOf = (errors: MappingError[]) => errors.map(({ rule, path, segment, element, value, message }) => ({ rule, path, segment, element, value, message }));

describe('mapTransaction', () => {
  it('maps paths, code tables (inline and CSV), numbers, dates, pairs and xref', async () => {
    const dir = setup();
    const { document, errors } = await map(dir, 'base/850.yaml');
    expect(errors).toEqual([]);
    expect(document).toEqual({
      type: 'order',
      partnerId: 'acme',
      envelope: X12_ENVELOPE,
      orderNumber: 'PO-1',
      purpose: 'original',
      orderDate: '2024-03-12',
      parties: [{ role: 'ship_to', name: 'DC COLUMBUS' }],
      lines: [{ lineNumber: '1', quantity: 120, uom: 'Units', unitPrice: 18.45, itemIds: { buyer: '100234', sku: 'BWV-1001' }, description: 'BALL VALVE' }],
    });
  });

  it('omits a value missing from an xref table, or keeps it, or reports it, as the mapping says', async () => {
    const po1 = 'PO1*1*1*EA*1*PE*BP*555';
    const omitted = await map(setup(), 'base/850.yaml', PO(po1));
    expect((omitted.document as { lines: { itemIds: unknown }[] }).lines[0].itemIds).toEqual({ buyer: '555' });

    const dir = setup({ 'p/850.yaml': 'extends: ../base/850.yaml\nfields:\n  lines:\n    fields:\n      itemIds:\n        fields:\n          sku: { onUnknown: error }\n' });
    const reported = await map(dir, 'p/850.yaml', PO(po1));
    expect(reported.document).toBeUndefined();
    expect(errorOf(reported.errors)).toEqual([
      { rule: 'xref', path: 'lines[0].itemIds.sku', segment: { tag: 'PO1', position: 4 }, element: 'PO107', value: '555', message: "PO107 at segment 4: '555' is not in cross-reference items.csv; add it to the mapping or ask the partner" },
    ]);
  });

  it('reports a code missing from a table with the element and segment position', async () => {
    const { document, errors } = await map(setup(), 'base/850.yaml', PO('PO1*1*5*CA*2'));
    expect(document).toBeUndefined();
    expect(errorOf(errors)).toEqual([
      { rule: 'code', path: 'lines[0].uom', segment: { tag: 'PO1', position: 4 }, element: 'PO103', value: 'CA', message: "PO103 at segment 4: 'CA' is not in code table uom; add it to the mapping or ask the partner" },
    ]);
    expect(errors[0]).toMatchObject({ partner: 'acme', controlNumber: '0001', interchangeControlNumber: '000000001', source: 'PO1/03' });
  });

  it('reports a missing required value with the partner message, the path and where it was looked for', async () => {
    const { document, errors } = await map(setup(), 'base/850.yaml', PO(undefined, 'BEG*00*SA***20240312'));
    expect(document).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      rule: 'required',
      path: 'orderNumber',
      partner: 'acme',
      controlNumber: '0001',
      source: 'BEG/03',
      segment: { tag: 'ST', position: 1 },
      message: 'Northgate must send the PO number in BEG03 (BEG/03 not found in the transaction)',
    });
  });

  it('names the loop occurrence and its segment position when a required value is missing in a loop', async () => {
    const dir = setup({ 'p/850.yaml': "extends: ../base/850.yaml\nfields:\n  lines:\n    fields:\n      quantity: { required: 'every line needs PO102' }\n" });
    const { errors } = await map(dir, 'p/850.yaml', PO('PO1*1**EA*1*PE*BP*100234'));
    expect(errorOf(errors)).toEqual([
      { rule: 'required', path: 'lines[0].quantity', segment: { tag: 'PO1', position: 4 }, element: 'PO1/02', value: undefined, message: 'every line needs PO102 (PO1/02 not found in the PO1 loop at segment 4 (PO1))' },
    ]);
  });

  it('reports bad dates and numbers without guessing', async () => {
    const { errors } = await map(setup(), 'base/850.yaml', PO('PO1*1*12X*EA*1', 'BEG*00*SA*PO-1**20240230'));
    expect(errorOf(errors).map((e) => [e.rule, e.path, e.element, e.segment?.position])).toEqual([
      ['date', 'orderDate', 'BEG05', 2],
      ['number', 'lines[0].quantity', 'PO102', 4],
    ]);
  });

  it('turns schema errors into mapping errors with the canonical path and its source', async () => {
    const { document, errors } = await map(setup(), 'base/850.yaml', PO('PO1*1*0*EA*1*PE*BP*100234'));
    expect(document).toBeUndefined();
    expect(errorOf(errors)).toEqual([
      { rule: 'schema', path: 'lines[0].quantity', segment: { tag: 'PO1', position: 4 }, element: 'PO102', value: undefined, message: 'lines[0].quantity: Too small: expected number to be >0 (PO102 at segment 4)' },
    ]);
  });

  it('a schema error on a value that is missing names the segment its object came from', async () => {
    const dir = setup({
      'p/850.yaml': `
extends: ../base/850.yaml
fields:
  notes:
    each: N1
    fields:
      qualifier: N1/01
      text: N1/05
`,
    });
    const { document, errors } = await map(dir, 'p/850.yaml', PO());
    expect(document).toBeUndefined();
    expect(errorOf(errors)).toEqual([
      { rule: 'schema', path: 'notes[0].text', segment: { tag: 'N1', position: 3 }, element: undefined, value: undefined, message: 'notes[0].text: Invalid input: expected string, received undefined (segment N1 at position 3)' },
    ]);
  });

  it('applies defaults, constants and JSONata expressions over the mapped object', async () => {
    const dir = setup({
      'p/850.yaml': `
extends: ../base/850.yaml
fields:
  purpose: { path: BEG/99, default: original }
  currency: { value: USD }
  notes: { expr: '[{"text": "PO " & orderNumber & " has " & $string($count(lines)) & " line(s)"}]' }
  totals:
    fields:
      lineCount: { expr: '$count($doc.lines)' }
      amount: { expr: '$sum($doc.lines.(quantity * unitPrice))' }
  lines:
    fields:
      description: { expr: '$uppercase(itemIds.buyer & " " & "x")' }
`,
    });
    const { document, errors } = await map(dir, 'p/850.yaml');
    expect(errors).toEqual([]);
    expect(document).toMatchObject({
      purpose: 'original',
      currency: 'USD',
      notes: [{ text: 'PO PO-1 has 1 line(s)' }],
      totals: { lineCount: 1, amount: 2214 },
      lines: [{ description: '100234 X' }],
    });
  });

  it('reports a failing expression with its text', async () => {
    const dir = setup({ 'p/850.yaml': 'extends: ../base/850.yaml\nfields:\n  orderType: { expr: \'$nosuchfunction(1)\' }\n' });
    const { errors } = await map(dir, 'p/850.yaml');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ rule: 'expr', path: 'orderType', source: '$nosuchfunction(1)' });
  });

  it('lets a partner file override the shared one key by key and remove keys with null', async () => {
    const dir = setup({
      'p/850.yaml': `
extends: ../base/850.yaml
tables:
  uom: { CA: Case }
fields:
  orderNumber: { path: BEG/02, required: null, expr: null }
  parties: null
  lines:
    fields:
      itemIds: null
      description: { path: PID/05, code: null }
`,
    });
    const mapping = loadMapping(join(dir, 'p/850.yaml'), { cache: false });
    expect(mapping.files.map((f) => f.slice(dir.length))).toEqual(['/base/850.yaml', '/p/850.yaml']);
    expect(mapping.tables.uom).toEqual({ EA: 'Units', CA: 'Case' });
    expect(mapping.fields.parties).toBeUndefined();
    expect(mapping.fields.orderNumber).toEqual({ path: 'BEG/02' });
    const { document, errors } = await map(dir, 'p/850.yaml', PO('PO1*1*5*CA*2'));
    expect(errors).toEqual([]);
    expect(document).toMatchObject({ orderNumber: 'SA', orderDate: '2024-03-12', lines: [{ uom: 'Case', description: 'BALL VALVE' }] });
    expect(document).not.toHaveProperty('parties');
  });

  it('maps EDIFACT by element ids and composites', async () => {
    const dir = tempFiles({
      'm.yaml': `
type: order
tables: { role: { BY: buyer } }
fields:
  orderNumber: BGM/1004
  purpose: { value: original }
  orderDate: { path: 'DTM[C507/2005=137]/C507/2380', date: '102' }
  parties:
    each: NAD
    fields:
      role: { path: 3035, code: role }
      ids: { each: NAD, fields: { qualifier: { value: GLN }, value: NAD/02-01 } }
  lines:
    each: LIN
    fields:
      lineNumber: LIN/1082
      quantity: { path: 'QTY[C186/6063=21]/C186/6060', number: true }
      uom: QTY/C186/6411
      itemIds: { fields: { ean: 'LIN[C212/7143=EN]/C212/7140' } }
`,
    });
    const tree = edifactTree(["UNH+1+ORDERS:D:96A:UN", 'BGM+220+PO-7+9', 'DTM+137:20240610:102', 'NAD+BY+871::9', 'LIN+1++8034567100018:EN', 'QTY+21:1,5:PCE', 'UNS+S', 'UNT+8+1'].join("'"));
    const { document, errors } = await mapTransaction(tree, loadMapping(join(dir, 'm.yaml'), { cache: false }), { partnerId: 'nh', envelope: EDIFACT_ENVELOPE, dictionary: D96A_DICTIONARY(), decimalMark: 'either' });
    expect(errors).toEqual([]);
    expect(document).toMatchObject({ orderNumber: 'PO-7', orderDate: '2024-06-10', parties: [{ role: 'buyer', ids: [{ qualifier: 'GLN', value: '871' }] }], lines: [{ lineNumber: '1', quantity: 1.5, uom: 'PCE', itemIds: { ean: '8034567100018' } }] });
  });
});

describe('loadMapping', () => {
  it.each([
    ['type: invoice2\nfields: {}\n', 'at type: expected one of order, order_response, ship_notice, invoice, functional_ack'],
    ['type: order\nfields:\n  orderNumber: { path: BEG/03, colour: red }\n', 'at fields.orderNumber'],
    ['type: order\nfields:\n  uom: { path: PO1/03, code: nope }\n', "at fields.uom.code: no table 'nope' under tables:"],
    ['type: order\nfields:\n  a: { path: X/01, date: YYYY }\n', 'at fields.a'],
    ['extends: missing.yaml\ntype: order\nfields: {}\n', 'at extends: missing.yaml does not exist'],
    ['type: order\nfields: [\n', 'is not valid YAML'],
  ])('names file and key for %j', (text, message) => {
    const dir = tempFiles({ 'm.yaml': text });
    expect(() => loadMapping(join(dir, 'm.yaml'), { cache: false })).toThrow(MappingFileError);
    expect(() => loadMapping(join(dir, 'm.yaml'), { cache: false })).toThrow(message);
  });

  it('refuses an extends cycle', () => {
    const dir = tempFiles({ 'a.yaml': 'extends: b.yaml\ntype: order\nfields: {}\n', 'b.yaml': 'extends: a.yaml\ntype: order\nfields: {}\n' });
    expect(() => loadMapping(join(dir, 'a.yaml'), { cache: false })).toThrow('extends itself through');
  });

  it('reads CSV cells with quotes and a YAML table file', () => {
    const dir = setup();
    writeFileSync(join(dir, 'base/uom.yaml'), 'EA: Units\nCA: 12\n');
    writeFileSync(join(dir, 'p.yaml'), 'type: order\ntables: { uom: base/uom.yaml }\nfields:\n  x: { path: A/01, xref: base/items.csv }\n');
    const mapping = loadMapping(join(dir, 'p.yaml'), { cache: false });
    expect(mapping.tables.uom).toEqual({ EA: 'Units', CA: '12' });
    expect(mapping.tables[join(dir, 'base/items.csv')]).toEqual({ '100234': 'BWV-1001', '100,9': 'X,Y' });
  });

  it('merges objects key by key', () => {
    expect(mergeMapping({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3, e: null }, d: [2] })).toEqual({ a: { b: 1, c: 3 }, d: [2] });
  });
});
