/**
 * AS2 inbound against a real peer: `openssl cms` signs and encrypts what a partner would send, the
 * message is POSTed to the gateway's HTTP server, and openssl checks the MDN that comes back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpServerHandle } from '../../src/server/http';
import { until } from '../support/wait';
import { asyncMdnAllowed, type As2InboundChannel } from '../../src/channels/as2/inbound';
import { as2Partner, as2Server, boundaryOf, makePki, memorySink, multipartParts, openssl, PAYLOAD, splitEntity, tempFile, zlibCompressedData, type Pki } from '../support/as2';

const ENTITY = Buffer.concat([Buffer.from('Content-Type: application/EDI-X12\r\nContent-Transfer-Encoding: binary\r\nContent-Disposition: attachment; filename="po.edi"\r\n\r\n'), PAYLOAD]);
const SIGNED_MDN = 'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256';

let pki: Pki;
let server: HttpServerHandle;
const store = memorySink();

/** A partner's MDN receiver on loopback: what it was sent, and when (how many messages were stored by then). */
interface MdnReceiver {
  url: string;
  got: { contentType: string; body: Buffer; storedBefore: number }[];
  close(): Promise<void>;
}
async function mdnReceiver(path: string): Promise<MdnReceiver> {
  const got: MdnReceiver['got'] = [];
  const receiver: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.end();
      got.push({ contentType: String(req.headers['content-type']), body: Buffer.concat(chunks), storedBefore: store.received.length });
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`, got, close: () => new Promise((r) => receiver.close(() => r())) };
}
let listed: MdnReceiver;
let unlisted: MdnReceiver;

beforeAll(async () => {
  pki = await makePki();
  listed = await mdnReceiver('/mdn');
  unlisted = await mdnReceiver('/internal/admin');
  const common = { as2To: 'OUR-AS2', partnerCertificate: pki.partner.cert, decryptionKey: { file: pki.us.key }, mdnKey: { file: pki.us.key }, mdnCertificate: pki.us.cert };
  server = await as2Server(
    [
      as2Partner('lax', { ...common, as2From: 'PARTNER LAX', requireSigned: false, requireEncrypted: false, asyncMdnUrls: [listed.url] }),
      as2Partner('strict', { ...common, as2From: 'PARTNER-STRICT' }),
      as2Partner('legacy', { ...common, as2From: 'PARTNER-LEGACY', requireSigned: false, requireEncrypted: false, allowLegacyAlgorithms: true }),
      as2Partner('small', { ...common, as2From: 'PARTNER-SMALL', requireSigned: false, requireEncrypted: false, maxSize: 1000 }),
    ],
    store.sink,
  );
}, 30000);

afterAll(async () => {
  await server?.close();
  await listed?.close();
  await unlisted?.close();
  pki?.cleanup();
});

beforeEach(() => {
  store.received.length = 0;
  store.fail.on = false;
});

/** openssl's S/MIME multipart/signed of `entity` (the whole entity: headers + body). */
async function signed(entity: Buffer, signer = pki.partner, md = 'sha256'): Promise<Buffer> {
  return openssl(['cms', '-sign', '-binary', '-crlfeol', '-md', md, '-signer', signer.cert, '-inkey', signer.key, '-in', tempFile(pki.dir, entity), '-outform', 'SMIME']);
}

/** openssl's EnvelopedData / AuthEnvelopedData (DER) of `entity`. */
async function encrypted(entity: Buffer, cipher = '-aes256', recipient = pki.us.cert, keyopts: string[] = []): Promise<Buffer> {
  const recip = keyopts.length ? ['-recip', recipient, ...keyopts] : [recipient];
  return openssl(['cms', '-encrypt', '-binary', cipher, '-in', tempFile(pki.dir, entity), '-outform', 'DER', ...recip]);
}

const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m';

async function post(from: string, contentType: string, body: Buffer, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/as2`, {
    method: 'POST',
    headers: { 'AS2-Version': '1.2', 'AS2-From': `"${from}"`, 'AS2-To': 'OUR-AS2', 'Message-ID': `<t-${Date.now()}-${Math.random()}@partner>`, 'Content-Type': contentType, 'Disposition-Notification-To': 'edi@partner.example', 'Disposition-Notification-Options': SIGNED_MDN, ...extra },
    body,
  });
}

async function sha(bytes: Buffer, alg = 'sha256'): Promise<string> {
  return (await openssl(['dgst', `-${alg}`, '-binary', tempFile(pki.dir, bytes)])).toString('base64');
}

