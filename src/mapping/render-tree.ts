/**
 * The inverse of the mapping engine: a canonical document and a mapping file in, the body segments of
 * one transaction out, in the order and loop structure of the transaction definition. Every path of the
 * mapping is read backwards: its steps find or create the segments and loop occurrences, its conditions
 * (`N1[01=ST]`) are written as values, `each` makes one occurrence per list entry, `pair` fills the next
 * free qualifier/value pair, and code tables, cross-references, dates and numbers are converted back.
 * What cannot be derived (JSONata `expr`, elements the inbound mapping never reads) comes from the
 * mapping's `render:` block; what is mapped inbound but cannot be written is reported, never dropped
 * silently.
 */
import jsonata from 'jsonata';
import { formatEdiDateTime, formatEdiTime, type EdiDateTimeFormat } from '../canonical/dates';
import { formatDecimal } from '../canonical/decimal';
import type { Dictionary, StructureNode, TransactionDef } from '../edi/common/definitions';
import type { ParsedSegment } from '../edi/common/segment';
import type { FieldSpec, Mapping, RenderSpec } from './mapping-file';
import { ElementResolver, parsePath, PathError, type Condition, type ElementAddress, type ParsedPath, type SegmentStep } from './path';

/** Why a value was not (or not fully) written. */
export type RenderRule = 'schema' | 'partner' | 'mapping' | 'definition' | 'code' | 'xref' | 'value' | 'placement' | 'not_rendered' | 'expr' | 'write';

/** One problem found while rendering; warnings leave the document rendered without that value. */
export interface RenderError {
  /** Index of the document in the input list. */
  document: number;
  severity: 'error' | 'warning';
  rule: RenderRule;
  /** Canonical path, e.g. `lines[2].uom` ('' for the document). */
  path: string;
  message: string;
  /** The mapping path or expression involved. */
  source?: string;
}

/** A segment being built; `elements[e-1][r-1][c-1]` like a parsed one. */
interface OutSegment {
  kind: 'segment';
  tag: string;
  elements: string[][][];
  /** Structure position at its level (for ordering). */
  index: number;
}

/** A loop occurrence being built (the transaction at the root); children are kept in definition order. */
interface OutLoop {
  kind: 'loop';
  id: string;
  /** The structure nodes allowed inside this occurrence. */
  nodes: StructureNode[];
  children: OutNode[];
  index: number;
  /** The root is the only loop without a trigger segment of its own. */
  root: boolean;
}

type OutNode = OutSegment | OutLoop;

/** What the inverse engine needs besides document and mapping. */
export interface RenderTreeContext {
  def: TransactionDef;
  dictionary: Dictionary;
  /** Decimal mark of explicit decimals ('.' for X12, the partner's UNA mark for EDIFACT). */
  decimalMark: '.' | ',';
  now: Date;
  documentIndex: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Fields every canonical document carries that are not business data of the message. */
const HEADER_KEYS = new Set(['type', 'partnerId', 'envelope']);

function firstSegmentTag(nodes: StructureNode[]): string | undefined {
  const first = nodes[0];
  if (first === undefined) return undefined;
  return 'segment' in first ? first.segment : firstSegmentTag(first.segments);
}

function triggerOf(node: OutNode): OutSegment | undefined {
  if (node.kind === 'segment') return node;
  const first = node.children[0];
  return first === undefined || node.root ? undefined : triggerOf(first);
}

/** Builds the segments of one transaction from a canonical document. */
export class TreeRenderer {
  readonly errors: RenderError[] = [];
  private readonly resolver: ElementResolver;
  private readonly root: OutLoop;
  private readonly render: RenderSpec;
  private readonly inverse = new Map<string, Map<string, string>>();
  /** While set, nothing is written: values are only compared with what is there (see reuse()). */
  private probe: { matches: number; conflicts: number } | undefined;
  /** Occurrences each `each` field already wrote into (by field), so no two entries of one field share one. */
  private readonly usedBy = new Map<FieldSpec, Set<OutNode>>();
  /** X12 HL occurrences placed by a path going up (`^HL[03=P]/…`): the occurrence that holds the value is their parent. */
  private readonly parentLink = new Map<OutLoop, OutLoop>();
  /** Occurrences placed by a `**` step: the occurrence they were placed below (an item's order). */
  private readonly under = new Map<OutLoop, OutLoop>();

  constructor(private readonly mapping: Mapping, private readonly ctx: RenderTreeContext) {
    this.resolver = new ElementResolver(ctx.dictionary, ctx.def.id);
    this.root = { kind: 'loop', id: '', nodes: ctx.def.structure, children: [], index: 0, root: true };
    this.render = mapping.render ?? {};
  }

