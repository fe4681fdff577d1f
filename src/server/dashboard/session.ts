/**
 * Dashboard sign-in: a person proves they hold a token (the gateway's, or their own of `http.users`) once,
 * and gets a session cookie (HttpOnly, SameSite=Strict, Secure over TLS) instead of the browser keeping
 * the token. Every form carries the session's CSRF token as well. Sessions are kept in the ledger, so a
 * restart signs nobody out; the ledger holds a SHA-256 of the session id, never the id. The throttle on
 * wrong tokens stays in memory: a restart forgiving a few guesses costs nothing.
 */
import { randomBytes } from 'node:crypto';
import type { SessionTable } from '../../store';
import type { Operator, Operators } from '../operators';
import { sha256Of } from '../secret';

export const SESSION_COOKIE = 'edi_session';

export interface Session {
  /** The cookie's value; known only to the browser and, for the request at hand, to us. */
  id: string;
  csrf: string;
  operator: Operator;
  createdAt: number;
  seenAt: number;
}

export interface SessionOptions {
  /** Who may sign in, and with which role. */
  operators: Operators;
  /** Where sessions are kept (the ledger's table). */
  table: SessionTable;
  /** Sign out after this long without a request, default 8 h. */
  idleMs?: number;
  /** Sign out after this long whatever happens, default 24 h. */
  maxAgeMs?: number;
  /** Sessions kept at most (the oldest go first), default 1000. */
  maxSessions?: number;
  /** Failed sign-ins from one address within `lockMs` before it is refused for the rest of it, default 5. */
  maxFailures?: number;
  lockMs?: number;
  now?: () => number;
}

/** The value of one cookie in a Cookie header, if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The key a session is stored under. */
export function sessionKey(id: string): string {
  return sha256Of(id).toString('hex');
}

export type SignIn = { kind: 'ok'; session: Session } | { kind: 'wrong' } | { kind: 'locked'; retryAfterS: number };

/** The signed-in sessions and the sign-in throttle. */
export class SessionStore {
  private readonly failures = new Map<string, { n: number; since: number }>();
  private readonly operators: Operators;
  private readonly table: SessionTable;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  /** `seen_at` is written again only after this long: a page view need not be a write. */
  private readonly touchEveryMs: number;
  private readonly now: () => number;

  constructor(o: SessionOptions) {
    this.operators = o.operators;
    this.table = o.table;
    this.idleMs = o.idleMs ?? 8 * 3600_000;
    this.maxAgeMs = o.maxAgeMs ?? 24 * 3600_000;
    this.maxSessions = o.maxSessions ?? 1000;
    this.maxFailures = o.maxFailures ?? 5;
    this.lockMs = o.lockMs ?? 5 * 60_000;
    this.touchEveryMs = Math.min(60_000, Math.floor(this.idleMs / 10));
    this.now = o.now ?? Date.now;
  }

  /** Check a token typed by a person from `address`; a new session for whoever holds it. */
  signIn(token: string, address: string): SignIn {
    const now = this.now();
    const f = this.failures.get(address);
    if (f && now - f.since >= this.lockMs) this.failures.delete(address);
    const current = this.failures.get(address);
    if (current && current.n >= this.maxFailures) return { kind: 'locked', retryAfterS: Math.ceil((current.since + this.lockMs - now) / 1000) };
    const operator = this.operators.byToken(token);
    if (!operator) {
      if (current) current.n++;
      else {
        // Bounded: one entry per address that failed lately, oldest dropped first.
        if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value as string);
        this.failures.set(address, { n: 1, since: now });
      }
      return { kind: 'wrong' };
    }
    this.failures.delete(address);
    // Expired rows go lazily, here and when one is read: no timer for a table this small.
    this.table.expire(now - this.idleMs, now - this.maxAgeMs);
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), operator, createdAt: now, seenAt: now };
    this.table.add({ idSha256: sessionKey(session.id), user: operator.name, role: operator.role, tokenTag: this.operators.tagOf(operator.name) ?? '', csrf: session.csrf, createdAt: now, seenAt: now }, this.maxSessions);
    return { kind: 'ok', session };
  }

  /**
   * The live session a Cookie header names (its idle clock restarts), if any. A session whose user is no
   * longer configured, is configured with another role or holds another token now (rotated, perhaps
   * because it leaked) is ended: it was granted to someone else.
   */
  fromCookie(header: string | undefined): Session | undefined {
    const id = cookieValue(header, SESSION_COOKIE);
    if (!id) return undefined;
    const key = sessionKey(id);
    const row = this.table.get(key);
    if (!row) return undefined;
    const now = this.now();
    const operator = this.operators.byName(row.user);
    if (now - row.seenAt > this.idleMs || now - row.createdAt > this.maxAgeMs || !operator || operator.role !== row.role || row.tokenTag !== this.operators.tagOf(row.user)) {
      this.table.remove(key);
      return undefined;
    }
    if (now - row.seenAt >= this.touchEveryMs) this.table.touch(key, now);
    return { id, csrf: row.csrf, operator, createdAt: row.createdAt, seenAt: now };
  }

  signOut(session: Session): void {
    this.table.remove(sessionKey(session.id));
  }

  /** The Set-Cookie value that carries a session (or, with none, removes the cookie). */
  cookie(session: Session | undefined, secure: boolean): string {
    const attrs = `Path=/dashboard; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    return session ? `${SESSION_COOKIE}=${session.id}; ${attrs}; Max-Age=${Math.floor(this.maxAgeMs / 1000)}` : `${SESSION_COOKIE}=; ${attrs}; Max-Age=0`;
  }
}
