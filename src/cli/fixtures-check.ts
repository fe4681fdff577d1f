/**
 * The part of `edi-gateway partners check` that needs the mapping engine (src/partners may not import
 * src/mapping): every inbound document's mapping must load and produce the document type the partner
 * file names, and every sample file in `fixtures/<partner id>/` must translate, route to that partner and,
 * where a `<file>.expected.json` sits beside it, give exactly the `{documents, errors}` recorded there.
 *
 * Absolute mapping file names in errors are written relative to the project folder (the one holding
 * partners/, mappings/ and fixtures/) before comparing, so an expected file holds on every checkout.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { loadMapping, MappingFileError, translate } from '../mapping';
import type { PartnerRegistry } from '../partners/registry';

/** One problem found by the mapping or fixture checks; `file` is shown relative to the project folder. */
export interface FixtureProblem {
  partnerId: string;
  file: string;
  message: string;
}

export interface FixtureCheckOptions {
  /** The folder holding partners/, mappings/ and fixtures/: paths are shown and normalised relative to it. */
  projectDir: string;
  /** Folder of fixture folders (default <projectDir>/fixtures). */
  fixturesRoot?: string;
  /** Only this partner. */
  only?: string;
}

export interface FixtureCheckResult {
  problems: FixtureProblem[];
  /** Sample files translated. */
  filesChecked: number;
  /** Of those, files compared with an expected file. */
  filesCompared: number;
}

/** Suffix of the file holding the translate result expected for the sample file it is named after. */
export const EXPECTED_SUFFIX = '.expected.json';

/** Where two JSON values first differ. */
export interface JsonDifference {
  /** JSON path, e.g. `documents[0].lines[2].quantity` ('' for the whole value). */
  path: string;
  expected: unknown;
  actual: unknown;
}

const ABSENT = Symbol('absent');
type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  // Keys that are not plain identifiers are written quoted in brackets, as JavaScript would.
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The first place (depth first, in the expected value's key order) where two JSON values differ; undefined when equal. */
export function firstDifference(expected: unknown, actual: unknown, path = ''): JsonDifference | undefined {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
      const d = firstDifference(i < expected.length ? expected[i] : ABSENT, i < actual.length ? actual[i] : ABSENT, childPath(path, i));
      if (d) return d;
    }
    return undefined;
  }
  if (isPlain(expected) && isPlain(actual)) {
    const keys = [...Object.keys(expected), ...Object.keys(actual).filter((k) => !Object.hasOwn(expected, k))];
    for (const key of keys) {
      const d = firstDifference(Object.hasOwn(expected, key) ? expected[key] : ABSENT, Object.hasOwn(actual, key) ? actual[key] : ABSENT, childPath(path, key));
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : { path, expected, actual };
}

/** A value as a difference message shows it: JSON, shortened, or "(absent)". */
function show(value: unknown): string {
  if (value === ABSENT) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Sample files under a fixture folder (sorted, sub-folders included): everything but expected files, notes and dot files. */
export function fixtureFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...fixtureFiles(path));
    else if (entry.isFile() && !entry.name.endsWith(EXPECTED_SUFFIX) && !/\.md$/i.test(entry.name)) out.push(path);
  }
  return out;
}

/** A path relative to the project folder with '/' separators (absolute when outside it). */
function shown(projectDir: string, file: string): string {
  const rel = relative(projectDir, file);
  return (rel.startsWith('..') || isAbsolute(rel) ? file : rel).split(sep).join('/');
}

/** The translate result as the CLI prints it, with mapping files relative to the project folder. */
export async function translateFixture(file: string, registry: PartnerRegistry, projectDir: string): Promise<{ documents: unknown[]; errors: Plain[] }> {
  const result = await translate(readFileSync(file), { registry });
  const plain = JSON.parse(JSON.stringify({ documents: result.documents, errors: result.errors })) as { documents: unknown[]; errors: Plain[] };
  for (const error of plain.errors) {
    if (typeof error.mappingFile === 'string' && isAbsolute(error.mappingFile)) error.mappingFile = shown(projectDir, error.mappingFile);
  }
  return plain;
}

