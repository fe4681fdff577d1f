/**
 * The mapping engine: a transaction tree and a mapping file in, a canonical document (checked against
 * its zod schema) and the mapping errors out. Every error names the partner, the transaction, the
 * canonical path, the segment position and element where the value was (or was looked for) and the rule.
 */
import jsonata from 'jsonata';
import type { CanonicalDocument } from '../canonical/document';
import { validateCanonicalDocument } from '../canonical/document';
import type { Envelope } from '../canonical/envelope';
import { parseEdiDateTime, parseEdiTime, type EdiDateTimeFormat } from '../canonical/dates';
import { parseDecimal } from '../canonical/decimal';
import type { Dictionary } from '../edi/common/definitions';
import type { FieldSpec, Mapping, TransformStep } from './mapping-file';
import { ElementResolver, elementLabel, firstText, firstValue, named, parsePath, PathError, pickOne, picksOne, qualifies, selectNodes, selectValues, textIn, textInPicked, type ParsedPath, type ValueHit } from './path';
import { elementCount, segmentOf, valueAt, type TransactionTree, type TreeLoop, type TreeNode, type TreeSegment } from './tree';

/** The rule an error comes from. */
export type MappingRule = 'required' | 'code' | 'xref' | 'date' | 'time' | 'number' | 'expr' | 'path' | 'schema' | 'routing' | 'mapping' | 'definition' | 'edi';

/** One problem found while translating a transaction. */
export interface MappingError {
  rule: MappingRule;
  message: string;
  partner?: string;
  interchangeControlNumber?: string;
  /** 0-based ordinal of the interchange in the input: tells apart two interchanges of one file that share a control number. */
  interchangeIndex?: number;
  /** The transaction's group control number (GS06 / UNG 0048): two groups of one interchange may both number a set 0001. */
  groupControlNumber?: string;
  /** Transaction control number (ST02 / UNH 0062). */
  controlNumber?: string;
  messageType?: string;
  /** Canonical path, e.g. `lines[2].quantity` ('' for the document). */
  path: string;
  /** The mapping path or expression that was evaluated. */
  source?: string;
  /** The segment holding the value, or the one whose loop was searched. */
  segment?: { tag: string; position: number };
  /** The element, e.g. PO102, NAD02-01 (a path when the value was not found). */
  element?: string;
  /** The value as received. */
  value?: string;
  /** The mapping file. */
  mappingFile?: string;
}

/** What the engine needs besides tree and mapping. */
export interface MappingContext {
  partnerId: string;
  envelope: Envelope;
  /** Dictionary of the transaction's version, for element ids in paths (NAD/3035). */
  dictionary?: Dictionary;
  /** Decimal mark of numbers: '.' for X12, the UNA one (or 'either') for EDIFACT. */
  decimalMark?: '.' | ',' | 'either';
  /**
   * The envelope is plain data (an object literal of object literals, every own property enumerable, as
   * `envelopeOf` makes it): the document is then plain data throughout, which its schema check can rely on.
   */
  plainEnvelope?: boolean;
}

export interface MappingResult {
  document?: CanonicalDocument;
  errors: MappingError[];
  /** What was received but not mapped (a second ACK of an 855 line); the document is still good. Absent when none. */
  warnings?: MappingError[];
}

interface Source {
  source?: string;
  segment?: TreeSegment;
  element?: string;
}

type Obj = Record<string, unknown>;

/** A value now, or later when a JSONata expression had to be awaited. */
type Maybe<T> = T | Promise<T>;

/**
 * A field of a `fields:` block, prepared once per mapping: its key, its spec and, for a field that reads
 * one value (see `leafPlan`), a reader made for it alone. A class, so that every field has one shape.
 */
class Field {
  constructor(
    readonly key: string,
    readonly spec: FieldSpec,
    /** The value without an error to report: the value, undefined, or SLOW (a throw counts as SLOW). */
    readonly read: Reader | undefined,
    /** A missing value has a default or a required message to settle: the general walk does that. */
    readonly settles: boolean,
    private readonly mapping: Mapping,
  ) {}

  private prepared: FieldOrder | undefined;

  /** The block of a `fields:` field (per occurrence with `each:`), prepared on first use. */
  block(): FieldOrder {
    return (this.prepared ??= fieldOrder(this.spec.fields as Record<string, FieldSpec>, this.mapping));
  }
}

/**
 * What a leaf field reads from a node, made once per field: the spec's questions (which path, which
 * table, which type) are answered when it is made, not for every value read.
 */
type Reader = (run: Run, node: TreeNode) => unknown;

/** A value as read in, converted as the field says; SLOW (or a throw) where `convert` would report. */
type Converter = (run: Run, text: string) => unknown;

/** A `fields:` block split once into the order its fields are evaluated in. */
interface FieldOrder {
  plain: Field[];
  /** A default that depends on a sibling waits until the other fields are known. */
  conditional: Field[];
  /** Expressions see the fields mapped before them. */
  later: Field[];
  /** Every key of the block. */
  keys: string[];
}

/**
 * The top block of each mapping, prepared on first use (nested blocks are prepared by their Field). Per
 * mapping, not per block: a reader holds the mapping's code tables, and a block a base mapping shares
 * with the partners extending it has theirs.
 */
const topBlocks = new WeakMap<Mapping, FieldOrder>();

function topBlock(mapping: Mapping): FieldOrder {
  let order = topBlocks.get(mapping);
  if (!order) {
    order = fieldOrder(mapping.fields, mapping);
    topBlocks.set(mapping, order);
  }
  return order;
}

