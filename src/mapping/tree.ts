/**
 * The transaction tree: one transaction's segments grouped into loop occurrences, as plain objects, so
 * mapping paths such as `N1[01=ST]/N3/01` or `PO1*` can be answered without knowing the standard.
 *
 * The tree is built from the transaction definition (TransactionDef): a loop occurrence starts at its
 * trigger segment. The placement is the usual forward search: from the position used last at the
 * innermost open loop, then at each enclosing level (leaving a level closes its occurrence). Per-use
 * code lists (SegmentUse.codes, e.g. HL*..*S) are preferred when they accept the segment. A segment that
 * has no place is kept in the innermost open loop and counted in `unplaced` (validation reports it).
 */
import type { ParsedSegment } from '../edi/common/segment';
import type { StructureNode, TransactionDef } from '../edi/common/definitions';

/** A segment of the transaction. */
export interface TreeSegment {
  kind: 'segment';
  tag: string;
  /** elements[e-1][r-1][c-1], values unescaped. */
  readonly elements: string[][][];
  /**
   * A segment whose elements are all simple (one repetition of one component) may hold just their
   * values, simple[e-1] = elements[e-1][0][0]: read them with valueAt, elementCount and repetitionCount.
   */
  readonly simple?: string[];
  /** 1-based position in the transaction (header = 1). */
  position: number;
  /** Byte offset in the input, when known. */
  offset?: number;
}

/**
 * A segment of simple elements kept as their values: most segments are, and a list of repetitions of a
 * list of components per element was most of what a translation allocated. `elements` is made from the
 * values when something asks for it.
 */
class SimpleSegment implements TreeSegment {
  readonly kind = 'segment';
  private lists: string[][][] | undefined;
  constructor(
    readonly tag: string,
    readonly simple: string[],
    readonly position: number,
    readonly offset: number | undefined,
  ) {}

  get elements(): string[][][] {
    return (this.lists ??= this.simple.map((v) => [[v]]));
  }
}

/** elements[e][r][c] of a segment, 0-based, or '' when there is none (`seg.elements[e]?.[r]?.[c] ?? ''`). */
export function valueAt(seg: TreeSegment, e: number, r: number, c: number): string {
  const simple = seg.simple;
  if (simple !== undefined) return r === 0 && c === 0 ? (simple[e] ?? '') : '';
  return seg.elements[e]?.[r]?.[c] ?? '';
}

/** The number of elements of a segment (`seg.elements.length`). */
export function elementCount(seg: TreeSegment): number {
  const simple = seg.simple;
  return simple !== undefined ? simple.length : seg.elements.length;
}

/** The number of repetitions of element e (0-based) of a segment, 0 when there is none (`seg.elements[e]?.length ?? 0`). */
export function repetitionCount(seg: TreeSegment, e: number): number {
  const simple = seg.simple;
  if (simple !== undefined) return simple[e] !== undefined ? 1 : 0;
  return seg.elements[e]?.length ?? 0;
}

/** A loop occurrence (the whole transaction at the root, id ''); children[0] is the trigger segment. */
export interface TreeLoop {
  kind: 'loop';
  id: string;
  children: TreeNode[];
}

export type TreeNode = TreeSegment | TreeLoop;

/** The tree of one transaction. */
export interface TransactionTree {
  root: TreeLoop;
  /** Segments that matched no position of the definition (kept in the innermost open loop). */
  unplaced: TreeSegment[];
}

interface Frame {
  nodes: StructureNode[];
  /** The segment each of `nodes` starts with, and where each segment starts one (see levelOf). */
  level: Level;
  loop: TreeLoop;
  /** Index of the structure node used last at this level, -1 before the first. */
  pos: number;
}

/** Builds the tree of one transaction, segment by segment (header and trailer included). */
export class TreeBuilder {
  private readonly stack: Frame[];
  private readonly tree: TransactionTree;

  constructor(def: TransactionDef) {
    const root: TreeLoop = { kind: 'loop', id: '', children: [] };
    this.tree = { root, unplaced: [] };
    this.stack = [{ nodes: def.structure, level: levelOf(def.structure), loop: root, pos: -1 }];
  }

  /** Add the next segment. */
  add(seg: ParsedSegment, position: number, offset?: number): void {
    // Made whole: adding `offset` afterwards took a map transition per segment.
    const node: TreeSegment = offset === undefined ? { kind: 'segment', tag: seg.tag, elements: seg.elements, position } : { kind: 'segment', tag: seg.tag, elements: seg.elements, position, offset };
    this.place(node);
  }

  /** Add the next segment, one whose elements are all simple, as their values (values[e-1] is element e). */
  addSimple(tag: string, values: string[], position: number, offset?: number): void {
    this.place(new SimpleSegment(tag, values, position, offset));
  }