  /** Render the document; the body segments (no header or trailer) in definition order. */
  async run(doc: Obj): Promise<ParsedSegment[]> {
    this.object(this.mapping.fields, doc, this.root, '');
    await this.extraFields(doc);
    if (this.render.hierarchy) this.hierarchy(this.render.hierarchy);
    const out: ParsedSegment[] = [];
    this.flatten(this.root, out);
    return out;
  }

  private error(severity: 'error' | 'warning', rule: RenderRule, path: string, message: string, source?: string): void {
    const e: RenderError = { document: this.ctx.documentIndex, severity, rule, path, message };
    if (source !== undefined) e.source = source;
    this.errors.push(e);
  }

  private skipped(at: string): boolean {
    const plain = at.replace(/\[\d+\]/g, '');
    return (this.render.skip ?? []).some((s) => s === plain || plain.startsWith(`${s}.`));
  }

  // ------------------------------------------------------------------------------------------------
  // Fields

  private object(fields: Record<string, FieldSpec>, value: Obj, ctx: OutNode, at: string): void {
    for (const [key, spec] of Object.entries(fields)) {
      const path = at === '' ? key : `${at}.${key}`;
      if (value[key] === undefined || this.skipped(path)) continue;
      this.field(spec, value[key], ctx, path);
    }
    // Values the mapping has no field for cannot be sent: say so instead of losing them quietly.
    for (const key of Object.keys(value)) {
      const path = at === '' ? key : `${at}.${key}`;
      if (fields[key] === undefined && !(at === '' && HEADER_KEYS.has(key)) && !this.skipped(path)) {
        this.error('warning', 'not_rendered', path, `${path} is not in ${this.mapping.file}; it is not sent`);
      }
    }
  }

  private field(spec: FieldSpec, value: unknown, ctx: OutNode, at: string): void {
    try {
      if (spec.expr !== undefined) {
        this.error('warning', 'not_rendered', at, `${at} comes from an expression, which cannot be reversed: write it with render.fields and list it under render.skip in ${this.mapping.file}`, spec.expr);
        return;
      }
      if (spec.each !== undefined) return this.each(spec, value, ctx, at);
      if (spec.fields) {
        if (!isObj(value)) return this.error('error', 'value', at, `${at}: expected an object`);
        return this.object(spec.fields, value, ctx, at);
      }
      if (spec.path === undefined && spec.pair === undefined && spec.firstOf === undefined) return; // a constant or a default: nothing to write
      if (spec.transform?.some((t) => t.op === 'slice')) {
        // The other steps normalise (the canonical value reads back the same); a slice lost what it cut.
        this.error('warning', 'not_rendered', at, `${at} was cut by transform slice, which cannot be reversed; it is sent as it is`);
      }
      if (spec.pair) return this.pair(spec, value, ctx, at);
      // Of alternative paths the first is written: it reads back first.
      if (spec.firstOf !== undefined) return this.paths({ ...spec, path: spec.firstOf[0], firstOf: undefined }, value, ctx, at);
      this.paths(spec, value, ctx, at);
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      this.error('error', 'mapping', at, err.message, err.path);
    }
  }

  private each(spec: FieldSpec, value: unknown, ctx: OutNode, at: string): void {
    const each = parsePath(spec.each as string);
    const items = Array.isArray(value) ? value : [value];
    if (spec.fields) {
      const used = this.usedBy.get(spec) ?? new Set<OutNode>();
      this.usedBy.set(spec, used);
      items.forEach((item, i) => {
        const where = `${at}[${i}]`;
        if (!isObj(item)) return this.error('error', 'value', where, `${where}: expected an object`);
        const node = this.reuse(each, spec.fields as Record<string, FieldSpec>, item, ctx, used, where) ?? this.place(each, ctx, true, where);
        if (node) used.add(node);
        if (node) this.object(spec.fields as Record<string, FieldSpec>, item, node, where);
      });
      return;
    }
    // A list of values: `each: N3, path: ['01', '02']` puts as many values in each occurrence as it has paths.
    const paths = spec.path === undefined ? [] : Array.isArray(spec.path) ? spec.path : [spec.path];
    const per = Math.max(paths.length, 1);
    for (let i = 0; i < items.length; i += per) {
      const where = `${at}[${i}]`;
      const node = this.place(each, ctx, true, where);
      if (!node) continue;
      items.slice(i, i + per).forEach((item, j) => {
        if (spec.pair) this.pair(spec, item, node, `${at}[${i + j}]`, paths[j]);
        else this.paths({ ...spec, path: paths[j] }, item, node, `${at}[${i + j}]`);
      });
    }
  }

