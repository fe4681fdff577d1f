/**
 * AS2 outbound: our sender against a receiver whose cryptography is `openssl cms` (it decrypts and
 * verifies what we send and answers with an MDN signed by openssl), and gateway to gateway (our sender
 * to our own receiver), synchronous and asynchronous MDNs.
 */
import { as2Sender } from '../../src/channels/as2/sender';
import { ChannelError, type OutgoingFile } from '../../src/channels/types';
import { PartnerRegistry } from '../../src/partners/registry';
import { GatewayMetrics } from '../../src/pipeline/metrics';
import { registerAs2, type ReceivedMdn } from '../../src/server/as2';
import { startHttpServer, type HttpServerHandle } from '../../src/server/http';
import { as2Partner, makePki, memorySink, openssl, PAYLOAD, tempFile, testDeps, type Pki } from '../support/as2';
import { startOpensslPeer, type OpensslPeer } from '../support/as2-peer';

let pki: Pki;
let peer: OpensslPeer;
const sender = as2Sender(testDeps());
const FILE: OutgoingFile = { name: 'po 1.edi', bytes: PAYLOAD, messageId: 7, messageType: '850', controlNumber: '000000001', correlationId: 'corr-7' };

beforeAll(async () => {
  pki = await makePki();
  peer = await startOpensslPeer(pki);
}, 30000);

afterAll(async () => {
  await peer?.close();
  await sender.close();
  pki?.cleanup();
});

beforeEach(() => {
  peer.received.length = 0;
  peer.mode = 'ok';
});

function toPeer(overrides: Record<string, unknown> = {}) {
  return as2Partner('partner', undefined, {
    url: peer.url,
    as2From: 'OUR-AS2',
    as2To: 'PARTNER',
    partnerCertificate: pki.partner.cert,
    signingKey: { file: pki.us.key },
    signingCertificate: pki.us.cert,
    ...overrides,
  });
}

async function sendExpectingError(overrides: Record<string, unknown>): Promise<ChannelError> {
  const err = await sender.send(toPeer(overrides), FILE).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return err as ChannelError;
}

describe('AS2 outbound to an openssl peer', () => {
  it.each([
    ['SHA-256 + AES-256-CBC, PKCS#1 v1.5 key transport (the defaults)', {}, 'aes-256-cbc', 'rsaEncryption'],
    ['SHA-384 + AES-128-CBC', { sign: 'sha384', encrypt: 'aes128-cbc' }, 'aes-128-cbc', 'rsaEncryption'],
    ['SHA-256 + AES-128-GCM, RSAES-OAEP', { encrypt: 'aes128-gcm', keyTransport: 'rsa-oaep' }, 'aes-128-gcm', 'rsaesOaep'],
    ['SHA-512 + AES-256-GCM', { sign: 'sha512', encrypt: 'aes256-gcm' }, 'aes-256-gcm', 'rsaEncryption'],
    ['SHA-1 + 3DES for a legacy partner', { sign: 'sha1', encrypt: '3des', allowLegacyAlgorithms: true }, 'des-ede3-cbc', 'rsaEncryption'],
  ])('%s: openssl decrypts and verifies, our sender verifies its signed MDN and MIC', async (_label, overrides, cipher, keyTransport) => {
    const detail = await sender.send(toPeer(overrides), FILE);
    expect(peer.received).toHaveLength(1);
    const got = peer.received[0];
    expect(got.payload.equals(PAYLOAD)).toBe(true);
    expect(got).toMatchObject({ signed: true, encrypted: true });
    expect(got.envelope).toContain(cipher);
    expect(got.envelope).toContain(keyTransport);
    expect(got.headers['as2-from']).toBe('OUR-AS2');
    expect(got.headers['as2-to']).toBe('PARTNER');
    expect(detail).toMatchObject({ channel: 'as2', mdn: { disposition: 'automatic-action/MDN-sent-automatically; processed', signed: true } });
    expect((detail.mdn as { receivedMic: string }).receivedMic).toBe(detail.mic);
  });

  it('unsigned and unencrypted, unsigned MDN: MIC over the payload', async () => {
    const detail = await sender.send(toPeer({ sign: 'none', encrypt: 'none', mdnSigned: false }), FILE);
    expect(peer.received[0]).toMatchObject({ signed: false, encrypted: false });
    expect(peer.received[0].payload.equals(PAYLOAD)).toBe(true);
    const mic = (await openssl(['dgst', '-sha256', '-binary', tempFile(pki.dir, PAYLOAD)])).toString('base64');
    expect(detail.mic).toBe(`${mic}, sha-256`);
    expect(detail.mdn).toMatchObject({ signed: false });
  });

  it('a wrong MIC in the MDN is not a delivery (and not retried)', async () => {
    peer.mode = 'wrong-mic';
    const err = await sendExpectingError({});
    expect(err.message).toMatch(/MIC/);
    expect(err.retryable).toBe(false);
  });

  it('an MDN signed by someone else is refused', async () => {
    peer.mode = 'other-signer';
    const err = await sendExpectingError({});
    expect(err.message).toMatch(/MDN signature is not valid/);
    expect(err.retryable).toBe(false);
  });

  it('an unsigned MDN when a signed one was asked for is refused', async () => {
    peer.mode = 'unsigned';
    expect((await sendExpectingError({})).message).toMatch(/not signed/);
  });

  it('a negative disposition is reported, not retried', async () => {
    peer.mode = 'error-disposition';
    const err = await sendExpectingError({});
    expect(err.message).toMatch(/decryption-failed/);
    expect(err.retryable).toBe(false);
  });

  it('a busy or unreachable partner is retryable', async () => {
    peer.mode = 'status-503';
    expect((await sendExpectingError({})).retryable).toBe(true);
    const err = await sendExpectingError({ url: 'http://127.0.0.1:9/as2' });
    expect(err.retryable).toBe(true);
  });
});

