/**
 * Mapping files: `mappings/<partner>/<messageType>.yaml`, optionally `extends:` a shared file (e.g.
 * `../_x12-004010/850.yaml`) that it overrides key by key (objects merge, anything else replaces, `null`
 * removes a key). Code tables live in the file (`tables:`) or in CSV/YAML files beside it; every file a
 * mapping names is resolved relative to the mapping file that names it, before merging.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DOCUMENT_TYPES } from '../canonical/document';

/** A mapping file that is missing, malformed or inconsistent; names the file and the key. */
export class MappingFileError extends Error {
  override readonly name = 'MappingFileError';
  constructor(readonly file: string, readonly key: string, readonly detail: string) {
    super(`${file}${key ? ` at ${key}` : ''}: ${detail}`);
  }
}

const DATE_FORMATS = ['CCYYMMDD', 'YYMMDD', '102', '101', 'D8', 'D6', '203', '204', 'DT'] as const;
const TABLE_FILE = /\.(csv|ya?ml)$/i;

/** One field of the canonical document and where its value comes from. */
export interface FieldSpec {
  /** One path (the first value) or several (every value, in order, as a list). */
  path?: string | string[];
  /** Every occurrence of a loop or segment: a list with one entry per occurrence. */
  each?: string;
  /** Nested object (per occurrence with `each`). */
  fields?: Record<string, FieldSpec>;
  /** A constant. */
  value?: unknown;
  /** JSONata over the object mapped so far at this level ($doc: the whole document so far). */
  expr?: string;
  /** X12 qualifier/value pairs: the value after the element (from, from+2, …) that holds one of the qualifiers. */
  pair?: { from: number; qualifier: string[] };
  date?: (typeof DATE_FORMATS)[number];
  time?: boolean;
  number?: { implied: number };
  /** Name of a code table (tables:). */
  code?: string;
  /** Cross-reference: a table name or a CSV/YAML file beside the mapping. */
  xref?: string;
  /** A value missing from the code / xref table: error (code default), keep it, or omit it (xref default). */
  onUnknown?: 'error' | 'keep' | 'omit';
  /** Join several values into one string. */
  join?: string;
  /** Paths tried in turn: the value of the first one that finds any (`path` when none does). */
  firstOf?: string[];
  /** Steps applied to every value as read, before code, xref, date and number. */
  transform?: TransformStep[];
  default?: unknown;
  /** `default` applies only when this sibling field (same `fields:` block) has a value. */
  defaultWhen?: string;
  /** A path that finds several occurrences where one value is read: `warn` maps the first and warns about the rest. */
  onMore?: 'warn';
  /** Required: the message for the partner when missing (true: a generic one). */
  required?: string | boolean;
}

/**
 * One step of `transform:`, applied to the text as read. They only normalise (each gives the same result
 * when applied again, except `slice`), so the reverse direction can write the canonical value as it is.
 */
export type TransformStep =
  | { op: 'upper' }
  | { op: 'lower' }
  /** Remove a prefix; with `length`, only from a value of exactly that many characters (SSCC with its (00) AI). */
  | { op: 'drop-prefix'; prefix: string; length?: number }
  /** Remove every occurrence of these characters (spaces, dashes). */
  | { op: 'remove'; chars: string }
  /** Characters start..end (0-based, end exclusive), as String.prototype.slice. */
  | { op: 'slice'; start: number; end?: number };

/** A value written by `render.fields`: JSONata over the canonical document, converted like a field. */
export interface RenderFieldSpec {
  expr: string;
  date?: (typeof DATE_FORMATS)[number];
  time?: boolean;
  number?: { implied: number };
  code?: string;
}

