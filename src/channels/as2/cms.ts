/**
 * CMS (RFC 5652) for AS2: detached signatures, enveloped data (RSA PKCS#1 v1.5 or RSAES-OAEP key
 * transport; AES-CBC, 3DES), authenticated enveloped data (AES-GCM, RFC 5083/5084) and compressed data
 * (zlib, RFC 3274). The structures are pkijs/asn1js objects; every cryptographic operation is
 * node:crypto (OpenSSL). Why this split, with the measurements, is in docs/decisions.md ("AS2 cryptography").
 */
import { constants, createCipheriv, createDecipheriv, createHash, createPrivateKey, privateDecrypt, publicEncrypt, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { deflateSync, inflateSync } from 'node:zlib';
import type * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';

/**
 * asn1js and pkijs are published as ES modules only. They are loaded on first use through Node's own
 * `require` (require(esm), Node >= 20.19), so CommonJS code that merely imports the channel list (and
 * test runners that cannot load ES modules) is unaffected until AS2 is actually used.
 */
const nodeRequire = createRequire(__filename);
let loaded: { asn1js: typeof asn1js; pkijs: typeof pkijs } | undefined;
function lib(): { asn1js: typeof asn1js; pkijs: typeof pkijs } {
  loaded ??= { asn1js: nodeRequire('asn1js') as typeof asn1js, pkijs: nodeRequire('pkijs') as typeof pkijs };
  return loaded;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  envelopedData: '1.2.840.113549.1.7.3',
  authEnvelopedData: '1.2.840.113549.1.9.16.1.23',
  compressedData: '1.2.840.113549.1.9.16.1.9',
  zlib: '1.2.840.113549.1.9.16.3.8',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaOaep: '1.2.840.113549.1.1.7',
  mgf1: '1.2.840.113549.1.1.8',
} as const;

/** Digest algorithms by OID (and the RSA signature OIDs that name one). */
const DIGESTS: Readonly<Record<string, DigestAlgorithm>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const DIGEST_OID: Readonly<Record<DigestAlgorithm, string>> = { sha1: '1.3.14.3.2.26', sha256: '2.16.840.1.101.3.4.2.1', sha384: '2.16.840.1.101.3.4.2.2', sha512: '2.16.840.1.101.3.4.2.3' };
const RSA_SIGNATURE_OIDS = new Set([OID.rsaEncryption, '1.2.840.113549.1.1.5', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13']);

/** Content-encryption algorithms, as named in partner.yaml. */
export type ContentCipher = 'aes128-cbc' | 'aes256-cbc' | 'aes128-gcm' | 'aes256-gcm' | '3des';
export type DigestAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type KeyTransport = 'rsa-pkcs1' | 'rsa-oaep';

interface CipherSpec {
  name: string;
  oid: string;
  node: string;
  keyLength: number;
  gcm: boolean;
  legacy: boolean;
}
const CIPHERS: readonly CipherSpec[] = [
  { name: 'aes128-cbc', oid: '2.16.840.1.101.3.4.1.2', node: 'aes-128-cbc', keyLength: 16, gcm: false, legacy: false },
  { name: 'aes256-cbc', oid: '2.16.840.1.101.3.4.1.42', node: 'aes-256-cbc', keyLength: 32, gcm: false, legacy: false },
  { name: 'aes128-gcm', oid: '2.16.840.1.101.3.4.1.6', node: 'aes-128-gcm', keyLength: 16, gcm: true, legacy: false },
  { name: 'aes256-gcm', oid: '2.16.840.1.101.3.4.1.46', node: 'aes-256-gcm', keyLength: 32, gcm: true, legacy: false },
  { name: '3des', oid: '1.2.840.113549.3.7', node: 'des-ede3-cbc', keyLength: 24, gcm: false, legacy: true },
];
// AES-192 is read (some partners send it) but never offered: partner.yaml has no name for it.
const AES192: CipherSpec = { name: 'aes192-cbc', oid: '2.16.840.1.101.3.4.1.22', node: 'aes-192-cbc', keyLength: 24, gcm: false, legacy: false };

/** Why a CMS operation failed, in the vocabulary of AS2 dispositions. */
export type CmsFailure = 'decryption-failed' | 'authentication-failed' | 'integrity-check-failed' | 'decompression-failed' | 'malformed';

/** A CMS failure; `kind` picks the MDN disposition, `message` is for our logs (never sent in detail to a peer). */
export class CmsError extends Error {
  constructor(
    readonly kind: CmsFailure,
    message: string,
  ) {
    super(message);
    this.name = 'CmsError';
  }
}

/** What algorithms a partner may use towards us. */
export interface CmsPolicy {
  /** Accept SHA-1 signatures and 3DES content encryption. */
  allowLegacy: boolean;
}

/** A certificate with what we need of it. */
export interface CertificateInfo {
  cert: pkijs.Certificate;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Where it came from (its file), for messages. */
  source: string;
}

/** Parses a PEM (or DER) certificate; `source` names it in messages. */
export function loadCertificate(pemOrDer: string | Buffer, source = 'certificate'): CertificateInfo {
  const { pkijs } = lib();
  const x = new X509Certificate(pemOrDer);
  return { cert: pkijs.Certificate.fromBER(x.raw), publicKey: x.publicKey, notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo), source };
}

/** Whether `c` is within its validity period at `at`. */
export function validAt(c: CertificateInfo, at: Date): boolean {
  return c.notBefore.getTime() <= at.getTime() && at.getTime() <= c.notAfter.getTime();
}

/** The newest (latest notBefore) of `certs` that is valid at `at`, if any. */
export function newestValid(certs: readonly CertificateInfo[], at: Date): CertificateInfo | undefined {
  let best: CertificateInfo | undefined;
  for (const c of certs) if (validAt(c, at) && (!best || c.notBefore.getTime() > best.notBefore.getTime())) best = c;
  return best;
}

/** `certs/acme.crt (serial 1c34…, valid 2026-01-01T00:00:00Z to 2027-01-01T00:00:00Z, expired)`: for logs, never for a peer. */
export function describeValidity(certs: readonly CertificateInfo[], at: Date): string {
  const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return certs
    .map((c) => {
      const state = at < c.notBefore ? 'not yet valid' : at > c.notAfter ? 'expired' : 'valid';
      return `${c.source} (serial ${Buffer.from(c.cert.serialNumber.valueBlock.valueHexView).toString('hex')}, valid ${iso(c.notBefore)} to ${iso(c.notAfter)}, ${state} at ${iso(at)})`;
    })
    .join('; ');
}

/** The subjectKeyIdentifier extension of a certificate, when it has one. */
function subjectKeyId(cert: pkijs.Certificate): Buffer | undefined {
  const { asn1js } = lib();
  const ext = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
  if (!ext) return undefined;
  try {
    const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result;
    return parsed instanceof asn1js.OctetString ? Buffer.from(parsed.valueBlock.valueHexView) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a SignerIdentifier / RecipientIdentifier names `cert`: by issuer and serial number, or by
 * subject key identifier (the `[0]` choice, as `openssl cms -keyid` writes it).
 */
function namesCertificate(id: unknown, cert: pkijs.Certificate): boolean {
  const { asn1js, pkijs } = lib();
  if (id instanceof pkijs.IssuerAndSerialNumber) return id.issuer.isEqual(cert.issuer) && id.serialNumber.isEqual(cert.serialNumber);
  let keyId: Uint8Array | undefined;
  if (id instanceof asn1js.OctetString) keyId = id.valueBlock.valueHexView;
  else if (id instanceof asn1js.Constructed) {
    const inner = id.valueBlock.value[0];
    keyId = inner instanceof asn1js.OctetString ? inner.valueBlock.valueHexView : undefined;
  } else if (id instanceof asn1js.Primitive) keyId = id.valueBlock.valueHexView;
  const ski = subjectKeyId(cert);
  return keyId !== undefined && ski !== undefined && ski.equals(Buffer.from(keyId));
}

/** Parses a PEM private key (PKCS#1 or PKCS#8). */
export function loadPrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem);
}

/** The CMS content type of a DER/BER ContentInfo. */
export function contentTypeOf(der: Buffer): 'signed' | 'enveloped' | 'authEnveloped' | 'compressed' | 'other' {
  const ci = parseContentInfo(der);
  switch (ci.contentType) {
    case OID.signedData:
      return 'signed';
    case OID.envelopedData:
      return 'enveloped';
    case OID.authEnvelopedData:
      return 'authEnveloped';
    case OID.compressedData:
      return 'compressed';
    default:
      return 'other';
  }
}

function parseContentInfo(der: Buffer): pkijs.ContentInfo {
  const { pkijs } = lib();
  try {
    return pkijs.ContentInfo.fromBER(der);
  } catch (err) {
    throw new CmsError('malformed', `not a CMS ContentInfo: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Signatures

/** A detached CMS SignedData over `content`, with contentType, signingTime and messageDigest signed attributes. */
export function signDetached(content: Buffer, key: KeyObject, signer: CertificateInfo, digest: DigestAlgorithm, now = new Date()): Buffer {
  const { asn1js, pkijs } = lib();
  const attrs = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: now })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(createHash(digest).update(content).digest()) })] }),
  ];
  // DER sorts a SET OF by encoding; OpenSSL re-encodes the attributes to verify, so unsorted would fail there.
  attrs.sort((a, b) => Buffer.compare(Buffer.from(a.toSchema().toBER()), Buffer.from(b.toSchema().toBER())));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs });
  // The signature covers the attributes encoded as a SET (RFC 5652 §5.4), not with their [0] tag.
  const toSign = new asn1js.Set({ value: attrs.map((a) => a.toSchema()) }).toBER();
  const signature = sign(digest, Buffer.from(toSign), { key, padding: constants.RSA_PKCS1_PADDING });
  const digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OID[digest], algorithmParams: new asn1js.Null() });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.cert.issuer, serialNumber: signer.cert.serialNumber }),
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
  });
  const signed = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithm],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [signer.cert],
    signerInfos: [signerInfo],
  });
  return contentInfo(OID.signedData, signed.toSchema(true));
}

/** What a verified signature tells. */
export interface Verified {
  digest: DigestAlgorithm;
  /** The signed content: `content` when detached, else the encapsulated one. */
  content: Buffer;
  /** Which of the trusted certificates made it. */
  signer: CertificateInfo;
}

/**
 * Verifies a SignedData over `content` (detached) or over its own encapsulated content, with one of the
 * partner's certificates from its folder (certificates inside the message are never trusted): the one
 * the SignerInfo names, else each in turn. The certificate that verifies must be valid at `at` (the time
 * of receipt), so a rollover keeps the old one working exactly until it ends.
 */
export function verifySignature(der: Buffer, content: Buffer | undefined, trusted: readonly CertificateInfo[], policy: CmsPolicy, at: Date = new Date()): Verified {
  const { asn1js, pkijs } = lib();
  const ci = parseContentInfo(der);
  if (ci.contentType !== OID.signedData) throw new CmsError('malformed', `expected SignedData, got content type ${ci.contentType}`);
  let sd: pkijs.SignedData;
  try {
    sd = new pkijs.SignedData({ schema: ci.content });
  } catch (err) {
    throw new CmsError('malformed', `unreadable SignedData: ${err instanceof Error ? err.message : String(err)}`);
  }
  const data = content ?? encapsulated(sd.encapContentInfo);
  if (!data) throw new CmsError('malformed', 'a detached signature without content');
  if (sd.signerInfos.length === 0) throw new CmsError('authentication-failed', 'the signature has no signer');
  const failures: string[] = [];
  for (const si of sd.signerInfos) {
    const digest = DIGESTS[si.digestAlgorithm.algorithmId];
    if (!digest) {
      failures.push(`unsupported digest ${si.digestAlgorithm.algorithmId}`);
      continue;
    }
    if (digest === 'sha1' && !policy.allowLegacy) throw new CmsError('authentication-failed', 'SHA-1 signature refused: the partner is not configured for legacy algorithms (allowLegacyAlgorithms)');
    if (!RSA_SIGNATURE_OIDS.has(si.signatureAlgorithm.algorithmId)) {
      failures.push(`unsupported signature algorithm ${si.signatureAlgorithm.algorithmId}`);
      continue;
    }
    const hash = createHash(digest).update(data).digest();
    let md: Buffer | undefined;
    if (si.signedAttrs) {
      const value = si.signedAttrs.attributes.find((a) => a.type === OID.messageDigest)?.values[0];
      if (!(value instanceof asn1js.OctetString)) throw new CmsError('authentication-failed', 'signed attributes without a message digest');
      md = Buffer.from(value.valueBlock.valueHexView);
    }
    // pkijs keeps the attributes' original encoding with the SET tag restored: exactly what was signed.
    const signedBytes = si.signedAttrs ? Buffer.from(si.signedAttrs.encodedValue) : data;
    const signature = Buffer.from(si.signature.valueBlock.valueHexView);
    const named = trusted.filter((c) => namesCertificate(si.sid, c.cert));
    const signer = (named.length > 0 ? named : trusted).find((c) => verify(digest, signedBytes, { key: c.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature));
    if (!signer) {
      failures.push(md ? "the signature does not verify with any of the partner's certificates" : "the signature does not verify with any of the partner's certificates (or the content was altered)");
      continue;
    }
    if (!validAt(signer, at)) {
      failures.push(`the signer's certificate is not valid at the time of receipt: ${describeValidity([signer], at)}`);
      continue;
    }
    // The signer is authentic; only now does a digest mismatch mean the content changed on the way.
    if (md && !md.equals(hash)) throw new CmsError('integrity-check-failed', 'the content does not match the signed message digest');
    return { digest, content: data, signer };
  }
  throw new CmsError('authentication-failed', `${failures.join('; ')}; certificates: ${describeValidity(trusted, at) || 'none'}`);
}

function encapsulated(eci: pkijs.EncapsulatedContentInfo): Buffer | undefined {
  const c = eci.eContent;
  return c ? Buffer.from(c.getValue()) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Encryption

/** Options for `encrypt`. */
export interface EncryptOptions {
  cipher: ContentCipher;
  keyTransport: KeyTransport;
}

/** EnvelopedData (CBC ciphers) or AuthEnvelopedData (GCM) of `content` for the recipient's certificate. */
export function encrypt(content: Buffer, recipient: CertificateInfo, o: EncryptOptions): Buffer {
  const { asn1js, pkijs } = lib();
  const spec = CIPHERS.find((c) => c.name === o.cipher);
  if (!spec) throw new CmsError('malformed', `unknown cipher ${o.cipher}`);
  const cek = randomBytes(spec.keyLength);
  const ri = keyTransRecipient(cek, recipient, o.keyTransport);
  if (spec.gcm) {
    const nonce = randomBytes(12);
    const c = createCipheriv(spec.node as 'aes-256-gcm', cek, nonce, { authTagLength: 16 });
    const ciphertext = Buffer.concat([c.update(content), c.final()]);
    const params = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(nonce) }), new asn1js.Integer({ value: 16 })] });
    const eci = encryptedContentInfo(spec.oid, params, ciphertext);
    const aed = new asn1js.Sequence({
      value: [new asn1js.Integer({ value: 0 }), new asn1js.Set({ value: [ri.toSchema()] }), eci.toSchema(), new asn1js.OctetString({ valueHex: toArrayBuffer(c.getAuthTag()) })],
    });
    return contentInfo(OID.authEnvelopedData, aed);
  }
  const iv = randomBytes(spec.node === 'des-ede3-cbc' ? 8 : 16);
  const c = createCipheriv(spec.node, cek, iv);
  const ciphertext = Buffer.concat([c.update(content), c.final()]);
  const ed = new pkijs.EnvelopedData({
    version: 0,
    recipientInfos: [ri],
    encryptedContentInfo: encryptedContentInfo(spec.oid, new asn1js.OctetString({ valueHex: toArrayBuffer(iv) }), ciphertext),
  });
  return contentInfo(OID.envelopedData, ed.toSchema());
}

