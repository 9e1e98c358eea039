import type { Cart } from '@commercetools/platform-sdk';
import type { EventAttributes, EventProfile } from '../klaviyo/types.ts';
import { type LocalizedString, pickLocalized } from './localized.ts';
import { moneyToDecimal } from './money.ts';
import { lineDetails, type OrderContext, type OrderMappingOptions, textLocale } from './order-to-events.ts';

export interface CheckoutOptions {
  metricName: string;
  /** The checkout link, with `{{cartId}}`. */
  checkoutUrlTemplate?: string;
  /** At most one Started Checkout per cart in each window of this many minutes. */
  windowMinutes: number;
}

export type CartMapping =
  | { kind: 'event'; profile: EventProfile; event: EventAttributes }
  | { kind: 'skip'; reason: string; isAnonymous?: boolean };

function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

/**
 * An active cart with a customer email (or a customer) and at least one line item → Started Checkout, with
 * Placed Order's item shape. Its `unique_id` is the cart id and the window its last change falls in, so a cart
 * changed again and again sends at most one event per window, and a cart changed in a later window sends again.
 * Merged, ordered and frozen carts, empty carts and carts nobody can be identified by are skipped, with the reason.
 */
export function cartToStartedCheckout(
  cart: Cart,
  ctx: OrderContext,
  orderOptions: Pick<OrderMappingOptions, 'preferredLocale' | 'textLocale' | 'productUrlTemplate'>,
  options: CheckoutOptions,
): CartMapping {
  if (cart.cartState !== 'Active') return { kind: 'skip', reason: `cart ${cart.id} is ${cart.cartState}` };
  const email = cart.customerEmail?.trim() || undefined;
  const externalId = cart.customerId || undefined;
  if (!email && !externalId)
    return { kind: 'skip', reason: `cart ${cart.id} is anonymous (no email, no customer)`, isAnonymous: true };
  if (cart.lineItems.length === 0) return { kind: 'skip', reason: `cart ${cart.id} has no line items` };
  const locale = textLocale(cart, orderOptions);
  const lines = cart.lineItems.map((li) => lineDetails(li, ctx, { ...orderOptions, preferredLocale: locale }));
  const customNames = (cart.customLineItems ?? [])
    .map((c) => pickLocalized(c.name as LocalizedString, locale))
    .filter((n): n is string => Boolean(n));
  const windowMs = options.windowMinutes * 60_000;
  const changedAt = cart.lastModifiedAt ?? cart.createdAt;
  const window = Math.floor(Date.parse(changedAt) / windowMs);
  const total = moneyToDecimal(cart.totalPrice);
  const profile: EventProfile = {
    type: 'profile',
    attributes: compact({ email, external_id: externalId }) as EventProfile['attributes'],
  };
  return {
    kind: 'event',
    profile,
    event: {
      metric: { data: { type: 'metric', attributes: { name: options.metricName } } },
      time: changedAt,
      value: total,
      value_currency: cart.totalPrice.currencyCode,
      unique_id: `${cart.id}:${window}`,
      properties: compact({
        CartId: cart.id,
        ItemNames: [
          ...new Set([...lines.map((l) => l.ProductName).filter((n): n is string => Boolean(n)), ...customNames]),
        ],
        Categories: [...new Set(lines.flatMap((l) => l.Categories))],
        Items: lines.map((l) => compact({ ...l })),
        ItemCount:
          lines.reduce((n, l) => n + l.Quantity, 0) + (cart.customLineItems ?? []).reduce((n, c) => n + c.quantity, 0),
        CheckoutURL: options.checkoutUrlTemplate?.replaceAll('{{cartId}}', encodeURIComponent(cart.id)),
        Currency: cart.totalPrice.currencyCode,
        Locale: cart.locale,
        Store: cart.store?.key,
      }),
    },
  };
}
