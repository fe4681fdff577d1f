/**
 * The byte-level segment scanner shared by X12 and EDIFACT: it classifies every byte through a 256-entry
 * table (no string is created while scanning), records where the delimiters are, and hands each complete
 * segment to the reader as a reusable SegmentView. Chunks may end anywhere, including between a release
 * character and the character it escapes, or inside a multi-byte terminator. Memory is bounded by the
 * longest segment (capped by `maxSegmentBytes`), not by the input.
 *
 * Standard-specific work (finding the delimiters in ISA or UNA/UNB, envelopes) lives in the readers; they
 * plug in a `DelimiterDetector` that the scanner calls at the start of the input and after every
 * interchange trailer.
 */
import type { TextDecoder } from 'node:util';
import type { ParsedSegment, SegmentView } from './segment';

/** The delimiters of one interchange, as bytes (release/repetition/component -1 when unused). */
export interface Delimiters {
  element: number;
  component: number;
  repetition: number;
  release: number;
  /** Segment terminator: usually one byte, U+2026 and friends take up to four. */
  terminator: Uint8Array;
}

/**
 * Delimiters built in one place, so that every Delimiters object has the same hidden class: the
 * scanner's hot paths then read them monomorphically, whichever detector found them.
 */
export function makeDelimiters(element: number, component: number, repetition: number, release: number, terminator: Uint8Array): Delimiters {
  return { element, component, repetition, release, terminator };
}

/** What a detector says about the bytes at the start of an interchange. */
export type DetectResult =
  | { kind: 'more' }
  | { kind: 'found'; delimiters: Delimiters; /** bytes to consume before the first segment (the UNA string advice) */ skip: number }
  | { kind: 'none' };

/** Finds the delimiters of the interchange that starts at `pos` (BOM and white space already skipped). */
export type DelimiterDetector = (buf: Buffer, pos: number, end: number, eof: boolean) => DetectResult;

/** Decoding of element values: a Node encoding or a TextDecoder label (iso-8859-2 ...). */
export type ValueEncoding = 'utf8' | 'latin1' | { decoder: TextDecoder };

/** Scanner findings that are not segments: readers turn them into EdiIssues with envelope context. */
export type ScanNotice =
  | { kind: 'bom'; offset: number }
  | { kind: 'leading-whitespace'; offset: number }
  | { kind: 'line-break-in-segment'; offset: number }
  | { kind: 'not-edi'; offset: number; /** true when found after an earlier interchange */ afterTrailer: boolean; sample: string }
  | { kind: 'truncated'; offset: number }
  | { kind: 'segment-too-long'; offset: number; limit: number }
  /** Layout after the last segment (a final line break), reported at the end of the input. */
  | { kind: 'trailing-layout'; text: string };

export interface ScannerCallbacks {
  /** A complete segment; the view is only valid during the call. */
  segment(seg: ScannedSegment): void;
  /** The delimiters of a new interchange were found (before its first segment is emitted); `layout` preceded the skipped bytes. */
  delimiters(delims: Delimiters, offset: number, skipped: Buffer, layout: string): void;
  notice(n: ScanNotice): void;
}

// Byte classes. 0 must stay "ordinary data" so the hot loop tests a single value.
/** Bytes of input quoted when a notice says it is not EDI. */
const NOT_EDI_SAMPLE = 16;

const C_DATA = 0;
const C_ELEMENT = 1;
const C_REPETITION = 2;
const C_COMPONENT = 3;
const C_TERMINATOR = 4;
const C_RELEASE = 5;
const C_LINEBREAK = 6;
/** A byte the declared character set does not allow (EDIFACT); recorded, not an error here. */
const C_INVALID = 7;
/** A non-ASCII byte (UTF-8 values): lengths must count characters, not bytes. */
const C_HIGH = 8;

// Mark kinds equal the byte classes of the separators (C_COMPONENT for a component separator), so the
// byte loop stores the class as it is.
const MARK_ELEMENT = C_ELEMENT;
const MARK_REPETITION = C_REPETITION;

const CR = 0x0d;
const LF = 0x0a;


/**
 * Buffer's own decoders, which `toString(encoding, start, end)` ends in after checking its arguments and
 * looking the encoding up: that wrapper cost as much as the decoding for the short values of a segment.
 */
interface DirectDecoding {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}
const direct = typeof (Buffer.prototype as unknown as Partial<DirectDecoding>).utf8Slice === 'function' && typeof (Buffer.prototype as unknown as Partial<DirectDecoding>).latin1Slice === 'function';

/** `buf.toString(enc, s, t)` for 0 <= s, t <= buf.length. */
function sliceText(buf: Buffer, enc: 'utf8' | 'latin1', s: number, t: number): string {
  if (!direct) return buf.toString(enc, s, t);
  if (t <= s) return '';
  const b = buf as unknown as DirectDecoding;
  if (enc === 'utf8') return b.utf8Slice(s, t);
  return enc === 'latin1' ? b.latin1Slice(s, t) : buf.toString(enc, s, t);
}

/** The string of the ASCII bytes b[s .. s + n), 9 <= n <= 20. */
function asciiText(b: Buffer, s: number, n: number): string {
  switch (n) {
    case 9:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    case 16:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
    case 17:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16]);
    case 18:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17]);
    case 19:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18]);
    default:
      return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15], b[s + 16], b[s + 17], b[s + 18], b[s + 19]);
  }
}

/** One-character strings by byte (ASCII range used; values only reach here without high bytes). */
const ONE_CHAR: string[] = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));

const LAYOUT_LF = '\n';
const LAYOUT_CRLF = '\r\n';

/** Layout bytes as a string, without allocating for the two usual cases. */
function layoutString(buf: Buffer, from: number, to: number): string {
  const n = to - from;
  if (n === 1 && buf[from] === LF) return LAYOUT_LF;
  if (n === 2 && buf[from] === CR && buf[from + 1] === LF) return LAYOUT_CRLF;
  return buf.toString('latin1', from, to);
}