function keyTransRecipient(cek: Buffer, recipient: CertificateInfo, transport: KeyTransport): pkijs.RecipientInfo {
  const { asn1js, pkijs } = lib();
  let alg: pkijs.AlgorithmIdentifier;
  let encryptedKey: Buffer;
  if (transport === 'rsa-oaep') {
    // SHA-256 for both OAEP and MGF1: node:crypto's oaepHash sets both, and every current peer reads it.
    const sha256 = new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OID.sha256, algorithmParams: new asn1js.Null() });
    const params = new pkijs.RSAESOAEPParams({ hashAlgorithm: sha256, maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: sha256.toSchema() }) });
    alg = new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaOaep, algorithmParams: params.toSchema() });
    encryptedKey = publicEncrypt({ key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  } else {
    alg = new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() });
    encryptedKey = publicEncrypt({ key: recipient.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
  }
  return new pkijs.RecipientInfo({
    variant: 1,
    value: new pkijs.KeyTransRecipientInfo({
      version: 0,
      rid: new pkijs.IssuerAndSerialNumber({ issuer: recipient.cert.issuer, serialNumber: recipient.cert.serialNumber }),
      keyEncryptionAlgorithm: alg,
      encryptedKey: new asn1js.OctetString({ valueHex: toArrayBuffer(encryptedKey) }),
    }),
  });
}

