/**
 * Conformance run over ../shared/corpus (public samples written by other projects): every file is
 * validated, nothing may crash, and each verdict must match test/corpus/expected-verdicts.json, which
 * records for every file our verdict and, where it differs from the origin project's (files named
 * INVALID_ are negative samples there), the reason in the standard's terms.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateBuffer } from '../../src/edi/validate';
import { CORPUS_DIR, corpusFiles } from './corpus-path';

interface Expectation {
  valid: boolean;
  /** Codes that must be among the errors (the reason for an invalid verdict). */
  codes?: string[];
  /** Why our verdict differs from the origin project's, in the standard's terms. */
  reason?: string;
}

const expected = JSON.parse(readFileSync(join(__dirname, 'expected-verdicts.json'), 'utf8')) as Record<string, Expectation>;
const files = corpusFiles();

if (files.length === 0) {
  test('the shared corpus is absent: conformance run not possible here', () => {
    process.stdout.write(`corpus not found at ${CORPUS_DIR}: skipping the conformance run\n`);
    expect(files).toHaveLength(0);
  });
} else {
  test('every corpus file has an expected verdict and every expectation a file', () => {
    expect(files.map((f) => f.id).sort()).toEqual(Object.keys(expected).sort());
  });

  describe.each(files)('$id', ({ id, path }) => {
    test('validates without crashing and with the expected verdict', () => {
      const report = validateBuffer(readFileSync(path));
      const exp = expected[id];
      expect(exp).toBeDefined();
      const codes = report.errors.map((e) => e.code);
      expect({ id, valid: report.valid }).toEqual({ id, valid: exp.valid });
      for (const c of exp.codes ?? []) expect(codes).toContain(c);
      if (!exp.valid) expect(report.errors.length).toBeGreaterThan(0);
      // A deviation from the origin project's verdict must say why.
      const originValid = !id.split('/')[1].startsWith('INVALID_');
      if (originValid !== exp.valid) expect(exp.reason ?? '').not.toBe('');
    });
  });
}
