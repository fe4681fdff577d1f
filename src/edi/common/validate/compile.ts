/**
 * Turns a transaction definition (structure of segment/loop uses) and its dictionary into fast tables
 * the validator walks without lookups by name: every element position of every segment use resolved to
 * a descriptor, code lists as Sets, syntax notes as position arrays, the structure as a tree whose nodes
 * carry a global index (for per-validator use counters) and the numeric id of the segment tag that
 * selects them (a loop is selected by its trigger segment).
 *
 * Compile once per (definition, dictionary, overlay) and share the result between any number of
 * validators: a CompiledTransaction is never mutated after compileTransaction returns.
 */
import type {
  CompositeDef,
  Dictionary,
  ElementDef,
  ElementRef,
  ElementType,
  LoopUse,
  Requirement,
  SegmentDef,
  SegmentUse,
  StructureNode,
  TransactionDef,
} from '../definitions';

/** Numeric element types (switch on small ints in the per-element path). */
export const enum TypeCode {
  /** X12 AN, EDIFACT an: length only. */
  AN = 0,
  ID = 1,
  DT = 2,
  TM = 3,
  /** X12 N, N0..N9. */
  N = 4,
  R = 5,
  B = 6,
  /** EDIFACT a. */
  Alpha = 7,
  /** EDIFACT n. */
  Numeric = 8,
}

const TYPE_CODES: Record<ElementType, TypeCode> = {
  AN: TypeCode.AN,
  ID: TypeCode.ID,
  DT: TypeCode.DT,
  TM: TypeCode.TM,
  R: TypeCode.R,
  N: TypeCode.N,
  N0: TypeCode.N,
  N1: TypeCode.N,
  N2: TypeCode.N,
  N3: TypeCode.N,
  N4: TypeCode.N,
  N5: TypeCode.N,
  N6: TypeCode.N,
  N7: TypeCode.N,
  N8: TypeCode.N,
  N9: TypeCode.N,
  B: TypeCode.B,
  a: TypeCode.Alpha,
  n: TypeCode.Numeric,
  an: TypeCode.AN,
};

/**
 * A code list. Small lists are searched linearly (comparing a freshly decoded value with a few
 * constants is cheaper than hashing it); in large lists, codes of up to 4 ASCII characters (nearly all
 * of them) are looked up as a packed number, the others as strings.
 */
export class CodeSet {
  private readonly list: readonly string[] | null;
  private readonly packed: ReadonlySet<number> | null;
  private readonly strings: ReadonlySet<string> | null;
  /** Packed keys of `list` (-1 for a code that does not pack). */
  private readonly listKeys: Int32Array | null;
  /**
   * The keys of `packed` in an open-addressing table (0 = free slot: keys are >= 1), built on the first
   * lookup (most code lists of a definition are never consulted).
   */
  private table: Int32Array | null = null;
  private shift = 0;
  readonly size: number;

  /** `partial`: the list is a subset of the standard's, so an unlisted value is only a warning. */
  constructor(codes: Iterable<string>, readonly partial = false) {
    const unique = [...new Set(codes)];
    this.size = unique.length;
    if (unique.length <= 8) {
      this.list = unique;
      this.listKeys = Int32Array.from(unique, packCode);
      this.packed = null;
      this.strings = null;
    } else {
      this.list = null;
      this.listKeys = null;
      const packed = new Set<number>();
      const strings = new Set<string>();
      for (const code of unique) {
        const key = packCode(code);
        if (key >= 0) packed.add(key);
        else strings.add(code);
      }
      this.packed = packed;
      this.strings = strings;
    }
  }

  private buildTable(): Int32Array {
    // A power of two at least twice the number of keys (at most half full: short probe runs).
    const packed = this.packed as ReadonlySet<number>;
    let bits = 4;
    while (1 << bits < packed.size * 2) bits++;
    const shift = 32 - bits;
    const table = new Int32Array(1 << bits);
    const mask = table.length - 1;
    for (const key of packed) {
      let i = Math.imul(key, HASH_MULTIPLIER) >>> shift;
      while (table[i] !== 0) i = (i + 1) & mask;
      table[i] = key;
    }
    this.shift = shift;
    this.table = table;
    return table;
  }

  /** Packed key lookup in a large list. */
  private probe(key: number): boolean {
    const table = this.table ?? this.buildTable();
    const mask = table.length - 1;
    let i = Math.imul(key, HASH_MULTIPLIER) >>> this.shift;
    for (;;) {
      const k = table[i];
      if (k === key) return true;
      if (k === 0) return false;
      i = (i + 1) & mask;
    }
  }

