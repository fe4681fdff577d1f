/**
 * What every channel is to the pipeline. Polled channels (a folder, a partner's SFTP server, an IMAP
 * mailbox) hand over files and are told when the ledger has them, so they delete/move/flag at the source
 * only then. Push channels (AS2, our SMTP listener, HTTPS) call an `InboundSink`, which resolves only
 * after the bytes are fsynced in the ledger: that is when they may answer (MDN, 250, 200). Outbound,
 * a sender delivers one file on a partner's channel or throws a `ChannelError` saying whether trying
 * again can help.
 */
import type { Logger } from 'pino';
import type { SecretRef } from '../partners/schema';
import type { Partner } from '../partners/registry';

export interface IncomingFile {
  /** Name at the source (file name, remote path, attachment name, AS2 Message-ID). */
  name: string;
  bytes: Buffer;
}

/** A polled inbound channel of one partner. */
export interface InboundPoller {
  /** For logs and readiness: "sftp sftp.partner.example:/out". */
  readonly label: string;
  /** Create local folders, open connections (called once at start; may be called again after close). */
  prepare(): Promise<void>;
  /** Files ready now, at most `limit`; never a file still being written. */
  take(limit: number): Promise<IncomingFile[]>;
  /** The ledger has this file as message `messageId`: remove it at the source (delete, move, flag). */
  commit(file: IncomingFile, messageId: number): Promise<void>;
  close(): Promise<void>;
  /** True when the last `take` left ready files behind (its count or byte budget was reached): take again now. */
  readonly truncated?: boolean;
}

/** Where push channels hand what they received; resolves after the ledger's fsync. */
export type InboundSink = (m: { partnerId: string; channel: string; source: string; bytes: Buffer; correlationId?: string }) => Promise<{ messageId: number; correlationId: string }>;

export interface OutgoingFile {
  /** File name from the partner's template (dir, sftp, attachment name). */
  name: string;
  bytes: Buffer;
  messageId: number;
  messageType: string | null;
  /** Our interchange control number, when the file is one interchange. */
  controlNumber: string | null;
  correlationId: string;
}

/** Delivers files on one channel type. */
export interface OutboundSender {
  /** Deliver; the returned detail is kept in the ledger (path, remote name, MDN, SMTP response). */
  send(partner: Partner, file: OutgoingFile): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** What channels need from the gateway. */
export interface ChannelDeps {
  logger: Logger;
  /** The value of a secret reference ({env} or {file}); the error names the reference, never a value. */
  secret(ref: SecretRef, what: string): string;
  now(): number;
  /** Files settle this long before a polled channel takes them (ms). */
  settleMs: number;
  /** Largest inbound file (bytes). */
  maxFileBytes: number;
}

/** A channel failure, typed: retryable (network, server busy) or not (refused credentials, bad config). */
export class ChannelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly channel: string,
    readonly partner?: string,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
