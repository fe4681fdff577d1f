import fc from 'fast-check';
import {
  EdiValueError,
  formatEdiDate,
  formatEdiDateTime,
  formatEdiTime,
  isCalendarDate,
  isIsoDate,
  isIsoTime,
  parseEdiDate,
  parseEdiDateTime,
  parseEdiTime,
} from '../../src/canonical';
import type { EdiDateTimeFormat } from '../../src/canonical';

describe('calendar checks', () => {
  it('knows leap years', () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(2100, 2, 29)).toBe(false);
    expect(isCalendarDate(2024, 4, 31)).toBe(false);
    expect(isCalendarDate(2024, 12, 31)).toBe(true);
    expect(isCalendarDate(2024, 0, 1)).toBe(false);
    expect(isCalendarDate(0, 1, 1)).toBe(false);
  });

  it('checks ISO strings', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2024-02-30')).toBe(false);
    expect(isIsoDate('2024-2-29')).toBe(false);
    expect(isIsoDate('2024-02-29T00:00')).toBe(false);
    expect(isIsoTime('23:59')).toBe(true);
    expect(isIsoTime('23:59:59')).toBe(true);
    expect(isIsoTime('24:00')).toBe(false);
    expect(isIsoTime('12:60')).toBe(false);
    expect(isIsoTime('12:30:60')).toBe(false);
    expect(isIsoTime('12:30:00.5')).toBe(false);
  });

  it('agrees with Date.UTC on every day of four centuries (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2299 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, d) => {
        const date = new Date(Date.UTC(y, m - 1, d));
        const real = date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
        expect(isCalendarDate(y, m, d)).toBe(real);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('dates', () => {
  it('reads CCYYMMDD (X12 DT, EDIFACT 102, X12 D8)', () => {
    expect(parseEdiDate('20240229')).toBe('2024-02-29');
    expect(parseEdiDate('20240229', '102')).toBe('2024-02-29');
    expect(parseEdiDate('20000229', 'D8')).toBe('2000-02-29');
  });

  it('reads YYMMDD with the X12 century rule (00-49 -> 20YY, 50-99 -> 19YY)', () => {
    expect(parseEdiDate('240229', 'YYMMDD')).toBe('2024-02-29');
    expect(parseEdiDate('491231', '101')).toBe('2049-12-31');
    expect(parseEdiDate('500101', 'D6')).toBe('1950-01-01');
    expect(parseEdiDate('991231', 'YYMMDD')).toBe('1999-12-31');
    expect(parseEdiDate('000229', 'YYMMDD')).toBe('2000-02-29');
    expect(parseEdiDate('700101', 'YYMMDD', { centuryPivot: 80 })).toBe('2070-01-01');
  });

  it.each([
    ['20240230', 'CCYYMMDD'],
    ['20230229', 'CCYYMMDD'],
    ['19000229', '102'],
    ['20241301', 'CCYYMMDD'],
    ['20240000', 'CCYYMMDD'],
    ['00000101', 'CCYYMMDD'],
    ['2024022', 'CCYYMMDD'],
    ['2024-02-29', 'CCYYMMDD'],
    ['202402290', 'CCYYMMDD'],
    ['', 'CCYYMMDD'],
    ['20240229', 'YYMMDD'],
    ['230229', 'YYMMDD'],
    ['24022 ', '101'],
    ['990431', '101'],
  ] as const)('rejects %j as %s', (text, format) => {
    expect(() => parseEdiDate(text, format)).toThrow(EdiValueError);
  });

  it('names value and format in the error', () => {
    expect(() => parseEdiDate('20240230')).toThrow("'20240230' is not a calendar date (format CCYYMMDD)");
  });

  it('rejects unknown formats, including prototype keys', () => {
    expect(() => parseEdiDate('20240101', 'toString' as never)).toThrow(RangeError);
    expect(() => parseEdiDateTime('20240101', 'constructor' as never)).toThrow(/unknown date\/time format/);
  });

  it('writes dates back', () => {
    expect(formatEdiDate('2024-02-29')).toBe('20240229');
    expect(formatEdiDate('2024-02-29', '102')).toBe('20240229');
    expect(formatEdiDate('2024-02-29', 'YYMMDD')).toBe('240229');
    expect(formatEdiDate('1999-12-31', '101')).toBe('991231');
  });

  it('refuses to write what would not read back', () => {
    expect(() => formatEdiDate('2024-02-30')).toThrow(EdiValueError);
    expect(() => formatEdiDate('20240229')).toThrow(EdiValueError);
    expect(() => formatEdiDate('2075-01-01', 'YYMMDD')).toThrow(/would read back as 1975/);
    expect(() => formatEdiDate('1949-12-31', 'YYMMDD')).toThrow(EdiValueError);
  });

  const isoDate = fc
    .tuple(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
    .filter(([y, m, d]) => isCalendarDate(y, m, d))
    .map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

  it('round trips CCYYMMDD for every calendar date (property)', () => {
    fc.assert(
      fc.property(isoDate, (iso) => {
        expect(parseEdiDate(formatEdiDate(iso))).toBe(iso);
        expect(parseEdiDate(formatEdiDate(iso, '102'), '102')).toBe(iso);
      }),
      { numRuns: 2000 },
    );
  });

  it('round trips YYMMDD inside the century window (property)', () => {
    const windowed = isoDate.filter((iso) => iso >= '1950-01-01' && iso <= '2049-12-31');
    fc.assert(
      fc.property(windowed, (iso) => {
        expect(parseEdiDate(formatEdiDate(iso, 'YYMMDD'), 'YYMMDD')).toBe(iso);
      }),
    );
  });

  it('rejects every non-date 8-digit string (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), (n) => {
        const text = String(n).padStart(8, '0');
        const iso = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`;
        if (isIsoDate(iso) && text.slice(0, 4) !== '0000') expect(parseEdiDate(text)).toBe(iso);
        else expect(() => parseEdiDate(text)).toThrow(EdiValueError);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('times', () => {
  it('reads X12 TM / EDIFACT times', () => {
    expect(parseEdiTime('0930')).toBe('09:30');
    expect(parseEdiTime('235959')).toBe('23:59:59');
    expect(parseEdiTime('1015305')).toBe('10:15:30');
    expect(parseEdiTime('10153099')).toBe('10:15:30');
    expect(parseEdiTime('0000')).toBe('00:00');
  });

  it.each([['2400'], ['1260'], ['123060'], ['930'], ['12:30'], ['123'], ['123456789'], ['']])('rejects %j', (text) => {
    expect(() => parseEdiTime(text)).toThrow(EdiValueError);
  });

  it('writes times back', () => {
    expect(formatEdiTime('09:30')).toBe('0930');
    expect(formatEdiTime('09:30', { seconds: true })).toBe('093000');
    expect(formatEdiTime('23:59:59')).toBe('235959');
    expect(() => formatEdiTime('9:30')).toThrow(EdiValueError);
    expect(() => formatEdiTime('24:00')).toThrow(EdiValueError);
  });
});

describe('EDIFACT DTM and X12 DTM05/06 formats', () => {
  it('reads date/time formats 203, 204, DT', () => {
    expect(parseEdiDateTime('202403151030', '203')).toEqual({ date: '2024-03-15', time: '10:30' });
    expect(parseEdiDateTime('202403151030', 'DT')).toEqual({ date: '2024-03-15', time: '10:30' });
    expect(parseEdiDateTime('20240315103045', '204')).toEqual({ date: '2024-03-15', time: '10:30:45' });
    expect(parseEdiDateTime('20240315', '102')).toEqual({ date: '2024-03-15' });
    expect(parseEdiDateTime('240315', '101')).toEqual({ date: '2024-03-15' });
  });

  it('reads periods 718, RD8, 719', () => {
    expect(parseEdiDateTime('20240301-20240331', '718')).toEqual({ date: '2024-03-01', endDate: '2024-03-31' });
    expect(parseEdiDateTime('20240229-20240229', 'RD8')).toEqual({ date: '2024-02-29', endDate: '2024-02-29' });
    expect(parseEdiDateTime('202403010800-202403011700', '719')).toEqual({ date: '2024-03-01', time: '08:00', endDate: '2024-03-01', endTime: '17:00' });
  });

  it.each([
    ['202402301030', '203'],
    ['202403152460', '203'],
    ['20240315103', '203'],
    ['2024031510304', '204'],
    ['20240315103060', '204'],
    ['20240301-20240230', '718'],
    ['20240331-20240301', '718'],
    ['20240301', '718'],
    ['20240301-20240302-20240303', '718'],
    ['202403011700-202403010800', '719'],
  ] as [string, EdiDateTimeFormat][])('rejects %j as %s', (text, format) => {
    expect(() => parseEdiDateTime(text, format)).toThrow(EdiValueError);
  });

  it('writes DTM values back', () => {
    expect(formatEdiDateTime({ date: '2024-03-15', time: '10:30' }, '203')).toBe('202403151030');
    expect(formatEdiDateTime({ date: '2024-03-15', time: '10:30:45' }, '203')).toBe('202403151030');
    expect(formatEdiDateTime({ date: '2024-03-15', time: '10:30' }, '204')).toBe('20240315103000');
    expect(formatEdiDateTime({ date: '2024-03-15' }, '102')).toBe('20240315');
    expect(formatEdiDateTime({ date: '2024-03-15' }, '101')).toBe('240315');
    expect(formatEdiDateTime({ date: '2024-03-01', endDate: '2024-03-31' }, '718')).toBe('20240301-20240331');
    expect(formatEdiDateTime({ date: '2024-03-01', time: '08:00', endDate: '2024-03-01', endTime: '17:00' }, 'RDT')).toBe('202403010800-202403011700');
  });

  it('refuses incomplete or impossible values when writing', () => {
    expect(() => formatEdiDateTime({ date: '2024-03-15' }, '203')).toThrow(/needs a time/);
    expect(() => formatEdiDateTime({ date: '2024-03-01' }, '718')).toThrow(/needs an end date/);
    expect(() => formatEdiDateTime({ date: '2024-03-31', endDate: '2024-03-01' }, '718')).toThrow(/ends before it starts/);
    expect(() => formatEdiDateTime({ date: '2023-02-29', time: '10:00' }, '203')).toThrow(EdiValueError);
  });

  it('round trips every format (property)', () => {
    const point = fc
      .tuple(fc.integer({ min: 1950, max: 2049 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 86399 }))
      .filter(([y, m, d]) => isCalendarDate(y, m, d))
      .map(([y, m, d, s]) => ({
        date: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
        time: [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((v) => String(v).padStart(2, '0')).join(':'),
      }));
    const formats: EdiDateTimeFormat[] = ['CCYYMMDD', 'YYMMDD', '101', '102', 'D6', 'D8', '203', '204', 'DT', '718', '719', 'RD8', 'RDT'];
    fc.assert(
      fc.property(point, point, fc.constantFrom(...formats), (a, b, format) => {
        const [start, end] = `${a.date}T${a.time}` <= `${b.date}T${b.time}` ? [a, b] : [b, a];
        const value = { date: start.date, time: start.time, endDate: end.date, endTime: end.time };
        const text = formatEdiDateTime(value, format);
        const back = parseEdiDateTime(text, format);
        expect(formatEdiDateTime(back, format)).toBe(text);
        expect(back.date).toBe(start.date);
        if (back.time !== undefined) expect(start.time.startsWith(back.time)).toBe(true);
        if (back.endDate !== undefined) expect(back.endDate).toBe(end.date);
      }),
      { numRuns: 2000 },
    );
  });
});