  has(value: string): boolean {
    const list = this.list;
    if (list !== null) {
      for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
      return false;
    }
    const key = packCode(value);
    if (key >= 0) return this.probe(key);
    return (this.strings as ReadonlySet<string>).has(value);
  }

  /** has(v) for the value v whose packed key (1..4 ASCII characters) is `key` (>= 0). */
  hasKey(key: number): boolean {
    const keys = this.listKeys;
    if (keys !== null) {
      for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true;
      return false;
    }
    return this.probe(key);
  }

  values(): string[] {
    if (this.list) return this.list.slice();
    const out: string[] = [...(this.strings as ReadonlySet<string>)];
    for (const key of this.packed as ReadonlySet<number>) out.push(unpackCode(key));
    return out;
  }
}

/** Fibonacci hashing multiplier (2^32 / golden ratio) for the packed-key table. */
const HASH_MULTIPLIER = 0x9e3779b1 | 0;

/** 1..4 ASCII characters as a non-negative integer (length in the low bits), or -1. */
function packCode(v: string): number {
  const n = v.length;
  if (n === 0 || n > 4) return -1;
  let key = 0;
  for (let i = 0; i < n; i++) {
    const ch = v.charCodeAt(i);
    if (ch >= 128) return -1;
    key = key * 128 + ch;
  }
  return key * 8 + n;
}

function unpackCode(key: number): string {
  const n = key % 8;
  let rest = (key - n) / 8;
  let out = '';
  for (let i = 0; i < n; i++) {
    out = String.fromCharCode(rest % 128) + out;
    rest = Math.floor(rest / 128);
  }
  return out;
}

/** A data element of the dictionary, resolved. */
export interface CompiledElement {
  readonly id: string;
  readonly type: TypeCode;
  readonly typeName: ElementType;
  readonly min: number;
  readonly max: number;
  /** Dictionary code list; null = not checked. */
  readonly codes: CodeSet | null;
}

/** One component position of a composite (or of a composite use with per-use codes). */
export interface CompiledComponent {
  /** 1-based component position. */
  readonly position: number;
  readonly req: Requirement;
  readonly mandatory: boolean;
  readonly element: CompiledElement;
  /** Effective code list at this position (per-use > reference > dictionary); null = not checked. */
  readonly codes: CodeSet | null;
  /** True when only the length is checked (AN/ID/B without code list): no value is decoded. */
  readonly lengthOnly: boolean;
}

/** One element position of a segment use. Exactly one of `element` / `components` is set. */
export interface CompiledElementUse {
  /** 1-based element position. */
  readonly position: number;
  /** Element or composite id as written in the segment definition. */
  readonly ref: string;
  readonly req: Requirement;
  readonly mandatory: boolean;
  /** Allowed repetitions (1 = not repeating). */
  readonly repeat: number;
  readonly element: CompiledElement | null;
  readonly components: readonly CompiledComponent[] | null;
  /** Effective code list of a simple element; null = not checked. */
  readonly codes: CodeSet | null;
  /** Simple element whose only check is its length (AN/ID/B without code list). */
  readonly lengthOnly: boolean;
}

export const enum SyntaxKind {
  /** P: if any is present, all are required. */
  Paired = 0,
  /** R: at least one is required. */
  Required = 1,
  /** E: not more than one may be present. */
  Exclusion = 2,
  /** C: if the first is present, all others are required. */
  Conditional = 3,
  /** L: if the first is present, at least one of the others is required. */
  ListConditional = 4,
}

export interface CompiledSyntaxNote {
  readonly kind: SyntaxKind;
  /** The note as written ("P0102"), for messages. */
  readonly text: string;
  /** 1-based element positions, in the order of the note. */
  readonly positions: readonly number[];
  /** Smallest position of the note (a segment with fewer elements has none of them). */
  readonly min: number;
  /**
   * Bit p set for each position p of the note, when all are below 31 and none repeats (then presence
   * decides the note with a few bit operations); 0 otherwise.
   */
  readonly mask: number;
  /** Bit of the note's first position (within `mask`). */
  readonly first: number;
}

/** A segment definition resolved for one use. */
export interface CompiledSegment {
  readonly tag: string;
  readonly name: string;
  readonly elements: readonly CompiledElementUse[];
  readonly syntax: readonly CompiledSyntaxNote[];
  /** Positions of the mandatory elements, ascending. */
  readonly mandatoryPositions: readonly number[];
}

/** A check a segment must pass to be taken as this structure position (per-use codes of the node). */
export interface Qualifier {
  readonly element: number;
  /** 1-based component; 1 for a simple element. */
  readonly component: number;
  readonly codes: CodeSet;
}