  /**
   * An occurrence another field already made for the same thing: a DESADV line is written once under its
   * package (packages[].lines) and once under its order (orders[].lines); both are one LIN group. An
   * occurrence is reused when the item would write at least one value that is already there and none that
   * differs from what is there.
   */
  private reuse(path: ParsedPath, fields: Record<string, FieldSpec>, item: Obj, ctx: OutNode, used: Set<OutNode>, at: string): OutNode | undefined {
    if (this.probe) return undefined;
    for (const candidate of this.occurrences(path, ctx, used)) {
      const errors = this.errors.length;
      this.probe = { matches: 0, conflicts: 0 };
      try {
        this.object(fields, item, candidate, at);
      } finally {
        const { matches, conflicts } = this.probe;
        this.probe = undefined;
        this.errors.length = errors;
        if (matches > 0 && conflicts === 0) return candidate;
      }
    }
    return undefined;
  }

  /** Every existing occurrence a path selects (each step taken as `*`), whose last condition holds or can be written. */
  private occurrences(path: ParsedPath, ctx: OutNode, used: Set<OutNode>): OutNode[] {
    // Occurrences reached up or down the hierarchy are placed by hierarchy(), not shared between fields.
    if (path.steps.some((st) => st.axis !== undefined)) return [];
    let current: OutNode[] = [path.absolute ? this.root : ctx];
    path.steps.forEach((step, i) => {
      const last = i === path.steps.length - 1;
      current = current.flatMap((node) =>
        node.kind === 'segment'
          ? []
          : node.children.filter((c) => {
              if (last && used.has(c)) return false;
              if (c.kind === 'segment' ? c.tag !== step.name : c.id !== step.name && triggerOf(c)?.tag !== step.name) return false;
              const seg = triggerOf(c);
              return last ? this.claimable(seg, step, path.text) : step.conditions.every((cond) => this.holds(seg, cond, path.text));
            }),
      );
    });
    return current;
  }

  /** X12 qualifier/value pairs: the first qualifier of the list and the value in the first free pair. */
  private pair(spec: FieldSpec, value: unknown, ctx: OutNode, at: string, pathText?: string): void {
    const pair = spec.pair as { from: number; qualifier: string[] };
    const text = this.toEdi(spec, value, at);
    if (text === undefined) return;
    const path = pathText ?? (typeof spec.path === 'string' ? spec.path : undefined);
    const seg = path === undefined ? triggerOf(ctx) : this.segmentAt(parsePath(path), ctx, at);
    if (!seg && this.probe) return;
    if (!seg) return this.error('warning', 'placement', at, `${at}: no segment to write the ${pair.qualifier[0]} pair in`, path);
    const max = this.ctx.dictionary.segments[seg.tag]?.elements.length ?? 99;
    for (let e = pair.from; e + 1 <= max; e += 2) {
      const q = get(seg, e, 1, 1);
      const v = get(seg, e + 1, 1, 1);
      if (pair.qualifier.includes(q) && v === text) {
        if (this.probe) this.probe.matches++;
        return; // already there (buyer and sku may name the same number)
      }
      if (q === '' && v === '') {
        if (this.probe) return;
        set(seg, e, 1, 1, pair.qualifier[0]);
        set(seg, e + 1, 1, 1, text);
        return;
      }
    }
    this.error('warning', 'placement', at, `${at}: ${seg.tag} has no free qualifier/value pair left for ${pair.qualifier[0]} ${text}`, path);
  }

  /** One path or several; a list value goes to occurrences (`*`), repetitions (`#*`) or the paths in turn. */
  private paths(spec: FieldSpec, value: unknown, ctx: OutNode, at: string): void {
    const paths = (Array.isArray(spec.path) ? spec.path : [spec.path as string]).map(parsePath);
    const up = paths[0].steps[0]?.axis;
    if (paths.length === 1 && (up === 'parent' || up === 'ancestor')) return this.upward(spec, paths[0], value, ctx, at);
    const many = paths.length > 1 || paths.some((p) => p.steps.some((s) => s.all) || p.element?.repetition === '*');
    if (spec.join !== undefined && !Array.isArray(value)) {
      const text = this.toEdi(spec, value, at);
      if (text === undefined) return;
      if (!many) return this.write(paths[0], text, ctx, at);
      // A joined value goes back in pieces that fit the elements, cut where the join put its separator.
      const first = paths[0];
      const max = this.maxLength(first) ?? Infinity;
      const pieces = splitText(text, spec.join, max);
      if (paths.length === 1) {
        pieces.forEach((piece) => this.write(first, piece, ctx, at, true));
        return;
      }
      if (pieces.length > paths.length) this.error('warning', 'placement', at, `${at}: '${text}' needs ${pieces.length} elements of ${max} characters; ${paths.length} are mapped, the rest is cut`);
      pieces.slice(0, paths.length).forEach((piece, i) => this.write(paths[i], piece, ctx, at));
      return;
    }
    if (!many) {
      const text = this.toEdi(spec, value, at);
      if (text !== undefined) this.write(paths[0], text, ctx, at);
      return;
    }
    const values = Array.isArray(value) ? value : [value];
    if (paths.length > 1) {
      if (values.length > paths.length) this.error('warning', 'placement', `${at}[${paths.length}]`, `${at}: ${values.length} values, ${paths.length} paths mapped; the rest is not sent`, paths.map((p) => p.text).join(', '));
      values.slice(0, paths.length).forEach((v, i) => {
        const text = this.toEdi(spec, v, `${at}[${i}]`);
        if (text !== undefined) this.write(paths[i], text, ctx, `${at}[${i}]`);
      });
      return;
    }
    const path = paths[0];
    const repeated = path.element?.repetition === '*';
    values.forEach((v, i) => {
      const text = this.toEdi(spec, v, `${at}[${i}]`);
      if (text === undefined) return;
      if (repeated) {
        const seg = this.segmentAt(path, ctx, at);
        if (seg) this.setElement(seg, path, text, `${at}[${i}]`, i + 1);
      } else this.write(path, text, ctx, `${at}[${i}]`, true);
    });
  }

