/**
 * Sending one file to a partner over AS2: build the MIME entity, compress / sign / encrypt it per the
 * partner's outbound channel, POST it, and for a synchronous MDN verify the receipt (signature and MIC)
 * before calling the file delivered. The returned detail (kept in the ledger by the gateway) is the
 * acknowledgment: the MDN's disposition and MIC, or, for an asynchronous MDN, the MIC to expect.
 */
import { randomBytes } from 'node:crypto';
import type { Partner } from '../../partners/registry';
import type { OutboundChannel } from '../../partners/schema';
import { ChannelError, type ChannelDeps, type OutboundSender, type OutgoingFile } from '../types';
import { compress, encrypt, signDetached, type CertificateInfo } from './cms';
import { currentSigner, encryptionCertificate, partnerCertificates, type Signer } from './keys';
import { parseMdn, MdnError } from './mdn';
import { computeMic, formatMic, micEquals, micalgName, type Mic } from './mic';
import { base64Lines, buildEntity, buildMultipart, newBoundary, quoteIfNeeded } from './mime';

/** An AS2 outbound channel. */
export type As2OutboundChannel = Extract<OutboundChannel, { type: 'as2' }>;

/** A message ready to POST: HTTP headers, body, and the MIC we expect back. */
export interface As2Outgoing {
  messageId: string;
  headers: Record<string, string>;
  body: Buffer;
  mic: Mic;
}

/** The MIME type partners expect for an EDI payload (RFC 1767), from its first bytes. */
export function ediMediaType(bytes: Buffer): string {
  const head = bytes.subarray(0, 16).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (head.startsWith('ISA')) return 'application/EDI-X12';
  if (head.startsWith('UNA') || head.startsWith('UNB')) return 'application/EDIFACT';
  return 'application/octet-stream';
}

/** Builds the AS2 message for `file` per the channel: entity → compress → sign → encrypt. */
export function buildAs2Message(channel: As2OutboundChannel, file: Pick<OutgoingFile, 'name' | 'bytes'> & Partial<Pick<OutgoingFile, 'messageId' | 'correlationId'>>, keys: { partner?: CertificateInfo; signer?: Signer }, now = new Date()): As2Outgoing {
  const random = (): string => randomBytes(12).toString('hex');
  const fileName = file.name.replace(/[^A-Za-z0-9._-]/g, '_');
  let entity = buildEntity(
    [
      ['Content-Type', ediMediaType(file.bytes)],
      ['Content-Transfer-Encoding', 'binary'],
      ['Content-Disposition', `attachment; filename="${fileName}"`],
    ],
    file.bytes,
  );
  let entityType = '';
  // Compress before signing (RFC 5402 §3 allows either); the signature then covers what travels.
  if (channel.compress) {
    entity = buildEntity(smimeHeaders('compressed-data', 'smime.p7z'), compress(entity));
  }
  let micInput: Buffer = channel.sign !== 'none' || channel.encrypt !== 'none' ? entity : file.bytes;
  if (channel.sign !== 'none') {
    if (!keys.signer) throw new ChannelError('signing needs signingKey and signingCertificate', false, 'as2');
    const signature = signDetached(entity, keys.signer.key, keys.signer.cert, channel.sign, now);
    const sigPart = buildEntity(
      [
        ['Content-Type', 'application/pkcs7-signature; name=smime.p7s'],
        ['Content-Transfer-Encoding', 'base64'],
        ['Content-Disposition', 'attachment; filename=smime.p7s'],
      ],
      base64Lines(signature),
    );
    const boundary = newBoundary([entity, sigPart], random);
    entityType = `multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalgName(channel.sign)}; boundary="${boundary}"`;
    micInput = entity;
    entity = buildEntity([['Content-Type', entityType]], buildMultipart(boundary, [entity, sigPart]));
  }
  if (channel.encrypt !== 'none') {
    if (!keys.partner) throw new ChannelError('encryption needs a partner certificate valid now', false, 'as2');
    const enveloped = encrypt(entity, keys.partner, { cipher: channel.encrypt, keyTransport: channel.keyTransport });
    entity = buildEntity(smimeHeaders(channel.encrypt.endsWith('gcm') ? 'authEnveloped-data' : 'enveloped-data', 'smime.p7m'), enveloped);
  }
  // The outermost entity's headers travel as HTTP headers; its body is the HTTP body.
  const split = entity.indexOf('\r\n\r\n');
  const outerHeaders = new Map(
    entity
      .subarray(0, split)
      .toString('latin1')
      .split('\r\n')
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()] as const),
  );
  const body = entity.subarray(split + 4);
  const messageId = as2MessageId(channel.as2From, file.messageId, file.correlationId, random());
  const micAlg = channel.sign !== 'none' ? channel.sign : 'sha256';
  const headers: Record<string, string> = {
    'AS2-Version': '1.2',
    'AS2-From': quoteIfNeeded(channel.as2From),
    'AS2-To': quoteIfNeeded(channel.as2To),
    'Message-ID': messageId,
    'MIME-Version': '1.0',
    Date: now.toUTCString(),
    Subject: `EDI ${fileName}`,
    'Content-Type': outerHeaders.get('Content-Type') ?? 'application/octet-stream',
    'Content-Disposition': outerHeaders.get('Content-Disposition') ?? `attachment; filename="${fileName}"`,
  };
  if (channel.mdn !== 'none') {
    headers['Disposition-Notification-To'] = channel.asyncMdnUrl ?? 'edi-gateway';
    if (channel.mdnSigned) headers['Disposition-Notification-Options'] = `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, ${micalgName(micAlg)}`;
    if (channel.mdn === 'async' && channel.asyncMdnUrl) headers['Receipt-Delivery-Option'] = channel.asyncMdnUrl;
  }
  return { messageId, headers, body, mic: computeMic(micInput, micAlg) };
}

