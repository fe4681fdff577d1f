/** Paths into the transaction tree: parsing, loops, qualifiers, composites, repetitions. */
import { ElementResolver, parsePath, PathError, selectNodes, selectValues, type TreeNode } from '../../src/mapping';
import { D96A_DICTIONARY, edifactTree, segmentsOf, x12Tree, X12_DICTIONARY } from './helpers';
import { buildTree } from '../../src/mapping';
import type { TransactionDef } from '../../src/edi/common/definitions';

const PO = [
  'ST*850*0001',
  'BEG*00*SA*PO-1**20240312',
  'REF*DP*118',
  'REF*PO*4711',
  'N1*ST*DC COLUMBUS*92*DC07',
  'N3*4200 LOGISTICS PKWY*DOCK 14',
  'N4*GROVEPORT*OH*43125*US',
  'N1*BT*HEAD OFFICE*92*HQ01',
  'N3*PO BOX 1187',
  'PO1*1*120*EA*18.45*PE*VP*BV-050*BP*100234',
  'PID*F****BALL VALVE',
  'PO1*2*60*EA*27.9*PE*VP*BV-075*BP*100235',
  'PID*F****BALL VALVE 3/4',
  'PID*F****LEAD-FREE',
  'CTT*2',
  'SE*15*0001',
].join('~');

const ORDERS = [
  'UNH+1+ORDERS:D:96A:UN',
  'BGM+220+PO-7+9',
  'DTM+137:20240610:102',
  'DTM+2:20240701:102',
  'NAD+BY+8712345000014::9++BUYER NAME+STREET 1+CITY++1234+NL',
  'CTA+PD+:J. DE VRIES',
  'COM+31104567890:TE',
  'NAD+DP+8712345000021::9',
  'LIN+1++8034567100018:EN',
  'PIA+1+VV-1:SA',
  'QTY+21:120:PCE',
  'PRI+AAA:9.85',
  'UNS+S',
  'UNT+13+1',
].join("'");

function values(tree: { root: TreeNode }, text: string, ctx: TreeNode = tree.root, dict = X12_DICTIONARY()): string[] {
  const root = (tree as { root: TreeNode & { kind: 'loop' } }).root;
  return selectValues(ctx, root, parsePath(text), new ElementResolver(dict)).map((h) => h.value);
}

describe('parsePath', () => {
  it('parses segment steps, qualifiers, occurrences and element positions', () => {
    expect(parsePath('N1*[01=ST|BT, 04]/N3#2/02-01')).toEqual({
      text: 'N1*[01=ST|BT, 04]/N3#2/02-01',
      absolute: false,
      steps: [
        {
          name: 'N1',
          all: true,
          conditions: [
            { element: { kind: 'position', element: 1, component: 1, repetition: 1 }, op: '=', values: ['ST', 'BT'] },
            { element: { kind: 'position', element: 4, component: 1, repetition: 1 }, op: 'present', values: [] },
          ],
        },
        { name: 'N3', all: false, index: 2, conditions: [] },
      ],
      element: { kind: 'position', element: 2, component: 1, repetition: 1 },
    });
  });

  it('parses element ids, composites with components, repetitions and absolute paths', () => {
    const p = parsePath('/DTM[C507/2005!=137]/C507/2380#*');
    expect(p.absolute).toBe(true);
    expect(p.steps[0].conditions[0]).toEqual({ element: { kind: 'ref', first: 'C507', second: '2005', repetition: 1 }, op: '!=', values: ['137'] });
    expect(p.element).toEqual({ kind: 'ref', first: 'C507', second: '2380', repetition: '*' });
    expect(parsePath('NAD/3035').element).toEqual({ kind: 'ref', first: '3035', repetition: 1 });
    expect(parsePath('03').steps).toEqual([]);
  });

  it.each([
    ['', 'empty'],
    ['N1[01=ST', "'[' without ']'"],
    ['N1//01', 'empty step'],
    ['N1/01/02/03', 'is not an element'],
    ['N1#0/01', 'occurrences count from 1'],
    ['N1[01=ST]x/02', 'a condition'],
  ])('rejects %j', (text, message) => {
    expect(() => parsePath(text)).toThrow(PathError);
    expect(() => parsePath(text)).toThrow(message);
  });
});

describe('the transaction tree', () => {
  it('groups segments into loop occurrences per the definition', () => {
    const tree = x12Tree(PO);
    const shape = (n: TreeNode): unknown => (n.kind === 'segment' ? n.tag : { [n.id]: n.children.map(shape) });
    expect(tree.root.children.map(shape)).toEqual([
      'ST',
      'BEG',
      'REF',
      'REF',
      { N1: ['N1', 'N3', 'N4'] },
      { N1: ['N1', 'N3'] },
      { PO1: ['PO1', { PID: ['PID'] }] },
      { PO1: ['PO1', { PID: ['PID'] }, { PID: ['PID'] }] },
      { CTT: ['CTT'] },
      'SE',
    ]);
    expect(tree.unplaced).toEqual([]);
  });

  it('keeps a segment without a place in the innermost loop and counts it', () => {
    const tree = x12Tree('ST*850*1~BEG*00*SA*1**20240101~PO1*1*1*EA~ZZZ*X~SE*4*1');
    expect(tree.unplaced.map((s) => s.tag)).toEqual(['ZZZ']);
  });

  it('prefers positions whose code lists accept the segment', () => {
    const def: TransactionDef = {
      id: 'T',
      name: 'test',
      structure: [
        { segment: 'ST', req: 'M', max: 1 },
        { loop: 'SHIP', req: 'O', max: 0, segments: [{ segment: 'HL', req: 'M', max: 1, codes: { '03': ['S'] } }, { segment: 'TD1', req: 'O', max: 1 }] },
        { loop: 'ITEM', req: 'O', max: 0, segments: [{ segment: 'HL', req: 'M', max: 1, codes: { '03': ['I'] } }, { segment: 'LIN', req: 'O', max: 1 }] },
        { segment: 'SE', req: 'M', max: 1 },
      ],
    };
    const tree = buildTree(def, segmentsOf('ST*T~HL*1**S~TD1*X~HL*2*1*I~LIN*1~SE*5', { segment: '~', element: '*', component: '>' }));
    expect(tree.root.children.map((n) => (n.kind === 'loop' ? n.id : n.tag))).toEqual(['ST', 'SHIP', 'ITEM', 'SE']);
  });
});

