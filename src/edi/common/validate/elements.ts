/**
 * Checks the data elements of one segment against its compiled definition: element count, mandatory
 * elements and components, repetitions, components, types, lengths, code lists and syntax notes.
 *
 * The path is allocation-free while the data is valid: lengths come from SegmentView.length(), values
 * are read (value()) only for short typed elements and code lists, and characters are checked by char
 * code. Findings go to an ElementIssueSink, which adds the segment's position and builds the issue.
 * At most one value finding (type, length or code) is reported per value.
 */
import type { IssueCode } from '../issues';
import type { SegmentView } from '../segment';
import type { CodeSet, CompiledComponent, CompiledElement, CompiledElementUse, CompiledSegment, CompiledSyntaxNote } from './compile';
import { SyntaxKind, TypeCode } from './compile';

/** Receives element findings of the segment being checked. */
export interface ElementIssueSink {
  /**
   * @param element 1-based element position
   * @param component 1-based component position, 0 when the element is not a composite
   * @param repetition 1-based repetition
   * @param elementRef data element id (component element id inside a composite)
   */
  elementIssue(code: IssueCode, element: number, component: number, repetition: number, elementRef: string, value: string | undefined, detail?: string): void;
}

/** Decimal marks accepted in EDIFACT numeric (n) elements. */
export const enum DecimalMode {
  /** Point or comma. */
  Either = 0,
  Point = 1,
  Comma = 2,
}

/** DecimalMode for a context decimal mark ('.', ',', or undefined = either). */
export function decimalMode(mark: string | undefined): DecimalMode {
  if (mark === '.') return DecimalMode.Point;
  if (mark === ',') return DecimalMode.Comma;
  return DecimalMode.Either;
}

const C_MINUS = 45;
const C_POINT = 46;
const C_COMMA = 44;
const C_0 = 48;
const C_9 = 57;

// Local copies of the enum values: one constant load each in the per-element switch, whatever the
// module system does with cross-module enums.
const T_AN = TypeCode.AN;
const T_ID = TypeCode.ID;
const T_DT = TypeCode.DT;
const T_TM = TypeCode.TM;
const T_N = TypeCode.N;
const T_R = TypeCode.R;
const T_B = TypeCode.B;
const T_ALPHA = TypeCode.Alpha;
const T_NUMERIC = TypeCode.Numeric;
const S_PAIRED = SyntaxKind.Paired;
const S_REQUIRED = SyntaxKind.Required;
const S_EXCLUSION = SyntaxKind.Exclusion;
const S_CONDITIONAL = SyntaxKind.Conditional;
const S_LIST = SyntaxKind.ListConditional;

/**
 * Presence of each defined element of the segment being checked (index = position), filled by the
 * element loop and read by the syntax notes. Scratch space reused for every segment (checks are
 * synchronous and not reentrant).
 */
let presence = new Uint8Array(64);

