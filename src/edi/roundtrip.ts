/**
 * Re-serialising what was read, byte for byte: every segment is written again from its parsed values
 * with the interchange's delimiters (release characters re-added), with the layout (line breaks,
 * indentation, BOM, UNA) it came with. serialize(parse(x)) == x is what the property tests check; a
 * difference means the model lost something.
 */
import { encodeSegment, textDelimiters, type TextDelimiters } from './common/encode';
import type { EdiHandler } from './common/events';
import type { ScannedSegment } from './common/scanner';
import { charsetFor } from './edifact/charset';
import { EdiReader } from './reader';

const CR = Buffer.from('\r');

/** Parse the input and write it back from the parsed segments. */
export function roundTrip(input: Buffer): Buffer {
  const parts: Buffer[] = [];
  let delims: TextDelimiters | null = null;
  let terminator: Buffer = Buffer.alloc(0);
  let encoding: BufferEncoding = 'utf8';
  const handler: EdiHandler = {
    issue(i) {
      if (i.code === 'file.bom') parts.push(Buffer.from([0xef, 0xbb, 0xbf]));
    },
    interchangeStart(h) {
      delims = textDelimiters(h.delimiters);
      terminator = Buffer.from(h.delimiters.terminator);
      if (h.standard === 'edifact') {
        const cs = h.syntaxId ? charsetFor(h.syntaxId) : undefined;
        encoding = cs && cs.encoding === 'utf8' ? 'utf8' : 'latin1';
      } else encoding = 'utf8';
      // The UNA was consumed before UNB; UNB's own layout (trivia) follows it.
      if (h.serviceStringAdvice) parts.push(Buffer.from((h.adviceLayout ?? '') + h.serviceStringAdvice, 'latin1'));
    },
    segment(seg: ScannedSegment) {
      const d = delims ?? textDelimiters(seg.delimiters);
      parts.push(Buffer.from(seg.trivia, 'latin1'));
      parts.push(Buffer.from(encodeSegment(seg.toParsed(), d), encoding));
      if (seg.crBeforeTerminator) parts.push(CR);
      if (!seg.unterminated) parts.push(terminator.length ? terminator : Buffer.from(d.terminator));
    },
    layout(text) {
      parts.push(Buffer.from(text, 'latin1'));
    },
  };
  const reader = new EdiReader(handler);
  reader.write(input);
  reader.end();
  return Buffer.concat(parts);
}