  private place(node: TreeSegment): void {
    let found = this.find(node, true);
    if (found < 0) found = this.find(node, false);
    if (found < 0) {
      this.stack[this.stack.length - 1].loop.children.push(node);
      this.tree.unplaced.push(node);
      return;
    }
    const level = Math.floor(found / PLACES);
    const index = found % PLACES;
    // Setting an array's length is a runtime call even when it does not change (most segments).
    if (this.stack.length > level + 1) this.stack.length = level + 1;
    const frame = this.stack[level];
    frame.pos = index;
    const use = frame.nodes[index];
    if ('segment' in use) {
      frame.loop.children.push(node);
      return;
    }
    const loop: TreeLoop = { kind: 'loop', id: use.loop, children: [node] };
    frame.loop.children.push(loop);
    this.stack.push({ nodes: use.segments, level: levelOf(use.segments), loop, pos: 0 });
  }

  /** The finished tree. */
  get result(): TransactionTree {
    return this.tree;
  }

  /** Where the segment goes: level * PLACES + index of its structure node there, or -1 for nowhere. */
  private find(seg: TreeSegment, strict: boolean): number {
    for (let d = this.stack.length - 1; d >= 0; d--) {
      const frame = this.stack[d];
      // The nodes of this level that start with the segment's tag, in order (most levels have none).
      const starting = frame.level.byTag.get(seg.tag);
      if (starting === undefined) continue;
      const firsts = frame.level.firsts;
      // The trigger of an open occurrence repeats only from the enclosing level (a new occurrence).
      const from = Math.max(frame.pos, d > 0 ? 1 : 0);
      for (let k = 0; k < starting.length; k++) {
        const j = starting[k];
        if (j < from) continue;
        const first = firsts[j] as NonNullable<FirstUse>;
        if (strict && first.codes && !acceptsCodes(seg, first.codes)) continue;
        return d * PLACES + j;
      }
    }
    return -1;
  }
}

/** More structure nodes than any level of a definition has (levels and indexes share one number in `find`). */
const PLACES = 1 << 16;

type FirstUse = { segment: string; codes?: Record<string, string[]> } | undefined;

function firstSegment(nodes: StructureNode[]): FirstUse {
  const first = nodes[0];
  if (first === undefined) return undefined;
  return 'segment' in first ? first : firstSegment(first.segments);
}

/** A level of a definition as `find` searches it. */
interface Level {
  /** The segment each node of the level starts with. */
  firsts: FirstUse[];
  /** By tag, the indexes of the nodes that start with it, ascending. */
  byTag: Map<string, number[]>;
}

/**
 * The segment each node of a level starts with, worked out once per level of a definition: every
 * segment of every transaction is looked for among them, most of them loops. By tag, so that a segment
 * is compared with the nodes it can start rather than with every node after the last one used.
 */
const levels = new WeakMap<StructureNode[], Level>();

function levelOf(nodes: StructureNode[]): Level {
  let level = levels.get(nodes);
  if (!level) {
    const firsts = nodes.map((use) => ('segment' in use ? use : firstSegment(use.segments)));
    const byTag = new Map<string, number[]>();
    firsts.forEach((first, j) => {
      if (first === undefined) return;
      const at = byTag.get(first.segment);
      if (at) at.push(j);
      else byTag.set(first.segment, [j]);
    });
    level = { firsts, byTag };
    levels.set(nodes, level);
  }
  return level;
}

/** A definition's per-use code lists with their positions parsed, once per list (every segment is tried against them). */
const parsedCodes = new WeakMap<Record<string, string[]>, [element: number, component: number, codes: string[]][]>();

function codeChecks(codes: Record<string, string[]>): [number, number, string[]][] {
  let checks = parsedCodes.get(codes);
  if (!checks) {
    checks = Object.entries(codes).map(([at, list]) => {
      const [e, c] = at.split('-').map(Number);
      return [e, c || 1, list];
    });
    parsedCodes.set(codes, checks);
  }
  return checks;
}

/** True when every per-use code list ("01" or "01-02") accepts the segment's value there (empty values pass). */
function acceptsCodes(seg: TreeSegment, codes: Record<string, string[]>): boolean {
  for (const [e, c, list] of codeChecks(codes)) {
    const value = valueAt(seg, e - 1, 0, c - 1);
    if (value !== '' && !list.includes(value)) return false;
  }
  return true;
}

/** Build the tree of a transaction from its parsed segments (positions 1..n). */
export function buildTree(def: TransactionDef, segments: readonly ParsedSegment[]): TransactionTree {
  const builder = new TreeBuilder(def);
  segments.forEach((seg, i) => builder.add(seg, i + 1));
  return builder.result;
}

/** The segment a node stands for: itself, or the trigger of a loop occurrence. */
export function segmentOf(node: TreeNode): TreeSegment | undefined {
  if (node.kind === 'segment') return node;
  const first = node.children[0];
  return first === undefined ? undefined : segmentOf(first);
}
