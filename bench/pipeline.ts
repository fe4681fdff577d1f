/**
 * End-to-end inbound benchmark: northgate 850s dropped as files into a fresh data folder's inbound
 * folder, taken by the Gateway (dir channel → SQLite ledger → process → post), posted either to a
 * zero-latency sink (the pipeline's own overhead) or to the Odoo sandbox on 127.0.0.1 over JSON-RPC.
 *
 *   node dist/bench/pipeline.js [--orders N] [--per-file K] [--lines L] [--concurrency C]
 *                               [--sink null|odoo|both] [--sustained K] [--cpu-prof DIR] [--keep]
 *                               [--node-flags "--flag …"] [--threads N]
 *
 * The gateway runs in a child process of its own (this file with `--child`), so its peak RSS is the
 * gateway's alone and a CPU profile covers only it; the sandbox runs here, in the parent, the way Odoo
 * is another process on the box. Every figure comes from the child's ledger: throughput from the first
 * file taken (`messages.created_at`) to the last document posted (`documents.updated_at`), latency per
 * document from its file's arrival in the ledger to its posting. A run that loses or doubles a
 * document throws: the sandbox's sale orders and the ledger's posted documents must both equal --orders.
 *
 * With the null sink it also runs K × --orders in one gateway (`--sustained`, default 3) and reports the
 * rate of each --orders documents posted in turn: the first includes the gateway's start and V8's
 * compiling of the hot code, the last is the per-document overhead of a gateway that has been running.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { X12InterchangeWriter } from '../src/edi/x12/writer';
import type { ParsedSegment } from '../src/edi/common/segment';
import { OdooClient } from '../src/odoo/client';
import { startSandbox, type SandboxHandle } from '../src/odoo/sandbox';
import { loadPartners } from '../src/partners';
import { Gateway } from '../src/pipeline/gateway';
import { GatewayMetrics } from '../src/pipeline/metrics';
import { nullSink, odooSink, type DocumentSink } from '../src/pipeline/sink';
import { AnalysisPool } from '../src/pipeline/analysis-pool';
import { CHECKPOINT_INTERVAL_MS, SqliteLedger } from '../src/store';

const ROOT = resolve(__dirname, '..', '..');
const SELF = __filename;
const BENCH_PRODUCTS = 200;
const SANDBOX_PASSWORD = 'bench';

/** Issue targets for this benchmark. */
const TARGET = { odooDocsPerSec: 1000, nullDocsPerSec: 5000, rssMB: 300 };

export type SinkKind = 'null' | 'odoo';

/** What one bench invocation runs. */
export interface PipelineBenchOptions {
  orders: number;
  /** Transactions (850s) per file; one interchange per file, one group per interchange. */
  perFile: number;
  lines: number;
  /** Gateway `concurrency` (posting runs at once; the service's default, 8); also the Odoo client's maxConcurrency. */
  concurrency: number;
  /** New orders posted together (the service's `pipeline.postBatch`, 16). */
  postBatch: number;
  /** Analysis worker threads of the gateway (0: everything in its main thread). */
  workers: number;
  sinks: SinkKind[];
  /** With the null sink, also a run of this many times `orders` in one gateway, rated per `orders` posted (0: none). */
  sustained: number;
  /** Write a V8 CPU profile of the gateway child into this folder. */
  cpuProfDir?: string;
  /** Node/V8 flags for the gateway child after the CLI's own (`--node-flags "--flag …"`), to try a flag. */
  nodeFlags: string[];
  /** Print the CPU time of each of the child's threads at every this many documents posted (`--threads N`). */
  threadsEvery?: number;
  /** Keep the temp data folders (to look at the ledger afterwards). */
  keep: boolean;
}

/** Defaults: 10 000 orders of 20 lines, 50 per file (a partner batching a few minutes of orders); the service's pipeline defaults. */
export const DEFAULT_PIPELINE_OPTIONS: PipelineBenchOptions = { orders: 10_000, perFile: 50, lines: 20, concurrency: 8, postBatch: 16, workers: 1, sinks: ['null', 'odoo'], sustained: 3, nodeFlags: [], keep: false };