/** Verifies a signed MDN with openssl (detached, our certificate) and returns its disposition and MIC fields. */
async function checkSignedMdn(contentType: string, body: Buffer): Promise<{ disposition: string; mic: string | undefined }> {
  expect(contentType).toMatch(/^multipart\/signed/);
  const [report, sigPart] = multipartParts(body, boundaryOf(contentType));
  const sig = Buffer.from(splitEntity(sigPart).body.toString('latin1'), 'base64');
  await openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', tempFile(pki.dir, sig), '-content', tempFile(pki.dir, report), '-CAfile', pki.us.cert, '-purpose', 'any', '-out', '/dev/null']);
  return fields(report.toString('latin1'));
}

function fields(text: string): { disposition: string; mic: string | undefined } {
  const disposition = /Disposition: (.*)\r\n/.exec(text)?.[1] ?? '';
  return { disposition, mic: /Received-content-MIC: (.*)\r\n/.exec(text)?.[1] };
}

async function expectProcessed(res: Response, micOver: Buffer, alg = 'sha256'): Promise<void> {
  expect(res.status).toBe(200);
  expect(res.headers.get('as2-from')).toBe('OUR-AS2');
  const mdn = await checkSignedMdn(res.headers.get('content-type') ?? '', Buffer.from(await res.arrayBuffer()));
  expect(mdn.disposition).toBe('automatic-action/MDN-sent-automatically; processed');
  expect(mdn.mic).toBe(`${await sha(micOver, alg)}, ${alg === 'sha1' ? 'sha-1' : 'sha-256'}`);
  expect(store.received).toHaveLength(1);
  expect(store.received[0].bytes.equals(PAYLOAD)).toBe(true);
}

async function expectRefused(res: Response, disposition: string): Promise<void> {
  expect(res.status).toBe(200);
  const mdn = await checkSignedMdn(res.headers.get('content-type') ?? '', Buffer.from(await res.arrayBuffer()));
  expect(mdn.disposition).toBe(`automatic-action/MDN-sent-automatically; processed/error: ${disposition}`);
  expect(mdn.mic).toBeUndefined();
  expect(store.received).toHaveLength(0);
}