/** Check every element of `seg` against `def`. */
export function checkElements(seg: SegmentView, def: CompiledSegment, sink: ElementIssueSink, decimals: DecimalMode): void {
  const uses = def.elements;
  const defined = uses.length;
  const count = seg.elementCount();
  if (presence.length <= defined) presence = new Uint8Array(defined + 1);
  const present = presence;
  if (count > defined) {
    // Trailing empty elements beyond the definition are a separator matter, not extra data.
    for (let p = defined + 1; p <= count; p++) {
      if (elementPresent(seg, p)) {
        const first = seg.raw(defined + 1);
        sink.elementIssue('element.too_many', defined + 1, 0, 1, '', first === '' ? undefined : first, `${def.tag} has ${defined} elements, found ${count}`);
        break;
      }
    }
  }
  const upto = count < defined ? count : defined;
  /** Bit p set when element p (< 31) is present: most syntax notes are decided on it alone. */
  let presentMask = 0;
  for (let i = 0; i < upto; i++) {
    const use = uses[i];
    const p = i + 1;
    if (use.components === null && seg.openSimple(p)) {
      // The usual case: one simple value, read once.
      let found: boolean;
      if (use.lengthOnly) {
        const len = seg.componentLength(1);
        found = len > 0;
        if (found) {
          const el = use.element as CompiledElement;
          if (len > el.max || len < el.min) lengthIssue(seg, 1, p, 1, 0, el, len, undefined, sink);
        }
      } else {
        found = checkValue(seg, 1, p, 1, 0, use.element as CompiledElement, use.codes, sink, decimals);
      }
      if (!found) {
        present[p] = 0;
        if (use.mandatory) sink.elementIssue('element.mandatory_missing', p, 0, 1, use.ref, undefined);
      } else {
        present[p] = 1;
        if (p < 31) presentMask |= 1 << p;
        if (use.req === 'N') sink.elementIssue('element.implementation_not_used', p, 0, 1, use.ref, seg.raw(p));
      }
      continue;
    }
    const reps = seg.repetitionCount(p);
    if (reps === 1 && use.components !== null && use.req !== 'N') {
      // One composite value: check its components directly.
      const comps = seg.openRepetition(p, 1);
      if (openedPresent(seg, comps)) {
        present[p] = 1;
        if (p < 31) presentMask |= 1 << p;
        checkComponents(seg, use, use.components, comps, p, 1, sink, decimals);
      } else {
        present[p] = 0;
        if (use.mandatory) sink.elementIssue('element.mandatory_missing', p, 0, 1, use.ref, undefined);
      }
      continue;
    }
    if (!elementPresent(seg, p)) {
      present[p] = 0;
      if (use.mandatory) sink.elementIssue('element.mandatory_missing', p, 0, 1, use.ref, undefined);
      continue;
    }
    present[p] = 1;
    if (p < 31) presentMask |= 1 << p;
    if (use.req === 'N') sink.elementIssue('element.implementation_not_used', p, 0, 1, use.ref, seg.raw(p));
    let last = reps;
    if (reps > use.repeat) {
      sink.elementIssue('element.too_many_repetitions', p, 0, use.repeat + 1, use.ref, seg.raw(p), `at most ${use.repeat}`);
      last = use.repeat;
    }
    for (let r = 1; r <= last; r++) {
      if (use.components !== null) checkComposite(seg, use, use.components, p, r, sink, decimals);
      else checkSimple(seg, use, p, r, sink, decimals);
    }
  }
  if (count < defined) {
    // Elements after the last one received: only the mandatory ones matter.
    const mandatory = def.mandatoryPositions;
    for (let k = 0; k < mandatory.length; k++) {
      const p = mandatory[k];
      if (p > count) sink.elementIssue('element.mandatory_missing', p, 0, 1, uses[p - 1].ref, undefined);
    }
  }
  const notes = def.syntax;
  for (let i = 0; i < notes.length; i++) {
    const note = notes[i];
    // A note about elements after the last one received can only fail when one of them is required.
    if (note.min > count && note.kind !== S_REQUIRED) continue;
    if (note.mask !== 0 && noteHolds(note, presentMask & note.mask)) continue;
    checkSyntaxNote(seg, def, note, present, count, sink);
  }
}

/** The note is satisfied, given `m`: the present elements among its positions as bits (see CompiledSyntaxNote.mask). */
function noteHolds(note: CompiledSyntaxNote, m: number): boolean {
  switch (note.kind) {
    case S_PAIRED:
      return m === 0 || m === note.mask;
    case S_REQUIRED:
      return m !== 0;
    case S_EXCLUSION:
      return (m & (m - 1)) === 0;
    case S_CONDITIONAL:
      return (m & note.first) === 0 || m === note.mask;
    case S_LIST:
      return (m & note.first) === 0 || m !== note.first;
  }
  return false;
}

/** True when element p has at least one non-empty component in some repetition. */
export function elementPresent(seg: SegmentView, p: number): boolean {
  const reps = seg.repetitionCount(p);
  for (let r = 1; r <= reps; r++) {
    if (openedPresent(seg, seg.openRepetition(p, r))) return true;
  }
  return false;
}

/** True when the repetition opened last (with `comps` components) has a non-empty component. */
function openedPresent(seg: SegmentView, comps: number): boolean {
  for (let c = 1; c <= comps; c++) {
    if (!seg.componentIsEmpty(c)) return true;
  }
  return false;
}

function checkSimple(seg: SegmentView, use: CompiledElementUse, p: number, r: number, sink: ElementIssueSink, decimals: DecimalMode): void {
  const comps = seg.openRepetition(p, r);
  if (comps > 1) {
    for (let c = 2; c <= comps; c++) {
      if (!seg.componentIsEmpty(c)) {
        sink.elementIssue('element.too_many_components', p, 2, r, use.ref, seg.componentValue(c), `${use.ref} is not a composite`);
        break;
      }
    }
  }
  checkValue(seg, 1, p, r, 0, use.element as CompiledElement, use.codes, sink, decimals);
}

