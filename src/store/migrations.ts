/**
 * Ledger schema, as an ordered list of migrations. A database records the number of migrations applied
 * (PRAGMA user_version); opening it applies the rest in one transaction, so a ledger created by an older
 * gateway is brought forward on first start and a newer one is refused rather than misread.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    channel TEXT NOT NULL,
    source TEXT NOT NULL,
    partner_id TEXT,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    state TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    reason TEXT,
    message_type TEXT,
    interchange_control_number TEXT,
    cause_message_id INTEGER REFERENCES messages (id)
  );
  CREATE INDEX messages_work ON messages (direction, state, next_attempt_at);
  CREATE INDEX messages_cause ON messages (cause_message_id);

  CREATE TABLE interchanges (
    partner_id TEXT NOT NULL,
    control_number TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    test INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
  );
  CREATE INDEX interchanges_key ON interchanges (partner_id, control_number, seen_at);

  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    seq INTEGER NOT NULL,
    partner_id TEXT,
    type TEXT,
    message_type TEXT,
    interchange_control_number TEXT,
    group_control_number TEXT,
    control_number TEXT,
    business_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    reason TEXT,
    error_kind TEXT,
    canonical TEXT,
    result TEXT,
    correlation_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    replay_of INTEGER REFERENCES documents (id)
  );
  CREATE INDEX documents_work ON documents (state, next_attempt_at);
  CREATE INDEX documents_message ON documents (message_id);
  CREATE INDEX documents_key ON documents (partner_id, type, business_key);

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    correlation_id TEXT NOT NULL,
    message_id INTEGER,
    document_id INTEGER,
    kind TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX events_message ON events (message_id);
  CREATE INDEX events_document ON events (document_id);
  CREATE INDEX events_correlation ON events (correlation_id);

  CREATE TABLE control_numbers (
    partner_key TEXT NOT NULL,
    level TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (partner_key, level)
  );

  CREATE TABLE expected_acks (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    partner_id TEXT NOT NULL,
    ack_type TEXT NOT NULL,
    interchange_control_number TEXT NOT NULL,
    group_control_number TEXT,
    transaction_control_number TEXT,
    message_type TEXT NOT NULL,
    deadline INTEGER NOT NULL,
    state TEXT NOT NULL,
    errors TEXT,
    ack_message_id INTEGER REFERENCES messages (id),
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX expected_acks_match ON expected_acks (partner_id, interchange_control_number);
  CREATE INDEX expected_acks_state ON expected_acks (state, deadline);
  `,
  // 2: documents due for posting are read in id order per state (see SqliteLedger.dueDocuments).
  `CREATE INDEX documents_due ON documents (state, id);`,
  // 3: what was exported from Odoo (a purchase order sent as an 850 is never sent twice) and small settings.
  `
  CREATE TABLE exports (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    message_id INTEGER REFERENCES messages (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (source, key)
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  // 4: the order a document belongs to, so the post stage can keep an order's documents in sequence
  // without reading every waiting document's canonical JSON.
  `ALTER TABLE documents ADD COLUMN order_key TEXT;`,
  // 5: the large payloads (received/sent bytes, canonical JSON) in tables of their own. Inline, every
  // column stored after them sat behind their overflow pages: reading a queue row's correlation id walked
  // the whole document (5 ms for one claim of the post stage with 10 000 orders waiting).
  `
  CREATE TABLE message_bytes (message_id INTEGER PRIMARY KEY REFERENCES messages (id), bytes BLOB NOT NULL);
  INSERT INTO message_bytes (message_id, bytes) SELECT id, bytes FROM messages;
  ALTER TABLE messages DROP COLUMN bytes;
  CREATE TABLE document_bodies (document_id INTEGER PRIMARY KEY REFERENCES documents (id), canonical TEXT NOT NULL);
  INSERT INTO document_bodies (document_id, canonical) SELECT id, canonical FROM documents WHERE canonical IS NOT NULL;
  ALTER TABLE documents DROP COLUMN canonical;
  `,
  // 6: cheaper writes per document. No query looks events up by correlation id, and its index took every
  // event at a random place (a UUID), splitting pages all over it. Only retries are looked up by their
  // next attempt (SqliteLedger.dueDocuments, nextDocumentRetry): a partial index holds just those, so a
  // document mapped or posted no longer touches it; state lookups and counts use documents_due.
  `
  DROP INDEX events_correlation;
  DROP INDEX documents_work;
  CREATE INDEX documents_retry ON documents (state, next_attempt_at) WHERE state = 'retry';
  `,
  // 7: the queues of messages in id order (received files for the process stage, pending outbound for the
  // send stage). messages_work ends with next_attempt_at, so each claim sorted every waiting row first.
  `CREATE INDEX messages_queue ON messages (direction, state, id);`,
  // 8: a partner's highest numeric interchange control number (the gap check of every received file) from
  // an index of its own: MAX over the partner's rows walked them all (18 ms at 80 000 interchanges; 6 µs).
  // The expression and condition are those of SqliteLedger's lastInterchange statement, word for word.
  `CREATE INDEX interchanges_number ON interchanges (partner_id, CAST(control_number AS INTEGER)) WHERE control_number NOT GLOB '*[^0-9]*' AND control_number <> '';`,
  // 9: when the retention policy removed a finished row's payload (its bytes or canonical JSON); the row,
  // its states and its events stay as the history, and a replay can say why the bytes are gone.
  `
  ALTER TABLE messages ADD COLUMN payload_pruned_at INTEGER;
  ALTER TABLE documents ADD COLUMN payload_pruned_at INTEGER;
  `,
  // 10: "what happened to order X" (the dashboard's search): every document about an order (the order,
  // its responses, ship notices and invoices) by its order key, and the orders we sent by their name
  // (an outbound message is named by its order number; only outbound rows are indexed).
  `
  CREATE INDEX documents_order ON documents (order_key) WHERE order_key IS NOT NULL;
  CREATE INDEX messages_outbound_name ON messages (source) WHERE direction = 'outbound';
  `,
  // 11: records of Odoo that could not be sent (an invoice that does not render for the partner, an order
  // response whose lines no longer resolve): state a person sees and can dismiss, tried again at every
  // export run, instead of a log line that repeated itself and a cursor that stayed behind them.
  `
  CREATE TABLE export_failures (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    partner_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (source, key)
  );
  `,
  // 12: the acknowledgments list, newest first per state and paged by id (SqliteLedger.expectedAcksIn).
  // expected_acks_state ends with the deadline, so a list of one state sorted all its rows (all the
  // acknowledged ones, in the end); this one reads a page and stops, as documents_due does for documents.
  `CREATE INDEX expected_acks_list ON expected_acks (state, id);`,
  // 13: what a record looked like when it was last sent (a hash of the document), so a later change in
  // Odoo is sent as a change only when what the partner would read differs.
  `ALTER TABLE exports ADD COLUMN fingerprint TEXT;`,
  // 14: an answer owed by what it refers to rather than by control numbers: the order number an order
  // response must name (acknowledgments.expect: order_response), found when the supplier's answer arrives.
  `
  ALTER TABLE expected_acks ADD COLUMN reference TEXT;
  CREATE INDEX expected_acks_reference ON expected_acks (partner_id, reference) WHERE reference IS NOT NULL;
  `,
  // 15: dashboard sessions, so a restart does not sign everyone out. Only a SHA-256 of the session id is
  // kept (a copy of the ledger signs nobody in); the user and role are checked against gateway.yaml when a
  // session is read, so a removed user or a changed role does not come back with a restart.
  `
  CREATE TABLE dashboard_sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
  );
  `,
  // 16: the digest's windows (notify/digest.ts) read by the time a row entered the state it is listed for,
  // not by scanning a state's rows. A document's state_at is when it entered its current state (set by
  // every state change; a later write that changes no state leaves it), filled in here for the documents
  // that wait for a person, the only ones read by it (the others get it at their next change). The three
  // partial indexes hold only the rows a digest lists, with their partner, so counting a window reads
  // just its index entries.
  `
  ALTER TABLE documents ADD COLUMN state_at INTEGER;
  UPDATE documents SET state_at = updated_at WHERE state IN ('dead', 'parked', 'held');
  CREATE INDEX documents_needs_person ON documents (state, state_at, partner_id) WHERE state IN ('dead', 'parked', 'held');
  CREATE INDEX expected_acks_overdue ON expected_acks (state, updated_at, partner_id) WHERE state = 'overdue';
  CREATE INDEX export_failures_first ON export_failures (first_at, partner_id);
  `,
  // 17: a session remembers which token it was granted for (a short tag of it, not the token), so one that
  // a rotated token's holder signed in with ends when the token changes, restart or not. Sessions stored
  // before have no tag and end at their next read: a person signs in once more.
  `ALTER TABLE dashboard_sessions ADD COLUMN token_tag TEXT NOT NULL DEFAULT '';`,
];
