/**
 * The certificate files partner folders name (AS2: the partner's and ours; HTTPS: our client
 * certificate and the partner's CA) and when they stop being valid. `partners check`, the start-up and
 * daily log and the `edi_certificate_expiry_seconds` gauge all read them from here, so they agree on
 * what counts as expiring.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Partner } from './registry';
import type { InboundChannel, OutboundChannel } from './schema';

/** What a certificate is used for; one label value of the expiry gauge. */
export type CertificateUse = 'partner-signature' | 'partner-encryption' | 'our-decryption' | 'our-signature' | 'tls-client' | 'tls-ca';

/** One certificate file named in a partner folder. */
export interface ConfiguredCertificate {
  partner: string;
  channel: 'as2' | 'https';
  use: CertificateUse;
  /** Absolute path (checked at load). */
  path: string;
  /** Where partner.yaml names it: `channels.inbound[0].partnerCertificate[1]`. */
  keyPath: string;
}

/** Certificates closer than this to their end are reported (30 days). */
export const EXPIRY_WARNING_MS = 30 * 24 * 3600 * 1000;

/** Every certificate file of `partner`'s channels, in the order partner.yaml lists them. */
export function configuredCertificates(partner: Partner): ConfiguredCertificate[] {
  const out: ConfiguredCertificate[] = [];
  const add = (channel: ConfiguredCertificate['channel'], use: CertificateUse, path: string | undefined, keyPath: string): void => {
    if (path !== undefined) out.push({ partner: partner.id, channel, use, path, keyPath });
  };
  const channels: [InboundChannel | OutboundChannel, string][] = partner.channels.inbound.map((c, i) => [c, `channels.inbound[${i}]`]);
  if (partner.channels.outbound) channels.push([partner.channels.outbound, 'channels.outbound']);
  for (const [c, at] of channels) {
    if (c.type === 'as2') {
      const inbound = !('url' in c);
      const list = c.partnerCertificate;
      list.forEach((p, i) => add('as2', inbound ? 'partner-signature' : 'partner-encryption', p, `${at}.partnerCertificate${list.length > 1 ? `[${i}]` : ''}`));
      const ours = inbound ? 'our-decryption' : 'our-signature';
      c.ourKeys?.forEach((k, i) => add('as2', ours, k.certificate, `${at}.ourKeys[${i}].certificate`));
      if (inbound) add('as2', ours, c.mdnCertificate, `${at}.mdnCertificate`);
      else add('as2', ours, c.signingCertificate, `${at}.signingCertificate`);
    } else if (c.type === 'https' && 'url' in c) {
      add('https', 'tls-client', c.clientCertificate, `${at}.clientCertificate`);
      add('https', 'tls-ca', c.ca, `${at}.ca`);
    }
  }
  return out;
}

/** The validity period of a certificate file (the first certificate in it). */
export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/** Reads the validity of the certificate in `path`; throws when it is missing or not a certificate. */
function readValidity(path: string): Validity {
  const x = new X509Certificate(readFileSync(path));
  return { notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) };
}

/** A certificate that is expired, or expires within the warning period. */
export interface ExpiryFinding extends ConfiguredCertificate, Validity {
  expired: boolean;
}

/**
 * The certificates of `partners` that are expired at `now` or expire within `withinMs`. A CA bundle is
 * left out (only its first certificate would be read); files that cannot be read are reported by the
 * loader's existence check, not here.
 */
export function expiringCertificates(partners: readonly Partner[], now: number, withinMs = EXPIRY_WARNING_MS): ExpiryFinding[] {
  const out: ExpiryFinding[] = [];
  for (const partner of partners) {
    for (const c of configuredCertificates(partner)) {
      if (c.use === 'tls-ca') continue;
      const v = tryValidity(c.path);
      if (v && v.notAfter.getTime() - now <= withinMs) out.push({ ...c, ...v, expired: v.notAfter.getTime() < now });
    }
  }
  return out;
}

/** "expired on 2026-01-31" / "expires on 2026-12-07 (in 10 days)", for people. */
export function describeExpiry(f: ExpiryFinding, now: number): string {
  const day = f.notAfter.toISOString().slice(0, 10);
  if (f.expired) return `expired on ${day}`;
  const days = Math.ceil((f.notAfter.getTime() - now) / 86_400_000);
  return `expires on ${day} (in ${days} day${days === 1 ? '' : 's'})`;
}

/**
 * Seconds each (partner, channel, use) stays covered: until the latest notAfter among its certificates
 * valid now; when none is, since the latest one ended (negative), or 0 when they all start later. A use
 * whose old certificate ends soon but whose new one is in place is not about to fail, so it does not look it.
 */
export function expirySeconds(partners: readonly Partner[], now: number): { partner: string; channel: string; use: CertificateUse; seconds: number }[] {
  const groups = new Map<string, { partner: string; channel: string; use: CertificateUse; validities: Validity[] }>();
  for (const partner of partners) {
    for (const c of configuredCertificates(partner)) {
      if (c.use === 'tls-ca') continue;
      const v = tryValidity(c.path);
      if (!v) continue;
      const key = `${c.partner}\u0000${c.channel}\u0000${c.use}`;
      const g = groups.get(key) ?? { partner: c.partner, channel: c.channel, use: c.use, validities: [] };
      g.validities.push(v);
      groups.set(key, g);
    }
  }
  return [...groups.values()].map(({ validities, ...labels }) => {
    const current = validities.filter((v) => v.notBefore.getTime() <= now && now <= v.notAfter.getTime());
    const past = validities.filter((v) => v.notAfter.getTime() < now);
    const end = current.length > 0 ? latestEnd(current) : past.length > 0 ? latestEnd(past) : now;
    return { ...labels, seconds: (end - now) / 1000 };
  });
}

function latestEnd(validities: readonly Validity[]): number {
  return Math.max(...validities.map((v) => v.notAfter.getTime()));
}

function tryValidity(path: string): Validity | undefined {
  try {
    return readValidity(path);
  } catch {
    return undefined;
  }
}