describe('selecting values', () => {
  const tree = x12Tree(PO);

  it('reads plain elements and qualified segments', () => {
    expect(values(tree, 'BEG/03')).toEqual(['PO-1']);
    expect(values(tree, 'REF[01=PO]/02')).toEqual(['4711']);
    expect(values(tree, 'REF/02')).toEqual(['118']);
    expect(values(tree, 'REF*/02')).toEqual(['118', '4711']);
    expect(values(tree, 'REF#2/02')).toEqual(['4711']);
    expect(values(tree, 'REF[01=XX]/02')).toEqual([]);
  });

  it('enters loops by their trigger and a qualifier', () => {
    expect(values(tree, 'N1[01=ST]/N3/01')).toEqual(['4200 LOGISTICS PKWY']);
    expect(values(tree, 'N1[01=BT]/N3/01')).toEqual(['PO BOX 1187']);
    expect(values(tree, 'N1[01=BT]/02')).toEqual(['HEAD OFFICE']);
    expect(values(tree, 'N1*/N4/01')).toEqual(['GROVEPORT']);
    expect(values(tree, 'PO1*/PID*/05')).toEqual(['BALL VALVE', 'BALL VALVE 3/4', 'LEAD-FREE']);
  });

  it('selects every occurrence of a loop for each: and reads relative to it', () => {
    const lines = selectNodes(tree.root, tree.root, parsePath('PO1'), new ElementResolver(), true);
    expect(lines).toHaveLength(2);
    expect(values(tree, 'PO1/02', lines[1])).toEqual(['60']);
    expect(values(tree, '02', lines[1])).toEqual(['60']);
    expect(values(tree, '/BEG/03', lines[1])).toEqual(['PO-1']);
    expect(values(tree, 'PID#2/05', lines[1])).toEqual(['LEAD-FREE']);
  });

  it('resolves EDIFACT element ids and composites through the dictionary', () => {
    const orders = edifactTree(ORDERS);
    const v = (text: string) => values(orders, text, orders.root, D96A_DICTIONARY());
    expect(v('BGM/1004')).toEqual(['PO-7']);
    expect(v('DTM[C507/2005=2]/C507/2380')).toEqual(['20240701']);
    expect(v('DTM[2005=137]/2380')).toEqual(['20240610']);
    expect(v('NAD[3035=BY]/C082/3039')).toEqual(['8712345000014']);
    expect(v('NAD[3035=DP]/02-01')).toEqual(['8712345000021']);
    expect(v('NAD[3035=BY]/C080/01')).toEqual(['BUYER NAME']);
    expect(v('NAD[3035=BY]/CTA/COM[C076/3155=TE]/C076/3148')).toEqual(['31104567890']);
    expect(v('SG25/PRI[C509/5125=AAA]/C509/5118')).toEqual(['9.85']);
    expect(v('LIN/PIA[4347=1]/C212/7140')).toEqual(['VV-1']);
  });

  it('reads repetitions', () => {
    const def: TransactionDef = { id: 'T', name: 't', structure: [{ segment: 'ST', req: 'M', max: 1 }, { segment: 'XX', req: 'O', max: 1 }, { segment: 'SE', req: 'M', max: 1 }] };
    const tree2 = buildTree(def, segmentsOf('ST*T~XX*A^B^C*Q>R^S>T~SE*3', { segment: '~', element: '*', component: '>', repetition: '^' }));
    const v = (text: string) => selectValues(tree2.root, tree2.root, parsePath(text), new ElementResolver()).map((h) => h.value);
    expect(v('XX/01')).toEqual(['A']);
    expect(v('XX/01#3')).toEqual(['C']);
    expect(v('XX/01#*')).toEqual(['A', 'B', 'C']);
    expect(v('XX/02-02#2')).toEqual(['T']);
  });

  it('names the unknown element id and the missing element', () => {
    const orders = edifactTree(ORDERS);
    const resolver = new ElementResolver(D96A_DICTIONARY(), 'edifact D96A');
    expect(() => selectValues(orders.root, orders.root, parsePath('NAD/9999'), resolver)).toThrow("path 'NAD/9999': element 9999 is not in segment NAD (edifact D96A)");
    expect(() => selectValues(orders.root, orders.root, parsePath('NAD'), resolver)).toThrow('names a segment or loop, not a value');
    expect(() => selectValues(orders.root, orders.root, parsePath('NAD/3035'), new ElementResolver())).toThrow('element ids need a dictionary');
  });
});