// Tags of 2-3 bytes are interned in an open-addressing table keyed by their bytes: building (or even
// hashing) a string per segment would cost more than scanning the segment.
const TAG_SLOTS = 4096;
const tagKeys = new Int32Array(TAG_SLOTS);
const tagStrings: string[] = new Array<string>(TAG_SLOTS).fill('');

function tagOf(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 2 || len === 3) {
    const key = len === 3 ? (3 << 24) | (buf[start] << 16) | (buf[start + 1] << 8) | buf[start + 2] : (2 << 24) | (buf[start] << 8) | buf[start + 1];
    let slot = Math.imul(key, 0x9e3779b1) >>> 20;
    for (let probe = 0; probe < TAG_SLOTS; probe++) {
      const k = tagKeys[slot];
      if (k === key) return tagStrings[slot];
      if (k === 0) {
        // Internalised (via a property key) so the readers' `tag === 'UNH'` is a pointer comparison.
        const tag = Object.keys({ [buf.toString('latin1', start, end)]: 0 })[0];
        tagKeys[slot] = key;
        tagStrings[slot] = tag;
        return tag;
      }
      slot = (slot + 1) & (TAG_SLOTS - 1);
    }
  }
  return buf.toString('latin1', start, end);
}

/** Bytes of a chunk joined with the carried unfinished segment (see SegmentScanner.write). */
const HEAD_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * The tables a scanner works in, handed on when it ends: typed arrays of this size live outside the
 * JavaScript heap, and allocating (and later freeing) four of them per file cost more than reading a
 * transaction's envelope. Contents do not carry over: the classes are rebuilt at each delimiter
 * detection, marks are written before they are read.
 */
interface Scratch {
  cls: Uint8Array;
  markPos: Int32Array;
  markKind: Uint8Array;
  elemMark: Int32Array;
}
const SCRATCH: Scratch[] = [];
const MAX_SCRATCH = 4;

/** Header tags as bytes and a table of their first bytes, per tag list (read only, shared by scanners). */
const headerTables = new Map<string, { tags: Buffer[]; first: Uint8Array }>();

function headerTablesOf(tags: string[]): { tags: Buffer[]; first: Uint8Array } {
  const key = tags.join('\u0000');
  let found = headerTables.get(key);
  if (!found) {
    const bytes = tags.map((t) => Buffer.from(t, 'latin1'));
    const first = new Uint8Array(256);
    for (const t of bytes) first[t[0]] = 1;
    found = { tags: bytes, first };
    headerTables.set(key, found);
  }
  return found;
}

/** Size of the first write of the process that is scanned on its own (see SegmentScanner.write). */
const PRIMING_BYTES = 1024;
let primed = false;

/** Options of the scanner. */
export interface ScannerOptions {
  /** Longest segment accepted, in bytes (default 1 MiB): a file without terminators cannot exhaust memory. */
  maxSegmentBytes?: number;
}

/** Streaming segment scanner; see the module comment. */
export class SegmentScanner {
  private readonly cls: Uint8Array;
  private delims: Delimiters | null = null;
  private carry: Buffer = EMPTY;
  /** Absolute offset of carry[0] in the input. */
  private base = 0;
  private started = false;
  private detecting = true;
  private afterTrailer = false;
  private finished = false;
  private halted = false;
  private readonly maxSegmentBytes: number;
  private readonly view: ScannedSegment;
  private invalidTable: Uint8Array | null = null;
  private nextIndex = 0;
  private lastDetectOffset = -1;
  /** Tags that start a new interchange (ISA; UNA, UNB): delimiters are detected again there. */
  private readonly headerTags: Buffer[];
  /** The last detection consumed a UNA: the UNB that follows keeps its delimiters. */
  private afterAdvice = false;
  private optionalDetect = false;

  /** First bytes of the header tags, so most segments are ruled out by one lookup. */
  private readonly headerFirst: Uint8Array;

