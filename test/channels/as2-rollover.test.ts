/**
 * Certificate rollover on AS2, against `openssl cms` as the partner: the partner lists an old, a new and
 * an expired certificate (and one not valid yet), we list an old and a new key pair. Signatures by any
 * certificate valid now are accepted and by an expired one refused; messages encrypted to our old
 * certificate are still decrypted; outbound is encrypted to the partner's newest valid certificate and
 * signed with our newest valid pair; MDNs verify with any valid listed certificate.
 */
import { as2Sender } from '../../src/channels/as2/sender';
import { receiveAs2, As2HeadersSchema } from '../../src/channels/as2/inbound';
import { ChannelError, type OutgoingFile } from '../../src/channels/types';
import type { HttpServerHandle } from '../../src/server/http';
import { as2Partner, as2Server, boundaryOf, makeDatedCertificate, memorySink, multipartParts, openssl, PAYLOAD, splitEntity, tempFile, testDeps } from '../support/as2';
import { startOpensslPeer, type OpensslPeer } from '../support/as2-peer';
import { capturingLogger } from '../support/log';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY = 86_400_000;
const ENTITY = Buffer.concat([Buffer.from('Content-Type: application/EDI-X12\r\nContent-Transfer-Encoding: binary\r\nContent-Disposition: attachment; filename="po.edi"\r\n\r\n'), PAYLOAD]);
const SIGNED_MDN = 'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256';
const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m';
const FILE: OutgoingFile = { name: 'po.edi', bytes: PAYLOAD, messageId: 9, messageType: '850', controlNumber: '000000009', correlationId: 'corr-9' };

type Pair = { key: string; cert: string };
let dir: string;
let partnerOld: Pair, partnerNew: Pair, partnerExpired: Pair, partnerFuture: Pair, usOld: Pair, usNew: Pair, stranger: Pair;
let server: HttpServerHandle;
const store = memorySink();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'as2-rollover-'));
  const now = Date.now();
  const dated = (name: string, cn: string, from: number, to: number) => makeDatedCertificate(dir, name, { cn, notBefore: new Date(now + from * DAY), notAfter: new Date(now + to * DAY) });
  // The partner's certificates share a subject, as a renewal does: only the serial tells them apart.
  [partnerOld, partnerNew, partnerExpired, partnerFuture, usOld, usNew, stranger] = await Promise.all([
    dated('partner-old', 'PARTNER AS2', -300, 10),
    dated('partner-new', 'PARTNER AS2', -1, 365),
    dated('partner-expired', 'PARTNER AS2', -700, -30),
    dated('partner-future', 'PARTNER AS2', 30, 800),
    dated('us-old', 'OUR AS2', -300, 20),
    dated('us-new', 'OUR AS2', -2, 365),
    dated('stranger', 'STRANGER', -1, 365),
  ]);
  const ourKeys = [
    { key: { file: usOld.key }, certificate: usOld.cert },
    { key: { file: usNew.key }, certificate: usNew.cert },
  ];
  server = await as2Server(
    [
      as2Partner('rolling', { as2From: 'PARTNER-ROLLING', as2To: 'OUR-AS2', partnerCertificate: [partnerOld.cert, partnerNew.cert, partnerExpired.cert, partnerFuture.cert], ourKeys }),
      as2Partner('stale', { as2From: 'PARTNER-STALE', as2To: 'OUR-AS2', partnerCertificate: partnerExpired.cert, ourKeys }),
    ],
    store.sink,
  );
}, 60000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  store.received.length = 0;
});

/** openssl's S/MIME multipart/signed of the entity, by `signer` (`-keyid`: the SignerInfo names it by subject key id). */
async function signed(signer: Pair, extra: string[] = []): Promise<Buffer> {
  return openssl(['cms', '-sign', '-binary', '-crlfeol', '-md', 'sha256', '-signer', signer.cert, '-inkey', signer.key, ...extra, '-in', tempFile(dir, ENTITY), '-outform', 'SMIME']);
}

/** openssl's EnvelopedData (DER) of `content` for `recipient`. */
async function encrypted(content: Buffer, recipient: Pair, extra: string[] = []): Promise<Buffer> {
  return openssl(['cms', '-encrypt', '-binary', '-aes256', ...extra, '-in', tempFile(dir, content), '-outform', 'DER', recipient.cert]);
}

function headers(from: string): Record<string, string> {
  return { 'AS2-Version': '1.2', 'AS2-From': from, 'AS2-To': 'OUR-AS2', 'Message-ID': `<r-${Date.now()}-${Math.random()}@partner>`, 'Content-Type': ENVELOPED, 'Disposition-Notification-To': 'edi@partner.example', 'Disposition-Notification-Options': SIGNED_MDN };
}