describe('AS2 inbound from openssl cms', () => {
  it('plain: the payload reaches the sink, MIC over the content', async () => {
    await expectProcessed(await post('PARTNER LAX', 'application/EDI-X12', PAYLOAD), PAYLOAD);
    expect(store.received[0]).toMatchObject({ partnerId: 'lax' });
  });

  it('signed (multipart/signed, SHA-256): MIC over the signed entity', async () => {
    const { headers, body } = splitEntity(await signed(ENTITY));
    await expectProcessed(await post('PARTNER LAX', headers.get('content-type') ?? '', body), ENTITY);
  });

  it('encrypted (PKCS#1 v1.5 key transport, AES-256-CBC): MIC over the decrypted entity', async () => {
    await expectProcessed(await post('PARTNER LAX', ENVELOPED, await encrypted(ENTITY)), ENTITY);
  });

  it.each([
    ['PKCS#1 v1.5, AES-128-CBC', '-aes128', []],
    ['RSAES-OAEP (SHA-1), AES-256-CBC', '-aes256', ['-keyopt', 'rsa_padding_mode:oaep']],
    ['RSAES-OAEP (SHA-256), AES-128-CBC', '-aes128', ['-keyopt', 'rsa_padding_mode:oaep', '-keyopt', 'rsa_oaep_md:sha256']],
    ['PKCS#1 v1.5, AES-128-GCM', '-aes-128-gcm', []],
    ['RSAES-OAEP, AES-256-GCM', '-aes-256-gcm', ['-keyopt', 'rsa_padding_mode:oaep']],
  ])('signed + encrypted (%s) to a partner requiring both', async (_label, cipher, keyopts) => {
    const smime = await signed(ENTITY);
    const type = cipher.endsWith('gcm') ? 'application/pkcs7-mime; smime-type=authEnveloped-data' : ENVELOPED;
    await expectProcessed(await post('PARTNER-STRICT', type, await encrypted(smime, cipher, pki.us.cert, keyopts as string[])), ENTITY);
  });

  it('compressed (RFC 5402, a CompressedData from Node zlib checked by openssl asn1parse)', async () => {
    const cd = zlibCompressedData(ENTITY);
    const parsed = (await openssl(['asn1parse', '-inform', 'DER', '-in', tempFile(pki.dir, cd)])).toString();
    expect(parsed).toContain('id-smime-ct-compressedData');
    expect(parsed).toContain('zlib compression');
    await expectProcessed(await post('PARTNER LAX', 'application/pkcs7-mime; smime-type=compressed-data', cd), PAYLOAD);
  });

  it('compressed, then signed, then encrypted: MIC over the signed (compressed) entity', async () => {
    const compressedEntity = Buffer.concat([Buffer.from('Content-Type: application/pkcs7-mime; smime-type=compressed-data\r\nContent-Transfer-Encoding: binary\r\n\r\n'), zlibCompressedData(ENTITY)]);
    const body = await encrypted(await signed(compressedEntity));
    await expectProcessed(await post('PARTNER-STRICT', ENVELOPED, body), compressedEntity);
  });

  it('SHA-1 and 3DES are refused unless the partner allows legacy algorithms', async () => {
    const sha1 = splitEntity(await signed(ENTITY, pki.partner, 'sha1'));
    await expectRefused(await post('PARTNER LAX', sha1.headers.get('content-type') ?? '', sha1.body), 'authentication-failed');
    await expectRefused(await post('PARTNER LAX', ENVELOPED, await encrypted(ENTITY, '-des3')), 'decryption-failed');
  });

  it('SHA-1 and 3DES are accepted from a legacy partner, with a SHA-1 MIC when asked', async () => {
    const body = await encrypted(await signed(ENTITY, pki.partner, 'sha1'), '-des3');
    await expectProcessed(await post('PARTNER-LEGACY', ENVELOPED, body, { 'Disposition-Notification-Options': 'signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, sha1' }), ENTITY, 'sha1');
  });

  it('a signature by another certificate: authentication-failed, nothing stored', async () => {
    const { headers, body } = splitEntity(await signed(ENTITY, pki.other));
    await expectRefused(await post('PARTNER LAX', headers.get('content-type') ?? '', body), 'authentication-failed');
  });

  it('a message encrypted for someone else: decryption-failed', async () => {
    await expectRefused(await post('PARTNER LAX', ENVELOPED, await encrypted(ENTITY, '-aes256', pki.other.cert)), 'decryption-failed');
  });

  it('garbage where the encrypted key should be: decryption-failed, same as a wrong key', async () => {
    const der = await encrypted(ENTITY);
    // Flip bytes inside the RSA-encrypted key (it starts after the recipient identifier, ~100 bytes in).
    const bad = Buffer.from(der);
    for (let i = 120; i < 140; i++) bad[i] ^= 0x5a;
    await expectRefused(await post('PARTNER LAX', ENVELOPED, bad), 'decryption-failed');
  });

  it('content changed after signing: integrity-check-failed; a damaged signature: authentication-failed', async () => {
    const { headers, body } = splitEntity(await signed(ENTITY));
    const tampered = Buffer.from(body);
    tampered[tampered.indexOf('BEG*00') + 4] = 0x31; // BEG*00 → BEG*10
    await expectRefused(await post('PARTNER LAX', headers.get('content-type') ?? '', tampered), 'integrity-check-failed');
    // The RSA signature value ends the SignedData: change a base64 character just before the closing boundary.
    const at = body.lastIndexOf(`--${boundaryOf(headers.get('content-type') ?? '')}--`) - 30;
    const badSig = Buffer.from(body);
    badSig[at] = badSig[at] === 0x41 ? 0x42 : 0x41;
    await expectRefused(await post('PARTNER LAX', headers.get('content-type') ?? '', badSig), 'authentication-failed');
  });

  it('an unsigned or unencrypted message to a partner requiring both: insufficient-message-security', async () => {
    await expectRefused(await post('PARTNER-STRICT', 'application/EDI-X12', PAYLOAD), 'insufficient-message-security');
    await expectRefused(await post('PARTNER-STRICT', ENVELOPED, await encrypted(ENTITY)), 'insufficient-message-security');
  });

  it('an unknown AS2-To / AS2-From pair is refused without an MDN', async () => {
    const res = await fetch(`${server.url}/as2`, { method: 'POST', headers: { 'AS2-From': 'PARTNER-STRICT', 'AS2-To': 'SOMEONE-ELSE', 'Message-ID': '<x@y>', 'Content-Type': 'application/EDI-X12' }, body: PAYLOAD });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe('unknown_as2_partner');
    expect(store.received).toHaveLength(0);
  });

  it('missing or malformed AS2 headers: 400', async () => {
    const res = await fetch(`${server.url}/as2`, { method: 'POST', headers: { 'AS2-From': 'PARTNER LAX', 'Content-Type': 'application/EDI-X12' }, body: PAYLOAD });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/as2-to/);
  });

  it("a message above the partner's maxSize: 413", async () => {
    const res = await post('PARTNER-SMALL', 'application/EDI-X12', Buffer.alloc(5000, 0x41));
    expect(res.status).toBe(413);
    expect(store.received).toHaveLength(0);
  });

  it('/as2/<partner> must agree with the AS2 headers', async () => {
    const ok = await fetch(`${server.url}/as2/lax`, { method: 'POST', headers: { 'AS2-From': 'PARTNER LAX', 'AS2-To': 'OUR-AS2', 'Message-ID': '<p@q>', 'Content-Type': 'application/EDI-X12' }, body: PAYLOAD });
    expect(ok.status).toBe(200);
    const other = await fetch(`${server.url}/as2/strict`, { method: 'POST', headers: { 'AS2-From': 'PARTNER LAX', 'AS2-To': 'OUR-AS2', 'Message-ID': '<p@q>', 'Content-Type': 'application/EDI-X12' }, body: PAYLOAD });
    expect(other.status).toBe(404);
  });

  it('the sink failing: no MDN at all, 503 so the partner sends again', async () => {
    store.fail.on = true;
    const res = await post('PARTNER LAX', ENVELOPED, await encrypted(ENTITY));
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).not.toMatch(/multipart/);
    expect(await res.text()).not.toMatch(/processed/);
  });

  it('an unsigned MDN when none was asked to be signed; no MDN when none was asked for', async () => {
    const res = await post('PARTNER LAX', 'application/EDI-X12', PAYLOAD, { 'Disposition-Notification-Options': '' });
    expect(res.headers.get('content-type')).toMatch(/^multipart\/report/);
    expect(fields(await res.text()).disposition).toMatch(/; processed$/);
    const none = await fetch(`${server.url}/as2`, { method: 'POST', headers: { 'AS2-From': 'PARTNER LAX', 'AS2-To': 'OUR-AS2', 'Message-ID': '<n@q>', 'Content-Type': 'application/EDI-X12' }, body: PAYLOAD });
    expect(none.status).toBe(200);
    expect((await none.arrayBuffer()).byteLength).toBe(0);
  });

  it('asynchronous MDN: 200 at once, then a signed MDN POSTed to Receipt-Delivery-Option after the message is stored', async () => {
    const res = await post('PARTNER LAX', ENVELOPED, await encrypted(await signed(ENTITY)), { 'Receipt-Delivery-Option': listed.url });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    await until(() => listed.got.length === 1, 10_000, 'the asynchronous MDN');
    const mdn = listed.got[0]!;
    expect(mdn.storedBefore).toBe(1);
    const f = await checkSignedMdn(mdn.contentType, mdn.body);
    expect(f.disposition).toMatch(/; processed$/);
    expect(f.mic).toBe(`${await sha(ENTITY)}, sha-256`);
  });

  it('an asynchronous MDN asked for at a URL the partner does not list is not sent there: the MDN comes back synchronously', async () => {
    // Anyone can write AS2-From and Receipt-Delivery-Option; an unsigned message proves nothing.
    const res = await post('PARTNER LAX', 'application/EDI-X12', PAYLOAD, { 'Receipt-Delivery-Option': unlisted.url });
    await expectProcessed(res, PAYLOAD);
    // Had it been sent, it would have left right after the response.
    await new Promise((r) => setTimeout(r, 300));
    expect(unlisted.got).toHaveLength(0);
  });

});

