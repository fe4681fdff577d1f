/**
 * Message Disposition Notifications (RFC 3798 as profiled by RFC 4130 §7): the receipt an AS2 receiver
 * returns, as `multipart/report; report-type=disposition-notification`, signed (multipart/signed) when
 * the sender asked for it and we have a key.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { CmsError, signDetached, verifySignature, type CertificateInfo, type CmsPolicy, type DigestAlgorithm } from './cms';
import { base64Lines, buildEntity, buildMultipart, decodeBody, newBoundary, parseContentType, parseEntity, parseHeaderBlock, splitMultipart, type MimeEntity } from './mime';
import { formatMic, micalgName, parseMic, type Mic } from './mic';

/** Error modifiers of `processed/error: …` (RFC 4130 §7.4.3). */
export type DispositionError = 'decryption-failed' | 'authentication-failed' | 'integrity-check-failed' | 'decompression-failed' | 'insufficient-message-security' | 'unexpected-processing-error';

/** What we tell the sender. */
export interface MdnContent {
  /** Our AS2 name (the message's AS2-To). */
  reportingName: string;
  originalMessageId: string;
  /** Absent: processed. */
  error?: DispositionError;
  /** The MIC of what we received (only with a positive disposition). */
  mic?: Mic;
  /** Human-readable explanation for the text part (never secrets, never stack traces). */
  text: string;
}

/** A built MDN: the Content-Type to send it with and its body. */
export interface BuiltMdn {
  contentType: string;
  body: Buffer;
  signed: boolean;
}

/** Builds an MDN, signed with `signer` when given. */
export function buildMdn(m: MdnContent, signer?: { key: KeyObject; cert: CertificateInfo; digest: DigestAlgorithm }): BuiltMdn {
  const disposition = `automatic-action/MDN-sent-automatically; ${m.error ? `processed/error: ${m.error}` : 'processed'}`;
  const fields = [
    ['Reporting-UA', 'edi-gateway'],
    ['Original-Recipient', `rfc822; ${m.reportingName}`],
    ['Final-Recipient', `rfc822; ${m.reportingName}`],
    ['Original-Message-ID', m.originalMessageId],
    ['Disposition', disposition],
    ...(m.mic && !m.error ? [['Received-content-MIC', formatMic(m.mic)]] : []),
  ];
  const notification = Buffer.from(fields.map(([n, v]) => `${n}: ${v}\r\n`).join(''), 'latin1');
  const text = buildEntity([['Content-Type', 'text/plain; charset=us-ascii'], ['Content-Transfer-Encoding', '7bit']], Buffer.from(`${m.text.replace(/[^\x20-\x7e\r\n]/g, '?')}\r\n`, 'latin1'));
  const report = buildEntity([['Content-Type', 'message/disposition-notification'], ['Content-Transfer-Encoding', '7bit']], notification);
  const random = (): string => randomBytes(12).toString('hex');
  const boundary = newBoundary([text, report], random);
  const reportType = `multipart/report; report-type=disposition-notification; boundary="${boundary}"`;
  const reportBody = buildMultipart(boundary, [text, report]);
  if (!signer) return { contentType: reportType, body: reportBody, signed: false };
  const signedPart = buildEntity([['Content-Type', reportType]], reportBody);
  const signature = signDetached(signedPart, signer.key, signer.cert, signer.digest);
  const sigPart = buildEntity(
    [
      ['Content-Type', 'application/pkcs7-signature; name=smime.p7s'],
      ['Content-Transfer-Encoding', 'base64'],
      ['Content-Disposition', 'attachment; filename=smime.p7s'],
    ],
    base64Lines(signature),
  );
  const outer = newBoundary([signedPart, sigPart], random);
  return {
    contentType: `multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalgName(signer.digest)}; boundary="${outer}"`,
    body: buildMultipart(outer, [signedPart, sigPart]),
    signed: true,
  };
}

/** An MDN as read back. */
export interface ParsedMdn {
  originalMessageId: string | undefined;
  /** The full Disposition field value. */
  disposition: string;
  /** `processed` without error or failure modifier. */
  processed: boolean;
  /** The modifier after `processed/error:` (or failure/warning), when there is one. */
  modifier: string | undefined;
  mic: Mic | undefined;
  signed: boolean;
  /** The text part, for people. */
  text: string;
}

/** Thrown for an MDN that cannot be read or whose signature does not verify. */
export class MdnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MdnError';
  }
}

/**
 * Reads an MDN from its Content-Type and body. A signed MDN is verified with one of `partner` (their
 * certificates) valid at `at` (default now); `requireSigned` refuses an unsigned one.
 */
export function parseMdn(contentType: string, body: Buffer, o: { partner?: readonly CertificateInfo[]; requireSigned: boolean; policy: CmsPolicy; at?: Date }): ParsedMdn {
  const ct = parseContentType(contentType);
  let report: MimeEntity;
  let signed = false;
  if (ct.mediaType === 'multipart/signed') {
    const parts = splitMultipart(body, ct.params.get('boundary') ?? '');
    if (parts.length !== 2) throw new MdnError(`a signed MDN with ${parts.length} parts`);
    if (!o.partner || o.partner.length === 0) throw new MdnError('a signed MDN but no partner certificate to verify it');
    const sig = parseEntity(parts[1]);
    try {
      verifySignature(decodeBody(sig), parts[0], o.partner, o.policy, o.at);
    } catch (err) {
      throw new MdnError(`the MDN signature is not valid: ${err instanceof CmsError ? err.message : String(err)}`);
    }
    signed = true;
    report = parseEntity(parts[0]);
  } else {
    if (o.requireSigned) throw new MdnError('the MDN is not signed, but a signed MDN was asked for');
    report = { headers: new Map([['content-type', contentType]]), body };
  }
  const rct = parseContentType(report.headers.get('content-type'));
  if (rct.mediaType !== 'multipart/report') throw new MdnError(`expected multipart/report, got ${rct.mediaType}`);
  let notification: Map<string, string> | undefined;
  let text = '';
  for (const raw of splitMultipart(report.body, rct.params.get('boundary') ?? '')) {
    const part = parseEntity(raw);
    const pt = parseContentType(part.headers.get('content-type')).mediaType;
    if (pt === 'message/disposition-notification') notification = parseHeaderBlock(decodeBody(part).toString('latin1'));
    else if (pt === 'text/plain' && !text) text = decodeBody(part).toString('utf8').trim();
  }
  if (!notification) throw new MdnError('the MDN has no message/disposition-notification part');
  const disposition = notification.get('disposition') ?? '';
  const status = disposition.split(';')[1]?.trim() ?? '';
  const m = /^processed(?:\s*\/\s*(error|failure|warning)\s*:\s*(.*))?$/i.exec(status);
  const mic = notification.get('received-content-mic');
  return {
    originalMessageId: notification.get('original-message-id'),
    disposition,
    processed: !!m && (m[1] === undefined || m[1].toLowerCase() === 'warning'),
    modifier: m?.[2]?.trim() ?? (m ? undefined : status || undefined),
    mic: mic ? parseMic(mic) : undefined,
    signed,
    text,
  };
}
