/** `edi-gateway ingest`: translate + post against the Odoo sandbox started for the run. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { parse, stringify } from 'yaml';
import { ingestCommand } from '../../src/cli/commands/ingest';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi');

/** The sandbox's own seed without the northgate customer (and its delivery address). */
function seedWithoutNorthgate(): string {
  const seed = parse(readFileSync(join(ROOT, 'src', 'odoo', 'sandbox', 'seed.yaml'), 'utf8')) as { records: Record<string, Record<string, unknown>[]> };
  seed.records['res.partner'] = seed.records['res.partner'].filter((p) => p.ref !== 'NORTHGATE' && p.parent_id !== 30);
  const file = join(mkdtempSync(join(tmpdir(), 'seed-')), 'seed.yaml');
  writeFileSync(file, stringify(seed));
  return file;
}

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await ingestCommand(args, { stdin: Readable.from([]), stdout, stderr: new PassThrough() }, env);
  return { code, out };
}

describe('edi-gateway ingest', () => {
  it('without ODOO_URL and without --sandbox refuses and says what to set', async () => {
    await expect(run([FIXTURE])).rejects.toThrow(/set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_API_KEY/);
  });

  it('posts the northgate 850 as a confirmed sale order in the sandbox', async () => {
    const r = await run([FIXTURE, '--sandbox']);
    expect(r.out).toMatch(/^created +sale\.order \d+ \S+/m);
    expect(r.out).toContain('ingest: done');
    expect(r.code).toBe(0);
  });

  it('names the Odoo record that cannot be resolved and exits 1', async () => {
    const r = await run([FIXTURE, '--sandbox', '--seed', seedWithoutNorthgate()]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('no Odoo contact has the Internal Reference "NORTHGATE"');
  });
});