/** The `render:` block: what the reverse direction (canonical -> EDI) cannot derive from the fields. */
export interface RenderSpec {
  /**
   * `TAG/NN` (or `TAG/NN-CC`) -> a value written into every such segment where nothing else wrote; `when: NN`
   * only if that element has a value. `LOOP/TAG/NN` applies only inside the loop whose trigger is LOOP.
   */
  defaults?: Record<string, string | { value: string; when?: string }>;
  /** `TAG/NN`: numbered 1, 2, 3 … in the order the segments are written (EDIFACT CPS 7164). */
  sequence?: string[];
  /** Root-relative path -> a value computed from the document (for `expr` fields and elements the inbound side ignores). */
  fields?: Record<string, RenderFieldSpec>;
  /** Canonical paths (without indexes) mapped inbound that are deliberately not sent. */
  skip?: string[];
  /** Table name -> our value -> the partner code to send, where a table has several codes for one value. */
  codes?: Record<string, Record<string, string>>;
  /** X12 HL: level code -> parent level code; HL01/HL02/HL04 are numbered and occurrences ordered parent first. */
  hierarchy?: Record<string, string>;
}

/** A loaded mapping: the merged file with its tables read. */
export interface Mapping {
  file: string;
  /** Files merged, base first. */
  files: string[];
  type: (typeof DOCUMENT_TYPES)[number];
  messageType?: string;
  tables: Record<string, Record<string, string>>;
  fields: Record<string, FieldSpec>;
  /** How to render what the fields cannot say (canonical -> EDI). */
  render?: RenderSpec;
}

/** A path; a bare number (YAML reads 03 as 3) is an element position. */
const PathInput = z.union([z.string().min(1), z.number().int().min(1)]);

const TransformInput = z.union([
  z.enum(['upper', 'lower']),
  z.strictObject({ 'drop-prefix': z.union([z.string().min(1), z.strictObject({ prefix: z.string().min(1), length: z.number().int().min(2).optional() })]) }),
  z.strictObject({ remove: z.string().min(1) }),
  z.strictObject({ slice: z.union([z.number().int(), z.tuple([z.number().int(), z.number().int()])]) }),
]);

const FieldInput: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z.number().int().min(1),
    z
      .strictObject({
        path: z.union([PathInput, z.array(PathInput).min(1)]).optional(),
        each: z.string().min(1).optional(),
        fields: z.record(z.string(), FieldInput).optional(),
        value: z.unknown().optional(),
        expr: z.string().min(1).optional(),
        pair: z
          .strictObject({
            from: z.union([z.number().int().min(1), z.string().regex(/^\d{1,2}$/)]),
            qualifier: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
          })
          .optional(),
        date: z.enum(DATE_FORMATS).optional(),
        time: z.boolean().optional(),
        number: z.union([z.boolean(), z.strictObject({ implied: z.number().int().min(0).max(9) })]).optional(),
        code: z.string().min(1).optional(),
        xref: z.string().min(1).optional(),
        onUnknown: z.enum(['error', 'keep', 'omit']).optional(),
        join: z.string().optional(),
        firstOf: z.array(PathInput).min(2).optional(),
        transform: z.array(TransformInput).min(1).optional(),
        default: z.unknown().optional(),
        defaultWhen: z.string().min(1).optional(),
        onMore: z.literal('warn').optional(),
        required: z.union([z.string().min(1), z.boolean()]).optional(),
      })
      .refine((f) => [f.path, f.each, f.fields, f.value, f.expr, f.pair, f.firstOf].some((v) => v !== undefined) || f.default !== undefined, {
        message: 'a field needs path, firstOf, each, fields, pair, value, expr or default',
      })
      .refine((f) => f.firstOf === undefined || (f.path === undefined && f.pair === undefined), { message: 'firstOf replaces path: give one of them (and no pair)' }),
  ]),
);

const Code = z.union([z.string().min(1), z.number()]).transform(String);

/** `TAG/NN[-CC]`, optionally behind the tag of the loop trigger it applies in (`PAT/PCD/01-01`). */
const DEFAULT_KEY = /^(?:[A-Z][A-Z0-9]{1,2}\/)?[A-Z][A-Z0-9]{1,2}\/\d{1,2}(?:-\d{1,2})?$/;

