/**
 * Exact conversion between EDI numeric elements and JSON numbers.
 *
 * Why strings: `12.5 * 100` style arithmetic drifts (1.1 * 100 = 110.00000000000001), so every
 * conversion here shifts the decimal point in the digit string and lets `Number()` round once, to the
 * double nearest the decimal. A value is accepted only when that double prints back as the same
 * decimal, so what reaches the canonical document is what the partner sent, never a neighbour of it.
 *
 * Covers X12 R (explicit point, optional exponent) and Nn (implied decimals, e.g. TDS01 is N2) and
 * EDIFACT n (decimal mark '.' or ',' per UNA).
 */
import { EdiValueError } from './errors';

/** Decimal mark of the interchange: X12 always '.', EDIFACT whatever UNA declares (',' by default in the standard). */
export type DecimalMark = '.' | ',';

/** Options of {@link parseDecimal}; 'either' accepts both marks, as EDIFACT receivers are told to. */
export interface ParseDecimalOptions {
  decimalMark?: DecimalMark | 'either';
}

/** Options of {@link formatDecimal}. */
export interface FormatDecimalOptions {
  /** Write an Nn element: no mark, value scaled by 10^n (rounded to n fraction digits). */
  impliedDecimals?: number;
  /** Mark for explicit decimals; default '.'. */
  decimalMark?: DecimalMark;
  /** Round (half away from zero, on the decimal value) to at most this many fraction digits. */
  maxFraction?: number;
  /** Pad with zeros to at least this many fraction digits (e.g. 2 for amounts like '12.50'). */
  minFraction?: number;
}

/** Exponents beyond this cannot produce a finite or non-zero double, so reject before building huge strings. */
const MAX_EXPONENT = 400;

/** The syntax of a number per decimal mark, compiled once (every quantity and price goes through here). */
const NUMBER_SYNTAX: Record<DecimalMark | 'either', RegExp> = {
  '.': /^(-?)(\d*)(?:\.(\d*))?(?:[Ee]([+-]?\d+))?$/,
  ',': /^(-?)(\d*)(?:,(\d*))?(?:[Ee]([+-]?\d+))?$/,
  either: /^(-?)(\d*)(?:[.,](\d*))?(?:[Ee]([+-]?\d+))?$/,
};

/** Parse an EDI number exactly: '-12.50' -> -12.5, ('1250', 2) -> 12.5, ('12,5', 0, {decimalMark: ','}) -> 12.5. */
export function parseDecimal(text: string, impliedDecimals = 0, options: ParseDecimalOptions = {}): number {
  // Most quantities are whole numbers of a few digits: up to 15 digits a double holds them exactly, and
  // every mark's syntax accepts them, so the general path could only give Number(text) for them.
  if (impliedDecimals === 0 && text.length > 0 && text.length <= 15 && digitsOnly(text)) return Number(text);
  checkCount(impliedDecimals, 'impliedDecimals');
  const mark = options.decimalMark ?? '.';
  const format = impliedDecimals > 0 ? `N${impliedDecimals}` : mark === '.' ? 'R' : `R(${mark})`;
  const match = NUMBER_SYNTAX[mark].exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) {
    const kind = impliedDecimals > 0 ? `a number with ${impliedDecimals} implied decimal${impliedDecimals === 1 ? '' : 's'}` : mark === '.' ? 'a decimal number' : `a decimal number with '${mark === 'either' ? '.' : mark}'${mark === 'either' ? " or ','" : ''} as its mark`;
    throw new EdiValueError(`'${text}' is not ${kind} (type ${format})`, text, format);
  }
  const [, sign, intDigits, fracDigits, exponentText] = match;
  const hasMark = fracDigits !== undefined;
  if (impliedDecimals > 0 && (hasMark || exponentText !== undefined)) {
    // An Nn element has no mark; guessing whether '12.50' meant 12.50 or 0.1250 would invent a value.
    throw new EdiValueError(`'${text}' has a decimal mark or exponent but the element has ${impliedDecimals} implied decimals`, text, format);
  }
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) {
    throw new EdiValueError(`'${text}' is out of range`, text, format);
  }
  const digits = intDigits + (fracDigits ?? '');
  const scale = (fracDigits ?? '').length + impliedDecimals - exponent;
  const decimal = normalizeDecimal(sign === '-', digits, scale);
  const value = Number(decimal);
  if (!Number.isFinite(value) || plainString(value) !== decimal) {
    throw new EdiValueError(`'${text}' has more significant digits than a JSON number holds exactly`, text, format);
  }
  return value === 0 ? 0 : value;
}

