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
import { ElementResolver, elementLabel, parsePath, PathError, selectNodes, selectValues, type ValueHit } from './path';
import { segmentOf, type TransactionTree, type TreeLoop, type TreeNode, type TreeSegment } from './tree';

/** The rule an error comes from. */
export type MappingRule = 'required' | 'code' | 'xref' | 'date' | 'time' | 'number' | 'expr' | 'path' | 'schema' | 'routing' | 'mapping' | 'definition' | 'edi';

/** One problem found while translating a transaction. */
export interface MappingError {
  rule: MappingRule;
  message: string;
  partner?: string;
  interchangeControlNumber?: string;
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

class Run {
  readonly errors: MappingError[] = [];
  readonly warnings: MappingError[] = [];
  /** Canonical path -> where the value came from (schema errors name it). */
  readonly sources = new Map<string, Source>();
  readonly resolver: ElementResolver;
  readonly root: TreeLoop;
  doc: Obj = {};

  constructor(tree: TransactionTree, readonly mapping: Mapping, readonly ctx: MappingContext) {
    this.root = tree.root;
    this.resolver = new ElementResolver(ctx.dictionary, `${ctx.envelope.standard} ${ctx.envelope.version}`);
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

  async object(fields: Record<string, FieldSpec>, node: TreeNode, at: string, top = false): Promise<Obj | undefined> {
    const out: Obj = top ? this.doc : {};
    const later: [string, FieldSpec][] = [];
    // A default that depends on a sibling waits until the other fields are known.
    const conditional: [string, FieldSpec][] = [];
    for (const [key, spec] of Object.entries(fields)) {
      if (spec.expr !== undefined) {
        later.push([key, spec]);
        continue;
      }
      if (spec.defaultWhen !== undefined) {
        conditional.push([key, spec]);
        continue;
      }
      const value = await this.field(spec, node, join(at, key), out);
      if (value !== undefined) out[key] = value;
    }
    for (const [key, spec] of conditional) {
      const value = await this.field(spec, node, join(at, key), out);
      if (value !== undefined) out[key] = value;
    }
    for (const [key, spec] of later) {
      const value = await this.expression(spec, out, node, join(at, key), out);
      if (value !== undefined) out[key] = value;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  async field(spec: FieldSpec, node: TreeNode, at: string, siblings: Obj): Promise<unknown> {
    let value: unknown;
    const before = this.errors.length;
    try {
      value = await this.raw(spec, node, at);
    } catch (err) {
      if (!(err instanceof PathError)) throw err;
      this.error('path', at, err.message, { source: err.path, segment: segmentOf(node) });
      return undefined;
    }
    // A value that was there but could not be converted is reported once, not also as missing.
    if (value === undefined && this.errors.length > before) return undefined;
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

  async raw(spec: FieldSpec, node: TreeNode, at: string): Promise<unknown> {
    if (spec.each !== undefined) {
      const each = parsePath(spec.each);
      const items: unknown[] = [];
      for (const item of selectNodes(node, this.root, each, this.resolver, true)) {
        if (spec.fields) {
          const obj = await this.object(spec.fields, item, `${at}[${items.length}]`);
          if (obj !== undefined) items.push(obj);
        } else if (spec.path !== undefined || spec.pair !== undefined || spec.firstOf !== undefined) {
          const values = this.values(spec, item, `${at}[${items.length}]`, true);
          if (Array.isArray(values)) items.push(...values);
          else if (values !== undefined) items.push(values);
        }
      }
      return items.length > 0 ? items : undefined;
    }
    if (spec.fields) return this.object(spec.fields, node, at);
    if (spec.value !== undefined) return spec.value;
    if (spec.path !== undefined || spec.pair !== undefined || spec.firstOf !== undefined) return this.values(spec, node, at, false);
    return undefined;
  }

  /** Values of path(s): the first one, or a list for several paths, '*' or '#*' (joined with `join`). */
  values(spec: FieldSpec, node: TreeNode, at: string, flat: boolean): unknown {
    const paths = spec.path === undefined ? [] : Array.isArray(spec.path) ? spec.path : [spec.path];
    let hits: ValueHit[] = [];
    let many = paths.length > 1;
    if (spec.pair) {
      const pair = spec.pair;
      const nodes = paths.length > 0 ? paths.flatMap((p) => selectNodes(node, this.root, parsePath(p), this.resolver)) : [node];
      for (const n of nodes) {
        const seg = segmentOf(n);
        if (!seg) continue;
        for (let e = pair.from; e < seg.elements.length; e += 2) {
          const q = seg.elements[e - 1]?.[0]?.[0]?.trim() ?? '';
          const v = seg.elements[e]?.[0]?.[0]?.trim() ?? '';
          if (v !== '' && pair.qualifier.includes(q)) hits.push({ value: v, segment: seg, element: e + 1, component: 1, repetition: 1 });
        }
      }
    } else if (spec.firstOf !== undefined) {
      // The first path that finds anything wins; the others are alternatives, not more values.
      for (const text of spec.firstOf) {
        const path = parsePath(text);
        hits = selectValues(node, this.root, path, this.resolver);
        if (hits.length === 0) continue;
        many = path.steps.some((s) => s.all) || path.element?.repetition === '*';
        paths.splice(0, paths.length, text);
        break;
      }
    } else {
      for (const text of paths) {
        const path = parsePath(text);
        if (path.steps.some((s) => s.all) || path.element?.repetition === '*') many = true;
        hits.push(...selectValues(node, this.root, path, this.resolver));
      }
    }
    if (!many && spec.onMore === 'warn' && paths.length === 1) this.more(paths[0], node, at, hits[0]);
    if (!many && spec.join === undefined) hits = hits.slice(0, 1);
    const source = paths.join(', ') || `pair ${spec.pair?.qualifier.join('|')}`;
    const out: unknown[] = [];
    for (const hit of hits) {
      const value = this.convert(spec, hit, at, source);
      if (value !== undefined) out.push(value);
    }
    if (out.length === 0) return undefined;
    if (spec.join !== undefined) return out.map(String).join(spec.join);
    if (!many && !flat) {
      const first = hits[0];
      this.sources.set(at, { source, segment: first.segment, element: elementLabel(first.segment.tag, first.element, first.component, first.repetition) });
      return out[0];
    }
    if (!many) return out[0];
    return out;
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
    const where = { source, segment: hit.segment, element: elementLabel(hit.segment.tag, hit.element, hit.component, hit.repetition), value: hit.value };
    let value: string | undefined = spec.transform ? applyTransform(spec.transform, hit.value) : hit.value;
    if (value === '') return undefined;
    if (spec.code !== undefined) value = this.lookup('code', spec.code, value, spec.onUnknown ?? 'error', at, where);
    if (value !== undefined && spec.xref !== undefined) value = this.lookup('xref', spec.xref, value, spec.onUnknown ?? 'omit', at, where);
    if (value === undefined) return undefined;
    try {
      if (spec.date !== undefined) return parseEdiDateTime(value, spec.date as EdiDateTimeFormat).date;
      if (spec.time) return parseEdiTime(value);
      if (spec.number !== undefined) return parseDecimal(value, spec.number.implied, { decimalMark: this.ctx.decimalMark ?? '.' });
    } catch (err) {
      const rule = spec.date !== undefined ? 'date' : spec.time ? 'time' : 'number';
      this.error(rule, at, `${where.element} at segment ${hit.segment.position}: ${(err as Error).message}`, where);
      return undefined;
    }
    return value;
  }

  lookup(rule: 'code' | 'xref', name: string, value: string, onUnknown: 'error' | 'keep' | 'omit', at: string, where: Source & { value: string }): string | undefined {
    const table = this.mapping.tables[name] ?? {};
    if (Object.hasOwn(table, value)) return table[value];
    if (Object.hasOwn(table, '*')) return table['*'] === '=' ? value : table['*'];
    if (onUnknown === 'keep') return value;
    if (onUnknown === 'error') {
      const label = name.replace(/^.*[\\/]/, '');
      this.error(rule, at, `${where.element} at segment ${where.segment?.position}: '${value}' is not in ${rule === 'code' ? 'code table' : 'cross-reference'} ${label}; add it to the mapping or ask the partner`, where);
    }
    return undefined;
  }

  async expression(spec: FieldSpec, current: Obj, node: TreeNode, at: string, siblings: Obj): Promise<unknown> {
    const text = spec.expr as string;
    let value: unknown;
    try {
      const result: unknown = await compiled(text).evaluate(current, { doc: this.doc, envelope: this.ctx.envelope, partner: this.ctx.partnerId });
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

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

/** The source recorded for a canonical path or, failing that, for the nearest path under it. */
function sourceFor(sources: Map<string, Source>, path: string): Source | undefined {
  const exact = sources.get(path);
  if (exact) return exact;
  for (const [key, source] of sources) if (key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) return source;
  return undefined;
}

/**
 * Map one transaction tree with a mapping. The document is returned only when nothing failed: a value
 * that cannot be converted is never guessed and a missing required value is never invented.
 */
export async function mapTransaction(tree: TransactionTree, mapping: Mapping, context: MappingContext): Promise<MappingResult> {
  const run = new Run(tree, mapping, context);
  run.doc = { type: mapping.type, partnerId: context.partnerId, envelope: context.envelope };
  await run.object(mapping.fields, tree.root, '', true);
  const document = run.doc;
  const warned = run.warnings.length > 0 ? { warnings: run.warnings } : {};
  if (run.errors.length > 0) return { errors: run.errors, ...warned };
  const checked = validateCanonicalDocument(document, mapping.type);
  if (!checked.ok) {
    for (const issue of checked.issues) {
      const source = sourceFor(run.sources, issue.path);
      const where = source?.segment ? ` (${source.element} at segment ${source.segment.position})` : '';
      run.error('schema', issue.path, `${issue.path || 'document'}: ${issue.message}${where}`, { ...source });
    }
    return { errors: run.errors, ...warned };
  }
  return { document: checked.document as CanonicalDocument, errors: [], ...warned };
}
