import fc from 'fast-check';
import { EdiValueError, formatDecimal, parseDecimal } from '../../src/canonical';

/** Decimals as EDI carries them: up to 9 integer digits and up to 6 fraction digits, either sign. */
const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 999_999_999n }), fc.integer({ min: 0, max: 6 }), fc.bigInt({ min: 0n, max: 999_999n }))
  .map(([negative, whole, fractionDigits, fraction]) => {
    const frac = fractionDigits === 0 ? '' : `.${(fraction % 10n ** BigInt(fractionDigits)).toString().padStart(fractionDigits, '0')}`;
    return `${negative ? '-' : ''}${whole}${frac}`;
  });

/** The JSON number a partner means by a decimal text: what JSON.parse would give. */
const decimalNumber = decimalText.map((text) => {
  const n = Number(text);
  return n === 0 ? 0 : n;
});

describe('parseDecimal', () => {
  it('parses explicit decimals exactly', () => {
    expect(parseDecimal('-12.50')).toBe(-12.5);
    expect(parseDecimal('12')).toBe(12);
    expect(parseDecimal('0012.500')).toBe(12.5);
    expect(parseDecimal('.5')).toBe(0.5);
    expect(parseDecimal('5.')).toBe(5);
    expect(parseDecimal('0.1')).toBe(0.1);
    expect(parseDecimal('1.1')).toBe(1.1);
    expect(parseDecimal('-0')).toBe(0);
    expect(Object.is(parseDecimal('-0.00'), 0)).toBe(true);
  });

  it('gives whole numbers of up to 15 digits what the general path gives (the same text with a point)', () => {
    const digits = fc.stringMatching(/^\d{1,16}$/);
    fc.assert(
      fc.property(digits, fc.constantFrom<'.' | ',' | 'either'>('.', ',', 'either'), (text, mark) => {
        const general = parseDecimal(`${text}${mark === ',' ? ',' : '.'}`, 0, { decimalMark: mark });
        expect(Object.is(parseDecimal(text, 0, { decimalMark: mark }), general)).toBe(true);
      }),
    );
    expect(Object.is(parseDecimal('000'), 0)).toBe(true);
    expect(parseDecimal('999999999999999')).toBe(999_999_999_999_999);
    expect(() => parseDecimal('12345678901234567')).toThrow(EdiValueError);
  });

  it('applies implied decimals by moving the point, not by dividing (X12 N2, TDS01)', () => {
    expect(parseDecimal('1250', 2)).toBe(12.5);
    expect(parseDecimal('-1250', 2)).toBe(-12.5);
    expect(parseDecimal('5', 2)).toBe(0.05);
    expect(parseDecimal('0', 2)).toBe(0);
    expect(parseDecimal('110', 2)).toBe(1.1);
    expect(parseDecimal('35998', 2)).toBe(359.98);
    expect(parseDecimal('1', 6)).toBe(0.000001);
    // 57 / 100 in floating point is 0.5700000000000001; the string shift gives the decimal itself.
    expect(parseDecimal('57', 2)).toBe(0.57);
    expect(parseDecimal('1234567', 3)).toBe(1234.567);
  });

  it('accepts the EDIFACT comma mark when told to', () => {
    expect(parseDecimal('12,5', 0, { decimalMark: ',' })).toBe(12.5);
    expect(parseDecimal('-0,75', 0, { decimalMark: ',' })).toBe(-0.75);
    expect(parseDecimal('12.5', 0, { decimalMark: 'either' })).toBe(12.5);
    expect(parseDecimal('12,5', 0, { decimalMark: 'either' })).toBe(12.5);
    expect(() => parseDecimal('12.5', 0, { decimalMark: ',' })).toThrow(EdiValueError);
    expect(() => parseDecimal('12,5')).toThrow(EdiValueError);
  });

  it('accepts X12 R exponent notation', () => {
    expect(parseDecimal('1.5E3')).toBe(1500);
    expect(parseDecimal('25E-3')).toBe(0.025);
    expect(parseDecimal('-1e+2')).toBe(-100);
  });

  it.each([[''], ['-'], ['.'], ['+12'], ['12a'], ['1 2'], [' 12'], ['12.5.1'], ['1,000.00'], ['E5'], ['1E'], ['0x10'], ['Infinity'], ['1E999']])(
    'rejects %j',
    (text) => {
      expect(() => parseDecimal(text)).toThrow(EdiValueError);
    },
  );

  it('rejects a decimal mark in an implied-decimal element instead of guessing', () => {
    expect(() => parseDecimal('12.50', 2)).toThrow(/implied decimals/);
    expect(() => parseDecimal('1E2', 2)).toThrow(EdiValueError);
  });

  it('rejects values a JSON number cannot hold exactly', () => {
    expect(() => parseDecimal('9007199254740993')).toThrow(/significant digits/);
    expect(() => parseDecimal('0.12345678901234567890')).toThrow(EdiValueError);
    expect(parseDecimal('9007199254740992')).toBe(9007199254740992);
  });

  it('reports value and format on the error', () => {
    try {
      parseDecimal('12x', 2);
      throw new Error('expected a throw');
    } catch (error) {
      expect(error).toBeInstanceOf(EdiValueError);
      expect(error).toMatchObject({ value: '12x', format: 'N2' });
    }
  });

  it('rejects nonsense digit counts', () => {
    expect(() => parseDecimal('1', -1)).toThrow(RangeError);
    expect(() => parseDecimal('1', 1.5)).toThrow(RangeError);
  });

  it('gives the same number JSON.parse gives for any decimal text (property)', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const expected = Number(text) === 0 ? 0 : Number(text);
        expect(parseDecimal(text)).toBe(expected);
        expect(parseDecimal(text.replace('.', ','), 0, { decimalMark: ',' })).toBe(expected);
      }),
    );
  });
});

