/** Input and output helpers of the command line: files or stdin as streams, stdout with backpressure. */
import { createReadStream, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** The streams a command uses (injected in tests). */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** A usage or input/output problem: exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** Open FILE (or '-' for stdin) as a stream of Buffers, 256 KiB at a time. */
export function openInput(path: string, io: CliIo): Readable {
  if (path === '-') return io.stdin;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new CliUsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isFile) throw new CliUsageError(`${path} is not a file`);
  return createReadStream(path, { highWaterMark: 256 * 1024 });
}

/** Write text, waiting for the consumer when its buffer is full (so a 1 GB inspect does not fill memory). */
export async function writeOut(out: Writable, text: string): Promise<void> {
  if (text === '') return;
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
}
