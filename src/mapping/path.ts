/**
 * Paths into a transaction tree: the part of the mapping language that says where a value is.
 *
 *   path      := ['/'] step ('/' step)* ['/' element]      a leading '/' starts at the transaction root
 *   step      := NAME ['*' | '#' n] ['[' cond (',' cond)* ']']
 *              | '..'                 the parent occurrence (see parentOf)
 *              | '^' NAME …          the nearest enclosing occurrence (parent, grandparent …) that is NAME and qualifies
 *              | '**' '/' NAME …     every occurrence of NAME at any depth below the context
 *                NAME is a segment tag (BEG, N1, NAD) or a loop id (PO1, SG25); a tag also finds the loop
 *                occurrences that it triggers, so `N1` is the N1 loop and `NAD` the SG2 group.
 *                '*' = every occurrence, '#n' = the n-th (1-based), neither = the first that qualifies.
 *   cond      := element ('=' | '!=') value ('|' value)*   or   element   (present, non-empty)
 *   element   := NN | NN-CC          positions (BEG/03, NAD/02-01), 1-based like the standards
 *              | ID                 an element id (3035, 2380), looked up in the segment, then in its composites
 *              | CID ['/' (ID | CC)] a composite id then a component (C507/2380, C082/01)
 *              any of them may end in '#r' for the r-th repetition or '#*' for every repetition.
 *
 * Element ids need the segment dictionary of the transaction's version; positions do not.
 */
import type { Dictionary } from '../edi/common/definitions';
import { repetitionCount, segmentOf, valueAt, type TreeLoop, type TreeNode, type TreeSegment } from './tree';

/** Where an element is, by position or by dictionary ids. */
export type ElementAddress =
  | { kind: 'position'; element: number; component: number; repetition: number | '*' }
  | { kind: 'ref'; first: string; second?: string; repetition: number | '*' };

export interface Condition {
  element: ElementAddress;
  op: '=' | '!=' | 'present';
  values: string[];
}

export interface SegmentStep {
  /** '' for `..` (any parent). */
  name: string;
  /** How the step moves from its context: children (absent), parent `..`, ancestors `^NAME`, descendants `**\/NAME`. */
  axis?: 'parent' | 'ancestor' | 'descendant';
  conditions: Condition[];
  /** '*' */
  all: boolean;
  /** '#n', 1-based. */
  index?: number;
}

export interface ParsedPath {
  text: string;
  absolute: boolean;
  steps: SegmentStep[];
  element?: ElementAddress;
}

/** A path that cannot be parsed or resolved; the message says what is wrong and where. */
export class PathError extends Error {
  override readonly name = 'PathError';
  constructor(readonly path: string, message: string) {
    super(`path '${path}': ${message}`);
  }
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]*$/;
const COMPOSITE_ID = /^[A-Z]\d{3}$/;
const POSITION = /^(\d{1,2})(?:-(\d{1,2}))?$/;
const ELEMENT_ID = /^\d{3,4}$/;

const parsed = new Map<string, ParsedPath>();

/** Parse a path (cached). */
export function parsePath(text: string): ParsedPath {
  const hit = parsed.get(text);
  if (hit) return hit;
  const path = parseUncached(text);
  parsed.set(text, path);
  return path;
}

function parseUncached(text: string): ParsedPath {
  const fail = (why: string): never => {
    throw new PathError(text, why);
  };
  const trimmed = text.trim();
  if (trimmed === '') fail('empty');
  const absolute = trimmed.startsWith('/');
  const tokens = splitTop(absolute ? trimmed.slice(1) : trimmed, '/', text);
  const steps: SegmentStep[] = [];
  let i = 0;
  let below = false;
  for (; i < tokens.length; i++) {
    const token = tokens[i].trim();
    if (token === '..') {
      if (below) fail("'**' must be followed by a segment or loop name");
      steps.push({ name: '', conditions: [], all: false, axis: 'parent' });
      continue;
    }
    if (token === '**') {
      if (below) fail("'**/**' says nothing more than '**'");
      below = true;
      continue;
    }
    const up = token.startsWith('^');
    const body = up ? token.slice(1) : token;
    const name = /^[A-Z0-9]+/.exec(body)?.[0] ?? '';
    if (name === '' || !SEGMENT_NAME.test(name) || COMPOSITE_ID.test(name)) {
      if (up) fail(`'${token}': '^' must be followed by a segment or loop name`);
      break;
    }
    const step = parseStep(body, name, fail);
    if (up && below) fail(`'**/${token}': a step goes either up or down`);
    if (up) step.axis = 'ancestor';
    else if (below) step.axis = 'descendant';
    below = false;
    steps.push(step);
  }
  if (below) fail("'**' must be followed by a segment or loop name");
  const rest = tokens.slice(i);
  const path: ParsedPath = { text, absolute, steps };
  if (rest.length > 0) path.element = parseElement(rest, fail);
  if (steps.length === 0 && path.element === undefined) fail('expected a segment, a loop or an element');
  return path;
}

