/**
 * Receiving one AS2 message (RFC 4130) for a known partner: validate the AS2 headers, unwrap the
 * layers (encryption, compression, signature) with the partner's settings, store the payload through
 * the InboundSink and only then build the MDN. A message that fails a check is not stored and gets a
 * negative MDN; a ledger failure gets no MDN at all (503), so the partner sends again.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Partner } from '../../partners/registry';
import type { InboundChannel } from '../../partners/schema';
import type { ChannelDeps, InboundSink } from '../types';
import { CmsError, contentTypeOf, decompress, decrypt, verifySignature, type CertificateInfo, type CmsPolicy, type DigestAlgorithm } from './cms';
import { currentSigner, decryptionKeys, partnerCertificates } from './keys';
import { buildMdn, type BuiltMdn, type DispositionError } from './mdn';
import { computeMic, parseDispositionOptions, type MicAlgorithm } from './mic';
import { decodeBody, MimeError, parseContentType, parseEntity, quoteIfNeeded, splitMultipart, unquote, type MimeEntity } from './mime';

/** An AS2 inbound channel of a partner. */
export type As2InboundChannel = Extract<InboundChannel, { type: 'as2' }>;

const headerValue = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string());
const as2Name = headerValue.transform(unquote).pipe(z.string().regex(/^[\x20-\x7e]{1,128}$/, 'an AS2 name has 1 to 128 printable ASCII characters'));
const messageId = headerValue.pipe(z.string().regex(/^<?[\x21-\x7e]{1,996}>?$/, 'a Message-ID is <printable ASCII without spaces>'));

/** The HTTP headers of an AS2 message, validated (names as node:http gives them: lower-case). */
export const As2HeadersSchema = z.object({
  'as2-from': as2Name,
  'as2-to': as2Name,
  'message-id': messageId,
  'content-type': headerValue.pipe(z.string().min(3).max(1000)),
  'content-transfer-encoding': headerValue.optional(),
  'as2-version': headerValue.optional(),
  'disposition-notification-to': headerValue.pipe(z.string().max(1000)).optional(),
  'disposition-notification-options': headerValue.pipe(z.string().max(1000)).optional(),
  'receipt-delivery-option': headerValue.pipe(z.url({ protocol: /^https?$/, error: 'Receipt-Delivery-Option must be an http(s) URL' })).optional(),
});
export type As2Headers = z.output<typeof As2HeadersSchema>;

/** What to answer on the HTTP request, and an MDN to deliver afterwards when the partner asked for it asynchronously. */
export interface As2Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Set for an asynchronous MDN: POST it to `url` after answering. */
  asyncMdn?: { url: string; headers: Record<string, string>; body: Buffer };
  /** For logs and tests: how the message ended. */
  outcome: { stored: boolean; messageId?: number; error?: DispositionError; detail?: string };
}

/** What the receive logic needs besides the request. */
export interface As2InboundContext {
  partner: Partner;
  channel: As2InboundChannel;
  deps: ChannelDeps;
  receive: InboundSink;
}

/** Receives one AS2 message whose headers are validated and whose body was read within the partner's `maxSize`. */
export async function receiveAs2(headers: As2Headers, body: Buffer, ctx: As2InboundContext): Promise<As2Reply> {
  const { channel, deps, partner } = ctx;
  const log = deps.logger.child({ partner: partner.id, as2MessageId: headers['message-id'] });
  const policy: CmsPolicy = { allowLegacy: channel.allowLegacyAlgorithms };
  const options = parseDispositionOptions(headers['disposition-notification-options']);
  const wantsMdn = headers['disposition-notification-to'] !== undefined;
  let unwrapped: Unwrapped;
  try {
    unwrapped = unwrap(headers, body, ctx, policy, new Date(deps.now()));
    if (channel.requireEncrypted && !unwrapped.encrypted) throw new Refused('insufficient-message-security', 'the partner must encrypt its messages (requireEncrypted)');
    if (channel.requireSigned && !unwrapped.signed) throw new Refused('insufficient-message-security', 'the partner must sign its messages (requireSigned)');
  } catch (err) {
    const { error, detail } = classify(err);
    log.warn({ disposition: error, reason: `partner ${partner.id}: ${detail}` }, 'AS2 message refused');
    return reply(ctx, headers, wantsMdn, options.signed, { error, text: `The message was not processed: ${error}.` }, { stored: false, error, detail });
  }

  let stored: { messageId: number; correlationId: string };
  try {
    stored = await ctx.receive({ partnerId: partner.id, channel: 'as2', source: headers['message-id'], bytes: unwrapped.payload });
  } catch (err) {
    // Not in the ledger means not acknowledged: no MDN, and a status that makes the partner retry.
    log.error({ err }, 'AS2 message could not be stored; no MDN sent');
    return {
      status: 503,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60' },
      body: Buffer.from('the message could not be stored; send it again later\n'),
      outcome: { stored: false, detail: err instanceof Error ? err.message : String(err) },
    };
  }
  const micAlg = pickMicAlgorithm(options.micalgs, unwrapped.signatureDigest, policy);
  const mic = computeMic(unwrapped.micInput, micAlg);
  log.info({ messageId: stored.messageId, correlationId: stored.correlationId, bytes: unwrapped.payload.length, signed: unwrapped.signed, encrypted: unwrapped.encrypted, compressed: unwrapped.compressed }, 'AS2 message received');
  return reply(ctx, headers, wantsMdn, options.signed, { mic, text: 'The message was received and stored; this is not a guarantee that it will be processed.' }, { stored: true, messageId: stored.messageId });
}