function fieldOrder(fields: Record<string, FieldSpec>, mapping: Mapping): FieldOrder {
  const order: FieldOrder = { plain: [], conditional: [], later: [], keys: Object.keys(fields) };
  for (const [key, spec] of Object.entries(fields)) {
    const plan = leafPlan(spec);
    const settles = spec.default !== undefined || (spec.required !== undefined && spec.required !== false);
    const entry = new Field(key, spec, plan === undefined ? undefined : reader(spec, plan, mapping), settles, mapping);
    if (spec.expr !== undefined) order.later.push(entry);
    else if (spec.defaultWhen !== undefined) order.conditional.push(entry);
    else order.plain.push(entry);
  }
  return order;
}

/**
 * How a field that maps one value from one path or pair (most fields) is read when nothing goes wrong:
 * the text alone, without the hit objects, canonical paths and lists that only error reports need.
 */
interface LeafPlan {
  /** first: the first value of `path`; pair: the first qualified pair in what `path` selects (the node itself without one); join: every value of `path`, joined. */
  kind: 'first' | 'pair' | 'join';
  path: ParsedPath | undefined;
  /** `path` selects at most one node (see pickOne). */
  one: boolean;
  /**
   * For a path that selects at most one node: its step, as text (one string per text, so that runs
   * compare them by identity). Fields whose paths share it (PO1/01, PO1/02 and the pairs of PO1 in a
   * line) pick the same node from the same context.
   */
  pick: string | undefined;
  /** A 'first' path read from the picked node (see textIn). */
  direct: boolean;
}

const pickKeys = new Map<string, string>();

/** One string object per pick text: the pick cache then compares by identity. */
function pickKey(text: string): string {
  let key = pickKeys.get(text);
  if (key === undefined) {
    key = text;
    pickKeys.set(text, key);
  }
  return key;
}

/** The leaf plan of a field, or undefined for a field only the general walk maps. */
function leafPlan(spec: FieldSpec): LeafPlan | undefined {
  if (spec.expr !== undefined || spec.each !== undefined || spec.fields || spec.value !== undefined || spec.firstOf !== undefined || spec.onMore !== undefined) return undefined;
  if (spec.path === undefined && spec.pair === undefined) return undefined;
  let plan: ValuePlan;
  try {
    plan = valuePlan(spec);
  } catch {
    // A path that does not parse: the general walk reports it for every transaction.
    return undefined;
  }
  if (plan.paths.length > 1) return undefined;
  const path = plan.paths.length === 1 ? plan.paths[0] : undefined;
  const one = path === undefined || picksOne(path);
  const pick = path !== undefined && one ? pickKey(`${path.absolute ? '/' : ''}${JSON.stringify(path.steps[0])}`) : undefined;
  if (spec.pair) return spec.join === undefined ? { kind: 'pair', path, one, pick, direct: false } : undefined;
  if (path === undefined) return undefined;
  if (spec.join !== undefined) return { kind: 'join', path, one, pick, direct: false };
  return plan.many ? undefined : { kind: 'first', path, one, pick, direct: textInPicked(path) };
}

/** The leaf reader of a field: where its text is, then what becomes of it (the leaf reading of `values`). */
function reader(spec: FieldSpec, plan: LeafPlan, mapping: Mapping): Reader {
  const convert = converter(spec, mapping);
  const path = plan.path as ParsedPath;
  if (plan.kind === 'join') return joinReader(spec.join as string, path, convert);
  if (plan.kind === 'pair') {
    const pair = spec.pair as NonNullable<FieldSpec['pair']>;
    if (plan.path === undefined) return (run, node) => run.pairIn(node, pair, convert);
    if (plan.one) return (run, node) => run.pairIn(run.pick(plan, node), pair, convert);
    return (run, node) => {
      for (const n of selectNodes(node, run.root, path, run.resolver)) {
        const seg = segmentOf(n);
        const value = seg === undefined ? undefined : pairValue(pair, seg);
        if (value !== undefined) return convert(run, value);
      }
      return undefined;
    };
  }
  const addr = path.element;
  if (plan.direct && addr !== undefined && addr.kind === 'position' && addr.repetition !== '*') {
    // The element's place, as `read` counts it.
    const e = addr.element - 1;
    const c = addr.component - 1;
    const r = addr.repetition - 1;
    return (run, node) => {
      const picked = run.pick(plan, node);
      if (picked === undefined) return undefined;
      const seg = picked.kind === 'segment' ? picked : segmentOf(picked);
      if (seg === undefined) return undefined;
      const text = valueAt(seg, e, r, c).trim();
      return text === '' ? undefined : convert(run, text);
    };
  }
  if (plan.direct) {
    return (run, node) => {
      const text = textIn(run.pick(plan, node), path, run.resolver);
      return text === undefined ? undefined : convert(run, text);
    };
  }
  return (run, node) => {
    const text = firstText(node, run.root, path, run.resolver);
    return text === undefined ? undefined : convert(run, text);
  };
}

/**
 * `join:` over every value of one path (`joined` of the general reading): SLOW when one of them cannot
 * be converted. A path of one step of children and an element position is read without the lists.
 */
