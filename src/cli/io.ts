/** Input and output helpers of the command line: files or stdin as streams, stdout with backpressure. */
import { createReadStream, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { PartnerConfigErrors } from '../partners/errors';
import type { PartnerRegistry } from '../partners/registry';

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

/** Bytes read at a time from files: small enough to keep a 1 GB stream under 100 MB RSS. */
export const INPUT_CHUNK_BYTES = 256 * 1024;

/** Open FILE (or '-' for stdin) as a stream of Buffers, INPUT_CHUNK_BYTES at a time. */
export function openInput(path: string, io: CliIo): Readable {
  if (path === '-') return io.stdin;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new CliUsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isFile) throw new CliUsageError(`${path} is not a file`);
  return createReadStream(path, { highWaterMark: INPUT_CHUNK_BYTES });
}

/** Write text, waiting for the consumer when its buffer is full (so a 1 GB inspect does not fill memory). */
export async function writeOut(out: Writable, text: string): Promise<void> {
  if (text === '') return;
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

/** The shipped (or configured) partners, with configuration problems as usage errors (exit 2). */
export function partnersOrUsage(load: () => PartnerRegistry): PartnerRegistry {
  try {
    return load();
  } catch (err) {
    if (err instanceof PartnerConfigErrors) throw new CliUsageError(err.message);
    throw err;
  }
}