interface Unwrapped {
  payload: Buffer;
  /** What the MIC covers (RFC 4130 §7.3.1): the signed content, else the decrypted entity, else the payload. */
  micInput: Buffer;
  signed: boolean;
  encrypted: boolean;
  compressed: boolean;
  signatureDigest?: DigestAlgorithm;
}

class Refused extends Error {
  constructor(
    readonly disposition: DispositionError,
    message: string,
  ) {
    super(message);
  }
}

/** Nesting deeper than this is not AS2 any more (sign + compress + encrypt is three). */
const MAX_LAYERS = 6;

function unwrap(headers: As2Headers, body: Buffer, ctx: As2InboundContext, policy: CmsPolicy, receivedAt: Date): Unwrapped {
  const { channel } = ctx;
  let trusted: CertificateInfo[] | undefined;
  // Read once per message, and only when a signature needs them.
  const partnerCerts = (): CertificateInfo[] => (trusted ??= partnerCertificates(channel));
  let entity: MimeEntity = {
    headers: new Map([
      ['content-type', headers['content-type']],
      ['content-transfer-encoding', headers['content-transfer-encoding'] ?? 'binary'],
    ]),
    body,
  };
  const out: Omit<Unwrapped, 'payload' | 'micInput'> = { signed: false, encrypted: false, compressed: false };
  let signedContent: Buffer | undefined;
  let decryptedEntity: Buffer | undefined;
  for (let layer = 0; layer < MAX_LAYERS; layer++) {
    const ct = parseContentType(entity.headers.get('content-type'));
    if (ct.mediaType === 'application/pkcs7-mime' || ct.mediaType === 'application/x-pkcs7-mime') {
      const der = decodeBody(entity);
      const kind = contentTypeOf(der);
      let inner: Buffer;
      if (kind === 'enveloped' || kind === 'authEnveloped') {
        const keys = decryptionKeys(channel, ctx.partner.id, ctx.deps);
        if (keys.length === 0) throw new Refused('decryption-failed', 'an encrypted message, but no decryptionKey (or ourKeys) is configured for this partner');
        inner = decrypt(der, keys, policy).content;
        out.encrypted = true;
        decryptedEntity ??= inner;
      } else if (kind === 'compressed') {
        inner = decompress(der, channel.maxSize);
        out.compressed = true;
      } else if (kind === 'signed') {
        const v = verifySignature(der, undefined, partnerCerts(), policy, receivedAt);
        inner = v.content;
        out.signed = true;
        out.signatureDigest = v.digest;
        signedContent = inner;
      } else {
        throw new Refused('unexpected-processing-error', 'an application/pkcs7-mime body of an unknown CMS type');
      }
      entity = parseEntity(inner);
      continue;
    }
    if (ct.mediaType === 'multipart/signed') {
      const parts = splitMultipart(entity.body, ct.params.get('boundary') ?? '');
      if (parts.length !== 2) throw new MimeError(`multipart/signed with ${parts.length} parts`);
      const signature = parseEntity(parts[1]);
      const v = verifySignature(decodeBody(signature), parts[0], partnerCerts(), policy, receivedAt);
      out.signed = true;
      out.signatureDigest = v.digest;
      signedContent = parts[0];
      entity = parseEntity(parts[0]);
      continue;
    }
    const payload = decodeBody(entity);
    return { ...out, payload, micInput: signedContent ?? decryptedEntity ?? payload };
  }
  throw new MimeError(`more than ${MAX_LAYERS} nested MIME layers`);
}

function classify(err: unknown): { error: DispositionError; detail: string } {
  if (err instanceof Refused) return { error: err.disposition, detail: err.message };
  if (err instanceof CmsError) return { error: err.kind === 'malformed' ? 'unexpected-processing-error' : err.kind, detail: err.message };
  if (err instanceof MimeError) return { error: 'unexpected-processing-error', detail: err.message };
  return { error: 'unexpected-processing-error', detail: err instanceof Error ? err.message : String(err) };
}

/** The sender's first requested MIC algorithm we accept; else the signature's digest; else SHA-256. */
function pickMicAlgorithm(requested: readonly MicAlgorithm[], signatureDigest: DigestAlgorithm | undefined, policy: CmsPolicy): MicAlgorithm {
  const ok = (a: MicAlgorithm): boolean => a !== 'sha1' || policy.allowLegacy;
  return requested.find(ok) ?? (signatureDigest && ok(signatureDigest) ? signatureDigest : 'sha256');
}

