/**
 * Reading one partner.yaml: YAML with line numbers, scalars typed by the schema rather than by YAML's
 * guesses, and zod issues turned into messages that say what to write instead.
 *
 * YAML reads `version: 004010` as the number 4010 and `qualifier: 01` as 1, which would silently lose
 * the leading zeros every EDI code has. So where the schema expects text, a plain scalar keeps its
 * source text: nobody has to remember to quote codes.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { formatKeyPath, PartnerConfigError } from './errors';

type Path = (string | number)[];

// ---------------------------------------------------------------------------------------------
// A small walker over zod 4 schema definitions (read-only use of the public `_zod.def` data).

interface SchemaDef {
  type: string;
  shape?: Record<string, SchemaNode>;
  element?: SchemaNode;
  innerType?: SchemaNode;
  in?: SchemaNode;
  options?: SchemaNode[];
  discriminator?: string;
  entries?: Record<string, unknown>;
  values?: unknown[];
}
interface SchemaNode {
  _zod: { def: SchemaDef };
  description?: string;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

function unwrap(node: SchemaNode): SchemaNode {
  let current = node;
  for (;;) {
    const def = current._zod.def;
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function literalValues(node: SchemaNode): unknown[] {
  const def = unwrap(node)._zod.def;
  if (def.type === 'literal') return def.values ?? [];
  if (def.type === 'enum') return Object.values(def.entries ?? {});
  return [];
}

/** The option of a union that `raw` is meant to be (by discriminator, else by keys), or undefined. */
function pickOption(union: SchemaNode, raw: unknown): SchemaNode | undefined {
  const def = union._zod.def;
  const options = def.options ?? [];
  if (!isObjectLike(raw)) return undefined;
  if (def.discriminator) {
    const wanted = raw[def.discriminator];
    for (const option of options) {
      const o = unwrap(option);
      if (o._zod.def.type === 'union') {
        const inner = pickOption(o, raw);
        if (inner) return inner;
        continue;
      }
      const field = o._zod.def.shape?.[def.discriminator];
      if (field && literalValues(field).includes(wanted)) return o;
    }
    return undefined;
  }
  const keys = Object.keys(raw);
  return options.map(unwrap).find((o) => o._zod.def.type === 'object' && keys.every((k) => k in (o._zod.def.shape ?? {})));
}

/** The schema of the value at `key` inside `node`, given the raw value of `node`. */
function child(node: SchemaNode, key: string | number, raw: unknown): SchemaNode | undefined {
  let n = unwrap(node);
  if (n._zod.def.type === 'union') {
    const picked = pickOption(n, raw);
    if (!picked) return undefined;
    n = unwrap(picked);
  }
  const def = n._zod.def;
  if (def.type === 'object') return def.shape?.[String(key)];
  if (def.type === 'array') return def.element;
  return undefined;
}

/** Schema at a path, following the raw data through unions. */
export function schemaAt(root: SchemaNode, path: Path, raw: unknown): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  let value = raw;
  for (const key of path) {
    if (!node) return undefined;
    node = child(node, key, value);
    value = isObjectLike(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined;
  }
  return node;
}

/** Keys an object schema at `path` accepts (for "did you mean"). */
function allowedKeys(root: SchemaNode, path: Path, raw: unknown): string[] {
  const node = schemaAt(root, path, raw);
  if (!node) return [];
  let n = unwrap(node);
  if (n._zod.def.type === 'union') {
    const picked = pickOption(n, valueAt(raw, path));
    if (!picked) return [];
    n = unwrap(picked);
  }
  return Object.keys(n._zod.def.shape ?? {});
}

/** True when the schema wants text (strings, string enums and literals). */
function wantsText(node: SchemaNode): boolean {
  const n = unwrap(node);
  const def = n._zod.def;
  switch (def.type) {
    case 'string':
      return true;
    case 'enum':
    case 'literal':
      return literalValues(n).every((v) => typeof v === 'string');
    case 'union':
      return (def.options ?? []).every(wantsText);
    default:
      return false;
  }
}

function describedAs(node: SchemaNode | undefined): string | undefined {
  for (let n = node; n; ) {
    if (n.description) return n.description;
    const def: SchemaDef = n._zod.def;
    n = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : undefined;
  }
  return undefined;
}

export function valueAt(raw: unknown, path: Path): unknown {
  let value = raw;
  for (const key of path) {
    if (!isObjectLike(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// YAML

/** Numbers written where text is expected become their source text (850 -> '850', 004010 -> '004010'). */
function typeScalars(node: unknown, schema: SchemaNode | undefined): void {
  if (!schema) return;
  if (isMap(node)) {
    const raw = node.toJSON() as unknown;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key !== 'string' && typeof key !== 'number') continue;
      const childSchema = child(schema, String(key), raw);
      if (isScalar(pair.value)) retype(pair.value, childSchema);
      else typeScalars(pair.value, childSchema);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const childSchema = child(schema, index, undefined);
      if (isScalar(item)) retype(item, childSchema);
      else typeScalars(item, childSchema);
    });
  }
}

function retype(scalar: Scalar, schema: SchemaNode | undefined): void {
  if (!schema || typeof scalar.value !== 'number' || scalar.type !== Scalar.PLAIN || scalar.source === undefined) return;
  if (wantsText(schema)) scalar.value = scalar.source;
}

export interface ParsedSource {
  /** The data as YAML gave it, scalars typed by the schema; undefined when the YAML did not parse. */
  data?: unknown;
  errors: PartnerConfigError[];
  /** 1-based line of the key (or value) at a path. */
  lineOf(path: Path): number | undefined;
}

/** Parses YAML text against a schema's expectations, returning data or syntax errors with lines. */
export function readYaml(text: string, displayFile: string, schema: z.ZodType, partnerId?: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: true, uniqueKeys: true });
  const lineOf = (path: Path) => lineOfPath(doc, lineCounter, path);
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        const first = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return new PartnerConfigError(displayFile, '', `invalid YAML: ${first}; fix the syntax`, line, partnerId);
      }),
      lineOf,
    };
  }
  typeScalars(doc.contents, schema as unknown as SchemaNode);
  return { data: doc.toJS() as unknown, errors: [], lineOf };
}

