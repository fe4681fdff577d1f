/**
 * The `email` channel polling a mailbox: `{type: email, via: imap}`. For partners whose mail reaches a
 * mailbox on a mail server (ours or a hosted one) rather than our own SMTP listener. `ImapPoller` logs in
 * with imapflow, reads the messages of `mailbox` that are still there, keeps those whose From: address is
 * one of the partner's, and hands over their EDI attachments (found exactly as the SMTP listener finds
 * them, `ediParts`). A message leaves the mailbox (MOVE to `moveTo`) only after the ledger has every one
 * of its files; until then it stays where it is and is read again on the next poll, so a crash between
 * two attachments loses nothing (the pipeline's duplicate check recognises the file stored twice).
 *
 * Messages we do not take stay in the mailbox untouched and are logged once per process: another
 * sender's mail, a message without EDI, one over the size limit. Moving them to a quarantine folder
 * would hide a mis-typed `from` address from the mail admin and take mail away from whoever else reads
 * that mailbox; leaving them costs one envelope fetch per poll and nothing else.
 *
 * Servers without MOVE (RFC 6851): the message is flagged `\Seen` and `$EdiProcessed` instead of moved
 * (no COPY + EXPUNGE: an EXPUNGE without UIDPLUS would also remove mail someone else marked deleted),
 * and messages with that keyword are never read again.
 */
import type { ConnectionOptions } from 'node:tls';
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { ParsedMail } from 'mailparser';
import type { InboundChannel } from '../../partners/schema';
import { ChannelError, type ChannelDeps, type IncomingFile, type InboundPoller } from '../types';
import { ediParts } from './listener';
import { parseMail } from './parse';
import { lazy } from '../lazy';

const imapflow = lazy(() => import('imapflow'));

type ImapInbound = Extract<InboundChannel, { type: 'email'; via: 'imap' }>;

/** The keyword that marks a processed message on servers without MOVE. */
export const PROCESSED_KEYWORD = '$EdiProcessed';

/** One EDI attachment of a message in the mailbox; `commit` needs to know which message and which part. */
export interface ImapFile extends IncomingFile {
  /** UIDVALIDITY of the mailbox when the message was read: a UID means nothing under another one. */
  uidValidity: bigint;
  uid: number;
  /** This file's position among the message's EDI files, and how many there are. */
  part: number;
  parts: number;
}

/** Tuning and test hooks; the defaults suit real servers. */
export interface ImapPollerOptions {
  /** Extra TLS options (tests trust a self-signed certificate with `ca`). */
  tls?: ConnectionOptions;
  /** Connect, greeting and socket time-outs (ms, default 30 s). */
  timeoutMs?: number;
  /** Messages downloaded per take at most (default 50); the rest waits for the next poll. */
  maxMessages?: number;
}

/** What an imapflow or socket failure carries (plain Errors with fields added). */
interface ImapFailure {
  message?: string;
  code?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
}

/** Whether trying again can help: refused credentials, TLS trust and a missing mailbox no; the network yes. */
export function classifyImapError(err: unknown): { retryable: boolean; message: string } {
  if (err instanceof ChannelError) return { retryable: err.retryable, message: err.message };
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ImapFailure;
  const text = [e.message, e.responseText].filter((s) => typeof s === 'string' && s.length > 0).join(': ') || 'unknown error';
  if (e.authenticationFailed === true || e.serverResponseCode === 'AUTHENTICATIONFAILED' || e.serverResponseCode === 'AUTHORIZATIONFAILED') {
    return { retryable: false, message: `login refused (wrong user name or password): ${text}` };
  }
  if (/certificate|self.signed|unable to verify|wrong version number|ERR_SSL/i.test(text) || (typeof e.code === 'string' && /^(ERR_TLS|CERT_|DEPTH_ZERO|UNABLE_TO)/.test(e.code))) {
    return { retryable: false, message: `TLS: ${text}` };
  }
  if (e.serverResponseCode === 'NONEXISTENT') return { retryable: false, message: `no such mailbox: ${text}` };
  // ECONNREFUSED, ECONNRESET, NoConnection, time-outs, a server restarting (UNAVAILABLE), anything else.
  return { retryable: true, message: text };
}

/** Addresses are compared case-insensitively, as the SMTP listener does. */
function norm(address: string): string {
  return address.trim().toLowerCase();
}

