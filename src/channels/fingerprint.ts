/** Pinned SHA-256 fingerprints (SSH host keys, TLS client certificates), in the forms people copy. */
import { createHash } from 'node:crypto';

/** Whether a key or certificate (its raw bytes) matches a pin: `SHA256:base64` or hex bytes with colons. */
export function fingerprintMatches(pinned: string, raw: Buffer): boolean {
  const digest = createHash('sha256').update(raw).digest();
  if (pinned.startsWith('SHA256:')) return pinned.slice(7).replace(/=+$/, '') === digest.toString('base64').replace(/=+$/, '');
  return pinned.replace(/:/g, '').toLowerCase() === digest.toString('hex');
}
