/**
 * Differential conformance against the npm libraries (issue 2, item 4): on every corpus file where a
 * library is right, our segments must equal theirs.
 *
 * A library is "right" on a file when its normalised output equals the independent reference splitter
 * (diff-reference.ts) exactly: a library that only matches after trimming, dropping phantom segments
 * or stripping leading zeros is not right for that file. Where it is right, ours must equal it; and on
 * every valid (non-INVALID_) file ours must equal the reference, whatever the libraries did. Ours is
 * also fed in 7-byte chunks and must give the same segments.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runLibrary, runOurs, type LibraryName, type LibraryOutcome } from './diff-libraries';
import { firstDifference, normalizedText, referenceEdifact, referenceX12, standardOfText, type CorpusStandard, type NormSegment } from './diff-reference';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus');
const LIBRARIES: Record<CorpusStandard, LibraryName[]> = { x12: ['x12-parser', 'node-x12'], edifact: ['edifact'] };

interface FileSummary {
  file: string;
  standard: CorpusStandard;
  libraries: Partial<Record<LibraryName, 'right' | 'wrong' | 'threw'>>;
  oursVsReference: string | null;
  /** Why a library was not right (first difference or its error). */
  why: Partial<Record<LibraryName, string>>;
  /** Values in interchanges declaring a single-byte charset whose UTF-8 bytes ours had to re-read (see runOurs). */
  recoded: number;
  /** First difference between ours fed in 7-byte chunks and ours fed whole. */
  chunked: string | null;
}

const summaries: FileSummary[] = [];

function corpusFiles(): { file: string; dir: CorpusStandard; full: string }[] {
  const out: { file: string; dir: CorpusStandard; full: string }[] = [];
  for (const dir of ['x12', 'edifact'] as const) {
    const d = path.join(CORPUS, dir);
    if (!existsSync(d)) continue;
    for (const file of readdirSync(d).sort()) out.push({ file, dir, full: path.join(d, file) });
  }
  return out;
}

if (!existsSync(CORPUS)) {
  describe('differential conformance', () => {
    it(`detects that the corpus is absent (${CORPUS})`, () => {
      console.warn(`differential test: corpus not found at ${CORPUS}; nothing compared. Put ../shared/corpus beside the clone to run it.`);
      expect(existsSync(CORPUS)).toBe(false);
    });
  });
} else {
  const files = corpusFiles();

  describe('differential conformance against x12-parser, node-x12 and edifact', () => {
    it('finds corpus files', () => {
      expect(files.length).toBeGreaterThan(0);
    });

    it.each(files.map((f) => [`${f.dir}/${f.file}`, f] as const))('%s', async (_name, f) => {
      const bytes = readFileSync(f.full);
      const { text, utf8 } = normalizedText(bytes);
      const standard = standardOfText(text) ?? f.dir;
      const invalid = f.file.startsWith('INVALID_');

      let reference: NormSegment[] | null = null;
      try {
        reference = standard === 'x12' ? referenceX12(text) : referenceEdifact(text);
      } catch (e) {
        // Only a broken file may defeat the reference.
        if (!invalid) throw e;
      }

      const ours = runOurs(bytes, { latin1: !utf8, utf8Text: utf8 });
      const oursChunked = runOurs(bytes, { latin1: !utf8, utf8Text: utf8, chunkSize: 7 });
      const summary: FileSummary = { file: `${f.dir}/${f.file}`, standard, libraries: {}, why: {}, oursVsReference: null, recoded: ours.recoded, chunked: null };
      summaries.push(summary);
      const failures: string[] = [];
      summary.chunked = firstDifference(oursChunked.segments, ours.segments, 'ours(7-byte chunks)', 'ours(whole)');
      if (summary.chunked) failures.push(`ours fed in 7-byte chunks differs from ours fed whole: ${summary.chunked}`);
      for (const lib of LIBRARIES[standard]) {
        const outcome: LibraryOutcome = await runLibrary(lib, text);
        if (!outcome.ok) {
          summary.libraries[lib] = 'threw';
          summary.why[lib] = outcome.error;
          continue;
        }
        const libDiff = reference === null ? 'no reference' : firstDifference(outcome.segments, reference, lib, 'reference');
        const right = libDiff === null;
        if (libDiff) summary.why[lib] = libDiff;
        summary.libraries[lib] = right ? 'right' : 'wrong';
        if (right) {
          const diff = firstDifference(ours.segments, outcome.segments, 'ours', lib);
          if (diff) failures.push(`${lib} is right here but ours differs: ${diff}`);
        }
      }
      if (reference !== null) summary.oursVsReference = firstDifference(ours.segments, reference, 'ours', 'reference');
      if (!invalid && summary.oursVsReference) failures.push(`ours differs from the reference: ${summary.oursVsReference}`);
      expect(failures).toEqual([]);
    });
  });

  afterAll(() => {
    const lines: string[] = ['Differential conformance summary (library "right" = output equals the reference exactly):'];
    for (const lib of ['x12-parser', 'node-x12', 'edifact'] as const) {
      const applicable = summaries.filter((s) => s.libraries[lib] !== undefined);
      const count = (v: string) => applicable.filter((s) => s.libraries[lib] === v).length;
      lines.push(`  ${lib}: right on ${count('right')} of ${applicable.length} files (wrong ${count('wrong')}, threw ${count('threw')})`);
    }
    const differing = summaries.filter((s) => s.oursVsReference);
    lines.push(`  ours differs from the reference on ${differing.length} files${differing.length ? ':' : ''}`);
    for (const s of differing) lines.push(`    ${s.file}: ${s.oursVsReference}`);
    const recoded = summaries.filter((s) => s.recoded > 0);
    lines.push(`  UTF-8 text in interchanges declaring UNOA/UNOB/UNOC (ours decodes ISO-8859-1 there; compared after re-reading as UTF-8): ${recoded.length} files`);
    for (const s of recoded) lines.push(`    ${s.file}`);
    const chunked = summaries.filter((s) => s.chunked);
    lines.push(`  ours fed in 7-byte chunks differs from ours fed whole on ${chunked.length} files${chunked.length ? ':' : ''}`);
    for (const s of chunked) lines.push(`    ${s.file}: ${s.chunked}`);
    const clip = (t: string) => (t.length > 300 ? `${t.slice(0, 300)}...` : t);
    for (const s of summaries) {
      lines.push(`  ${s.file}: ${Object.entries(s.libraries).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      for (const [lib, why] of Object.entries(s.why)) lines.push(`      ${lib}: ${clip(why)}`);
    }
    console.log(lines.join('\n'));
  });
}
