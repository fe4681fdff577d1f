/**
 * The segment as every consumer sees it. The tokenizer hands out one reusable view per segment
 * (valid only during the callback) that answers questions from byte offsets, so a validator can check
 * lengths and digits without creating a string per element; `toParsed()` copies it out when a consumer
 * needs to keep it.
 *
 * Positions follow the standards: element 1 is the first data element after the tag (BEG01), component
 * and repetition are 1-based too. Asking for a position that is not there gives '' / 0, never throws.
 */

/** A segment copied out of the stream: elements[e-1][r-1][c-1], values unescaped. */
export interface ParsedSegment {
  tag: string;
  elements: string[][][];
}

/** Read-only view of one segment. */
export interface SegmentView {
  readonly tag: string;
  /** 0-based ordinal of the segment in the input. */
  readonly index: number;
  /** Byte offset of the segment's first byte (its tag) in the input. */
  readonly offset: number;
  /** Number of data elements after the tag, trailing empty ones included. */
  elementCount(): number;
  /** True when element e is there as one plain value: no repetition or component separator inside. */
  isSimple(e: number): boolean;
  /** isSimple(e), and when true also openRepetition(e, 1) in the same step. */
  openSimple(e: number): boolean;
  /** Number of repetitions of element e (1 for a present element without repetition separator, 0 beyond the end). */
  repetitionCount(e: number): number;
  /** Number of components of repetition r of element e (1 for a simple element, 0 beyond the end). */
  componentCount(e: number, r?: number): number;
  /** Unescaped value of component c of repetition r of element e ('' if absent). */
  value(e: number, c?: number, r?: number): string;
  /** Length in characters of the unescaped value (release characters not counted). */
  length(e: number, c?: number, r?: number): number;
  /** True when the value has no characters. */
  isEmpty(e: number, c?: number, r?: number): boolean;
  /** The element as received, separators and release characters included (for AK404 / error messages). */
  raw(e: number): string;
  /** Copy of the whole segment. */
  toParsed(): ParsedSegment;
  /**
   * Open repetition r of element e for the component accessors below, locating all its components in
   * one pass. Returns its component count (as componentCount(e, r); 0 when absent). The accessors answer
   * for the repetition opened last, until the next call.
   */
  openRepetition(e: number, r: number): number;
  /** value(e, c, r) of component c of the opened repetition. */
  componentValue(c: number): string;
  /** length(e, c, r) of component c of the opened repetition. */
  componentLength(c: number): number;
  /** isEmpty(e, c, r) of component c of the opened repetition. */
  componentIsEmpty(c: number): boolean;
  /**
   * The value of component c of the opened repetition packed as a code key (1..4 ASCII characters:
   * each character's code in base 128, times 8, plus the length), or -1 when the value is not such a
   * value or the view cannot tell without building the string (then use componentValue()).
   */
  componentCode(c: number): number;
  /**
   * The bytes of component c of the opened repetition when each byte is one character of its value (no
   * byte >= 0x80 and no release character in the segment): the buffer, with the component at
   * [byteStart, byteEnd). Null when the view cannot tell without building the string (then use
   * componentValue()).
   */
  componentBytes(c: number): Uint8Array | null;
  /** Where the component componentBytes() returned last starts in its buffer. */
  readonly byteStart: number;
  /** Where it ends (exclusive). */
  readonly byteEnd: number;
}

/** A SegmentView over an already parsed segment (for tests, generated segments and small documents). */
export class ArraySegment implements SegmentView {
  constructor(
    private readonly seg: ParsedSegment,
    readonly index = 0,
    readonly offset = 0,
    private readonly separators: { component: string; repetition: string } = { component: ':', repetition: '^' },
  ) {}

  get tag(): string {
    return this.seg.tag;
  }
  elementCount(): number {
    return this.seg.elements.length;
  }
  isSimple(e: number): boolean {
    const el = this.seg.elements[e - 1];
    return el !== undefined && el.length === 1 && el[0].length === 1;
  }
  openSimple(e: number): boolean {
    if (!this.isSimple(e)) return false;
    this.openRepetition(e, 1);
    return true;
  }
  repetitionCount(e: number): number {
    return this.seg.elements[e - 1]?.length ?? 0;
  }
  componentCount(e: number, r = 1): number {
    return this.seg.elements[e - 1]?.[r - 1]?.length ?? 0;
  }
  value(e: number, c = 1, r = 1): string {
    return this.seg.elements[e - 1]?.[r - 1]?.[c - 1] ?? '';
  }
  length(e: number, c = 1, r = 1): number {
    return this.value(e, c, r).length;
  }
  isEmpty(e: number, c = 1, r = 1): boolean {
    return this.value(e, c, r) === '';
  }
  raw(e: number): string {
    const el = this.seg.elements[e - 1];
    if (!el) return '';
    return el.map((rep) => rep.join(this.separators.component)).join(this.separators.repetition);
  }
  toParsed(): ParsedSegment {
    return { tag: this.seg.tag, elements: this.seg.elements.map((el) => el.map((rep) => rep.slice())) };
  }
  private opened: string[] | undefined = undefined;
  openRepetition(e: number, r: number): number {
    const rep = this.seg.elements[e - 1]?.[r - 1];
    this.opened = rep;
    return rep?.length ?? 0;
  }
  componentValue(c: number): string {
    return this.opened?.[c - 1] ?? '';
  }
  componentLength(c: number): number {
    return this.componentValue(c).length;
  }
  componentIsEmpty(c: number): boolean {
    return this.componentValue(c) === '';
  }
  componentCode(): number {
    return -1;
  }
  readonly byteStart = 0;
  readonly byteEnd = 0;
  componentBytes(): Uint8Array | null {
    return null;
  }
}

/** Build a ParsedSegment from simple values: strings are simple elements, string[] composites. */
export function segment(tag: string, ...elements: (string | string[])[]): ParsedSegment {
  return { tag, elements: elements.map((el) => [typeof el === 'string' ? [el] : el]) };
}