/** What the child measured, read back from its ledger after the run. */
interface ChildResult {
  sink: SinkKind;
  orders: number;
  files: number;
  ms: number;
  docsPerSec: number;
  /** Documents/s of each `window` documents posted in turn (the first from the first file taken). */
  windows: number[];
  latency: { p50: number; p90: number; p99: number; max: number };
  /** Taken → processed (mapped, in the ledger) and processed → posted, p50 / p99 (ms). */
  queue: { processP50: number; processP99: number; postP50: number; postP99: number };
  peakRssMB: number;
  sampledRssMB: number;
  /** CPU time of the gateway process (every thread, user + system) per posted document, ms: what a busy box does not hide. */
  cpuMsPerDoc: number;
  /** The part of it spent on the main thread (ledger, channels, posting; NaN where /proc is missing). */
  mainCpuMsPerDoc: number;
  ledger: { posted: number; documents: number; distinctOrders: number; messages: Record<string, number>; documentStates: Record<string, number> };
  wallMs: number;
  error?: string;
}

/** One measured run as reported. */
export interface PipelineRun extends ChildResult {
  saleOrders?: number;
  /** CPU time of the sandbox (this process, while the child ran) per document, ms: the other half of the box. */
  sandboxCpuMsPerDoc?: number;
  /** Sandbox: HTTP requests, TCP connections and calls per `model.method` over the run. */
  rpc?: { requests: number; connections: number; maxInFlight: number; calls: Record<string, number> };
  verified: boolean;
  problems: string[];
}

const seg = (tag: string, ...values: string[]): ParsedSegment => ({ tag, elements: values.map((v) => [[v]]) });
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * One northgate interchange (ISA13 = `icn`) holding orders `first`…`first+count-1`, each with `lines`
 * PO1 lines over BENCH-0001…BENCH-0200 as vendor part numbers (PO1 VP: our Internal Reference, which the
 * northgate mapping passes through; its items.csv only cross-references BP buyer numbers).
 */
export function northgateInterchange(icn: number, first: number, count: number, lines: number): string {
  const now = new Date(Date.UTC(2026, 10, 26, 12, 0));
  const w = new X12InterchangeWriter({ senderQualifier: 'ZZ', senderId: 'NORTHGATEIND', receiverQualifier: 'ZZ', receiverId: 'BRIGHTWATERVF', version: '00401', controlNumber: icn }, { now, lineBreak: '\n' });
  w.beginGroup({ functionalId: 'PO', applicationSender: 'NORTHGATEIND', applicationReceiver: 'BRIGHTWATERVF', controlNumber: icn, version: '004010' });
  for (let t = 0; t < count; t++) {
    const order = first + t;
    w.beginTransaction('850', t + 1);
    w.segment(seg('BEG', '00', 'SA', `BENCH-PO-${pad(order, 7)}`, '', '20261126'));
    w.segment(seg('CUR', 'BY', 'USD'));
    w.segment(seg('REF', 'DP', '118'));
    w.segment(seg('PER', 'BD', 'MARTA OKAFOR', 'TE', '6145550148', 'EM', 'MOKAFOR@NORTHGATE-IND.EXAMPLE'));
    w.segment(seg('DTM', '002', '20261210'));
    // The seeded delivery contact: found, not created (creating one per order would measure contact races).
    w.segment(seg('N1', 'ST', 'NORTHGATE DC COLUMBUS', '92', 'DC07'));
    w.segment(seg('N3', '4200 LOGISTICS PKWY', 'DOCK 14'));
    w.segment(seg('N4', 'GROVEPORT', 'OH', '43125', 'US'));
    let qty = 0;
    for (let l = 1; l <= lines; l++) {
      const q = 1 + ((order * 7 + l * 13) % 48);
      qty += q;
      const product = ((order * lines + l - 1) % BENCH_PRODUCTS) + 1;
      w.segment(seg('PO1', String(l), String(q), 'EA', '10', 'PE', 'VP', `BENCH-${pad(product, 4)}`));
      w.segment(seg('PID', 'F', '', '', '', `BENCHMARK ITEM ${pad(product, 4)}`));
    }
    w.segment(seg('CTT', String(lines), String(qty)));
    w.endTransaction();
  }
  return w.end();
}