function reply(
  ctx: As2InboundContext,
  headers: As2Headers,
  wantsMdn: boolean,
  wantsSigned: boolean,
  content: { error?: DispositionError; mic?: ReturnType<typeof computeMic>; text: string },
  outcome: As2Reply['outcome'],
): As2Reply {
  if (!wantsMdn) return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.alloc(0), outcome };
  const { channel } = ctx;
  const mdn = buildMdn({ reportingName: channel.as2To, originalMessageId: headers['message-id'], ...content }, wantsSigned ? mdnSigner(ctx) : undefined);
  const mdnHeaders = mdnHttpHeaders(channel, mdn);
  const url = headers['receipt-delivery-option'];
  if (url && !asyncMdnAllowed(ctx, url)) {
    // The header is the sender's to write, and the sender is not known yet (an unsigned message, a forged
    // AS2-From): POSTing wherever it says would let anyone use the gateway against hosts it can reach.
    ctx.deps.logger.warn({ partner: ctx.partner.id, url }, 'asynchronous MDN asked for at a URL not listed for this partner (asyncMdnUrls, or its AS2 server); answered synchronously instead');
  } else if (url) return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.alloc(0), asyncMdn: { url, headers: mdnHeaders, body: mdn.body }, outcome };
  return { status: 200, headers: mdnHeaders, body: mdn.body, outcome };
}

/**
 * Whether an asynchronous MDN may go to `url`: one of the partner's `asyncMdnUrls` (exactly, or under one
 * ending in /), or any path on the origin of the partner's own AS2 server (its outbound channel), where
 * AS2 software usually takes its MDNs. Compared parsed, so `https://a.example.com.evil.org` is not under
 * `https://a.example.com/`.
 */
export function asyncMdnAllowed(ctx: Pick<As2InboundContext, 'partner' | 'channel'>, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const outbound = ctx.partner.channels.outbound;
  const allowed = [...ctx.channel.asyncMdnUrls, ...(outbound?.type === 'as2' ? [`${new URL(outbound.url).origin}/`] : [])];
  return allowed.some((entry) => {
    const a = new URL(entry);
    if (a.origin !== target.origin || target.username !== '' || target.password !== '') return false;
    return entry.endsWith('/') ? target.pathname.startsWith(a.pathname) : target.pathname === a.pathname && target.search === a.search;
  });
}

function mdnSigner(ctx: As2InboundContext): Parameters<typeof buildMdn>[1] {
  const { channel, deps, partner } = ctx;
  try {
    const signer = currentSigner(channel, partner.id, deps, new Date(deps.now()));
    if (signer) return { ...signer, digest: channel.mdnSignature };
    // RFC 4130 §7.3: without the means to sign, an unsigned MDN is still the right answer.
    deps.logger.warn({ partner: partner.id }, 'a signed MDN was asked for but mdnKey/mdnCertificate (or ourKeys) are not configured; sending it unsigned');
    return undefined;
  } catch (err) {
    // The message may already be in the ledger: an unsigned receipt beats none (the partner would resend).
    deps.logger.error({ partner: partner.id, err: err instanceof Error ? err.message : String(err) }, 'cannot sign the MDN (our key or certificate unusable or not valid now); sending it unsigned');
    return undefined;
  }
}

function mdnHttpHeaders(channel: As2InboundChannel, mdn: BuiltMdn): Record<string, string> {
  return {
    'AS2-Version': '1.2',
    'AS2-From': quoteIfNeeded(channel.as2To),
    'AS2-To': quoteIfNeeded(channel.as2From),
    'Message-ID': `<mdn-${randomBytes(12).toString('hex')}@edi-gateway>`,
    'MIME-Version': '1.0',
    'Content-Type': mdn.contentType,
  };
}

/** POSTs an asynchronous MDN, trying `attempts` times with a growing pause; resolves false when it never got through. */
export async function deliverAsyncMdn(mdn: NonNullable<As2Reply['asyncMdn']>, o: { timeoutMs: number; attempts?: number; pauseMs?: number; logger: ChannelDeps['logger'] }): Promise<boolean> {
  const attempts = o.attempts ?? 3;
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(mdn.url, { method: 'POST', headers: mdn.headers, body: mdn.body, signal: AbortSignal.timeout(o.timeoutMs), redirect: 'error' });
      await res.arrayBuffer();
      if (res.ok) return true;
      o.logger.warn({ url: mdn.url, status: res.status, attempt: i }, 'asynchronous MDN refused');
    } catch (err) {
      o.logger.warn({ url: mdn.url, err: err instanceof Error ? err.message : String(err), attempt: i }, 'asynchronous MDN not delivered');
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, (o.pauseMs ?? 2000) * i));
  }
  return false;
}
