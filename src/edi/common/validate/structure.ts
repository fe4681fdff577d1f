/**
 * The segment-order state machine of one transaction set / message.
 *
 * State: a stack of open loop occurrences (the transaction itself at depth 0), for each a pointer to
 * the structure position last used at that level, and a use counter per structure node (reset when a
 * new loop occurrence starts). For an incoming segment the walker searches forward from the pointer at
 * the innermost level, then at each enclosing level up to the top (leaving a level closes its loop
 * occurrence). A loop is entered by its trigger segment; the trigger of the current occurrence is only
 * matched from the enclosing level, which starts a new occurrence.
 *
 * Matching is done twice: first preferring positions whose per-use code lists (SegmentUse.codes) accept
 * the segment's values — so HL*..*S / HL*..*O / HL*..*I or N1*ST / N1*BT select their own loops — then,
 * when nothing matched that way, by tag alone (the element check then reports the bad code).
 *
 * Findings are reported only once a segment is placed: skipped mandatory positions, mandatory content
 * of the loop occurrences closed, max use / loop max. A segment that cannot be placed leaves the state
 * unchanged and is reported as unrecognized / not in the definition / out of sequence / unexpected.
 */
import type { IssueCode } from '../issues';
import type { SegmentView } from '../segment';
import type { CompiledLoopNode, CompiledSegmentNode, CompiledTransaction, Qualifier } from './compile';
import { NodeKind } from './compile';

const SEGMENT = NodeKind.Segment;

/** Receives structure findings for the segment being placed (or for end of transaction). */
export interface StructureIssueSink {
  /** @param segmentId the segment the finding is about (the missing one for mandatory_missing) */
  structureIssue(code: IssueCode, segmentId: string, loopId: string | undefined, detail?: string): void;
}

/** Next-position tables per compiled transaction (see StructureWalker.nextTable), indexed by loop node id. */
const nextTablesOf = new WeakMap<CompiledTransaction, (Int32Array | undefined)[]>();

export class StructureWalker {
  /** Open levels: the transaction (root) at 0, then the open loop occurrences. */
  private readonly stack: CompiledLoopNode[];
  /** Per level: index of the structure position used last (children of stack[d]). */
  private readonly pos: Int32Array;
  /**
   * Per level: how often the position pos[d] has been used in this occurrence (loop occurrences for a
   * loop position). Positions after pos[d] are unused by construction (the pointer only moves forward
   * and a new occurrence starts a new level), so no per-node counters need resetting.
   */
  private readonly used: Int32Array;
  private readonly tagIds: ReadonlyMap<string, number>;
  /** Number of tag ids of the transaction. */
  private readonly tagCount: number;
  /** Per loop node id: its next-position table (see nextTable), shared by the walkers of one compilation. */
  private readonly nextTables: (Int32Array | undefined)[];
  private depth = 0;
  private foundLevel = -1;
  private foundIndex = -1;
  /** The structure position of the segment placed last (null before the first). */
  current: CompiledSegmentNode | null = null;

  constructor(private readonly compiled: CompiledTransaction) {
    this.tagIds = compiled.tagIds;
    this.tagCount = compiled.lastOrderOfTag.length;
    let tables = nextTablesOf.get(compiled);
    if (tables === undefined) {
      tables = new Array<Int32Array | undefined>(compiled.nodeCount).fill(undefined);
      nextTablesOf.set(compiled, tables);
    }
    this.nextTables = tables;
    const levels = compiled.maxDepth + 1;
    this.stack = new Array<CompiledLoopNode>(levels).fill(compiled.root);
    this.pos = new Int32Array(levels);
    this.used = new Int32Array(levels);
  }

  /** Start over for a new transaction. */
  reset(): void {
    this.depth = 0;
    this.pos[0] = 0;
    this.used[0] = 0;
    this.stack[0] = this.compiled.root;
    this.current = null;
  }

  /** Loop id of the innermost open loop occurrence (undefined at the top level). */
  get loopId(): string | undefined {
    return this.depth === 0 ? undefined : this.stack[this.depth].loopId;
  }

  /**
   * Place a segment. Returns its structure position, or null (reported, state unchanged) when the
   * segment has no place here.
   */
  place(seg: SegmentView, sink: StructureIssueSink): CompiledSegmentNode | null {
    const tag = seg.tag;
    const tagId = this.tagIds.get(tag);
    if (tagId === undefined) {
      if (this.compiled.dictionaryTags.has(tag)) sink.structureIssue('segment.not_in_definition', tag, undefined, `${tag} is not used in ${this.compiled.id}`);
      else sink.structureIssue('segment.unrecognized', tag, undefined);
      return null;
    }
    if (!this.find(tagId, seg, true) && !this.find(tagId, null, false)) {
      const currentOrder = this.current === null ? -1 : this.current.order;
      if (this.compiled.lastOrderOfTag[tagId] > currentOrder) {
        sink.structureIssue('segment.unexpected', tag, this.loopId, `${tag} is not allowed here (its loop has not started)`);
      } else {
        sink.structureIssue('segment.out_of_sequence', tag, this.loopId);
      }
      return null;
    }
    return this.commit(this.foundLevel, this.foundIndex, sink);
  }