function joinReader(separator: string, path: ParsedPath, convert: Converter): Reader {
  const only = path.steps.length === 1 ? path.steps[0] : undefined;
  const addr = path.element;
  if (only === undefined || only.axis !== undefined || addr === undefined || addr.kind !== 'position' || addr.repetition === '*') {
    return (run, node) => joinedSlowly(run, node, path, convert, separator);
  }
  const e = addr.element - 1;
  const c = addr.component - 1;
  const r = addr.repetition - 1;
  const want = (only.index ?? 1) - 1;
  const name = only.name;
  const checks = only.conditions.length > 0;
  return (run, node) => {
    const from = path.absolute ? run.root : node;
    if (from.kind === 'segment') return joinedSlowly(run, node, path, convert, separator);
    // selectNodes' walk over the children, reading each selected node's value as selectValues does.
    let out: string | undefined;
    let seen = 0;
    for (const child of from.children) {
      if (!named(child, name) || !qualifies(child, only, run.resolver, path.text)) continue;
      const selected = only.all || seen === want;
      seen++;
      if (!selected) continue;
      const seg = child.kind === 'segment' ? child : segmentOf(child);
      if (seg !== undefined) {
        const text = valueAt(seg, e, r, c).trim();
        if (text !== '') {
          const value = convert(run, text);
          if (value === SLOW) return SLOW;
          if (value !== undefined) out = out === undefined ? String(value) : `${out}${separator}${String(value)}`;
        }
      }
      if (!only.all && !checks) break;
    }
    return out;
  };
}

/** `joinReader` through selectValues' hits, for any path. */
function joinedSlowly(run: Run, node: TreeNode, path: ParsedPath, convert: Converter, separator: string): unknown {
  let out: string | undefined;
  for (const hit of selectValues(node, run.root, path, run.resolver)) {
    const value = convert(run, hit.value);
    if (value === SLOW) return SLOW;
    if (value !== undefined) out = out === undefined ? String(value) : `${out}${separator}${String(value)}`;
  }
  return out;
}

/** `convert` without an error to report, made for one field: transform -> code -> xref -> type. */
function converter(spec: FieldSpec, mapping: Mapping): Converter {
  const type = typer(spec);
  const transform = spec.transform;
  const code = spec.code === undefined ? undefined : tableLookup(mapping, spec.code, spec.onUnknown ?? 'error');
  const xref = spec.xref === undefined ? undefined : tableLookup(mapping, spec.xref, spec.onUnknown ?? 'omit');
  if (transform === undefined && code === undefined && xref === undefined) return type;
  return (run, text) => {
    let value: string | undefined = transform ? applyTransform(transform, text) : text;
    if (value === '') return undefined;
    if (code !== undefined) {
      const known = code(value);
      if (known === SLOW) return SLOW;
      value = known;
    }
    if (value !== undefined && xref !== undefined) {
      const known = xref(value);
      if (known === SLOW) return SLOW;
      value = known;
    }
    return value === undefined ? undefined : type(run, value);
  };
}

/** The field's type (`typed`): a date, a time, a number, else the text; throws what it cannot read. */
function typer(spec: FieldSpec): Converter {
  if (spec.date !== undefined) {
    const format = spec.date as EdiDateTimeFormat;
    return (_run, value) => parseEdiDateTime(value, format).date;
  }
  if (spec.time) return (_run, value) => parseEdiTime(value);
  if (spec.number !== undefined) {
    const implied = spec.number.implied;
    return (run, value) => parseDecimal(value, implied, run.decimal);
  }
  return (_run, value) => value;
}

const NO_TABLE: Record<string, string> = Object.freeze({});

/**
 * `known` for one table of a mapping, with the last answer at hand: a field's values repeat (the unit
 * of every line, the purpose of every order). A mapping's tables are read from its files and not changed
 * after (a changed file makes a new mapping).
 */
function tableLookup(mapping: Mapping, name: string, onUnknown: 'error' | 'keep' | 'omit'): (value: string) => string | undefined | typeof SLOW {
  const table = mapping.tables[name] ?? NO_TABLE;
  let lastIn: string | undefined;
  let lastOut: string | undefined | typeof SLOW;
  return (value) => {
    if (value === lastIn) return lastOut;
    const out = knownIn(table, value, onUnknown);
    lastIn = value;
    lastOut = out;
    return out;
  };
}

/** `lookup` without an error to report: SLOW where it would report one. */
function knownIn(table: Record<string, string>, value: string, onUnknown: 'error' | 'keep' | 'omit'): string | undefined | typeof SLOW {
  if (Object.hasOwn(table, value)) return table[value];
  if (Object.hasOwn(table, '*')) return table['*'] === '=' ? value : table['*'];
  if (onUnknown === 'keep') return value;
  return onUnknown === 'error' ? SLOW : undefined;
}

/** What the leaf reading says when the field has an error (or a default) to settle: the general walk takes over. */
const SLOW: unique symbol = Symbol('slow');

/** What a path / pair / firstOf field reads, worked out once per field of a mapping. */
interface ValuePlan {
  paths: ParsedPath[];
  /** Several values form a list: several paths, a '*' step or a '#*' repetition. */
  many: boolean;
  /** How errors name the source. */
  source: string;
}

const plans = new WeakMap<FieldSpec, ValuePlan>();

function spread(path: ParsedPath): boolean {
  return path.steps.some((s) => s.all) || path.element?.repetition === '*';
}

function valuePlan(spec: FieldSpec): ValuePlan {
  let plan = plans.get(spec);
  if (plan) return plan;
  const texts = spec.path === undefined ? [] : Array.isArray(spec.path) ? spec.path : [spec.path];
  const paths = texts.map((t) => parsePath(t));
  plan = { paths, many: paths.length > 1 || (spec.pair === undefined && paths.some(spread)), source: texts.join(', ') || `pair ${spec.pair?.qualifier.join('|')}` };
  plans.set(spec, plan);
  return plan;
}

/**
 * Resolvers by dictionary and label (the version errors name): what a resolver found in a dictionary
 * holds for every transaction of that version, and a resolver per transaction made a WeakMap per
 * transaction. Bounded per dictionary: labels come from the envelopes received.
 */
const resolvers = new WeakMap<Dictionary, Map<string, ElementResolver>>();
const RESOLVERS_PER_DICTIONARY = 64;

/** The resolver asked for last, by dictionary, standard and version (a file's transactions share them). */
let lastResolver: { dictionary: Dictionary; standard: string; version: string; resolver: ElementResolver } | undefined;