/** Write a number as an EDI numeric without exponent: formatDecimal(12.5, {impliedDecimals: 2}) -> '1250'. */
export function formatDecimal(n: number, options: FormatDecimalOptions = {}): string {
  if (!Number.isFinite(n)) {
    throw new EdiValueError(`${n} is not a finite number`, String(n), 'decimal');
  }
  const implied = options.impliedDecimals ?? 0;
  checkCount(implied, 'impliedDecimals');
  if (options.maxFraction !== undefined) checkCount(options.maxFraction, 'maxFraction');
  if (options.minFraction !== undefined) checkCount(options.minFraction, 'minFraction');
  let maxFraction = options.maxFraction ?? Infinity;
  if (options.impliedDecimals !== undefined) maxFraction = Math.min(maxFraction, implied);
  const minFraction = options.minFraction ?? 0;
  if (minFraction > maxFraction) {
    throw new RangeError(`minFraction ${minFraction} exceeds the ${maxFraction} fraction digits allowed`);
  }

  const [intPart, fracPart = ''] = plainString(Math.abs(n)).split('.');
  const [whole, roundedFraction] = roundHalfAwayFromZero(intPart, fracPart, maxFraction);
  let fraction = roundedFraction.replace(/0+$/, '');
  const negative = n < 0 && /[1-9]/.test(whole + fraction);
  const sign = negative ? '-' : '';

  if (options.impliedDecimals !== undefined) {
    const scaled = (whole + fraction.padEnd(implied, '0')).replace(/^0+(?=\d)/, '');
    return sign + scaled;
  }
  fraction = fraction.padEnd(minFraction, '0');
  return sign + whole + (fraction === '' ? '' : (options.decimalMark ?? '.') + fraction);
}

/** Round a non-negative decimal given as digit strings to maxFraction digits, half away from zero. */
function roundHalfAwayFromZero(whole: string, fraction: string, maxFraction: number): [string, string] {
  if (fraction.length <= maxFraction) return [whole, fraction];
  const kept = whole + fraction.slice(0, maxFraction);
  const roundUp = fraction.charCodeAt(maxFraction) >= 53; // '5'
  const digits = roundUp ? incrementDigits(kept) : kept;
  const wholeLength = digits.length - maxFraction;
  return [digits.slice(0, wholeLength), digits.slice(wholeLength)];
}

/** Add one unit in the last place to a digit string ('199' -> '200', '99' -> '100'). */
function incrementDigits(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] === '9') {
      out[i] = '0';
    } else {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
  }
  return '1' + out.join('');
}

/** Decimal string of sign × digits × 10^-scale, without leading or trailing zeros ('0' for zero). */
function normalizeDecimal(negative: boolean, digits: string, scale: number): string {
  let whole: string;
  let fraction: string;
  if (scale <= 0) {
    whole = digits + '0'.repeat(-scale);
    fraction = '';
  } else {
    const padded = digits.padStart(scale + 1, '0');
    whole = padded.slice(0, padded.length - scale);
    fraction = padded.slice(padded.length - scale);
  }
  whole = whole.replace(/^0+(?=\d)/, '');
  fraction = fraction.replace(/0+$/, '');
  const body = fraction === '' ? whole : `${whole}.${fraction}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** Shortest round-trip decimal of a finite double, without exponent notation (1e21 -> '1000000000000000000000'). */
function plainString(n: number): string {
  if (n === 0) return '0';
  const text = String(n);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign, whole, fraction = '', exponent] = match;
  return normalizeDecimal(sign === '-', whole + fraction, fraction.length - Number(exponent));
}

/** True when every character is an ASCII digit. */
function digitsOnly(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Counts of digits must be small non-negative integers; anything else is a programming error. */
function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 100) {
    throw new RangeError(`${name} must be an integer from 0 to 100, got ${value}`);
  }
}
