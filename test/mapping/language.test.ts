/**
 * The mapping language additions of issue 3: paths that go up (`..`, `^HL[03=P]`) and down (`**`) the X12 HL
 * hierarchy and the EDIFACT groups, `transform:`, `firstOf:`, `defaultWhen:` and `onMore:`; and the shipped
 * 005010 856 mapping that uses them, both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryControlNumbers } from '../../src/edi/ack';
import { definitionsDir, loadDictionary, loadTransaction } from '../../src/edi/common/definition-loader';
import { validateBuffer } from '../../src/edi/validate';
import { buildTree, ElementResolver, loadMapping, mapTransaction, parsePath, PathError, renderDocuments, selectNodes, selectValues, type TreeNode } from '../../src/mapping';
import { loadPartners } from '../../src/partners/loader';
import { D96A_DICTIONARY, EDIFACT_ENVELOPE, edifactTree, segmentsOf, tempFiles, x12Tree, X12_DICTIONARY, X12_ENVELOPE } from './helpers';

const ROOT = join(__dirname, '..', '..');

/** S/O/P/I with two orders; the second order's pack (HL 7) comes before its order (HL 6) in the file. */
const ASN = [
  'ST*856*0001',
  'BSN*00*SH-1*20240322*1640',
  'HL*1**S*1',
  'HL*2*1*O*1',
  'PRF*PO-A',
  'HL*3*2*P*1',
  'MAN*GM*00008477129000318411',
  'HL*4*3*I*0',
  'LIN*1*BP*A-1',
  'HL*5*2*I*0',
  'LIN*2*BP*A-2',
  'HL*7*6*P*1',
  'MAN*GM*008477129000318428',
  'HL*6*1*O*1',
  'PRF*PO-B',
  'HL*8*7*I*0',
  'LIN*1*BP*B-1',
  'SE*19*0001',
].join('~');

describe('paths up and down the hierarchy', () => {
  const tree = x12Tree(ASN, '856');
  const resolver = new ElementResolver(X12_DICTIONARY());
  const nodes = (ctx: TreeNode, text: string, eachLast = false) => selectNodes(ctx, tree.root, parsePath(text), resolver, eachLast);
  const values = (ctx: TreeNode, text: string) => selectValues(ctx, tree.root, parsePath(text), resolver).map((h) => h.value);
  const item = (n: number) => nodes(tree.root, `HL[01=${n}]`)[0];

  it('parses .., ^NAME and **/NAME steps', () => {
    expect(parsePath('../PRF/01').steps[0]).toEqual({ name: '', conditions: [], all: false, axis: 'parent' });
    expect(parsePath('^HL[03=P|T]/MAN/02').steps[0]).toMatchObject({ name: 'HL', axis: 'ancestor', conditions: [{ op: '=', values: ['P', 'T'] }] });
    expect(parsePath('**/HL[03=I]').steps).toEqual([expect.objectContaining({ name: 'HL', axis: 'descendant' })]);
    expect(parsePath('LIN/01').steps[0]).not.toHaveProperty('axis');
    for (const bad of ['**', '^', '^01', '**/^HL', '**/**/HL']) expect(() => parsePath(bad)).toThrow(PathError);
  });

  it('follows HL02 to the parent level, whatever the order of the HL loops in the file', () => {
    expect(values(item(4), '../MAN/02')).toEqual(['00008477129000318411']);
    expect(values(item(4), '^HL[03=O]/PRF/01')).toEqual(['PO-A']);
    expect(values(item(5), '^HL[03=P]/MAN/02')).toEqual([]);
    expect(values(item(8), '^HL[03=P]/MAN/02')).toEqual(['008477129000318428']);
    expect(values(item(8), '^HL[03=O]/PRF/01')).toEqual(['PO-B']);
    expect(values(item(8), '^HL*/03')).toEqual(['P', 'O', 'S']);
  });

  it('finds the HL occurrences below one, at any depth, in file order', () => {
    const lines = (order: number) => nodes(item(order), '**/HL[03=I]', true).map((n) => values(n, 'LIN/03')[0]);
    expect(lines(2)).toEqual(['A-1', 'A-2']);
    expect(lines(6)).toEqual(['B-1']);
    expect(nodes(item(1), '**/LIN', true)).toHaveLength(3);
  });

  it('takes the nearest earlier HL of a higher level (S > O > T > P > I) as the parent when HL02 is empty', () => {
    const bare = x12Tree(['ST*856*0001', 'BSN*00*SH-2*20240322*1640', 'HL*1**S', 'HL*2**O', 'PRF*PO-C', 'HL*3**I', 'LIN*1*BP*C-1', 'HL*4**I', 'LIN*2*BP*C-2', 'SE*9*0001'].join('~'), '856');
    const order = selectNodes(bare.root, bare.root, parsePath('HL[03=O]'), resolver)[0];
    const lines = selectNodes(order, bare.root, parsePath('**/HL[03=I]'), resolver, true);
    expect(lines.map((n) => selectValues(n, bare.root, parsePath('^HL[03=O]/PRF/01'), resolver)[0]?.value)).toEqual(['PO-C', 'PO-C']);
  });

  it('climbs from an EDIFACT group to the group that holds it', () => {
    const desadv = edifactTree(["UNH+1+DESADV:D:96A:UN", 'BGM+351+DA-1+9', 'CPS+1', 'CPS+2+1', 'PAC+1++PX', 'PCI+33E', 'GIN+BJ+370800001200000414', 'LIN+1++7080000123018:EN', 'QTY+12:5', 'UNT+10+1'].join("'"), 'DESADV');
    const r = new ElementResolver(D96A_DICTIONARY());
    const lin = selectNodes(desadv.root, desadv.root, parsePath('CPS#2/LIN'), r)[0];
    expect(selectValues(lin, desadv.root, parsePath('^CPS/PAC/PCI/GIN[7405=BJ]/C208/7402'), r).map((h) => h.value)).toEqual(['370800001200000414']);
    expect(selectValues(lin, desadv.root, parsePath('../CPS/7164'), r).map((h) => h.value)).toEqual(['2']);
  });
});

