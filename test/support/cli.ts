/** Running the `edi-gateway` command in-process with captured output. */
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main';

/** Exit code, stdout and stderr of one CLI run; `stdin` is what `-` reads. */
export async function runCli(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, out, err };
}