/** `resolverFor` a transaction's dictionary and envelope, without making its label when it is the last one's. */
function resolverOf(dictionary: Dictionary | undefined, envelope: Envelope): ElementResolver {
  const last = lastResolver;
  if (dictionary !== undefined && last !== undefined && last.dictionary === dictionary && last.standard === envelope.standard && last.version === envelope.version) return last.resolver;
  const resolver = resolverFor(dictionary, `${envelope.standard} ${envelope.version}`);
  if (dictionary !== undefined) lastResolver = { dictionary, standard: envelope.standard, version: envelope.version, resolver };
  return resolver;
}

function resolverFor(dictionary: Dictionary | undefined, label: string): ElementResolver {
  if (!dictionary) return new ElementResolver(dictionary, label);
  let byLabel = resolvers.get(dictionary);
  if (!byLabel) {
    byLabel = new Map();
    resolvers.set(dictionary, byLabel);
  }
  let resolver = byLabel.get(label);
  if (!resolver) {
    if (byLabel.size >= RESOLVERS_PER_DICTIONARY) byLabel.clear();
    resolver = new ElementResolver(dictionary, label);
    byLabel.set(label, resolver);
  }
  return resolver;
}

/** Where a value came from, for an error about it (built only when there is an error). */
function whereOf(hit: ValueHit, source: string): Source & { value: string } {
  return { source, segment: hit.segment, element: elementLabel(hit.segment.tag, hit.element, hit.component, hit.repetition), value: hit.value };
}

class Run {
  readonly errors: MappingError[] = [];
  readonly warnings: MappingError[] = [];
  /**
   * Canonical path -> where the value came from (schema errors name it). Kept only on the second run of
   * a transaction whose document failed its schema: the first run does not pay for it.
   */
  readonly sources: Map<string, ValueHit & { source: string }> | undefined;
  readonly resolver: ElementResolver;
  readonly root: TreeLoop;
  /** parseDecimal's options, made once per transaction rather than per number. */
  readonly decimal: { decimalMark: '.' | ',' | 'either' };
  /** The last node picked (see LeafPlan.pick): from which context, by which step. */
  private pickedFrom: TreeNode | undefined;
  private pickedBy = '';
  private picked: TreeNode | undefined;
  /**
   * The qualified pairs (`pair:`) of the last segment asked about, from which element on: the item ids
   * of a line are several fields over the pairs of one PO1, trimmed once for all of them.
   */
  private pairSeg: TreeSegment | undefined;
  private pairFrom = 0;
  private pairCount = 0;
  private readonly pairQualifiers: string[] = [];
  private readonly pairValues: string[] = [];
  doc: Obj = {};

  constructor(tree: TransactionTree, readonly mapping: Mapping, readonly ctx: MappingContext, trackSources = false) {
    this.root = tree.root;
    this.decimal = { decimalMark: ctx.decimalMark ?? '.' };
    this.resolver = resolverOf(ctx.dictionary, ctx.envelope);
    this.sources = trackSources ? new Map() : undefined;
  }

  error(rule: MappingRule, path: string, message: string, where: Source & { value?: string } = {}, into = this.errors): void {
    const e: MappingError = {
      rule,
      message,
      partner: this.ctx.partnerId,
      interchangeControlNumber: this.ctx.envelope.interchangeControlNumber,
      controlNumber: this.ctx.envelope.controlNumber,
      messageType: this.ctx.envelope.messageType,
      path,
      mappingFile: this.mapping.file,
    };
    if (where.source !== undefined) e.source = where.source;
    if (where.segment) e.segment = { tag: where.segment.tag, position: where.segment.position };
    if (where.element !== undefined) e.element = where.element;
    if (where.value !== undefined) e.value = where.value;
    into.push(e);
  }

  /** The mapping's top block into `doc` (see objectOf). */
  document(node: TreeNode): Maybe<Obj | undefined> {
    return this.objectOf(topBlock(this.mapping), node, '', true);
  }

  /**
   * The object a prepared `fields:` block maps to at a node. Synchronous unless a JSONata expression runs:
   * most mappings have none on the inbound side, and a promise per field was most of the engine's cost.
   */
  private objectOf(order: FieldOrder, node: TreeNode, at: string, top = false): Maybe<Obj | undefined> {
    const out: Obj = top ? this.doc : {};
    const plain = this.fill(order.plain, 0, node, at, out);
    if (plain instanceof Promise) return this.objectLater(plain, order, node, at, out);
    const rest = this.rest(order, node, at, out);
    if (rest instanceof Promise) return this.objectLater(rest, undefined, node, at, out);
    return top ? nonEmpty(out) : anyMapped(order, out);
  }

  // The `…Later` methods continue after an awaited expression. They are methods of their own because a
  // closure in the synchronous path would make V8 allocate its captured variables on every call.

  private async objectLater(pending: Promise<void>, restOf: FieldOrder | undefined, node: TreeNode, at: string, out: Obj): Promise<Obj | undefined> {
    await pending;
    if (restOf) await this.rest(restOf, node, at, out);
    return nonEmpty(out);
  }

  private rest(order: FieldOrder, node: TreeNode, at: string, out: Obj): Maybe<void> {
    const conditional = this.fill(order.conditional, 0, node, at, out);
    if (conditional instanceof Promise) return this.restLater(conditional, order, node, at, out);
    return this.fill(order.later, 0, node, at, out);
  }

  private async restLater(pending: Promise<void>, order: FieldOrder, node: TreeNode, at: string, out: Obj): Promise<void> {
    await pending;
    await this.fill(order.later, 0, node, at, out);
  }