const mapX12 = async (yaml: string, text: string, id = '850') => {
  const dir = tempFiles({ 'm.yaml': yaml });
  return mapTransaction(x12Tree(text, id), loadMapping(join(dir, 'm.yaml'), { cache: false }), { partnerId: 'acme', envelope: X12_ENVELOPE, dictionary: X12_DICTIONARY() });
};

describe('transform, firstOf, defaultWhen', () => {
  it('transform: drops the (00) of a 20-digit SSCC only, and normalises case and characters', async () => {
    const { document, errors } = await mapX12(
      `
type: ship_notice
fields:
  shipmentId: { path: BSN/02, transform: [lower, { remove: '-' }, upper] }
  packages:
    each: 'HL[03=P]'
    fields: { sscc: { path: MAN/02, transform: [{ drop-prefix: { prefix: '00', length: 20 } }] } }
  orders: { each: 'HL[03=O]', fields: { orderNumber: { path: PRF/01, transform: [{ slice: [3, 4] }] }, lines: { each: '**/HL[03=I]', fields: { lineNumber: LIN/01, quantityShipped: { value: 1 }, uom: { value: Units } } } } }
`,
      ASN,
      '856',
    );
    expect(errors).toEqual([]);
    expect(document).toMatchObject({ shipmentId: 'SH1', packages: [{ sscc: '008477129000318411' }, { sscc: '008477129000318428' }], orders: [{ orderNumber: 'A' }, { orderNumber: 'B' }] });
  });

  it('firstOf: the first path that finds a value, else the next', async () => {
    const yaml = `
type: order
fields:
  orderNumber: { firstOf: ['REF[01=PO]/02', BEG/03], required: 'no order number' }
  purpose: { value: original }
  orderDate: { value: '2024-03-12' }
  lines: { each: PO1, fields: { lineNumber: PO1/01, quantity: { value: 1 }, uom: { value: Units }, description: { value: X } } }
`;
    const doc = (beg: string, ref = '') => ['ST*850*0001', beg, ...(ref ? [ref] : []), 'PO1*1*1*EA', 'SE*5*0001'].join('~');
    const withRef = await mapX12(yaml, doc('BEG*00*SA*PO-1**20240312', 'REF*PO*4711'));
    expect(withRef.errors).toEqual([]);
    expect(withRef.document).toMatchObject({ orderNumber: '4711' });
    expect((await mapX12(yaml, doc('BEG*00*SA*PO-1**20240312', 'REF*DP*118'))).document).toMatchObject({ orderNumber: 'PO-1' });
    const missing = await mapX12(yaml, doc('BEG*00*SA***20240312'));
    expect(missing.errors).toEqual([expect.objectContaining({ rule: 'required', path: 'orderNumber', message: expect.stringContaining('REF[01=PO]/02, BEG/03 not found') })]);
  });

  it('defaultWhen: the default only beside a value of the sibling, wherever the sibling is written', async () => {
    const yaml = `
type: order_response
tables: { status: { AC: accepted_with_changes }, line: { IA: accepted } }
fields:
  orderNumber: BAK/03
  status: { path: BAK/02, code: status }
  lines:
    each: PO1
    fields:
      uom: { path: ACK/03, default: Units, defaultWhen: quantity }
      lineNumber: PO1/01
      status: { path: ACK/01, code: line }
      quantity: { path: ACK/02, number: true }
`;
    const text = ['ST*855*0001', 'BAK*00*AC*PO-1*20240315', 'PO1*1', 'ACK*IA*5', 'PO1*2', 'ACK*IA', 'SE*7*0001'].join('~');
    const { document, errors } = await mapX12(yaml, text, '855');
    expect(errors).toEqual([]);
    expect(document).toMatchObject({ lines: [{ lineNumber: '1', quantity: 5, uom: 'Units' }, { lineNumber: '2' }] });
    expect((document as unknown as { lines: object[] }).lines[1]).not.toHaveProperty('uom');
  });

  it('firstOf renders into the first path, which reads back first', async () => {
    const northgate = loadPartners().get('northgate');
    if (!northgate) throw new Error('no partner northgate');
    const shared = join(ROOT, 'mappings', '_x12-004010', '855.yaml');
    const dir = tempFiles({ 'northgate/855.yaml': `extends: ${JSON.stringify(shared)}\nfields:\n  responseNumber: { path: null, firstOf: ['REF[01=VN]/02', BAK/08] }\n` });
    const envelope = { ...X12_ENVELOPE, messageType: '855' };
    const doc = { type: 'order_response', partnerId: 'northgate', envelope, orderNumber: 'PO-1', responseNumber: 'SO-9', responseDate: '2026-01-05', status: 'accepted' };
    const rendered = await renderDocuments([doc], { ...northgate, mappingsDir: join(dir, 'northgate') }, { controlNumbers: new InMemoryControlNumbers(), now: new Date('2026-01-02T03:04:05Z') });
    expect(rendered.errors).toEqual([]);
    expect(rendered.text).toContain('REF*VN*SO-9~');
    // BAK08 stays empty: the value went to REF*VN only.
    expect(rendered.text).toContain('BAK*00*AD*PO-1*20260105*****20260105~');
  });

  it('refuses defaultWhen naming no sibling, and firstOf beside path', () => {
    const dir = tempFiles({
      'a.yaml': 'type: order\nfields:\n  lines: { each: PO1, fields: { uom: { path: PO1/03, default: Units, defaultWhen: qty } } }\n',
      'b.yaml': "type: order\nfields:\n  orderNumber: { path: BEG/03, firstOf: ['REF/02', BEG/03] }\n",
    });
    expect(() => loadMapping(join(dir, 'a.yaml'), { cache: false })).toThrow("at fields.lines.fields.uom.defaultWhen: 'qty' is not a field beside uom");
    expect(() => loadMapping(join(dir, 'b.yaml'), { cache: false })).toThrow('firstOf replaces path');
  });

  it('EANCOM: a DESADV quantity without 6411 is in Units, and the line carries the SSCC of its CPS', async () => {
    const text = ["UNH+1+DESADV:D:96A:UN", 'BGM+351+DA-1+9', 'RFF+ON:PO-1', 'CPS+1', 'CPS+2+1', 'PAC+1++PX', 'PCI+33E', 'GIN+BJ+370800001200000414', 'LIN+1++7080000123018:EN', 'QTY+12:5', 'UNT+11+1'].join("'");
    const mapping = loadMapping(join(ROOT, 'mappings', '_edifact-d96a', 'DESADV.yaml'));
    const { document, errors } = await mapTransaction(edifactTree(text, 'DESADV'), mapping, { partnerId: 'fj', envelope: { ...EDIFACT_ENVELOPE, messageType: 'DESADV' }, dictionary: D96A_DICTIONARY() });
    expect(errors).toEqual([]);
    expect(document).toMatchObject({ packages: [{ sscc: '370800001200000414', lines: [{ lineNumber: '1' }] }], orders: [{ orderNumber: 'PO-1', lines: [{ lineNumber: '1', quantityShipped: 5, uom: 'Units', packageSscc: '370800001200000414' }] }] });
  });
});

