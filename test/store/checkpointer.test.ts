/** WAL checkpoints on a thread of their own (`backgroundCheckpointMs`): the log reaches the file, nothing is lost. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLedger } from '../../src/store';
import { until } from '../support/wait';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ledger-ckpt-')), 'ledger.sqlite');
const pragma = (l: SqliteLedger, p: string): unknown => (l as unknown as { db: Database.Database }).db.pragma(p, { simple: true });

/** 400 inbound messages of 8 KiB: over 1 000 pages of log, where a commit would checkpoint by default. */
function fill(l: SqliteLedger): number[] {
  const ids: number[] = [];
  for (let i = 0; i < 40; i++) {
    const rows = l.receiveMany(Array.from({ length: 10 }, (_, k) => ({ channel: 'dir', source: `f${i}-${k}.edi`, partnerId: 'acme', bytes: Buffer.alloc(8192, 65 + ((i + k) % 26)) })));
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

test('the log is copied into the database file by the checkpoint thread, not by the commits; everything reads back after a reopen', async () => {
  const file = fresh();
  const ledger = new SqliteLedger({ file, backgroundCheckpointMs: 20 });
  expect(pragma(ledger, 'wal_autocheckpoint')).toBe(0);
  const before = statSync(file).size;
  const ids = fill(ledger);
  // The pages reach the database file only through a checkpoint.
  await until(() => statSync(file).size > before + 2_000_000, 10_000);
  ledger.close();

  const again = new SqliteLedger({ file });
  expect(pragma(again, 'wal_autocheckpoint')).toBe(1000);
  expect(ids.map((id) => again.bytes(id)[0])).toEqual(ids.map((_, n) => 65 + ((Math.floor(n / 10) + (n % 10)) % 26)));
  expect(again.counts().messages.received).toBe(400);
  again.close();
});

test('the commits no longer checkpoint: with the thread far off, a fill that would have crossed the mark stays in the log', () => {
  const file = fresh();
  const ledger = new SqliteLedger({ file, backgroundCheckpointMs: 600_000 });
  const before = statSync(file).size;
  fill(ledger);
  expect(statSync(file).size).toBe(before);
  ledger.close();
});

test('without the option the commits checkpoint, as SQLite does by default', () => {
  const file = fresh();
  const ledger = new SqliteLedger({ file });
  expect(pragma(ledger, 'wal_autocheckpoint')).toBe(1000);
  const before = statSync(file).size;
  fill(ledger);
  expect(statSync(file).size).toBeGreaterThan(before + 2_000_000);
  ledger.close();
});
