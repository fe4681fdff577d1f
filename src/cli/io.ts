/** Input and output helpers of the command line: files or stdin as streams, stdout with backpressure. */
import { createReadStream, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
  assertFile(path);
  return createReadStream(path, { highWaterMark: INPUT_CHUNK_BYTES });
}

/** A usage error unless PATH is a readable regular file. */
function assertFile(path: string): void {
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch (err) {
    throw new CliUsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!isFile) throw new CliUsageError(`${path} is not a file`);
}

/**
 * FILE (or '-' for stdin) chunk by chunk, for commands that use each chunk before asking for the next
 * (validate, inspect): a file is read into one buffer over and over, so a stream of any size holds one
 * chunk, not the read buffers that wait for V8 to collect them (1 GB: ~65 against ~93–119 MB RSS).
 */
export function readChunks(path: string, io: CliIo): AsyncIterable<Buffer> {
  if (path === '-') return asBuffers(io.stdin);
  assertFile(path);
  return reusedChunks(path);
}

async function* asBuffers(input: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

async function* reusedChunks(path: string): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(INPUT_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
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
