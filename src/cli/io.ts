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
 * (validate, inspect): a file is read into the same two buffers over and over, so a stream of any size
 * holds two chunks, not the read buffers that wait for V8 to collect them (1 GB: ~73 against ~93–119 MB
 * RSS). A chunk is valid until the next one is asked for.
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
  // Two buffers: the next chunk is read while the caller works on this one (1 GB validate ~5% faster
  // than taking turns, alternating runs), and neither is ever given up to the collector.
  const buffers = [Buffer.allocUnsafeSlow(INPUT_CHUNK_BYTES), Buffer.allocUnsafeSlow(INPUT_CHUNK_BYTES)];
  let next = 0;
  let pending = file.read(buffers[next], 0, INPUT_CHUNK_BYTES, null);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      next ^= 1;
      pending = file.read(buffers[next], 0, INPUT_CHUNK_BYTES, null);
      yield bytesRead === INPUT_CHUNK_BYTES ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    // A caller that stops early leaves a read in flight: the file is closed once it is done.
    await pending.catch(() => undefined);
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