  private isHeaderTag(buf: Buffer, pos: number): boolean {
    if (this.headerFirst[buf[pos]] === 0) return false;
    const tags = this.headerTags;
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i];
      if (buf[pos] === t[0] && buf[pos + 1] === t[1] && buf[pos + 2] === t[2]) return true;
    }
    return false;
  }
  /** Layout seen since the last segment (kept for byte-exact round trips). */
  private trivia = '';
  private reportedLeading = false;

  // State of the segment being scanned (positions relative to the current buffer).
  private inSegment = false;
  private segStart = 0;
  private scanPos = 0;
  private released = false;
  private markCount = 0;
  private markPos: Int32Array;
  private markKind: Uint8Array;
  private elemCount = 0;
  /** Mark index of each element separator; two longer than markPos (elements <= marks + 1, 1-based). */
  private elemMark: Int32Array;
  /** See run(): where a scan of the carry joined with a chunk's head hands over to the chunk itself (-1: no handoff). */
  private handoff = -1;
  /** The view's mark arrays or delimiters were replaced since it was last bound. */
  private viewStale = true;
  /** One of the rare-path fields below is set: the segment needs the general emit(). */
  private flagged = false;
  private hasRelease = false;
  private hasLineBreak = false;
  private hasHigh = false;
  private invalidAt = -1;
  private releaseMisuseAt = -1;

  constructor(private readonly detect: DelimiterDetector, private readonly cb: ScannerCallbacks, options: ScannerOptions = {}, headerTags: string[] = []) {
    this.maxSegmentBytes = options.maxSegmentBytes ?? 1024 * 1024;
    const header = headerTablesOf(headerTags);
    this.headerTags = header.tags;
    this.headerFirst = header.first;
    const scratch = SCRATCH.pop();
    this.cls = scratch ? scratch.cls.fill(C_DATA) : new Uint8Array(256);
    this.markPos = scratch?.markPos ?? new Int32Array(256);
    this.markKind = scratch?.markKind ?? new Uint8Array(256);
    this.elemMark = scratch?.elemMark ?? new Int32Array(258);
    this.view = new ScannedSegment();
  }

  /** The delimiters in force, or null before the first interchange header. */
  get delimiters(): Delimiters | null {
    return this.delims;
  }

  /** Ask for delimiter detection at the next segment start (readers call this after IEA / UNZ). */
  redetect(): void {
    this.detecting = true;
    this.afterTrailer = true;
  }

  /** Stop scanning: the rest of the input is ignored (unrecoverable input). */
  halt(): void {
    this.halted = true;
  }

  /** Bytes not allowed by the interchange's character set (EDIFACT UNOA/UNOB/...): null = no check. */
  setInvalidBytes(table: Uint8Array | null): void {
    this.invalidTable = table;
    if (this.delims) this.buildClasses(this.delims);
  }

  /** Value decoding for the segments that follow. */
  setEncoding(enc: ValueEncoding): void {
    this.view.encoding = enc;
  }

  /** Feed the next chunk. */
  write(chunk: Buffer): void {
    if (this.finished) throw new Error('write after end');
    if (this.halted || chunk.length === 0) return;
    if (!primed && chunk.length > 4 * PRIMING_BYTES) {
      // JIT warm-up, once per process: the first bytes go through on their own, so the end-of-chunk paths
      // of the byte loop run before the optimizing compiler compiles it in the middle of the first large
      // chunk. Compiled without them, the loop is thrown back to the interpreter at the first chunk end
      // and recompiled (tens of milliseconds). Chunks may end anywhere, so the split changes nothing else.
      primed = true;
      this.write(chunk.subarray(0, PRIMING_BYTES));
      this.write(chunk.subarray(PRIMING_BYTES));
      return;
    }
    if (this.carry.length === 0) {
      this.run(chunk, false, 0);
      return;
    }
    const carried = this.carry.length;
    if (chunk.length > 2 * HEAD_BYTES && carried + HEAD_BYTES <= this.maxSegmentBytes) {
      // The segment carried over nearly always ends within the chunk's first bytes: join the carry with
      // only those, then scan the rest of the chunk where it is. Copying the whole chunk behind the carry
      // would cost a copy of every chunk and double the garbage buffers a stream leaves to the GC.
      // (The size condition keeps the segment-too-long check where it was: at the end of the chunk.)
      this.handoff = carried;
      const at = this.run(Buffer.concat([this.carry, chunk.subarray(0, HEAD_BYTES)]), false, 0);
      this.handoff = -1;
      if (this.halted) return;
      if (at >= 0) {
        // Stopped between segments inside the chunk's part: nothing was kept, continue in the chunk.
        this.base += carried;
        this.carry = EMPTY;
        this.run(chunk, false, at - carried);
        return;
      }
      // The head ended inside a segment (a long one): what is unfinished was kept, the rest follows it.
      const rest = chunk.subarray(HEAD_BYTES);
      this.run(this.carry.length === 0 ? rest : Buffer.concat([this.carry, rest]), false, 0);
      return;
    }
    this.run(Buffer.concat([this.carry, chunk]), false, 0);
  }

  /** Signal the end of the input. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.halted) return;
    this.run(this.carry, true, 0);
    if (this.trivia !== '') this.cb.notice({ kind: 'trailing-layout', text: this.trivia });
    // Done with its tables: the next scanner takes them (views are valid only during their callback).
    if (SCRATCH.length < MAX_SCRATCH) SCRATCH.push({ cls: this.cls, markPos: this.markPos, markKind: this.markKind, elemMark: this.elemMark });
  }

  private buildClasses(d: Delimiters): void {
    const cls = this.cls;
    cls.fill(C_DATA);
    const inv = this.invalidTable;
    for (let b = 0x80; b < 256; b++) cls[b] = C_HIGH;
    if (inv) for (let b = 0; b < 256; b++) if (inv[b]) cls[b] = C_INVALID;
    cls[CR] = C_LINEBREAK;
    cls[LF] = C_LINEBREAK;
    // With LF as terminator, a CR before it is layout of CRLF files: emit() trims it.
    if (d.terminator.length === 1 && d.terminator[0] === LF) cls[CR] = C_DATA;
    cls[d.element] = C_ELEMENT;
    if (d.repetition >= 0) cls[d.repetition] = C_REPETITION;
    if (d.component >= 0) cls[d.component] = C_COMPONENT;
    if (d.release >= 0) cls[d.release] = C_RELEASE;
    cls[d.terminator[0]] = C_TERMINATOR;
  }

  /**
   * Scan buf from the saved position (or from `start` between segments); keep the unfinished tail as
   * carry. With `handoff` set, stop between segments at the first position >= handoff and return it
   * (nothing kept); otherwise return -1.
   */
  private run(buf: Buffer, eof: boolean, start: number): number {
    let pos = this.inSegment ? this.scanPos : start;
    const end = buf.length;
    // Offsets: base is the absolute offset of buf[0].
    while (!this.halted) {
      if (!this.inSegment) {
        // Between segments: skip BOM / white space, detect delimiters when asked, then start a segment.
        const next = this.skipTrivia(buf, pos, end, eof);
        if (next < 0) {
          this.keep(buf, pos, pos, eof);
          return -1;
        }
        pos = next;
        if (pos >= end) {
          this.keep(buf, end, end, eof);
          return -1;
        }
        if (this.handoff >= 0 && pos >= this.handoff) return pos;
        if (this.detecting) {
          const r = this.detect(buf, pos, end, eof);
          if (r.kind === 'more') {
            if (eof) {
              this.cb.notice({ kind: 'truncated', offset: this.base + pos });
              this.keep(buf, end, end, eof);
              return -1;
            }
            this.keep(buf, pos, pos, eof);
            return -1;
          }
          if (r.kind === 'none' && this.optionalDetect) {
            // A header tag the detector does not recognise: keep the delimiters in force.
            this.detecting = false;
            this.optionalDetect = false;
            this.lastDetectOffset = this.base + pos;
            continue;
          }
          if (r.kind === 'none' && end - pos < NOT_EDI_SAMPLE && !eof) {
            // Wait for the sample's bytes, so the notice reads the same however the input was split.
            this.keep(buf, pos, pos, eof);
            return -1;
          }
          this.optionalDetect = false;
          if (r.kind === 'none') {
            this.cb.notice({ kind: 'not-edi', offset: this.base + pos, afterTrailer: this.afterTrailer, sample: buf.toString('latin1', pos, Math.min(end, pos + NOT_EDI_SAMPLE)) });
            if (!this.delims) {
              this.halted = true;
              this.keep(buf, end, end, eof);
              return -1;
            }
            // Keep scanning with the previous delimiters so the reader can report what follows.
            this.detecting = false;
          } else {
            this.detecting = false;
            this.lastDetectOffset = this.base + pos;
            this.afterAdvice = r.skip > 0;
            this.delims = r.delimiters;
            this.viewStale = true;
            this.buildClasses(r.delimiters);
            let layout = '';
            if (r.skip > 0) {
              layout = this.trivia;
              this.trivia = '';
            }
            this.cb.delimiters(r.delimiters, this.base + pos, buf.subarray(pos, pos + r.skip), layout);
            pos += r.skip;
            continue;
          }
        }
        if (this.headerTags.length > 0 && this.delims && this.base + pos !== this.lastDetectOffset) {
          // A new interchange header without the previous trailer: detect its delimiters afresh
          // (but not at the UNB that follows a UNA: the UNA already said what they are).
          if (end - pos < 3 && !eof) {
            this.keep(buf, pos, pos, eof);
            return -1;
          }
          if (!this.afterAdvice && this.isHeaderTag(buf, pos)) {
            this.detecting = true;
            this.optionalDetect = true;
            continue;
          }
        }
        this.afterAdvice = false;
        this.beginSegment(pos);
      }
      const done = this.scanSegment(buf, pos, end, eof);
      if (done < 0) {
        // Segment continues in the next chunk (or the input ended inside it).
        if (eof) {
          if (this.markCount > 0 || end > this.segStart) {
            // An unterminated last segment: many files end without a final terminator after a line break.
            this.emit(buf, this.segStart, end, true);
          }
          this.inSegment = false;
          this.keep(buf, end, end, eof);
          return -1;
        }
        if (end - this.segStart > this.maxSegmentBytes) {
          this.cb.notice({ kind: 'segment-too-long', offset: this.base + this.segStart, limit: this.maxSegmentBytes });
          this.halted = true;
          return -1;
        }
        this.keep(buf, this.segStart, this.scanPos, eof);
        return -1;
      }
      pos = done;
    }
    return -1;
  }

  /** Keep buf[from..] for the next write; `scanned` is where scanning stopped. */
  private keep(buf: Buffer, from: number, scanned: number, eof: boolean): void {
    if (eof) {
      this.carry = EMPTY;
      return;
    }
    // Copy the tail: a subarray would pin the whole chunk in memory.
    this.carry = Buffer.from(buf.subarray(from));
    this.base += from;
    if (this.inSegment) {
      const shift = from;
      this.segStart -= shift;
      this.scanPos = scanned - shift;
      for (let i = 0; i < this.markCount; i++) this.markPos[i] -= shift;
      if (this.invalidAt >= 0) this.invalidAt -= shift;
      if (this.releaseMisuseAt >= 0) this.releaseMisuseAt -= shift;
    }
  }

  /** Skip layout between segments (and a BOM at the very start); returns -1 to wait for more bytes. */
  private skipTrivia(buf: Buffer, pos: number, end: number, eof: boolean): number {
    if (!this.started) {
      if (!eof && end - pos < 3 && buf[pos] === 0xef) return -1; // maybe the start of a BOM
      if (buf[pos] === 0xef && buf[pos + 1] === 0xbb && buf[pos + 2] === 0xbf) {
        this.cb.notice({ kind: 'bom', offset: this.base + pos });
        pos += 3;
      }
      this.started = true;
    }
    const from = pos;
    const d = this.delims;
    const t0 = d ? d.terminator[0] : -1;
    while (pos < end) {
      const b = buf[pos];
      // CR/LF/space/tab between segments are layout, unless the interchange uses them as its terminator.
      if ((b === CR || b === LF || b === 0x20 || b === 0x09) && b !== t0) pos++;
      else break;
    }
    if (pos > from) {
      this.trivia = this.trivia === '' ? layoutString(buf, from, pos) : this.trivia + layoutString(buf, from, pos);
      if (!this.delims && !this.reportedLeading) {
        this.reportedLeading = true;
        this.cb.notice({ kind: 'leading-whitespace', offset: this.base + from });
      }
    }
    return pos;
  }

  private beginSegment(pos: number): void {
    this.inSegment = true;
    this.segStart = pos;
    this.scanPos = pos;
    this.released = false;
    this.markCount = 0;
    this.elemCount = 0;
    this.clearFlags();
  }

  private clearFlags(): void {
    this.flagged = false;
    this.hasRelease = false;
    this.hasLineBreak = false;
    this.invalidAt = -1;
    this.releaseMisuseAt = -1;
    this.hasHigh = false;
  }

  /** The byte after a release character: data whatever its class; misuse unless it is a service character. */
  private escaped(buf: Buffer, i: number, c: number): void {
    if (c === C_DATA || c === C_INVALID || c === C_LINEBREAK || c === C_HIGH) {
      // '*' (the syntax 4 repetition separator) is harmless to escape under syntax 3.
      if (buf[i] !== 0x2a && this.releaseMisuseAt < 0) this.releaseMisuseAt = i - 1;
      if (c === C_INVALID && this.invalidAt < 0) this.invalidAt = i;
      if (c === C_LINEBREAK) this.hasLineBreak = true;
      if (c === C_HIGH || c === C_INVALID) this.hasHigh = true;
    }
  }

  /**
   * Scan from pos to the end of the current segment. Returns the position after its terminator,
   * or -1 when the chunk ends first (state is kept in fields). The data path touches only locals:
   * this loop is where the gateway spends its reading time.
   *
   * A segment's end and the chunk's end leave the byte loop through the same stores: optimized code
   * compiled (on stack) in the middle of the first chunk has then seen them, and the end of every later
   * chunk does not throw the loop back to the interpreter.
   */
  private scanSegment(buf: Buffer, pos: number, end: number, eof: boolean): number {
    const cls = this.cls;
    const d = this.delims;
    if (!d) {
      // No header seen: nothing sensible can be tokenized.
      this.halted = true;
      return -1;
    }
    let i = pos;
    if (this.released) {
      if (i >= end) return -1;
      this.released = false;
      this.escaped(buf, i, cls[buf[i]]);
      i++;
    }
    let markPos = this.markPos;
    let markKind = this.markKind;
    let elemMark = this.elemMark;
    // elemMark is kept longer than markPos (see growMarks): one capacity check covers all three.
    let cap = markPos.length;
    let markCount = this.markCount;
    let elemCount = this.elemCount;
    const t = d.terminator;
    const tLen = t.length;
    const t0 = t[0];
    const end4 = end - 4;
    // The fast path into the next segment goes back to run() at the end of the buffer or at the handoff.
    const stop = this.handoff >= 0 && this.handoff < end ? this.handoff : end;
    for (;;) {
      // Up to the terminator (more = false) or the end of the chunk (more = true).
      let more = false;
      for (;;) {
        // Ordinary bytes, four at a time while four remain: one end-of-chunk test per four bytes.
        let c = C_DATA;
        for (;;) {
          if (i <= end4) {
            c = cls[buf[i]];
            if (c !== C_DATA) break;
            c = cls[buf[i + 1]];
            if (c !== C_DATA) {
              i += 1;
              break;
            }
            c = cls[buf[i + 2]];
            if (c !== C_DATA) {
              i += 2;
              break;
            }
            c = cls[buf[i + 3]];
            if (c !== C_DATA) {
              i += 3;
              break;
            }
            i += 4;
          } else {
            if (i >= end) break;
            c = cls[buf[i]];
            if (c !== C_DATA) break;
            i++;
          }
        }
        if (c === C_DATA) {
          // The chunk ends inside the segment.
          more = true;
          break;
        }
        if (c <= C_COMPONENT) {
          // A separator (the three mark classes are 1..3).
          if (markCount === cap) {
            this.markCount = markCount;
            this.growMarks();
            markPos = this.markPos;
            markKind = this.markKind;
            elemMark = this.elemMark;
            cap = markPos.length;
          }
          if (c === C_ELEMENT) elemMark[++elemCount] = markCount;
          markKind[markCount] = c;
          markPos[markCount++] = i++;
          continue;
        }
        if (c === C_TERMINATOR) {
          if (tLen === 1) break;
          if (i + tLen > end) {
            if (!eof) {
              more = true;
              break;
            }
            i++;
            continue;
          }
          let match = true;
          for (let k = 1; k < tLen; k++) if (buf[i + k] !== t[k]) { match = false; break; }
          if (match) break;
          i++;
          continue;
        }
        // Rare classes: release character, line break, bytes outside ASCII or the character set.
        this.flagged = true;
        if (c === C_RELEASE) {
          this.hasRelease = true;
          if (i + 1 >= end) {
            // The escaped byte is in the next chunk.
            this.released = true;
            i++;
            more = true;
            break;
          }
          i++;
          this.escaped(buf, i, cls[buf[i]]);
        } else if (c === C_LINEBREAK) this.hasLineBreak = true;
        else if (c === C_HIGH) this.hasHigh = true;
        else if (c === C_INVALID) {
          this.hasHigh = true;
          if (this.invalidAt < 0) this.invalidAt = i;
        }
        i++;
      }
      this.markCount = markCount;
      this.elemCount = elemCount;
      this.scanPos = i;
      if (more) return -1;
      if (this.flagged) this.emit(buf, this.segStart, i, false);
      else this.emitPlain(buf, this.segStart, i, markCount, elemCount);
      this.inSegment = false;
      i += tLen;
      // Fast path into the next segment (most of a file): at most one line break of layout, no
      // interchange header, nothing the reader asked for. Anything else goes back through run().
      if (this.detecting || this.halted) return i;
      let p = i;
      let layout = '';
      if (p < end && buf[p] === LF && t0 !== LF) {
        p++;
        layout = LAYOUT_LF;
      } else if (p + 1 < end && buf[p] === CR && buf[p + 1] === LF && t0 !== CR) {
        p += 2;
        layout = LAYOUT_CRLF;
      }
      if (p >= stop) return i;
      const b = buf[p];
      if (b === CR || b === LF || b === 0x20 || b === 0x09 || this.trivia !== '') return i;
      // Only an interchange header needs run(); UNH, UNT, IEA... share the header tags' first letter.
      if (this.headerFirst[b] === 1 && (p + 3 > end || this.isHeaderTag(buf, p))) return i;
      this.trivia = layout;
      // beginSegment(p), without the stores that are already in their reset state.
      this.inSegment = true;
      this.segStart = p;
      if (this.flagged) this.clearFlags();
      markCount = 0;
      elemCount = 0;
      i = p;
    }
  }

  private growMarks(): void {
    const n = this.markPos.length * 2;
    const p = new Int32Array(n);
    p.set(this.markPos);
    this.markPos = p;
    const k = new Uint8Array(n);
    k.set(this.markKind);
    this.markKind = k;
    const m = new Int32Array(n + 2);
    m.set(this.elemMark);
    this.elemMark = m;
    this.viewStale = true;
  }

  /** emit() for most segments: terminated, without release characters, line breaks or non-ASCII bytes. */
  private emitPlain(buf: Buffer, start: number, end: number, markCount: number, elemCount: number): void {
    const d = this.delims as Delimiters;
    let crTrimmed = false;
    if (d.terminator[0] === LF && end > start && buf[end - 1] === CR && (markCount === 0 || this.markPos[markCount - 1] < end - 1)) {
      end--;
      crTrimmed = true;
    }
    const v = this.view;
    if (this.viewStale) {
      v.bind(this.markPos, this.markKind, this.elemMark, d);
      this.viewStale = false;
    }
    v.setPlain(buf, start, end, this.base + start, tagOf(buf, start, markCount > 0 ? this.markPos[0] : end), markCount, elemCount);
    v.index = this.nextIndex++;
    v.crBeforeTerminator = crTrimmed;
    v.trivia = this.trivia;
    this.trivia = '';
    this.cb.segment(v);
  }

  private emit(buf: Buffer, start: number, end: number, unterminated: boolean): void {
    if (unterminated && this.hasLineBreak) {
      // Line breaks at the end of an unterminated last segment are layout, not a wrapped segment.
      let t = end;
      while (t > start && (buf[t - 1] === CR || buf[t - 1] === LF || buf[t - 1] === 0x20)) t--;
      let inside = false;
      for (let i = start; i < t && !inside; i++) inside = buf[i] === CR || buf[i] === LF;
      this.hasLineBreak = inside;
    }
    if (this.hasLineBreak) {
      this.emitCompacted(buf, start, end, unterminated);
      return;
    }
    const d = this.delims as Delimiters;
    let crTrimmed = false;
    if (d.terminator[0] === LF && end > start && buf[end - 1] === CR && (this.markCount === 0 || this.markPos[this.markCount - 1] < end - 1)) {
      end--;
      crTrimmed = true;
    }
    let tagEnd = this.markCount > 0 ? this.markPos[0] : end;
    let tail = '';
    if (unterminated) {
      // Trailing layout of an unterminated last segment is not data (kept for round trips).
      const full = end;
      while (end > start && (buf[end - 1] === CR || buf[end - 1] === LF || buf[end - 1] === 0x20) && (this.markCount === 0 || this.markPos[this.markCount - 1] < end - 1)) end--;
      if (this.markCount === 0) tagEnd = end;
      tail = buf.toString('latin1', end, full);
    }
    const v = this.view;
    v.bind(this.markPos, this.markKind, this.elemMark, d);
    this.viewStale = false;
    v.setPlain(buf, start, end, this.base + start, tagOf(buf, start, tagEnd), this.markCount, this.elemCount);
    v.hasRelease = this.hasRelease;
    v.index = this.nextIndex++;
    v.unterminated = unterminated;
    v.hasHigh = this.hasHigh;
    v.crBeforeTerminator = crTrimmed;
    v.trivia = this.trivia;
    this.trivia = tail;
    v.invalidByteOffset = this.invalidAt >= 0 ? this.base + this.invalidAt : -1;
    v.releaseMisuseOffset = this.releaseMisuseAt >= 0 ? this.base + this.releaseMisuseAt : -1;
    this.cb.segment(v);
  }

  /** Rare path: a segment with line breaks inside (hard-wrapped files). Rescan a copy without them. */
  private emitCompacted(buf: Buffer, start: number, end: number, unterminated: boolean): void {
    this.cb.notice({ kind: 'line-break-in-segment', offset: this.base + start });
    const out = Buffer.allocUnsafe(end - start);
    let n = 0;
    let released = false;
    const d = this.delims as Delimiters;
    for (let i = start; i < end; i++) {
      const b = buf[i];
      if (!released && (b === CR || b === LF)) continue;
      released = !released && b === d.release;
      out[n++] = b;
    }
    // Trailing line breaks were dropped; strip trailing white space of an unterminated last segment too.
    const compact = out.subarray(0, n);
    const sub = new SegmentScanner(() => ({ kind: 'none' }), this.cb, { maxSegmentBytes: this.maxSegmentBytes });
    sub.delims = d;
    sub.invalidTable = this.invalidTable;
    sub.buildClasses(d);
    sub.detecting = false;
    sub.started = true;
    sub.base = this.base + start;
    sub.view.encoding = this.view.encoding;
    sub.nextIndex = this.nextIndex++;
    sub.trivia = this.trivia;
    this.trivia = '';
    sub.beginSegment(0);
    sub.scanSegment(compact, 0, compact.length, true);
    sub.hasLineBreak = false;
    sub.emit(compact, 0, compact.length, unterminated);
  }
}