  /** Fields `from` on into `out`, in order; an awaited expression continues the rest after it. */
  private fill(entries: Field[], from: number, node: TreeNode, at: string, out: Obj): Maybe<void> {
    for (let i = from; i < entries.length; i++) {
      const entry = entries[i];
      // A second run that notes sources takes the general walk throughout.
      if (entry.read !== undefined && this.sources === undefined) {
        const quick = this.leaf(entry, node);
        if (quick !== SLOW) {
          if (quick !== undefined) out[entry.key] = quick;
          continue;
        }
      }
      const { key, spec } = entry;
      const path = join(at, key);
      const value = spec.expr !== undefined ? this.expression(spec, node, path, out) : this.field(entry, node, path, out);
      if (value instanceof Promise) return this.fillLater(value, key, entries, i, node, at, out);
      if (value !== undefined) out[key] = value;
    }
    return undefined;
  }

  private async fillLater(pending: Promise<unknown>, key: string, entries: Field[], i: number, node: TreeNode, at: string, out: Obj): Promise<void> {
    const v = await pending;
    if (v !== undefined) out[key] = v;
    await this.fill(entries, i + 1, node, at, out);
  }

  /**
   * A leaf field's value as the general walk would map it, or SLOW when that walk has something to report
   * or settle (a path error, a value it cannot convert, a missing value with a default or required):
   * it is then mapped again by that walk, which reads the same values and says what is wrong.
   */
  private leaf(entry: Field, node: TreeNode): unknown {
    let value: unknown;
    try {
      value = (entry.read as Reader)(this, node);
    } catch {
      return SLOW;
    }
    if (value === undefined && entry.settles) return SLOW;
    return value;
  }

  /**
   * The first qualified pair's value in a node's segment, as `pairHits` finds it, converted; undefined
   * without a node, a segment or a pair.
   */
  pairIn(node: TreeNode | undefined, pair: NonNullable<FieldSpec['pair']>, convert: Converter): unknown {
    const seg = node === undefined ? undefined : node.kind === 'segment' ? node : segmentOf(node);
    if (seg === undefined) return undefined;
    const qualifiers = this.pairQualifiers;
    const values = this.pairValues;
    if (seg !== this.pairSeg || pair.from !== this.pairFrom) {
      // Every pair with a value, in order (pairValue skips the others). Counted rather than truncated:
      // setting an array's length is a call into the runtime.
      let n = 0;
      const count = elementCount(seg);
      for (let e = pair.from; e < count; e += 2) {
        const v = valueAt(seg, e, 0, 0).trim();
        if (v === '') continue;
        qualifiers[n] = valueAt(seg, e - 1, 0, 0).trim();
        values[n] = v;
        n++;
      }
      this.pairCount = n;
      this.pairSeg = seg;
      this.pairFrom = pair.from;
    }
    for (let i = 0; i < this.pairCount; i++) if (pair.qualifier.includes(qualifiers[i])) return convert(this, values[i]);
    return undefined;
  }

  /**
   * The node a plan's path picks from `node`: the last one again when the context and step are the
   * same (a pick that throws is not remembered, and throws again where it is asked for again).
   */
  pick(plan: LeafPlan, node: TreeNode): TreeNode | undefined {
    if (node === this.pickedFrom && plan.pick === this.pickedBy) return this.picked;
    const picked = pickOne(node, this.root, plan.path as ParsedPath, this.resolver);
    this.pickedFrom = node;
    this.pickedBy = plan.pick as string;
    this.picked = picked;
    return picked;
  }

  /** A value as the field's type says (date, time, number, else the text); throws what it cannot read. */
  private typed(spec: FieldSpec, value: string): unknown {
    if (spec.date !== undefined) return parseEdiDateTime(value, spec.date as EdiDateTimeFormat).date;
    if (spec.time) return parseEdiTime(value);
    if (spec.number !== undefined) return parseDecimal(value, spec.number.implied, this.decimal);
    return value;
  }

  /** `lookup` without an error to report: SLOW where it would report one. */
  private known(name: string, value: string, onUnknown: 'error' | 'keep' | 'omit'): string | undefined | typeof SLOW {
    return knownIn(this.mapping.tables[name] ?? {}, value, onUnknown);
  }

  field(entry: Field, node: TreeNode, at: string, siblings: Obj): Maybe<unknown> {
    const spec = entry.spec;
    const before = this.errors.length;
    let value: Maybe<unknown>;
    try {
      value = this.raw(entry, node, at);
    } catch (err) {
      return this.pathFailed(err, node, at);
    }
    if (value instanceof Promise) return this.fieldLater(value, spec, node, at, siblings, before);
    // A value needs neither its default nor its required message (see finish).
    if (value !== undefined) return value;
    return this.settle(spec, value, node, at, siblings, before);
  }

  private async fieldLater(pending: Promise<unknown>, spec: FieldSpec, node: TreeNode, at: string, siblings: Obj, errorsBefore: number): Promise<unknown> {
    let v: unknown;
    try {
      v = await pending;
    } catch (err) {
      return this.pathFailed(err, node, at);
    }
    return this.settle(spec, v, node, at, siblings, errorsBefore);
  }

  private pathFailed(err: unknown, node: TreeNode, at: string): undefined {
    if (!(err instanceof PathError)) throw err;
    this.error('path', at, err.message, { source: err.path, segment: segmentOf(node) });
    return undefined;
  }

  private settle(spec: FieldSpec, value: unknown, node: TreeNode, at: string, siblings: Obj, errorsBefore: number): unknown {
    // A value that was there but could not be converted is reported once, not also as missing.
    if (value === undefined && this.errors.length > errorsBefore) return undefined;
    return this.finish(spec, value, node, at, siblings);
  }