function checkComposite(seg: SegmentView, use: CompiledElementUse, components: readonly CompiledComponent[], p: number, r: number, sink: ElementIssueSink, decimals: DecimalMode): void {
  const comps = seg.openRepetition(p, r);
  if (comps === 0 || !openedPresent(seg, comps)) return; // an empty repetition: nothing to check
  checkComponents(seg, use, components, comps, p, r, sink, decimals);
}

/** Check the components of the repetition opened last (`comps` components, at least one present). */
function checkComponents(
  seg: SegmentView,
  use: CompiledElementUse,
  components: readonly CompiledComponent[],
  comps: number,
  p: number,
  r: number,
  sink: ElementIssueSink,
  decimals: DecimalMode,
): void {
  const defined = components.length;
  if (comps > defined) {
    for (let c = defined + 1; c <= comps; c++) {
      if (!seg.componentIsEmpty(c)) {
        sink.elementIssue('element.too_many_components', p, defined + 1, r, use.ref, seg.componentValue(c), `${use.ref} has ${defined} components`);
        break;
      }
    }
  }
  for (let i = 0; i < defined; i++) {
    const comp = components[i];
    const c = i + 1;
    let found: boolean;
    if (c > comps) found = false;
    else if (comp.lengthOnly) {
      // checkValue's first case, without the call: most components are free text or plain identifiers.
      const len = seg.componentLength(c);
      found = len > 0;
      if (found) {
        const el = comp.element;
        if (len > el.max || len < el.min) lengthIssue(seg, c, p, r, c, el, len, undefined, sink);
      }
    } else found = checkValue(seg, c, p, r, c, comp.element, comp.codes, sink, decimals);
    if (!found) {
      if (comp.mandatory) sink.elementIssue('element.mandatory_missing', p, c, r, comp.element.id, undefined);
      continue;
    }
    if (comp.req === 'N') sink.elementIssue('element.implementation_not_used', p, c, r, comp.element.id, seg.componentValue(c));
  }
}

/**
 * Check component c of the repetition opened last (element p, repetition r); returns false (nothing
 * reported) when it is empty. `reportComponent` is the component position to report (0 outside a
 * composite).
 *
 * Split in a small dispatcher and one function per kind of value so that the optimizing compiler
 * inlines the common text / code-list case into the element loops.
 */
function checkValue(
  seg: SegmentView,
  c: number,
  p: number,
  r: number,
  reportComponent: number,
  el: CompiledElement,
  codes: CodeSet | null,
  sink: ElementIssueSink,
  decimals: DecimalMode,
): boolean {
  const type = el.type;
  if (type === T_AN || type === T_ID || type === T_B) return checkText(seg, c, p, r, reportComponent, el, codes, sink);
  return checkTyped(seg, c, p, r, reportComponent, el, codes, sink, decimals);
}

/** checkValue for AN, ID and B values: length, and the code list when there is one. */
function checkText(seg: SegmentView, c: number, p: number, r: number, reportComponent: number, el: CompiledElement, codes: CodeSet | null, sink: ElementIssueSink): boolean {
  if (codes === null) {
    const len = seg.componentLength(c);
    if (len === 0) return false;
    if (len > el.max || len < el.min) lengthIssue(seg, c, p, r, reportComponent, el, len, undefined, sink);
    return true;
  }
  // A code of 1..4 ASCII characters is looked up by its packed key, without building the string.
  const key = seg.componentCode(c);
  if (key >= 0) {
    const len = key % 8;
    if (len > el.max || len < el.min) {
      lengthIssue(seg, c, p, r, reportComponent, el, len, undefined, sink);
      return true;
    }
    if (!codes.hasKey(key)) sink.elementIssue(codes.partial ? 'element.code_unlisted' : 'element.invalid_code', p, reportComponent, r, el.id, seg.componentValue(c));
    return true;
  }
  const value = seg.componentValue(c);
  const len = value.length;
  if (len === 0) return false;
  if (len > el.max || len < el.min) {
    lengthIssue(seg, c, p, r, reportComponent, el, len, value, sink);
    return true;
  }
  if (!codes.has(value)) sink.elementIssue(codes.partial ? 'element.code_unlisted' : 'element.invalid_code', p, reportComponent, r, el.id, value);
  return true;
}