  /** Find or create the segment of a path and write the value at its element. */
  private write(path: ParsedPath, text: string, ctx: OutNode, at: string, fresh = false): void {
    const seg = this.segmentAt(path, ctx, at, fresh);
    if (seg) this.setElement(seg, path, text, at);
  }

  private setElement(seg: OutSegment, path: ParsedPath, text: string, at: string, repetition?: number): void {
    const addr = path.element;
    if (!addr) return this.error('error', 'mapping', at, `path '${path.text}' names a segment, not an element`, path.text);
    const [e, c] = this.resolver.resolve(seg.tag, addr, path.text);
    const r = repetition ?? (addr.repetition === '*' ? 1 : addr.repetition);
    const old = get(seg, e, c, r);
    if (this.probe) {
      if (old === text) this.probe.matches++;
      else if (old !== '') this.probe.conflicts++;
      return;
    }
    if (old !== '' && old !== text) return this.error('warning', 'placement', at, `${at}: ${seg.tag}${pad(e)} already holds '${old}'; '${text}' is not sent`, path.text);
    set(seg, e, c, r, text);
  }

  // ------------------------------------------------------------------------------------------------
  // Values

  /** Canonical value -> EDI text: number/date/time format, then cross-reference and code table backwards. */
  private toEdi(spec: FieldSpec, value: unknown, at: string): string | undefined {
    let text: string;
    try {
      if (spec.number !== undefined && typeof value === 'number') {
        const implied = spec.number.implied;
        text = implied > 0 ? formatDecimal(value, { impliedDecimals: implied }) : formatDecimal(value, { decimalMark: this.ctx.decimalMark });
      } else if (spec.date !== undefined && typeof value === 'string') {
        const withTime = ['203', '204', 'DT'].includes(spec.date);
        text = formatEdiDateTime(withTime ? { date: value, time: '00:00' } : { date: value }, spec.date as EdiDateTimeFormat);
      } else if (spec.time && typeof value === 'string') {
        text = formatEdiTime(value);
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        text = String(value);
      } else {
        this.error('error', 'value', at, `${at}: expected a single value, got ${Array.isArray(value) ? 'a list' : typeof value}`);
        return undefined;
      }
    } catch (err) {
      this.error('error', 'value', at, `${at}: ${(err as Error).message}`);
      return undefined;
    }
    if (spec.xref !== undefined) {
      const found = this.reverse(spec.xref, text);
      if (found === undefined) {
        if (spec.onUnknown !== 'keep') {
          this.error('warning', 'xref', at, `${at}: '${text}' is not in cross-reference ${label(spec.xref)}; not sent`, spec.xref);
          return undefined;
        }
      } else text = found;
    }
    if (spec.code !== undefined) {
      const found = this.reverse(spec.code, text);
      if (found !== undefined) return found;
      const table = this.mapping.tables[spec.code] ?? {};
      if (table['*'] === '=' || spec.onUnknown === 'keep') return text;
      this.error('error', 'code', at, `${at}: '${text}' has no code in table ${spec.code} of ${this.mapping.file}; add it (or render.codes) to the mapping`, spec.code);
      return undefined;
    }
    return text;
  }