/** The reusable segment view the scanner hands out. */
export class ScannedSegment implements SegmentView {
  tag = '';
  index = 0;
  offset = 0;
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  encoding: ValueEncoding = 'utf8';
  unterminated = false;
  /** Absolute offset of the first byte the character set does not allow, or -1. */
  invalidByteOffset = -1;
  /** Absolute offset of a release character that escapes an ordinary character, or -1. */
  releaseMisuseOffset = -1;
  hasRelease = false;
  /** The segment has bytes >= 0x80 (lengths in UTF-8 count characters). */
  hasHigh = false;
  /** CR dropped before an LF terminator (CRLF layout). */
  crBeforeTerminator = false;
  /** Layout (line breaks, indentation) between the previous segment's terminator and this segment. */
  trivia = '';
  private marks: Int32Array = new Int32Array(0);
  private kinds: Uint8Array = new Uint8Array(0);
  private count = 0;
  private elemMark: Int32Array = new Int32Array(0);
  private elems = 0;
  private delims!: Delimiters;
  /**
   * The terminator is one byte: then every byte of a value without `hasHigh` is ASCII (a byte >= 0x80
   * is flagged unless it is a delimiter, and no delimiter is inside a value). The first byte of a longer
   * terminator is not flagged where the rest does not follow.
   */
  private oneByteTerminator = true;

