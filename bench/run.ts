/**
 * `npm run bench [-- --runs N] [--no-1gb] [--only x12|edifact|pipeline] [--no-pipeline] [--pipeline-orders N]`
 *
 * Generates the benchmark files on first run (bench/data/, cached), checks that our validator finds
 * zero errors in them, then measures every implementation in a fresh child process (`one.js`),
 * N runs each, and prints the median MB/s, peak RSS, segment counts and the ratios to ours and to
 * the indexOf floor, plus PASS/MISS per target of issue 2; then the end-to-end inbound pipeline
 * (bench/pipeline.ts: files → ledger → nullSink / Odoo sandbox). Results also go to bench/data/results/.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { EdiValidator } from '../src/edi/validate';
import { INPUT_CHUNK_BYTES } from '../src/cli/io';
import { generateEdifact, generateX12, repeatX12 } from './gen';
import { CHUNK, IMPLS, type Standard } from './impls';
import type { Measurement } from './one';
import { DEFAULT_PIPELINE_OPTIONS, runPipelineBench, type PipelineRun } from './pipeline';

const MB = 1024 * 1024;
const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench', 'data');
const RESULTS = join(DATA, 'results');
const ONE = join(__dirname, 'one.js');

const FILES: Record<Standard, string> = {
  x12: join(DATA, 'x12_850_100MB.edi'),
  edifact: join(DATA, 'edifact_orders_D96A_100MB.edi'),
};
const FILE_1GB = join(DATA, 'x12_850_1GB.edi');

/** indexOf floor measured on the box where issue 2's MB/s targets were set (libraries.md §4). */
const REFERENCE_FLOOR: Record<Standard, number> = { x12: 1978.5, edifact: 1543.8 };

interface Args {
  runs: number;
  oneGb: boolean;
  only: Standard | null;
  /** Run the end-to-end pipeline section. */
  pipeline: boolean;
  /** Only the pipeline section. */
  pipelineOnly: boolean;
  pipelineOrders: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 3, oneGb: true, only: null, pipeline: true, pipelineOnly: false, pipelineOrders: DEFAULT_PIPELINE_OPTIONS.orders };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') a.runs = Math.max(1, Number(argv[++i]) || 1);
    else if (arg === '--no-1gb') a.oneGb = false;
    else if (arg === '--no-pipeline') a.pipeline = false;
    else if (arg === '--pipeline-orders') a.pipelineOrders = Math.max(1, Number(argv[++i]) || 1);
    else if (arg === '--only') {
      const v = argv[++i];
      if (v === 'pipeline') a.pipelineOnly = true;
      else if (v === 'x12' || v === 'edifact') {
        a.only = v;
        a.pipeline = false;
      } else throw new Error('--only takes x12, edifact or pipeline');
    } else throw new Error(`unknown argument ${arg} (use --runs N, --no-1gb, --only x12|edifact|pipeline, --no-pipeline, --pipeline-orders N)`);
  }
  return a;
}

const log = (s: string) => process.stderr.write(s + '\n');

/** Newest modification time of the validator's code and definitions (a change re-validates the data). */
function validatorVersion(): number {
  let newest = 0;
  for (const dir of [join(ROOT, 'src', 'edi'), join(ROOT, 'dist', 'src', 'edi')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) newest = Math.max(newest, statSync(join(dir, f)).mtimeMs);
  }
  return newest;
}

/** Validate a file with our full validator, streaming; throws with the first errors when not clean. */
async function assertValid(file: string): Promise<void> {
  const stamp = `${file}.validated`;
  const st = statSync(file);
  const key = `${st.size} ${st.mtimeMs} ${validatorVersion()}`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return;
  log(`validating ${basename(file)} with ours:validate ...`);
  const v = new EdiValidator();
  await new Promise<void>((res, rej) => {
    const s = createReadStream(file, { highWaterMark: CHUNK });
    s.on('data', (b) => v.write(b as Buffer));
    s.on('error', rej);
    s.on('end', () => res());
  });
  const r = v.end();
  if (r.errorCount > 0) {
    const first = r.errors.slice(0, 5).map((e) => `  ${e.code} interchange ${e.interchange} transaction ${e.transaction} segment ${e.segmentIndex} ${e.segmentId ?? ''} element ${e.element ?? ''}: ${e.message}`);
    throw new Error(`${basename(file)}: our validator reports ${r.errorCount} errors; the generator must be fixed:\n${first.join('\n')}`);
  }
  log(`  ${basename(file)}: 0 errors, ${r.warningCount} warnings, ${r.segments} segments`);
  writeFileSync(stamp, key);
}