/** Write the orders as files into `inbound`; returns the number of files. */
function writeInbound(inbound: string, o: Pick<PipelineBenchOptions, 'orders' | 'perFile' | 'lines'>): number {
  mkdirSync(inbound, { recursive: true });
  let files = 0;
  for (let first = 1; first <= o.orders; first += o.perFile, files++) {
    const count = Math.min(o.perFile, o.orders - first + 1);
    // Written under a .tmp name and renamed, as a well-behaved partner does (the folder ignores *.tmp).
    const name = `PO-${pad(files + 1, 6)}.edi`;
    writeFileSync(join(inbound, `${name}.tmp`), northgateInterchange(files + 1, first, count, o.lines), 'latin1');
    renameSync(join(inbound, `${name}.tmp`), join(inbound, name));
  }
  return files;
}

/** Documents/s of each `window` consecutive postings (times in ms, sorted), the first window counted from `t0`. */
export function windowRates(t0: number, postedAt: readonly number[], window: number): number[] {
  const out: number[] = [];
  for (let end = window; end <= postedAt.length; end += window) {
    const from = end === window ? t0 : postedAt[end - window - 1];
    out.push((window * 1000) / Math.max(1, postedAt[end - 1] - from));
  }
  return out;
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

// ------------------------------------------------------------------------------------ the child

interface ChildConfig {
  sink: SinkKind;
  data: string;
  orders: number;
  files: number;
  /** Posted documents per rated window. */
  window: number;
  concurrency: number;
  postBatch: number;
  /** Analysis worker threads (0: in the gateway's main thread). */
  workers: number;
  sandboxUrl?: string;
  sandboxDb?: string;
  /** Print each thread's CPU time at every this many documents posted (`--threads`). */
  threadsEvery?: number;
}

/**
 * CPU time of this process's main thread so far (ms, user + system), from /proc (Linux; NaN elsewhere):
 * with the process total it splits the gateway's CPU into the main thread and the rest (analysis worker,
 * V8's GC helpers, libuv's pool), which says which side a change has to make cheaper.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are the 14th and 15th fields of stat(5), counted from the pid.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** CPU ms (user + system) of each thread of this process, by thread id, from /proc (Linux; empty elsewhere). */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS);
    }
  } catch {
    // Not Linux: nothing to show.
  }
  return out;
}

/**
 * Print to stderr, at every `every` documents posted, the CPU ms each thread spent since the last line:
 * the main thread, then the others by thread id (the analysis worker is the busy one; the rest are V8's
 * compiler and GC threads, the WAL checkpointer and libuv's pool). Shows how much of a cold run is V8
 * compiling the hot code.
 */
function followThreads(every: number, posted: () => number): { stop(): void } {
  let last = threadCpuMs();
  let lastPosted = 0;
  const line = (): void => {
    const now = threadCpuMs();
    const main = (now.get(process.pid) ?? 0) - (last.get(process.pid) ?? 0);
    const others = [...now].filter(([tid]) => tid !== process.pid).map(([tid, ms]) => Math.round(ms - (last.get(tid) ?? 0)));
    process.stderr.write(`    threads at ${posted()} posted: main ${Math.round(main)} ms, others ${others.join(' ')} ms\n`);
    last = now;
    lastPosted = posted();
  };
  const timer = setInterval(() => {
    if (posted() - lastPosted >= every) line();
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      if (posted() > lastPosted) line();
    },
  };
}

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * The service's metrics, counting the documents posted: the harness follows the run from this count
 * instead of counting ledger rows every poll, a query that grows with the ledger in the measured process.
 */
class ProgressMetrics extends GatewayMetrics {
  posted = 0;

