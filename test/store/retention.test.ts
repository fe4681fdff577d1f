/** The payload retention policy: what loses its payload, what keeps it, and what a person is told. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadPartners } from '../../src/partners';
import { replay, ReplayError } from '../../src/pipeline/replay';
import { LedgerError, prunePayloads, scheduleRetention, SqliteLedger } from '../../src/store';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 10, 27);
const OLD = NOW - 100 * DAY;
const RECENT = NOW - 2 * DAY;

/** A ledger file with messages and documents in every situation the policy distinguishes. */
function seeded(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'retention-')), 'ledger.sqlite');
  new SqliteLedger({ file }).close();
  const db = new Database(file);
  const msg = db.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (?, ?, 'dir', ?, 'northgate', 'x', ?, ?, 'c', ?, ?)`);
  const bytes = db.prepare('INSERT INTO message_bytes (message_id, bytes) VALUES (?, ?)');
  const doc = db.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (?, ?, 1, 'northgate', 'order', ?, 'c', ?, ?)`);
  const body = db.prepare('INSERT INTO document_bodies (document_id, canonical) VALUES (?, ?)');
  const ack = db.prepare(`INSERT INTO expected_acks (message_id, partner_id, ack_type, interchange_control_number, message_type, deadline, state, updated_at) VALUES (?, 'northgate', '997', '1', '850', ?, ?, ?)`);
  const message = (id: number, direction: string, state: string, created: number, updated = created): void => {
    const b = Buffer.from(`ISA*${id}~`.padEnd(100 + id, 'x'));
    msg.run(id, direction, `m${id}.edi`, b.length, state, created, updated);
    bytes.run(id, b);
  };
  const document = (id: number, messageId: number, state: string, created: number, updated = created): void => {
    doc.run(id, messageId, state, created, updated);
    body.run(id, JSON.stringify({ type: 'order', id }).padEnd(200 + id));
  };
  message(1, 'inbound', 'processed', OLD); // every document finished: goes
  document(1, 1, 'posted', OLD);
  document(2, 1, 'replaced', OLD);
  message(2, 'inbound', 'processed', OLD); // a dead document may still be replayed: the bytes stay
  document(3, 2, 'posted', OLD);
  document(4, 2, 'dead', OLD);
  message(3, 'inbound', 'processed', RECENT); // too recent
  document(5, 3, 'posted', RECENT);
  message(4, 'inbound', 'held', OLD); // waits for a person
  document(6, 2, 'posted', OLD, RECENT); // changed lately
  message(5, 'outbound', 'sent', OLD); // its acknowledgment is still awaited
  ack.run(5, OLD + DAY, 'overdue', OLD);
  message(6, 'outbound', 'sent', OLD); // acknowledged: goes
  ack.run(6, OLD + DAY, 'acknowledged', OLD);
  message(7, 'outbound', 'pending', OLD); // not sent yet
  db.close();
  return file;
}

const payload = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return {
      messages: (db.prepare('SELECT message_id FROM message_bytes ORDER BY 1').pluck().all() as number[]),
      documents: (db.prepare('SELECT document_id FROM document_bodies ORDER BY 1').pluck().all() as number[]),
      pruned: (db.prepare('SELECT id FROM messages WHERE payload_pruned_at IS NOT NULL UNION ALL SELECT -id FROM documents WHERE payload_pruned_at IS NOT NULL').pluck().all() as number[]),
    };
  } finally {
    db.close();
  }
};

/** Run `fn` on a freshly seeded ledger whose clock says NOW. */
async function onSeeded(fn: (ledger: SqliteLedger, file: string) => Promise<void>): Promise<void> {
  const file = seeded();
  const ledger = new SqliteLedger({ file, now: () => NOW });
  try {
    await fn(ledger, file);
  } finally {
    ledger.close();
  }
}

