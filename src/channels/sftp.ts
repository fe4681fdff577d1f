/**
 * The `sftp` channel in client mode: we log in to the partner's SFTP server. Inbound, `SftpPoller` lists
 * the partner's folder, takes files that have stopped changing and removes them there (delete or move)
 * only after the ledger holds their bytes. Outbound, `sftpSender` uploads under a temporary name, sets the
 * mode, and renames, so the partner never picks up half a file.
 *
 * The server is authenticated by its pinned host-key fingerprint and nothing else: an unknown or changed
 * key aborts the connection before a password or key is offered. Failures are `ChannelError`s: network
 * trouble (refused, reset, timed out, dropped mid-transfer) is retryable; a wrong host key, refused
 * credentials, "permission denied" and "no such folder" are not, since trying again cannot fix them.
 *
 * (Partners who push to *us* need no code here: they log in to our OpenSSH, chrooted with internal-sftp,
 * and the `dir` channel watches the folder. See docs/channels/sftp.md.)
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type SftpClient from 'ssh2-sftp-client';
import { z } from 'zod';
import type { Partner } from '../partners/registry';
import type { InboundChannel, OutboundChannel, SecretRef } from '../partners/schema';
import { globMatch, safeFileName } from './dir';
import { fingerprintMatches } from './fingerprint';
export { fingerprintMatches } from './fingerprint';
import { ChannelError, type ChannelDeps, type IncomingFile, type InboundPoller, type OutboundSender } from './types';
import { lazy } from './lazy';

const sftpClient = lazy(() => import('ssh2-sftp-client'));

type SftpInbound = Extract<InboundChannel, { type: 'sftp' }>;
type SftpOutbound = Extract<OutboundChannel, { type: 'sftp' }>;

/** What it takes to log in: the part of both sftp channel schemas that names the server and the account. */
export interface SftpEndpoint {
  host: string;
  port: number;
  username: string;
  password?: SecretRef;
  privateKey?: SecretRef;
  passphrase?: SecretRef;
  /** Pinned `SHA256:base64` or 32 colon-separated hex bytes. */
  hostKey: string;
}

/** A file taken from the partner's server; `remotePath` is where `commit` removes it from. */
export interface SftpFile extends IncomingFile {
  remotePath: string;
  size: number;
  mtimeMs: number;
}

/** Tuning that tests shorten; the defaults suit real servers. */
export interface SftpTimeouts {
  /** SSH handshake and login (ms). */
  connectMs?: number;
  /** One metadata operation: list, stat, rename, delete (ms). */
  operationMs?: number;
}

// ssh2 replies with SFTP status codes in `code` (draft-ietf-secsh-filexfer-02 §7).
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;
const SFTP_FAILURE = 4;

/** The `SHA256:…` fingerprint of an SSH host key blob, as `ssh-keygen -lf` prints it. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** `name` with `-n` before its extension, as the dir channel numbers names that are taken. */
function numbered(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

/** True for names a writer is still working on or that are not meant for us (same rule as the dir channel). */
function ignoredName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part') || name.endsWith('.filepart');
}

/** One entry of a remote listing: the server's data, checked before we act on it. */
const RemoteEntrySchema = z.object({
  type: z.string(),
  name: z.string().min(1),
  size: z.number().int().nonnegative(),
  modifyTime: z.number().nonnegative(),
});
type RemoteEntry = z.infer<typeof RemoteEntrySchema>;

/** ssh2 errors carry a `level` (client-authentication, client-socket, …) and SFTP ones a numeric `code`. */
interface SshError extends Error {
  code?: string | number;
  level?: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One SSH connection to one account, opened on first use and again after it drops. Operations are
 * serialized: ssh2-sftp-client reports failures through listeners shared by the whole client, so two
 * operations at once could each see the other's error.
 */
class SftpConnection {
  private client: SftpClient | undefined;
  private alive = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** The key the server showed when it did not match the pin (set by the verifier, read by `classify`). */
  private mismatch: string | undefined;
  private lastSshError: SshError | undefined;
  private readonly connectMs: number;
  private readonly operationMs: number;

  constructor(
    private readonly endpoint: SftpEndpoint,
    private readonly deps: ChannelDeps,
    private readonly partner: string,
    timeouts: SftpTimeouts = {},
  ) {
    this.connectMs = timeouts.connectMs ?? 20_000;
    this.operationMs = timeouts.operationMs ?? 60_000;
  }

  /** `user@host:port`, for labels and messages (never a secret). */
  get where(): string {
    return `${this.endpoint.username}@${this.endpoint.host}:${this.endpoint.port}`;
  }