function parseStep(token: string, name: string, fail: (why: string) => never): SegmentStep {
  const step: SegmentStep = { name, conditions: [], all: false };
  let rest = token.slice(name.length);
  const occurrence = /^(\*|#(\d+))/.exec(rest);
  if (occurrence) {
    if (occurrence[1] === '*') step.all = true;
    else {
      step.index = Number(occurrence[2]);
      if (step.index < 1) fail(`#${occurrence[2]}: occurrences count from 1`);
    }
    rest = rest.slice(occurrence[0].length);
  }
  if (rest.startsWith('[')) {
    if (!rest.endsWith(']')) fail(`'${token}': a condition [..] must close the step`);
    for (const cond of splitTop(rest.slice(1, -1), ',', token)) step.conditions.push(parseCondition(cond.trim(), fail));
    rest = '';
  }
  if (rest !== '') fail(`'${token}': unexpected '${rest}' (a step is NAME, then * or #n, then [conditions])`);
  return step;
}

function parseCondition(text: string, fail: (why: string) => never): Condition {
  const match = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(text);
  if (!match) return { element: parseElement(text.split('/'), fail), op: 'present', values: [] };
  const element = parseElement(match[1].split('/'), fail);
  return { element, op: match[2] as '=' | '!=', values: match[3].split('|').map((v) => v.trim()) };
}

function parseElement(tokens: string[], fail: (why: string) => never): ElementAddress {
  const parts = tokens.map((t) => t.trim());
  const last = parts[parts.length - 1];
  let repetition: number | '*' = 1;
  const rep = /#(\d+|\*)$/.exec(last);
  if (rep) {
    repetition = rep[1] === '*' ? '*' : Number(rep[1]);
    if (repetition === 0) fail('repetitions count from 1');
    parts[parts.length - 1] = last.slice(0, -rep[0].length);
  }
  const [first, second] = parts;
  if (parts.length === 1) {
    const pos = POSITION.exec(first);
    if (pos) {
      const element = Number(pos[1]);
      const component = pos[2] === undefined ? 1 : Number(pos[2]);
      if (element < 1 || component < 1) fail(`'${first}': positions count from 1`);
      return { kind: 'position', element, component, repetition };
    }
    if (ELEMENT_ID.test(first) || COMPOSITE_ID.test(first)) return { kind: 'ref', first, repetition };
  } else if (parts.length === 2 && COMPOSITE_ID.test(first) && (ELEMENT_ID.test(second) || /^\d{1,2}$/.test(second))) {
    return { kind: 'ref', first, second, repetition };
  }
  return fail(`'${tokens.join('/')}' is not an element: write a position (03, 02-01), an element id (3035) or a composite and component (C507/2380)`);
}

/** Split at `sep` outside [..]. */
function splitTop(text: string, sep: string, whole: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '[') depth++;
    else if (ch === ']') {
      depth--;
      if (depth < 0) throw new PathError(whole, "']' without '['");
    } else if (ch === sep && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new PathError(whole, "'[' without ']'");
  out.push(text.slice(start));
  if (out.some((t) => t.trim() === '')) throw new PathError(whole, `empty step between '${sep}'`);
  return out;
}

/** A value found by a path, with where it was found (for error reports). */
export interface ValueHit {
  value: string;
  segment: TreeSegment;
  element: number;
  component: number;
  repetition: number;
}

/** Resolves element addresses to positions, with the dictionary of the transaction's version. */
export class ElementResolver {
  /** Per element-id address (parsed paths are cached, so addresses are long-lived), per segment tag. */
  private readonly cache = new WeakMap<ElementAddress, Map<string, [number, number]>>();
  constructor(private readonly dictionary?: Dictionary, private readonly label = '') {}

  /** [element, component] of an address in a segment. */
  resolve(tag: string, addr: ElementAddress, pathText: string): readonly [number, number] {
    // A position is where it says in every segment: no lookup (most paths use positions), and one
    // shared pair per position rather than a new one per value read.
    if (addr.kind === 'position') return positionPair(addr.element, addr.component);
    let byTag = this.cache.get(addr);
    if (!byTag) {
      byTag = new Map();
      this.cache.set(addr, byTag);
    }
    const hit = byTag.get(tag);
    if (hit) return hit;
    const found = this.lookup(tag, addr, pathText);
    byTag.set(tag, found);
    return found;
  }

  private lookup(tag: string, addr: Extract<ElementAddress, { kind: 'ref' }>, pathText: string): [number, number] {
    const where = this.label ? ` (${this.label})` : '';
    if (!this.dictionary) throw new PathError(pathText, `element ids need a dictionary; write positions instead`);
    const seg = this.dictionary.segments[tag];
    if (!seg) throw new PathError(pathText, `segment ${tag} is not in the dictionary${where}`);
    const refs = seg.elements.map((e) => e.ref);
    const e = refs.indexOf(addr.first);
    if (addr.second === undefined) {
      if (e >= 0) return [e + 1, 1];
      for (let i = 0; i < refs.length; i++) {
        const c = this.dictionary.composites[refs[i]]?.components.findIndex((comp) => comp.ref === addr.first) ?? -1;
        if (c >= 0) return [i + 1, c + 1];
      }
      throw new PathError(pathText, `element ${addr.first} is not in segment ${tag}${where}`);
    }
    if (e < 0) throw new PathError(pathText, `composite ${addr.first} is not in segment ${tag}${where}`);
    if (/^\d{1,2}$/.test(addr.second)) return [e + 1, Number(addr.second)];
    const c = this.dictionary.composites[addr.first]?.components.findIndex((comp) => comp.ref === addr.second) ?? -1;
    if (c < 0) throw new PathError(pathText, `component ${addr.second} is not in composite ${addr.first}${where}`);
    return [e + 1, c + 1];
  }
}

/**
 * [element, component] pairs of positions, made once each, by element then component (positions have
 * at most two digits). Rows are dense arrays: a sparse one goes to dictionary mode.
 */
const POSITION_PAIRS: ((readonly [number, number] | undefined)[] | undefined)[] = new Array<undefined>(100).fill(undefined);

function positionPair(element: number, component: number): readonly [number, number] {
  const row = (POSITION_PAIRS[element] ??= new Array<undefined>(100).fill(undefined));
  return (row[component] ??= [element, component]);
}

function read(seg: TreeSegment, e: number, c: number, r: number): string {
  return valueAt(seg, e - 1, r - 1, c - 1);
}

function conditionHolds(seg: TreeSegment, cond: Condition, resolver: ElementResolver, pathText: string): boolean {
  const addr = cond.element;
  const r = addr.repetition === '*' ? 1 : addr.repetition;
  let value: string;
  if (addr.kind === 'position') value = read(seg, addr.element, addr.component, r).trim();
  else {
    const [e, c] = resolver.resolve(seg.tag, addr, pathText);
    value = read(seg, e, c, r).trim();
  }
  if (cond.op === 'present') return value !== '';
  const listed = cond.values.includes(value);
  return cond.op === '=' ? listed : !listed;
}

/** Whether a node is a segment or loop occurrence of that name (a loop also by its trigger's tag). */
export function named(node: TreeNode, name: string): boolean {
  return node.kind === 'segment' ? node.tag === name : node.id === name || segmentOf(node)?.tag === name;
}

function candidates(ctx: TreeNode, name: string): TreeNode[] {
  if (ctx.kind === 'segment') return ctx.tag === name ? [ctx] : [];
  return ctx.children.filter((child) => named(child, name));
}

/**
 * How occurrences hang together beyond the loop nesting, per transaction tree (built on first use): the
 * enclosing loop of every node, and the X12 HL occurrences by HL01 so that HL02 can name a parent. X12
 * hierarchical levels are siblings in the loop tree; their hierarchy is only in HL01/HL02.
 */
interface Navigation {
  container: Map<TreeNode, TreeLoop>;
  hlById: Map<string, TreeLoop>;
  /** Every node in document order (for `**`). */
  all: TreeNode[];
}

const navigations = new WeakMap<TreeLoop, Navigation>();

function navigation(root: TreeLoop): Navigation {
  let nav = navigations.get(root);
  if (nav) return nav;
  const built: Navigation = { container: new Map(), hlById: new Map(), all: [] };
  const walk = (loop: TreeLoop): void => {
    for (const child of loop.children) {
      built.container.set(child, loop);
      built.all.push(child);
      if (child.kind === 'loop') {
        const id = hlField(child, 1);
        if (id !== '' && !built.hlById.has(id)) built.hlById.set(id, child);
        walk(child);
      }
    }
  };
  walk(root);
  nav = built;
  navigations.set(root, nav);
  return nav;
}

/** HL01, HL02 or HL03 (n) of an X12 HL occurrence; '' for anything else. */
function hlField(node: TreeNode, n: number): string {
  if (node.kind !== 'loop') return '';
  const seg = node.children[0];
  return seg?.kind === 'segment' && seg.tag === 'HL' ? valueAt(seg, n - 1, 0, 0).trim() : '';
}

/**
 * The parent of a node: for an X12 HL occurrence with HL02, the HL occurrence whose HL01 it names;
 * otherwise the loop occurrence that holds it (a trigger segment's parent is its own loop).
 */
export function parentOf(node: TreeNode, root: TreeLoop): TreeLoop | undefined {
  const nav = navigation(root);
  const parentId = hlField(node, 2);
  if (parentId !== '') {
    const parent = nav.hlById.get(parentId);
    if (parent && parent !== node) return parent;
  }
  const container = nav.container.get(node);
  const rank = HL_RANK.indexOf(hlField(node, 3));
  if (parentId === '' && rank > 0 && container) {
    // Some senders leave HL02 empty and rely on the order: the nearest earlier HL of a higher shipment level.
    const before = container.children.slice(0, container.children.indexOf(node)).reverse();
    const parent = before.find((n): n is TreeLoop => n.kind === 'loop' && HL_RANK.indexOf(hlField(n, 3)) >= 0 && HL_RANK.indexOf(hlField(n, 3)) < rank);
    if (parent) return parent;
  }
  return container;
}

const NONE: readonly TreeNode[] = [];

/** The usual 856 levels (HL03, 735) from the top: shipment, order, tare, pack, item. */
const HL_RANK = ['S', 'O', 'T', 'P', 'I'];

function ancestors(node: TreeNode, root: TreeLoop): TreeLoop[] {
  const out: TreeLoop[] = [];
  for (let up = parentOf(node, root); up !== undefined && !out.includes(up); up = parentOf(up, root)) out.push(up);
  return out;
}

function descendants(node: TreeNode, root: TreeLoop, name: string): TreeNode[] {
  const nav = navigation(root);
  // A trigger segment is found as its loop occurrence, not a second time on its own.
  const trigger = (n: TreeNode) => n.kind === 'segment' && nav.container.get(n)?.children[0] === n && nav.container.get(n) !== root;
  return nav.all.filter((n) => n !== node && named(n, name) && !trigger(n) && ancestors(n, root).includes(node as TreeLoop));
}

/** The nodes one step can reach from a node, before its conditions and occurrence are applied. */
function reach(node: TreeNode, root: TreeLoop, step: SegmentStep): TreeNode[] {
  if (step.axis === 'parent') {
    const up = parentOf(node, root);
    return up === undefined ? [] : [up];
  }
  if (step.axis === 'ancestor') return ancestors(node, root).filter((n) => named(n, step.name));
  if (step.axis === 'descendant') return descendants(node, root, step.name);
  return candidates(node, step.name);
}

/** True when a node passes every condition of a step (a node without a segment passes none). */
export function qualifies(node: TreeNode, step: SegmentStep, resolver: ElementResolver, pathText: string): boolean {
  if (step.conditions.length === 0) return true;
  const seg = segmentOf(node);
  if (seg === undefined) return false;
  for (const cond of step.conditions) if (!conditionHolds(seg, cond, resolver, pathText)) return false;
  return true;
}

/**
 * The nodes a path's segment steps select from a context (a loop occurrence or a segment). With
 * `eachLast` the last step selects every qualifying occurrence, as for `each:`.
 */
export function selectNodes(ctx: TreeNode, root: TreeLoop, path: ParsedPath, resolver: ElementResolver, eachLast = false): readonly TreeNode[] {
  const only = path.steps.length === 1 ? path.steps[0] : undefined;
  if (only && only.axis === undefined) {
    // The common case (`PO1/02`, `DTM[01=002]/02`, `each: PO1`): children of one name, picked without
    // the general walk's lists.
    const from = path.absolute ? root : ctx;
    const every = only.all || eachLast;
    const want = (only.index ?? 1) - 1;
    if (from.kind === 'segment') return from.tag === only.name && qualifies(from, only, resolver, path.text) && (every || want === 0) ? [from] : NONE;
    let out: TreeNode[] | undefined;
    let seen = 0;
    for (const child of from.children) {
      if (!named(child, only.name) || !qualifies(child, only, resolver, path.text)) continue;
      if (every) (out ??= []).push(child);
      else if (seen === want) {
        out = [child];
        // Without conditions there is nothing left to check in the others.
        if (only.conditions.length === 0) break;
      }
      seen++;
    }
    return out ?? NONE;
  }
  let current: TreeNode[] = [path.absolute ? root : ctx];
  for (let i = 0; i < path.steps.length; i++) {
    const step = path.steps[i];
    const every = step.all || (eachLast && i === path.steps.length - 1);
    const want = (step.index ?? 1) - 1;
    const next: TreeNode[] = [];
    for (const node of current) {
      // Every candidate's conditions are evaluated, also after the pick: an address that cannot be
      // resolved fails the path whichever occurrence it is in.
      let seen = 0;
      const reachable = step.axis !== undefined ? reach(node, root, step) : node.kind === 'segment' ? (node.tag === step.name ? [node] : NONE) : node.children;
      for (const m of reachable) {
        if (step.axis === undefined && node.kind === 'loop' && !named(m, step.name)) continue;
        if (!qualifies(m, step, resolver, path.text)) continue;
        if (every || seen === want) next.push(m);
        seen++;
      }
    }
    // Two steps can reach one node (the parents of two siblings): keep each once, in order.
    current = current.length > 1 && next.length > 1 ? [...new Set(next)] : next;
  }
  return current;
}

/** Whether a path selects at most one node: one child step without '*' (see `pickOne`). */
export function picksOne(path: ParsedPath): boolean {
  if (path.steps.length !== 1) return false;
  const only = path.steps[0];
  return only.axis === undefined && !only.all;
}

/**
 * The node `selectNodes` selects for a path that `picksOne`, or undefined, without a list. The other
 * candidates' conditions are still evaluated, as there: one that cannot be resolved fails the path.
 */
export function pickOne(ctx: TreeNode, root: TreeLoop, path: ParsedPath, resolver: ElementResolver): TreeNode | undefined {
  const only = path.steps[0];
  const from = path.absolute ? root : ctx;
  const want = (only.index ?? 1) - 1;
  if (from.kind === 'segment') return from.tag === only.name && qualifies(from, only, resolver, path.text) && want === 0 ? from : undefined;
  let picked: TreeNode | undefined;
  let seen = 0;
  for (const child of from.children) {
    if (!named(child, only.name) || !qualifies(child, only, resolver, path.text)) continue;
    if (seen === want) {
      picked = child;
      if (only.conditions.length === 0) break;
    }
    seen++;
  }
  return picked;
}

/** The value of `addr` in a segment as firstValue reads it (trimmed; the first non-empty repetition for '#*'), or undefined. */
function firstIn(seg: TreeSegment, e: number, c: number, addr: ElementAddress): ValueHit | undefined {
  if (addr.repetition !== '*') {
    const value = read(seg, e, c, addr.repetition).trim();
    return value !== '' ? { value, segment: seg, element: e, component: c, repetition: addr.repetition } : undefined;
  }
  const reps = repetitionCount(seg, e - 1);
  for (let r = 1; r <= reps; r++) {
    const value = read(seg, e, c, r).trim();
    if (value !== '') return { value, segment: seg, element: e, component: c, repetition: r };
  }
  return undefined;
}

/**
 * The text of `firstValue` alone: a field read without an error to report needs no hit object. For a
 * path that picks one node, without a list either.
 */
export function firstText(ctx: TreeNode, root: TreeLoop, path: ParsedPath, resolver: ElementResolver): string | undefined {
  if (!textInPicked(path)) return firstValue(ctx, root, path, resolver)?.value;
  return textIn(pickOne(ctx, root, path, resolver), path, resolver);
}

/** Whether `textIn` answers for a path: one picked node and one repetition of its element. */
export function textInPicked(path: ParsedPath): boolean {
  return path.element !== undefined && path.element.repetition !== '*' && picksOne(path);
}

/** `firstText` of a path that `textInPicked`, from the node `pickOne` picked for it. */
export function textIn(node: TreeNode | undefined, path: ParsedPath, resolver: ElementResolver): string | undefined {
  const addr = path.element as ElementAddress & { repetition: number };
  const seg = node === undefined ? undefined : segmentOf(node);
  if (seg === undefined) return undefined;
  let value: string;
  if (addr.kind === 'position') value = read(seg, addr.element, addr.component, addr.repetition).trim();
  else {
    const [e, c] = resolver.resolve(seg.tag, addr, path.text);
    value = read(seg, e, c, addr.repetition).trim();
  }
  return value === '' ? undefined : value;
}

/**
 * The first value `selectValues` would give (its `[0]`), without the list: most fields map one value.
 * Every selected segment's address is still resolved, so a path that fails somewhere fails here too.
 */
export function firstValue(ctx: TreeNode, root: TreeLoop, path: ParsedPath, resolver: ElementResolver): ValueHit | undefined {
  const addr = path.element;
  if (!addr) throw new PathError(path.text, 'names a segment or loop, not a value; add an element (e.g. /01)');
  if (picksOne(path)) {
    const node = pickOne(ctx, root, path, resolver);
    const seg = node === undefined ? undefined : segmentOf(node);
    if (seg === undefined) return undefined;
    const [e, c] = resolver.resolve(seg.tag, addr, path.text);
    return firstIn(seg, e, c, addr);
  }
  let found: ValueHit | undefined;
  for (const node of selectNodes(ctx, root, path, resolver)) {
    const seg = segmentOf(node);
    if (!seg) continue;
    const [e, c] = resolver.resolve(seg.tag, addr, path.text);
    if (!found) found = firstIn(seg, e, c, addr);
  }
  return found;
}

/** The values a path with an element address selects (empty values left out, values trimmed). */
export function selectValues(ctx: TreeNode, root: TreeLoop, path: ParsedPath, resolver: ElementResolver): ValueHit[] {
  const addr = path.element;
  if (!addr) throw new PathError(path.text, 'names a segment or loop, not a value; add an element (e.g. /01)');
  const out: ValueHit[] = [];
  for (const node of selectNodes(ctx, root, path, resolver)) {
    const seg = segmentOf(node);
    if (!seg) continue;
    const [e, c] = resolver.resolve(seg.tag, addr, path.text);
    if (addr.repetition !== '*') {
      const value = read(seg, e, c, addr.repetition).trim();
      if (value !== '') out.push({ value, segment: seg, element: e, component: c, repetition: addr.repetition });
      continue;
    }
    const reps = repetitionCount(seg, e - 1);
    for (let r = 1; r <= reps; r++) {
      const value = read(seg, e, c, r).trim();
      if (value !== '') out.push({ value, segment: seg, element: e, component: c, repetition: r });
    }
  }
  return out;
}

/** 'PO102', 'NAD02-01', 'C21203#2': how an error names the element of a value. */
export function elementLabel(tag: string, element: number, component: number, repetition = 1): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${tag}${pad(element)}${component > 1 ? `-${pad(component)}` : ''}${repetition > 1 ? `#${repetition}` : ''}`;
}