describe('payload retention', () => {
  it('removes the payloads of finished rows older than the policy, and only those; the rows stay', () =>
    onSeeded(async (ledger, file) => {
      const before = payload(file);
      const dry = await prunePayloads(ledger, 90 * DAY, { now: NOW, dry: true, step: 2 });
      expect(payload(file)).toEqual(before);
      const done = await prunePayloads(ledger, 90 * DAY, { now: NOW, step: 2 });
      expect(done).toEqual(dry);
      expect(done).toMatchObject({ messages: 2, documents: 3 });
      // Bytes of messages 1 and 6 (101 + 106) and the JSON of documents 1, 2 and 3 (201 + 202 + 203).
      expect(done.bytes).toBe(101 + 106 + 201 + 202 + 203);
      expect(payload(file).messages).toEqual([2, 3, 4, 5, 7]);
      expect(payload(file).documents).toEqual([4, 5, 6]);
      expect(ledger.message(1)?.state).toBe('processed');
      expect(ledger.document(1)).toMatchObject({ state: 'posted' });
      expect(ledger.document(1)?.canonical ?? null).toBeNull();
      expect(ledger.document(4)?.canonical).toContain('"id":4');
      expect(() => ledger.bytes(1)).toThrow(LedgerError);
      expect(() => ledger.bytes(1)).toThrow(/message 1 were removed on 2026-11-27T00:00:00.000Z under the retention policy/);
      expect(ledger.bytes(2).subarray(0, 6).toString()).toBe('ISA*2~');
      expect(() => ledger.bytes(99)).toThrow(/no message 99 in the ledger/);
      // A second pass finds nothing more.
      expect(await prunePayloads(ledger, 90 * DAY, { now: NOW })).toEqual({ messages: 0, documents: 0, bytes: 0 });
    }));

  it('takes a payload once what kept it is settled and old enough', () =>
    onSeeded(async (ledger, file) => {
      await prunePayloads(ledger, 90 * DAY, { now: NOW });
      ledger.documentState(4, { state: 'discarded', reason: 'not needed', event: 'document.discarded' });
      // Discarded today: its message keeps the bytes (a person may still replay it) until that is old too.
      expect(await prunePayloads(ledger, 90 * DAY, { now: NOW })).toMatchObject({ messages: 0, documents: 0 });
      const later = await prunePayloads(ledger, 90 * DAY, { now: NOW + 91 * DAY });
      expect(later).toMatchObject({ messages: 2, documents: 3 });
      expect(payload(file).messages).toEqual([4, 5, 7]);
      expect(payload(file).documents).toEqual([]);
    }));

  it('stops between steps when asked (a service shutting down)', () =>
    onSeeded(async (ledger, file) => {
      const stop = new AbortController();
      stop.abort();
      expect(await prunePayloads(ledger, 90 * DAY, { now: NOW, signal: stop.signal })).toEqual({ messages: 0, documents: 0, bytes: 0 });
      expect(payload(file).pruned).toEqual([]);
    }));

  it('a replay of a message whose bytes were removed is refused with the reason', () =>
    onSeeded(async (ledger, file) => {
      await prunePayloads(ledger, 90 * DAY, { now: NOW });
      const registry = loadPartners(join(__dirname, '..', '..', 'partners'), { dataRoot: join(file, '..', 'data') });
      const refused = replay(ledger, registry, { messageId: 1 });
      await expect(refused).rejects.toThrow(ReplayError);
      await expect(replay(ledger, registry, { messageId: 1 })).rejects.toThrow(/removed on .* under the retention policy/);
      expect(ledger.documentsOfMessage(1).map((d) => d.state)).toEqual(['posted', 'replaced']);
    }));

  it('a scheduled round runs every pass, logs what each removed or why it failed, and stop waits for it', async () => {
    const lines: { level: string; o: Record<string, unknown>; msg: string }[] = [];
    const logger = { info: (o: object, msg: string) => lines.push({ level: 'info', o: o as Record<string, unknown>, msg }), error: (o: object, msg: string) => lines.push({ level: 'error', o: o as Record<string, unknown>, msg }) };
    let signal: AbortSignal | undefined;
    let begun: () => void = () => undefined;
    const lastBegun = new Promise<void>((r) => (begun = r));
    const stop = scheduleRetention(
      [
        { name: 'broken', run: () => Promise.reject(new Error('disk gone')) },
        { name: 'idle', run: () => Promise.resolve({ folders: 0 }) },
        {
          name: 'archives',
          run: (s) => {
            signal = s;
            begun();
            return new Promise((r) => setTimeout(() => r({ folders: 2, files: 5 }), 50));
          },
        },
      ],
      logger,
      60_000,
    );
    await lastBegun;
    // Stopped while the last pass runs: stop waits for it, and the pass was told.
    await stop();
    expect(signal?.aborted).toBe(true);
    expect(lines.map((l) => [l.level, l.o.pass, l.msg])).toEqual([
      ['error', 'broken', 'retention of broken failed; it is tried again at the next round'],
      ['info', 'archives', 'retention: expired archives removed'],
    ]);
    expect(lines[1].o).toMatchObject({ folders: 2, files: 5 });
  });
});