  /** Our value -> the partner's code: render.codes first, else the first entry of the table with that value. */
  private reverse(tableName: string, value: string): string | undefined {
    const preferred = this.render.codes?.[label(tableName)]?.[value] ?? this.render.codes?.[tableName]?.[value];
    if (preferred !== undefined) return preferred;
    let inverse = this.inverse.get(tableName);
    if (!inverse) {
      inverse = new Map();
      for (const [code, ours] of Object.entries(this.mapping.tables[tableName] ?? {})) if (code !== '*' && !inverse.has(ours)) inverse.set(ours, code);
      this.inverse.set(tableName, inverse);
    }
    return inverse.get(value);
  }

  // ------------------------------------------------------------------------------------------------
  // Placement

  /** The segment a path's steps lead to (found or created); with `fresh` the last `*` step makes a new one. */
  private segmentAt(path: ParsedPath, ctx: OutNode, at: string, fresh = false): OutSegment | undefined {
    let node: OutNode | undefined = path.absolute ? this.root : ctx;
    path.steps.forEach((step, i) => {
      if (node) node = this.move(node, step, fresh && step.all && i === path.steps.length - 1, at, path.text);
    });
    return node ? triggerOf(node) : undefined;
  }

  /** The occurrence an `each` item goes to: all steps found or created, the last one new. */
  private place(path: ParsedPath, ctx: OutNode, fresh: boolean, at: string): OutNode | undefined {
    let node: OutNode | undefined = path.absolute ? this.root : ctx;
    path.steps.forEach((step, i) => {
      if (node) node = this.move(node, step, fresh && i === path.steps.length - 1, at, path.text);
    });
    return node;
  }

  /** One step of a path from a node: down to a child, or (`**`) into the nearest enclosing loop that can hold it. */
  private move(ctx: OutNode, step: SegmentStep, fresh: boolean, at: string, pathText: string): OutNode | undefined {
    if (step.axis === undefined) return this.step(ctx, step, fresh, at, pathText);
    if (step.axis !== 'descendant') {
      if (!this.probe) this.error('warning', 'not_rendered', at, `${at}: '${pathText}' goes up the hierarchy in the middle of a path, which cannot be written; it is not sent`, pathText);
      return undefined;
    }
    // A loop's own trigger is no place for another occurrence (an HL inside an HL loop starts a new one beside it).
    const home = [ctx, ...this.containers(ctx)].find((n): n is OutLoop => n.kind === 'loop' && (this.structureIndex(n, step) ?? 0) > (n.root ? -1 : 0));
    if (!home) {
      if (!this.probe) this.error('error', 'definition', at, `${at}: ${step.name} has no place in or around the ${ctx.kind === 'loop' ? ctx.id : ctx.tag} of ${this.ctx.def.id}`, pathText);
      return undefined;
    }
    const placed = this.step(home, { ...step, axis: undefined }, fresh, at, pathText);
    // Placed beside its context rather than in it (X12 HL): remember the context, hierarchy() makes it the parent.
    if (placed?.kind === 'loop' && ctx.kind === 'loop' && home !== ctx) this.under.set(placed, ctx);
    return placed;
  }

  /** The loop occurrences enclosing a node, innermost first (the root last). */
  private containers(node: OutNode): OutLoop[] {
    const trail: OutLoop[] = [];
    const find = (loop: OutLoop): boolean => {
      for (const child of loop.children) {
        if (child === node || (child.kind === 'loop' && find(child))) {
          trail.push(loop);
          return true;
        }
      }
      return false;
    };
    find(this.root);
    return trail;
  }

  /**
   * A path that goes up (`^CPS/…`, `^HL[03=P]/…`, `../…`) says where the occurrence is, not what to write:
   * an enclosing occurrence that holds the value is what it asks for (nothing to write); an X12 HL occurrence
   * is linked under the occurrence that holds it (hierarchy() writes HL02); otherwise the value cannot be sent.
   */
  private upward(spec: FieldSpec, path: ParsedPath, value: unknown, ctx: OutNode, at: string): void {
    const text = this.toEdi(spec, value, at);
    if (text === undefined) return;
    const [first, ...steps] = path.steps;
    if (steps.some((st) => st.axis !== undefined)) {
      if (!this.probe) this.error('warning', 'not_rendered', at, `${at}: '${path.text}' has more than one step up or down; it is not sent`, path.text);
      return;
    }
    const rest: ParsedPath = { ...path, steps };
    const fits = (n: OutNode) => first.axis === 'parent' || (n.kind === 'loop' && !n.root && (n.id === first.name || triggerOf(n)?.tag === first.name) && first.conditions.every((c) => this.holds(triggerOf(n), c, path.text)));
    const linked = ctx.kind === 'loop' ? this.parentLink.get(ctx) : undefined;
    const enclosing = (linked ? [linked, ...this.containers(linked)] : this.containers(ctx)).filter((n) => !n.root || first.axis === 'parent');
    const found = enclosing.find(fits);
    if (found) {
      const held = this.held(found, rest, path.text);
      if (this.probe) {
        if (held === text) this.probe.matches++;
        else this.probe.conflicts++;
        return;
      }
      if (held !== text) this.error('warning', 'placement', at, `${at}: the enclosing ${first.name || 'occurrence'} holds '${held ?? ''}', not '${text}'; not sent`, path.text);
      return;
    }
    if (this.probe) return;
    const hl = ctx.kind === 'loop' && triggerOf(ctx)?.tag === 'HL';
    const holder = hl ? this.allLoops(this.root).find((n) => n !== ctx && fits(n) && this.held(n, rest, path.text) === text) : undefined;
    if (!holder || ctx.kind !== 'loop') {
      this.error('warning', 'placement', at, `${at}: no ${first.name || 'occurrence'} holds '${text}' to put this under; not sent`, path.text);
      return;
    }
    this.parentLink.set(ctx, holder);
  }

