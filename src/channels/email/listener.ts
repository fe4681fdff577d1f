/**
 * The gateway's own SMTP listener: one port for every partner whose inbound channel is
 * `{type: email, via: smtp}`. A message is accepted only when its envelope names a partner mailbox
 * (RCPT TO, from the partner's `to`) and one of that partner's sender addresses (MAIL FROM, its `from`);
 * its EDI attachments are handed to the gateway's `InboundSink` one by one, and the final 250 is sent
 * only once every one of them is fsynced in the ledger. Anything that goes wrong after the data arrived
 * is answered 451, so the sending server keeps the message and tries again (a re-delivery is recognised
 * by the pipeline's duplicate check, so a retry after a half-stored message posts nothing twice).
 *
 * The envelope sender is not authenticated by SMTP: MAIL FROM can be forged by anyone who can reach
 * the port. The address filter keeps stray mail out, it is not proof of origin (see docs/channels/email.md).
 */
import type { Logger } from 'pino';
import type { Attachment, ParsedMail } from 'mailparser';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { z } from 'zod';
import type { PartnerRegistry } from '../../partners/registry';
import type { InboundSink } from '../types';
import { looksLikeEdi } from './sniff';
import { parseMail } from './parse';

export interface SmtpListenerOptions {
  /** Interface to listen on (default 127.0.0.1: exposing the port is a deliberate act). */
  host?: string;
  /** TCP port; 0 takes a free one (tests). */
  port: number;
  registry: PartnerRegistry;
  receive: InboundSink;
  logger: Logger;
  /** PEM key and certificate: STARTTLS is offered only when given. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Refuse MAIL FROM before STARTTLS (needs `tls`). */
  requireTls?: boolean;
  /** Largest message in bytes, advertised with SIZE (default: the largest partner `maxSize`). */
  maxSize?: number;
  /** Host name in the greeting (default: the machine's). */
  name?: string;
}

export interface SmtpListenerHandle {
  /** The port actually listened on. */
  port: number;
  /** Stop accepting; resolves once the server is closed. */
  close(): Promise<void>;
}

/** One partner mailbox as the listener sees it. */
interface Route {
  partnerId: string;
  senders: Set<string>;
  maxSize: number;
}

/** A file taken out of a message, ready for the ledger. */
export interface EdiPart {
  name: string;
  bytes: Buffer;
}

/** The options checked where they enter (they come from gateway.yaml through the service). */
const OptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  requireTls: z.boolean().default(false),
  maxSize: z.number().int().positive().optional(),
  name: z.string().min(1).optional(),
});

/** Content types that say "this is EDI" by themselves (RFC 1767 and what partners actually send). */
const EDI_TYPES = new Set(['application/edi-x12', 'application/edifact', 'application/edi-consent', 'application/x12']);
/** Generic types that are EDI only when the file name says so. */
const GENERIC_TYPES = new Set(['text/plain', 'application/octet-stream', 'application/text']);
const EDI_EXTENSIONS = /\.(edi|x12|edifact|edf)$/i;
/** `.txt` is also what cover notes are called: such a file is taken only when its content is EDI. */
const TXT_EXTENSION = /\.txt$/i;

/** A new SMTP error carrying the reply code smtp-server answers with. */
function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Addresses are compared case-insensitively: no partner relies on a case-sensitive local part. */
function norm(address: string): string {
  return address.trim().toLowerCase();
}

/** The declared (not guessed) content type of a part, lower-case, without parameters. */
function declaredType(a: Attachment): string {
  const header = a.headers.get('content-type');
  const value = typeof header === 'object' && header !== null && 'value' in header && typeof header.value === 'string' ? header.value : a.contentType;
  return value.toLowerCase().trim();
}

/** Whether an attachment is an EDI file we take; others (logos, signatures, notes) are ignored. */
export function isEdiAttachment(a: Attachment): boolean {
  const type = declaredType(a);
  if (EDI_TYPES.has(type)) return true;
  if (!GENERIC_TYPES.has(type)) return false;
  const name = a.filename ?? '';
  if (EDI_EXTENSIONS.test(name)) return true;
  return TXT_EXTENSION.test(name) && looksLikeEdi(a.content);
}

/** The charset a text body was declared in (the root part's; a multipart body says utf-8 in practice). */
function bodyCharset(mail: ParsedMail): string {
  const header = mail.headers.get('content-type');
  if (typeof header === 'object' && header !== null && 'params' in header) {
    const params = (header as { params?: Record<string, string> }).params;
    if (params?.charset) return params.charset.toLowerCase();
  }
  return 'utf-8';
}

