/**
 * A small AS2 receiver for tests whose cryptography is all `openssl cms` (child processes): it decrypts
 * and verifies what the gateway sends (splitting the MIME itself, since openssl's S/MIME reader alters
 * binary content) and answers with an MDN signed by openssl, MIC computed by `openssl dgst`.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundaryOf, multipartParts, openssl, splitEntity, tempFile, type Pki } from './as2';

/** How the peer misbehaves, when it does. */
export type PeerMode = 'ok' | 'wrong-mic' | 'status-503' | 'other-signer' | 'error-disposition' | 'unsigned';

export interface PeerReceived {
  headers: IncomingHttpHeaders;
  /** The HTTP body as it arrived (still encrypted, when it was). */
  body: Buffer;
  payload: Buffer;
  signed: boolean;
  encrypted: boolean;
  /** What `openssl cms -decrypt -cmsout -print` said about the envelope (algorithms), when encrypted. */
  envelope?: string;
}

export interface OpensslPeer {
  url: string;
  received: PeerReceived[];
  mode: PeerMode;
  close(): Promise<void>;
}

/** Starts the peer on 127.0.0.1; it is "the partner" of `pki` (decrypts with partner.key, trusts us.crt). */
export async function startOpensslPeer(pki: Pki): Promise<OpensslPeer> {
  const received: PeerReceived[] = [];
  const peer: OpensslPeer = { url: '', received, mode: 'ok', close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(pki, peer, req.headers, Buffer.concat(chunks)).then(
        (r) => {
          res.writeHead(r.status, r.headers);
          res.end(r.body);
        },
        (err: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`peer failed: ${err.message}`);
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/as2`;
  peer.close = () => new Promise((r) => server.close(() => r()));
  return peer;
}

async function handle(pki: Pki, peer: OpensslPeer, headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  if (peer.mode === 'status-503') return { status: 503, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('busy') };
  const contentType = String(headers['content-type']);
  let entity: Buffer;
  let micOver: Buffer | undefined;
  let encrypted = false;
  let envelope: string | undefined;
  if (/^application\/pkcs7-mime/i.test(contentType)) {
    const der = tempFile(pki.dir, body, 'peer-in');
    entity = await openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', der, '-inkey', pki.partner.key, '-recip', pki.partner.cert]);
    envelope = (await openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', der])).toString('latin1');
    encrypted = true;
    micOver = entity;
  } else {
    entity = Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`), body]);
  }
  let { headers: h, body: b } = splitEntity(entity);
  let signed = false;
  if (/^multipart\/signed/i.test(h.get('content-type') ?? '')) {
    const [content, sigPart] = multipartParts(b, boundaryOf(h.get('content-type') ?? ''));
    const sig = Buffer.from(splitEntity(sigPart).body.toString('latin1'), 'base64');
    await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', tempFile(pki.dir, sig, 'peer-sig'), '-content', tempFile(pki.dir, content, 'peer-content'), '-CAfile', pki.us.cert, '-purpose', 'any', '-out', '/dev/null']);
    signed = true;
    micOver = content;
    ({ headers: h, body: b } = splitEntity(content));
  }
  peer.received.push({ headers, body, payload: b, signed, encrypted, ...(envelope ? { envelope } : {}) });
  const options = String(headers['disposition-notification-options'] ?? '');
  // The first algorithm of signed-receipt-micalg (after its importance), as a receiver should pick.
  const requested = /signed-receipt-micalg\s*=\s*[^,;]*,\s*([A-Za-z0-9-]+)/i.exec(options)?.[1].toLowerCase().replace('-', '') ?? 'sha256';
  const alg = ['sha1', 'sha256', 'sha384', 'sha512'].includes(requested) ? requested : 'sha256';
  const digestOf = peer.mode === 'wrong-mic' ? Buffer.from('something else') : (micOver ?? b);
  const mic = (await openssl(['dgst', `-${alg}`, '-binary', tempFile(pki.dir, digestOf, 'peer-mic')])).toString('base64');
  const disposition = peer.mode === 'error-disposition' ? 'processed/error: decryption-failed' : 'processed';
  const notification =
    `Reporting-UA: openssl test peer\r\nOriginal-Recipient: rfc822; PARTNER\r\nFinal-Recipient: rfc822; PARTNER\r\nOriginal-Message-ID: ${String(headers['message-id'])}\r\n` +
    `Disposition: automatic-action/MDN-sent-automatically; ${disposition}\r\nReceived-content-MIC: ${mic}, ${alg === 'sha1' ? 'sha1' : `sha-${alg.slice(3)}`}\r\n`;
  const reportBody = `--peerB\r\nContent-Type: text/plain\r\n\r\nYour message was received.\r\n--peerB\r\nContent-Type: message/disposition-notification\r\n\r\n${notification}\r\n--peerB--\r\n`;
  const reportType = 'multipart/report; report-type=disposition-notification; boundary="peerB"';
  const as2 = { 'AS2-From': 'PARTNER', 'AS2-To': String(headers['as2-from']), 'AS2-Version': '1.2', 'Message-ID': '<peer-mdn@partner>' };
  if (peer.mode === 'unsigned' || !options.includes('pkcs7-signature')) return { status: 200, headers: { ...as2, 'Content-Type': reportType }, body: Buffer.from(reportBody) };
  const signer = peer.mode === 'other-signer' ? pki.other : pki.partner;
  const report = Buffer.from(`Content-Type: ${reportType}\r\n\r\n${reportBody}`);
  const smime = await openssl(['cms', '-sign', '-binary', '-crlfeol', '-md', 'sha256', '-signer', signer.cert, '-inkey', signer.key, '-in', tempFile(pki.dir, report, 'peer-mdn'), '-outform', 'SMIME']);
  const out = splitEntity(smime);
  return { status: 200, headers: { ...as2, 'Content-Type': out.headers.get('content-type') ?? '' }, body: out.body };
}