function encryptedContentInfo(oid: string, params: asn1js.AsnType, ciphertext: Buffer): pkijs.EncryptedContentInfo {
  const { asn1js, pkijs } = lib();
  return new pkijs.EncryptedContentInfo({
    contentType: OID.data,
    contentEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: oid, algorithmParams: params }),
    encryptedContent: new asn1js.OctetString({ valueHex: toArrayBuffer(ciphertext) }),
    // One primitive OCTET STRING (DER) rather than pkijs' 1 KiB BER chunks: smaller and plainer for peers.
    disableSplit: true,
  });
}

/** What `decrypt` found. */
export interface Decrypted {
  content: Buffer;
  cipher: string;
}

/** One of our private keys and, when configured, its certificate (which picks its RecipientInfo). */
export interface OurKey {
  key: KeyObject;
  cert: CertificateInfo | undefined;
}

/**
 * Decrypts EnvelopedData or AuthEnvelopedData with one of our private keys (several during a rollover):
 * the key whose certificate a RecipientInfo names, else every key with every RecipientInfo. Every
 * failure is `decryption-failed`.
 */
export function decrypt(der: Buffer, keys: readonly OurKey[], policy: CmsPolicy): Decrypted {
  const { pkijs } = lib();
  const ci = parseContentInfo(der);
  let recipients: pkijs.RecipientInfo[];
  let eci: pkijs.EncryptedContentInfo;
  let tag: Buffer | undefined;
  let aad: Buffer | undefined;
  try {
    if (ci.contentType === OID.envelopedData) {
      const ed = new pkijs.EnvelopedData({ schema: ci.content });
      recipients = ed.recipientInfos;
      eci = ed.encryptedContentInfo;
    } else if (ci.contentType === OID.authEnvelopedData) {
      ({ recipients, eci, tag, aad } = readAuthEnveloped(ci.content));
    } else {
      throw new CmsError('decryption-failed', `expected EnvelopedData, got content type ${ci.contentType}`);
    }
  } catch (err) {
    if (err instanceof CmsError) throw err;
    throw new CmsError('decryption-failed', `unreadable enveloped data: ${err instanceof Error ? err.message : String(err)}`);
  }
  const algId = eci.contentEncryptionAlgorithm.algorithmId;
  const spec = CIPHERS.find((c) => c.oid === algId) ?? (algId === AES192.oid ? AES192 : undefined);
  if (!spec) throw new CmsError('decryption-failed', `unsupported content encryption ${algId}`);
  if (spec.legacy && !policy.allowLegacy) throw new CmsError('decryption-failed', '3DES refused: the partner is not configured for legacy algorithms (allowLegacyAlgorithms)');
  if (spec.gcm !== (tag !== undefined)) throw new CmsError('decryption-failed', `${spec.node} in the wrong CMS structure`);
  const ktris = recipients.filter((r) => r.variant === 1).map((r) => r.value as pkijs.KeyTransRecipientInfo);
  if (ktris.length === 0) throw new CmsError('decryption-failed', 'no RSA key-transport recipient in the message');
  const named = ktris.flatMap((k) => keys.filter((o) => o.cert && namesCertificate(k.rid, o.cert.cert)).map((o) => ({ k, key: o.key })));
  // Without a match, each pairing is tried: only the content decryption tells (never the padding, see unwrapKey).
  const candidates = named.length > 0 ? named : ktris.flatMap((k) => keys.map((o) => ({ k, key: o.key })));
  const ciphertext = Buffer.from(eci.getEncryptedContent());
  for (const { k, key } of candidates) {
    const cek = unwrapKey(k, key, spec.keyLength);
    const content = decryptContent(spec, cek, eci.contentEncryptionAlgorithm.algorithmParams, ciphertext, tag, aad);
    if (content) return { content, cipher: spec.node };
  }
  // One message for every cause: which step failed must not be observable (see decisions.md).
  throw new CmsError('decryption-failed', 'the message could not be decrypted with our key');
}

