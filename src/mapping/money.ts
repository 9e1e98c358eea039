export interface MoneyLike {
  centAmount: number;
  fractionDigits?: number;
  currencyCode: string;
  type?: string;
  preciseAmount?: number;
}

/**
 * A commercetools money value as a decimal number: centAmount / 10^fractionDigits (preciseAmount for high
 * precision), using the value's own fraction digits (0 for JPY, 3 for KWD), rounded to those digits.
 */
export function moneyToDecimal(m: MoneyLike): number {
  const digits = m.fractionDigits ?? 2;
  const amount = m.type === 'highPrecision' && typeof m.preciseAmount === 'number' ? m.preciseAmount : m.centAmount;
  return Number((amount / 10 ** digits).toFixed(digits));
}
