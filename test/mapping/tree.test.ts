/** The transaction tree: a segment kept as the values of its simple elements reads as the parsed one. */
import { ElementResolver, parsePath, selectValues, TreeBuilder, buildTree, type TransactionTree, type TreeNode } from '../../src/mapping';
import { elementCount, repetitionCount, valueAt, type TreeSegment } from '../../src/mapping/tree';
import { definitionsDir, loadTransaction } from '../../src/edi/common/definition-loader';
import type { ParsedSegment } from '../../src/edi/common/segment';
import { segmentsOf, X12_DICTIONARY } from './helpers';

const PO = [
  'ST*850*0001',
  'BEG*00*SA*PO-1**20240312',
  'REF*DP*118',
  'N1*ST*DC COLUMBUS*92*DC07',
  'N3*4200 LOGISTICS PKWY*DOCK 14',
  'N4*GROVEPORT*OH*43125*US',
  'PO1*1*120*EA*18.45*PE*VP*BV-050*BP*100234',
  'PID*F****BALL VALVE',
  'PO1*2*60*EA*27.9*PE*VP*BV-075*BP*100235',
  'PID*F****BALL VALVE 3/4',
  'PID*F****LEAD-FREE',
  'MSG*A>B*',
  'CTT*2',
  'SE*14*0001',
].join('~');

const DEF = () => loadTransaction(definitionsDir('x12', '004010'), '850');

/** The tree as the translator builds it: simple segments as their values, the others parsed. */
function valuesTree(segments: ParsedSegment[]): TransactionTree {
  const builder = new TreeBuilder(DEF());
  segments.forEach((seg, i) => {
    if (seg.elements.every((el) => el.length === 1 && el[0].length === 1)) builder.addSimple(seg.tag, seg.elements.map((el) => el[0][0]), i + 1, i * 10);
    else builder.add(seg, i + 1, i * 10);
  });
  return builder.result;
}

function shape(node: TreeNode): unknown {
  return node.kind === 'segment' ? { tag: node.tag, position: node.position, elements: node.elements } : { id: node.id, children: node.children.map(shape) };
}

function segments(node: TreeNode): TreeSegment[] {
  return node.kind === 'segment' ? [node] : node.children.flatMap(segments);
}

describe('transaction tree', () => {
  const parsed = segmentsOf(PO, { segment: '~', element: '*', component: '>' });
  const lists = buildTree(DEF(), parsed);
  const values = valuesTree(parsed);

  it('places segments kept as values where it places parsed ones, with the same elements', () => {
    expect(shape(values.root)).toEqual(shape(lists.root));
    expect(segments(values.root).filter((s) => s.simple !== undefined).length).toBeGreaterThan(10);
    expect(segments(values.root).find((s) => s.tag === 'MSG')?.simple).toBeUndefined();
  });

  it('reads every place of a segment kept as values as the lists give it', () => {
    for (const seg of segments(values.root)) {
      const elements = seg.elements;
      expect(elementCount(seg)).toBe(elements.length);
      for (let e = -1; e <= elements.length + 1; e++) {
        expect(repetitionCount(seg, e)).toBe(elements[e]?.length ?? 0);
        for (let r = -1; r <= 2; r++) for (let c = -1; c <= 2; c++) expect(valueAt(seg, e, r, c)).toBe(elements[e]?.[r]?.[c] ?? '');
      }
    }
  });

  it('gives paths the same values from both', () => {
    const resolver = new ElementResolver(X12_DICTIONARY(), 'x12 004010');
    for (const text of ['BEG/03', 'REF[01=DP]/02', 'N1*/04', 'N1/N4/03', 'PO1*/02', 'PO1*/07#*', 'PID*[01=F]/05', 'MSG/01-02', 'CTT/01', 'N1/N3/02']) {
      const path = parsePath(text);
      const read = (tree: TransactionTree) => selectValues(tree.root, tree.root, path, resolver).map((h) => [h.value, h.segment.position, h.element, h.component, h.repetition]);
      expect(read(values)).toEqual(read(lists));
    }
  });
});