function readAuthEnveloped(content: unknown): { recipients: pkijs.RecipientInfo[]; eci: pkijs.EncryptedContentInfo; tag: Buffer; aad: Buffer | undefined } {
  const { asn1js, pkijs } = lib();
  if (!(content instanceof asn1js.Sequence)) throw new Error('AuthEnvelopedData is not a SEQUENCE');
  const items = content.valueBlock.value.filter((v) => !(v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 0)); // skip originatorInfo [0]
  const [version, ris, encrypted, ...rest] = items;
  if (!(version instanceof asn1js.Integer) || !(ris instanceof asn1js.Set) || !(encrypted instanceof asn1js.Sequence)) throw new Error('AuthEnvelopedData has an unexpected layout');
  const authAttrs = rest.find((v) => v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 1);
  const mac = rest.find((v): v is asn1js.OctetString => v instanceof asn1js.OctetString);
  if (!mac) throw new Error('AuthEnvelopedData without a MAC');
  let aad: Buffer | undefined;
  if (authAttrs) {
    // RFC 5083 §2.2: the AAD is the DER of the authAttrs with the SET OF tag, not the [1] tag.
    aad = Buffer.from(authAttrs.valueBeforeDecodeView);
    aad[0] = 0x31;
  }
  return {
    recipients: ris.valueBlock.value.map((v) => new pkijs.RecipientInfo({ schema: v })),
    eci: new pkijs.EncryptedContentInfo({ schema: encrypted }),
    tag: Buffer.from(mac.valueBlock.valueHexView),
    aad,
  };
}