  /** The delimiters this segment was read with. */
  get delimiters(): Delimiters {
    return this.delims;
  }

  /** The scanner's mark arrays and delimiters (scanner use: set again whenever they are replaced). */
  bind(marks: Int32Array, kinds: Uint8Array, elemMark: Int32Array, delims: Delimiters): void {
    this.marks = marks;
    this.kinds = kinds;
    this.elemMark = elemMark;
    this.delims = delims;
    this.oneByteTerminator = delims.terminator.length === 1;
  }

  /**
   * Point the view at a new segment, as a terminated one without release characters or bytes to report
   * (scanner use; for any other segment the scanner sets those fields after this).
   */
  setPlain(buf: Buffer, start: number, end: number, offset: number, tag: string, count: number, elems: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.offset = offset;
    this.tag = tag;
    this.count = count;
    this.elems = elems;
    this.hasRelease = false;
    this.hasHigh = false;
    this.unterminated = false;
    this.invalidByteOffset = -1;
    this.releaseMisuseOffset = -1;
  }

  elementCount(): number {
    return this.elems;
  }

  /** Byte span [s, t) of component c of repetition r of element e, or s = -1 when absent. */
  private spanS = -1;
  private spanT = -1;
  private locate(e: number, c: number, r: number): boolean {
    if (e < 1 || e > this.elems) return false;
    const last = e < this.elems ? this.elemMark[e + 1] : this.count; // mark index ending the element
    let k = this.elemMark[e] + 1; // first mark inside the element
    let s = this.marks[this.elemMark[e]] + 1;
    // Marks inside an element are only repetition and component separators.
    for (let rep = 1; rep < r; rep++) {
      while (k < last && this.kinds[k] !== MARK_REPETITION) k++;
      if (k >= last) return false;
      s = this.marks[k] + 1;
      k++;
    }
    for (let comp = 1; comp < c; comp++) {
      if (k >= last || this.kinds[k] === MARK_REPETITION) return false;
      s = this.marks[k] + 1;
      k++;
    }
    this.spanS = s;
    this.spanT = k < last ? this.marks[k] : last < this.count ? this.marks[last] : this.end;
    return true;
  }