export const enum NodeKind {
  Segment = 0,
  Loop = 1,
}

interface NodeBase {
  /** Global index of the node (0 = the transaction itself), for per-validator counters. */
  readonly id: number;
  /** Numeric id of the tag selecting this node (the trigger's tag for a loop). */
  readonly tagId: number;
  readonly tag: string;
  readonly req: Requirement;
  /** True for req 'M'. Conditional (C/X) and optional positions are optional for presence. */
  readonly mandatory: boolean;
  /** Maximum use / occurrences; 0 = unbounded. */
  readonly max: number;
  /** Per-use codes a segment must match to be preferred for this node; null = tag alone decides. */
  readonly qualifiers: readonly Qualifier[] | null;
  /** Loop id of the enclosing loop (undefined at the top level). */
  readonly parentLoopId: string | undefined;
}

export interface CompiledSegmentNode extends NodeBase {
  readonly kind: NodeKind.Segment;
  readonly segment: CompiledSegment;
  /** Pre-order rank in the structure (for telling "earlier" from "later" positions). */
  readonly order: number;
}

export interface CompiledLoopNode extends NodeBase {
  readonly kind: NodeKind.Loop;
  readonly loopId: string;
  /** children[0]. */
  readonly trigger: CompiledSegmentNode;
  readonly children: readonly CompiledNode[];
  /** nextMandatory[i] = index of the first mandatory child at or after i (children.length if none); length children + 1. */
  readonly nextMandatory: Int32Array;
}

export type CompiledNode = CompiledSegmentNode | CompiledLoopNode;

export interface CompiledTransaction {
  readonly id: string;
  readonly name: string;
  /** Pseudo-loop holding the top-level structure (loopId ''). */
  readonly root: CompiledLoopNode;
  /** Number of nodes, root included (size of a use-counter array). */
  readonly nodeCount: number;
  /** Deepest loop nesting (root = 0). */
  readonly maxDepth: number;
  /** Tag -> numeric id, for every tag used in this transaction. */
  readonly tagIds: ReadonlyMap<string, number>;
  /** Per tag id: highest pre-order rank of a use of that tag. */
  readonly lastOrderOfTag: Int32Array;
  /** Every segment tag of the dictionary (for telling unrecognized from not-in-definition). */
  readonly dictionaryTags: ReadonlySet<string>;
  /** Tag of the trailer (last top-level segment: SE / UNT). */
  readonly trailerTag: string;
}

/** Partner overlay: replaces elements (merged field by field), segments and/or the whole structure. */
export interface DefinitionOverlay {
  elements?: Record<string, Partial<ElementDef>>;
  segments?: Record<string, SegmentDef>;
  structure?: StructureNode[];
}

/** A definition that cannot be compiled (reference to nothing, bad syntax note, ...). */
export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

const cache = new WeakMap<TransactionDef, WeakMap<Dictionary, CompiledTransaction>>();

/**
 * Compile a transaction definition against its dictionary, optionally tightened by a partner overlay.
 * Without overlay the result is cached per (def, dict) object pair.
 */
export function compileTransaction(def: TransactionDef, dict: Dictionary, overlay?: DefinitionOverlay): CompiledTransaction {
  if (!overlay) {
    let byDict = cache.get(def);
    const hit = byDict?.get(dict);
    if (hit) return hit;
    const compiled = new Compiler(def, dict, undefined).run();
    if (!byDict) {
      byDict = new WeakMap();
      cache.set(def, byDict);
    }
    byDict.set(dict, compiled);
    return compiled;
  }
  return new Compiler(def, dict, overlay).run();
}

function toSet(codes: readonly string[] | undefined, partial?: boolean): CodeSet | null {
  return codes ? new CodeSet(codes, partial === true) : null;
}

function parseCodesKey(key: string, where: string): { element: number; component: number } {
  const m = /^(\d\d)(?:-(\d\d))?$/.exec(key);
  if (!m) throw new CompileError(`${where}: bad codes key "${key}" (expected "01" or "01-02")`);
  return { element: Number(m[1]), component: m[2] ? Number(m[2]) : 0 };
}

const SYNTAX_KINDS: Record<string, SyntaxKind> = {
  P: SyntaxKind.Paired,
  R: SyntaxKind.Required,
  E: SyntaxKind.Exclusion,
  C: SyntaxKind.Conditional,
  L: SyntaxKind.ListConditional,
};

class Compiler {
  private readonly elements = new Map<string, CompiledElement>();
  private readonly segments = new Map<string, CompiledSegment>();
  private readonly tagIds = new Map<string, number>();
  private readonly lastOrder: number[] = [];
  private nodeCount = 1;
  private order = 0;
  private maxDepth = 0;