/**
 * The content-encryption key. RSAES-OAEP goes through OpenSSL. PKCS#1 v1.5 cannot (Node 20 refuses it,
 * CVE-2023-46809), so OpenSSL does the blinded raw RSA and `pkcs1Unpad` removes the padding without
 * branching on secret data, substituting a random key when the block is bad (RFC 3218 §2.3.2): the
 * caller cannot tell a padding error from a wrong key, so neither can an attacker.
 */
function unwrapKey(k: pkijs.KeyTransRecipientInfo, key: KeyObject, keyLength: number): Buffer {
  const encryptedKey = Buffer.from(k.encryptedKey.valueBlock.valueHexView);
  const alg = k.keyEncryptionAlgorithm.algorithmId;
  const fallback = randomBytes(keyLength);
  if (alg === OID.rsaOaep) {
    const hash = oaepHash(k.keyEncryptionAlgorithm.algorithmParams);
    if (!hash) return fallback;
    try {
      const cek = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, encryptedKey);
      return cek.length === keyLength ? cek : fallback;
    } catch {
      return fallback;
    }
  }
  if (alg !== OID.rsaEncryption) return fallback;
  const modulusBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  if (encryptedKey.length !== modulusBytes) return fallback;
  let block: Buffer;
  try {
    block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encryptedKey);
  } catch {
    return fallback;
  }
  return pkcs1Unpad(block, keyLength, fallback);
}