function lineOfPath(doc: Document, counter: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let best: YamlNode | undefined = isScalar(node) || isMap(node) || isSeq(node) ? node : undefined;
  if (path.length > 0) best = undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      if (isScalar(pair.key)) best = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (isScalar(node) || isMap(node) || isSeq(node)) best = node;
    } else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

// ---------------------------------------------------------------------------------------------
// Issues -> messages

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))) return best;
  const lower = word.toLowerCase();
  return lower.length >= 3 ? candidates.find((c) => c.toLowerCase().startsWith(lower) || c.toLowerCase().endsWith(lower)) : undefined;
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping of keys';
  return String(value);
}

function kindName(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping of keys (key: value lines)';
    case 'array':
      return 'a list (lines starting with "- ")';
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return expected;
  }
}

/** One zod issue as (key path, problem and fix) pairs; unrecognized keys give one pair per key. */
interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  note?: string;
  discriminator?: string;
  options?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
}

export function describeIssue(issue: ZodIssueLike, raw: unknown, schema: z.ZodType): { path: Path; problem: string }[] {
  const root = schema as unknown as SchemaNode;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(raw, path);
  const last = path[path.length - 1];
  const missing = value === undefined && path.length > 0;
  const missingText = () => {
    const description = describedAs(schemaAt(root, path, raw));
    return `missing required key '${String(last)}'${description ? ` (${description})` : ''}; add it`;
  };
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, path, raw);
      return (issue.keys ?? []).map((key) => {
        const suggestion = closest(key, allowed);
        return {
          path: [...path, key],
          problem: suggestion
            ? `unknown key '${key}'; did you mean '${suggestion}'?`
            : `unknown key '${key}'; remove it${allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''}`,
        };
      });
    }
    case 'invalid_type':
      if (missing) return [{ path, problem: missingText() }];
      return [{ path, problem: `expected ${kindName(issue.expected ?? '')}, found ${show(value)}` }];
    case 'invalid_value': {
      const options = (issue.values ?? []).map(String);
      const suggestion = typeof value === 'string' ? closest(value, options) : undefined;
      if (missing) return [{ path, problem: `${missingText()}: one of ${options.join(', ')}` }];
      return [{ path, problem: `${show(value)} is not allowed; use one of ${options.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}` }];
    }
    case 'invalid_union': {
      if (issue.note === 'No matching discriminator') {
        const options = (issue.options ?? []).map(String);
        if (value === undefined) return [{ path, problem: `missing required key '${String(last)}'; add it: one of ${options.join(', ')}` }];
        const suggestion = typeof value === 'string' ? closest(value, options) : undefined;
        return [{ path, problem: `${show(value)} is not a known ${String(issue.discriminator ?? last)}; use one of ${options.join(', ')}${suggestion ? ` (did you mean ${suggestion}?)` : ''}` }];
      }
      if (missing) return [{ path, problem: missingText() }];
      return [{ path, problem: issue.message === 'Invalid input' ? `${show(value)} is not valid here` : issue.message }];
    }
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'number') {
        const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
        return [{ path, problem: `${show(value)} is out of range; write a number ${bound}` }];
      }
      return [{ path, problem: issue.message }];
    }
    case 'invalid_format':
      if (typeof value === 'string' && !issue.message.includes(value)) return [{ path, problem: `${show(value)}: ${issue.message}` }];
      return [{ path, problem: issue.message }];
    default:
      if (missing && issue.code !== 'custom') return [{ path, problem: missingText() }];
      return [{ path, problem: issue.message }];
  }
}

/** zod issues of one file as PartnerConfigErrors (deduplicated, in file order). */
export function issuesToErrors(issues: readonly ZodIssueLike[], raw: unknown, schema: z.ZodType, source: Pick<ParsedSource, 'lineOf'>, displayFile: string, partnerId?: string): PartnerConfigError[] {
  const seen = new Set<string>();
  const errors: PartnerConfigError[] = [];
  for (const issue of issues) {
    for (const { path, problem } of describeIssue(issue, raw, schema)) {
      const keyPath = formatKeyPath(path);
      const key = `${keyPath}\0${problem}`;
      if (seen.has(key)) continue;
      seen.add(key);
      errors.push(new PartnerConfigError(displayFile, keyPath, problem, source.lineOf(path), partnerId));
    }
  }
  return errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