  override document(partner: string, type: string, state: string): void {
    if (state === 'posted') this.posted++;
    super.document(partner, type, state);
  }
}

/** The measured part: a Gateway over the data folder until every order is posted (or something failed). */
async function child(cfg: ChildConfig): Promise<ChildResult> {
  const started = Date.now();
  let sampled = process.memoryUsage.rss();
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage.rss())), 50);
  const partnersRoot = join(ROOT, 'partners');
  const registry = loadPartners(partnersRoot, { dataRoot: cfg.data });
  const pool = cfg.workers > 0 ? new AnalysisPool({ partnersRoot, loadOptions: { dataRoot: cfg.data }, workers: cfg.workers }) : undefined;
  const ledgerPath = join(cfg.data, 'ledger.sqlite');
  // As `edi-gateway start` opens it.
  const ledger = new SqliteLedger({ file: ledgerPath, backgroundCheckpointMs: CHECKPOINT_INTERVAL_MS });
  // With the metrics `edi-gateway start` keeps (process metrics included), which the pipeline updates as it goes.
  const metrics = new ProgressMetrics();
  let sink: DocumentSink;
  if (cfg.sink === 'odoo') {
    if (!cfg.sandboxUrl || !cfg.sandboxDb) throw new Error('the odoo sink needs the sandbox url');
    const client = new OdooClient({ url: cfg.sandboxUrl, db: cfg.sandboxDb, login: 'admin', password: SANDBOX_PASSWORD, protocol: 'jsonrpc', maxConcurrency: cfg.concurrency, observer: metrics.odooObserver });
    sink = odooSink(client);
  } else sink = nullSink();
  // Logging off: the bench measures the pipeline, not pino writing 30 000 lines to a pipe.
  const gateway = new Gateway({ ledger, registry, sink, logger: pino({ level: 'silent' }), metrics, settleMs: 0, dirPollMs: 100, pollMs: 100, concurrency: cfg.concurrency, postBatch: cfg.postBatch, ...(pool ? { analyse: pool.analyse } : {}) });
  let error: string | undefined;
  // As the service starts.
  await pool?.ready();
  await gateway.start();
  let lastPosted = -1;
  let lastProgress = Date.now();
  const threads = cfg.threadsEvery ? followThreads(cfg.threadsEvery, () => metrics.posted) : undefined;
  for (;;) {
    // The harness polls in the measured process: not more often than it needs to notice the end.
    await new Promise((r) => setTimeout(r, 250));
    if (metrics.posted !== lastPosted && metrics.posted < cfg.orders) {
      lastPosted = metrics.posted;
      lastProgress = Date.now();
      continue;
    }
    // All posted by the count, or no progress since the last poll: the ledger says how every row stands.
    const c = ledger.counts();
    const posted = c.documents.posted ?? 0;
    const bad = (c.documents.dead ?? 0) + (c.documents.parked ?? 0) + (c.documents.held ?? 0) + (c.documents.retry ?? 0) + (c.messages.failed ?? 0) + (c.messages.duplicate ?? 0) + (c.messages.held ?? 0);
    if (posted >= cfg.orders) break;
    if (bad > 0) {
      error = `documents not posted: ${JSON.stringify(c.documents)}, messages ${JSON.stringify(c.messages)}`;
      break;
    }
    if (posted !== lastPosted) {
      lastPosted = posted;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > 30_000) {
      error = `no progress for 30 s at ${posted} posted: ${JSON.stringify(c)}`;
      break;
    }
  }
  const mainCpuMs = mainThreadCpuMs();
  threads?.stop();
  await gateway.stop();
  await pool?.close();
  ledger.close();
  clearInterval(sampler);
  sampled = Math.max(sampled, process.memoryUsage.rss());
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const cpu = process.cpuUsage();

  const db = new Database(ledgerPath, { readonly: true });
  const one = <T>(sql: string): T => db.prepare(sql).get() as T;
  const { t0 } = one<{ t0: number }>(`SELECT MIN(created_at) AS t0 FROM messages WHERE direction = 'inbound'`);
  const { t1 } = one<{ t1: number }>(`SELECT MAX(updated_at) AS t1 FROM documents WHERE state = 'posted'`);
  const postedAt = (db.prepare(`SELECT updated_at AS at FROM documents WHERE state = 'posted' ORDER BY updated_at`).all() as { at: number }[]).map((r) => r.at);
  const rows = db
    .prepare(`SELECT d.updated_at - m.created_at AS total, d.created_at - m.created_at AS proc, d.updated_at - d.created_at AS post FROM documents d JOIN messages m ON m.id = d.message_id WHERE d.state = 'posted'`)
    .all() as { total: number; proc: number; post: number }[];
  const sorted = (k: 'total' | 'proc' | 'post'): number[] => rows.map((r) => r[k]).sort((a, b) => a - b);
  const total = sorted('total');
  const proc = sorted('proc');
  const post = sorted('post');
  const states = (sql: string): Record<string, number> => Object.fromEntries((db.prepare(sql).all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  const ledgerFigures = {
    posted: total.length,
    documents: one<{ n: number }>('SELECT COUNT(*) AS n FROM documents').n,
    distinctOrders: one<{ n: number }>(`SELECT COUNT(DISTINCT business_key) AS n FROM documents WHERE state = 'posted'`).n,
    messages: states(`SELECT direction || ':' || state AS state, COUNT(*) AS n FROM messages GROUP BY 1`),
    documentStates: states('SELECT state, COUNT(*) AS n FROM documents GROUP BY state'),
  };
  db.close();
  const ms = Math.max(1, (t1 ?? t0) - t0);
  return {
    sink: cfg.sink,
    orders: cfg.orders,
    files: cfg.files,
    ms,
    docsPerSec: (ledgerFigures.posted * 1000) / ms,
    windows: windowRates(t0, postedAt, cfg.window),
    latency: { p50: quantile(total, 0.5), p90: quantile(total, 0.9), p99: quantile(total, 0.99), max: total[total.length - 1] ?? NaN },
    queue: { processP50: quantile(proc, 0.5), processP99: quantile(proc, 0.99), postP50: quantile(post, 0.5), postP99: quantile(post, 0.99) },
    peakRssMB: peakRss / 1024 / 1024,
    cpuMsPerDoc: (cpu.user + cpu.system) / 1000 / Math.max(1, ledgerFigures.posted),
    mainCpuMsPerDoc: mainCpuMs / Math.max(1, ledgerFigures.posted),
    sampledRssMB: sampled / 1024 / 1024,
    ledger: ledgerFigures,
    wallMs: Date.now() - started,
    error,
  };
}

// ----------------------------------------------------------------------------------- the parent

/** The node flags on the CLI's shebang line (`#!/usr/bin/env -S node --max-semi-space-size=8`). */
function cliHeapFlags(): string[] {
  const first = readFileSync(join(ROOT, 'bin', 'edi-gateway.js'), 'utf8').split('\n', 1)[0];
  return first.split(/\s+/).filter((a) => a.startsWith('--'));
}


/** Run the child on a prepared data folder; the sandbox (if any) keeps serving in this process meanwhile. */
function runChild(cfg: ChildConfig, cpuProfDir: string | undefined, nodeFlags: readonly string[]): Promise<ChildResult> {
  // The heap flags `edi-gateway start` runs with (the CLI's shebang line), so the RSS and CPU measured are
  // the service's; the analysis worker sizes its own young generation.
  const flags = [...cliHeapFlags(), ...nodeFlags, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `gateway-${cfg.sink}-${cfg.orders}`)}`] : [])];
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, [...flags, SELF, '--child', JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolvePromise(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`the gateway child exited with ${code ?? signal} without a result: ${out.slice(-500)}`));
      }
    });
  });
}

const log = (s: string): void => void process.stderr.write(s + '\n');

/** One run: fresh data folder and ledger, files written, sandbox (odoo sink), child, verification. */
async function runOnce(kind: SinkKind, o: PipelineBenchOptions, window = o.orders): Promise<PipelineRun> {
  const data = mkdtempSync(join(tmpdir(), `edi-bench-pipeline-${kind}-`));
  let sandbox: SandboxHandle | undefined;
  try {
    const t = Date.now();
    const files = writeInbound(join(data, 'exchange', 'northgate', 'inbound'), o);
    log(`  ${kind}: ${o.orders} orders × ${o.lines} lines in ${files} files written in ${((Date.now() - t) / 1000).toFixed(1)} s (${data})`);
    if (kind === 'odoo') sandbox = await startSandbox({ benchProducts: BENCH_PRODUCTS, password: SANDBOX_PASSWORD, atomicCalls: false });
    const cpu0 = process.cpuUsage();
    const r = await runChild({ sink: kind, data, orders: o.orders, files, window, concurrency: o.concurrency, postBatch: o.postBatch, workers: o.workers, sandboxUrl: sandbox?.url, sandboxDb: sandbox?.db, ...(o.threadsEvery ? { threadsEvery: o.threadsEvery } : {}) }, o.cpuProfDir, o.nodeFlags);
    const cpu = process.cpuUsage(cpu0);
    const problems: string[] = [];
    if (r.error) problems.push(r.error);
    if (r.ledger.posted !== o.orders) problems.push(`ledger: ${r.ledger.posted} documents posted, expected ${o.orders}`);
    if (r.ledger.documents !== o.orders) problems.push(`ledger: ${r.ledger.documents} documents in all, expected ${o.orders}`);
    if (r.ledger.distinctOrders !== o.orders) problems.push(`ledger: ${r.ledger.distinctOrders} distinct order numbers posted, expected ${o.orders}`);
    let saleOrders: number | undefined;
    if (sandbox) {
      await sandbox.idle();
      const rows = sandbox.data.rows('sale.order');
      saleOrders = rows.length;
      const refs = new Set(rows.map((row) => String(row.client_order_ref)));
      const confirmed = rows.filter((row) => row.state === 'sale').length;
      if (saleOrders !== o.orders) problems.push(`sandbox: ${saleOrders} sale.order records, expected ${o.orders}`);
      if (refs.size !== saleOrders) problems.push(`sandbox: ${saleOrders - refs.size} sale orders share a customer reference (posted twice)`);
      if (confirmed !== saleOrders) problems.push(`sandbox: ${saleOrders - confirmed} sale orders not confirmed`);
    }
    const rpc = sandbox ? { requests: sandbox.stats.requests, connections: sandbox.stats.connections, maxInFlight: sandbox.stats.maxInFlight, calls: { ...sandbox.stats.calls } } : undefined;
    const sandboxCpuMsPerDoc = sandbox ? (cpu.user + cpu.system) / 1000 / o.orders : undefined;
    return { ...r, saleOrders, sandboxCpuMsPerDoc, rpc, verified: problems.length === 0, problems };
  } finally {
    await sandbox?.close();
    if (!o.keep) rmSync(data, { recursive: true, force: true });
  }
}

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '-');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');

/** Run the pipeline benchmark; returns the report lines (markdown) and whether every run was verified. */
export async function runPipelineBench(o: PipelineBenchOptions): Promise<{ lines: string[]; runs: PipelineRun[]; ok: boolean }> {
  const runs: PipelineRun[] = [];
  const plan: { kind: SinkKind; o: PipelineBenchOptions }[] = o.sinks.map((kind) => ({ kind, o }));
  if (o.sustained > 1 && o.sinks.includes('null')) plan.push({ kind: 'null', o: { ...o, orders: o.orders * o.sustained } });
  for (const { kind, o: run } of plan) {
    log(`pipeline bench: ${kind} sink, ${run.orders} orders ...`);
    const r = await runOnce(kind, run, o.orders);
    log(`  ${kind}: ${f0(r.docsPerSec)} documents/s (per ${o.orders} posted: ${r.windows.map(f0).join(' / ')}), p50 ${f0(r.latency.p50)} ms, p99 ${f0(r.latency.p99)} ms, peak RSS ${f1(r.peakRssMB)} MB, CPU ${r.cpuMsPerDoc.toFixed(2)} ms/document (main thread ${r.mainCpuMsPerDoc.toFixed(2)})${r.sandboxCpuMsPerDoc !== undefined ? ` (sandbox ${r.sandboxCpuMsPerDoc.toFixed(2)})` : ''}${r.verified ? '' : `; FAILED: ${r.problems.join('; ')}`}`);
    runs.push(r);
  }
  const out: string[] = [];
  out.push(`Pipeline (issue: end-to-end inbound): ${o.orders} northgate 850s × ${o.lines} lines, ${o.perFile} per file (one interchange, one group), files in the inbound folder before the gateway starts; gateway settleMs 0, dirPollMs 100, concurrency ${o.concurrency} (postBatch ${o.postBatch}), logging off, the service's Prometheus metrics on, ledger in WAL mode (durable commits fsynced); node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB. The gateway runs in its own process; the sandbox in the bench's process (jsonrpc on 127.0.0.1).`);
  out.push('');
  out.push('| sink | documents/s | wall s | latency p50 / p90 / p99 / max ms (file taken → posted) | taken → mapped p50 / p99 ms | mapped → posted p50 / p99 ms | peak RSS MB (maxrss / sampled) | gateway CPU ms / document (main thread) | sandbox CPU ms / document | verified |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of runs) {
    const verified = r.verified ? `yes: ${r.ledger.posted} posted once${r.saleOrders !== undefined ? `, ${r.saleOrders} sale orders` : ''}` : `**NO**: ${r.problems.join('; ')}`;
    out.push(
      `| ${r.sink === 'null' ? 'nullSink (zero latency)' : 'Odoo sandbox (jsonrpc)'}${r.orders !== o.orders ? `, ${r.orders} orders` : ''} | ${f0(r.docsPerSec)} | ${f1(r.ms / 1000)} | ${f0(r.latency.p50)} / ${f0(r.latency.p90)} / ${f0(r.latency.p99)} / ${f0(r.latency.max)} | ${f0(r.queue.processP50)} / ${f0(r.queue.processP99)} | ${f0(r.queue.postP50)} / ${f0(r.queue.postP99)} | ${f1(r.peakRssMB)} / ${f1(r.sampledRssMB)} | ${r.cpuMsPerDoc.toFixed(2)} (${r.mainCpuMsPerDoc.toFixed(2)}) | ${r.sandboxCpuMsPerDoc !== undefined ? r.sandboxCpuMsPerDoc.toFixed(2) : '-'} | ${verified} |`,
    );
  }
  for (const r of runs) {
    if (!r.rpc) continue;
    const perDoc = (n: number): string => (n / Math.max(1, r.ledger.posted)).toFixed(2);
    const calls = Object.entries(r.rpc.calls).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${perDoc(n)}`).join(', ');
    out.push('');
    out.push(`Sandbox traffic: ${r.rpc.requests} requests (${perDoc(r.rpc.requests)} per document) over ${r.rpc.connections} connections, at most ${r.rpc.maxInFlight} in flight; calls per document: ${calls}.`);
  }
  const sustained = runs.find((r) => r.orders !== o.orders);
  if (sustained) {
    out.push('');
    out.push(
      `Sustained (nullSink, ${sustained.orders} orders through one gateway): documents/s of each ${o.orders} posted in turn: ${sustained.windows.map(f0).join(' / ')}. The first includes the gateway's start (modules and partner folders loaded in both threads) and V8 compiling the hot code, which goes on for thousands of documents; the last is the per-document overhead of a gateway that has been running. The issue's measure is the ${o.orders}-order run above.`,
    );
  }
  out.push('');
  out.push('Targets (pipeline):');
  const target = (label: string, ok: boolean, detail: string): void => void out.push(`- ${ok ? 'PASS' : 'MISS'} ${label}: ${detail}`);
  const odoo = runs.find((r) => r.sink === 'odoo');
  const nul = runs.find((r) => r.sink === 'null' && r.orders === o.orders);
  if (odoo) target(`end to end with the Odoo sandbox >= ${TARGET.odooDocsPerSec} documents/s`, odoo.verified && odoo.docsPerSec >= TARGET.odooDocsPerSec, `${f0(odoo.docsPerSec)} documents/s`);
  if (nul) target(`pipeline overhead (nullSink) >= ${TARGET.nullDocsPerSec} documents/s`, nul.verified && nul.docsPerSec >= TARGET.nullDocsPerSec, `${f0(nul.docsPerSec)} documents/s`);
  for (const r of runs) target(`peak RSS of the gateway < ${TARGET.rssMB} MB (${r.sink} sink${r.orders !== o.orders ? `, ${r.orders} orders` : ''})`, r.peakRssMB < TARGET.rssMB, `${f1(r.peakRssMB)} MB`);
  for (const r of runs) target(`every document posted exactly once (${r.sink} sink${r.orders !== o.orders ? `, ${r.orders} orders` : ''})`, r.verified, r.verified ? `${r.ledger.posted}/${r.orders}` : r.problems.join('; '));
  return { lines: out, runs, ok: runs.every((r) => r.verified) };
}

