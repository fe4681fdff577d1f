/** The ledger's lists, paged by id newest first: every row once and in order, filters in SQL, plans without sorting. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLedger, type DocumentState, type ExpectedAckState } from '../../src/store';
import { listQuery, type ListFilter, type ListTable } from '../../src/store/sqlite';

const DOC_STATES: DocumentState[] = ['posted', 'dead', 'parked', 'mapped'];
const ACK_STATES: ExpectedAckState[] = ['acknowledged', 'sent', 'rejected', 'overdue'];

describe('the ledger lists, paged', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'list-paging-')), 'ledger.sqlite');
  let ledger: SqliteLedger;
  beforeAll(() => {
    new SqliteLedger({ file }).close();
    const db = new Database(file);
    const message = db.prepare(`INSERT INTO messages (direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (?, 'dir', 'f', ?, 'x', 1, ?, 'c', 1, 1)`);
    const document = db.prepare(`INSERT INTO documents (message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (1, ?, ?, 'order', ?, 'c', 1, 1)`);
    // Deadlines far ahead: no 'sent' row turns overdue while the test reads.
    const ack = db.prepare(`INSERT INTO expected_acks (message_id, partner_id, ack_type, interchange_control_number, message_type, deadline, state, updated_at) VALUES (1, ?, '997', ?, '810', 9e15, ?, 1)`);
    db.transaction(() => {
      for (let i = 0; i < 1500; i++) {
        const partner = i % 3 === 0 ? 'a' : 'b';
        message.run(i % 2 === 0 ? 'inbound' : 'outbound', partner, i % 2 === 0 ? (i % 7 === 0 ? 'failed' : 'processed') : 'sent');
        document.run(i, partner, DOC_STATES[i % DOC_STATES.length]);
        ack.run(partner, String(i), ACK_STATES[i % ACK_STATES.length]);
      }
    })();
    db.close();
    ledger = new SqliteLedger({ file });
  });
  afterAll(() => ledger.close());

  /** Every page of a list, following the last id of each page as `before` of the next. */
  function allPages<T extends { id: number }>(read: (before: number | undefined) => T[], size: number): T[][] {
    const pages: T[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = read(before);
      pages.push(page);
      if (page.length < size) return pages;
      before = page[page.length - 1].id;
    }
  }

  it('pages documents of some states and a partner: disjoint, complete, newest first', () => {
    const pages = allPages((before) => ledger.documentsIn(['dead', 'parked'], 100, 'a', before), 100);
    const ids = pages.flat().map((d) => d.id);
    const expected = ledger.documentsIn(['dead', 'parked'], 10_000, 'a').map((d) => d.id);
    expect(pages.length).toBeGreaterThan(2);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
    expect(pages.flat().every((d) => d.partnerId === 'a' && ['dead', 'parked'].includes(d.state))).toBe(true);
    // 1500 documents, every third of partner a, states in turn of four: dead and parked are half of a's.
    expect(ids.length).toBe(250);
    expect(ledger.documentsIn(['dead', 'parked', 'dead'], 10_000, 'a').map((d) => d.id)).toEqual(expected);
  });

  it('pages messages of a direction, every state when none is named', () => {
    const ids = allPages((before) => ledger.messages('inbound', [], 200, undefined, before), 200).flat().map((m) => m.id);
    expect(ids).toEqual(Array.from({ length: 750 }, (_, k) => 1499 - 2 * k));
    const failed = ledger.messages('inbound', ['failed'], 1000, 'a');
    expect(failed.map((m) => m.id)).toEqual(Array.from({ length: 1500 }, (_, i) => i).filter((i) => i % 2 === 0 && i % 7 === 0 && i % 3 === 0).map((i) => i + 1).reverse());
  });

  it('pages expected acks by state and partner in SQL', () => {
    const rejected = allPages((before) => ledger.expectedAcksIn(['rejected'], 50, 'b', before), 50).flat();
    expect(rejected.map((a) => Number(a.interchangeControlNumber))).toEqual(Array.from({ length: 1500 }, (_, i) => i).filter((i) => i % 4 === 2 && i % 3 !== 0).reverse());
    const oldest = ledger.expectedAcksIn([], 10, undefined, 3);
    expect(oldest.map((a) => a.id)).toEqual([2, 1]);
  });

  it('reads each page along an index, merging the states without sorting', () => {
    const db = new Database(file, { readonly: true });
    const plan = (table: ListTable, f: ListFilter): string => {
      const { sql, args } = listQuery(table, '*', f);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    try {
      const documents = plan('documents', { states: ['dead', 'parked', 'held'], partnerId: 'a', before: 900, limit: 200 });
      expect(documents).toBe(
        'MERGE (UNION ALL) | LEFT | MERGE (UNION ALL) | LEFT | SEARCH documents USING INDEX documents_due (state=? AND id<?) | RIGHT | SEARCH documents USING INDEX documents_due (state=? AND id<?) | RIGHT | SEARCH documents USING INDEX documents_due (state=? AND id<?)',
      );
      const messages = plan('messages', { states: ['failed', 'held'], direction: 'inbound', partnerId: 'a', limit: 200 });
      expect(messages).toBe('MERGE (UNION ALL) | LEFT | SEARCH messages USING INDEX messages_queue (direction=? AND state=? AND id<?) | RIGHT | SEARCH messages USING INDEX messages_queue (direction=? AND state=? AND id<?)');
      expect(plan('expected_acks', { states: ['overdue'], partnerId: 'b', before: 7, limit: 200 })).toBe('SEARCH expected_acks USING INDEX expected_acks_list (state=? AND id<?)');
      for (const p of [documents, messages]) expect(p).not.toMatch(/TEMP B-TREE|SCAN/);
    } finally {
      db.close();
    }
  });
});