describe('formatDecimal', () => {
  it('writes the shortest exact decimal without exponent', () => {
    expect(formatDecimal(-12.5)).toBe('-12.5');
    expect(formatDecimal(12)).toBe('12');
    expect(formatDecimal(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatDecimal(1e21)).toBe('1000000000000000000000');
    expect(formatDecimal(1.5e-7)).toBe('0.00000015');
    expect(formatDecimal(-0)).toBe('0');
  });

  it('writes implied decimals (N2) and rounds to them', () => {
    expect(formatDecimal(12.5, { impliedDecimals: 2 })).toBe('1250');
    expect(formatDecimal(-12.5, { impliedDecimals: 2 })).toBe('-1250');
    expect(formatDecimal(0.05, { impliedDecimals: 2 })).toBe('5');
    expect(formatDecimal(0, { impliedDecimals: 2 })).toBe('0');
    expect(formatDecimal(1.005, { impliedDecimals: 2 })).toBe('101');
    expect(formatDecimal(359.98, { impliedDecimals: 2 })).toBe('35998');
    expect(formatDecimal(-0.001, { impliedDecimals: 2 })).toBe('0');
  });

  it('rounds the decimal value half away from zero, unlike toFixed', () => {
    expect((1.005).toFixed(2)).toBe('1.00');
    expect(formatDecimal(1.005, { maxFraction: 2 })).toBe('1.01');
    expect(formatDecimal(-2.345, { maxFraction: 2 })).toBe('-2.35');
    expect(formatDecimal(9.999, { maxFraction: 2 })).toBe('10');
    expect(formatDecimal(0.4, { maxFraction: 0 })).toBe('0');
    expect(formatDecimal(0.5, { maxFraction: 0 })).toBe('1');
    expect(formatDecimal(1.2344, { maxFraction: 3 })).toBe('1.234');
  });

  it('pads to minFraction and uses the requested mark', () => {
    expect(formatDecimal(12.5, { minFraction: 2 })).toBe('12.50');
    expect(formatDecimal(12, { minFraction: 2, decimalMark: ',' })).toBe('12,00');
    expect(formatDecimal(-0.75, { decimalMark: ',' })).toBe('-0,75');
    expect(() => formatDecimal(1, { minFraction: 3, maxFraction: 2 })).toThrow(RangeError);
  });

  it('rejects non-finite numbers', () => {
    expect(() => formatDecimal(NaN)).toThrow(EdiValueError);
    expect(() => formatDecimal(Infinity)).toThrow(EdiValueError);
  });
});

describe('round trips (property)', () => {
  it('parseDecimal(formatDecimal(x)) === x for decimals with up to 6 fraction digits', () => {
    fc.assert(
      fc.property(decimalNumber, (x) => {
        expect(parseDecimal(formatDecimal(x))).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });

  it('round trips through implied decimals (N6 to N8 hold every 6-digit fraction)', () => {
    fc.assert(
      fc.property(decimalNumber, fc.integer({ min: 6, max: 8 }), (x, implied) => {
        const text = formatDecimal(x, { impliedDecimals: implied });
        expect(text).toMatch(/^-?\d+$/);
        expect(parseDecimal(text, implied)).toBe(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('round trips through the EDIFACT comma', () => {
    fc.assert(
      fc.property(decimalNumber, (x) => {
        const text = formatDecimal(x, { decimalMark: ',' });
        expect(text).not.toContain('.');
        expect(parseDecimal(text, 0, { decimalMark: ',' })).toBe(x);
      }),
    );
  });

  it('round trips any finite double with at most 15 significant digits', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }), (d) => {
        const x = Number(d.toPrecision(15));
        const text = formatDecimal(x);
        expect(text).not.toMatch(/e/i);
        expect(parseDecimal(text)).toBe(x === 0 ? 0 : x);
      }),
      { numRuns: 1000 },
    );
  });

  it('formats what it parses back to the normalized text', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        const normalized = formatDecimal(parseDecimal(text));
        expect(parseDecimal(normalized)).toBe(parseDecimal(text));
        expect(normalized).not.toMatch(/^-?0\d|\.\d*0$|^-0$/);
      }),
    );
  });
});