/** The IMAP client-mode inbound email channel of one partner. */
export class ImapPoller implements InboundPoller {
  private client: ImapFlow | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Messages we leave alone, by `uidValidity:uid` (IMAP messages never change under a UID): logged once. */
  private readonly skipped = new Set<string>();
  /**
   * Parts of a message the ledger has, by `uidValidity:uid`. When all are there the message is moved; an
   * entry that stays complete means the move failed, and the next poll finishes it instead of storing
   * the files again.
   */
  private readonly committed = new Map<string, { parts: number; done: Set<number> }>();
  private readonly senders: Set<string>;
  private readonly timeoutMs: number;
  private readonly maxMessages: number;
  /** Whether `moveTo` is known to exist on the server. */
  private moveToReady = false;

  constructor(
    private readonly partner: string,
    private readonly channel: ImapInbound,
    private readonly deps: ChannelDeps,
    private readonly options: ImapPollerOptions = {},
  ) {
    this.senders = new Set(channel.from.map(norm));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxMessages = options.maxMessages ?? 50;
  }

  /** `imap user@host:port/mailbox`; the gateway records the first word as the channel. */
  get label(): string {
    return `imap ${this.channel.username}@${this.channel.host}:${this.channel.port}/${this.channel.mailbox}`;
  }

  /** Log in and open the mailbox, so refused credentials or a missing mailbox show at start-up. */
  async prepare(): Promise<void> {
    await this.use('open', async () => undefined);
  }

  /** EDI attachments of the messages from the partner, whole messages only, at most `limit` files. */
  async take(limit: number): Promise<ImapFile[]> {
    return this.use('poll', async (client, uidValidity) => {
      // Everything still in the mailbox is unprocessed: processed mail was moved (or carries the keyword).
      // A server reports mail that arrived since the last command at the end of the next one (Dovecot
      // does so after the SEARCH result): a NOOP first makes this poll see it, not the next one.
      await client.noop();
      const found = await client.search({ unKeyword: PROCESSED_KEYWORD }, { uid: true });
      // imapflow answers a failed command with false rather than an error.
      if (!Array.isArray(found)) throw new Error('SEARCH failed');
      const uids = found;
      // Forget messages that have left the mailbox (moved or deleted by someone), so memory stays bounded.
      const present = new Set(uids.map((uid) => `${uidValidity}:${uid}`));
      for (const key of this.skipped) if (!present.has(key.replace(/^ignored:/, ''))) this.skipped.delete(key);
      for (const key of this.committed.keys()) if (!present.has(key)) this.committed.delete(key);
      const fresh = uids.filter((uid) => !this.skipped.has(`${uidValidity}:${uid}`)).sort((a, b) => a - b);
      if (fresh.length === 0) return [];
      // Envelopes and sizes first (small); only the partner's messages are downloaded.
      const heads: FetchMessageObject[] = [];
      for await (const m of client.fetch(fresh.slice(0, this.maxMessages * 4).join(','), { uid: true, envelope: true, size: true }, { uid: true })) heads.push(m);
      const files: ImapFile[] = [];
      let downloaded = 0;
      for (const head of heads.sort((a, b) => a.uid - b.uid)) {
        if (downloaded >= this.maxMessages) break;
        const key = `${uidValidity}:${head.uid}`;
        const left = this.committed.get(key);
        if (left && left.done.size >= left.parts) {
          try {
            await this.finish(client, key, head.uid);
          } catch (err) {
            // A lost connection ends the poll; a refused move (rights, quota) must not stop new mail.
            if (!client.usable) throw err;
            this.deps.logger.error({ partner: this.partner, channel: this.label, uid: head.uid, err }, 'imap: stored message could not be moved; tried again on the next poll');
          }
          continue;
        }
        const from = (head.envelope?.from ?? []).map((a) => norm(a.address ?? ''));
        if (!from.some((a) => this.senders.has(a))) {
          this.skip(key, { uid: head.uid, from, subject: head.envelope?.subject }, 'imap: message left in the mailbox: its From: is not one of the partner\'s addresses');
          continue;
        }
        // base64 makes a message about 4/3 of its attachments; allow that plus headers and a cover note.
        const sizeLimit = Math.ceil(this.deps.maxFileBytes * 1.4) + 1024 * 1024;
        if ((head.size ?? 0) > sizeLimit) {
          this.skip(key, { uid: head.uid, bytes: head.size, limit: sizeLimit }, 'imap: message left in the mailbox: over the size limit');
          continue;
        }
        const full = await client.fetchOne(String(head.uid), { uid: true, source: true }, { uid: true });
        downloaded++;
        if (!client.usable) throw Object.assign(new Error('connection lost while downloading'), { code: 'NoConnection' });
        // Expunged by someone else between the two fetches: nothing to take.
        if (!full || !full.source) continue;
        const parts = await this.parts(full.source, key, head.uid, uidValidity);
        if (!parts) continue;
        // Whole messages only, so `commit` can tell when a message is complete; the first one always fits.
        if (files.length > 0 && files.length + parts.length > limit) break;
        files.push(...parts);
      }
      return files;
    });
  }

