/**
 * The `email` channel's sender: each outbound file is one message with the EDI file attached, sent
 * with nodemailer through the partner's (or our) SMTP server. One pooled transport per partner keeps
 * the connection and the TLS session between messages. The attachment is base64 so no server on the
 * way can rewrap lines or change a byte, and its content type (application/EDI-X12, application/EDIFACT,
 * RFC 1767) comes from the bytes themselves, not from the file name.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { Partner } from '../../partners/registry';
import { ChannelError, type ChannelDeps, type OutboundSender, type OutgoingFile } from '../types';
import { ediHead } from './sniff';
import { lazy } from '../lazy';

const nodemailer = lazy(() => import('nodemailer'));

export interface EmailSenderOptions {
  /** Extra TLS options for every transport (tests trust a self-signed certificate with `ca`). */
  tls?: ConnectionOptions;
  /** Connection, greeting and socket time-outs in ms (default 30 s). */
  timeoutMs?: number;
}

type EmailOutbound = Extract<NonNullable<Partner['channels']['outbound']>, { type: 'email' }>;

/** The RFC 1767 content type of an interchange, from its first segment. */
export function ediContentType(bytes: Buffer): string {
  const head = ediHead(bytes);
  if (head === 'ISA') return 'application/EDI-X12';
  if (head === 'UNA' || head === 'UNB') return 'application/EDIFACT';
  return 'application/octet-stream';
}

/** Fill the subject template: {partner} {standard} {messageType} {controlNumber} {messageId} {fileName}. */
export function renderSubject(template: string, partner: Partner, file: OutgoingFile): string {
  const values: Record<string, string> = {
    partner: partner.id,
    standard: partner.x12 ? 'x12' : partner.edifact ? 'edifact' : 'edi',
    messageType: file.messageType ?? 'message',
    controlNumber: file.controlNumber ?? String(file.messageId),
    messageId: String(file.messageId),
    fileName: file.name,
    correlationId: file.correlationId,
  };
  // Header injection: a value never brings a line break into the subject.
  return template.replace(/\{(\w+)\}/g, (whole, k: string) => values[k] ?? whole).replace(/[\r\n]+/g, ' ');
}

/** What a nodemailer failure carries (it is a plain Error with these fields added). */
interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message: string;
}

/** Whether sending again later can help: 4xx and network trouble yes; 5xx, refused credentials, TLS trouble no. */
export function classifySmtpError(err: unknown): { retryable: boolean; message: string } {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SmtpFailure;
  const message = e.message;
  if (e.code === 'EAUTH' || e.responseCode === 535 || e.responseCode === 534) return { retryable: false, message: `authentication refused: ${message}` };
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 400 && e.responseCode < 500) return { retryable: true, message };
    if (e.responseCode >= 500) return { retryable: false, message };
  }
  // A server that does not offer STARTTLS while we require it, or a certificate we do not trust: configuration.
  if (e.code === 'ETLS' || /certificate|self.signed|STARTTLS/i.test(e.message)) return { retryable: false, message: `TLS: ${message}` };
  // ECONNECTION, ETIMEDOUT, ESOCKET, EDNS and anything unexpected: the network or the server, for now.
  return { retryable: true, message };
}

/** An SMTP server we send through: the email channel's partners, and the notification digest. */
export interface SmtpTarget {
  host: string;
  port: number;
  /** tls: TLS from the first byte (465); starttls: upgrade required, never send in clear; none: never upgrade. */
  security: 'tls' | 'starttls' | 'none';
  auth?: { user: string; pass: string };
  /** Connection, greeting and socket time-outs in ms. */
  timeoutMs: number;
  tls?: ConnectionOptions;
}

/** The nodemailer options of a pooled transport to an SMTP server (one place decides TLS and time-outs). */
export function smtpTransportOptions(t: SmtpTarget): SMTPPool.Options {
  return {
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    host: t.host,
    port: t.port,
    secure: t.security === 'tls',
    requireTLS: t.security === 'starttls',
    ignoreTLS: t.security === 'none',
    ...(t.auth ? { auth: t.auth } : {}),
    connectionTimeout: t.timeoutMs,
    greetingTimeout: t.timeoutMs,
    socketTimeout: t.timeoutMs,
    ...(t.tls ? { tls: t.tls } : {}),
  };
}

/** The email channel's sender: one pooled nodemailer transport per partner. */
export function emailSender(deps: ChannelDeps, options: EmailSenderOptions = {}): OutboundSender {
  const transports = new Map<string, Transporter<SMTPPool.SentMessageInfo>>();
  const timeout = options.timeoutMs ?? 30_000;

  const transportFor = async (partner: Partner, channel: EmailOutbound): Promise<Transporter<SMTPPool.SentMessageInfo>> => {
    // Loaded before the map is read: from there on nothing awaits, so two sends cannot both make one.
    const { createTransport } = await nodemailer();
    const known = transports.get(partner.id);
    if (known) return known;
    let auth: { user: string; pass: string } | undefined;
    if (channel.username !== undefined && channel.password !== undefined) {
      try {
        auth = { user: channel.username, pass: deps.secret(channel.password, `partner ${partner.id}: channels.outbound.password`) };
      } catch (err) {
        // A missing secret is configuration: no retry will make it appear.
        throw new ChannelError(err instanceof Error ? err.message : String(err), false, 'email', partner.id);
      }
    }
    const transport = createTransport(smtpTransportOptions({ host: channel.host, port: channel.port, security: channel.security, ...(auth ? { auth } : {}), timeoutMs: timeout, ...(options.tls ? { tls: options.tls } : {}) }));
    transports.set(partner.id, transport);
    return transport;
  };

  return {
    send: async (partner, file) => {
      const channel = partner.channels.outbound;
      if (!channel || channel.type !== 'email') throw new ChannelError(`partner ${partner.id} has no email outbound channel`, false, 'email', partner.id);
      const transport = await transportFor(partner, channel);
      const domain = channel.from.split('@')[1];
      try {
        const info = await transport.sendMail({
          from: channel.from,
          to: channel.to,
          subject: renderSubject(channel.subject, partner, file),
          // Stable across retries, so the partner's side can recognise a re-sent message.
          messageId: `<edi-${file.messageId}.${file.correlationId}@${domain}>`,
          headers: { 'X-EDI-Correlation-Id': file.correlationId },
          text: `EDI interchange attached: ${file.name}\r\n`,
          attachments: [{ filename: file.name, content: file.bytes, contentType: ediContentType(file.bytes), contentTransferEncoding: 'base64', contentDisposition: 'attachment' }],
        });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0) deps.logger.warn({ partner: partner.id, messageId: file.messageId, rejected }, 'email: some recipients refused the message');
        return { channel: 'email', messageId: info.messageId, response: info.response, accepted: (info.accepted ?? []).map(String), ...(rejected.length > 0 ? { rejected } : {}) };
      } catch (err) {
        const { retryable, message } = classifySmtpError(err);
        throw new ChannelError(`email to ${channel.to.join(', ')} via ${channel.host}:${channel.port}: ${message}`, retryable, 'email', partner.id);
      }
    },
    close: async () => {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
