/**
 * Writing one segment with given delimiters: release characters added where the standard has them
 * (EDIFACT), a typed error where it has none (X12 cannot carry a delimiter inside data).
 */
import type { ParsedSegment } from './segment';
import type { Delimiters } from './scanner';

/** A value cannot be written with the chosen delimiters. */
export class EdiWriteError extends Error {
  constructor(readonly segmentId: string, readonly element: number, message: string) {
    super(`${segmentId}${String(element).padStart(2, '0')}: ${message}`);
    this.name = 'EdiWriteError';
  }
}

/** Delimiters as strings, as the writers use them. */
export interface TextDelimiters {
  element: string;
  component: string;
  repetition: string;
  release: string;
  terminator: string;
}

/** Delimiters as text (the scanner keeps bytes). */
export function textDelimiters(d: Delimiters): TextDelimiters {
  const ch = (b: number) => (b >= 0 ? String.fromCharCode(b) : '');
  return { element: ch(d.element), component: ch(d.component), repetition: ch(d.repetition), release: ch(d.release), terminator: Buffer.from(d.terminator).toString('utf8') };
}

/** Options of segment encoding. */
export interface EncodeOptions {
  /** Drop empty trailing elements/components/repetitions (new documents); keep them for round trips. */
  trimTrailing?: boolean;
}

function trimEmpty<T>(items: T[], empty: (t: T) => boolean): T[] {
  let n = items.length;
  while (n > 0 && empty(items[n - 1])) n--;
  return n === items.length ? items : items.slice(0, n);
}

/** Encode a segment (without terminator). */
export function encodeSegment(seg: ParsedSegment, d: TextDelimiters, options: EncodeOptions = {}): string {
  const specials = [d.element, d.component, d.repetition, d.release, d.terminator].filter((s) => s !== '');
  const escape = (v: string, e: number): string => {
    let out = '';
    let last = 0;
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (!specials.includes(c) && !(d.terminator.length > 1 && v.startsWith(d.terminator, i))) continue;
      if (!d.release) throw new EdiWriteError(seg.tag, e, `value "${v}" contains the delimiter "${c}" and X12 has no release character`);
      out += v.slice(last, i) + d.release + c;
      last = i + 1;
    }
    return last === 0 ? v : out + v.slice(last);
  };
  const trim = options.trimTrailing === true;
  let elements = seg.elements;
  if (trim) elements = trimEmpty(elements, (el) => el.every((rep) => rep.every((c) => c === '')));
  let out = seg.tag;
  elements.forEach((el, i) => {
    let reps = el;
    if (trim) reps = trimEmpty(reps, (rep) => rep.every((c) => c === ''));
    out += d.element;
    out += reps
      .map((rep) => (trim ? trimEmpty(rep, (c) => c === '') : rep).map((c) => escape(c, i + 1)).join(d.component))
      .join(d.repetition);
  });
  return out;
}