const RenderInput = z.strictObject({
  defaults: z
    .record(z.string().regex(DEFAULT_KEY, 'expected TAG/NN or TAG/NN-CC (e.g. BAK/01), or LOOP-TAG/TAG/NN (e.g. PAT/PCD/01-01)'), z.union([Code, z.strictObject({ value: Code, when: Code.optional() })]))
    .optional(),
  sequence: z.array(z.string().regex(DEFAULT_KEY, 'expected TAG/NN, e.g. CPS/01')).optional(),
  fields: z
    .record(
      z.string().min(1),
      z.strictObject({
        expr: z.string().min(1),
        date: z.enum(DATE_FORMATS).optional(),
        time: z.boolean().optional(),
        number: z.union([z.boolean(), z.strictObject({ implied: z.number().int().min(0).max(9) })]).optional(),
        code: z.string().min(1).optional(),
      }),
    )
    .optional(),
  skip: z.array(z.string().min(1)).optional(),
  codes: z.record(z.string(), z.record(z.string(), Code)).optional(),
  hierarchy: z.record(z.string(), Code).optional(),
});

const MappingInput = z.strictObject({
  extends: z.string().optional(),
  type: z.enum(DOCUMENT_TYPES, { error: `expected one of ${DOCUMENT_TYPES.join(', ')}` }),
  messageType: z.union([z.string(), z.number()]).optional(),
  tables: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.union([z.string(), z.number()]))])).optional(),
  fields: z.record(z.string(), FieldInput),
  render: RenderInput.optional(),
});

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merge `over` onto `base`: objects key by key, other values replace, null removes. */
export function mergeMapping(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else out[key] = key in out ? mergeMapping(out[key], value) : value;
  }
  return out;
}

function readRaw(file: string, key = ''): Plain {
  if (!existsSync(file)) throw new MappingFileError(file, key, 'does not exist; add the mapping file or correct the name');
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MappingFileError(file, '', `is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isPlain(data)) throw new MappingFileError(file, '', 'expected a mapping with type: and fields:');
  return data;
}

/** Make the file names a mapping file gives (table files, xref files) absolute, relative to that file. */
function absolutize(data: Plain, file: string): void {
  const dir = dirname(file);
  const abs = (name: string) => (isAbsolute(name) ? name : resolve(dir, name));
  if (isPlain(data.tables)) {
    // Table files are read now, so that an extending file can add or change single entries.
    for (const [name, table] of Object.entries(data.tables)) if (typeof table === 'string') data.tables[name] = readTableFile(abs(table), file, `tables.${name}`);
  }
  const walk = (fields: unknown): void => {
    if (!isPlain(fields)) return;
    for (const [key, spec] of Object.entries(fields)) {
      // Shorthand `key: PATH` is `key: {path: PATH}`, so an override can add to it key by key.
      if (typeof spec === 'string' || typeof spec === 'number') fields[key] = { path: spec };
      if (!isPlain(spec)) continue;
      if (typeof spec.xref === 'string' && TABLE_FILE.test(spec.xref)) spec.xref = abs(spec.xref);
      walk(spec.fields);
    }
  };
  walk(data.fields);
}

function readMerged(file: string, chain: string[]): { data: Plain; files: string[] } {
  if (chain.includes(file)) throw new MappingFileError(file, 'extends', `extends itself through ${[...chain, file].join(' -> ')}`);
  const raw = readRaw(file, chain.length > 0 ? 'extends' : '');
  absolutize(raw, file);
  if (raw.extends === undefined) return { data: raw, files: [file] };
  if (typeof raw.extends !== 'string') throw new MappingFileError(file, 'extends', 'expected a file name such as ../_x12-004010/850.yaml');
  const basePath = resolve(dirname(file), raw.extends);
  let base: { data: Plain; files: string[] };
  try {
    base = readMerged(basePath, [...chain, file]);
  } catch (err) {
    if (err instanceof MappingFileError && err.file === basePath && err.key === 'extends' && !existsSync(basePath)) {
      throw new MappingFileError(file, 'extends', `${raw.extends} does not exist (${basePath})`);
    }
    throw err;
  }
  const { extends: _ignored, ...own } = raw;
  return { data: mergeMapping(base.data, own) as Plain, files: [...base.files, file] };
}

/** Read a CSV or YAML table: CSV has a header row and maps the first column to the second. */
export function readTableFile(file: string, owner: string, key: string): Record<string, string> {
  tableFilesRead?.push(resolve(file));
  if (!existsSync(file)) throw new MappingFileError(owner, key, `table file ${file} does not exist`);
  const text = readFileSync(file, 'utf8');
  if (/\.csv$/i.test(extname(file))) {
    const table: Record<string, string> = {};
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
    lines.slice(1).forEach((line, i) => {
      const cells = splitCsv(line);
      if (cells.length < 2 || cells[0] === '') throw new MappingFileError(file, `line ${i + 2}`, 'expected two columns: partner value, our value');
      table[cells[0]] = cells[1];
    });
    return table;
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new MappingFileError(file, '', `is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isPlain(data)) throw new MappingFileError(file, '', 'expected a YAML map of partner value: our value');
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)]));
}