  /** The ledger has this file: once it has every file of its message, move the message to `moveTo`. */
  async commit(file: IncomingFile, messageId: number): Promise<void> {
    const f = file as ImapFile;
    const key = `${f.uidValidity}:${f.uid}`;
    const state = this.committed.get(key) ?? { parts: f.parts, done: new Set<number>() };
    state.done.add(f.part);
    this.committed.set(key, state);
    if (state.done.size < state.parts) return;
    await this.use(`move uid ${f.uid}`, async (client, uidValidity) => {
      // The mailbox was recreated since we read the message: its UID may name another message now.
      // Leave it; whatever is there is read again and the duplicate check sorts it out.
      if (uidValidity !== f.uidValidity) {
        this.committed.delete(key);
        this.deps.logger.warn({ partner: this.partner, channel: this.label, uid: f.uid, messageId }, 'imap: UIDVALIDITY changed; message not moved, it is read again');
        return;
      }
      await this.finish(client, key, f.uid);
    });
  }

  /** Log out (or drop the connection if the server does not answer). */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.drop(true);
  }

  /** The EDI files of one downloaded message, or undefined (logged once) when it has none we can take. */
  private async parts(source: Buffer, key: string, uid: number, uidValidity: bigint): Promise<ImapFile[] | undefined> {
    let mail: ParsedMail;
    try {
      mail = await parseMail(source);
    } catch (err) {
      this.skip(key, { uid, err }, 'imap: message left in the mailbox: not parseable as MIME');
      return undefined;
    }
    const messageId = (mail.messageId ?? `no-message-id-${uidValidity}.${uid}`).replace(/^<|>$/g, '');
    const { parts, ignored } = ediParts(mail);
    const context = { partner: this.partner, channel: this.label, uid, emailMessageId: messageId };
    if (parts.length === 0) {
      this.skip(key, context, 'imap: message left in the mailbox: no EDI found (attach the interchange as application/EDI-X12, application/EDIFACT or a .edi/.x12 file)');
      return undefined;
    }
    const big = parts.find((p) => p.bytes.length > this.deps.maxFileBytes);
    if (big) {
      this.skip(key, { ...context, file: big.name, bytes: big.bytes.length }, `imap: message left in the mailbox: an attachment is over the ${this.deps.maxFileBytes}-byte limit`);
      return undefined;
    }
    if (ignored.length > 0 && !this.skipped.has(`ignored:${key}`)) {
      this.skipped.add(`ignored:${key}`);
      this.deps.logger.info({ ...context, ignored }, 'imap: attachments that are not EDI were ignored');
    }
    return parts.map((p, i) => ({ name: `${messageId}/${p.name}`, bytes: p.bytes, uidValidity, uid, part: i, parts: parts.length }));
  }

  /** Take a fully stored message out of the mailbox: MOVE to `moveTo`, or flag it where MOVE is missing. */
  private async finish(client: ImapFlow, key: string, uid: number): Promise<void> {
    if (client.capabilities.has('MOVE')) {
      await this.ensureMoveTo(client);
      // imapflow answers a failed command with false: the message is still here, say so (retryable).
      if (!(await client.messageMove(String(uid), this.channel.moveTo, { uid: true }))) throw new Error(`MOVE to ${this.channel.moveTo} failed`);
    } else if (!(await client.messageFlagsAdd(String(uid), ['\\Seen', PROCESSED_KEYWORD], { uid: true }))) {
      throw new Error(`STORE ${PROCESSED_KEYWORD} failed`);
    }
    this.committed.delete(key);
    this.deps.logger.debug({ partner: this.partner, channel: this.label, uid }, 'imap: message processed');
  }

  /** Remember a message we leave alone and say why, once. */
  private skip(key: string, context: Record<string, unknown>, why: string): void {
    if (this.skipped.has(key)) return;
    this.skipped.add(key);
    this.deps.logger.warn({ partner: this.partner, channel: this.label, ...context }, why);
  }

  /** Create `moveTo` when it is missing (once per connection; ALREADYEXISTS is fine). */
  private async ensureMoveTo(client: ImapFlow): Promise<void> {
    if (this.moveToReady) return;
    const list = await client.list();
    if (!list.some((m) => m.path === this.channel.moveTo)) await client.mailboxCreate(this.channel.moveTo);
    this.moveToReady = true;
  }

  /**
   * Run `fn` with a logged-in client and `mailbox` open (connecting first when needed), one operation at
   * a time; failures come back as ChannelErrors and a broken connection is replaced on the next call.
   */
  private use<T>(what: string, fn: (client: ImapFlow, uidValidity: bigint) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      try {
        const client = await this.connected();
        const mailbox = client.mailbox;
        if (!mailbox) throw Object.assign(new Error('mailbox not open'), { code: 'NoConnection' });
        return await fn(client, mailbox.uidValidity);
      } catch (err) {
        const { retryable, message } = classifyImapError(err);
        // Whatever failed, start from a fresh connection next time: imapflow cannot reconnect a client.
        await this.drop(false);
        throw err instanceof ChannelError ? err : new ChannelError(`imap ${this.where}: ${what}: ${message}`, retryable, 'email', this.partner);
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private get where(): string {
    return `${this.channel.username}@${this.channel.host}:${this.channel.port}/${this.channel.mailbox}`;
  }

  private async connected(): Promise<ImapFlow> {
    if (this.client?.usable && this.client.mailbox) return this.client;
    await this.drop(false);
    let pass: string;
    try {
      pass = this.deps.secret(this.channel.password, `partner ${this.partner}: email imap password`);
    } catch (err) {
      // A missing secret is configuration: no retry will make it appear.
      throw err instanceof ChannelError ? err : new ChannelError(err instanceof Error ? err.message : String(err), false, 'email', this.partner);
    }
    const { ImapFlow } = await imapflow();
    const client = new ImapFlow({
      host: this.channel.host,
      port: this.channel.port,
      // tls: TLS from the first byte (993). Without it, STARTTLS is still used when the server offers it.
      secure: this.channel.tls,
      ...(this.options.tls ? { tls: this.options.tls } : {}),
      auth: { user: this.channel.username, pass },
      logger: false,
      // We poll; IDLE between polls would only hold the connection busy.
      disableAutoIdle: true,
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: Math.max(this.timeoutMs * 4, 60_000),
      // Nothing larger than a message we would take is ever read into memory.
      maxLiteralSize: Math.ceil(this.deps.maxFileBytes * 1.4) + 2 * 1024 * 1024,
    });
    // Without a listener an 'error' event (a reset socket between polls) would crash the process.
    client.on('error', (err: Error) => this.deps.logger.debug({ partner: this.partner, channel: this.label, err }, 'imap: connection error'));
    this.client = client;
    this.moveToReady = false;
    await client.connect();
    try {
      await client.mailboxOpen(this.channel.mailbox);
    } catch (err) {
      const e = err as ImapFailure & { responseStatus?: string };
      // A NO to SELECT is a missing mailbox or missing rights (Dovecot 2.3 says so without a response
      // code), which only a person can fix; the codes for "busy, try later" are the exception.
      if (e.responseStatus === 'NO' && !['UNAVAILABLE', 'INUSE', 'LIMIT', 'SERVERBUG'].includes(e.serverResponseCode ?? '')) {
        throw new ChannelError(`imap ${this.where}: cannot open mailbox ${this.channel.mailbox}: ${e.responseText ?? e.message ?? 'refused'}`, false, 'email', this.partner);
      }
      throw err;
    }
    return client;
  }

  private async drop(polite: boolean): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (polite && client.usable) {
      await client.logout().catch(() => client.close());
      return;
    }
    client.close();
  }
}