async function post(from: string, body: Buffer): Promise<Response> {
  return fetch(`${server.url}/as2`, { method: 'POST', headers: headers(from), body });
}

/** The MDN's disposition, after openssl verified its signature with `signer`'s certificate (throws when it does not). */
async function mdnDisposition(res: Response, signer: Pair): Promise<string> {
  expect(res.status).toBe(200);
  const contentType = res.headers.get('content-type') ?? '';
  expect(contentType).toMatch(/^multipart\/signed/);
  const [report, sigPart] = multipartParts(Buffer.from(await res.arrayBuffer()), boundaryOf(contentType));
  const sig = Buffer.from(splitEntity(sigPart).body.toString('latin1'), 'base64');
  await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', tempFile(dir, sig), '-content', tempFile(dir, report), '-CAfile', signer.cert, '-purpose', 'any', '-out', '/dev/null']);
  return /Disposition: .*; (.*)\r\n/.exec(report.toString('latin1'))?.[1] ?? '';
}

describe('AS2 inbound during a rollover', () => {
  it.each([
    ['the old certificate (still valid)', () => partnerOld, []],
    ['the new certificate', () => partnerNew, []],
    ['the new certificate, named by subject key id', () => partnerNew, ['-keyid']],
  ])('a message signed with %s is accepted', async (_label, signer, extra) => {
    const res = await post('PARTNER-ROLLING', await encrypted(await signed(signer(), extra as string[]), usNew));
    // Our MDN is signed with our newest valid pair.
    expect(await mdnDisposition(res, usNew)).toBe('processed');
    expect(store.received).toHaveLength(1);
    expect(store.received[0].bytes.equals(PAYLOAD)).toBe(true);
  });

  it.each([
    ['signed with the expired certificate', () => partnerExpired, () => usNew, 'authentication-failed'],
    ['signed with a certificate that is not valid yet', () => partnerFuture, () => usNew, 'authentication-failed'],
    ['encrypted to a certificate that is not ours', () => partnerNew, () => stranger, 'decryption-failed'],
  ])('a message %s gets a negative MDN and is not stored', async (_label, signer, recipient, error) => {
    const res = await post('PARTNER-ROLLING', await encrypted(await signed(signer()), recipient()));
    expect(await mdnDisposition(res, usNew)).toBe(`processed/error: ${error}`);
    expect(store.received).toHaveLength(0);
  });

  it.each([
    ['by issuer and serial', []],
    ['by subject key id', ['-keyid']],
  ])('a message encrypted to our old certificate (named %s) is decrypted', async (_label, extra) => {
    const res = await post('PARTNER-ROLLING', await encrypted(await signed(partnerNew), usOld, extra as string[]));
    expect(await mdnDisposition(res, usNew)).toBe('processed');
    expect(store.received[0].bytes.equals(PAYLOAD)).toBe(true);
  });

  it('when no listed certificate is valid, the refusal is logged naming the partner and every certificate with its validity', async () => {
    const { logger, lines } = capturingLogger('warn');
    const partner = as2Partner('stale', { as2From: 'PARTNER-STALE', as2To: 'OUR-AS2', partnerCertificate: partnerExpired.cert, ourKeys: [{ key: { file: usNew.key }, certificate: usNew.cert }] });
    const channel = partner.channels.inbound[0];
    if (channel.type !== 'as2') throw new Error('expected an as2 channel');
    const smime = splitEntity(await signed(partnerExpired));
    const h = As2HeadersSchema.parse({ 'as2-from': 'PARTNER-STALE', 'as2-to': 'OUR-AS2', 'message-id': '<stale-1@partner>', 'content-type': smime.headers.get('content-type') });
    const reply = await receiveAs2(h, smime.body, { partner, channel, deps: { ...testDeps(), logger }, receive: store.sink });
    expect(reply.outcome).toMatchObject({ stored: false, error: 'authentication-failed' });
    const expiredOn = (await openssl(['x509', '-in', partnerExpired.cert, '-noout', '-enddate'])).toString().trim().replace('notAfter=', '');
    const refused = lines.find((l) => l.msg === 'AS2 message refused');
    expect(refused).toMatchObject({ partner: 'stale', disposition: 'authentication-failed' });
    const reason = String(refused?.reason);
    expect(reason).toContain('partner stale');
    expect(reason).toContain(`${partnerExpired.cert} (serial `);
    expect(reason).toContain(`to ${new Date(expiredOn).toISOString().replace('.000Z', 'Z')}, expired`);
    // Over HTTP the partner learns only the disposition, as for any bad signature.
    const res = await fetch(`${server.url}/as2`, { method: 'POST', headers: { ...headers('PARTNER-STALE'), 'Content-Type': smime.headers.get('content-type') ?? '' }, body: smime.body });
    expect(await mdnDisposition(res, usNew)).toBe('processed/error: authentication-failed');
  });
});