describe('AS2 gateway to gateway', () => {
  let server: HttpServerHandle;
  const store = memorySink();
  const mdns: ReceivedMdn[] = [];

  beforeAll(async () => {
    server = await startHttpServer({ metrics: new GatewayMetrics({ processMetrics: false }), checks: { ledger: () => undefined, odoo: () => undefined } });
    // One server plays both sides: the partner receiving (inbound channel from OUR-AS2) and us receiving its async MDNs.
    const receiving = as2Partner('them-receiving', { as2From: 'OUR-AS2', as2To: 'PARTNER', requireSigned: false, requireEncrypted: false, partnerCertificate: pki.us.cert, decryptionKey: { file: pki.partner.key }, mdnKey: { file: pki.partner.key }, mdnCertificate: pki.partner.cert, asyncMdnUrls: [`${server.url}/as2/`] });
    const sending = as2Partner('partner', undefined, { url: `${server.url}/as2`, as2From: 'OUR-AS2', as2To: 'PARTNER', partnerCertificate: pki.partner.cert, signingKey: { file: pki.us.key }, signingCertificate: pki.us.cert });
    registerAs2(server, { registry: new PartnerRegistry([receiving, sending]), receive: store.sink, deps: testDeps(), onMdn: (m) => void mdns.push(m) });
  });

  afterAll(async () => {
    await server?.close();
  });

  const channel = (overrides: Record<string, unknown>) =>
    as2Partner('partner', undefined, { url: `${server.url}/as2`, as2From: 'OUR-AS2', as2To: 'PARTNER', partnerCertificate: pki.partner.cert, signingKey: { file: pki.us.key }, signingCertificate: pki.us.cert, ...overrides });

  it.each([
    ['compressed, signed, AES-256-GCM with OAEP', { compress: true, encrypt: 'aes256-gcm', keyTransport: 'rsa-oaep' }],
    ['compressed and encrypted, unsigned', { compress: true, sign: 'none', encrypt: 'aes128-cbc' }],
    ['compressed only', { compress: true, sign: 'none', encrypt: 'none' }],
  ])('%s: the bytes arrive exactly, the synchronous MDN verifies', async (_label, overrides) => {
    store.received.length = 0;
    const detail = await sender.send(channel(overrides), FILE);
    expect(store.received).toHaveLength(1);
    expect(store.received[0].partnerId).toBe('them-receiving');
    expect(store.received[0].bytes.equals(PAYLOAD)).toBe(true);
    expect(detail.mdn).toMatchObject({ disposition: 'automatic-action/MDN-sent-automatically; processed', signed: true, receivedMic: detail.mic });
  });

  it('asynchronous MDN: the send is pending, the MDN arrives at /as2/mdn verified with the expected MIC', async () => {
    store.received.length = 0;
    mdns.length = 0;
    const detail = await sender.send(channel({ mdn: 'async', asyncMdnUrl: `${server.url}/as2/mdn` }), FILE);
    expect(detail).toMatchObject({ mdn: 'pending' });
    for (let i = 0; i < 100 && mdns.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(mdns).toHaveLength(1);
    expect(mdns[0]).toMatchObject({ partnerId: 'partner', messageId: 7, correlationId: 'corr-7' });
    expect(mdns[0].mdn).toMatchObject({ processed: true, signed: true, originalMessageId: detail.as2MessageId });
    expect(`${mdns[0].mdn.mic?.value}, sha-256`).toBe(detail.mic);
    expect(store.received[0].bytes.equals(PAYLOAD)).toBe(true);
  });
});
