/**
 * The repository's EDI fixtures (fixtures/edi/**) against their expected verdicts.
 *
 * Every fixture file has a `<file>.expected.json` next to it:
 *   { "valid": boolean,
 *     "errors": [{ "code", "segmentIndex"?, "segmentId"?, "element"?, "component"?, "ackX12"?, "ackEdifact"? }],
 *     "warnings"?: [...same shape...] }
 * `errors` is the complete list of error-severity findings; the comparison is order-independent and only looks
 * at the fields an expected entry gives. `warnings`, when present, is the complete list of warnings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { EdiIssue } from '../../src/edi/common/issues';
import { validateBuffer } from '../../src/edi/validate';

interface ExpectedIssue {
  code: string;
  segmentIndex?: number;
  segmentId?: string;
  element?: number;
  component?: number;
  ackX12?: string;
  ackEdifact?: string;
}

interface Expectation {
  valid: boolean;
  errors: ExpectedIssue[];
  warnings?: ExpectedIssue[];
}

/** The subset of an issue that expectations talk about. */
interface IssueLike {
  code: string;
  segmentIndex?: number;
  segmentId?: string;
  element?: number;
  component?: number;
  ack?: { x12?: string; edifact?: string };
}

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures', 'edi');
const EXPECTED_SUFFIX = '.expected.json';

/** Every fixture file under fixtures/edi (not the expectations, README or dot files), sorted. */
function fixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...fixtureFiles(full));
    else if (!entry.name.endsWith(EXPECTED_SUFFIX) && entry.name !== 'README.md') out.push(full);
  }
  return out.sort();
}

function loadExpectation(file: string): Expectation {
  return JSON.parse(readFileSync(file + EXPECTED_SUFFIX, 'utf8')) as Expectation;
}

function matches(actual: IssueLike, exp: ExpectedIssue): boolean {
  if (actual.code !== exp.code) return false;
  if (exp.segmentIndex !== undefined && actual.segmentIndex !== exp.segmentIndex) return false;
  if (exp.segmentId !== undefined && actual.segmentId !== exp.segmentId) return false;
  if (exp.element !== undefined && actual.element !== exp.element) return false;
  if (exp.component !== undefined && actual.component !== exp.component) return false;
  if (exp.ackX12 !== undefined && actual.ack?.x12 !== exp.ackX12) return false;
  if (exp.ackEdifact !== undefined && actual.ack?.edifact !== exp.ackEdifact) return false;
  return true;
}

/** A readable one-line form of an actual issue for failure output. */
function describe_(i: IssueLike): string {
  const where = [
    i.segmentIndex !== undefined ? `segmentIndex ${i.segmentIndex}` : '',
    i.segmentId ? `segmentId ${i.segmentId}` : '',
    i.element !== undefined ? `element ${i.element}` : '',
    i.component !== undefined ? `component ${i.component}` : '',
    i.ack?.x12 ? `x12 ${i.ack.x12}` : '',
    i.ack?.edifact ? `edifact ${i.ack.edifact}` : '',
  ].filter(Boolean);
  return `${i.code}${where.length ? ` (${where.join(', ')})` : ''}`;
}

/**
 * Pair expected with actual issues, order-independent: the most specific expectations first, each taking
 * the first unused actual issue it matches. Returns what is left on either side.
 */
function pairIssues(actual: IssueLike[], expected: ExpectedIssue[]): { unmatchedExpected: ExpectedIssue[]; unmatchedActual: string[] } {
  const used = new Array<boolean>(actual.length).fill(false);
  const unmatchedExpected: ExpectedIssue[] = [];
  const bySpecificity = [...expected].sort((a, b) => Object.keys(b).length - Object.keys(a).length);
  for (const exp of bySpecificity) {
    const k = actual.findIndex((a, n) => !used[n] && matches(a, exp));
    if (k < 0) unmatchedExpected.push(exp);
    else used[k] = true;
  }
  const unmatchedActual = actual.filter((_a, n) => !used[n]).map(describe_);
  return { unmatchedExpected, unmatchedActual };
}

function checkAgainst(report: { valid: boolean; errors: IssueLike[]; warnings: IssueLike[] }, exp: Expectation): void {
  expect(report.valid).toBe(exp.valid);
  expect(pairIssues(report.errors, exp.errors)).toEqual({ unmatchedExpected: [], unmatchedActual: [] });
  if (exp.warnings) expect(pairIssues(report.warnings, exp.warnings)).toEqual({ unmatchedExpected: [], unmatchedActual: [] });
}

const files = fixtureFiles(FIXTURES);

describe('fixtures/edi', () => {
  it('has fixtures, each with an expectation file', () => {
    expect(files.length).toBeGreaterThan(0);
    const missing = files.filter((f) => !existsSync(f + EXPECTED_SUFFIX)).map((f) => relative(FIXTURES, f));
    expect(missing).toEqual([]);
  });

  it('has no expectation without its fixture', () => {
    const orphans: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith(EXPECTED_SUFFIX) && !existsSync(full.slice(0, -EXPECTED_SUFFIX.length))) orphans.push(relative(FIXTURES, full));
      }
    };
    walk(FIXTURES);
    expect(orphans).toEqual([]);
  });

  for (const file of files) {
    const name = relative(FIXTURES, file);
    if (!existsSync(file + EXPECTED_SUFFIX)) continue;
    const exp = loadExpectation(file);
    const title = `${name}: ${exp.valid ? 'valid' : `invalid (${exp.errors.map((e) => e.code).join(', ')})`}`;
    const body = (): void => {
      const report = validateBuffer(readFileSync(file));
      checkAgainst(report as { valid: boolean; errors: EdiIssue[]; warnings: EdiIssue[] }, exp);
    };
    it(title, body);
  }
});

describe('edi-gateway validate --json (built CLI)', () => {
  const cli = join(ROOT, 'bin', 'edi-gateway.js');
  const compiled = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const fixture = join(FIXTURES, 'invalid', 'x12-se01-count-wrong.edi');

  it('gives the fixture verdict and positions from the command line', () => {
    if (!existsSync(compiled)) {
      throw new Error(`dist/ is missing (${relative(ROOT, compiled)} not found): run \`npm run build\` before the tests`);
    }
    const exp = loadExpectation(fixture);
    const run = spawnSync(process.execPath, [cli, 'validate', fixture, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 20000 });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(exp.valid ? 0 : 1);
    const report = JSON.parse(run.stdout) as { valid: boolean; errors: IssueLike[]; warnings: IssueLike[] };
    checkAgainst(report, exp);
  });
});
