/**
 * EDIFACT character repertoires (UNB S001/0001): how to decode values and which bytes are not allowed.
 * Invalid characters are reported, never replaced.
 */
import { TextDecoder } from 'node:util';
import type { ValueEncoding } from '../common/scanner';

/** What the gateway knows about one syntax identifier. */
export interface Charset {
  id: string;
  encoding: ValueEncoding;
  /** 1 = byte not allowed (before adding the interchange's delimiters). */
  invalid: Uint8Array;
  /** Non-ASCII bytes are allowed only as valid UTF-8 sequences. */
  utf8: boolean;
}

function table(allowed: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = allowed(b) ? 0 : 1;
  return t;
}

const LEVEL_A = new Set(Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/=\'+:?!"%&*;<>', (c) => c.charCodeAt(0)));
const isLevelA = (b: number) => LEVEL_A.has(b);
const isLevelB = (b: number) => (b >= 0x20 && b <= 0x7e) || (b >= 0x1c && b <= 0x1f);
const isLatin = (b: number) => (b >= 0x20 && b <= 0x7e) || b >= 0xa0;
const isUtf8Byte = (b: number) => b >= 0x20 && b !== 0x7f;

const latinDecoder = (label: string): ValueEncoding => ({ decoder: new TextDecoder(label, { fatal: false }) });

const CHARSETS: Record<string, () => Charset> = {
  UNOA: () => ({ id: 'UNOA', encoding: 'latin1', invalid: table(isLevelA), utf8: false }),
  UNOB: () => ({ id: 'UNOB', encoding: 'latin1', invalid: table(isLevelB), utf8: false }),
  IATA: () => ({ id: 'IATA', encoding: 'latin1', invalid: table(isLevelA), utf8: false }),
  IATB: () => ({ id: 'IATB', encoding: 'latin1', invalid: table(isLevelB), utf8: false }),
  UNOC: () => ({ id: 'UNOC', encoding: 'latin1', invalid: table(isLatin), utf8: false }),
  UNOD: () => ({ id: 'UNOD', encoding: latinDecoder('iso-8859-2'), invalid: table(isLatin), utf8: false }),
  UNOE: () => ({ id: 'UNOE', encoding: latinDecoder('iso-8859-5'), invalid: table(isLatin), utf8: false }),
  UNOF: () => ({ id: 'UNOF', encoding: latinDecoder('iso-8859-7'), invalid: table(isLatin), utf8: false }),
  UNOG: () => ({ id: 'UNOG', encoding: latinDecoder('iso-8859-3'), invalid: table(isLatin), utf8: false }),
  UNOH: () => ({ id: 'UNOH', encoding: latinDecoder('iso-8859-4'), invalid: table(isLatin), utf8: false }),
  UNOI: () => ({ id: 'UNOI', encoding: latinDecoder('iso-8859-6'), invalid: table(isLatin), utf8: false }),
  UNOJ: () => ({ id: 'UNOJ', encoding: latinDecoder('iso-8859-8'), invalid: table(isLatin), utf8: false }),
  UNOK: () => ({ id: 'UNOK', encoding: latinDecoder('iso-8859-9'), invalid: table(isLatin), utf8: false }),
  // UTF-8 repertoires: mark every non-ASCII byte so the reader checks those segments as UTF-8.
  UNOW: () => ({ id: 'UNOW', encoding: 'utf8', invalid: table((b) => isUtf8Byte(b) && b < 0x80), utf8: true }),
  UNOY: () => ({ id: 'UNOY', encoding: 'utf8', invalid: table((b) => isUtf8Byte(b) && b < 0x80), utf8: true }),
};

const cache = new Map<string, Charset>();

/** The charset for a syntax identifier, or undefined when the gateway does not support it. */
export function charsetFor(syntaxId: string): Charset | undefined {
  const hit = cache.get(syntaxId);
  if (hit) return hit;
  const make = CHARSETS[syntaxId];
  if (!make) return undefined;
  const cs = make();
  cache.set(syntaxId, cs);
  return cs;
}

/** Every syntax identifier the gateway reads. */
export const SUPPORTED_SYNTAX_IDS = Object.keys(CHARSETS);