/** Parse `[--orders N] [--per-file K] [--lines L] [--concurrency C] [--sink null|odoo|both] [--sustained K] [--cpu-prof DIR] [--node-flags "…"] [--threads N] [--keep]`. */
export function parsePipelineArgs(argv: string[]): PipelineBenchOptions {
  const o: PipelineBenchOptions = { ...DEFAULT_PIPELINE_OPTIONS };
  const int = (v: string | undefined, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--orders') o.orders = int(argv[++i], a);
    else if (a === '--per-file') o.perFile = int(argv[++i], a);
    else if (a === '--lines') o.lines = int(argv[++i], a);
    else if (a === '--concurrency') o.concurrency = int(argv[++i], a);
    else if (a === '--post-batch') o.postBatch = int(argv[++i], a);
    else if (a === '--workers') {
      o.workers = Number(argv[++i]);
      if (!Number.isInteger(o.workers) || o.workers < 0) throw new Error('--workers takes 0 or a positive integer');
    }
    else if (a === '--sink') {
      const v = argv[++i];
      if (v === 'both') o.sinks = ['null', 'odoo'];
      else if (v === 'null' || v === 'odoo') o.sinks = [v];
      else throw new Error('--sink takes null, odoo or both');
    } else if (a === '--cpu-prof') o.cpuProfDir = resolve(argv[++i] ?? '.');
    else if (a === '--node-flags') o.nodeFlags = (argv[++i] ?? '').split(/\s+/).filter(Boolean);
    else if (a === '--threads') {
      o.threadsEvery = Number(argv[++i]);
      if (!Number.isInteger(o.threadsEvery) || o.threadsEvery < 1) throw new Error('--threads takes a positive number of documents');
    } else if (a === '--sustained') {
      o.sustained = Number(argv[++i]);
      if (!Number.isInteger(o.sustained) || o.sustained < 0) throw new Error('--sustained takes 0 or a positive integer');
    } else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown argument ${a} (use --orders N, --per-file K, --lines L, --concurrency C, --post-batch B, --workers W, --sink null|odoo|both, --sustained K, --cpu-prof DIR, --node-flags "…", --threads N, --keep)`);
  }
  if (o.perFile > 9999) throw new Error('--per-file is at most 9999 (ST02 is four digits here)');
  return o;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const result = await child(JSON.parse(process.argv[3] ?? '{}') as ChildConfig);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const { lines, ok } = await runPipelineBench(parsePipelineArgs(process.argv.slice(2)));
  process.stdout.write('\n' + lines.join('\n') + '\n');
  if (!ok) {
    process.stderr.write('pipeline bench FAILED: documents were lost or posted twice (see above)\n');
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
