/** The dashboard's per-partner overview from the ledger: what waits however old, what moved in the window, by the indexes. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteLedger } from '../../src/store';

const HOUR = 3600_000;
const NOW = Date.UTC(2026, 10, 27, 12);
const OLD = NOW - 72 * HOUR;
const RECENT = NOW - 2 * HOUR;

/** Rows written directly, at chosen times (ids grow with time, as the ledger writes them). */
function seeded(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'activity-')), 'ledger.sqlite');
  new SqliteLedger({ file }).close();
  const db = new Database(file);
  const msg = db.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (?, ?, 'dir', 'f.edi', ?, 'x', 10, ?, 'c', ?, ?)`);
  const doc = db.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (?, ?, 1, ?, 'order', ?, 'c', ?, ?)`);
  const ack = db.prepare(`INSERT INTO expected_acks (id, message_id, partner_id, ack_type, interchange_control_number, message_type, deadline, state, updated_at) VALUES (?, ?, ?, '997', '1', '850', ?, ?, ?)`);
  // Old: a dead document and an overdue ack stay in the counts however old; a posted one does not.
  msg.run(1, 'inbound', 'northgate', 'processed', OLD, OLD);
  doc.run(1, 1, 'northgate', 'dead', OLD, OLD);
  doc.run(2, 1, 'northgate', 'posted', OLD, OLD);
  msg.run(2, 'outbound', 'bolt-supply', 'sent', OLD, OLD);
  ack.run(1, 2, 'bolt-supply', OLD + HOUR, 'sent', OLD); // past its deadline: overdue when asked
  ack.run(2, 2, 'bolt-supply', OLD + HOUR, 'acknowledged', OLD); // settled before the window
  // Recent.
  msg.run(3, 'inbound', 'northgate', 'processed', RECENT, RECENT);
  doc.run(3, 3, 'northgate', 'posted', RECENT, RECENT);
  doc.run(4, 3, 'northgate', 'retry', RECENT, RECENT);
  msg.run(4, 'inbound', null, 'failed', RECENT + 1, RECENT + 1);
  msg.run(5, 'outbound', 'bolt-supply', 'sent', RECENT + 2, RECENT + 2);
  ack.run(3, 5, 'bolt-supply', NOW + HOUR, 'sent', RECENT + 2);
  ack.run(4, 5, 'bolt-supply', NOW + HOUR, 'rejected', RECENT + 3);
  msg.run(6, 'outbound', 'bolt-supply', 'parked', RECENT + 4, RECENT + 4);
  db.close();
  return file;
}

describe('the partner overview of the ledger', () => {
  it('counts open rows however old, and what moved since the window start, per partner', () => {
    const ledger = new SqliteLedger({ file: seeded(), now: () => NOW });
    try {
      const rows = ledger.partnerActivity(NOW - 24 * HOUR);
      expect(rows.map((r) => r.partnerId)).toEqual(['', 'bolt-supply', 'northgate']);
      const [unknown, bolt, northgate] = rows;
      expect(unknown).toMatchObject({ received: 1, openMessages: { inbound: { failed: 1 }, outbound: {} }, lastReceivedAt: RECENT + 1 });
      expect(northgate).toMatchObject({ open: { dead: 1, retry: 1 }, recent: { posted: 1, retry: 1 }, received: 1, sent: 0, lastReceivedAt: RECENT, lastSentAt: null, acks: {} });
      // The old acknowledged ack is outside the window; the old unanswered one has gone overdue.
      expect(bolt).toMatchObject({ sent: 2, lastSentAt: RECENT + 4, openMessages: { outbound: { parked: 1 } }, acks: { overdue: 1, sent: 1, rejected: 1 } });
      expect(bolt.acks.acknowledged).toBeUndefined();
    } finally {
      ledger.close();
    }
  });

  it('a window before everything counts everything; one after everything only what waits', () => {
    const ledger = new SqliteLedger({ file: seeded(), now: () => NOW });
    try {
      const all = ledger.partnerActivity(0).find((r) => r.partnerId === 'northgate');
      expect(all).toMatchObject({ received: 2, recent: { posted: 2, dead: 1, retry: 1 } });
      const none = ledger.partnerActivity(NOW + HOUR).find((r) => r.partnerId === 'northgate');
      expect(none).toMatchObject({ received: 0, recent: {}, open: { dead: 1, retry: 1 } });
      expect(new SqliteLedger({ file: ':memory:' }).partnerActivity(0)).toEqual([]);
    } finally {
      ledger.close();
    }
  });
});