  constructor(
    private readonly def: TransactionDef,
    private readonly dict: Dictionary,
    private readonly overlay: DefinitionOverlay | undefined,
  ) {}

  run(): CompiledTransaction {
    const structure = this.overlay?.structure ?? this.def.structure;
    if (structure.length < 2) throw new CompileError(`${this.def.id}: the structure needs at least header and trailer`);
    const children = this.nodes(structure, undefined, 1, `${this.def.id}.structure`);
    const first = children[0];
    const last = children[children.length - 1];
    if (first.kind !== NodeKind.Segment || last.kind !== NodeKind.Segment) {
      throw new CompileError(`${this.def.id}: the structure must start and end with a segment (header, trailer)`);
    }
    const root: CompiledLoopNode = {
      kind: NodeKind.Loop,
      id: 0,
      tagId: -1,
      tag: '',
      req: 'M',
      mandatory: true,
      max: 1,
      qualifiers: null,
      parentLoopId: undefined,
      loopId: '',
      trigger: first,
      children,
      nextMandatory: nextMandatory(children),
    };
    const dictionaryTags = new Set(Object.keys(this.dict.segments));
    for (const tag of Object.keys(this.overlay?.segments ?? {})) dictionaryTags.add(tag);
    return {
      id: this.def.id,
      name: this.def.name,
      root,
      nodeCount: this.nodeCount,
      maxDepth: this.maxDepth,
      tagIds: this.tagIds,
      lastOrderOfTag: Int32Array.from(this.lastOrder),
      dictionaryTags,
      trailerTag: last.tag,
    };
  }

  private nodes(list: readonly StructureNode[], loopId: string | undefined, depth: number, where: string): CompiledNode[] {
    return list.map((n, i) => ('segment' in n ? this.segmentNode(n, loopId, `${where}[${i}]`) : this.loopNode(n, loopId, depth, `${where}[${i}]`)));
  }

  private tagId(tag: string): number {
    let id = this.tagIds.get(tag);
    if (id === undefined) {
      id = this.tagIds.size;
      this.tagIds.set(tag, id);
      this.lastOrder.push(-1);
    }
    return id;
  }

  private segmentNode(use: SegmentUse, parentLoopId: string | undefined, where: string): CompiledSegmentNode {
    const base = this.segment(use.segment, where);
    let segment = base;
    let qualifiers: Qualifier[] | null = null;
    if (use.codes && Object.keys(use.codes).length > 0) {
      const elements = base.elements.slice();
      qualifiers = [];
      for (const [key, codes] of Object.entries(use.codes)) {
        const { element, component } = parseCodesKey(key, `${where} (${use.segment})`);
        const at = elements[element - 1];
        if (!at) throw new CompileError(`${where}: codes for ${use.segment}${key}, but ${use.segment} has ${elements.length} elements`);
        const set = new CodeSet(codes);
        if (at.components) {
          const c = component || 1;
          const comp = at.components[c - 1];
          if (!comp) throw new CompileError(`${where}: codes for ${use.segment}${key}, but ${at.ref} has ${at.components.length} components`);
          const components = at.components.slice();
          components[c - 1] = { ...comp, codes: set, lengthOnly: false };
          elements[element - 1] = { ...at, components };
          qualifiers.push({ element, component: c, codes: set });
        } else {
          if (component > 1) throw new CompileError(`${where}: codes for ${use.segment}${key}, but ${at.ref} is not a composite`);
          elements[element - 1] = { ...at, codes: set, lengthOnly: false };
          qualifiers.push({ element, component: 1, codes: set });
        }
      }
      segment = { ...base, elements };
    }
    const tagId = this.tagId(use.segment);
    const order = this.order++;
    this.lastOrder[tagId] = order;
    return {
      kind: NodeKind.Segment,
      id: this.nodeCount++,
      tagId,
      tag: use.segment,
      req: use.req,
      mandatory: use.req === 'M',
      max: use.max,
      qualifiers,
      parentLoopId,
      segment,
      order,
    };
  }

  private loopNode(loop: LoopUse, parentLoopId: string | undefined, depth: number, where: string): CompiledLoopNode {
    if (depth > this.maxDepth) this.maxDepth = depth;
    const id = this.nodeCount++;
    const children = this.nodes(loop.segments, loop.loop, depth + 1, `${where}.segments`);
    const trigger = children[0];
    if (!trigger || trigger.kind !== NodeKind.Segment) throw new CompileError(`${where}: loop ${loop.loop} must start with a segment`);
    return {
      kind: NodeKind.Loop,
      id,
      tagId: trigger.tagId,
      tag: trigger.tag,
      req: loop.req,
      mandatory: loop.req === 'M',
      max: loop.max,
      qualifiers: trigger.qualifiers,
      parentLoopId,
      loopId: loop.loop,
      trigger,
      children,
      nextMandatory: nextMandatory(children),
    };
  }