/** Every inbound document's mapping loads and maps to the document type the partner file says it carries. */
function checkMappings(registry: PartnerRegistry, projectDir: string, only: string | undefined): FixtureProblem[] {
  const problems: FixtureProblem[] = [];
  for (const partner of registry.partners) {
    if (only !== undefined && partner.id !== only) continue;
    // Outbound documents are written from Odoo, not mapped from EDI, so they have no mapping to load yet.
    for (const doc of partner.documents.filter((d) => d.direction === 'inbound')) {
      const file = join(partner.mappingsDir, doc.mapping ?? `${doc.messageType}.yaml`);
      try {
        const mapping = loadMapping(file, { cache: false });
        if (mapping.type !== doc.type) {
          problems.push({ partnerId: partner.id, file: shown(projectDir, file), message: `maps to ${mapping.type} but ${shown(projectDir, partner.file)} says ${doc.messageType} carries ${doc.type}; correct type: in the mapping or the documents entry` });
        }
      } catch (err) {
        if (!(err instanceof MappingFileError)) throw err;
        problems.push({ partnerId: partner.id, file: shown(projectDir, err.file), message: `${err.key ? `at ${err.key}: ` : ''}${err.detail} (the mapping for inbound ${doc.messageType})` });
      }
    }
  }
  return problems;
}

/** Run each fixture of one file and say what is wrong with it, if anything. */
async function checkFile(file: string, partnerId: string, registry: PartnerRegistry, projectDir: string): Promise<{ problems: FixtureProblem[]; compared: boolean }> {
  const name = shown(projectDir, file);
  const problem = (message: string): FixtureProblem => ({ partnerId, file: name, message });
  let actual: { documents: unknown[]; errors: Plain[] };
  try {
    actual = await translateFixture(file, registry, projectDir);
  } catch (err) {
    return { problems: [problem(`translate failed: ${(err as Error).message}`)], compared: false };
  }
  const problems: FixtureProblem[] = [];
  // A sample in fixtures/<id>/ is the partner's own: it must route there, not to whoever else has the ids.
  const elsewhere = new Set(actual.documents.map((d) => (d as { partnerId?: string }).partnerId).filter((p) => p !== partnerId));
  const routedElsewhere = new Set(actual.errors.map((e) => e.partner).filter((p): p is string => typeof p === 'string' && p !== partnerId));
  for (const other of new Set([...elsewhere, ...routedElsewhere])) problems.push(problem(`routes to partner ${other}, not ${partnerId}; check the envelope ids or move the file to fixtures/${other}/`));
  const expectedFile = file + EXPECTED_SUFFIX;
  if (!existsSync(expectedFile)) {
    if (actual.errors.length > 0) {
      const first = actual.errors[0];
      problems.push(problem(`${actual.errors.length} translate error(s), first: ${String(first.message)}; fix the mapping or the sample, or record the errors in ${shown(projectDir, expectedFile)}`));
    } else if (actual.documents.length === 0) {
      problems.push(problem('translates to no document; a sample should hold at least one transaction'));
    }
    return { problems, compared: false };
  }
  let expected: unknown;
  try {
    expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
  } catch (err) {
    problems.push({ partnerId, file: shown(projectDir, expectedFile), message: `is not valid JSON: ${(err as Error).message}` });
    return { problems, compared: false };
  }
  const diff = firstDifference(expected, actual);
  if (diff) {
    problems.push(problem(`differs from ${shown(projectDir, expectedFile)} at ${diff.path || '(the whole result)'}: expected ${show(diff.expected)}, got ${show(diff.actual)}`));
  }
  return { problems, compared: true };
}

/** Load every inbound mapping and run every partner's fixtures through translate, comparing with the expected files. */
export async function checkFixtures(registry: PartnerRegistry, options: FixtureCheckOptions): Promise<FixtureCheckResult> {
  const fixturesRoot = options.fixturesRoot ?? join(options.projectDir, 'fixtures');
  const result: FixtureCheckResult = { problems: checkMappings(registry, options.projectDir, options.only), filesChecked: 0, filesCompared: 0 };
  for (const partner of registry.partners) {
    if (options.only !== undefined && partner.id !== options.only) continue;
    for (const file of fixtureFiles(join(fixturesRoot, partner.id))) {
      const checked = await checkFile(file, partner.id, registry, options.projectDir);
      result.filesChecked++;
      if (checked.compared) result.filesCompared++;
      result.problems.push(...checked.problems);
    }
  }
  return result;
}
