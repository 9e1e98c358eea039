import type { Cart } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { cartToStartedCheckout } from './cart-to-event.ts';
import type { OrderContext } from './order-to-events.ts';

const money = (centAmount: number) => ({ type: 'centPrecision', centAmount, currencyCode: 'EUR', fractionDigits: 2 });
const CART = {
  id: 'cart-1',
  version: 4,
  cartState: 'Active',
  customerEmail: 'ann@example.com',
  createdAt: '2024-03-01T10:00:00.000Z',
  lastModifiedAt: '2024-03-01T10:20:00.000Z',
  locale: 'de',
  totalPrice: money(2000),
  lineItems: [
    {
      id: 'li-1',
      productId: 'p-1',
      name: { en: 'Jeans', de: 'Jeans (de)' },
      productSlug: { en: 'jeans' },
      variant: { id: 1, sku: 'SKU-1', images: [{ url: 'https://img/1.jpg' }] },
      price: { value: money(1000) },
      quantity: 2,
      totalPrice: money(2000),
    },
  ],
  customLineItems: [],
};
const cart = (c: Record<string, unknown> = {}) => ({ ...CART, ...c }) as unknown as Cart;
const CTX: OrderContext = {
  products: new Map([['p-1', { id: 'p-1', categoryIds: ['cat'], imageByVariantId: {} }]]),
  categories: new Map([['cat', { id: 'cat', name: { en: 'Pants', de: 'Hosen' } }]]),
};
const OPTIONS = {
  metricName: 'Started Checkout',
  checkoutUrlTemplate: 'https://shop/checkout/{{cartId}}',
  windowMinutes: 60,
};
const map = (c: Cart, orderOptions = { preferredLocale: 'en' }, options = OPTIONS) =>
  cartToStartedCheckout(c, CTX, { ...orderOptions, productUrlTemplate: 'https://shop/p/{{productSlug}}' }, options);

describe('cartToStartedCheckout', () => {
  it('an active cart with an email and items → Started Checkout with Placed Order’s item shape and the checkout link', () => {
    const m = map(cart());
    if (m.kind !== 'event') throw new Error(m.reason);
    expect(m.profile).toEqual({ type: 'profile', attributes: { email: 'ann@example.com' } });
    expect(m.event).toMatchObject({
      metric: { data: { attributes: { name: 'Started Checkout' } } },
      time: '2024-03-01T10:20:00.000Z',
      value: 20,
      value_currency: 'EUR',
      properties: {
        CartId: 'cart-1',
        ItemNames: ['Jeans'],
        Categories: ['Pants'],
        Items: [
          {
            ProductID: 'p-1',
            SKU: 'SKU-1',
            Quantity: 2,
            ItemPrice: 10,
            RowTotal: 20,
            ProductURL: 'https://shop/p/jeans',
          },
        ],
        ItemCount: 2,
        CheckoutURL: 'https://shop/checkout/cart-1',
      },
    });
    expect(m.event.backfill).toBeUndefined();
  });

  it('one event per cart and window: a change in the same window has the same unique id, a later window another', () => {
    const id = (at: string) => {
      const m = map(cart({ lastModifiedAt: at }));
      return m.kind === 'event' ? m.event.unique_id : undefined;
    };
    expect(id('2024-03-01T10:20:00.000Z')).toBe(id('2024-03-01T10:59:59.000Z'));
    expect(id('2024-03-01T11:00:00.000Z')).not.toBe(id('2024-03-01T10:59:59.000Z'));
    expect(id('2024-03-01T10:20:00.000Z')).toMatch(/^cart-1:\d+$/);
  });

  it('a cart of a registered customer without an email goes to the customer’s profile', () => {
    const m = map(cart({ customerEmail: undefined, customerId: 'c-1' }));
    expect(m.kind === 'event' && m.profile.attributes).toEqual({ external_id: 'c-1' });
  });

  it.each([
    [{ cartState: 'Merged' }, /is Merged/],
    [{ cartState: 'Ordered' }, /is Ordered/],
    [{ cartState: 'Frozen' }, /is Frozen/],
    [{ lineItems: [] }, /has no line items/],
  ])('skips %o', (c, reason) => {
    expect(map(cart(c))).toMatchObject({ kind: 'skip', reason: expect.stringMatching(reason) });
  });

  it('skips an anonymous cart, marked as such', () => {
    expect(map(cart({ customerEmail: undefined }))).toMatchObject({ kind: 'skip', isAnonymous: true });
  });

  it('names items in the cart’s own locale with ORDER_TEXT_LOCALE=order', () => {
    const m = map(cart(), { preferredLocale: 'en', textLocale: 'order' } as never);
    expect(m.kind === 'event' && m.event.properties).toMatchObject({
      ItemNames: ['Jeans (de)'],
      Categories: ['Hosen'],
    });
  });
});