  private segment(tag: string, where: string): CompiledSegment {
    const hit = this.segments.get(tag);
    if (hit) return hit;
    const def = this.overlay?.segments?.[tag] ?? this.dict.segments[tag];
    if (!def) throw new CompileError(`${where}: segment ${tag} is not in the dictionary`);
    const elements = def.elements.map((ref, i) => this.elementUse(ref, i + 1, `${tag}${pad2(i + 1)}`));
    const syntax = (def.syntax ?? []).map((note) => compileNote(note, tag, elements.length));
    const mandatoryPositions = elements.filter((e) => e.mandatory).map((e) => e.position);
    const compiled: CompiledSegment = { tag, name: def.name, elements, syntax, mandatoryPositions };
    this.segments.set(tag, compiled);
    return compiled;
  }

  private elementUse(ref: ElementRef, position: number, where: string): CompiledElementUse {
    const composite: CompositeDef | undefined = this.dict.composites[ref.ref];
    const mandatory = ref.req === 'M';
    const repeat = ref.repeat ?? 1;
    if (composite) {
      const components = composite.components.map((c, i) => {
        const element = this.element(c.ref, `${where}-${pad2(i + 1)}`);
        const codes = c.codes ? toSet(c.codes) : element.codes;
        const comp: CompiledComponent = {
          position: i + 1,
          req: c.req,
          mandatory: c.req === 'M',
          element,
          codes,
          lengthOnly: codes === null && isLengthOnly(element.type),
        };
        return comp;
      });
      return { position, ref: ref.ref, req: ref.req, mandatory, repeat, element: null, components, codes: null, lengthOnly: false };
    }
    const element = this.element(ref.ref, where);
    const codes = ref.codes ? toSet(ref.codes) : element.codes;
    return { position, ref: ref.ref, req: ref.req, mandatory, repeat, element, components: null, codes, lengthOnly: codes === null && isLengthOnly(element.type) };
  }

  private element(id: string, where: string): CompiledElement {
    const hit = this.elements.get(id);
    if (hit) return hit;
    const base = this.dict.elements[id];
    const patch = this.overlay?.elements?.[id];
    const merged = base ? (patch ? { ...base, ...patch } : base) : patch;
    if (!merged || merged.type === undefined || merged.min === undefined || merged.max === undefined) {
      throw new CompileError(`${where}: element ${id} is not in the dictionary`);
    }
    const type = TYPE_CODES[merged.type];
    if (type === undefined) throw new CompileError(`${where}: element ${id} has unknown type ${merged.type}`);
    const compiled: CompiledElement = { id, type, typeName: merged.type, min: merged.min, max: merged.max, codes: toSet(merged.codes, merged.codesPartial) };
    this.elements.set(id, compiled);
    return compiled;
  }
}

function nextMandatory(children: readonly CompiledNode[]): Int32Array {
  const n = children.length;
  const next = new Int32Array(n + 2).fill(n);
  for (let i = n - 1; i >= 0; i--) next[i] = children[i].mandatory ? i : next[i + 1];
  return next;
}

function isLengthOnly(type: TypeCode): boolean {
  return type === TypeCode.AN || type === TypeCode.ID || type === TypeCode.B;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function compileNote(note: string, tag: string, elementCount: number): CompiledSyntaxNote {
  const kind = SYNTAX_KINDS[note.charAt(0)];
  const digits = note.slice(1);
  if (kind === undefined || digits.length < 4 || digits.length % 2 !== 0 || !/^\d+$/.test(digits)) {
    throw new CompileError(`${tag}: bad syntax note "${note}"`);
  }
  const positions: number[] = [];
  for (let i = 0; i < digits.length; i += 2) {
    const p = Number(digits.slice(i, i + 2));
    if (p < 1 || p > elementCount) throw new CompileError(`${tag}: syntax note "${note}" names element ${p}, but ${tag} has ${elementCount}`);
    positions.push(p);
  }
  let mask = 0;
  for (const p of positions) mask = p < 31 && mask !== -1 && (mask & (1 << p)) === 0 ? mask | (1 << p) : -1;
  if (mask === -1) mask = 0;
  return { kind, text: note, positions, min: Math.min(...positions), mask, first: mask === 0 ? 0 : 1 << positions[0] };
}