  /** Run `fn` with a live connection (connecting first when needed); failures come back as ChannelErrors. */
  use<T>(what: string, fn: (c: SftpClient) => Promise<T>, timeoutMs = this.operationMs): Promise<T> {
    const run = async (): Promise<T> => {
      const client = await this.connected();
      let timer: NodeJS.Timeout | undefined;
      try {
        // A server that stops answering without closing the socket would hang the poll forever.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
        });
        return await Promise.race([fn(client), timeout]);
      } catch (err) {
        const failure = this.classify(err, what);
        // An SFTP status (no such file, denied) leaves the session usable; anything else may not have.
        if (!this.isSftpStatus(err)) await this.drop();
        throw failure;
      } finally {
        clearTimeout(timer);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Close the connection (the next `use` opens a new one). */
  async close(): Promise<void> {
    await this.queue;
    await this.drop();
  }

  private isSftpStatus(err: unknown): boolean {
    return typeof (err as SshError | undefined)?.code === 'number';
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.alive = false;
    if (client) await client.end().catch(() => undefined);
  }

  private async connected(): Promise<SftpClient> {
    if (this.client && this.alive) return this.client;
    await this.drop();
    const e = this.endpoint;
    const secret = (ref: SecretRef | undefined, what: string): string | undefined => {
      if (ref === undefined) return undefined;
      try {
        return this.deps.secret(ref, `partner ${this.partner} sftp ${what}`);
      } catch (err) {
        // A missing secret is configuration: retrying cannot help until a person provides it.
        throw err instanceof ChannelError ? err : new ChannelError(errorText(err), false, 'sftp', this.partner);
      }
    };
    const privateKey = secret(e.privateKey, 'privateKey');
    const passphrase = secret(e.passphrase, 'passphrase');
    const password = secret(e.password, 'password');
    const credentials = { ...(privateKey ? { privateKey } : {}), ...(passphrase ? { passphrase } : {}), ...(password ? { password } : {}) };
    const markDead = () => {
      this.alive = false;
    };
    // Our own callbacks: the library's defaults print to the console, and an unexpected end must only
    // make the next operation reconnect.
    const Client = (await sftpClient()).default;
    const client = new Client(`edi-${this.partner}`, { error: markDead, end: markDead, close: markDead });
    client.on('error', (err: SshError) => {
      this.lastSshError = err;
    });
    this.mismatch = undefined;
    this.lastSshError = undefined;
    try {
      await client.connect({
        host: e.host,
        port: e.port,
        username: e.username,
        ...credentials,
        readyTimeout: this.connectMs,
        // Notices a silently dead link (NAT timeout, pulled cable) within a minute.
        keepaliveInterval: 15_000,
        keepaliveCountMax: 4,
        hostVerifier: (key: Buffer): boolean => {
          if (fingerprintMatches(e.hostKey, key)) return true;
          this.mismatch = hostKeyFingerprint(key);
          return false;
        },
      });
    } catch (err) {
      await client.end().catch(() => undefined);
      throw this.classify(err, 'connect');
    }
    this.client = client;
    this.alive = true;
    return client;
  }

  /** A ChannelError saying what failed and whether trying again can help. */
  classify(err: unknown, what: string): ChannelError {
    if (err instanceof ChannelError) return err;
    const e = err as SshError;
    const text = errorText(err);
    const fail = (message: string, retryable: boolean) => new ChannelError(`sftp ${this.where}: ${what}: ${message}`, retryable, 'sftp', this.partner);
    if (this.mismatch !== undefined) {
      return fail(`host key mismatch: the server presented ${this.mismatch}, the partner file pins ${this.endpoint.hostKey}; if the partner really changed its key, update hostKey`, false);
    }
    if (this.lastSshError?.level === 'client-authentication' || /authentication methods failed/i.test(text)) {
      return fail('login refused (wrong key, password or user name)', false);
    }
    if (/privateKey|passphrase|private key/i.test(text)) return fail(`unusable private key: ${text}`, false);
    if (e?.code === SFTP_PERMISSION_DENIED || e?.code === 'EACCES') return fail(`permission denied: ${text}`, false);
    if (e?.code === SFTP_NO_SUCH_FILE || e?.code === 'ENOENT') return fail(`no such file or folder: ${text}`, false);
    return fail(text, true);
  }
}

/** The SFTP client-mode inbound channel: polls `remoteDir` on the partner's server. */
export class SftpPoller implements InboundPoller {
  private readonly connection: SftpConnection;
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  /** Names already reported as too big, with the size reported (reported again when it changes). */
  private readonly oversize = new Map<string, number>();
  /** Committed to the ledger but not yet removed at the source (the removal failed): removed, never taken again. */
  private readonly unremoved = new Map<string, { size: number; mtimeMs: number; messageId: number }>();
  private localDir: string | undefined;

