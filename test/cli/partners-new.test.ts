/**
 * `edi-gateway partners new ID --from FILE`: a partner folder, mapping files and a fixture made from one of
 * the partner's own files, in a project holding only the shared mappings (and, where a test says so, the
 * shipped partners); the result loads, routes the sample to the new partner and passes `partners check`.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners } from '../../src/partners/loader';
import { readSample } from '../../src/cli/partner-scaffold';
import { runCli } from '../support/cli';

const ROOT = join(__dirname, '..', '..');
const F = join(ROOT, 'fixtures');

/** A project with the shared mappings (mappings/_*) and, with `shipped`, the shipped partners too. */
function project(shipped = false): { dir: string; partners: string } {
  const dir = mkdtempSync(join(tmpdir(), 'partners-new-'));
  mkdirSync(join(dir, 'partners'));
  for (const f of readdirSync(join(ROOT, 'mappings')).filter((n) => n.startsWith('_'))) cpSync(join(ROOT, 'mappings', f), join(dir, 'mappings', f), { recursive: true });
  if (shipped) cpSync(join(ROOT, 'partners'), join(dir, 'partners'), { recursive: true });
  return { dir, partners: join(dir, 'partners') };
}

async function scaffold(p: { partners: string }, id: string, sample: string, ...more: string[]) {
  return runCli(['partners', 'new', id, '--from', sample, '--dir', p.partners, ...more]);
}