/**
 * Constant-time PKCS#1 v1.5 type 2 unpadding of a key of known length: the result is the key when
 * `00 02 PS(≥8 non-zero) 00 key` with exactly `keyLength` bytes of key, else `fallback`. Every byte is
 * visited and selections are arithmetic, so time does not depend on where (or whether) the block is bad.
 */
export function pkcs1Unpad(block: Buffer, keyLength: number, fallback: Buffer): Buffer {
  const n = block.length;
  let good = isZero(block[0]) & isZero(block[1] ^ 2);
  // The separator must be the byte just before the key; padding bytes before it must all be non-zero.
  const sep = n - keyLength - 1;
  let psOk = 1;
  for (let i = 2; i < n; i++) {
    const before = lessThan(i, sep);
    psOk &= 1 ^ (before & isZero(block[i]));
  }
  good &= psOk & isZero(block[sep] ?? 1) & lessThan(9, sep + 0);
  const mask = -good & 0xff;
  const out = Buffer.alloc(keyLength);
  for (let i = 0; i < keyLength; i++) out[i] = (block[sep + 1 + i] & mask) | (fallback[i] & ~mask & 0xff);
  return out;
}

/** 1 when `x` (a byte) is 0, else 0, without a branch. */
function isZero(x: number): number {
  return ((x | -x) >>> 31) ^ 1;
}