  constructor(
    private readonly partner: string,
    private readonly channel: SftpInbound,
    private readonly deps: ChannelDeps,
    timeouts: SftpTimeouts = {},
  ) {
    this.connection = new SftpConnection(channel, deps, partner, timeouts);
  }

  /** `sftp user@host:port/remoteDir`; the gateway records the first word as the channel. */
  get label(): string {
    return `sftp ${this.connection.where}/${this.channel.remoteDir.replace(/^\/+/, '')}`;
  }

  /** Log in and check the folder, so bad credentials or a wrong host key show at start-up. */
  async prepare(): Promise<void> {
    await this.tempDir();
    await this.connection.use('list', (c) => c.list(this.channel.remoteDir));
  }

  /** Files that have settled on the server, downloaded (at most `limit`). */
  async take(limit: number): Promise<SftpFile[]> {
    const now = this.deps.now();
    const entries = await this.connection.use('list', (c) => c.list(this.channel.remoteDir));
    const listed = this.parseListing(entries);
    const present = new Set(listed.map((f) => f.name));
    for (const name of [...this.seen.keys()]) if (!present.has(name)) this.seen.delete(name);
    for (const name of [...this.oversize.keys()]) if (!present.has(name)) this.oversize.delete(name);
    for (const name of [...this.unremoved.keys()]) if (!present.has(name)) this.unremoved.delete(name);

    const files: SftpFile[] = [];
    for (const entry of listed) {
      if (files.length >= limit) break;
      const { name, size } = entry;
      const mtimeMs = entry.modifyTime;
      const remotePath = posix.join(this.channel.remoteDir, name);

      const left = this.unremoved.get(name);
      if (left && left.size === size && left.mtimeMs === mtimeMs) {
        // The ledger already has it: finish the removal instead of storing it a second time.
        await this.remove({ name, remotePath, size, mtimeMs, bytes: Buffer.alloc(0) }, left.messageId);
        continue;
      }
      this.unremoved.delete(name);

      if (!this.settled(name, size, mtimeMs, now)) continue;
      if (size > this.deps.maxFileBytes) {
        if (this.oversize.get(name) !== size) {
          this.oversize.set(name, size);
          this.deps.logger.error({ partner: this.partner, channel: this.label, file: name, bytes: size }, `file not downloaded: ${size} bytes is over the ${this.deps.maxFileBytes}-byte limit; it stays on the server`);
        }
        continue;
      }
      try {
        const file = await this.download(remotePath, name, size, mtimeMs);
        if (file) files.push(file);
      } catch (err) {
        const failure = err instanceof ChannelError ? err : this.connection.classify(err, `download ${remotePath}`);
        // A file we may not read must not block the others; a broken connection ends this poll.
        if (!failure.retryable) {
          this.deps.logger.error({ partner: this.partner, channel: this.label, file: name, err: failure }, 'file skipped');
          continue;
        }
        if (files.length === 0) throw failure;
        this.deps.logger.warn({ partner: this.partner, channel: this.label, err: failure }, 'poll cut short; the rest is taken on the next poll');
        break;
      }
    }
    return files;
  }

  /** The ledger has the file as message `messageId`: delete it on the server or move it to `moveTo`. */
  async commit(file: IncomingFile, messageId: number): Promise<void> {
    const f = file as SftpFile;
    try {
      await this.remove(f, messageId);
    } catch (err) {
      // Remember it, so the next poll finishes the removal rather than storing the file again.
      this.unremoved.set(f.name, { size: f.size, mtimeMs: f.mtimeMs, messageId });
      throw err;
    }
  }

  /** End the connection and remove the local download folder. */
  async close(): Promise<void> {
    await this.connection.close();
    if (this.localDir) await rm(this.localDir, { recursive: true, force: true });
    this.localDir = undefined;
    this.seen.clear();
  }

