import { type MoneyLike, moneyToDecimal } from './money.ts';

export interface PriceLike {
  value: MoneyLike;
  customerGroup?: unknown;
  channel?: unknown;
  country?: string;
  validFrom?: string;
  validUntil?: string;
}

/** Which prices a route prefers: its price channel's and its customer group's (a store route's settings). */
export interface PriceScope {
  channelId?: string;
  customerGroupId?: string;
}

const refId = (ref: unknown): string | undefined =>
  ref && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string'
    ? (ref as { id: string }).id
    : undefined;

/**
 * The price Klaviyo gets for a variant, by the seed's rules with the plugin's bugs fixed:
 * - with a preferred currency, only prices in it (none → undefined, sent as 0); without one, the currency of
 *   the first eligible price;
 * - prices for a customer group are ignored, except the scope's group; expired and not-yet-valid prices are ignored;
 * - a price for the scope's customer group, then for its channel, comes first;
 * - a dated price valid now beats an undated one; among dated ones the one whose validity ends soonest wins;
 * - a price without channel and country beats a scoped one.
 */
export function selectPrice<P extends PriceLike>(
  prices: readonly P[],
  options: { currency?: string; nowMs: number } & PriceScope,
): P | undefined {
  const eligible = prices.filter((p) => {
    if (p.customerGroup && (!options.customerGroupId || refId(p.customerGroup) !== options.customerGroupId))
      return false;
    if (p.validFrom && Date.parse(p.validFrom) > options.nowMs) return false;
    if (p.validUntil && Date.parse(p.validUntil) < options.nowMs) return false;
    return true;
  });
  const currency = options.currency ?? eligible[0]?.value.currencyCode;
  const inCurrency = eligible.filter((p) => p.value.currencyCode === currency);
  const preference = (p: P) =>
    (options.customerGroupId && refId(p.customerGroup) === options.customerGroupId ? 2 : 0) +
    (options.channelId && refId(p.channel) === options.channelId ? 1 : 0);
  const rank = (p: P): [number, number, number, number] => [
    -preference(p),
    p.validFrom || p.validUntil ? 0 : 1,
    p.validUntil ? Date.parse(p.validUntil) : Number.POSITIVE_INFINITY,
    (p.channel ? 1 : 0) + (p.country ? 1 : 0),
  ];
  return [...inCurrency].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || ra[3] - rb[3];
  })[0];
}

/** The selected price as a number (0 when there is none, as the seed says). */
export function priceAmount(
  prices: readonly PriceLike[],
  options: { currency?: string; nowMs: number } & PriceScope,
): number {
  const p = selectPrice(prices, options);
  return p ? moneyToDecimal(p.value) : 0;
}

/** One price per currency (by the same rules), for custom_metadata. */
export function pricesByCurrency(prices: readonly PriceLike[], nowMs: number): Record<string, number> {
  const currencies = [...new Set(prices.map((p) => p.value.currencyCode))].sort();
  const out: Record<string, number> = {};
  for (const c of currencies) {
    const p = selectPrice(prices, { currency: c, nowMs });
    if (p) out[c] = moneyToDecimal(p.value);
  }
  return out;
}