/** 1 when a < b (both small non-negative ints), else 0, without a branch. */
function lessThan(a: number, b: number): number {
  return (a - b) >>> 31;
}

function oaepHash(params: unknown): DigestAlgorithm | undefined {
  const { asn1js, pkijs } = lib();
  if (params === undefined || params instanceof asn1js.Null) return 'sha1';
  try {
    const p = new pkijs.RSAESOAEPParams({ schema: params });
    const hash = DIGESTS[p.hashAlgorithm.algorithmId];
    // node:crypto uses one digest for OAEP and MGF1; a message with two different ones is not ours to read.
    const mgfParams = p.maskGenAlgorithm.algorithmParams;
    const mgfHash = mgfParams ? DIGESTS[new pkijs.AlgorithmIdentifier({ schema: mgfParams }).algorithmId] : 'sha1';
    return hash && mgfHash === hash ? hash : undefined;
  } catch {
    return undefined;
  }
}

function decryptContent(spec: CipherSpec, cek: Buffer, params: unknown, ciphertext: Buffer, tag: Buffer | undefined, aad: Buffer | undefined): Buffer | undefined {
  const { asn1js } = lib();
  try {
    if (spec.gcm) {
      if (!(params instanceof asn1js.Sequence)) return undefined;
      const [nonce, icv] = params.valueBlock.value;
      if (!(nonce instanceof asn1js.OctetString) || !tag) return undefined;
      const tagLength = icv instanceof asn1js.Integer ? icv.valueBlock.valueDec : 12;
      if (tag.length !== tagLength) return undefined;
      const d = createDecipheriv(spec.node as 'aes-256-gcm', cek, Buffer.from(nonce.valueBlock.valueHexView), { authTagLength: tagLength });
      d.setAuthTag(tag);
      if (aad) d.setAAD(aad);
      return Buffer.concat([d.update(ciphertext), d.final()]);
    }
    if (!(params instanceof asn1js.OctetString)) return undefined;
    const d = createDecipheriv(spec.node, cek, Buffer.from(params.valueBlock.valueHexView));
    return Buffer.concat([d.update(ciphertext), d.final()]);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Compression

/** CompressedData (RFC 3274, zlib) of `content`. */
export function compress(content: Buffer): Buffer {
  const { asn1js, pkijs } = lib();
  const cd = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new pkijs.AlgorithmIdentifier({ algorithmId: OID.zlib }).toSchema(),
      new pkijs.EncapsulatedContentInfo({ eContentType: OID.data, eContent: new asn1js.OctetString({ valueHex: toArrayBuffer(deflateSync(content)) }) }).toSchema(),
    ],
  });
  return contentInfo(OID.compressedData, cd);
}

/** The content of a CompressedData, refusing more than `maxBytes` once inflated (zip bombs). */
export function decompress(der: Buffer, maxBytes: number): Buffer {
  const { asn1js, pkijs } = lib();
  const ci = parseContentInfo(der);
  if (ci.contentType !== OID.compressedData) throw new CmsError('decompression-failed', `expected CompressedData, got ${ci.contentType}`);
  const seq = ci.content;
  if (!(seq instanceof asn1js.Sequence)) throw new CmsError('decompression-failed', 'CompressedData is not a SEQUENCE');
  const [, alg, eci] = seq.valueBlock.value;
  try {
    const algorithm = new pkijs.AlgorithmIdentifier({ schema: alg });
    if (algorithm.algorithmId !== OID.zlib) throw new CmsError('decompression-failed', `unsupported compression ${algorithm.algorithmId}`);
    const data = encapsulated(new pkijs.EncapsulatedContentInfo({ schema: eci }));
    if (!data) throw new CmsError('decompression-failed', 'CompressedData without content');
    return inflateSync(data, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof CmsError) throw err;
    throw new CmsError('decompression-failed', `cannot decompress: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------

function contentInfo(type: string, content: asn1js.AsnType): Buffer {
  const { pkijs } = lib();
  return Buffer.from(new pkijs.ContentInfo({ contentType: type, content }).toSchema().toBER());
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