/**
 * Our Message-ID carries the ledger's message id and correlation id, so an asynchronous MDN (which
 * quotes it as Original-Message-ID) finds its message without a lookup table that a restart would lose.
 */
function as2MessageId(as2From: string, messageId: number | undefined, correlationId: string | undefined, random: string): string {
  const corr = (correlationId ?? '').replace(/[^A-Za-z0-9-]/g, '').slice(0, 64);
  return `<edi-gw.${messageId ?? 0}.${corr || '-'}.${random}@${as2From.replace(/[^A-Za-z0-9.-]/g, '_')}>`;
}

/** The ledger message id and correlation id in one of our Message-IDs (from an MDN's Original-Message-ID), if it is one. */
export function parseOurMessageId(value: string | undefined): { messageId: number; correlationId: string | undefined } | undefined {
  const m = /^<edi-gw\.(\d{1,15})\.([A-Za-z0-9-]{1,64})\.[0-9a-f]+@/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  return { messageId: Number(m[1]), correlationId: m[2] === '-' ? undefined : m[2] };
}

function smimeHeaders(smimeType: string, name: string): [string, string][] {
  return [
    ['Content-Type', `application/pkcs7-mime; smime-type=${smimeType}; name=${name}`],
    ['Content-Transfer-Encoding', 'binary'],
    ['Content-Disposition', `attachment; filename=${name}`],
  ];
}

/** The AS2 OutboundSender: one POST per file, the MDN verified when it comes back synchronously. */
export function as2Sender(deps: ChannelDeps): OutboundSender {
  return {
    send: async (partner, file) => sendOne(partner, file, deps),
    close: async () => undefined,
  };
}

