/** A pino logger whose lines tests can read back, parsed. */
import { Writable } from 'node:stream';
import pino from 'pino';

/** A logger at `level` and the lines it has written so far. */
export function capturingLogger(level: pino.Level = 'debug'): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