/** checkValue for the other types (a, n, DT, TM, N, R): the characters, then length and code list. */
function checkTyped(
  seg: SegmentView,
  c: number,
  p: number,
  r: number,
  reportComponent: number,
  el: CompiledElement,
  codes: CodeSet | null,
  sink: ElementIssueSink,
  decimals: DecimalMode,
): boolean {
  let len: number;
  const type = el.type;
  if (type !== T_ALPHA) {
    const bytes = seg.componentBytes(c);
    if (bytes !== null) return checkTypedBytes(seg, bytes, seg.byteStart, seg.byteEnd, c, p, r, reportComponent, el, codes, sink, decimals);
  }
  const value = seg.componentValue(c);
  if (value.length === 0) return false;
  switch (type) {
    case T_ALPHA:
      len = value.length;
      for (let i = 0; i < len; i++) {
        const ch = value.charCodeAt(i);
        if (ch >= C_0 && ch <= C_9) {
          sink.elementIssue('element.invalid_character', p, reportComponent, r, el.id, value, `digit in alphabetic element ${el.id}`);
          return true;
        }
      }
      break;
    case T_DT:
      len = value.length;
      if (!validDate(value)) {
        sink.elementIssue('element.invalid_date', p, reportComponent, r, el.id, value);
        return true;
      }
      break;
    case T_TM:
      len = value.length;
      if (!validTime(value)) {
        sink.elementIssue('element.invalid_time', p, reportComponent, r, el.id, value);
        return true;
      }
      break;
    case T_N:
      len = countDigitsN(value);
      if (len < 0) {
        sink.elementIssue('element.invalid_character', p, reportComponent, r, el.id, value, `${el.typeName} allows an optional minus sign and digits`);
        return true;
      }
      break;
    case T_R:
      len = countDigitsR(value);
      if (len < 0) {
        sink.elementIssue('element.invalid_character', p, reportComponent, r, el.id, value, 'R allows an optional minus sign, digits and one decimal point');
        return true;
      }
      break;
    case T_NUMERIC:
      len = countDigitsEdifact(value, decimals);
      if (len < 0) {
        const code: IssueCode = len === NUM_MISSING_DIGIT ? 'element.missing_digit_before_decimal' : len === NUM_BAD_DECIMAL ? 'element.invalid_decimal' : 'element.invalid_character';
        sink.elementIssue(code, p, reportComponent, r, el.id, value);
        return true;
      }
      break;
    default:
      len = value.length;
  }
  if (len > el.max || len < el.min) {
    lengthIssue(seg, c, p, r, reportComponent, el, len, value, sink);
    return true;
  }
  if (codes !== null && !codes.has(value)) sink.elementIssue(codes.partial ? 'element.code_unlisted' : 'element.invalid_code', p, reportComponent, r, el.id, value);
  return true;
}

/**
 * checkTyped over the value's bytes [s, t) (each byte one ASCII character): the same checks without
 * building a string; the string is built only for a finding.
 */
function checkTypedBytes(
  seg: SegmentView,
  b: Uint8Array,
  s: number,
  t: number,
  c: number,
  p: number,
  r: number,
  reportComponent: number,
  el: CompiledElement,
  codes: CodeSet | null,
  sink: ElementIssueSink,
  decimals: DecimalMode,
): boolean {
  if (s === t) return false;
  let len: number;
  switch (el.type) {
    case T_DT:
      len = t - s;
      if (!validDateBytes(b, s, t)) {
        sink.elementIssue('element.invalid_date', p, reportComponent, r, el.id, seg.componentValue(c));
        return true;
      }
      break;
    case T_TM:
      len = t - s;
      if (!validTimeBytes(b, s, t)) {
        sink.elementIssue('element.invalid_time', p, reportComponent, r, el.id, seg.componentValue(c));
        return true;
      }
      break;
    case T_N:
      len = countDigitsNBytes(b, s, t);
      if (len < 0) {
        sink.elementIssue('element.invalid_character', p, reportComponent, r, el.id, seg.componentValue(c), `${el.typeName} allows an optional minus sign and digits`);
        return true;
      }
      break;
    case T_R:
      len = countDigitsRBytes(b, s, t);
      if (len < 0) {
        sink.elementIssue('element.invalid_character', p, reportComponent, r, el.id, seg.componentValue(c), 'R allows an optional minus sign, digits and one decimal point');
        return true;
      }
      break;
    case T_NUMERIC:
      len = countDigitsEdifactBytes(b, s, t, decimals);
      if (len < 0) {
        const code: IssueCode = len === NUM_MISSING_DIGIT ? 'element.missing_digit_before_decimal' : len === NUM_BAD_DECIMAL ? 'element.invalid_decimal' : 'element.invalid_character';
        sink.elementIssue(code, p, reportComponent, r, el.id, seg.componentValue(c));
        return true;
      }
      break;
    default:
      len = t - s;
  }
  if (len > el.max || len < el.min) {
    lengthIssue(seg, c, p, r, reportComponent, el, len, undefined, sink);
    return true;
  }
  if (codes !== null) {
    const value = seg.componentValue(c);
    if (!codes.has(value)) sink.elementIssue(codes.partial ? 'element.code_unlisted' : 'element.invalid_code', p, reportComponent, r, el.id, value);
  }
  return true;
}

