/**
 * One measurement in a fresh process: `node dist/bench/one.js <impl> <file>`. Prints one JSON line:
 * bytes, milliseconds from the first read to the last event, MB/s, peak RSS and the segment count.
 */
import { statSync } from 'node:fs';
import { implByName } from './impls';

export interface Measurement {
  impl: string;
  file: string;
  bytes: number;
  ms: number;
  mbps: number;
  maxRssMB: number;
  segments: number;
  errors?: number;
  note?: string;
  failed?: string;
}

async function main(): Promise<void> {
  const [name, file] = process.argv.slice(2);
  if (!name || !file) {
    process.stderr.write('usage: node dist/bench/one.js <impl> <file>\n');
    process.exit(2);
  }
  const impl = implByName(name);
  const bytes = statSync(file).size;
  const m: Measurement = { impl: name, file, bytes, ms: 0, mbps: 0, maxRssMB: 0, segments: 0 };
  const run = await impl.prepare();
  const t0 = process.hrtime.bigint();
  try {
    const r = await run(file);
    m.segments = r.segments;
    if (r.errors !== undefined) m.errors = r.errors;
    if (r.note) m.note = r.note;
  } catch (e) {
    m.failed = e instanceof Error ? e.message : String(e);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  m.ms = Math.round(ms * 10) / 10;
  m.mbps = bytes / (1024 * 1024) / (ms / 1000);
  m.maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(m) + '\n');
}

void main();
