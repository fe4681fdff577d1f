/**
 * X12 delimiter detection from the ISA segment. The ISA is meant to be 106 fixed-width characters, but
 * real files get widths wrong, so the separators are found by walking sixteen element separators rather
 * than by reading fixed offsets: the component separator is ISA16, the terminator the character after it
 * (one UTF-8 character, U+2026 included), and ISA11 is a repetition separator when it is not alphanumeric.
 */
import { makeDelimiters, type Delimiters, type DetectResult } from '../common/scanner';

const ISA_SEARCH_LIMIT = 400;

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** Length of the UTF-8 character starting with byte b (1 for ASCII and for invalid leads). */
function utf8Length(b: number): number {
  if (b >= 0xf0 && b <= 0xf7) return 4;
  if (b >= 0xe0) return 3;
  if (b >= 0xc0) return 2;
  return 1;
}

/** Detect the delimiters of an ISA starting at pos. */
export function detectX12(buf: Buffer, pos: number, end: number, eof: boolean): DetectResult {
  if (end - pos < 4) return eof ? { kind: 'none' } : { kind: 'more' };
  if (buf[pos] !== 0x49 || buf[pos + 1] !== 0x53 || buf[pos + 2] !== 0x41) return { kind: 'none' }; // "ISA"
  const element = buf[pos + 3];
  if (isAlnum(element) || element === 0x20 || element === 0x0d || element === 0x0a) return { kind: 'none' };
  let seen = 1;
  let i = pos + 4;
  let isa11Start = -1;
  let isa11End = -1;
  const limit = Math.min(end, pos + ISA_SEARCH_LIMIT);
  for (; i < limit && seen < 16; i++) {
    if (buf[i] === element) {
      seen++;
      if (seen === 11) isa11Start = i + 1;
      if (seen === 12) isa11End = i;
    }
  }
  if (seen < 16) {
    if (i >= pos + ISA_SEARCH_LIMIT || eof) return { kind: 'none' };
    return { kind: 'more' };
  }
  // i is just after the 16th separator: ISA16 then the terminator.
  if (i + 2 > end) return eof ? { kind: 'none' } : { kind: 'more' };
  const component = buf[i];
  const tLen = utf8Length(buf[i + 1]);
  if (i + 1 + tLen > end) return eof ? { kind: 'none' } : { kind: 'more' };
  const terminator = Uint8Array.from(buf.subarray(i + 1, i + 1 + tLen));
  let repetition = -1;
  if (isa11End - isa11Start === 1) {
    const r = buf[isa11Start];
    if (!isAlnum(r) && r !== 0x20) repetition = r;
  }
  const delimiters: Delimiters = makeDelimiters(element, component, repetition, -1, terminator);
  return { kind: 'found', delimiters, skip: 0 };
}