/**
 * The EDI files of a parsed message: its EDI attachments, or the plain-text body when there is no EDI
 * attachment and the body is itself an interchange. Attachments keep their exact bytes; a body cannot
 * (SMTP turns line ends into CRLF, the parser decodes the charset), so it is re-encoded in its charset.
 */
export function ediParts(mail: ParsedMail): { parts: EdiPart[]; ignored: string[] } {
  const parts: EdiPart[] = [];
  const ignored: string[] = [];
  mail.attachments.forEach((a, i) => {
    const name = a.filename ?? `attachment-${i + 1}`;
    if (isEdiAttachment(a)) parts.push({ name, bytes: a.content });
    else ignored.push(`${name} (${declaredType(a)})`);
  });
  if (parts.length === 0 && mail.text !== undefined) {
    const charset = bodyCharset(mail).replace(/[^a-z0-9]/g, '');
    const encoding: BufferEncoding = ['iso88591', 'latin1', 'l1'].includes(charset) ? 'latin1' : 'utf8';
    const bytes = Buffer.from(mail.text, encoding);
    if (looksLikeEdi(bytes)) parts.push({ name: 'body', bytes });
  }
  return { parts, ignored };
}

/** Mailbox → the partner behind it; a mailbox/sender pair claimed by two partners is a config error. */
function buildRoutes(registry: PartnerRegistry): Map<string, Route[]> {
  const routes = new Map<string, Route[]>();
  for (const partner of registry.partners) {
    for (const channel of partner.channels.inbound) {
      if (channel.type !== 'email' || channel.via !== 'smtp') continue;
      for (const mailbox of channel.to.map(norm)) {
        const list = routes.get(mailbox) ?? [];
        const senders = new Set(channel.from.map(norm));
        for (const other of list) {
          const shared = [...senders].find((s) => other.senders.has(s));
          if (shared && other.partnerId !== partner.id) {
            throw new Error(`partners ${other.partnerId} and ${partner.id} both accept mail from ${shared} to ${mailbox}; the SMTP listener cannot tell them apart (give each partner its own mailbox)`);
          }
        }
        list.push({ partnerId: partner.id, senders, maxSize: channel.maxSize });
        routes.set(mailbox, list);
      }
    }
  }
  return routes;
}