  isSimple(e: number): boolean {
    if (e < 1 || e > this.elems) return false;
    // The next mark after the element's own separator ends the element: nothing inside it.
    const next = this.elemMark[e] + 1;
    return e < this.elems ? this.elemMark[e + 1] === next : next === this.count;
  }

  openSimple(e: number): boolean {
    if (e < 1 || e > this.elems) return false;
    const first = this.elemMark[e];
    const next = first + 1;
    let endByte: number;
    if (e < this.elems) {
      if (this.elemMark[e + 1] !== next) return false;
      endByte = this.marks[next];
    } else {
      if (next !== this.count) return false;
      endByte = this.end;
    }
    this.compS[0] = this.marks[first] + 1;
    this.compT[0] = endByte;
    this.compN = 1;
    return true;
  }

  repetitionCount(e: number): number {
    if (e < 1 || e > this.elems) return 0;
    // Without a repetition separator (X12 before 5010, EDIFACT syntax 3) there is nothing to count.
    if (this.delims.repetition < 0) return 1;
    const last = e < this.elems ? this.elemMark[e + 1] : this.count;
    let n = 1;
    for (let k = this.elemMark[e] + 1; k < last; k++) if (this.kinds[k] === MARK_REPETITION) n++;
    return n;
  }

  componentCount(e: number, r = 1): number {
    if (e < 1 || e > this.elems) return 0;
    const last = e < this.elems ? this.elemMark[e + 1] : this.count;
    let rep = 1;
    let n = 1;
    for (let k = this.elemMark[e] + 1; k < last; k++) {
      const kind = this.kinds[k];
      if (kind === MARK_REPETITION) {
        if (rep === r) return n;
        rep++;
        n = 1;
      } else if (rep === r) n++;
    }
    return rep === r ? n : 0;
  }