  /** default (when its sibling condition holds) and required, once the value is known. */
  finish(spec: FieldSpec, value: unknown, node: TreeNode, at: string, siblings: Obj): unknown {
    const applies = spec.defaultWhen === undefined || siblings[spec.defaultWhen] !== undefined;
    if (value === undefined && spec.default !== undefined && applies) value = spec.default;
    if (value === undefined && spec.required !== undefined && spec.required !== false) {
      const source = spec.path ?? spec.firstOf ?? spec.each ?? spec.expr;
      const text = typeof spec.required === 'string' ? spec.required : `${at} is required`;
      const seg = segmentOf(node);
      const where = Array.isArray(source) ? source.join(', ') : source;
      const place = node.kind === 'loop' && node.id === '' ? 'in the transaction' : seg ? `in the ${node.kind === 'loop' ? `${node.id} loop` : 'segment'} at segment ${seg.position} (${seg.tag})` : '';
      this.error('required', at, `${text} (${where ?? 'no source'} not found ${place})`, {
        source: where,
        segment: seg,
        element: where,
      });
    }
    return value;
  }

  raw(entry: Field, node: TreeNode, at: string): Maybe<unknown> {
    const spec = entry.spec;
    if (spec.each !== undefined) return this.each(entry, selectNodes(node, this.root, parsePath(spec.each), this.resolver, true), 0, at, []);
    if (spec.fields) return this.objectOf(entry.block(), node, at);
    if (spec.value !== undefined) return spec.value;
    if (spec.path !== undefined || spec.pair !== undefined || spec.firstOf !== undefined) return this.values(spec, node, at, false);
    return undefined;
  }

  /** `each:`: one entry per occurrence, from occurrence `from` on. */
  private each(entry: Field, nodes: readonly TreeNode[], from: number, at: string, items: unknown[]): Maybe<unknown[] | undefined> {
    const spec = entry.spec;
    for (let i = from; i < nodes.length; i++) {
      const item = nodes[i];
      if (spec.fields) {
        const obj = this.objectOf(entry.block(), item, `${at}[${items.length}]`);
        if (obj instanceof Promise) return this.eachLater(obj, entry, nodes, i, at, items);
        if (obj !== undefined) items.push(obj);
      } else if (spec.path !== undefined || spec.pair !== undefined || spec.firstOf !== undefined) {
        const values = this.values(spec, item, `${at}[${items.length}]`, true);
        if (Array.isArray(values)) items.push(...values);
        else if (values !== undefined) items.push(values);
      }
    }
    return items.length > 0 ? items : undefined;
  }

  private async eachLater(pending: Promise<Obj | undefined>, entry: Field, nodes: readonly TreeNode[], i: number, at: string, items: unknown[]): Promise<unknown[] | undefined> {
    const o = await pending;
    if (o !== undefined) items.push(o);
    return this.each(entry, nodes, i + 1, at, items);
  }

  /** Values of path(s): the first one, or a list for several paths, '*' or '#*' (joined with `join`). */
  values(spec: FieldSpec, node: TreeNode, at: string, flat: boolean): unknown {
    const plan = valuePlan(spec);
    if (!plan.many && spec.join === undefined && spec.firstOf === undefined) return this.value(spec, plan, node, at, flat);
    let hits: ValueHit[] = [];
    let many = plan.many;
    let source = plan.source;
    // The one path read, for `onMore` (the one that found something, with firstOf).
    let single = plan.paths.length === 1 ? plan.paths[0].text : undefined;
    if (spec.pair) {
      pairHits(spec.pair, this.pairNodes(plan, node), hits);
    } else if (spec.firstOf !== undefined) {
      // The first path that finds anything wins; the others are alternatives, not more values.
      for (const text of spec.firstOf) {
        const path = parsePath(text);
        hits = selectValues(node, this.root, path, this.resolver);
        if (hits.length === 0) continue;
        many = spread(path);
        source = text;
        single = text;
        break;
      }
    } else if (plan.paths.length === 1) {
      hits = selectValues(node, this.root, plan.paths[0], this.resolver);
    } else {
      for (const path of plan.paths) hits.push(...selectValues(node, this.root, path, this.resolver));
    }
    if (!many && spec.onMore === 'warn' && single !== undefined) this.more(single, node, at, hits[0]);
    if (!many && spec.join === undefined && hits.length > 1) hits = hits.slice(0, 1);
    const out: unknown[] = [];
    for (const hit of hits) {
      const value = this.convert(spec, hit, at, source);
      if (value !== undefined) out.push(value);
    }
    if (out.length === 0) return undefined;
    if (spec.join !== undefined) return out.map(String).join(spec.join);
    if (!many && !flat) {
      this.sources?.set(at, { ...hits[0], source });
      return out[0];
    }
    if (!many) return out[0];
    return out;
  }

  /**
   * `values` for a field that maps one value (most of them): what `values` makes of the first hit, found
   * without listing the others.
   */
  private value(spec: FieldSpec, plan: ValuePlan, node: TreeNode, at: string, flat: boolean): unknown {
    let hit: ValueHit | undefined;
    if (spec.pair) {
      hit = pairHits(spec.pair, this.pairNodes(plan, node));
    } else if (plan.paths.length === 1) {
      hit = firstValue(node, this.root, plan.paths[0], this.resolver);
    }
    if (spec.onMore === 'warn' && plan.paths.length === 1) this.more(plan.paths[0].text, node, at, hit);
    if (hit === undefined) return undefined;
    const value = this.convert(spec, hit, at, plan.source);
    if (value !== undefined && !flat) this.sources?.set(at, { ...hit, source: plan.source });
    return value;
  }

