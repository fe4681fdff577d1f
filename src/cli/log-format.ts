/**
 * A readable log line for the terminal (the demo): time, level, message and the ids that matter,
 * instead of pino's JSON, which stays the format of `start` (for log collectors).
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'correlationId']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (Array.isArray(v)) return v.map(value).join(', ');
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** One JSON log line → one human line (non-JSON lines pass through). */
export function humanLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(o)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${time} ${LEVELS[o.level as number] ?? o.level} ${String(o.msg ?? '')}${fields ? `  ${fields}` : ''}`;
}

/** A stream for pino that writes human lines to `out`. */
export function humanLogStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      out.write(
        text
          .split('\n')
          .filter((l) => l !== '')
          .map(humanLine)
          .join('\n') + '\n',
      );
      done();
    },
  });
}