  private parseListing(entries: unknown): RemoteEntry[] {
    const parsed = z.array(RemoteEntrySchema).safeParse(entries);
    if (!parsed.success) throw new ChannelError(`sftp ${this.connection.where}: unreadable folder listing of ${this.channel.remoteDir}`, true, 'sftp', this.partner);
    return parsed.data
      .filter((e) => e.type === '-' && !ignoredName(e.name) && globMatch(this.channel.pattern, e.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Same rule as the dir channel: unchanged across two listings `settleMs` apart, or already older than that. */
  private settled(name: string, size: number, mtimeMs: number, now: number): boolean {
    const prev = this.seen.get(name);
    if (!prev || prev.size !== size || prev.mtimeMs !== mtimeMs) {
      this.seen.set(name, { size, mtimeMs, since: now });
      // SFTP mtimes have whole seconds: a file written 0.9 s ago can look 1.8 s old, so allow one second more.
      return now - mtimeMs >= this.deps.settleMs + 1000;
    }
    return now - prev.since >= this.deps.settleMs || now - mtimeMs >= this.deps.settleMs + 1000;
  }

  private async download(remotePath: string, name: string, size: number, mtimeMs: number): Promise<SftpFile | undefined> {
    const dir = await this.tempDir();
    const local = join(dir, `${process.pid}-${Date.now()}-${safeFileName(name)}`);
    this.deps.logger.debug({ partner: this.partner, channel: this.label, file: name, bytes: size }, 'downloading');
    try {
      // fastGet (parallel reads) is several times faster than a streamed get; allow 1 MB/s at worst.
      await this.connection.use(`download ${remotePath}`, (c) => c.fastGet(remotePath, local), 60_000 + size / 1000);
      const bytes = await readFile(local);
      // Changed while we read it (a writer that rewrote the file in place): take it on a later poll.
      const after = await this.connection.use(`stat ${remotePath}`, (c) => c.stat(remotePath));
      if (bytes.length !== size || after.size !== size || after.modifyTime !== mtimeMs) {
        this.seen.delete(name);
        return undefined;
      }
      return { name, remotePath, size, mtimeMs, bytes };
    } finally {
      await unlink(local).catch(() => undefined);
    }
  }

  private async remove(f: SftpFile, messageId: number): Promise<void> {
    if (this.channel.afterDownload === 'move' && this.channel.moveTo !== undefined) {
      const moveTo = this.channel.moveTo;
      await this.connection.use(`move ${f.remotePath}`, async (c) => {
        // Never replace a file already in the move folder (servers differ on whether rename overwrites).
        let target = posix.join(moveTo, f.name);
        if (await c.exists(target)) target = posix.join(moveTo, `${messageId}-${f.name}`);
        await c.rename(f.remotePath, target);
      });
    } else {
      await this.connection.use(`delete ${f.remotePath}`, (c) => c.delete(f.remotePath, true));
    }
    this.seen.delete(f.name);
    this.unremoved.delete(f.name);
  }

  private async tempDir(): Promise<string> {
    // A private folder (0700): downloads are business data and pass through the local disk briefly.
    this.localDir ??= await mkdtemp(join(tmpdir(), 'edi-sftp-'));
    return this.localDir;
  }
}

/**
 * The SFTP sender: uploads to the partner's `remoteDir` as `name + tempSuffix`, sets `fileMode`, then
 * renames to the final name. An existing file of that name is never replaced: `-1`, `-2`, … is added
 * before the extension, as the dir channel does, because the partner may not have fetched the first one
 * yet. One connection per partner account is kept open and reopened when it drops.
 */
export function sftpSender(deps: ChannelDeps, timeouts: SftpTimeouts = {}): OutboundSender {
  const connections = new Map<string, SftpConnection>();
  const connectionFor = (partner: Partner, c: SftpOutbound): SftpConnection => {
    // Everything that decides how we log in: a partner file changed on reload gets a new connection.
    const key = JSON.stringify([partner.id, c.host, c.port, c.username, c.hostKey, c.privateKey, c.password, c.passphrase]);
    let conn = connections.get(key);
    if (!conn) {
      conn = new SftpConnection(c, deps, partner.id, timeouts);
      connections.set(key, conn);
    }
    return conn;
  };
  return {
    send: async (partner, file) => {
      const channel = partner.channels.outbound;
      if (!channel || channel.type !== 'sftp') throw new ChannelError(`partner ${partner.id} has no sftp outbound channel`, false, 'sftp', partner.id);
      const conn = connectionFor(partner, channel);
      const name = safeFileName(file.name);
      const temp = posix.join(channel.remoteDir, `${name}${channel.tempSuffix}`);
      const mode = parseInt(channel.fileMode, 8);
      const path = await conn.use(
        `upload ${temp}`,
        async (c) => {
          await c.put(file.bytes, temp, { writeStreamOptions: { flags: 'w', mode } });
          // Set explicitly: the mode given at open is filtered by the server's umask, and some servers ignore it.
          await c.chmod(temp, mode);
          for (let n = 0; n < 1000; n++) {
            const target = posix.join(channel.remoteDir, numbered(name, n));
            if (await c.exists(target)) continue;
            try {
              await c.rename(temp, target);
              return target;
            } catch (err) {
              // OpenSSH refuses to rename over an existing file (FAILURE): someone wrote that name meanwhile.
              if ((err as SshError).code === SFTP_FAILURE && (await c.exists(target))) continue;
              throw err;
            }
          }
          throw new ChannelError(`sftp: 1000 files named like ${name} already in ${channel.remoteDir}`, false, 'sftp', partner.id);
        },
        60_000 + file.bytes.length / 1000,
      );
      return { channel: 'sftp', host: channel.host, path };
    },
    close: async () => {
      await Promise.all([...connections.values()].map((c) => c.close()));
      connections.clear();
    },
  };
}
