/** The command dispatcher and the small commands: usage errors, schema, demo, inspect. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INPUT_CHUNK_BYTES } from '../../src/cli/io';
import { runCli } from '../support/cli';

const run = runCli;

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'edi');

describe('edi-gateway', () => {
  it('without a command prints the usage and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('usage: edi-gateway <command>');
  });

  it('every command answers --help with its usage on stdout and exit 0', async () => {
    for (const [cmd, expected] of [['prune', /^usage: edi-gateway prune \[--older-than 90d\][^\n]*--json/], ['validate', /--max-issues N/], ['ack', /--type/]] as const) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(expected);
      expect(r.err).toBe('');
    }
  });

  it('an unknown command exits 2 and names it', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown command "frobnicate"');
  });

  it('schema order prints a JSON Schema whose required fields include orderNumber', async () => {
    const r = await run(['schema', 'order']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out) as { required?: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['orderNumber', 'lines']));
  });

  it('schema with an unknown type is a usage error', async () => {
    const r = await run(['schema', 'pizza']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: edi-gateway schema');
  });

  it('demo --once runs the whole road: a sample order becomes a sale order in the sandbox and a 997 in the outbound folder', async () => {
    const data = mkdtempSync(join(tmpdir(), 'demo-'));
    const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'cli-child.js'), 'demo', '--once', '--port', '0'], { env: { ...process.env, GATEWAY_DATA_DIR: data }, cwd: data });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(out).toMatch(/inbound {2}northgate +dir \S+exchange\/northgate\/inbound/);
    expect(out).toMatch(/odoo +created sale\.order \d+ S\d+/);
    expect(out).toMatch(/ack +997 written to exchange\/northgate\/outbound\/997-\d+\.edi/);
    expect(readdirSync(join(data, 'exchange', 'northgate', 'outbound'))).toHaveLength(1);
    expect(code).toBe(0);
  }, 60_000);

  it('validate reads stdin with "-" and exits 1 for garbage', async () => {
    const r = await run(['validate', '-', '--json'], 'hello, this is not EDI');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, standard: 'unknown', errors: [{ code: 'file.not_edi' }] });
  });

  it('validate of a missing file exits 2 with the reason', async () => {
    const r = await run(['validate', join(FIXTURES, 'nope.edi')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ENOENT');
    expect(r.err.match(/cannot read/g)).toHaveLength(1);
  });

  it('validate and inspect of a file of many reads (one buffer read over and over) report what the same bytes on stdin give', async () => {
    const one = readFileSync(join(FIXTURES, 'x12', '004010', '850-purchase-order.edi'), 'latin1');
    // 1 200 interchanges (~1 MB, several reads), one of them with a wrong segment count in the middle.
    const copies = Array.from({ length: 1200 }, (_, i) => one.replace(/\bSE\*(\d+)\*/, (m, n: string) => (i === 700 ? `SE*${Number(n) + 1}*` : m)));
    const text = copies.join('');
    expect(text.length).toBeGreaterThan(3 * INPUT_CHUNK_BYTES);
    const file = join(mkdtempSync(join(tmpdir(), 'validate-')), 'many.edi');
    writeFileSync(file, text, 'latin1');
    const fromFile = await run(['validate', file, '--json']);
    const fromStdin = await run(['validate', '-', '--json'], text);
    expect(fromFile.code).toBe(1);
    const report = JSON.parse(fromFile.out) as { interchanges: unknown[]; errors: { code: string }[] };
    expect(report.interchanges).toHaveLength(1200);
    expect(report.errors.map((e) => e.code)).toEqual(['transaction.count_mismatch']);
    expect(fromFile.out).toBe(fromStdin.out);
    const inspected = await run(['inspect', file, '--max-segments', '100000']);
    expect(inspected.out).toBe((await run(['inspect', '-', '--max-segments', '100000'], text)).out);
    expect(inspected.out.match(/^interchange /gm)).toHaveLength(1200);
  });

  it('inspect shows envelopes and numbered segments', async () => {
    const r = await run(['inspect', join(FIXTURES, 'x12', '004010', '850-purchase-order.edi'), '--max-segments', '5']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^interchange \d+ {2}X12 00401/m);
    expect(r.out).toMatch(/^ {6} {3}2 {2}BEG/m);
    expect(r.out).toContain('(5 segments shown; --max-segments)');
  });

  it('partners check passes on the shipped partners', async () => {
    const r = await run(['partners', 'check']);
    expect(r.out).toContain('partners check: all partners OK');
    expect(r.code).toBe(0);
  });

  it('partners check names file, key and fix for a broken partner and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partners-'));
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'partner.yaml'), 'id: broken\nname: Broken Ltd\nmode: sometimes\n');
    const r = await run(['partners', 'check', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\/partner\.yaml:3 at mode: .*production.*test/);
  });

  it('partners without "check" is a usage error', async () => {
    const r = await run(['partners', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: edi-gateway partners check');
  });

  it('translate turns the northgate 850 fixture into an order document', async () => {
    const r = await run(['translate', join(FIXTURES, 'x12', '004010', '850-purchase-order.edi')]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { documents: { type: string; partnerId: string }[]; errors: unknown[] };
    expect(out.errors).toEqual([]);
    expect(out.documents).toHaveLength(1);
    expect(out.documents[0]).toMatchObject({ type: 'order', partnerId: 'northgate' });
  });

  it('translate of a file from an unknown sender exits 1 with the routing error', async () => {
    const r = await run(['translate', join(FIXTURES, 'edifact', 'D01B', 'ORDERS-unoc-latin1.edi')]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { documents: unknown[]; errors: { message: string }[] };
    expect(out.documents).toEqual([]);
    expect(out.errors.length).toBeGreaterThan(0);
  });
});
