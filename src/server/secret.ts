/**
 * Comparing secrets a client presents (bearer tokens, the Odoo webhook's path token, session CSRF tokens)
 * with ours: SHA-256 digests compared in constant time, so neither the content nor the length of ours
 * shows in the time an answer takes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a string (UTF-8). */
export function sha256Of(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Equal strings, in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(sha256Of(a), sha256Of(b));
}

/** Whether `given` has the digest `expected` (of a secret digested once, up front), in constant time. */
export function matchesDigest(given: string, expected: Buffer): boolean {
  return timingSafeEqual(sha256Of(given), expected);
}