  value(e: number, c = 1, r = 1): string {
    if (!this.locate(e, c, r)) return '';
    return this.text(this.spanS, this.spanT);
  }

  /** The value of bytes [s, t): short ASCII values (codes, dates, quantities) skip Buffer.toString. */
  private text(s: number, t: number): string {
    const n = t - s;
    if (n <= 8 && !this.hasHigh && !this.hasRelease) {
      const b = this.buf;
      switch (n) {
        case 0: return '';
        case 1: return ONE_CHAR[b[s]];
        case 2: return String.fromCharCode(b[s], b[s + 1]);
        case 3: return String.fromCharCode(b[s], b[s + 1], b[s + 2]);
        case 4: return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]);
        case 5: return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
        case 6: return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
        case 7: return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
        default: return String.fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
      }
    }
    // Names, addresses, item ids: ASCII, decoded alike by every encoding; building them from their
    // character codes costs a third of a call into Buffer's decoder.
    if (n <= 20 && this.oneByteTerminator && !this.hasHigh && !this.hasRelease) return asciiText(this.buf, s, n);
    return this.decode(s, t);
  }


  length(e: number, c = 1, r = 1): number {
    if (!this.locate(e, c, r)) return 0;
    return this.charLength(this.spanS, this.spanT);
  }

  /** Characters in bytes [s, t): release characters not counted, UTF-8 sequences counted once. */
  private charLength(s: number, t: number): number {
    const utf8 = this.encoding === 'utf8';
    if (!this.hasRelease && (!utf8 || !this.hasHigh)) return t - s;
    const buf = this.buf;
    let n = 0;
    const rel = this.delims.release;
    for (let i = s; i < t; i++) {
      const b = buf[i];
      if (b === rel && this.hasRelease) {
        i++; // the escaped byte counts, the release character does not
        n++;
        continue;
      }
      if (!utf8 || (b & 0xc0) !== 0x80) n++;
    }
    return n;
  }


  isEmpty(e: number, c = 1, r = 1): boolean {
    if (!this.locate(e, c, r)) return true;
    return this.spanT === this.spanS;
  }

  raw(e: number): string {
    if (e < 1 || e > this.elems) return '';
    const s = this.marks[this.elemMark[e]] + 1;
    const t = e < this.elems ? this.marks[this.elemMark[e + 1]] : this.end;
    return this.decodeRaw(s, t);
  }

  /** Decode bytes as they are (release characters kept). */
  private decodeRaw(s: number, t: number): string {
    const enc = this.encoding;
    if (typeof enc === 'string') return sliceText(this.buf, enc, s, t);
    return enc.decoder.decode(this.buf.subarray(s, t));
  }

  private decode(s: number, t: number): string {
    if (!this.hasRelease) return this.decodeRaw(s, t);
    const rel = this.delims.release;
    let i = this.buf.indexOf(rel, s);
    if (i < 0 || i >= t) return this.decodeRaw(s, t);
    const out = Buffer.allocUnsafe(t - s);
    let n = 0;
    for (i = s; i < t; i++) {
      let b = this.buf[i];
      if (b === rel && i + 1 < t) b = this.buf[++i];
      else if (b === rel) continue; // a dangling release character at the end of a value is dropped
      out[n++] = b;
    }
    const enc = this.encoding;
    if (typeof enc === 'string') return sliceText(out, enc, 0, n);
    return enc.decoder.decode(out.subarray(0, n));
  }

  /** Byte spans [compS[i], compT[i]) of the components of the repetition opened last (openRepetition). */
  private compS: Int32Array = new Int32Array(16);
  private compT: Int32Array = new Int32Array(16);
  private compN = 0;

  openRepetition(e: number, r: number): number {
    this.compN = 0;
    if (e < 1 || e > this.elems) return 0;
    const marks = this.marks;
    const kinds = this.kinds;
    const first = this.elemMark[e];
    const last = e < this.elems ? this.elemMark[e + 1] : this.count; // mark index ending the element
    const endByte = last < this.count ? marks[last] : this.end;
    let s = marks[first] + 1;
    let k = first + 1; // first mark inside the element
    if (k === last) {
      // A simple element: one component, one repetition.
      if (r !== 1) return 0;
      this.compS[0] = s;
      this.compT[0] = endByte;
      this.compN = 1;
      return 1;
    }
    for (let rep = 1; rep < r; rep++) {
      while (k < last && kinds[k] !== MARK_REPETITION) k++;
      if (k >= last) return 0;
      s = marks[k] + 1;
      k++;
    }
    let cs = this.compS;
    let ct = this.compT;
    let n = 0;
    for (;;) {
      if (n === cs.length) {
        const ns = new Int32Array(n * 2);
        ns.set(cs);
        const nt = new Int32Array(n * 2);
        nt.set(ct);
        this.compS = cs = ns;
        this.compT = ct = nt;
      }
      cs[n] = s;
      if (k < last && kinds[k] !== MARK_REPETITION) {
        const m = marks[k];
        ct[n++] = m;
        s = m + 1;
        k++;
      } else {
        ct[n++] = k < last ? marks[k] : endByte;
        break;
      }
    }
    this.compN = n;
    return n;
  }

  componentValue(c: number): string {
    if (c < 1 || c > this.compN) return '';
    return this.text(this.compS[c - 1], this.compT[c - 1]);
  }


  componentLength(c: number): number {
    if (c < 1 || c > this.compN) return 0;
    return this.charLength(this.compS[c - 1], this.compT[c - 1]);
  }


  componentIsEmpty(c: number): boolean {
    if (c < 1 || c > this.compN) return true;
    return this.compT[c - 1] === this.compS[c - 1];
  }

  componentCode(c: number): number {
    if (c < 1 || c > this.compN || this.hasHigh || this.hasRelease) return -1;
    const s = this.compS[c - 1];
    const n = this.compT[c - 1] - s;
    if (n === 0 || n > 4) return -1;
    // No byte >= 0x80 in the segment: each byte is one ASCII character of the value.
    const b = this.buf;
    let key = 0;
    for (let i = 0; i < n; i++) key = key * 128 + b[s + i];
    return key * 8 + n;
  }

  byteStart = 0;
  byteEnd = 0;

  componentBytes(c: number): Uint8Array | null {
    // The condition under which text() builds values byte by byte: then bytes and characters agree.
    if (c < 1 || c > this.compN || this.hasHigh || this.hasRelease) return null;
    this.byteStart = this.compS[c - 1];
    this.byteEnd = this.compT[c - 1];
    return this.buf;
  }

  toParsed(): ParsedSegment {
    // One pass over the marks: asking value(e, c, r) per component walked the element's marks again for
    // every component. Arrays of their exact length: one grown by push reserves room for 17 entries, and
    // most of these hold one (a segment's worth was a third of what a translation allocated).
    const n = this.elems;
    const elements = new Array<string[][]>(n);
    const marks = this.marks;
    const elemMark = this.elemMark;
    const count = this.count;
    for (let e = 1; e <= n; e++) {
      const first = elemMark[e];
      const last = e < n ? elemMark[e + 1] : count; // mark index ending the element
      const endByte = last < count ? marks[last] : this.end;
      if (first + 1 === last) {
        elements[e - 1] = [[this.text(marks[first] + 1, endByte)]];
        continue;
      }
      elements[e - 1] = this.repetitions(first, last, endByte);
    }
    return { tag: this.tag, elements };
  }

  /** The repetitions of an element with separators inside (marks first+1 .. last-1), as toParsed gives them. */
  private repetitions(first: number, last: number, endByte: number): string[][] {
    const marks = this.marks;
    const kinds = this.kinds;
    let nr = 1;
    for (let k = first + 1; k < last; k++) if (kinds[k] === MARK_REPETITION) nr++;
    const reps = new Array<string[]>(nr);
    let k = first + 1;
    let s = marks[first] + 1;
    for (let r = 0; r < nr; r++) {
      // Components of this repetition: up to the next repetition separator or the element's end.
      let stop = k;
      while (stop < last && kinds[stop] !== MARK_REPETITION) stop++;
      const comps = new Array<string>(stop - k + 1);
      for (let c = 0; k < stop; c++, k++) {
        comps[c] = this.text(s, marks[k]);
        s = marks[k] + 1;
      }
      const t = stop < last ? marks[stop] : endByte;
      comps[comps.length - 1] = this.text(s, t);
      s = t + 1;
      k = stop + 1;
      reps[r] = comps;
    }
    return reps;
  }

  /** Element/component/repetition (1-based) holding the byte at absolute offset `abs`; element 0 = the tag. */
  locateOffset(abs: number): { element: number; component: number; repetition: number } {
    const rel = abs - this.offset + this.start;
    let element = 0;
    let component = 1;
    let repetition = 1;
    for (let k = 0; k < this.count && this.marks[k] < rel; k++) {
      const kind = this.kinds[k];
      if (kind === MARK_ELEMENT) {
        element++;
        component = 1;
        repetition = 1;
      } else if (kind === MARK_REPETITION) {
        repetition++;
        component = 1;
      } else component++;
    }
    return { element, component, repetition };
  }

  /** The segment's bytes as received, without terminator. */
  rawBytes(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }
}