  /** Every loop occurrence below a loop, in order. */
  private allLoops(loop: OutLoop): OutLoop[] {
    return loop.children.flatMap((c) => (c.kind === 'loop' ? [c, ...this.allLoops(c)] : []));
  }

  /** The value at a (downward) path from a node, without creating anything. */
  private held(node: OutNode, path: ParsedPath, pathText: string): string | undefined {
    let current: OutNode | undefined = node;
    for (const step of path.steps) {
      const from: OutNode = current;
      const matches: OutNode[] =
        from.kind === 'segment'
          ? from.tag === step.name ? [from] : []
          : from.children.filter((c) => (c.kind === 'segment' ? c.tag === step.name : c.id === step.name || triggerOf(c)?.tag === step.name) && step.conditions.every((cond) => this.holds(triggerOf(c), cond, pathText)));
      current = matches[(step.index ?? 1) - 1];
      if (!current) return undefined;
    }
    const seg = triggerOf(current);
    if (!seg || !path.element) return undefined;
    return get(seg, ...this.resolve(seg, path.element, pathText));
  }

  private step(ctx: OutNode, step: SegmentStep, fresh: boolean, at: string, pathText: string): OutNode | undefined {
    if (ctx.kind === 'segment') {
      // Inside an occurrence the context can be the segment itself (`N1[04]` within an N1 loop).
      if (ctx.tag === step.name && (this.probe ? this.claimable(ctx, step, pathText) : this.claim(ctx, step, pathText))) return ctx;
      if (this.probe) return undefined;
      this.error('warning', 'placement', at, `${at}: ${ctx.tag} cannot take '${pathText}'`, pathText);
      return undefined;
    }
    const named = (c: OutNode) => (c.kind === 'segment' ? c.tag === step.name : c.id === step.name || triggerOf(c)?.tag === step.name);
    const existing = fresh ? [] : ctx.children.filter(named);
    if (!fresh) {
      const matching = existing.filter((c) => step.conditions.every((cond) => this.holds(triggerOf(c), cond, pathText)));
      const wanted = (step.index ?? 1) - 1;
      if (matching[wanted]) return matching[wanted];
      if (matching.length === 0) {
        const claimable = existing.find((c) => this.claimable(triggerOf(c), step, pathText));
        if (claimable && (this.probe || this.claim(triggerOf(claimable) as OutSegment, step, pathText))) return claimable;
      }
    }
    // A probe only looks at what is there: what it would create cannot conflict with anything.
    if (this.probe) return undefined;
    const index = this.structureIndex(ctx, step);
    if (index === undefined) {
      this.error('error', 'definition', at, `${at}: ${step.name} has no place ${ctx.root ? 'in the transaction' : `in the ${ctx.id} loop`} of ${this.ctx.def.id}`, pathText);
      return undefined;
    }
    const use = ctx.nodes[index];
    // The trigger of an occurrence, or a segment used up, takes no new one: an existing one is claimed or the value refused.
    if ((index === 0 && !ctx.root) || (use.max !== 0 && ctx.children.filter((c) => c.index === index).length >= use.max)) {
      const claimable = ctx.children.find((c) => c.index === index && named(c) && this.claimable(triggerOf(c), step, pathText));
      if (claimable && this.claim(triggerOf(claimable) as OutSegment, step, pathText)) return claimable;
      this.error('warning', 'placement', at, `${at}: ${step.name} ${index === 0 && !ctx.root ? 'is the trigger of this loop and' : ''} is used at most ${use.max || 1} time(s) here; '${pathText}' is not sent`, pathText);
      return undefined;
    }
    const created = this.create(use, index);
    const trigger = triggerOf(created) as OutSegment;
    this.claim(trigger, step, pathText);
    this.insert(ctx, created);
    return created;
  }

