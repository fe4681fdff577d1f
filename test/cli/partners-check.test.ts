/**
 * `edi-gateway partners check` runs every partner's fixtures through translate: it passes on the shipped
 * folders, and in a temporary copy it names the file, the JSON path and both values when an expected
 * result no longer matches, a sample that routes to another partner, and a mapping of the wrong type.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstDifference } from '../../src/cli/fixtures-check';
import { runCli } from '../support/cli';

const ROOT = join(__dirname, '..', '..');

const run = runCli;

/** A copy of partners/, mappings/ and fixtures/ that a test may break. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'partners-check-'));
  for (const folder of ['partners', 'mappings', 'fixtures']) cpSync(join(ROOT, folder), join(dir, folder), { recursive: true });
  return dir;
}

describe('partners check with fixtures', () => {
  it('passes on the shipped partners, translating every fixture and comparing those with an expected file', async () => {
    const r = await run(['partners', 'check']);
    expect(r.out).toMatch(/partners check: all partners OK \((\d+) fixture file\(s\) translated, \1 compared with their expected result\)/);
    expect(r.code).toBe(0);
  });

  it('checks one partner only when given its id', async () => {
    const r = await run(['partners', 'check', 'fjordline']);
    expect(r.out).toContain('partners check: fjordline OK (3 fixture file(s) translated, 3 compared with their expected result)');
    expect(r.code).toBe(0);
  });

  it('exits 1 and names the file, the first differing path and both values when an expected result was altered', async () => {
    const dir = copyProject();
    const expectedFile = join(dir, 'fixtures', 'fjordline', 'DESADV-two-pallets.edi.expected.json');
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as { documents: { orders: { lines: { quantityShipped: number }[] }[] }[] };
    expected.documents[0].orders[0].lines[1].quantityShipped = 250;
    writeFileSync(expectedFile, JSON.stringify(expected, null, 2));
    const r = await run(['partners', 'check', '--dir', join(dir, 'partners')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'error   fixtures/fjordline/DESADV-two-pallets.edi: differs from fixtures/fjordline/DESADV-two-pallets.edi.expected.json at documents[0].orders[0].lines[1].quantityShipped: expected 250, got 200',
    );
    expect(r.out).toContain('partners check: 1 error(s)');
  });

  it('names a document the partner is to receive that no mapping renders', async () => {
    const dir = copyProject();
    rmSync(join(dir, 'mappings', 'mueller-armaturen', 'ORDRSP.yaml'));
    const r = await run(['partners', 'check', '--dir', join(dir, 'partners')]);
    expect(r.out).toContain(`partner mueller-armaturen is sent order_response as ORDRSP, but ${join(dir, 'mappings', 'mueller-armaturen', 'ORDRSP.yaml')} does not exist and there is no shared mapping for D01B`);
    expect(r.code).toBe(1);
  });

  it('reports a recorded mapping error that no longer happens, with the value it expected', async () => {
    const dir = copyProject();
    // Keystone's pack of ten becomes known as RL too: the rejected sample now maps.
    writeFileSync(join(dir, 'mappings', 'keystone', '850.yaml'), readFileSync(join(dir, 'mappings', 'keystone', '850.yaml'), 'utf8').replace('PK: Pack of 10', 'PK: Pack of 10\n    RL: Roll'));
    const r = await run(['partners', 'check', 'keystone', '--dir', join(dir, 'partners')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/error {3}fixtures\/keystone\/850-unknown-unit-rejected\.edi: differs from fixtures\/keystone\/850-unknown-unit-rejected\.edi\.expected\.json at documents\[0\]: expected \(absent\), got \{"type":"order"/);
  });

  it('reports a sample that routes to another partner and a mapping that produces the wrong document type', async () => {
    const dir = copyProject();
    cpSync(join(ROOT, 'fixtures', 'northgate', '850-change-order.edi'), join(dir, 'fixtures', 'keystone', 'stray.edi'));
    writeFileSync(join(dir, 'mappings', 'fjordline', 'INVOIC.yaml'), 'extends: ../_edifact-d96a/INVOIC.yaml\ntype: order\n');
    const r = await run(['partners', 'check', '--dir', join(dir, 'partners')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('error   fixtures/keystone/stray.edi: routes to partner northgate, not keystone; check the envelope ids or move the file to fixtures/northgate/');
    expect(r.out).toContain('error   mappings/fjordline/INVOIC.yaml: maps to order but partners/fjordline/partner.yaml says INVOIC carries invoice');
  });
});

describe('firstDifference', () => {
  it('finds the first differing path depth first, absent keys and extra list entries included', () => {
    expect(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] })).toBeUndefined();
    expect(firstDifference({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] })).toEqual({ path: 'a[1].b', expected: 'x', actual: 'y' });
    expect(firstDifference({ a: 1 }, { a: 1, 'odd key': 2 })).toMatchObject({ path: '["odd key"]', actual: 2 });
    expect(firstDifference([1], [1, 2])).toMatchObject({ path: '[1]', actual: 2 });
  });
});
