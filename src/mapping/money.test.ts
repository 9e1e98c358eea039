import { describe, expect, it } from 'vitest';
import { moneyToDecimal } from './money.ts';

describe('moneyToDecimal', () => {
  it.each([
    [{ centAmount: 1999, fractionDigits: 2, currencyCode: 'EUR' }, 19.99],
    [{ centAmount: 500, fractionDigits: 0, currencyCode: 'JPY' }, 500],
    [{ centAmount: 12345, fractionDigits: 3, currencyCode: 'KWD' }, 12.345],
    [{ centAmount: 0, fractionDigits: 2, currencyCode: 'EUR' }, 0],
    [
      { type: 'highPrecision', centAmount: 1, preciseAmount: 123456, fractionDigits: 7, currencyCode: 'EUR' },
      0.0123456,
    ],
    [{ centAmount: 10, currencyCode: 'EUR' }, 0.1],
  ])('%j → %s', (money, expected) => {
    expect(moneyToDecimal(money)).toBe(expected);
  });
});