describe('the 005010 856 (S/O/T/P/I, 20-digit SSCCs) through the shared 005010 mapping, both ways', () => {
  const dir = definitionsDir('x12', '005010');
  const def = loadTransaction(dir, '856');
  const mapping = loadMapping(join(ROOT, 'mappings', '_x12-005010', '856.yaml'));
  const body = (text: string, seps: { segment: string; element: string; component: string; repetition: string }) =>
    segmentsOf(text.replace(/\r?\n/g, ''), seps).filter((s) => !['ISA', 'GS', 'GE', 'IEA'].includes(s.tag));
  const map = (text: string, seps: { segment: string; element: string; component: string; repetition: string }) =>
    mapTransaction(buildTree(def, body(text, seps)), mapping, { partnerId: 'keystone', envelope: { ...X12_ENVELOPE, version: '005010', messageType: '856' }, dictionary: loadDictionary(dir) });

  it('maps packs and tare with their SSCC, and each line to the pack it is in; renders and reads back the same', async () => {
    const text = readFileSync(join(ROOT, 'fixtures/edi/x12/005010/856-ship-notice.edi'), 'utf8');
    const first = await map(text, { segment: '~', element: '|', component: '\\', repetition: '^' });
    expect(first.errors).toEqual([]);
    expect(first.document).toMatchObject({
      shipmentId: 'SHP-240517-03',
      packages: [{ sscc: '108501230000090016' }, { sscc: '008501230000090026' }, { sscc: '008501230000090033' }],
      orders: [
        {
          orderNumber: 'NG-46010',
          lines: [
            { lineNumber: '1', quantityShipped: 240, packageSscc: '008501230000090026' },
            { lineNumber: '2', quantityShipped: 96, packageSscc: '008501230000090033' },
            { lineNumber: '3', quantityShipped: 150, packageSscc: '008501230000090033' },
          ],
        },
      ],
    });

    const keystone = loadPartners().get('keystone');
    if (!keystone) throw new Error('no partner keystone');
    const doc = { ...(first.document as object), partnerId: 'keystone' };
    const rendered = await renderDocuments([doc], keystone, { controlNumbers: new InMemoryControlNumbers(), now: new Date('2026-01-02T03:04:05Z') });
    expect(rendered.errors).toEqual([]);
    expect(validateBuffer(Buffer.from(rendered.text)).errors).toEqual([]);
    const back = await map(rendered.text, { segment: '~', element: '*', component: ':', repetition: '^' });
    expect(back.errors).toEqual([]);
    const { envelope: _a, ...was } = first.document as unknown as Record<string, unknown>;
    const { envelope: _b, ...now } = back.document as unknown as Record<string, unknown>;
    expect(now).toEqual({ ...was, partnerId: 'keystone' });
  });

  it('warns, without failing the document, when a line names a pack that is not in the notice on the way out', async () => {
    const keystone = loadPartners().get('keystone');
    if (!keystone) throw new Error('no partner keystone');
    const text = readFileSync(join(ROOT, 'fixtures/edi/x12/005010/856-ship-notice.edi'), 'utf8');
    const first = await map(text, { segment: '~', element: '|', component: '\\', repetition: '^' });
    const doc = first.document as unknown as { packages: unknown[]; orders: { lines: { packageSscc?: string }[] }[] };
    // The schema refuses an SSCC no package has; a notice without packages may still name one.
    const bare = { ...doc, partnerId: 'keystone', packages: undefined };
    const rendered = await renderDocuments([bare], keystone, { controlNumbers: new InMemoryControlNumbers(), now: new Date('2026-01-02T03:04:05Z') });
    expect(rendered.errors.map((e) => [e.severity, e.rule, e.path])).toEqual([0, 1, 2].map((l) => ['warning', 'placement', `orders[0].lines[${l}].packageSscc`]));
    expect(rendered.errors[0].message).toContain("no HL holds '008501230000090026'");
    expect(rendered.transactions).toHaveLength(1);
  });
});