  private structureIndex(ctx: OutLoop, step: SegmentStep): number | undefined {
    const hits: number[] = [];
    ctx.nodes.forEach((n, j) => {
      if ('segment' in n ? n.segment === step.name : n.loop === step.name || firstSegmentTag(n.segments) === step.name) hits.push(j);
    });
    if (hits.length <= 1) return hits[0];
    // Several uses of one tag at a level: the one whose own code list takes the condition values.
    const fits = hits.find((j) => {
      const n = ctx.nodes[j];
      const codes = 'segment' in n ? n.codes : undefined;
      return codes !== undefined && step.conditions.every((c) => c.op !== '=' || c.element.kind !== 'position' || (codes[pad(c.element.element)] ?? []).includes(c.values[0]));
    });
    return fits ?? hits[0];
  }

  private create(use: StructureNode, index: number): OutNode {
    if ('segment' in use) return { kind: 'segment', tag: use.segment, elements: [], index };
    const first = use.segments[0];
    const trigger = this.create(first, 0);
    return { kind: 'loop', id: use.loop, nodes: use.segments, children: [trigger], index, root: false };
  }

  private insert(loop: OutLoop, node: OutNode): void {
    let at = loop.children.length;
    while (at > 0 && loop.children[at - 1].index > node.index) at--;
    loop.children.splice(at, 0, node);
  }

  private resolve(seg: OutSegment, addr: ElementAddress, pathText: string): [number, number, number] {
    const [e, c] = this.resolver.resolve(seg.tag, addr, pathText);
    return [e, c, addr.repetition === '*' ? 1 : addr.repetition];
  }

  private holds(seg: OutSegment | undefined, cond: Condition, pathText: string): boolean {
    if (!seg) return false;
    const value = get(seg, ...this.resolve(seg, cond.element, pathText));
    if (cond.op === 'present') return value !== '';
    return cond.op === '=' ? cond.values.includes(value) : !cond.values.includes(value);
  }

  /** A segment can take a step's conditions when every element they test is still empty. */
  private claimable(seg: OutSegment | undefined, step: SegmentStep, pathText: string): boolean {
    if (!seg) return false;
    return step.conditions.every((cond) => this.holds(seg, cond, pathText) || get(seg, ...this.resolve(seg, cond.element, pathText)) === '');
  }

  /** Write a step's `=` conditions into a segment (the first listed value). */
  private claim(seg: OutSegment, step: SegmentStep, pathText: string): boolean {
    if (!this.claimable(seg, step, pathText)) return false;
    for (const cond of step.conditions) {
      if (cond.op !== '=') continue;
      const [e, c, r] = this.resolve(seg, cond.element, pathText);
      if (get(seg, e, c, r) === '') set(seg, e, c, r, cond.values[0]);
    }
    return true;
  }

