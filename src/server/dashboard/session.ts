/**
 * Dashboard sign-in: a person proves they hold the gateway's API token once, and gets a session cookie
 * (HttpOnly, SameSite=Strict, Secure over TLS) instead of the browser keeping the token. Every form
 * carries the session's CSRF token as well. Sessions live in memory: a restart signs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'edi_session';

export interface Session {
  id: string;
  csrf: string;
  createdAt: number;
  seenAt: number;
}

export interface SessionOptions {
  /** The token that signs a person in (the API's bearer token). */
  token: string;
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

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Equal strings, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
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

export type SignIn = { kind: 'ok'; session: Session } | { kind: 'wrong' } | { kind: 'locked'; retryAfterS: number };

/** The signed-in sessions and the sign-in throttle. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, { n: number; since: number }>();
  private readonly tokenDigest: Buffer;
  private readonly idleMs: number;
  private readonly maxAgeMs: number;
  private readonly maxSessions: number;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly now: () => number;

  constructor(o: SessionOptions) {
    if (!o.token) throw new Error('the dashboard needs a token to sign in with');
    this.tokenDigest = digest(o.token);
    this.idleMs = o.idleMs ?? 8 * 3600_000;
    this.maxAgeMs = o.maxAgeMs ?? 24 * 3600_000;
    this.maxSessions = o.maxSessions ?? 1000;
    this.maxFailures = o.maxFailures ?? 5;
    this.lockMs = o.lockMs ?? 5 * 60_000;
    this.now = o.now ?? Date.now;
  }

  /** Check a token typed by a person from `address`; a new session when it is the gateway's. */
  signIn(token: string, address: string): SignIn {
    const now = this.now();
    const f = this.failures.get(address);
    if (f && now - f.since >= this.lockMs) this.failures.delete(address);
    const current = this.failures.get(address);
    if (current && current.n >= this.maxFailures) return { kind: 'locked', retryAfterS: Math.ceil((current.since + this.lockMs - now) / 1000) };
    if (!timingSafeEqual(digest(token), this.tokenDigest)) {
      if (current) current.n++;
      else {
        // Bounded: one entry per address that failed lately, oldest dropped first.
        if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value as string);
        this.failures.set(address, { n: 1, since: now });
      }
      return { kind: 'wrong' };
    }
    this.failures.delete(address);
    if (this.sessions.size >= this.maxSessions) this.sessions.delete(this.sessions.keys().next().value as string);
    const session: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), createdAt: now, seenAt: now };
    this.sessions.set(session.id, session);
    return { kind: 'ok', session };
  }

  /** The live session a Cookie header names (its idle clock restarts), if any. */
  fromCookie(header: string | undefined): Session | undefined {
    const id = cookieValue(header, SESSION_COOKIE);
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (now - s.seenAt > this.idleMs || now - s.createdAt > this.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.seenAt = now;
    return s;
  }

  signOut(session: Session): void {
    this.sessions.delete(session.id);
  }

  /** The Set-Cookie value that carries a session (or, with none, removes the cookie). */
  cookie(session: Session | undefined, secure: boolean): string {
    const attrs = `Path=/dashboard; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    return session ? `${SESSION_COOKIE}=${session.id}; ${attrs}; Max-Age=${Math.floor(this.maxAgeMs / 1000)}` : `${SESSION_COOKIE}=; ${attrs}; Max-Age=0`;
  }
}