  /** Where a `pair:` field looks: the node itself, or what its path(s) select. */
  private pairNodes(plan: ValuePlan, node: TreeNode): readonly TreeNode[] {
    if (plan.paths.length === 0) return [node];
    if (plan.paths.length === 1) return selectNodes(node, this.root, plan.paths[0], this.resolver);
    return plan.paths.flatMap((p) => selectNodes(node, this.root, p, this.resolver));
  }

  /**
   * `onMore: warn`: the occurrences of the path's last step beyond the first one read are named in a
   * warning (the canonical field holds one value; the others would otherwise vanish without a word).
   */
  more(text: string, node: TreeNode, at: string, first: ValueHit | undefined): void {
    const path = parsePath(text);
    if (path.steps.length === 0 || first === undefined) return;
    const all = { ...path, steps: path.steps.map((s, i) => (i === path.steps.length - 1 ? { ...s, all: true } : s)) };
    const others = selectValues(node, this.root, all, this.resolver).filter((h) => h.segment !== first.segment);
    if (others.length === 0) return;
    const list = others.map((h) => `${h.value} at segment ${h.segment.position}`).join(', ');
    this.error('mapping', at, `${at}: ${others.length + 1} ${first.segment.tag} segments where one is mapped; ${first.value} at segment ${first.segment.position} is, ${list} ${others.length > 1 ? 'are' : 'is'} not`, { source: text, segment: first.segment, element: elementLabel(first.segment.tag, first.element, first.component, first.repetition), value: first.value }, this.warnings);
  }

  /** transform -> code -> xref -> date / time / number, each failure reported with the element it came from. */
  convert(spec: FieldSpec, hit: ValueHit, at: string, source: string): unknown {
    let value: string | undefined = spec.transform ? applyTransform(spec.transform, hit.value) : hit.value;
    if (value === '') return undefined;
    if (spec.code !== undefined) value = this.lookup('code', spec.code, value, spec.onUnknown ?? 'error', at, hit, source);
    if (value !== undefined && spec.xref !== undefined) value = this.lookup('xref', spec.xref, value, spec.onUnknown ?? 'omit', at, hit, source);
    if (value === undefined) return undefined;
    try {
      return this.typed(spec, value);
    } catch (err) {
      const rule = spec.date !== undefined ? 'date' : spec.time ? 'time' : 'number';
      const where = whereOf(hit, source);
      this.error(rule, at, `${where.element} at segment ${hit.segment.position}: ${(err as Error).message}`, where);
      return undefined;
    }
  }

  lookup(rule: 'code' | 'xref', name: string, value: string, onUnknown: 'error' | 'keep' | 'omit', at: string, hit: ValueHit, source: string): string | undefined {
    const known = this.known(name, value, onUnknown);
    if (known !== SLOW) return known;
    const label = name.replace(/^.*[\\/]/, '');
    const where = whereOf(hit, source);
    this.error(rule, at, `${where.element} at segment ${where.segment?.position}: '${value}' is not in ${rule === 'code' ? 'code table' : 'cross-reference'} ${label}; add it to the mapping or ask the partner`, where);
    return undefined;
  }

  async expression(spec: FieldSpec, node: TreeNode, at: string, siblings: Obj): Promise<unknown> {
    const text = spec.expr as string;
    let value: unknown;
    try {
      const result: unknown = await compiled(text).evaluate(siblings, { doc: this.doc, envelope: this.ctx.envelope, partner: this.ctx.partnerId });
      value = result === undefined || result === null ? undefined : JSON.parse(JSON.stringify(result));
    } catch (err) {
      const e = err as { message?: string; position?: number };
      this.error('expr', at, `expression failed: ${e.message ?? String(err)}${e.position !== undefined ? ` at character ${e.position}` : ''}`, { source: text, segment: segmentOf(node) });
      return undefined;
    }
    if (typeof value === 'string' && (spec.code !== undefined || spec.xref !== undefined)) {
      const seg = segmentOf(node);
      const hit: ValueHit = { value, segment: seg ?? { kind: 'segment', tag: '', elements: [], position: 0 }, element: 0, component: 1, repetition: 1 };
      value = this.convert({ ...spec, date: undefined, number: undefined, time: undefined }, hit, at, text);
    }
    if (Array.isArray(value) && value.length === 0) value = undefined;
    return this.finish(spec, value, node, at, siblings);
  }
}

/**
 * The values of a qualifier/value pair (`pair:`) in the nodes' segments, in order: every one into `all`,
 * or, without it, just the first (most pairs map one value, and need no list for it).
 */
function pairHits(pair: NonNullable<FieldSpec['pair']>, nodes: readonly TreeNode[], all?: ValueHit[]): ValueHit | undefined {
  for (const n of nodes) {
    const seg = segmentOf(n);
    if (!seg) continue;
    const count = elementCount(seg);
    for (let e = pair.from; e < count; e += 2) {
      const q = valueAt(seg, e - 1, 0, 0).trim();
      if (!pair.qualifier.includes(q)) continue;
      const v = valueAt(seg, e, 0, 0).trim();
      if (v === '') continue;
      const hit: ValueHit = { value: v, segment: seg, element: e + 1, component: 1, repetition: 1 };
      if (!all) return hit;
      all.push(hit);
    }
  }
  return undefined;
}

/** The value of the first qualified pair in one segment, as `pairHits` finds it (without a hit object). */
function pairValue(pair: NonNullable<FieldSpec['pair']>, seg: TreeSegment): string | undefined {
  const count = elementCount(seg);
  for (let e = pair.from; e < count; e += 2) {
    const q = valueAt(seg, e - 1, 0, 0).trim();
    if (!pair.qualifier.includes(q)) continue;
    const v = valueAt(seg, e, 0, 0).trim();
    if (v !== '') return v;
  }
  return undefined;
}

