/**
 * Who may use the API and the dashboard: the gateway's own token (the operator `gateway`) and the named
 * people of `http.users`, each a viewer (reads) or an operator (reads and acts). A token is looked up by
 * comparing SHA-256 digests in constant time against every known one, so neither its content, its length
 * nor which user it belongs to shows in the time taken.
 */
import { matchesDigest, sha256Of } from './secret';

export type Role = 'viewer' | 'operator';

/** A person (or the gateway's own token) as requests carry it: a name for the history and a role. */
export interface Operator {
  readonly name: string;
  readonly role: Role;
}

/** A person's entry as read from gateway.yaml, the token already read from its secret reference. */
export interface OperatorToken extends Operator {
  readonly token: string;
}

/** The name `http.token` acts under. */
export const GATEWAY_OPERATOR = 'gateway';

/** The token of a well-formed `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1] : undefined;
}

/** The people who may sign in, by token and by name. */
export class Operators {
  private readonly entries: readonly { operator: Operator; digest: Buffer }[];
  private readonly named: ReadonlyMap<string, Operator>;
  private readonly tags: ReadonlyMap<string, string>;

  /** `token` acts as the operator `gateway`; `users` are the named people (checked distinct at start-up). */
  constructor(token: string, users: readonly OperatorToken[] = []) {
    if (!token) throw new Error('the HTTP server needs a token to sign in with');
    const all: OperatorToken[] = [{ name: GATEWAY_OPERATOR, role: 'operator', token }, ...users];
    this.entries = all.map((u) => ({ operator: { name: u.name, role: u.role }, digest: sha256Of(u.token) }));
    this.named = new Map(this.entries.map((e) => [e.operator.name, e.operator]));
    // 8 hex digits of a digest of the digest: enough to tell a rotated token from the one before, too few to test guesses against.
    this.tags = new Map(this.entries.map((e) => [e.operator.name, sha256Of(`session tag ${e.digest.toString('hex')}`).toString('hex').slice(0, 8)]));
    if (this.named.size !== all.length) throw new Error('operator names must be distinct');
  }

  /** Who holds `token`, if anyone. Every entry is compared, whichever matches. */
  byToken(token: string): Operator | undefined {
    let found: Operator | undefined;
    for (const e of this.entries) if (matchesDigest(token, e.digest)) found = e.operator;
    return found;
  }

  /** The operator of this name as configured now (a stored session checks its user against it). */
  byName(name: string): Operator | undefined {
    return this.named.get(name);
  }

  /** A short tag of the token this operator holds now: a session granted for another token (rotated since) is not theirs. */
  tagOf(name: string): string | undefined {
    return this.tags.get(name);
  }
}

/** Requests that change nothing: every role may make them. */
export function isReadOnly(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Why `operator` may not make a state-changing request (for a 403 page or JSON error). */
export function viewerRefusal(operator: Operator): string {
  return `${operator.name} is a viewer: reading is allowed, changing anything needs the operator role (http.users in gateway.yaml)`;
}
