/** Dashboard sign-in: sessions kept in the ledger, their expiry, the cookie, the users' roles, and the throttle on wrong tokens. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Operators, type OperatorToken } from '../../../src/server/operators';
import { cookieValue, SESSION_COOKIE, sessionKey, SessionStore, type SessionOptions } from '../../../src/server/dashboard/session';
import { SqliteLedger } from '../../../src/store';

const ANNA: OperatorToken = { name: 'anna', role: 'operator', token: 'anna-t0ken' };
const VIC: OperatorToken = { name: 'vic', role: 'viewer', token: 'vic-t0ken' };

describe('dashboard sessions', () => {
  let clock = 1_000_000;
  let file: string;
  let ledger: SqliteLedger;
  beforeEach(() => {
    file = join(mkdtempSync(join(tmpdir(), 'sessions-')), 'ledger.sqlite');
    ledger = new SqliteLedger({ file });
  });
  afterEach(() => ledger.close());

  const store = (o: Partial<SessionOptions> = {}, users: readonly OperatorToken[] = [ANNA, VIC]) =>
    new SessionStore({ operators: new Operators('s3cret', users), table: ledger.sessions, now: () => clock, ...o });
  const signedIn = (s: SessionStore, token = 's3cret') => {
    const r = s.signIn(token, 'a');
    if (r.kind !== 'ok') throw new Error(r.kind);
    return r.session;
  };
  /** The stored rows as another reader of the file sees them. */
  const rows = (): Record<string, unknown>[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT * FROM dashboard_sessions ORDER BY rowid').all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };

  it('signs in with the token only, and finds the session from its cookie', () => {
    const s = store();
    expect(s.signIn('wrong', 'a').kind).toBe('wrong');
    const session = signedIn(s);
    expect(session.csrf).not.toBe(session.id);
    expect(session.operator).toEqual({ name: 'gateway', role: 'operator' });
    const cookie = s.cookie(session, false);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=${session.id}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=86400$`));
    expect(s.cookie(session, true)).toContain('; Secure');
    expect(s.fromCookie(`other=1; ${SESSION_COOKIE}=${session.id}`)).toMatchObject({ id: session.id, csrf: session.csrf, operator: session.operator });
    expect(s.fromCookie(`${SESSION_COOKIE}=forged`)).toBeUndefined();
    expect(s.fromCookie(undefined)).toBeUndefined();
    s.signOut(session);
    expect(s.fromCookie(`${SESSION_COOKIE}=${session.id}`)).toBeUndefined();
    expect(rows()).toEqual([]);
    expect(s.cookie(undefined, false)).toMatch(/^edi_session=; .*Max-Age=0$/);
  });

  it('stores a digest of the session id, never the id, with the user, role, CSRF token and times', () => {
    const session = signedIn(store(), VIC.token);
    const stored = rows();
    expect(stored).toEqual([{ id_sha256: sessionKey(session.id), user_name: 'vic', role: 'viewer', token_tag: expect.stringMatching(/^[0-9a-f]{8}$/), csrf: session.csrf, created_at: clock, seen_at: clock }]);
    expect(JSON.stringify(stored)).not.toContain(VIC.token);
    expect(sessionKey(session.id)).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(session.id);
  });

  it('ends a session after its idle time and after its maximum age, and removes expired rows lazily', () => {
    const s = store({ idleMs: 1000, maxAgeMs: 5000 });
    const session = signedIn(s);
    const c = `${SESSION_COOKIE}=${session.id}`;
    for (let i = 0; i < 4; i++) {
      clock += 900;
      expect(s.fromCookie(c)).toBeDefined();
    }
    clock += 1500;
    expect(s.fromCookie(c)).toBeUndefined();
    expect(rows()).toEqual([]);
    const read = signedIn(s);
    const unread = signedIn(s, ANNA.token);
    clock += 1001;
    expect(s.fromCookie(`${SESSION_COOKIE}=${read.id}`)).toBeUndefined();
    // The other idle one is still a row until someone signs in: then it goes too.
    expect(rows().map((r) => r.user_name)).toEqual(['anna']);
    signedIn(s);
    expect(rows().map((r) => r.user_name)).toEqual(['gateway']);
    expect(s.fromCookie(`${SESSION_COOKIE}=${unread.id}`)).toBeUndefined();
  });

  it('keeps a session across a restart, and ends it when its user is gone or has another role', () => {
    const anna = signedIn(store(), ANNA.token);
    const vic = signedIn(store(), VIC.token);
    const gw = signedIn(store());
    ledger.close();
    ledger = new SqliteLedger({ file });
    // anna stays an operator, vic was removed, the gateway token is the same: a new process.
    const after = store({}, [ANNA]);
    expect(after.fromCookie(`${SESSION_COOKIE}=${anna.id}`)).toMatchObject({ csrf: anna.csrf, operator: { name: 'anna', role: 'operator' } });
    expect(after.fromCookie(`${SESSION_COOKIE}=${gw.id}`)?.operator.name).toBe('gateway');
    expect(after.fromCookie(`${SESSION_COOKIE}=${vic.id}`)).toBeUndefined();
    expect(rows().map((r) => r.user_name)).toEqual(['anna', 'gateway']);
    const demoted = store({}, [{ ...ANNA, role: 'viewer' }]);
    expect(demoted.fromCookie(`${SESSION_COOKIE}=${anna.id}`)).toBeUndefined();
    expect(rows().map((r) => r.user_name)).toEqual(['gateway']);
  });

  it("ends the sessions of a token that was rotated (same user and role), restart or not; the new token's are kept", () => {
    const old = signedIn(store(), ANNA.token);
    const gw = signedIn(store());
    const rotated = store({}, [{ ...ANNA, token: 'anna-n3w-t0ken' }]);
    expect(rotated.fromCookie(`${SESSION_COOKIE}=${old.id}`)).toBeUndefined();
    expect(rotated.fromCookie(`${SESSION_COOKIE}=${gw.id}`)?.operator.name).toBe('gateway');
    const fresh = signedIn(rotated, 'anna-n3w-t0ken');
    ledger.close();
    ledger = new SqliteLedger({ file });
    const after = store({}, [{ ...ANNA, token: 'anna-n3w-t0ken' }]);
    expect(after.fromCookie(`${SESSION_COOKIE}=${fresh.id}`)?.operator.name).toBe('anna');
    // The gateway's own token rotated: its sessions end too.
    const gatewayRotated = new SessionStore({ operators: new Operators('n3w-s3cret', [{ ...ANNA, token: 'anna-n3w-t0ken' }]), table: ledger.sessions, now: () => clock });
    expect(gatewayRotated.fromCookie(`${SESSION_COOKIE}=${gw.id}`)).toBeUndefined();
    expect(rows().map((r) => r.user_name)).toEqual(['anna']);
  });

  it('ends a session stored before sessions were tagged with their token (migration 17): its person signs in once more', () => {
    const session = signedIn(store(), ANNA.token);
    const db = new Database(file);
    db.prepare("UPDATE dashboard_sessions SET token_tag = ''").run();
    db.close();
    expect(store().fromCookie(`${SESSION_COOKIE}=${session.id}`)).toBeUndefined();
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
    const ids = [0, 1, 2].map(() => signedIn(s).id);
    expect(ids.map((id) => s.fromCookie(`${SESSION_COOKIE}=${id}`) !== undefined)).toEqual([false, true, true]);
    expect(rows()).toHaveLength(2);
    expect(cookieValue('a=1;  b = 2 ', 'b')).toBe('2');
  });
});

describe('operators', () => {
  it('finds who holds a token and by name, and refuses a name twice', () => {
    const ops = new Operators('s3cret', [ANNA, VIC]);
    expect(ops.byToken('s3cret')).toEqual({ name: 'gateway', role: 'operator' });
    expect(ops.byToken('vic-t0ken')).toEqual({ name: 'vic', role: 'viewer' });
    expect(ops.byToken('vic-t0ke')).toBeUndefined();
    expect(ops.byToken('')).toBeUndefined();
    expect(ops.byName('anna')).toEqual({ name: 'anna', role: 'operator' });
    expect(ops.byName('nobody')).toBeUndefined();
    expect(() => new Operators('s3cret', [ANNA, { ...VIC, name: 'anna' }])).toThrow('operator names must be distinct');
    expect(() => new Operators('', [])).toThrow(/needs a token/);
  });
});
