/**
 * Conversion between EDI date/time elements and the canonical ISO strings ('YYYY-MM-DD', 'HH:MM[:SS]').
 *
 * Why a checker of our own instead of `Date`: `new Date(2024, 1, 30)` silently becomes 1 March, which
 * would invent a date the partner never sent. Every value here is checked digit by digit against the
 * calendar and rejected with an {@link EdiValueError} when it does not exist.
 */
import { EdiValueError } from './errors';

/** Date-only formats: X12 DT (CCYYMMDD, or YYMMDD in ISA09 and pre-4010), EDIFACT 2379 codes 102/101, X12 1250 codes D8/D6. */
export type EdiDateFormat = 'CCYYMMDD' | 'YYMMDD' | '102' | '101' | 'D8' | 'D6';

/** Date/time and period formats: EDIFACT 2379 (DTM 3rd component) and X12 1250 (DTM05/06 qualifier). */
export type EdiDateTimeFormat = EdiDateFormat | '203' | '204' | '718' | '719' | 'DT' | 'RD8' | 'RDT';

/** A DTM value in canonical form; a period (718, RD8, …) also has an end. */
export interface EdiDateTime {
  date: string;
  time?: string;
  endDate?: string;
  endTime?: string;
}

/** How a two-digit year gets its century. */
export interface CenturyOptions {
  /** Years below the pivot are 20YY, the others 19YY; default 50, the usual X12 reading of ISA09 and DT 6. */
  centuryPivot?: number;
}

/** Calendar check on numbers; true for 2024-02-29, false for 2023-02-29 and 2024-02-30. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** True for a real calendar date written 'YYYY-MM-DD'. */
export function isIsoDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** True for a time of day written 'HH:MM' or 'HH:MM:SS' (00:00 to 23:59:59). */
export function isIsoTime(text: string): boolean {
  return ISO_TIME.test(text);
}

/** Pattern for canonical times, shared with the zod schemas so both reject the same strings. */
export const ISO_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?$/;

