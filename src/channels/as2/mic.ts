/**
 * The Message Integrity Check of RFC 4130 §7.3.1: a digest of what the sender protected, returned in
 * the MDN as `Received-content-MIC: <base64>, <alg>` so the sender knows we got exactly that.
 */
import { createHash } from 'node:crypto';

/** Digests we compute; sha1 only for partners allowed legacy algorithms. */
export type MicAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const NAMES: Readonly<Record<string, MicAlgorithm>> = {
  sha1: 'sha1',
  'sha-1': 'sha1',
  sha256: 'sha256',
  'sha-256': 'sha256',
  sha384: 'sha384',
  'sha-384': 'sha384',
  sha512: 'sha512',
  'sha-512': 'sha512',
};

/** The algorithm for a micalg / MIC name as partners spell it ("sha-256", "SHA256", "sha1"), or undefined. */
export function micAlgorithm(name: string): MicAlgorithm | undefined {
  return NAMES[name.trim().toLowerCase()];
}

/** The RFC 5751 micalg spelling ("sha-256"). */
export function micalgName(alg: MicAlgorithm): string {
  return alg === 'sha1' ? 'sha-1' : `sha-${alg.slice(3)}`;
}

/** A computed or received MIC. */
export interface Mic {
  /** Base64 digest. */
  value: string;
  alg: MicAlgorithm;
}

/** The MIC of `bytes`. */
export function computeMic(bytes: Buffer, alg: MicAlgorithm): Mic {
  return { value: createHash(alg).update(bytes).digest('base64'), alg };
}

/** The header value `<base64>, <alg>`. */
export function formatMic(mic: Mic): string {
  return `${mic.value}, ${micalgName(mic.alg)}`;
}

/** Parses `Received-content-MIC`; undefined when it is not `<base64>, <known alg>`. */
export function parseMic(value: string): Mic | undefined {
  const m = /^\s*([A-Za-z0-9+/=]+)\s*,\s*([A-Za-z0-9-]+)\s*$/.exec(value);
  if (!m) return undefined;
  const alg = micAlgorithm(m[2]);
  return alg ? { value: m[1], alg } : undefined;
}

/** Same digest with the same algorithm (base64 compared exactly: both sides use standard padding). */
export function micEquals(a: Mic, b: Mic): boolean {
  return a.alg === b.alg && a.value === b.value;
}

/** What `Disposition-Notification-Options` asks for. */
export interface DispositionOptions {
  /** A signed MDN is asked for (optional or required). */
  signed: boolean;
  signedRequired: boolean;
  /** Requested MIC algorithms in the sender's order of preference (unknown names dropped). */
  micalgs: MicAlgorithm[];
}

/**
 * Parses `signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256, sha1`
 * (RFC 4130 §7.3). Unknown parameters are ignored, as the RFC asks.
 */
export function parseDispositionOptions(header: string | undefined): DispositionOptions {
  const out: DispositionOptions = { signed: false, signedRequired: false, micalgs: [] };
  if (!header) return out;
  for (const param of header.split(';')) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    const name = param.slice(0, eq).trim().toLowerCase();
    const values = param.slice(eq + 1).split(',').map((v) => v.trim().replace(/^"|"$/g, '').toLowerCase());
    const [importance, ...rest] = values;
    if (name === 'signed-receipt-protocol' && rest.some((v) => v === 'pkcs7-signature')) {
      out.signed = true;
      out.signedRequired = importance === 'required';
    } else if (name === 'signed-receipt-micalg') {
      for (const v of rest) {
        const alg = micAlgorithm(v);
        if (alg && !out.micalgs.includes(alg)) out.micalgs.push(alg);
      }
    }
  }
  return out;
}