  /** End of transaction: report mandatory positions and loops never seen (the trailer excepted). */
  end(sink: StructureIssueSink): void {
    for (let d = this.depth; d > 0; d--) this.reportMissingFrom(d, this.stack[d].children.length, sink);
    // The trailer (last top-level position) is left out: a missing trailer is the envelope reader's finding.
    this.reportMissingFrom(0, this.compiled.root.children.length - 1, sink);
    this.depth = 0;
  }

  /**
   * next[j * tagCount + t] = the first child position >= j of `level` with tag id t, or the number of
   * children when there is none (rows 0..children.length). Built on first use.
   */
  private nextTable(level: CompiledLoopNode): Int32Array {
    const hit = this.nextTables[level.id];
    if (hit !== undefined) return hit;
    const children = level.children;
    const n = children.length;
    const tags = this.tagCount;
    const next = new Int32Array((n + 1) * tags).fill(n);
    for (let j = n - 1; j >= 0; j--) {
      next.copyWithin(j * tags, (j + 1) * tags, (j + 2) * tags);
      next[j * tags + children[j].tagId] = j;
    }
    this.nextTables[level.id] = next;
    return next;
  }

  private find(tagId: number, seg: SegmentView | null, strict: boolean): boolean {
    const tags = this.tagCount;
    for (let d = this.depth; d >= 0; d--) {
      const level = this.stack[d];
      const children = level.children;
      const n = children.length;
      const next = this.nextTable(level);
      let j = this.pos[d];
      if (d > 0 && j === 0) j = 1; // the trigger of the open occurrence repeats only via the enclosing level
      for (j = next[j * tags + tagId]; j < n; j = next[(j + 1) * tags + tagId]) {
        const node = children[j];
        if (strict && node.qualifiers !== null && !qualifies(seg as SegmentView, node.qualifiers)) continue;
        this.foundLevel = d;
        this.foundIndex = j;
        return true;
      }
    }
    return false;
  }

  private commit(d: number, j: number, sink: StructureIssueSink): CompiledSegmentNode {
    for (let k = this.depth; k > d; k--) this.reportMissingFrom(k, this.stack[k].children.length, sink);
    this.depth = d;
    const children = this.stack[d].children;
    let used: number;
    if (j === this.pos[d] && this.used[d] > 0) {
      used = ++this.used[d];
    } else {
      this.reportMissingFrom(d, j, sink);
      this.pos[d] = j;
      this.used[d] = used = 1;
    }
    const node = children[j];
    if (node.kind === SEGMENT) {
      if (node.max > 0 && used > node.max) sink.structureIssue('segment.max_use_exceeded', node.tag, node.parentLoopId, `maximum use ${node.max}`);
      this.current = node;
      return node;
    }
    if (node.max > 0 && used > node.max) sink.structureIssue('segment.loop_max_exceeded', node.tag, node.loopId, `loop ${node.loopId} maximum ${node.max}`);
    const depth = d + 1;
    this.depth = depth;
    this.stack[depth] = node;
    this.pos[depth] = 0;
    this.used[depth] = 1;
    this.current = node.trigger;
    return node.trigger;
  }

  /** Report the mandatory positions of level d from its pointer up to (not including) `to` that were never used. */
  private reportMissingFrom(d: number, to: number, sink: StructureIssueSink): void {
    const level = this.stack[d];
    const next = level.nextMandatory;
    const from = this.used[d] > 0 ? this.pos[d] + 1 : this.pos[d];
    const loopId = d === 0 ? undefined : level.loopId;
    for (let m = next[from]; m < to; m = next[m + 1]) {
      const n = level.children[m];
      if (n.kind === SEGMENT) sink.structureIssue('segment.mandatory_missing', n.tag, loopId);
      else sink.structureIssue('segment.mandatory_missing', n.tag, n.loopId, `mandatory loop ${n.loopId} missing`);
    }
  }
}

function qualifies(seg: SegmentView, qualifiers: readonly Qualifier[]): boolean {
  for (let i = 0; i < qualifiers.length; i++) {
    const q = qualifiers[i];
    seg.openRepetition(q.element, 1);
    const c = q.component;
    if (seg.componentIsEmpty(c)) continue;
    const key = seg.componentCode(c);
    if (key >= 0 ? !q.codes.hasKey(key) : !q.codes.has(seg.componentValue(c))) return false;
  }
  return true;
}