  private maxLength(path: ParsedPath): number | undefined {
    const tag = path.steps[path.steps.length - 1]?.name;
    if (!tag || !path.element) return undefined;
    try {
      const [e, c] = this.resolver.resolve(tag, path.element, path.text);
      const ref = this.ctx.dictionary.segments[tag]?.elements[e - 1]?.ref;
      if (!ref) return undefined;
      const comp = this.ctx.dictionary.composites[ref];
      const id = comp ? comp.components[c - 1]?.ref : ref;
      return id === undefined ? undefined : this.ctx.dictionary.elements[id]?.max;
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // render: block

  /** render.fields: values computed from the whole document (JSONata) written at root-relative paths. */
  private async extraFields(doc: Obj): Promise<void> {
    const iso = this.ctx.now.toISOString();
    const bindings = { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 16).replace(':', '') };
    for (const [pathText, spec] of Object.entries(this.render.fields ?? {})) {
      let value: unknown;
      try {
        const result: unknown = await jsonata(spec.expr).evaluate(doc, bindings);
        value = result === null ? undefined : result;
      } catch (err) {
        this.error('error', 'expr', pathText, `render.fields '${pathText}': ${(err as Error).message}`, spec.expr);
        continue;
      }
      if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      try {
        const { expr: _expr, ...conversion } = spec;
        this.field({ ...conversion, path: pathText } as FieldSpec, value, this.root, `render.fields.${pathText}`);
      } catch (err) {
        if (!(err instanceof PathError)) throw err;
        this.error('error', 'mapping', pathText, err.message, pathText);
      }
    }
  }

  /** X12 HL: occurrences ordered parent first, HL01 numbered, HL02 the parent's number, HL04 has-children. */
  private hierarchy(parents: Record<string, string>): void {
    const hls = this.root.children.filter((c): c is OutLoop => c.kind === 'loop' && triggerOf(c)?.tag === 'HL');
    if (hls.length === 0) return;
    const level = (n: OutLoop) => get(triggerOf(n) as OutSegment, 3, 1, 1);
    const parentOf = new Map<OutLoop, OutLoop | undefined>();
    hls.forEach((hl, i) => {
      // A link made by a path that goes up (an item under the pack holding its SSCC) comes first.
      const linked = this.parentLink.get(hl);
      if (linked && hls.includes(linked)) return parentOf.set(hl, linked);
      const wanted = parents[level(hl)];
      if (wanted === undefined) return parentOf.set(hl, undefined);
      // Placed by `**` below an occurrence of the parent level (an item of an order): that one.
      const below = this.under.get(hl);
      if (below && level(below) === wanted) return parentOf.set(hl, below);
      // A pack goes under the order its items were placed below.
      const child = hls.find((c) => this.parentLink.get(c) === hl && this.under.get(c) !== undefined && level(this.under.get(c) as OutLoop) === wanted);
      if (child) return parentOf.set(hl, this.under.get(child));
      // The nearest earlier occurrence of the parent level, or the first one when it comes later.
      const before = hls.slice(0, i).reverse().find((p) => level(p) === wanted);
      parentOf.set(hl, before ?? hls.find((p) => level(p) === wanted));
    });
    const ordered: OutLoop[] = [];
    const visit = (node: OutLoop | undefined) => {
      for (const hl of hls) if (parentOf.get(hl) === node && !ordered.includes(hl)) {
        ordered.push(hl);
        visit(hl);
      }
    };
    visit(undefined);
    for (const hl of hls) if (!ordered.includes(hl)) ordered.push(hl);
    ordered.forEach((hl, i) => {
      const seg = triggerOf(hl) as OutSegment;
      set(seg, 1, 1, 1, String(i + 1));
      const parent = parentOf.get(hl);
      if (parent) set(seg, 2, 1, 1, String(ordered.indexOf(parent) + 1));
      set(seg, 4, 1, 1, hls.some((h) => parentOf.get(h) === hl) ? '1' : '0');
    });
    const first = this.root.children.indexOf(hls[0]);
    this.root.children = this.root.children.filter((c) => !hls.includes(c as OutLoop));
    this.root.children.splice(first, 0, ...ordered);
  }

  /** Segments in order, with render.defaults and render.sequence filled into elements nobody wrote. */
  private flatten(node: OutNode, out: ParsedSegment[], loopTag = '', counters = new Map<string, number>()): void {
    if (node.kind === 'loop') {
      const trigger = node.root ? '' : (triggerOf(node)?.tag ?? '');
      for (const child of node.children) this.flatten(child, out, child === node.children[0] ? loopTag : trigger, counters);
      return;
    }
    for (const [where, def] of Object.entries(this.render.defaults ?? {})) {
      const parts = where.split('/');
      const [loop, tag, position] = parts.length === 3 ? parts : ['', ...parts];
      if (tag !== node.tag || position === undefined || (loop !== '' && loop !== loopTag)) continue;
      const [e, c] = position.split('-').map(Number);
      const spec = typeof def === 'string' ? { value: def } : def;
      if (spec.when !== undefined && get(node, Number(spec.when), 1, 1) === '') continue;
      if (get(node, e, c || 1, 1) === '') set(node, e, c || 1, 1, spec.value);
    }
    for (const where of this.render.sequence ?? []) {
      const [tag, position] = where.split('/');
      if (tag !== node.tag) continue;
      const n = (counters.get(where) ?? 0) + 1;
      counters.set(where, n);
      const [e, c] = position.split('-').map(Number);
      if (get(node, e, c || 1, 1) === '') set(node, e, c || 1, 1, String(n));
    }
    out.push({ tag: node.tag, elements: node.elements.map((el) => el.map((rep) => rep.map((v) => v))) });
  }
}

function get(seg: OutSegment, e: number, c: number, r: number): string {
  return seg.elements[e - 1]?.[r - 1]?.[c - 1] ?? '';
}

function set(seg: OutSegment, e: number, c: number, r: number, value: string): void {
  while (seg.elements.length < e) seg.elements.push([['']]);
  const element = seg.elements[e - 1];
  while (element.length < r) element.push(['']);
  const rep = element[r - 1];
  while (rep.length < c) rep.push('');
  rep[c - 1] = value;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function label(table: string): string {
  return table.replace(/^.*[\\/]/, '');
}

/** Cut text into pieces of at most `max` characters, at the separator where possible. */
export function splitText(text: string, separator: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = separator === '' ? -1 : rest.lastIndexOf(separator, max);
    if (cut > 0) {
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut + separator.length);
    } else {
      pieces.push(rest.slice(0, max));
      rest = rest.slice(max);
    }
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}