/** Generate (once) the data a standard needs. */
async function ensureData(std: Standard): Promise<string> {
  const file = FILES[std];
  if (!existsSync(file)) {
    mkdirSync(DATA, { recursive: true });
    log(`generating ${basename(file)} ...`);
    const tmp = `${file}.tmp`;
    const t = Date.now();
    const bytes = std === 'x12' ? generateX12(tmp, { targetBytes: 100 * MB }) : generateEdifact(tmp, { targetBytes: 100 * MB });
    renameSync(tmp, file);
    log(`  ${(bytes / MB).toFixed(1)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await assertValid(file);
  return file;
}

function measure(impl: string, file: string, timeoutMs = 600_000, nodeFlags: string[] = [], env: Record<string, string> = {}): Measurement {
  const r = spawnSync(process.execPath, [...nodeFlags, ONE, impl, file], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * MB, env: { ...process.env, ...env } });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measurement;
  } catch {
    return { impl, file, bytes: 0, ms: 0, mbps: 0, maxRssMB: 0, segments: 0, failed: `exit ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  }
}

interface Row {
  impl: string;
  std: Standard;
  file: string;
  mbps: number;
  rssMedian: number;
  rssMax: number;
  segments: number | string;
  failed?: string;
  note?: string;
  all: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(impl: string, std: Standard, file: string, ms: Measurement[]): Row {
  const ok = ms.filter((m) => !m.failed);
  const failed = ms.find((m) => m.failed)?.failed;
  const notes = [...new Set(ms.map((m) => m.note).filter((n): n is string => !!n))];
  const errors = ms.find((m) => m.errors !== undefined)?.errors;
  if (errors !== undefined) notes.unshift(`${errors} validation errors`);
  return {
    impl,
    std,
    file: basename(file),
    mbps: ok.length ? median(ok.map((m) => m.mbps)) : 0,
    rssMedian: median(ms.map((m) => m.maxRssMB)),
    rssMax: Math.max(...ms.map((m) => m.maxRssMB)),
    segments: ok.length ? ok[0].segments : '-',
    failed,
    note: notes.join('; ') || undefined,
    all: ok.map((m) => Math.round(m.mbps * 10) / 10),
  };
}

const f1 = (x: number) => x.toFixed(1);

/** Rows that are neither ours nor an npm library. */
const isLibraryRow = (impl: string): boolean => !impl.startsWith('ours') && !impl.startsWith('edi-gateway') && impl !== 'indexOf' && impl !== 'byte-scan';

/** The source tree measured: commit and whether it had uncommitted changes. */
function treeState(): string {
  const r = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown (no git)';
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const loadBefore = loadavg()[0];
  const stds: Standard[] = args.pipelineOnly ? [] : args.only ? [args.only] : ['x12', 'edifact'];
  const started = Date.now();
  const rows: Row[] = [];
  for (const std of stds) {
    const file = await ensureData(std);
    for (const impl of IMPLS.filter((i) => i.standards.includes(std))) {
      const ms: Measurement[] = [];
      for (let r = 0; r < args.runs; r++) {
        const m = measure(impl.name, file);
        ms.push(m);
        log(`  ${impl.name} ${basename(file)} run ${r + 1}: ${m.failed ? `FAILED ${m.failed}` : `${f1(m.mbps)} MB/s, ${f1(m.maxRssMB)} MB RSS, ${m.segments} segments`}`);
      }
      rows.push(summarize(impl.name, std, file, ms));
    }
  }

  let big: Row | null = null;
  let bigSmallHeap: Row | null = null;
  if (args.oneGb && !args.pipelineOnly && (!args.only || args.only === 'x12')) {
    const src = await ensureData('x12');
    if (!existsSync(FILE_1GB)) {
      log(`generating ${basename(FILE_1GB)} (the 100 MB file ×10, renumbered) ...`);
      const tmp = `${FILE_1GB}.tmp`;
      const bytes = repeatX12(src, tmp, 10);
      renameSync(tmp, FILE_1GB);
      log(`  ${(bytes / MB).toFixed(0)} MB`);
    }
    // As `edi-gateway validate` runs: the CLI's code in a process with the shebang's flags.
    const cliFlags = ['--max-semi-space-size=8', '--no-allocation-site-pretenuring'];
    const m = measure('cli:validate', FILE_1GB, 1_200_000, cliFlags);
    log(`  cli:validate ${basename(FILE_1GB)} (node ${cliFlags.join(' ')}): ${m.failed ? `FAILED ${m.failed}` : `${f1(m.mbps)} MB/s, ${f1(m.maxRssMB)} MB RSS, ${m.errors} errors`}`);
    big = summarize(`edi-gateway validate (node ${cliFlags.join(' ')}, reading into two buffers in turn)`, 'x12', FILE_1GB, [m]);
    // The validator fed by fs.createReadStream, as a program that does not reuse its read buffer would:
    // every chunk is a new buffer that waits for V8's external-memory GC.
    const m2 = measure('ours:validate', FILE_1GB, 1_200_000, cliFlags, { BENCH_CHUNK: String(INPUT_CHUNK_BYTES) });
    log(`  ours:validate ${basename(FILE_1GB)} (createReadStream): ${m2.failed ? `FAILED ${m2.failed}` : `${f1(m2.mbps)} MB/s, ${f1(m2.maxRssMB)} MB RSS`}`);
    bigSmallHeap = summarize(`ours:validate (same flags, fs.createReadStream of ${INPUT_CHUNK_BYTES / 1024} KiB chunks)`, 'x12', FILE_1GB, [m2]);
  }

  const out: string[] = [];
  out.push(`tree ${treeState()}, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, ${new Date().toISOString()}, runs ${args.runs}, load average ${loadBefore.toFixed(2)} before / ${loadavg()[0].toFixed(2)} after (other processes on the box skew absolute numbers)`);
  out.push('');
  out.push('| implementation | file | MB/s (median) | peak RSS MB (median / max) | segments | ours ÷ this | ÷ indexOf floor | note |');
  out.push('|---|---|---:|---:|---:|---:|---:|---|');
  const find = (impl: string, std: Standard) => rows.find((r) => r.impl === impl && r.std === std);
  for (const r of [...rows, ...(big ? [big] : []), ...(bigSmallHeap ? [bigSmallHeap] : [])]) {
    const floor = find('indexOf', r.std);
    const oursImpl = r.impl === 'ours:validate' ? 'ours:validate' : 'ours:tokenize+envelope';
    const ours = find(oursImpl, r.std);
    const isLibrary = isLibraryRow(r.impl);
    const ratioOurs = isLibrary && ours && r.mbps > 0 ? `${f1(ours.mbps / r.mbps)}×` : '';
    const ratioFloor = floor && floor.mbps > 0 && r.mbps > 0 && r.file !== basename(FILE_1GB) ? `${(r.mbps / floor.mbps).toFixed(3)}` : '';
    const note = [r.failed ? `FAILED: ${r.failed}` : '', r.note ?? '', args.runs > 1 && r.file !== basename(FILE_1GB) ? `runs: ${r.all.join(', ')}` : ''].filter(Boolean).join('; ');
    out.push(`| ${r.impl} | ${r.file} | ${r.failed && !r.mbps ? 'FAILED' : f1(r.mbps)} | ${f1(r.rssMedian)} / ${f1(r.rssMax)} | ${r.segments} | ${ratioOurs} | ${ratioFloor} | ${note} |`);
  }
  out.push('');
  out.push('"ours ÷ this" = ours:tokenize+envelope MB/s divided by the library\'s MB/s on the same file. "÷ indexOf floor" = MB/s divided by the Buffer.indexOf terminator count (memory-bandwidth floor; it ignores release characters). byte-scan = every byte classified through a 256-entry table, no strings: the ceiling for a JS tokenizer.');
  out.push('');
  out.push('Targets (issue 2):');
  const target = (label: string, ok: boolean | null, detail: string) => out.push(`- ${ok === null ? 'N/A ' : ok ? 'PASS' : 'MISS'} ${label}: ${detail}`);
  for (const std of stds) {
    const t = find('ours:tokenize+envelope', std);
    const v = find('ours:validate', std);
    const libs = rows.filter((r) => r.std === std && isLibraryRow(r.impl) && r.mbps > 0);
    const fastest = libs.sort((a, b) => b.mbps - a.mbps)[0];
    const floor = find('indexOf', std);
    const scan = find('byte-scan', std);
    if (t) target(`${std} tokenize+envelope >= 300 MB/s`, t.mbps >= 300, `${f1(t.mbps)} MB/s`);
    if (t && floor && floor.mbps > 0) {
      const scaled = (300 * floor.mbps) / REFERENCE_FLOOR[std];
      target(`${std} tokenize+envelope >= 300 MB/s scaled to this box by the indexOf floor (${f1(floor.mbps)} here vs ${REFERENCE_FLOOR[std]} MB/s where the target was set)`, t.mbps >= scaled, `${f1(t.mbps)} vs ${f1(scaled)} MB/s (informational)`);
    }
    if (t && scan && scan.mbps > 0) target(`${std} tokenize+envelope within 3× of the byte scan`, t.mbps * 3 >= scan.mbps, `${f1(scan.mbps / t.mbps)}× slower than byte-scan (${f1(scan.mbps)} MB/s)`);
    if (t && fastest) target(`${std} tokenize+envelope >= 5× the fastest library`, t.mbps >= 5 * fastest.mbps, `${f1(t.mbps / fastest.mbps)}× ${fastest.impl} (${f1(fastest.mbps)} MB/s)`);
    if (v) target(`${std} full validation >= 100 MB/s`, v.mbps >= 100 && !v.failed, `${f1(v.mbps)} MB/s`);
  }
  if (big) {
    const small = bigSmallHeap ? `; the validator fed by fs.createReadStream instead: ${f1(bigSmallHeap.rssMax)} MB at ${f1(bigSmallHeap.mbps)} MB/s` : '';
    target('1 GB X12 streamed through edi-gateway validate, peak RSS < 100 MB', big.rssMax < 100 && !big.failed, `${f1(big.rssMax)} MB peak RSS, ${f1(big.mbps)} MB/s, ${big.note ?? ''}${small}`);
  }
  else target('1 GB peak RSS < 100 MB', null, 'skipped (--no-1gb or --only edifact|pipeline)');
  out.push('');
  // --only pipeline: no parser rows were measured, so their (empty) table and targets are left out.
  if (args.pipelineOnly) out.splice(2);
  // The end-to-end section runs last, after the parser children: it wants both cores to itself.
  let pipelineRuns: PipelineRun[] = [];
  let pipelineOk = true;
  if (args.pipeline) {
    const p = await runPipelineBench({ ...DEFAULT_PIPELINE_OPTIONS, orders: args.pipelineOrders });
    pipelineRuns = p.runs;
    pipelineOk = p.ok;
    out.push(...p.lines);
    out.push('');
  }
  const parserNote = rows.length > 0 ? ' Every implementation ran in a fresh `node dist/bench/one.js <impl> <file>`; time = first read to last event, file read with createReadStream (highWaterMark 1 MiB), file in the page cache.' : '';
  out.push(`Bench wall time ${((Date.now() - started) / 1000).toFixed(0)} s.${parserNote}`);
  const text = out.join('\n') + '\n';
  process.stdout.write('\n' + text);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.md'), text);
  writeFileSync(join(RESULTS, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ args, rows, big, bigSmallHeap, pipeline: pipelineRuns }, null, 2));
  // A pipeline run that lost or doubled a document is a failure, not a slow number.
  if (!pipelineOk) throw new Error('pipeline bench: documents were lost or posted twice (see the table above)');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