/** EDI date element -> 'YYYY-MM-DD': parseEdiDate('20240229') -> '2024-02-29', parseEdiDate('991231', 'YYMMDD') -> '1999-12-31'. */
export function parseEdiDate(text: string, format: EdiDateFormat = 'CCYYMMDD', options: CenturyOptions = {}): string {
  const shape = dateShape(format);
  if (text.length !== shape.length || !/^\d+$/.test(text)) {
    throw new EdiValueError(`'${text}' is not a date in format ${format} (${shape.pattern})`, text, format);
  }
  const year = shape.length === 8 ? Number(text.slice(0, 4)) : expandYear(Number(text.slice(0, 2)), options);
  const rest = text.slice(shape.length - 4);
  const month = Number(rest.slice(0, 2));
  const day = Number(rest.slice(2, 4));
  if (!isCalendarDate(year, month, day)) {
    throw new EdiValueError(`'${text}' is not a calendar date (format ${format})`, text, format);
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** 'YYYY-MM-DD' -> EDI date element; a year outside the two-digit window is rejected for YYMMDD rather than misdated. */
export function formatEdiDate(iso: string, format: EdiDateFormat = 'CCYYMMDD', options: CenturyOptions = {}): string {
  const shape = dateShape(format);
  if (!isIsoDate(iso)) throw new EdiValueError(`'${iso}' is not an ISO calendar date YYYY-MM-DD`, iso, 'YYYY-MM-DD');
  const compact = iso.replace(/-/g, '');
  if (shape.length === 8) return compact;
  const year = Number(compact.slice(0, 4));
  if (expandYear(year % 100, options) !== year) {
    throw new EdiValueError(`year ${year} cannot be written as ${format}: it would read back as ${expandYear(year % 100, options)}`, iso, format);
  }
  return compact.slice(2);
}

/** EDI time element (X12 TM: HHMM, HHMMSS, HHMMSSD, HHMMSSDD) -> 'HH:MM[:SS]'; decimal seconds are dropped, the canonical time has none. */
export function parseEdiTime(text: string): string {
  const match = /^(\d{2})(\d{2})(?:(\d{2})\d{0,2})?$/.exec(text);
  if (match === null) throw new EdiValueError(`'${text}' is not a time HHMM[SS[D[D]]]`, text, 'HHMM');
  const iso = match[3] === undefined ? `${match[1]}:${match[2]}` : `${match[1]}:${match[2]}:${match[3]}`;
  if (!isIsoTime(iso)) throw new EdiValueError(`'${text}' is not a time of day`, text, 'HHMM');
  return iso;
}

/** 'HH:MM[:SS]' -> EDI time element: HHMM, or HHMMSS when the value has seconds or `seconds` is asked for. */
export function formatEdiTime(iso: string, options: { seconds?: boolean } = {}): string {
  if (!isIsoTime(iso)) throw new EdiValueError(`'${iso}' is not a time HH:MM[:SS]`, iso, 'HH:MM[:SS]');
  const [hh, mm, ss] = iso.split(':');
  if (ss !== undefined) return hh + mm + ss;
  return options.seconds === true ? `${hh}${mm}00` : hh + mm;
}

/** DTM value -> canonical parts: ('202403151030', '203') -> {date: '2024-03-15', time: '10:30'}; 718 also yields endDate. */
export function parseEdiDateTime(text: string, format: EdiDateTimeFormat, options: CenturyOptions = {}): EdiDateTime {
  if (Object.hasOwn(DATE_SHAPES, format)) return { date: parseEdiDate(text, format as EdiDateFormat, options) };
  const shape = dateTimeShape(format);
  const fail = (why: string): never => {
    throw new EdiValueError(`'${text}' is not ${why} in format ${format} (${shape.pattern})`, text, format);
  };
  const single = 8 + shape.timeLength;
  const parts = shape.period ? text.split('-') : [text];
  if (parts.length !== (shape.period ? 2 : 1) || parts.some((part) => part.length !== single || !/^\d+$/.test(part))) {
    return fail('a valid value');
  }
  const points = parts.map((part) => {
    try {
      const date = parseEdiDate(part.slice(0, 8), 'CCYYMMDD');
      const time = shape.timeLength > 0 ? parseEdiTime(part.slice(8)) : undefined;
      return { date, time };
    } catch {
      return fail('a calendar date/time');
    }
  });
  const [start, end] = points;
  const result: EdiDateTime = { date: start.date };
  if (start.time !== undefined) result.time = start.time;
  if (end !== undefined) {
    if (`${end.date}T${end.time ?? ''}` < `${start.date}T${start.time ?? ''}`) fail('a period whose end follows its start');
    result.endDate = end.date;
    if (end.time !== undefined) result.endTime = end.time;
  }
  return result;
}

/** Canonical parts -> DTM value; seconds are cut for minute formats (203, DT, 719, RDT), ':00' is added for 204. */
export function formatEdiDateTime(value: EdiDateTime, format: EdiDateTimeFormat, options: CenturyOptions = {}): string {
  if (Object.hasOwn(DATE_SHAPES, format)) return formatEdiDate(value.date, format as EdiDateFormat, options);
  const shape = dateTimeShape(format);
  const point = (date: string | undefined, time: string | undefined, what: string): string => {
    if (date === undefined) throw new EdiValueError(`format ${format} needs ${what}`, '', format);
    const day = formatEdiDate(date, 'CCYYMMDD');
    if (shape.timeLength === 0) return day;
    if (time === undefined) throw new EdiValueError(`format ${format} needs a time with ${what}`, date, format);
    return day + formatEdiTime(time, { seconds: true }).slice(0, shape.timeLength);
  };
  const start = point(value.date, value.time, 'a date');
  if (!shape.period) return start;
  const end = point(value.endDate, value.endTime, 'an end date');
  if (end < start) throw new EdiValueError(`period ${start}-${end} ends before it starts`, `${start}-${end}`, format);
  return `${start}-${end}`;
}

const DATE_SHAPES: Record<EdiDateFormat, { length: 6 | 8; pattern: string }> = {
  CCYYMMDD: { length: 8, pattern: 'CCYYMMDD' },
  '102': { length: 8, pattern: 'CCYYMMDD' },
  D8: { length: 8, pattern: 'CCYYMMDD' },
  YYMMDD: { length: 6, pattern: 'YYMMDD' },
  '101': { length: 6, pattern: 'YYMMDD' },
  D6: { length: 6, pattern: 'YYMMDD' },
};

const DATETIME_SHAPES: Record<Exclude<EdiDateTimeFormat, EdiDateFormat>, { timeLength: 0 | 4 | 6; period: boolean; pattern: string }> = {
  '203': { timeLength: 4, period: false, pattern: 'CCYYMMDDHHMM' },
  DT: { timeLength: 4, period: false, pattern: 'CCYYMMDDHHMM' },
  '204': { timeLength: 6, period: false, pattern: 'CCYYMMDDHHMMSS' },
  '718': { timeLength: 0, period: true, pattern: 'CCYYMMDD-CCYYMMDD' },
  RD8: { timeLength: 0, period: true, pattern: 'CCYYMMDD-CCYYMMDD' },
  '719': { timeLength: 4, period: true, pattern: 'CCYYMMDDHHMM-CCYYMMDDHHMM' },
  RDT: { timeLength: 4, period: true, pattern: 'CCYYMMDDHHMM-CCYYMMDDHHMM' },
};

// Formats arrive from mapping files, so look them up as own keys only ('toString' is not a format).
function dateShape(format: string): (typeof DATE_SHAPES)[EdiDateFormat] {
  if (!Object.hasOwn(DATE_SHAPES, format)) throw new RangeError(`unknown date format '${format}'`);
  return DATE_SHAPES[format as EdiDateFormat];
}

function dateTimeShape(format: string): (typeof DATETIME_SHAPES)[keyof typeof DATETIME_SHAPES] {
  if (!Object.hasOwn(DATETIME_SHAPES, format)) throw new RangeError(`unknown date/time format '${format}'`);
  return DATETIME_SHAPES[format as keyof typeof DATETIME_SHAPES];
}

function expandYear(twoDigits: number, options: CenturyOptions): number {
  const pivot = options.centuryPivot ?? 50;
  if (!Number.isInteger(pivot) || pivot < 0 || pivot > 100) throw new RangeError(`centuryPivot must be 0..100, got ${pivot}`);
  return twoDigits < pivot ? 2000 + twoDigits : 1900 + twoDigits;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
