/**
 * Translate run over ../shared/corpus (`npm run test:corpus`): every public sample is translated, routed
 * and as if a shipped partner of its version had sent it (test/corpus/translate-run.ts); nothing may
 * crash, and the per-file verdicts are written to test/corpus/translate-report.md, which is committed.
 * Without the corpus the run is reported as skipped (and the committed report is left as it is).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPartners } from '../../src/partners';
import { CORPUS_DIR, corpusFiles } from './corpus-path';
import { renderReport, runFile, type FileOutcome } from './translate-run';

const REPORT = join(__dirname, 'translate-report.md');
const files = corpusFiles();

if (files.length === 0) {
  test.skip(`translate run: the shared corpus is absent (${CORPUS_DIR}), nothing to translate`, () => undefined);
} else {
  describe('translate over the shared corpus', () => {
    const outcomes = new Map<string, FileOutcome>();

    beforeAll(async () => {
      const registry = loadPartners();
      for (const { id, path } of files) outcomes.set(id, await runFile(id, path, registry));
      writeFileSync(REPORT, renderReport([...outcomes.values()]));
    }, 120_000);

    test.each(files.map((f) => f.id))('%s translates without crashing', (id) => {
      const outcome = outcomes.get(id);
      expect(outcome).toBeDefined();
      expect({ id, routed: outcome?.routed.verdict, asPartner: outcome?.asPartner.verdict, reasons: outcome?.asPartner.reasons }).not.toMatchObject({ routed: 'crashed' });
      expect(outcome?.asPartner.verdict).not.toBe('crashed');
    });

    test('no file crashed, every file has a verdict, and a rejection always says why', () => {
      const all = [...outcomes.values()];
      expect(all).toHaveLength(files.length);
      expect(all.filter((o) => o.routed.verdict === 'crashed' || o.asPartner.verdict === 'crashed').map((o) => o.id)).toEqual([]);
      for (const o of all) {
        if (o.asPartner.verdict !== 'mapped') expect({ id: o.id, reasons: o.asPartner.reasons.length > 0 }).toEqual({ id: o.id, reasons: true });
        if (o.routed.verdict !== 'mapped') expect({ id: o.id, reasons: o.routed.reasons.length > 0 }).toEqual({ id: o.id, reasons: true });
      }
    });
  });
}
