/** `edi-gateway not-sent`: the records of Odoo a partner did not get, and dismissing one, on the ledger of a stopped gateway. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ledgerFile, SqliteLedger } from '../../src/store';
import { runCli } from '../support/cli';

const PARTNERS = join(__dirname, '..', '..', 'partners');

describe('edi-gateway not-sent', () => {
  it('lists what could not be sent with why, per partner, and dismisses one with a reason', async () => {
    const data = mkdtempSync(join(tmpdir(), 'not-sent-cli-'));
    const ledger = new SqliteLedger({ file: ledgerFile(data) });
    ledger.exportFailed({ source: 'odoo:account.move', key: 'northgate:41', partnerId: 'northgate', recordId: 41, name: 'INV/2026/00041', reason: 'it covers sale orders S00012 and S00013' });
    ledger.exportFailed({ source: 'odoo:account.move', key: 'northgate:41', partnerId: 'northgate', recordId: 41, name: 'INV/2026/00041', reason: 'it covers sale orders S00012 and S00013' });
    ledger.exportFailed({ source: 'odoo:purchase.order', key: 'bolt-supply:9', partnerId: 'bolt-supply', recordId: 9, name: 'P00009', reason: 'no product lines' });
    ledger.close();
    const config = join(data, 'gateway.yaml');
    writeFileSync(config, `dataDir: ${JSON.stringify(data)}\npartners: ${JSON.stringify(PARTNERS)}\n`);

    const all = await runCli(['not-sent', '--config', config]);
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^ +1 +northgate +account\.move INV\/2026\/00041 +2 +\S+ +it covers sale orders S00012 and S00013$/);
    const bolt = await runCli(['not-sent', '--partner', 'bolt-supply', '--json', '--config', config]);
    expect((JSON.parse(bolt.out) as { name: string }[]).map((f) => f.name)).toEqual(['P00009']);

    expect((await runCli(['not-sent', 'dismiss', '2', '--config', config])).code).not.toBe(0);
    const done = await runCli(['not-sent', 'dismiss', '2', '--reason', 'ordered by phone', '--config', config]);
    expect(done.code).toBe(0);
    expect(done.out).toBe('purchase.order P00009 for bolt-supply dismissed: it will not be sent\n');
    const again = await runCli(['not-sent', 'dismiss', '2', '--reason', 'again', '--config', config]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('no record 2 waiting to be sent');
    expect((await runCli(['not-sent', '--partner', 'bolt-supply', '--config', config])).out).toBe('every record of Odoo due to a partner was sent\n');
    // Done on the ledger itself, not through a running gateway: the history names the OS user.
    const db = new Database(ledgerFile(data), { readonly: true });
    const detail = db.prepare("SELECT detail FROM events WHERE kind = 'export.dismissed'").pluck().get() as string;
    db.close();
    expect(JSON.parse(detail)).toMatchObject({ name: 'P00009', reason: 'ordered by phone', operator: `cli:${userInfo().username}` });
  });
});