/** Start the SMTP listener for every partner with an `email`/`smtp` inbound channel. */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListenerHandle> {
  const o = OptionsSchema.parse({ host: options.host, port: options.port, requireTls: options.requireTls, maxSize: options.maxSize, name: options.name });
  if (o.requireTls && !options.tls) throw new Error('smtp listener: requireTls needs tls: {key, cert}');
  const { receive, logger } = options;
  const routes = buildRoutes(options.registry);
  const allSenders = new Set([...routes.values()].flat().flatMap((r) => [...r.senders]));
  const maxSize = o.maxSize ?? Math.max(25 * 1024 * 1024, ...[...routes.values()].flat().map((r) => r.maxSize));
  // The partner of the transaction in progress, per connection (set at RCPT TO, cleared at MAIL FROM).
  const partnerOf = new Map<string, Route>();
  const log = logger.child({ channel: 'email' });

  const onMailFrom = (address: SMTPServerAddress, session: SMTPServerSession, done: (err?: Error | null) => void): void => {
    partnerOf.delete(session.id);
    if (o.requireTls && !session.secure) return done(smtpError(530, 'Must issue a STARTTLS command first'));
    if (!allSenders.has(norm(address.address))) {
      log.warn({ from: address.address, remote: session.remoteAddress }, 'smtp: sender refused (not a partner address)');
      return done(smtpError(553, `sender <${address.address}> is not a configured partner address`));
    }
    done();
  };

  const onRcptTo = (address: SMTPServerAddress, session: SMTPServerSession, done: (err?: Error | null) => void): void => {
    const from = session.envelope.mailFrom ? norm(session.envelope.mailFrom.address) : '';
    const candidates = routes.get(norm(address.address));
    if (!candidates) {
      log.warn({ to: address.address, from, remote: session.remoteAddress }, 'smtp: unknown mailbox');
      return done(smtpError(550, `mailbox <${address.address}> is unknown here`));
    }
    const route = candidates.find((r) => r.senders.has(from));
    if (!route) {
      log.warn({ to: address.address, from, remote: session.remoteAddress }, 'smtp: sender not accepted for this mailbox');
      return done(smtpError(550, `sender <${from}> may not write to <${address.address}>`));
    }
    const current = partnerOf.get(session.id);
    // One message, one partner: a second partner's mailbox is deferred so the client sends it apart.
    if (current && current.partnerId !== route.partnerId) return done(smtpError(452, 'one partner per message; send to this mailbox separately'));
    const declared = session.envelope.mailFrom ? Number((session.envelope.mailFrom.args as Record<string, string | true>).SIZE) : NaN;
    if (Number.isFinite(declared) && declared > route.maxSize) return done(smtpError(552, `message size ${declared} exceeds the limit of ${route.maxSize} bytes`));
    partnerOf.set(session.id, route);
    done();
  };

  const onData = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void => {
    // A stream error after 'end' (or the reverse) must not answer the same DATA twice.
    let answered = false;
    const done = (err: Error | null, message?: string): void => {
      if (answered) return;
      answered = true;
      callback(err, message);
    };
    const route = partnerOf.get(session.id);
    const limit = Math.min(maxSize, route?.maxSize ?? maxSize);
    const chunks: Buffer[] = [];
    let size = 0;
    // Count everything, keep nothing past the limit: a too-large message must not cost its size in memory.
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    stream.on('error', (err) => done(smtpError(451, `reading the message failed: ${err.message}`)));
    stream.on('end', () => {
      if (!route) return done(smtpError(503, 'no accepted recipient'));
      if (size > limit || stream.sizeExceeded) {
        log.warn({ partner: route.partnerId, bytes: size, limit }, 'smtp: message over the size limit refused');
        return done(smtpError(552, `message exceeds the limit of ${limit} bytes`));
      }
      accept(Buffer.concat(chunks, size), route, session).then(
        (reply) => done(null, reply),
        (err: unknown) => done(err instanceof Error && 'responseCode' in err ? err : smtpError(451, 'temporary failure storing the message; try again later')),
      );
    });
  };

  /** Parse, store every EDI file, and only then say 250. */
  const accept = async (raw: Buffer, route: Route, session: SMTPServerSession): Promise<string> => {
    let mail: ParsedMail;
    try {
      // No checksums, no HTML conversion work we do not use.
      mail = await parseMail(raw);
    } catch (err) {
      log.warn({ partner: route.partnerId, err }, 'smtp: message could not be parsed');
      throw smtpError(550, 'message could not be parsed as MIME');
    }
    const messageId = (mail.messageId ?? `no-message-id-${session.id}`).replace(/^<|>$/g, '');
    const { parts, ignored } = ediParts(mail);
    const context = { partner: route.partnerId, emailMessageId: messageId, from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined };
    if (ignored.length > 0) log.info({ ...context, ignored }, 'smtp: attachments that are not EDI were ignored');
    if (parts.length === 0) {
      log.warn(context, 'smtp: message without EDI refused');
      throw smtpError(550, 'no EDI found: attach the interchange as application/EDI-X12, application/EDIFACT or a .edi/.x12/.edifact file');
    }
    const stored: number[] = [];
    try {
      for (const part of parts) {
        const r = await receive({ partnerId: route.partnerId, channel: 'email', source: `${messageId}/${part.name}`, bytes: part.bytes });
        stored.push(r.messageId);
      }
    } catch (err) {
      log.error({ ...context, err, stored }, 'smtp: storing the message failed; answered 451 so the sender tries again');
      throw smtpError(451, 'temporary failure storing the message; try again later');
    }
    log.info({ ...context, messages: stored }, 'smtp: message stored');
    return `OK: stored as message ${stored.join(', ')}`;
  };

  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    ...(o.name ? { name: o.name } : {}),
    banner: 'EDI gateway',
    size: maxSize,
    // No local users: partners are recognised by their envelope, so AUTH is not offered at all.
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    authOptional: true,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    disableReverseLookup: true,
    maxClients: 100,
    maxRecipients: 20,
    closeTimeout: 5000,
    onMailFrom,
    onRcptTo,
    onData,
    onClose: (session: SMTPServerSession) => {
      partnerOf.delete(session.id);
    },
  });
  server.on('error', (err: Error) => log.error({ err }, 'smtp listener error'));

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(o.port, o.host, () => {
      server.server.off('error', onError);
      const address = server.server.address();
      resolve(typeof address === 'object' && address ? address.port : o.port);
    });
  });
  log.info({ host: o.host, port, partners: [...new Set([...routes.values()].flat().map((r) => r.partnerId))], tls: Boolean(options.tls), maxSize }, 'smtp listener started');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