function splitCsv(line: string): string[] {
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}

const pathText = (p: unknown): string => (typeof p === 'number' ? String(p).padStart(2, '0') : String(p));

function normalizeField(input: unknown): FieldSpec {
  if (typeof input === 'string' || typeof input === 'number') return { path: pathText(input) };
  const raw = input as Plain & { pair?: { from: number | string; qualifier: string | string[] }; number?: boolean | { implied: number }; fields?: Plain; firstOf?: unknown[]; transform?: z.output<typeof TransformInput>[] };
  const spec = { ...raw } as FieldSpec & Plain;
  if (raw.path !== undefined) spec.path = Array.isArray(raw.path) ? raw.path.map(pathText) : pathText(raw.path);
  if (raw.firstOf !== undefined) spec.firstOf = raw.firstOf.map(pathText);
  if (raw.transform !== undefined) spec.transform = raw.transform.map(transformStep);
  if (raw.pair) spec.pair = { from: Number(raw.pair.from), qualifier: Array.isArray(raw.pair.qualifier) ? raw.pair.qualifier : [raw.pair.qualifier] };
  if (raw.number === true) spec.number = { implied: 0 };
  else if (raw.number === false) delete spec.number;
  if (raw.fields) spec.fields = Object.fromEntries(Object.entries(raw.fields).map(([k, v]) => [k, normalizeField(v)]));
  return spec;
}

function transformStep(input: z.output<typeof TransformInput>): TransformStep {
  if (input === 'upper' || input === 'lower') return { op: input };
  if ('drop-prefix' in input) {
    const d = input['drop-prefix'];
    return typeof d === 'string' ? { op: 'drop-prefix', prefix: d } : { op: 'drop-prefix', ...d };
  }
  if ('remove' in input) return { op: 'remove', chars: input.remove };
  const [start, end] = Array.isArray(input.slice) ? input.slice : [input.slice];
  return end === undefined ? { op: 'slice', start } : { op: 'slice', start, end };
}

interface CacheEntry {
  mapping: Mapping;
  /** Every file the mapping was built from, with its modification time then. */
  stamps: [string, number][];
  checkedAt: number;
}
const cache = new Map<string, CacheEntry>();
/** How often a cached mapping's files are checked for changes: a running gateway sees a fix within this. */
const RECHECK_MS = 1000;
/** Table files read by the load in progress (loads are synchronous, so one list serves). */
let tableFilesRead: string[] | undefined;

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function fresh(entry: CacheEntry): boolean {
  const now = Date.now();
  if (now - entry.checkedAt < RECHECK_MS) return true;
  if (entry.stamps.some(([f, t]) => mtime(f) !== t)) return false;
  entry.checkedAt = now;
  return true;
}

/**
 * Load a mapping file with what it extends and the tables it names. Cached per absolute file; a
 * cached mapping is rebuilt when any of its files changed (checked at most once a second), so a fixed
 * mapping applies to the next transaction and to replays without a restart.
 */