describe('AS2 outbound during a rollover', () => {
  let peer: OpensslPeer;
  // The peer decrypts with `partner`, checks our signature against `us` and signs its MDN with `partner` (or `other`).
  const peerPki = { dir: '', partner: { key: '', cert: '' }, us: { key: '', cert: '' }, other: { key: '', cert: '' }, cleanup: () => undefined };
  const sender = as2Sender(testDeps());

  beforeAll(async () => {
    Object.assign(peerPki, { dir, partner: partnerNew, us: usNew, other: partnerOld });
    peer = await startOpensslPeer(peerPki);
  });
  afterAll(async () => {
    await peer?.close();
    await sender.close();
  });
  beforeEach(() => {
    peer.received.length = 0;
    peer.mode = 'ok';
    peerPki.other = partnerOld;
  });

  const toPeer = (partnerCertificate: string | string[]) =>
    as2Partner('rolling', undefined, {
      url: peer.url,
      as2From: 'OUR-AS2',
      as2To: 'PARTNER',
      partnerCertificate,
      ourKeys: [
        { key: { file: usOld.key }, certificate: usOld.cert },
        { key: { file: usNew.key }, certificate: usNew.cert },
      ],
    });

  it("encrypts to the partner's newest valid certificate and signs with our newest valid pair", async () => {
    const detail = await sender.send(toPeer([partnerOld.cert, partnerExpired.cert, partnerNew.cert, partnerFuture.cert]), FILE);
    // The peer decrypted with the new key and verified our signature against our new certificate.
    expect(peer.received).toHaveLength(1);
    expect(peer.received[0]).toMatchObject({ signed: true, encrypted: true });
    expect(peer.received[0].payload.equals(PAYLOAD)).toBe(true);
    expect(detail).toMatchObject({ mdn: { disposition: 'automatic-action/MDN-sent-automatically; processed', signed: true } });
    const body = tempFile(dir, peer.received[0].body);
    const entity = await openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', body, '-inkey', partnerNew.key, '-recip', partnerNew.cert]);
    expect(entity.toString('latin1')).toContain('multipart/signed');
    for (const other of [partnerOld, partnerFuture]) {
      await expect(openssl(['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', body, '-inkey', other.key, '-recip', other.cert])).rejects.toThrow();
    }
    // Our signature is by the new pair, not the old one.
    const { headers: h, body: b } = splitEntity(entity);
    const [content, sigPart] = multipartParts(b, boundaryOf(h.get('content-type') ?? ''));
    const sig = tempFile(dir, Buffer.from(splitEntity(sigPart).body.toString('latin1'), 'base64'));
    const verifyWith = (pair: Pair) => openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', tempFile(dir, content), '-CAfile', pair.cert, '-purpose', 'any', '-out', '/dev/null']);
    await expect(verifyWith(usNew)).resolves.toBeDefined();
    await expect(verifyWith(usOld)).rejects.toThrow();
  });

  it('accepts an MDN signed with the older of two valid partner certificates', async () => {
    peer.mode = 'other-signer';
    const detail = await sender.send(toPeer([partnerOld.cert, partnerNew.cert]), FILE);
    expect(detail).toMatchObject({ mdn: { disposition: 'automatic-action/MDN-sent-automatically; processed', signed: true } });
  });

  it('refuses an MDN signed with an expired listed certificate', async () => {
    peer.mode = 'other-signer';
    peerPki.other = partnerExpired;
    const err = await sender.send(toPeer([partnerNew.cert, partnerExpired.cert]), FILE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).retryable).toBe(false);
    expect((err as ChannelError).message).toMatch(/MDN is not acceptable: .*the signer's certificate is not valid at the time of receipt: .*partner-expired\.crt.*expired/);
  });

  it('sends nothing when none of the partner certificates is valid, naming the partner and their validity', async () => {
    const err = await sender.send(toPeer([partnerExpired.cert, partnerFuture.cert]), FILE).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ retryable: false, partner: 'rolling', channel: 'as2' });
    const message = (err as ChannelError).message;
    expect(message).toContain("partner rolling: none of the partner's certificates is valid now");
    expect(message).toMatch(/partner-expired\.crt \(serial [0-9a-f]+, valid .* to .*, expired at /);
    expect(message).toMatch(/partner-future\.crt \(serial [0-9a-f]+, valid .* to .*, not yet valid at /);
    expect(peer.received).toHaveLength(0);
  });
});
