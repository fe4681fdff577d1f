/**
 * The certificates and key pairs an AS2 channel names, read from disk for each message (so a
 * certificate file replaced in place is used at once) and picked for the time at hand: the partner's
 * newest valid certificate to encrypt to, our newest valid pair to sign with, every pair of ours to
 * decrypt with. Paths and secret references come from the partner folder, checked at load.
 */
import { readFileSync } from 'node:fs';
import type { SecretRef } from '../../partners/schema';
import type { ChannelDeps } from '../types';
import { describeValidity, loadCertificate, loadPrivateKey, newestValid, type CertificateInfo, type OurKey } from './cms';
import type { As2InboundChannel } from './inbound';
import type { As2OutboundChannel } from './sender';

/** A key pair of ours as configured: the key's reference and, when given, its certificate's path. */
interface KeyRef {
  key: SecretRef;
  certificate: string | undefined;
}

/** A key pair of ours that can sign: both halves present. */
export interface Signer {
  key: OurKey['key'];
  cert: CertificateInfo;
}

/** Thrown when no listed certificate is valid now; the message names the partner and every certificate's validity. */
export class NoValidCertificateError extends Error {
  readonly channel = 'as2';

  constructor(
    readonly partner: string,
    readonly whose: 'partner' | 'ours',
    certs: readonly CertificateInfo[],
    at: Date,
  ) {
    super(`partner ${partner}: none of ${whose === 'ours' ? 'our' : "the partner's"} certificates is valid now: ${describeValidity(certs, at) || 'none configured'}`);
    this.name = 'NoValidCertificateError';
  }
}

/** The partner's certificates of a channel. */
export function partnerCertificates(channel: As2InboundChannel | As2OutboundChannel): CertificateInfo[] {
  return channel.partnerCertificate.map((path) => loadCertificate(readFileSync(path), path));
}

/** The partner's certificate to encrypt to at `at`: the newest valid one. */
export function encryptionCertificate(partner: string, certs: readonly CertificateInfo[], at: Date): CertificateInfo {
  const cert = newestValid(certs, at);
  if (!cert) throw new NoValidCertificateError(partner, 'partner', certs, at);
  return cert;
}

/** Our pairs that decrypt an inbound channel's messages: `ourKeys`, else `decryptionKey` (with `mdnCertificate` to find its RecipientInfo). */
export function decryptionKeys(channel: As2InboundChannel, partner: string, deps: ChannelDeps): OurKey[] {
  const refs: KeyRef[] = channel.ourKeys ?? (channel.decryptionKey ? [{ key: channel.decryptionKey, certificate: channel.mdnCertificate }] : []);
  return refs.map((r, i) => ({
    key: loadPrivateKey(deps.secret(r.key, `partner ${partner}: as2 ${channel.ourKeys ? `ourKeys[${i}].key` : 'decryptionKey'}`)),
    cert: r.certificate === undefined ? undefined : loadCertificate(readFileSync(r.certificate), r.certificate),
  }));
}

/**
 * Our pair that signs at `at`: the newest valid of `ourKeys`, else the single key and certificate of
 * the channel. Undefined when none is configured; NoValidCertificateError when none is valid.
 */
export function currentSigner(channel: As2InboundChannel | As2OutboundChannel, partner: string, deps: ChannelDeps, at: Date): Signer | undefined {
  const single = 'url' in channel ? { key: channel.signingKey, certificate: channel.signingCertificate, name: 'signingKey' } : { key: channel.mdnKey, certificate: channel.mdnCertificate, name: 'mdnKey' };
  const refs: (KeyRef & { name: string })[] = channel.ourKeys
    ? channel.ourKeys.map((k, i) => ({ ...k, name: `ourKeys[${i}].key` }))
    : single.key !== undefined && single.certificate !== undefined
      ? [{ key: single.key, certificate: single.certificate, name: single.name }]
      : [];
  if (refs.length === 0) return undefined;
  const certs = refs.map((r) => loadCertificate(readFileSync(r.certificate as string), r.certificate));
  const cert = newestValid(certs, at);
  if (!cert) throw new NoValidCertificateError(partner, 'ours', certs, at);
  const ref = refs[certs.indexOf(cert)];
  // Only the chosen key is read: the others stay where they are until a message needs them.
  return { key: loadPrivateKey(deps.secret(ref.key, `partner ${partner}: as2 ${ref.name}`)), cert };
}