describe('partners new', () => {
  it("starts a customer from their X12 004010 order: partner.yaml, a mapping per document, the sample as a fixture; it routes and passes the check", async () => {
    const p = project();
    const sample = join(F, 'edi', 'x12', '004010', '850-purchase-order.edi');
    const r = await scaffold(p, 'acme', sample, '--name', 'ACME Corp');
    expect(r.err).toBe('');
    expect(r.out).toContain('partners new: acme, a customer, from 850-purchase-order.edi:');
    expect(r.out).toContain('partners check: acme OK (1 fixture file(s) translated');
    expect(r.code).toBe(0);
    expect(readdirSync(join(p.dir, 'mappings', 'acme')).sort()).toEqual(['810.yaml', '850.yaml', '855.yaml', '856.yaml']);
    expect(readFileSync(join(p.dir, 'mappings', 'acme', '850.yaml'), 'utf8')).toContain('extends: ../_x12-004010/850.yaml');
    expect(readFileSync(join(p.dir, 'fixtures', 'acme', '850-purchase-order.edi'))).toEqual(readFileSync(sample));
    const registry = loadPartners(p.partners);
    const acme = registry.get('acme');
    expect(acme?.name).toBe('ACME Corp');
    expect(acme?.documents.map((d) => `${d.direction} ${d.messageType}`)).toEqual(['inbound 850', 'outbound 855', 'outbound 856', 'outbound 810']);
    expect(acme?.acknowledgments.send).toEqual(['997']);
    const facts = readSample(readFileSync(sample));
    expect(registry.route(facts.interchange, facts.group)).toMatchObject({ kind: 'partner', direction: 'inbound', partner: { id: 'acme' } });
  });

  it('gives an X12 005010 customer the order responses of the shared 005010 855 and 999 acks', async () => {
    const p = project();
    const r = await scaffold(p, 'ks', join(F, 'edi', 'x12', '005010', '850-purchase-orders-two-groups.edi'));
    expect(r.code).toBe(0);
    expect(readFileSync(join(p.dir, 'mappings', 'ks', '855.yaml'), 'utf8')).toContain('extends: ../_x12-005010/855.yaml');
    const ks = loadPartners(p.partners).get('ks');
    expect(ks?.documents.map((d) => d.messageType)).toEqual(['850', '855', '856', '810']);
    expect(ks?.x12).toMatchObject({ version: '005010' });
    expect(ks?.acknowledgments.send).toEqual(['999']);
  });

  it('starts a supplier from their EDIFACT invoice: their answers come in, our orders go out', async () => {
    const p = project();
    const r = await scaffold(p, 'fj', join(F, 'fjordline', 'INVOIC-freight-export.edi'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('a supplier');
    const fj = loadPartners(p.partners).get('fj');
    expect(fj?.documents.map((d) => `${d.direction} ${d.messageType}`)).toEqual(['inbound ORDRSP', 'inbound DESADV', 'inbound INVOIC', 'outbound ORDERS']);
    expect(fj?.acknowledgments.send).toEqual(['CONTRL']);
  });

  it("keeps a partner's own syntax: D01B, UNOW and their delimiters, so what we send is written as they write", async () => {
    const p = project();
    const r = await scaffold(p, 'pipe', join(F, 'edi', 'edifact', 'D01B', 'ORDERS-unow-utf8-pipe.edi'));
    expect(r.code).toBe(0);
    const yaml = readFileSync(join(p.partners, 'pipe', 'partner.yaml'), 'utf8');
    expect(yaml).toContain('directory: D01B');
    expect(yaml).toContain('charset: UNOW');
    expect(yaml).toContain('element: "|"');
    expect(loadPartners(p.partners).get('pipe')?.edifact).toMatchObject({ directory: 'D01B', charset: 'UNOW' });
  });

  it('leaves out what no shared mapping of the version covers, and says so (a project without the 005010 855)', async () => {
    const p = project();
    rmSync(join(p.dir, 'mappings', '_x12-005010', '855.yaml'));
    const r = await scaffold(p, 'ks', join(F, 'edi', 'x12', '005010', '850-purchase-orders-two-groups.edi'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('no shared 005010 mapping for 855: not in documents');
    expect(loadPartners(p.partners).get('ks')?.documents.map((d) => d.messageType)).toEqual(['850', '856', '810']);
    expect(loadPartners(p.partners).get('ks')?.acknowledgments.send).toEqual(['999']);
  });

  it('names what the shared mapping cannot read in the sample (exit 1): the partner file is there to be completed', async () => {
    const p = project();
    const text = readFileSync(join(F, 'edi', 'x12', '004010', '850-purchase-order.edi'), 'latin1').replace('*EA*', '*XX*');
    const sample = join(p.dir, 'their-order.edi');
    writeFileSync(sample, text, 'latin1');
    const r = await scaffold(p, 'units', sample);
    expect(r.out).toMatch(/error {3}fixtures\/units\/their-order\.edi: \d+ translate error\(s\), first: PO103 at segment \d+: 'XX' is not in code table uom/);
    expect(r.code).toBe(1);
    expect(existsSync(join(p.partners, 'units', 'partner.yaml'))).toBe(true);
  });

  it('refuses a sample whose sender is a partner already, or one of our own ids, or that is not EDI; and writes nothing', async () => {
    const p = project(true);
    const before = readdirSync(p.partners).sort();
    const taken = await scaffold(p, 'again', join(F, 'edi', 'x12', '004010', '850-purchase-order.edi'));
    expect(taken.err).toContain('its sender ZZ:NORTHGATEIND is partner northgate already');
    expect(taken.code).toBe(1);
    const ours = await scaffold(p, 'ours', join(F, 'edi', 'x12', '004010', '810-invoice-two-interchanges.edi'));
    expect(ours.err).toContain('is one of our own ids (towards partner northgate): give a file the partner sent');
    const garbage = await scaffold(p, 'junk', join(F, 'edi', 'invalid', 'binary-garbage.bin'));
    expect(garbage.err).toContain('no X12 or EDIFACT interchange');
    expect(readdirSync(p.partners).sort()).toEqual(before);
    expect(existsSync(join(p.dir, 'mappings', 'again'))).toBe(false);
  });

  it('is a usage error (exit 2) without --from, with a bad id, or over an existing folder', async () => {
    const p = project(true);
    expect((await runCli(['partners', 'new', 'x', '--dir', p.partners])).err).toContain('partners new needs --from FILE');
    expect((await scaffold(p, '../up', join(F, 'fjordline', 'INVOIC-freight-export.edi'))).code).toBe(2);
    expect((await scaffold(p, '_shared', join(F, 'fjordline', 'INVOIC-freight-export.edi'))).code).toBe(2);
    const existing = await scaffold(p, 'fjordline', join(F, 'fjordline', 'INVOIC-freight-export.edi'));
    expect(existing.err).toContain('exists already');
    expect(existing.code).toBe(2);
  });
});
