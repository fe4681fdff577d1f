/**
 * The dashboard's sessions in the ledger (migration 15), so a restart signs nobody out. Rows are keyed
 * by a digest of the session id that the caller computes: the ledger never sees the id itself, and
 * knows nothing of roles or cookies.
 */
import type Database from 'better-sqlite3';

/** One stored session. */
export interface SessionRow {
  /** SHA-256 (hex) of the session id the cookie carries. */
  idSha256: string;
  user: string;
  role: string;
  /** Which of the user's tokens it was granted for (Operators.tagOf), '' for sessions stored before migration 17. */
  tokenTag: string;
  csrf: string;
  createdAt: number;
  seenAt: number;
}

const COLUMNS = 'id_sha256 AS idSha256, user_name AS user, role, token_tag AS tokenTag, csrf, created_at AS createdAt, seen_at AS seenAt';

/** The `dashboard_sessions` table. */
export class SessionTable {
  private readonly stmt;
  private readonly insertBounded: (row: SessionRow, keep: number) => void;

  constructor(db: Database.Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO dashboard_sessions (id_sha256, user_name, role, token_tag, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare(`SELECT ${COLUMNS} FROM dashboard_sessions WHERE id_sha256 = ?`),
      touch: db.prepare('UPDATE dashboard_sessions SET seen_at = ? WHERE id_sha256 = ?'),
      delete: db.prepare('DELETE FROM dashboard_sessions WHERE id_sha256 = ?'),
      expire: db.prepare('DELETE FROM dashboard_sessions WHERE seen_at < ? OR created_at < ?'),
      // Newest first in the order they were stored (rowid; two sign-ins may share a millisecond): all after the first `keep` go.
      trim: db.prepare('DELETE FROM dashboard_sessions WHERE rowid IN (SELECT rowid FROM dashboard_sessions ORDER BY rowid DESC LIMIT -1 OFFSET +?)'),
    };
    this.insertBounded = db.transaction((row: SessionRow, keep: number) => {
      this.stmt.insert.run(row.idSha256, row.user, row.role, row.tokenTag, row.csrf, row.createdAt, row.seenAt);
      this.stmt.trim.run(keep);
    });
  }

  /** Store a new session, then drop the oldest beyond `keep` rows (the new one included). */
  add(row: SessionRow, keep: number): void {
    this.insertBounded(row, keep);
  }

  /** The session stored under this digest, if any. */
  get(idSha256: string): SessionRow | undefined {
    return this.stmt.get.get(idSha256) as SessionRow | undefined;
  }

  /** Note a request of the session at `seenAt`. */
  touch(idSha256: string, seenAt: number): void {
    this.stmt.touch.run(seenAt, idSha256);
  }

  remove(idSha256: string): void {
    this.stmt.delete.run(idSha256);
  }

  /** Remove the sessions idle since before `seenBefore` or created before `createdBefore`; how many went. */
  expire(seenBefore: number, createdBefore: number): number {
    return this.stmt.expire.run(seenBefore, createdBefore).changes;
  }
}
