/** Dashboard sign-in: sessions, their expiry, the cookie, and the throttle on wrong tokens. */
import { cookieValue, SESSION_COOKIE, SessionStore } from '../../../src/server/dashboard/session';

describe('dashboard sessions', () => {
  let clock = 1_000_000;
  const store = (o: Partial<ConstructorParameters<typeof SessionStore>[0]> = {}) => new SessionStore({ token: 's3cret', now: () => clock, ...o });

  it('signs in with the token only, and finds the session from its cookie', () => {
    const s = store();
    expect(s.signIn('wrong', 'a').kind).toBe('wrong');
    const r = s.signIn('s3cret', 'a');
    if (r.kind !== 'ok') throw new Error(r.kind);
    expect(r.session.csrf).not.toBe(r.session.id);
    const cookie = s.cookie(r.session, false);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=${r.session.id}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=86400$`));
    expect(s.cookie(r.session, true)).toContain('; Secure');
    expect(s.fromCookie(`other=1; ${SESSION_COOKIE}=${r.session.id}`)).toBe(r.session);
    expect(s.fromCookie(`${SESSION_COOKIE}=forged`)).toBeUndefined();
    expect(s.fromCookie(undefined)).toBeUndefined();
    s.signOut(r.session);
    expect(s.fromCookie(`${SESSION_COOKIE}=${r.session.id}`)).toBeUndefined();
    expect(s.cookie(undefined, false)).toMatch(/^edi_session=; .*Max-Age=0$/);
  });

  it('ends a session after its idle time and after its maximum age', () => {
    const s = store({ idleMs: 1000, maxAgeMs: 5000 });
    const r = s.signIn('s3cret', 'a');
    if (r.kind !== 'ok') throw new Error(r.kind);
    const c = `${SESSION_COOKIE}=${r.session.id}`;
    for (let i = 0; i < 4; i++) {
      clock += 900;
      expect(s.fromCookie(c)).toBeDefined();
    }
    clock += 1500;
    expect(s.fromCookie(c)).toBeUndefined();
    const r2 = s.signIn('s3cret', 'a');
    if (r2.kind !== 'ok') throw new Error(r2.kind);
    clock += 1001;
    expect(s.fromCookie(`${SESSION_COOKIE}=${r2.session.id}`)).toBeUndefined();
  });

  it('refuses an address after too many wrong tokens, even the right one, until the lock ends', () => {
    const s = store({ maxFailures: 3, lockMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(s.signIn('guess', '10.0.0.9').kind).toBe('wrong');
    const locked = s.signIn('s3cret', '10.0.0.9');
    expect(locked).toEqual({ kind: 'locked', retryAfterS: 60 });
    expect(s.signIn('s3cret', '10.0.0.10').kind).toBe('ok');
    clock += 60_000;
    expect(s.signIn('s3cret', '10.0.0.9').kind).toBe('ok');
  });

  it('keeps at most maxSessions, dropping the oldest', () => {
    const s = store({ maxSessions: 2 });
    const ids = [0, 1, 2].map(() => {
      const r = s.signIn('s3cret', 'a');
      if (r.kind !== 'ok') throw new Error(r.kind);
      return r.session.id;
    });
    expect(ids.map((id) => s.fromCookie(`${SESSION_COOKIE}=${id}`) !== undefined)).toEqual([false, true, true]);
    expect(cookieValue('a=1;  b = 2 ', 'b')).toBe('2');
  });
});