async function sendOne(partner: Partner, file: OutgoingFile, deps: ChannelDeps): Promise<Record<string, unknown>> {
  const channel = partner.channels.outbound;
  if (!channel || channel.type !== 'as2') throw new ChannelError(`partner ${partner.id} has no as2 outbound channel`, false, 'as2', partner.id);
  const fail = (message: string, retryable: boolean): ChannelError => new ChannelError(message, retryable, 'as2', partner.id);
  const now = new Date(deps.now());
  let partnerCerts: CertificateInfo[];
  let encryptTo: CertificateInfo | undefined;
  let signer: Signer | undefined;
  try {
    partnerCerts = partnerCertificates(channel);
    if (channel.encrypt !== 'none') encryptTo = encryptionCertificate(partner.id, partnerCerts, now);
    if (channel.sign !== 'none') {
      signer = currentSigner(channel, partner.id, deps, now);
      if (!signer) throw new Error('sign needs signingKey and signingCertificate (or ourKeys)');
    }
  } catch (err) {
    // No retry: a certificate does not become valid, nor a key readable, by waiting minutes.
    throw fail(`AS2 keys or certificates unusable: ${err instanceof Error ? err.message : String(err)}`, false);
  }
  const msg = buildAs2Message(channel, file, { ...(encryptTo ? { partner: encryptTo } : {}), ...(signer ? { signer } : {}) }, now);
  const log = deps.logger.child({ partner: partner.id, correlationId: file.correlationId, as2MessageId: msg.messageId });
  let res: Response;
  let body: Buffer;
  try {
    res = await fetch(channel.url, { method: 'POST', headers: msg.headers, body: msg.body, signal: AbortSignal.timeout(channel.timeout), redirect: 'error' });
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw fail(`AS2 POST to ${channel.url} failed: ${err instanceof Error ? err.message : String(err)}`, true);
  }
  if (!res.ok) {
    // Busy or broken servers may recover; a 4xx is a configuration problem on one side or the other.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw fail(`AS2 POST to ${channel.url} answered ${res.status}: ${body.subarray(0, 200).toString('utf8')}`, retryable);
  }
  const base = { channel: 'as2', url: channel.url, as2MessageId: msg.messageId, mic: formatMic(msg.mic) };
  if (channel.mdn === 'none') return { ...base, mdn: 'none' };
  if (channel.mdn === 'async') {
    log.info('AS2 message sent; MDN expected asynchronously');
    return { ...base, mdn: 'pending' };
  }
  const contentType = res.headers.get('content-type');
  if (!contentType || body.length === 0) throw fail('the partner answered without the synchronous MDN that was asked for', true);
  let mdn: ReturnType<typeof parseMdn>;
  try {
    mdn = parseMdn(contentType, body, { partner: partnerCerts, requireSigned: channel.mdnSigned, policy: { allowLegacy: channel.allowLegacyAlgorithms }, at: new Date(deps.now()) });
  } catch (err) {
    // The partner probably has the message; sending it again would duplicate it, so a person decides.
    throw fail(`the MDN is not acceptable: ${err instanceof MdnError ? err.message : String(err)}`, false);
  }
  const record = { ...base, mdn: { disposition: mdn.disposition, signed: mdn.signed, originalMessageId: mdn.originalMessageId, receivedMic: mdn.mic ? formatMic(mdn.mic) : undefined } };
  // Some servers drop the angle brackets when they quote the Message-ID.
  const bare = (id: string): string => id.trim().replace(/^<|>$/g, '');
  if (mdn.originalMessageId !== undefined && bare(mdn.originalMessageId) !== bare(msg.messageId)) throw fail(`the MDN answers another message (${mdn.originalMessageId})`, false);
  if (!mdn.processed) throw fail(`the partner refused the message: ${mdn.disposition}`, false);
  if (!mdn.mic || !micEquals(mdn.mic, msg.mic)) throw fail(`the MDN's MIC ${mdn.mic ? formatMic(mdn.mic) : '(none)'} does not match ours ${formatMic(msg.mic)}`, false);
  log.info({ disposition: mdn.disposition }, 'AS2 message delivered; MDN verified');
  return record;
}
