/** `edi-gateway ack`: prints the ack text, notes on stderr, exit codes. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../../src/cli/main';
import { FIXTURES } from './helpers';

async function run(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await main(['ack', ...args], { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr });
  return { code, out: Buffer.concat(out).toString('latin1'), err: Buffer.concat(err).toString('utf8') };
}

describe('edi-gateway ack', () => {
  test('prints the 997 for an X12 file, exit 0', async () => {
    const r = await run([join(FIXTURES, 'x12/004010/850-purchase-order.edi')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ISA\*00\*.*\nGS\*FA\*BRIGHTWATERVF\*NORTHGATEIND\*\d{8}\*\d{4}\*1\*X\*004010~\nST\*997\*0001~\nAK1\*PO\*101~\nAK2\*850\*0001~\nAK5\*A~\nAK9\*A\*1\*1\*1~\nSE\*6\*0001~\nGE\*1\*1~\nIEA\*1\*000000001~\n$/);
  });

  test('a rejection is still exit 0; --type TA1; --partner is accepted', async () => {
    const r = await run([join(FIXTURES, 'invalid/x12-iea02-mismatch.edi'), '--type', 'TA1', '--partner', 'northgate']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\nTA1\*000000101\*240312\*0915\*R\*001~\n/);
    expect(r.err).toMatch(/^note: .*rejected at envelope level/m);
  });

  test('stdin and CONTRL', async () => {
    const { readFileSync } = await import('node:fs');
    const r = await run(['-', '--type', 'CONTRL'], readFileSync(join(FIXTURES, 'edifact/D96A/ORDRSP-unoc-no-una.edi'), 'latin1'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^UNB\+UNOC:3\+8712345000014:14\+8034567000012:14\+\d{6}:\d{4}\+1'\nUNH\+1\+CONTRL:D:3:UN'\nUCI\+RSP0000088\+8034567000012:14\+8712345000014:14\+7'/);
  });

  test('not EDI: no ack, the reason on stderr, exit 1', async () => {
    const r = await run([join(FIXTURES, 'invalid/binary-garbage.bin')]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/file\.not_edi/);
  });

  test('usage and IO errors: exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['x', '--type', '998'])).code).toBe(2);
    expect((await run(['/nonexistent/file.edi'])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--partner ID applies that partner's policy/);
    expect((await run(['x', '--partner', 'nobody-such'])).code).toBe(2);
  });

  test('--partner applies the partner policy: a test interchange for a production partner gets TA1 020', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ack-cli-')), 'test.edi');
    writeFileSync(file, readFileSync(join(FIXTURES, 'x12/004010/850-purchase-order.edi'), 'latin1').replace('*0*P*>~', '*0*T*>~'), 'latin1');
    const r = await run([file, '--partner', 'northgate']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/TA1\*000000101\*\d{6}\*\d{4}\*R\*020~/);
    expect(r.out).not.toMatch(/ST\*997/);
    const plain = await run([file]);
    expect(plain.out).toMatch(/ST\*997/);
  });
});