function lengthIssue(seg: SegmentView, c: number, p: number, r: number, reportComponent: number, el: CompiledElement, len: number, value: string | undefined, sink: ElementIssueSink): void {
  const v = value ?? seg.componentValue(c);
  if (len > el.max) sink.elementIssue('element.too_long', p, reportComponent, r, el.id, v, `maximum ${el.max}, found ${len}`);
  else sink.elementIssue('element.too_short', p, reportComponent, r, el.id, v, `minimum ${el.min}, found ${len}`);
}

/** Digits of an X12 N value (optional leading minus), or -1 when it has another character / no digit. */
export function countDigitsN(v: string): number {
  const b = asciiBytes(v);
  return countDigitsNBytes(b, 0, b.length);
}

/** Digits of an X12 R value (optional leading minus, at most one point), or -1. */
export function countDigitsR(v: string): number {
  const b = asciiBytes(v);
  return countDigitsRBytes(b, 0, b.length);
}

const NUM_BAD_CHAR = -1;
const NUM_MISSING_DIGIT = -2;
const NUM_BAD_DECIMAL = -3;

/**
 * Digits of an EDIFACT n value (optional leading minus, at most one decimal mark), or a negative
 * code: -1 invalid character, -2 decimal mark without a digit before it, -3 invalid decimal notation
 * (second mark, mark not allowed here, or nothing after the mark).
 */
export function countDigitsEdifact(v: string, mode: DecimalMode): number {
  const b = asciiBytes(v);
  return countDigitsEdifactBytes(b, 0, b.length, mode);
}

/**
 * A value's characters as bytes, for the byte checks that the string checks share: a character beyond
 * ASCII becomes 0xFF, which is no digit, sign or mark either, so every verdict stays the same.
 */
function asciiBytes(v: string): Uint8Array {
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    out[i] = ch < 0x80 ? ch : 0xff;
  }
  return out;
}

/** countDigitsN over bytes [s, t). */
function countDigitsNBytes(b: Uint8Array, s: number, t: number): number {
  let i = s < t && b[s] === C_MINUS ? s + 1 : s;
  if (i === t) return -1;
  const start = i;
  for (; i < t; i++) {
    const ch = b[i];
    if (ch < C_0 || ch > C_9) return -1;
  }
  return t - start;
}

/** countDigitsR over bytes [s, t). */
function countDigitsRBytes(b: Uint8Array, s: number, t: number): number {
  let i = s < t && b[s] === C_MINUS ? s + 1 : s;
  let digits = 0;
  let points = 0;
  for (; i < t; i++) {
    const ch = b[i];
    if (ch >= C_0 && ch <= C_9) digits++;
    else if (ch === C_POINT && points === 0) points = 1;
    else return -1;
  }
  return digits === 0 ? -1 : digits;
}

/** countDigitsEdifact over bytes [s, t). */
function countDigitsEdifactBytes(b: Uint8Array, s: number, t: number, mode: DecimalMode): number {
  let i = s < t && b[s] === C_MINUS ? s + 1 : s;
  if (i === t) return NUM_BAD_CHAR;
  let digits = 0;
  let marks = 0;
  let afterMark = 0;
  for (; i < t; i++) {
    const ch = b[i];
    if (ch >= C_0 && ch <= C_9) {
      digits++;
      if (marks > 0) afterMark++;
    } else if (ch === C_POINT || ch === C_COMMA) {
      if (digits === 0) return NUM_MISSING_DIGIT;
      if (marks > 0) return NUM_BAD_DECIMAL;
      if ((mode === DecimalMode.Point && ch !== C_POINT) || (mode === DecimalMode.Comma && ch !== C_COMMA)) return NUM_BAD_DECIMAL;
      marks = 1;
    } else {
      return NUM_BAD_CHAR;
    }
  }
  if (marks > 0 && afterMark === 0) return NUM_BAD_DECIMAL;
  return digits;
}