export function loadMapping(fileArg: string, options: { cache?: boolean } = {}): Mapping {
  const useCache = options.cache !== false;
  // A name that is a key of the cache is already absolute and normalised (resolve would give it back):
  // the translation asks for the same file for every transaction.
  let hit = useCache ? cache.get(fileArg) : undefined;
  const file = hit ? fileArg : resolve(fileArg);
  if (useCache && !hit) hit = cache.get(file);
  if (hit && fresh(hit)) return hit.mapping;
  tableFilesRead = [];
  try {
    const mapping = buildMapping(file);
    if (useCache) {
      const all = [...new Set([...mapping.files.map((f) => resolve(f)), ...tableFilesRead])];
      cache.set(file, { mapping, stamps: all.map((f) => [f, mtime(f)]), checkedAt: Date.now() });
    }
    return mapping;
  } finally {
    tableFilesRead = undefined;
  }
}

function buildMapping(file: string): Mapping {
  const { data, files } = readMerged(file, []);
  const parsed = MappingInput.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.');
    throw new MappingFileError(file, key, `${issue.message}${files.length > 1 ? ' (after extends)' : ''}`);
  }
  const tables: Record<string, Record<string, string>> = {};
  for (const [name, table] of Object.entries(parsed.data.tables ?? {})) {
    tables[name] = typeof table === 'string' ? readTableFile(resolve(dirname(file), table), file, `tables.${name}`) : Object.fromEntries(Object.entries(table).map(([k, v]) => [k, String(v)]));
  }
  const fields = Object.fromEntries(Object.entries(parsed.data.fields).map(([k, v]) => [k, normalizeField(v)]));
  const mapping: Mapping = { file, files, type: parsed.data.type, tables, fields };
  if (parsed.data.messageType !== undefined) mapping.messageType = String(parsed.data.messageType);
  if (parsed.data.render !== undefined) mapping.render = normalizeRender(parsed.data.render);
  checkTables(mapping);
  return mapping;
}

/** `number: true` is `{implied: 0}`, as in fields; absent keys stay absent. */
function normalizeRender(input: z.output<typeof RenderInput>): RenderSpec {
  const out: RenderSpec = { ...input, fields: undefined };
  delete out.fields;
  if (input.fields) {
    out.fields = Object.fromEntries(
      Object.entries(input.fields).map(([k, f]) => {
        const { number, ...rest } = f;
        const spec: RenderFieldSpec = { ...rest };
        if (number === true) spec.number = { implied: 0 };
        else if (typeof number === 'object') spec.number = number;
        return [k, spec];
      }),
    );
  }
  return out;
}

/** Every code: / xref: must name a table or a table file. */
function checkTables(mapping: Mapping): void {
  const walk = (fields: Record<string, FieldSpec>, prefix: string): void => {
    for (const [key, spec] of Object.entries(fields)) {
      const at = `fields.${prefix}${key}`;
      if (spec.code !== undefined && !mapping.tables[spec.code]) {
        throw new MappingFileError(mapping.file, `${at}.code`, `no table '${spec.code}' under tables: (known: ${Object.keys(mapping.tables).join(', ') || 'none'})`);
      }
      if (spec.xref !== undefined && !TABLE_FILE.test(spec.xref) && !mapping.tables[spec.xref]) {
        throw new MappingFileError(mapping.file, `${at}.xref`, `no table '${spec.xref}' and not a .csv/.yaml file`);
      }
      if (spec.xref !== undefined && TABLE_FILE.test(spec.xref) && !mapping.tables[spec.xref]) {
        mapping.tables[spec.xref] = readTableFile(spec.xref, mapping.file, `${at}.xref`);
      }
      if (spec.defaultWhen !== undefined && !Object.hasOwn(fields, spec.defaultWhen)) {
        throw new MappingFileError(mapping.file, `${at}.defaultWhen`, `'${spec.defaultWhen}' is not a field beside ${key} (known: ${Object.keys(fields).join(', ')})`);
      }
      if (spec.fields) walk(spec.fields, `${prefix}${key}.fields.`);
    }
  };
  walk(mapping.fields, '');
  for (const [path, spec] of Object.entries(mapping.render?.fields ?? {})) {
    if (spec.code !== undefined && !mapping.tables[spec.code]) throw new MappingFileError(mapping.file, `render.fields.${path}.code`, `no table '${spec.code}' under tables:`);
  }
}

/** Forget cached mappings (after files changed). */
export function clearMappingCache(): void {
  cache.clear();
}
