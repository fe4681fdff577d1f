/**
 * EDIFACT delimiter detection: the UNA service string advice when present (anywhere an interchange
 * starts, not only at byte 0), otherwise the defaults of the syntax level — `:+.? '` for the graphic
 * character sets (with `*` repetition in syntax version 4), the information separators for UNOB-style
 * interchanges that start `UNB` + IS3.
 */
import { makeDelimiters, type Delimiters, type DetectResult } from '../common/scanner';

const U = 0x55;
const N = 0x4e;
const A = 0x41;
const B = 0x42;
const SPACE = 0x20;

/** Default delimiters of the graphic character sets, version 4 adds the repetition separator. */
export function defaultDelimiters(syntaxVersion: number): Delimiters {
  return makeDelimiters(0x2b, 0x3a, syntaxVersion >= 4 ? 0x2a : -1, 0x3f, Uint8Array.of(0x27));
}

/** Detect the delimiters of an interchange starting at pos (UNA or UNB). */
export function detectEdifact(buf: Buffer, pos: number, end: number, eof: boolean): DetectResult {
  if (end - pos < 4) return eof ? { kind: 'none' } : { kind: 'more' };
  if (buf[pos] !== U || buf[pos + 1] !== N) return { kind: 'none' };
  if (buf[pos + 2] === A) {
    if (end - pos < 9) return eof ? { kind: 'none' } : { kind: 'more' };
    const at = (k: number) => buf[pos + 3 + k];
    const release = at(3) === SPACE ? -1 : at(3);
    const repetition = at(4) === SPACE ? -1 : at(4);
    return { kind: 'found', delimiters: makeDelimiters(at(1), at(0), repetition, release, Uint8Array.of(at(5))), skip: 9 };
  }
  if (buf[pos + 2] !== B) return { kind: 'none' };
  const sep = buf[pos + 3];
  if (sep === 0x1d) {
    // Level B information separators: IS3 element, IS1 component, IS4 terminator, IS2 repetition.
    return { kind: 'found', delimiters: makeDelimiters(0x1d, 0x1f, 0x1e, -1, Uint8Array.of(0x1c)), skip: 0 };
  }
  if (sep !== 0x2b) return { kind: 'none' };
  // Syntax version: UNB+UNOC:4 -> the digit after the first component separator.
  const window = Math.min(end, pos + 16);
  let version = 3;
  let sawColon = false;
  for (let i = pos + 4; i < window; i++) {
    if (buf[i] === 0x3a) {
      sawColon = true;
      if (i + 1 < end) version = buf[i + 1] - 0x30;
      else if (!eof) return { kind: 'more' };
      break;
    }
  }
  if (!sawColon && window < pos + 16 && !eof) return { kind: 'more' };
  return { kind: 'found', delimiters: defaultDelimiters(version), skip: 0 };
}
