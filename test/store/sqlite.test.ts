/** The SQLite ledger on its own: schema, ownership, control numbers, work queues, exports. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LedgerError, SqliteLedger } from '../../src/store';
import { OPEN_DOCUMENT_STATES, OPEN_MESSAGE_STATES, type DocumentState, type MessageState } from '../../src/store/types';
import { MIGRATIONS } from '../../src/store/migrations';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.sqlite');

describe('SqliteLedger', () => {
  it('creates and migrates the schema on first open, and refuses a newer one', () => {
    const file = fresh();
    new SqliteLedger({ file }).close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(17);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // Retries are found through their own partial index, the waiting documents through documents_due.
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan(`SELECT MIN(next_attempt_at) FROM documents WHERE state = 'retry'`)).toMatch(/COVERING INDEX documents_retry/);
    expect(plan(`SELECT id FROM documents WHERE state = 'retry' AND next_attempt_at <= 5 ORDER BY id LIMIT 9`)).toMatch(/INDEX documents_retry \(state=\? AND next_attempt_at<\?\)/);
    expect(plan(`SELECT id FROM documents WHERE state = 'mapped' ORDER BY id LIMIT 9`)).toMatch(/INDEX documents_due \(state=\?\)$/);
    // The message queues come in id order from their index, without sorting every waiting row.
    expect(plan(`SELECT id, source FROM messages WHERE direction = 'inbound' AND state = 'received' ORDER BY id LIMIT 9`)).toMatch(/INDEX messages_queue \(direction=\? AND state=\?\)$/);
    expect(plan(`SELECT id, source FROM messages WHERE direction = 'outbound' AND state = 'pending' ORDER BY id LIMIT 9`)).toMatch(/INDEX messages_queue \(direction=\? AND state=\?\)$/);
    // A partner's highest interchange number (the gap check) is read from its index, not from every row.
    expect(plan(`SELECT MAX(CAST(control_number AS INTEGER)) FROM interchanges WHERE partner_id = 'a' AND control_number NOT GLOB '*[^0-9]*' AND control_number <> ''`)).toMatch(/INDEX interchanges_number \(partner_id=\?\)$/);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('documents_work', 'events_correlation')`).all()).toEqual([]);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteLedger({ file })).toThrow(/written by a newer gateway \(schema 99/);
  });

  it("a partner's highest interchange number counts only numeric control numbers, of that partner", () => {
    const file = fresh();
    new SqliteLedger({ file }).close();
    const db = new Database(file);
    db.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (1, 'inbound', 'dir', 'a.edi', 'a', 'x', 1, 'processed', 'c-1', 1, 1)`).run();
    const add = db.prepare(`INSERT INTO interchanges (partner_id, control_number, sha256, message_id, test, seen_at) VALUES (?, ?, 'x', 1, 0, 1)`);
    for (const [partner, cn] of [['a', '000000009'], ['a', '000000120'], ['a', '12A'], ['a', ''], ['a', '99 '], ['b', '000000500']]) add.run(partner, cn);
    db.close();
    const ledger = new SqliteLedger({ file });
    try {
      expect(ledger.lastInterchangeNumber('a')).toBe(120);
      expect(ledger.lastInterchangeNumber('b')).toBe(500);
      expect(ledger.lastInterchangeNumber('c')).toBeUndefined();
    } finally {
      ledger.close();
    }
  });

  it('counts the waiting rows per state through the state indexes, and every row only on request', () => {
    const file = fresh();
    new SqliteLedger({ file }).close();
    const db = new Database(file);
    const messageStates: MessageState[] = ['received', 'processed', 'duplicate', 'held', 'failed', 'pending', 'retry', 'sent', 'parked', 'discarded'];
    const documentStates: DocumentState[] = ['mapped', 'posted', 'retry', 'parked', 'dead', 'held', 'ignored', 'discarded', 'replaced'];
    const message = db.prepare(`INSERT INTO messages (direction, channel, source, partner_id, sha256, size, state, correlation_id, created_at, updated_at) VALUES (?, 'dir', 'f', 'a', 'x', 1, ?, 'c', 1, 1)`);
    const document = db.prepare(`INSERT INTO documents (message_id, seq, partner_id, type, state, correlation_id, created_at, updated_at) VALUES (1, ?, 'a', 'order', ?, 'c', 1, 1)`);
    // State i has i + 1 rows, so a count taken from the wrong state shows.
    messageStates.forEach((state, i) => {
      for (let k = 0; k <= i; k++) message.run(['pending', 'retry', 'sent', 'parked', 'discarded'].includes(state) && k % 2 === 0 ? 'outbound' : 'inbound', state);
    });
    documentStates.forEach((state, i) => {
      for (let k = 0; k <= i; k++) document.run(k, state);
    });
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const list = (states: readonly string[]) => states.map((x) => `'${x}'`).join(', ');
    expect(plan(`SELECT state, COUNT(*) AS n FROM messages WHERE direction IN ('inbound', 'outbound') AND state IN (${list(OPEN_MESSAGE_STATES)}) GROUP BY state`)).toMatch(/^SEARCH messages USING COVERING INDEX messages_queue/);
    expect(plan(`SELECT state, COUNT(*) AS n FROM documents WHERE state IN (${list(OPEN_DOCUMENT_STATES)}) GROUP BY state`)).toMatch(/^SEARCH documents USING COVERING INDEX documents_due/);
    db.close();
    const ledger = new SqliteLedger({ file });
    try {
      const all = ledger.counts();
      expect(all.messages).toEqual(Object.fromEntries(messageStates.map((s, i) => [s, i + 1])));
      expect(all.documents).toEqual(Object.fromEntries(documentStates.map((s, i) => [s, i + 1])));
      const open = ledger.openCounts();
      expect(open.messages).toEqual(Object.fromEntries(messageStates.map((s, i) => [s, i + 1]).filter(([s]) => OPEN_MESSAGE_STATES.includes(s as MessageState))));
      expect(open.documents).toEqual(Object.fromEntries(documentStates.map((s, i) => [s, i + 1]).filter(([s]) => OPEN_DOCUMENT_STATES.includes(s as DocumentState))));
      expect(open.messages.processed).toBeUndefined();
      expect(open.documents.posted).toBeUndefined();
      expect(open.overdueAcks).toBe(all.overdueAcks);
    } finally {
      ledger.close();
    }
  });

  it('no statement takes its LIMIT as a bare parameter (SQLite would compile it again on every run)', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'src', 'store', 'sqlite.ts'), 'utf8');
    expect(source).toMatch(/LIMIT \+\?/);
    expect(source).not.toMatch(/LIMIT \?/);
  });

  it('brings a schema-4 ledger forward: bytes and canonical JSON move to their own tables, unchanged', () => {
    const file = fresh();
    const old = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) old.exec(m);
    old.pragma('user_version = 4');
    const bytes = Buffer.from('ISA*00*          *00*...~\u00ff\u0000', 'latin1');
    old.prepare(`INSERT INTO messages (id, direction, channel, source, partner_id, sha256, size, bytes, state, correlation_id, created_at, updated_at) VALUES (7, 'inbound', 'dir', 'a.edi', 'acme', 'x', ?, ?, 'processed', 'c-7', 1, 1)`).run(bytes.length, bytes);
    old.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, canonical, result, correlation_id, created_at, updated_at, order_key) VALUES (3, 7, 0, 'acme', 'order', 'posted', '{"type":"order"}', '[1]', 'c-7', 1, 2, 'PO-1')`).run();
    old.prepare(`INSERT INTO documents (id, message_id, seq, partner_id, type, state, canonical, correlation_id, created_at, updated_at) VALUES (4, 7, 1, 'acme', 'order', 'rejected', NULL, 'c-7', 1, 1)`).run();
    old.close();

    const l = new SqliteLedger({ file });
    expect(l.bytes(7).equals(bytes)).toBe(true);
    expect(l.document(3)).toMatchObject({ canonical: '{"type":"order"}', orderKey: 'PO-1', state: 'posted', correlationId: 'c-7' });
    expect(l.document(4)?.canonical).toBeNull();
    l.close();
    const db = new Database(file);
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('messages')).not.toContain('bytes');
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('documents')).not.toContain('canonical');
    db.close();
  });

  it('one process owns a ledger; a dead owner\'s lock is taken over', () => {
    const file = fresh();
    const a = new SqliteLedger({ file });
    // The same process may open it again (its own lock), e.g. the CLI inside a test.
    const again = new SqliteLedger({ file });
    again.close();
    a.close();
    // A lock left by a process that is gone.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(`${file}.lock`, gone);
    const b = new SqliteLedger({ file });
    b.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    // A live other process holding it.
    writeFileSync(`${file}.lock`, String(process.ppid));
    expect(() => new SqliteLedger({ file })).toThrow(LedgerError);
  });

  it('control numbers: per partner and level, strictly increasing, kept across reopen, wrapping after 999999999', () => {
    const file = fresh();
    let l = new SqliteLedger({ file });
    expect([l.next('interchange', 'a'), l.next('interchange', 'a'), l.next('group', 'a'), l.next('interchange', 'b')]).toEqual([1, 2, 1, 1]);
    l.close();
    l = new SqliteLedger({ file });
    expect(l.next('interchange', 'a')).toBe(3);
    const db = new Database(file);
    db.prepare("UPDATE control_numbers SET last = 999999999 WHERE partner_key = 'a' AND level = 'interchange'").run();
    db.close();
    expect(l.next('interchange', 'a')).toBe(1);
    l.close();
  });

  it('provisional control numbers (an ack\'s) continue the same series and are kept by the commit that queues the ack', () => {
    const file = fresh();
    let l = new SqliteLedger({ file });
    expect(l.next('interchange', 'p:x12')).toBe(1);
    const provisional = l.provisionalControlNumbers();
    const n = provisional.next('interchange', 'p:x12');
    expect(n).toBe(2);
    const [m] = l.receiveMany([{ channel: 'dir', source: 'po.edi', bytes: Buffer.from('ISA') }]);
    l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [], events: [], outbound: [{ partnerId: 'p', channel: 'dir', name: `997-${n}`, bytes: Buffer.from('ack'), correlationId: m.correlationId, messageType: '997', causeMessageId: m.id, interchangeControlNumber: String(n) }] });
    l.close();
    l = new SqliteLedger({ file });
    // Never reused: the durable and the provisional source share one counter.
    expect(l.next('interchange', 'p:x12')).toBe(3);
    expect(l.dueOutbound(10).map((o) => o.interchangeControlNumber)).toEqual(['2']);
    l.close();
  });

  it('without holding the thread: received bytes are on disk when receiveManyDurable resolves; queued acks are handed out only once their commit is', async () => {
    const file = fresh();
    const l = new SqliteLedger({ file });
    // Several at once share the fsyncs; each resolves with its own rows.
    const batches = await Promise.all([1, 2, 3].map((n) => l.receiveManyDurable([{ channel: 'dir', source: `po-${n}.edi`, bytes: Buffer.from(`ISA ${n}`) }])));
    expect(batches.map(([m]) => l.bytes(m!.id).toString())).toEqual(['ISA 1', 'ISA 2', 'ISA 3']);
    const m = batches[0]![0]!;
    const ack = { partnerId: 'p', channel: 'dir', name: '997-1', bytes: Buffer.from('ack'), correlationId: m.correlationId, messageType: '997', causeMessageId: m.id, interchangeControlNumber: '1' };
    const { ids, durable } = l.commitProcessedSoon({ messageId: m.id, state: 'processed', interchanges: [], documents: [], events: [], outbound: [ack] });
    expect(ids).toEqual([]);
    expect(l.message(m.id)?.state).toBe('processed');
    expect(l.dueOutbound(10)).toEqual([]);
    await durable;
    expect(l.dueOutbound(10).map((o) => o.source)).toEqual(['997-1']);
    // A commit that queues nothing has nothing to wait for.
    const second = batches[1]![0]!;
    const quiet = l.commitProcessedSoon({ messageId: second.id, state: 'processed', interchanges: [], documents: [], events: [], outbound: [] });
    await expect(quiet.durable).resolves.toBeUndefined();
    l.close();
    const again = new SqliteLedger({ file });
    expect(again.dueOutbound(10).map((o) => o.source)).toEqual(['997-1']);
    expect(again.receivedMessages(10).map((r) => r.source)).toEqual(['po-3.edi']);
    again.close();
  });

  it('received messages wait in order; bytes come back exactly', () => {
    const l = new SqliteLedger({ file: ':memory:' });
    const [a, b] = l.receiveMany([
      { channel: 'dir', source: 'a.edi', bytes: Buffer.from([0, 1, 2, 255]) },
      { channel: 'dir', source: 'b.edi', bytes: Buffer.from('ISA') },
    ]);
    expect(l.receivedMessages(10).map((m) => m.id)).toEqual([a.id, b.id]);
    expect(l.bytes(a.id)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(a.correlationId).not.toBe(b.correlationId);
    l.close();
  });

  it('due documents: mapped ones and retries whose time has come, oldest first, without the busy ones; retries not before their time', () => {
    let now = 1_000_000;
    const l = new SqliteLedger({ file: ':memory:', now: () => now });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'x', bytes: Buffer.from('x') }]);
    const doc = (seq: number) => ({ seq, partnerId: 'p', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: '1', controlNumber: String(seq), businessKey: `K${seq}`, state: 'mapped' as const, canonical: '{}' });
    const ids = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(1), doc(2), doc(3)], outbound: [], events: [] });
    l.documentState(ids[0], { state: 'retry', attempt: true, nextAttemptAt: now + 5000, reason: 'Odoo down', errorKind: 'retryable', event: 'document.retry' });
    expect(l.dueDocuments(10).map((d) => d.id)).toEqual([ids[1], ids[2]]);
    now += 5000;
    expect(l.dueDocuments(10).map((d) => d.id)).toEqual(ids);
    expect(l.dueDocuments(2).map((d) => d.id)).toEqual([ids[0], ids[1]]);
    // Documents in flight are left out, retries and mapped alike, and the limit counts only the others.
    expect(l.dueDocuments(2, new Set([ids[0], ids[1]])).map((d) => d.id)).toEqual([ids[2]]);
    expect(l.dueDocuments(1, new Set([ids[1]])).map((d) => d.id)).toEqual([ids[0]]);
    expect(l.dueDocuments(10, new Set()).map((d) => d.id)).toEqual(ids);
    // A claim reads only the keys; the whole documents (with their JSON) are read for those taken.
    expect(l.dueDocuments(10)[1]).toEqual({ id: ids[1], partnerId: 'p', type: 'order', orderKey: null, businessKey: 'K2' });
    expect(l.documents([ids[2], 9999, ids[1]]).map((d) => [d.id, d.canonical, d.controlNumber])).toEqual([
      [ids[2], '{}', '3'],
      [ids[1], '{}', '2'],
    ]);
    expect(l.document(ids[0])).toMatchObject({ attempts: 1, reason: 'Odoo down', errorKind: 'retryable' });
    l.close();
  });

  it('posted states queued in one turn are written in one transaction, each with its event', async () => {
    const l = new SqliteLedger({ file: ':memory:' });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'x', bytes: Buffer.from('x') }]);
    const ids = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [1, 2].map((seq) => ({ seq, partnerId: 'p', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: null, controlNumber: String(seq), businessKey: null, state: 'mapped' as const })), outbound: [], events: [] });
    await Promise.all(ids.map((id) => l.documentStateSoon(id, { state: 'posted', attempt: true, result: [{ id }], event: 'document.posted' })));
    expect(ids.map((id) => l.document(id)?.state)).toEqual(['posted', 'posted']);
    expect(l.eventsOfDocument(ids[1]).map((e) => e.kind)).toEqual(['document.mapped', 'document.posted']);
    await expect(l.documentStateSoon(9999, { state: 'posted', event: 'document.posted' })).rejects.toThrow(/no document 9999/);
    l.close();
  });

  it('the events of a large file and of a large batch of changes are all written, in order (several multi-row inserts)', async () => {
    const l = new SqliteLedger({ file: ':memory:' });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'x', bytes: Buffer.from('x') }]);
    const docs = Array.from({ length: 70 }, (_, seq) => ({ seq, partnerId: 'p', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: null, controlNumber: String(seq), businessKey: null, state: 'mapped' as const }));
    const ids = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: docs, outbound: [], events: [{ correlationId: m.correlationId, messageId: m.id, kind: 'file.note', detail: { n: 1 } }] });
    await Promise.all(ids.map((id, i) => l.documentStateSoon(id, { state: 'posted', attempt: true, result: [i], event: 'document.posted', detail: { i } })));
    const events = l.eventsOfMessage(m.id);
    expect(events.map((e) => [e.kind, e.documentId, e.detail])).toEqual([
      ['file.note', null, '{"n":1}'],
      ...ids.map((id) => ['document.mapped', id, null]),
      ...ids.map((id, i) => ['document.posted', id, `{"i":${i}}`]),
    ]);
    expect(events.every((e) => e.messageId === m.id && e.correlationId === m.correlationId)).toBe(true);
    l.close();
  });

  it('a change of a batch that fails inside SQLite is undone alone: the others are written, with their events', async () => {
    const file = fresh();
    const l = new SqliteLedger({ file });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'x', bytes: Buffer.from('x') }]);
    const ids = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [1, 2, 3].map((seq) => ({ seq, partnerId: 'p', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: null, controlNumber: String(seq), businessKey: null, state: 'mapped' as const })), outbound: [], events: [] });
    // The event of the second change fails after its document row was updated.
    const other = new Database(file);
    other.exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.kind = 'document.boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`);
    other.close();
    const settled = await Promise.allSettled([
      l.documentStateSoon(ids[0], { state: 'posted', attempt: true, result: [1], event: 'document.posted' }),
      l.documentStateSoon(ids[1], { state: 'posted', attempt: true, result: [2], event: 'document.boom' }),
      l.documentStateSoon(9999, { state: 'posted', event: 'document.posted' }),
      l.documentStateSoon(ids[2], { state: 'posted', attempt: true, result: [3], event: 'document.posted', detail: { records: ['x'] } }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/boom/);
    expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/no document 9999/);
    expect(ids.map((id) => [l.document(id)?.state, l.document(id)?.attempts, l.document(id)?.result])).toEqual([
      ['posted', 1, '[1]'],
      ['mapped', 0, null],
      ['posted', 1, '[3]'],
    ]);
    expect(ids.map((id) => l.eventsOfDocument(id).map((e) => [e.kind, e.detail]))).toEqual([
      [['document.mapped', null], ['document.posted', null]],
      [['document.mapped', null]],
      [['document.mapped', null], ['document.posted', '{"records":["x"]}']],
    ]);
    // A result that cannot be written as JSON fails its own change only, before anything is written.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await expect(l.documentStateSoon(ids[1], { state: 'posted', result: circular, event: 'document.posted' })).rejects.toThrow(/circular/i);
    expect(l.document(ids[1])?.state).toBe('mapped');
    l.close();
  });

  it('every column of a message and a document reads back as written, by every query that returns them', () => {
    let now = 5_000;
    const l = new SqliteLedger({ file: ':memory:', now: () => now });
    const [m] = l.receiveMany([{ channel: 'sftp', source: 'in/a.edi', partnerId: 'acme', bytes: Buffer.from('ISA a'), correlationId: 'c-1' }]);
    expect(m).toEqual({
      id: m.id, direction: 'inbound', channel: 'sftp', source: 'in/a.edi', partnerId: 'acme', sha256: m.sha256, size: 5, state: 'received', correlationId: 'c-1',
      createdAt: 5_000, updatedAt: 5_000, attempts: 0, nextAttemptAt: null, reason: null, messageType: null, interchangeControlNumber: null, causeMessageId: null,
    });
    expect(l.receivedMessages(5)).toEqual([m]);
    now = 6_000;
    const full = { seq: 2, partnerId: 'acme', type: 'order', messageType: '850', interchangeControlNumber: '11', groupControlNumber: '12', controlNumber: '13', businessKey: 'PO-1', orderKey: 'PO-1', state: 'mapped' as const, canonical: '{"type":"order"}' };
    const bare = { seq: 1, partnerId: null, type: null, messageType: null, interchangeControlNumber: null, groupControlNumber: null, controlNumber: null, businessKey: null, state: 'dead' as const, reason: 'unreadable', errorKind: 'business' as const };
    const ack = { partnerId: 'acme', channel: 'sftp', name: 'out/997.edi', bytes: Buffer.from('ack'), correlationId: 'c-1', messageType: '997', causeMessageId: m.id, interchangeControlNumber: '900' };
    const [a, b] = l.commitProcessed({ messageId: m.id, state: 'processed', partnerId: 'acme', messageType: '850', interchanges: [{ partnerId: 'acme', controlNumber: '11', sha256: 'x', test: false }], documents: [full, bare], outbound: [ack], events: [] });
    expect(l.message(m.id)).toMatchObject({ state: 'processed', partnerId: 'acme', messageType: '850', interchangeControlNumber: '11', updatedAt: 6_000 });
    const [out] = l.dueOutbound(5);
    expect(out).toEqual({
      id: out.id, direction: 'outbound', channel: 'sftp', source: 'out/997.edi', partnerId: 'acme', sha256: out.sha256, size: 3, state: 'pending', correlationId: 'c-1',
      createdAt: 6_000, updatedAt: 6_000, attempts: 0, nextAttemptAt: null, reason: null, messageType: '997', interchangeControlNumber: '900', causeMessageId: m.id,
    });
    expect(l.messages('outbound')).toEqual([out]);
    now = 7_000;
    l.outboundState(out.id, { state: 'retry', attempt: true, nextAttemptAt: 9_000, reason: 'refused', event: 'outbound.retry' });
    expect(l.message(out.id)).toMatchObject({ state: 'retry', attempts: 1, nextAttemptAt: 9_000, reason: 'refused', updatedAt: 7_000 });
    l.documentState(a, { state: 'retry', attempt: true, nextAttemptAt: 8_000, reason: 'Odoo down', errorKind: 'retryable', result: { id: 4 }, event: 'document.retry' });
    const docA = {
      id: a, messageId: m.id, seq: 2, partnerId: 'acme', type: 'order', messageType: '850', interchangeControlNumber: '11', groupControlNumber: '12', controlNumber: '13',
      businessKey: 'PO-1', orderKey: 'PO-1', state: 'retry', attempts: 1, nextAttemptAt: 8_000, reason: 'Odoo down', errorKind: 'retryable', canonical: '{"type":"order"}',
      result: '{"id":4}', correlationId: 'c-1', createdAt: 6_000, updatedAt: 7_000, replayOf: null,
    };
    const docB = {
      id: b, messageId: m.id, seq: 1, partnerId: null, type: null, messageType: null, interchangeControlNumber: null, groupControlNumber: null, controlNumber: null,
      businessKey: null, orderKey: null, state: 'dead', attempts: 0, nextAttemptAt: null, reason: 'unreadable', errorKind: 'business', canonical: null,
      result: null, correlationId: 'c-1', createdAt: 6_000, updatedAt: 6_000, replayOf: null,
    };
    expect(l.document(a)).toEqual(docA);
    expect(l.documents([b, a])).toEqual([docB, docA]);
    expect(l.documentsOfMessage(m.id)).toEqual([docB, docA]);
    expect(l.documentsIn(['retry', 'dead'])).toEqual([docB, docA]);
    expect(l.businessTwin('acme', 'order', 'PO-1', m.id + 1)).toEqual(docA);
    // A replay: the new row names the old one, which is replaced.
    const [r] = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [full], outbound: [], events: [] }, new Map([[2, a]]));
    expect(l.document(r)).toMatchObject({ replayOf: a, state: 'mapped' });
    expect(l.document(a)).toMatchObject({ state: 'replaced', reason: `replayed as document ${r}`, result: '{"id":4}', nextAttemptAt: null, errorKind: null });
    l.close();
  });

  it('documents just committed are read back from memory as stored, and never stale after a change', async () => {
    let now = 5_000;
    const file = fresh();
    const l = new SqliteLedger({ file, now: () => now });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'a.edi', partnerId: 'acme', bytes: Buffer.from('ISA a'), correlationId: 'c-1' }]);
    const doc = (seq: number) => ({ seq, partnerId: 'acme', type: 'order', messageType: '850', interchangeControlNumber: '11', groupControlNumber: '12', controlNumber: String(seq), businessKey: `PO-${seq}`, orderKey: `PO-${seq}`, state: 'mapped' as const, canonical: `{"n":${seq}}` });
    const dead = { ...doc(9), state: 'dead' as const, reason: 'no item', errorKind: 'business' as const };
    const { ids } = l.commitProcessedSoon({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(1), doc(2), doc(3), dead], outbound: [], events: [] });
    now = 6_000;
    // What the ledger file holds, read by another connection: the rows handed out must be the same.
    const stored = (id: number) => {
      const other = new SqliteLedger({ file, lock: false });
      try {
        return other.document(id);
      } finally {
        other.close();
      }
    };
    expect(l.documents([ids[2], 9999, ids[0], ids[3]])).toEqual([stored(ids[2]), stored(ids[0]), stored(ids[3])]);
    // Read again (from the ledger this time), the same.
    expect(l.documents([ids[0]])).toEqual([stored(ids[0])]);
    // A change of state (here through the batched writer) is seen by the next read.
    await l.documentStateSoon(ids[1], { state: 'posted', attempt: true, result: [{ id: 1 }], event: 'document.posted' });
    expect(l.documents([ids[1]])).toEqual([expect.objectContaining({ state: 'posted', attempts: 1, result: '[{"id":1}]', updatedAt: 6_000 })]);
    // A replay replaces a document that is still in memory: its next read shows it replaced.
    const [again] = l.commitProcessedSoon({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(4)], outbound: [], events: [] }).ids;
    const [r] = l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [doc(4)], outbound: [], events: [] }, new Map([[4, again]]));
    expect(l.documents([again, r])).toEqual([expect.objectContaining({ id: again, state: 'replaced' }), stored(r)]);
    expect(stored(r)).toMatchObject({ replayOf: again, state: 'mapped', canonical: '{"n":4}' });
    l.close();
  });

  it('due outbound messages: pending and retries whose time has come, in id order, the unsynced ones held back', () => {
    let now = 1_000;
    const l = new SqliteLedger({ file: ':memory:', now: () => now });
    const out = (name: string) => ({ partnerId: 'p', channel: 'dir', name, bytes: Buffer.from(name), correlationId: 'c', messageType: '997' });
    const first = l.enqueue(out('a'));
    const second = l.enqueue(out('b'));
    l.outboundState(first, { state: 'retry', attempt: true, nextAttemptAt: 2_000, reason: 'refused', event: 'outbound.retry' });
    expect(l.dueOutbound(10).map((o) => o.id)).toEqual([second]);
    now = 2_000;
    expect(l.dueOutbound(10).map((o) => o.id)).toEqual([first, second]);
    expect(l.dueOutbound(1).map((o) => o.id)).toEqual([first]);
    l.outboundState(second, { state: 'sent', attempt: true, event: 'outbound.sent' });
    expect(l.dueOutbound(10).map((o) => o.id)).toEqual([first]);
    l.close();
  });

  it('reads made together see the ledger as it is and give back what the function returns', () => {
    const l = new SqliteLedger({ file: ':memory:' });
    const [m] = l.receiveMany([{ channel: 'dir', source: 'x', bytes: Buffer.from('x') }]);
    l.commitProcessed({ messageId: m.id, state: 'processed', interchanges: [], documents: [{ seq: 0, partnerId: 'p', type: 'order', messageType: '850', interchangeControlNumber: '1', groupControlNumber: null, controlNumber: '1', businessKey: 'K', state: 'mapped', canonical: '{}' }], outbound: [], events: [] });
    expect(l.readTogether(() => [l.businessTwin('p', 'order', 'K', m.id + 1)?.businessKey, l.businessTwin('p', 'order', 'L', m.id + 1)])).toEqual(['K', undefined]);
    expect(() => l.readTogether(() => { throw new Error('no'); })).toThrow('no');
    expect(l.readTogether(() => l.receivedMessages(5))).toEqual([]);
    l.close();
  });

  it('exports: a record is queued and remembered together, once', () => {
    const l = new SqliteLedger({ file: ':memory:' });
    const out = { partnerId: 'p', channel: 'dir', name: '850', bytes: Buffer.from('ISA'), correlationId: 'c', messageType: '850' };
    expect(l.exported('odoo:purchase.order', 'p:1')).toBeUndefined();
    const id = l.enqueueExport('odoo:purchase.order', 'p:1', out);
    expect(l.exported('odoo:purchase.order', 'p:1')).toBe(id);
    expect(() => l.enqueueExport('odoo:purchase.order', 'p:1', out)).toThrow(/UNIQUE/);
    expect(l.dueOutbound(10).map((m) => m.id)).toEqual([id]);
    l.setMeta('k', 'v');
    expect(l.meta('k')).toBe('v');
    l.close();
  });
});
