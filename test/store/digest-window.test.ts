/**
 * The digest's ledger queries (SqliteLedger.overdueAcksIn, needsPersonIn, exportFailuresIn): each reads the
 * index entries of its window only, and a ledger written before migration 16 has its waiting documents dated.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations';
import { DIGEST_WINDOWS, windowQuery } from '../../src/store/sqlite';
import { SqliteLedger } from '../../src/store';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'digest-window-')), 'ledger.sqlite');

describe('digest windows', () => {
  it('each kind is one range of its own index, the whole rows read only for the items listed', () => {
    const file = fresh();
    new SqliteLedger({ file }).close();
    const db = new Database(file, { readonly: true });
    try {
      const plan = (kind: keyof typeof DIGEST_WINDOWS): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${windowQuery(DIGEST_WINDOWS[kind])}`).all({ since: 0, until: 1, rows: 20 }) as { detail: string }[]).map((r) => r.detail).join(' | ');
      // The window from its index alone (COVERING), then the listed rows by key: no table scanned, no JSON read.
      const reads = (kind: keyof typeof DIGEST_WINDOWS, search: string, table: string): void => {
        const p = plan(kind);
        expect(p).toContain(search);
        expect(p).toContain(`SCAN w | SEARCH ${table} USING INTEGER PRIMARY KEY (rowid=?)`);
        expect(p).not.toMatch(/SCAN (documents|expected_acks|export_failures)\b|document_bodies/);
      };
      reads('needsPerson', 'SEARCH documents USING COVERING INDEX documents_needs_person (state=? AND state_at>? AND state_at<?)', 'documents');
      reads('overdueAcks', 'SEARCH expected_acks USING COVERING INDEX expected_acks_overdue (state=? AND updated_at>? AND updated_at<?)', 'expected_acks');
      reads('exportFailures', 'SEARCH export_failures USING COVERING INDEX export_failures_first (first_at>? AND first_at<?)', 'export_failures');
    } finally {
      db.close();
    }
  });

  it('a ledger of schema 14 is brought forward: its waiting documents are dated by their last change, the others left undated', () => {
    const file = fresh();
    const old = new Database(file);
    for (const m of MIGRATIONS.slice(0, 14)) old.exec(m);
    old.pragma('user_version = 14');
    old.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (1, 'inbound', 'dir', 'a.edi', 'acme', 'x', 1, 'processed', 'c', 1, 1)`).run();
    const doc = old.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (?, 1, ?, 'acme', 'order', ?, 'c', 1, ?)`);
    doc.run(1, 1, 'dead', 500);
    doc.run(2, 2, 'posted', 600);
    doc.run(3, 3, 'held', 700);
    old.close();

    const ledger = new SqliteLedger({ file });
    try {
      const window = ledger.needsPersonIn({ since: 0, until: 1000, rows: 5 });
      expect(window).toEqual([{ partnerId: 'acme', count: 2, rows: [expect.objectContaining({ at: 500, row: expect.objectContaining({ id: 1, state: 'dead' }) }), expect.objectContaining({ at: 700, row: expect.objectContaining({ id: 3, state: 'held' }) })] }]);
    } finally {
      ledger.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare('SELECT id, state_at FROM documents ORDER BY id').all()).toEqual([
        { id: 1, state_at: 500 },
        { id: 2, state_at: null },
        { id: 3, state_at: 700 },
      ]);
    } finally {
      db.close();
    }
  });
});