function twoDigitsBytes(b: Uint8Array, i: number): number {
  const x = b[i] - C_0;
  const y = b[i + 1] - C_0;
  if (x < 0 || x > 9 || y < 0 || y > 9) return -1;
  return x * 10 + y;
}

/** validDate over bytes [s, t). */
function validDateBytes(b: Uint8Array, s: number, t: number): boolean {
  const n = t - s;
  if (n !== 6 && n !== 8) return false;
  let year: number;
  if (n === 8) {
    const cc = twoDigitsBytes(b, s);
    const yy = twoDigitsBytes(b, s + 2);
    if (cc < 0 || yy < 0) return false;
    year = cc * 100 + yy;
  } else {
    const yy = twoDigitsBytes(b, s);
    if (yy < 0) return false;
    year = 2000 + yy;
  }
  const month = twoDigitsBytes(b, t - 4);
  const day = twoDigitsBytes(b, t - 2);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** validTime over bytes [s, t). */
function validTimeBytes(b: Uint8Array, s: number, t: number): boolean {
  const n = t - s;
  if (n !== 4 && n < 6) return false;
  const hh = twoDigitsBytes(b, s);
  const mm = twoDigitsBytes(b, s + 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return false;
  if (n === 4) return true;
  const ss = twoDigitsBytes(b, s + 4);
  if (ss < 0 || ss > 59) return false;
  for (let i = s + 6; i < t; i++) {
    const ch = b[i];
    if (ch < C_0 || ch > C_9) return false;
  }
  return true;
}

/** X12 DT: YYMMDD or CCYYMMDD, a real calendar date. */
export function validDate(v: string): boolean {
  const b = asciiBytes(v);
  return validDateBytes(b, 0, b.length);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** X12 TM: HHMM, HHMMSS or HHMMSSd..d, hours < 24, minutes and seconds < 60. */
export function validTime(v: string): boolean {
  const b = asciiBytes(v);
  return validTimeBytes(b, 0, b.length);
}

/**
 * Syntax note check; for a position p <= count, `present[p]` tells whether element p is present
 * (positions after `count` are absent).
 */
function checkSyntaxNote(seg: SegmentView, def: CompiledSegment, note: CompiledSyntaxNote, present: Uint8Array, count: number, sink: ElementIssueSink): void {
  const pos = note.positions;
  const n = pos.length;
  if (note.min > count) {
    // None of the note's elements was received: only "at least one" can fail.
    if (note.kind === S_REQUIRED) missing(def, pos[0], note, sink);
    return;
  }
  switch (note.kind) {
    case S_PAIRED: {
      let seen = 0;
      for (let i = 0; i < n; i++) if (isPresent(present, count, pos[i])) seen++;
      if (seen === 0 || seen === n) return;
      for (let i = 0; i < n; i++) {
        if (!isPresent(present, count, pos[i])) missing(def, pos[i], note, sink);
      }
      return;
    }
    case S_REQUIRED: {
      for (let i = 0; i < n; i++) if (isPresent(present, count, pos[i])) return;
      missing(def, pos[0], note, sink);
      return;
    }
    case S_EXCLUSION: {
      let seen = false;
      for (let i = 0; i < n; i++) {
        if (isPresent(present, count, pos[i])) {
          if (seen) sink.elementIssue('element.exclusion_violated', pos[i], 0, 1, def.elements[pos[i] - 1].ref, seg.raw(pos[i]), `${def.tag} syntax note ${note.text}`);
          seen = true;
        }
      }
      return;
    }
    case S_CONDITIONAL: {
      if (!isPresent(present, count, pos[0])) return;
      for (let i = 1; i < n; i++) {
        if (!isPresent(present, count, pos[i])) missing(def, pos[i], note, sink);
      }
      return;
    }
    case S_LIST: {
      if (!isPresent(present, count, pos[0])) return;
      for (let i = 1; i < n; i++) if (isPresent(present, count, pos[i])) return;
      missing(def, pos[1], note, sink);
      return;
    }
  }
}

function isPresent(present: Uint8Array, count: number, p: number): boolean {
  return p <= count && present[p] === 1;
}

function missing(def: CompiledSegment, p: number, note: CompiledSyntaxNote, sink: ElementIssueSink): void {
  sink.elementIssue('element.conditional_missing', p, 0, 1, def.elements[p - 1].ref, undefined, `${def.tag} syntax note ${note.text}`);
}