describe('where an asynchronous MDN may go', () => {
  const ctx = (asyncMdnUrls: string[], outboundUrl?: string) => {
    const p = as2Partner('p', { as2From: 'P', as2To: 'US', partnerCertificate: pki.partner.cert, requireSigned: false, requireEncrypted: false, asyncMdnUrls }, outboundUrl ? { url: outboundUrl, as2From: 'US', as2To: 'P', partnerCertificate: pki.partner.cert, sign: 'none', encrypt: 'none' } : undefined);
    return { partner: p, channel: p.channels.inbound[0] as As2InboundChannel };
  };

  it.each([
    ['a listed URL', ['https://as2.partner.example/mdn'], undefined, 'https://as2.partner.example/mdn', true],
    ['another path than a listed URL', ['https://as2.partner.example/mdn'], undefined, 'https://as2.partner.example/mdn2', false],
    ['a path under a listed prefix', ['https://as2.partner.example/as2/'], undefined, 'https://as2.partner.example/as2/mdn?id=1', true],
    ['a path that climbs out of the prefix', ['https://as2.partner.example/as2/'], undefined, 'https://as2.partner.example/as2/../admin', false],
    ['a host that only starts like the listed one', ['https://as2.partner.example/'], undefined, 'https://as2.partner.example.evil.test/', false],
    ['another port', ['https://as2.partner.example/'], undefined, 'https://as2.partner.example:8443/', false],
    ['credentials in the URL', ['https://as2.partner.example/'], undefined, 'https://x:y@as2.partner.example/mdn', false],
    ["any path on the partner's own AS2 server", [], 'https://as2.partner.example:4080/as2/in', 'https://as2.partner.example:4080/mdn', true],
    ["another host than the partner's AS2 server", [], 'https://as2.partner.example/as2', 'http://169.254.169.254/latest', false],
    ['nothing listed, no AS2 server of theirs', [], undefined, 'http://127.0.0.1:8080/mdn', false],
  ])('%s', (_what, urls, outbound, url, expected) => {
    expect(asyncMdnAllowed(ctx(urls as string[], outbound as string | undefined), url as string)).toBe(expected);
  });
});