/** The `transform:` steps in order, on the text as read. */
export function applyTransform(steps: readonly TransformStep[], text: string): string {
  let value = text;
  for (const step of steps) {
    if (step.op === 'upper') value = value.toUpperCase();
    else if (step.op === 'lower') value = value.toLowerCase();
    else if (step.op === 'drop-prefix') {
      if (value.startsWith(step.prefix) && (step.length === undefined || value.length === step.length)) value = value.slice(step.prefix.length);
    } else if (step.op === 'remove') value = [...value].filter((ch) => !step.chars.includes(ch)).join('');
    else value = value.slice(step.start, step.end);
  }
  return value.trim();
}

const expressions = new Map<string, ReturnType<typeof jsonata>>();

/**
 * A JSONata expression compiled once per text: compiling costs more than evaluating, and the same
 * expression runs for every line of every transaction. A syntax error throws on each use, as before.
 */
function compiled(text: string): ReturnType<typeof jsonata> {
  let e = expressions.get(text);
  if (!e) {
    e = jsonata(text);
    expressions.set(text, e);
  }
  return e;
}

/** The object, or undefined when nothing was mapped into it (without listing its keys). */
function nonEmpty(out: Obj): Obj | undefined {
  for (const key in out) if (Object.hasOwn(out, key)) return out;
  return undefined;
}

/**
 * `nonEmpty` for an object that only its fields block wrote to: asking for its own keys by name is
 * cheaper than enumerating objects whose shapes differ from one occurrence to the next.
 */
function anyMapped(order: FieldOrder, out: Obj): Obj | undefined {
  for (const key of order.keys) if (Object.hasOwn(out, key)) return out;
  return undefined;
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

/** The source recorded for a canonical path or, failing that, for the nearest path under it. */
function sourceFor<T>(sources: Map<string, T>, path: string): T | undefined {
  const exact = sources.get(path);
  if (exact) return exact;
  for (const [key, source] of sources) if (key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) return source;
  return undefined;
}

/** The source of the closest enclosing object of a canonical path that has one: `notes[0].text` → `notes[0]` → `notes`. */
function nearestSource<T>(sources: Map<string, T>, path: string): T | undefined {
  for (let p = path.replace(/(?:\.[^.[\]]+|\[\d+\])$/, ''); p !== ''; p = p.replace(/(?:\.[^.[\]]+|\[\d+\])$/, '')) {
    const found = sourceFor(sources, p);
    if (found) return found;
    if (!/(?:\.[^.[\]]+|\[\d+\])$/.test(p)) break;
  }
  return undefined;
}

function runMapping(tree: TransactionTree, mapping: Mapping, context: MappingContext, trackSources: boolean): Maybe<Run> {
  const run = new Run(tree, mapping, context, trackSources);
  run.doc = { type: mapping.type, partnerId: context.partnerId, envelope: context.envelope };
  const done = run.document(tree.root);
  return done instanceof Promise ? done.then(() => run) : run;
}

/**
 * Map one transaction tree with a mapping. The document is returned only when nothing failed: a value
 * that cannot be converted is never guessed and a missing required value is never invented.
 */
export async function mapTransaction(tree: TransactionTree, mapping: Mapping, context: MappingContext): Promise<MappingResult> {
  return mapTransactionNow(tree, mapping, context);
}

/**
 * `mapTransaction`, synchronous unless a JSONata expression had to be awaited: a caller that can use the
 * result at once maps each transaction while its segments are still young, instead of keeping a whole
 * file's segments alive until a promise per transaction has settled.
 */
export function mapTransactionNow(tree: TransactionTree, mapping: Mapping, context: MappingContext): Maybe<MappingResult> {
  const run = runMapping(tree, mapping, context, false);
  return run instanceof Promise ? run.then((r) => checked(r, tree, mapping, context)) : checked(run, tree, mapping, context);
}

/** What a run builds is plain data (object literals and arrays, every own property enumerable): with a plain envelope, so is its document. */
const PLAIN = { plain: true } as const;

/** The document of a finished run, checked against its schema (or the errors that stop it). */
function checked(run: Run, tree: TransactionTree, mapping: Mapping, context: MappingContext): Maybe<MappingResult> {
  const document = run.doc;
  const warned = run.warnings.length > 0 ? { warnings: run.warnings } : {};
  if (run.errors.length > 0) return { errors: run.errors, ...warned };
  const valid = validateCanonicalDocument(document, mapping.type, context.plainEnvelope === true ? PLAIN : undefined);
  if (valid.ok) return { document: valid.document as CanonicalDocument, errors: [], ...warned };
  const issues = valid.issues;
  // The same mapping again, this time noting where every value came from, so the errors can name it.
  const again = runMapping(tree, mapping, context, true);
  const report = (traced: Run): MappingResult => {
    const sources = traced.sources ?? new Map<string, ValueHit & { source: string }>();
    for (const issue of issues) {
      const hit = sourceFor(sources, issue.path);
      const source = hit ? whereOf(hit, hit.source) : undefined;
      if (source) {
        run.error('schema', issue.path, `${issue.path || 'document'}: ${issue.message} (${source.element} at segment ${hit?.segment.position})`, { source: source.source, segment: source.segment, element: source.element });
        continue;
      }
      // A value that is missing has no source; the object it is missing from came from a segment (an FTX without its text).
      const near = nearestSource(sources, issue.path);
      const where = near ? ` (segment ${near.segment.tag} at position ${near.segment.position})` : '';
      run.error('schema', issue.path, `${issue.path || 'document'}: ${issue.message}${where}`, near ? { source: near.source, segment: near.segment } : {});
    }
    return { errors: run.errors, ...warned };
  };
  return again instanceof Promise ? again.then(report) : report(again);
}
