import { describe, expect, it } from 'vitest';
import { priceAmount, pricesByCurrency, selectPrice } from './price-selection.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const eur = (centAmount: number, extra: Record<string, unknown> = {}) => ({
  value: { centAmount, fractionDigits: 2, currencyCode: 'EUR' },
  ...extra,
});
const usd = (centAmount: number, extra: Record<string, unknown> = {}) => ({
  value: { centAmount, fractionDigits: 2, currencyCode: 'USD' },
  ...extra,
});
const PAST = { validFrom: '2025-01-01T00:00:00Z', validUntil: '2025-12-31T00:00:00Z' };
const FUTURE = { validFrom: '2027-01-01T00:00:00Z', validUntil: '2027-12-31T00:00:00Z' };
const NOW_LONG = { validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-12-31T00:00:00Z' };
const NOW_SHORT = { validFrom: '2026-05-01T00:00:00Z', validUntil: '2026-06-30T00:00:00Z' };

describe('price selection', () => {
  it.each([
    ['the only price', [eur(1000)], undefined, 10],
    ['no price → 0', [], undefined, 0],
    ['preferred currency only', [eur(1000), usd(1200)], 'USD', 12],
    ['preferred currency missing → 0', [eur(1000)], 'GBP', 0],
    ['first price currency when none is preferred', [usd(1200), eur(1000)], undefined, 12],
    ['customer-group prices ignored', [eur(500, { customerGroup: { id: 'g' } }), eur(1000)], 'EUR', 10],
    ['expired price ignored', [eur(500, PAST), eur(1000)], 'EUR', 10],
    ['not-yet-valid price ignored', [eur(500, FUTURE), eur(1000)], 'EUR', 10],
    ['a dated price valid now beats an undated one', [eur(1000), eur(800, NOW_LONG)], 'EUR', 8],
    [
      'among dated prices valid now, the soonest ending wins',
      [eur(800, NOW_LONG), eur(700, NOW_SHORT), eur(1000)],
      'EUR',
      7,
    ],
    [
      'an unscoped price beats a channel or country price',
      [eur(900, { channel: { id: 'c' } }), eur(1000), eur(950, { country: 'DE' })],
      'EUR',
      10,
    ],
    ['only a channel price → it is used', [eur(900, { channel: { id: 'c' } })], 'EUR', 9],
  ])('%s', (_name, prices, currency, expected) => {
    expect(priceAmount(prices, { currency, nowMs: NOW })).toBe(expected);
  });

  it('handles 0 and 3 fraction digits', () => {
    expect(priceAmount([{ value: { centAmount: 500, fractionDigits: 0, currencyCode: 'JPY' } }], { nowMs: NOW })).toBe(
      500,
    );
    expect(priceAmount([{ value: { centAmount: 1234, fractionDigits: 3, currencyCode: 'KWD' } }], { nowMs: NOW })).toBe(
      1.234,
    );
  });

  it('lists one price per currency for metadata', () => {
    expect(pricesByCurrency([eur(1000), usd(1200), eur(800, NOW_SHORT), usd(100, { customerGroup: {} })], NOW)).toEqual(
      { EUR: 8, USD: 12 },
    );
  });

  it('returns the price object itself', () => {
    const dated = eur(800, NOW_LONG);
    expect(selectPrice([eur(1000), dated], { nowMs: NOW })).toBe(dated);
  });
});

describe('selectPrice with a price scope (a store route)', () => {
  const nowMs = Date.parse('2026-06-01T00:00:00Z');
  const eur = (cents: number, extra: Record<string, unknown> = {}) => ({
    value: { currencyCode: 'EUR', centAmount: cents, fractionDigits: 2 },
    ...extra,
  });
  const prices = [
    eur(1000),
    eur(900, { channel: { typeId: 'channel', id: 'ch-de' } }),
    eur(800, { customerGroup: { typeId: 'customer-group', id: 'b2b' } }),
  ];
  it('prefers the scope customer group, then its channel, over the unscoped price', () => {
    expect(selectPrice(prices, { currency: 'EUR', nowMs })?.value.centAmount).toBe(1000);
    expect(selectPrice(prices, { currency: 'EUR', nowMs, channelId: 'ch-de' })?.value.centAmount).toBe(900);
    expect(selectPrice(prices, { currency: 'EUR', nowMs, customerGroupId: 'b2b' })?.value.centAmount).toBe(800);
    expect(selectPrice(prices, { currency: 'EUR', nowMs, channelId: 'other' })?.value.centAmount).toBe(1000);
  });
});
