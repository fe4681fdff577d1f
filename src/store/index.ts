/** The message ledger: raw messages, documents, events, the outbox, control numbers, expected acks. */
export { byOperator, LedgerError, SqliteLedger, ledgerFile, sha256 } from './sqlite';
export { SessionTable, type SessionRow } from './sessions';
export { CHECKPOINT_INTERVAL_MS } from './checkpointer';
export { prunePayloads, scheduleRetention, PRUNE_EVERY_MS, type RetentionPass } from './retention';
export type { SqliteLedgerOptions } from './sqlite';
export * from './types';

import type { SqliteLedger } from './sqlite';
/** The ledger the pipelines use (SQLite today; a PostgreSQL ledger will implement the same surface). */
export type Ledger = SqliteLedger;
