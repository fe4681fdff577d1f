/** `edi-gateway ingest`: translate + post against the Odoo sandbox started for the run. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { parse, stringify } from 'yaml';
import { ingestCommand } from '../../src/cli/commands/ingest';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(ROOT, 'fixtures', 'edi', 'x12', '004010', '850-purchase-order.edi');

/** The sandbox's own seed plus the customer and products the northgate 850 fixture refers to. */
function northgateSeed(): string {
  const seed = parse(readFileSync(join(ROOT, 'src', 'odoo', 'sandbox', 'seed.yaml'), 'utf8')) as { records: Record<string, Record<string, unknown>[]> };
  seed.records['res.partner'].push({ id: 600, name: 'Northgate Industrial Distribution', ref: 'NORTHGATE', is_company: true, customer_rank: 1, city: 'Columbus', country_id: 233 });
  seed.records['uom.uom'].push({ id: 20, name: 'Case of 12', category_id: 1, uom_type: 'bigger', factor: 1 / 12, rounding: 0.01 });
  const products = ['BWV-1001', 'BWV-1002', 'BWV-1005', 'BWF-2010', 'BWF-2014', 'TS-PTFE-12'];
  products.forEach((code, i) => seed.records['product.product'].push({ id: 200 + i, name: `Item ${code}`, default_code: code, lst_price: 10 + i, standard_price: 5, is_storable: true }));
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
    const r = await run([FIXTURE, '--sandbox', '--seed', northgateSeed()]);
    expect(r.out).toMatch(/^created +sale\.order \d+ \S+/m);
    expect(r.out).toContain('ingest: done');
    expect(r.code).toBe(0);
  });

  it('names the Odoo record that cannot be resolved and exits 1', async () => {
    const r = await run([FIXTURE, '--sandbox']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('no Odoo contact has the Internal Reference "NORTHGATE"');
  });
});
