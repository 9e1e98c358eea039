import type { Order, Payment } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { categoryBreadcrumbs } from './category-tree.ts';
import {
  DEFAULT_ORDER_METRICS,
  type OrderContext,
  type OrderMappingOptions,
  orderToEvents,
} from './order-to-events.ts';

const money = (centAmount: number, currencyCode = 'EUR', fractionDigits = 2) => ({
  type: 'centPrecision',
  centAmount,
  currencyCode,
  fractionDigits,
});

const ORDER = {
  id: 'o-1',
  version: 3,
  orderNumber: 'ORD-1',
  customerId: 'c-1',
  customerEmail: 'ann@example.com',
  createdAt: '2024-03-01T10:00:00.000Z',
  lastModifiedAt: '2024-03-05T12:00:00.000Z',
  orderState: 'Complete',
  paymentState: 'Paid',
  shipmentState: 'Shipped',
  totalPrice: money(2500),
  lineItems: [
    {
      id: 'li-1',
      productId: 'p-1',
      name: { en: 'Jeans' },
      productSlug: { en: 'jeans' },
      variant: { id: 1, sku: 'SKU-1', images: [{ url: 'https://img/1.jpg' }] },
      price: { value: money(1000) },
      quantity: 2,
      totalPrice: money(2000),
    },
  ],
  customLineItems: [{ id: 'cli-1', name: { en: 'Gift wrap' }, quantity: 1, money: money(0), totalPrice: money(0) }],
  shippingInfo: { shippingMethodName: 'Standard', price: money(500) },
  discountCodes: [],
  billingAddress: { country: 'DE', city: 'Berlin' },
  custom: { fields: { giftNote: '', priority: 0, express: false } },
} as unknown as Order;

const CTX: OrderContext = {
  products: new Map([
    ['p-1', { id: 'p-1', name: { en: 'Jeans' }, slug: { en: 'jeans' }, categoryIds: ['c-leaf'], imageByVariantId: {} }],
  ]),
  categories: new Map([
    ['c-root', { id: 'c-root', name: { en: 'Women' } }],
    ['c-mid', { id: 'c-mid', name: { en: 'Pants' }, parentId: 'c-root' }],
    ['c-leaf', { id: 'c-leaf', name: { en: 'Jeans' }, parentId: 'c-mid' }],
  ]),
};

const OPTIONS: OrderMappingOptions = {
  metrics: DEFAULT_ORDER_METRICS,
  fulfilledStates: ['Confirmed', 'Complete'],
  cancelledStates: ['Cancelled'],
  paidStates: ['Paid'],
  deliveredStates: ['Delivered'],
  properties: { include: [], exclude: [], rename: {} },
  productUrlTemplate: 'https://shop/{{productSlug}}',
  backfill: true,
};

function refund(id: string, amount: number, state = 'Success') {
  return { id, type: 'Refund', state, amount: money(amount), timestamp: '2024-03-07T00:00:00.000Z' };
}

describe('orderToEvents', () => {
  it('emits Placed Order, Ordered Product per line item and Fulfilled Order with deterministic unique ids', () => {
    const m = orderToEvents(ORDER, [], CTX, OPTIONS);
    expect(m.kind).toBe('events');
    if (m.kind !== 'events') return;
    expect(m.profile).toEqual({ type: 'profile', attributes: { email: 'ann@example.com', external_id: 'c-1' } });
    expect(m.events.map((e) => [e.metric.data.attributes.name, e.unique_id, e.value, e.time])).toEqual([
      ['Placed Order', 'o-1', 25, '2024-03-01T10:00:00.000Z'],
      ['Ordered Product', 'li-1', 20, '2024-03-01T10:00:00.000Z'],
      ['Fulfilled Order', 'o-1', 25, '2024-03-05T12:00:00.000Z'],
      // Paid, without a charge time in its payments: at the order's last change.
      ['Paid Order', 'o-1', 25, '2024-03-05T12:00:00.000Z'],
    ]);
    expect(m.events.every((e) => e.backfill === true && e.value_currency === 'EUR')).toBe(true);
    const placed = m.events[0].properties;
    expect(placed).toMatchObject({
      OrderNumber: 'ORD-1',
      ItemNames: ['Jeans', 'Gift wrap'],
      Categories: ['Women', 'Women > Pants', 'Women > Pants > Jeans'],
      ShippingMethod: 'Standard',
      giftNote: '',
      priority: 0,
      express: false,
    });
    expect(m.events[1].properties).toMatchObject({
      SKU: 'SKU-1',
      Quantity: 2,
      ItemPrice: 10,
      ImageURL: 'https://img/1.jpg',
      ProductURL: 'https://shop/jeans',
    });
  });

  it('DiscountCodes carries the codes the customer typed (expanded), and the id of a code that could not be expanded', () => {
    const order = {
      ...ORDER,
      discountCodes: [
        {
          discountCode: { typeId: 'discount-code', id: 'dc-1', obj: { id: 'dc-1', code: 'WELCOME10' } },
          state: 'MatchesCart',
        },
        { discountCode: { typeId: 'discount-code', id: 'dc-gone' }, state: 'MatchesCart' },
      ],
    } as unknown as Order;
    const m = orderToEvents(order, [], CTX, OPTIONS);
    const placed =
      m.kind === 'events' ? m.events.find((e) => e.metric.data.attributes.name === 'Placed Order') : undefined;
    expect(placed?.properties.DiscountCodes).toEqual(['WELCOME10', 'dc-gone']);
  });

  it('DiscountValue: what discounted line prices and a discount on the total took off; absent when nothing was', () => {
    const discounted = {
      ...ORDER,
      lineItems: [{ ...ORDER.lineItems[0], discountedPricePerQuantity: [{ quantity: 2 }], totalPrice: money(1600) }],
      discountOnTotalPrice: { discountedAmount: money(150) },
    } as unknown as Order;
    const discountOf = (o: Order) => {
      const m = orderToEvents(o, [], CTX, OPTIONS);
      return m.kind === 'events' ? m.events[0].properties.DiscountValue : 'skipped';
    };
    expect(discountOf(discounted)).toBe(5.5);
    expect(discountOf(ORDER)).toBeUndefined();
  });

  it('emits Cancelled Order for a cancelled order and no Fulfilled Order', () => {
    const m = orderToEvents({ ...ORDER, orderState: 'Cancelled', paymentState: 'Failed' } as Order, [], CTX, OPTIONS);
    expect(m.kind === 'events' && m.events.map((e) => e.metric.data.attributes.name)).toEqual([
      'Placed Order',
      'Ordered Product',
      'Cancelled Order',
    ]);
  });

  it('emits one Refunded Order per successful refund, keyed by the transaction id', () => {
    const payment = {
      id: 'pay-1',
      lastModifiedAt: '2024-03-08T00:00:00.000Z',
      paymentMethodInfo: { method: 'CARD' },
      transactions: [
        { id: 'charge', type: 'Charge', state: 'Success', amount: money(2500) },
        refund('r-1', 500),
        refund('r-2', 700),
        refund('r-3', 100, 'Failure'),
      ],
    } as unknown as Payment;
    const m = orderToEvents({ ...ORDER, orderState: 'Open' } as Order, [payment], CTX, OPTIONS);
    const refunds =
      m.kind === 'events' ? m.events.filter((e) => e.metric.data.attributes.name === 'Refunded Order') : [];
    expect(refunds.map((e) => [e.unique_id, e.value])).toEqual([
      ['r-1', 5],
      ['r-2', 7],
    ]);
  });

  it('identifies guests by email and skips orders with neither email nor customer id', () => {
    const guest = orderToEvents({ ...ORDER, customerId: undefined } as Order, [], CTX, OPTIONS);
    expect(guest.kind === 'events' && guest.profile.attributes).toEqual({ email: 'ann@example.com' });
    expect(
      orderToEvents({ ...ORDER, customerId: undefined, customerEmail: undefined } as Order, [], CTX, OPTIONS),
    ).toEqual({ kind: 'skip', reason: 'order has neither a customer email nor a customer id' });
  });

  it('applies the property include/exclude/rename configuration and the backfill switch', () => {
    const m = orderToEvents(ORDER, [], CTX, {
      ...OPTIONS,
      backfill: false,
      properties: {
        include: ['OrderNumber', 'ItemNames'],
        exclude: ['ItemNames'],
        rename: { OrderNumber: 'Order Number' },
      },
    });
    expect(m.kind === 'events' && m.events[0].properties).toEqual({ 'Order Number': 'ORD-1' });
    expect(m.kind === 'events' && m.events.every((e) => e.backfill === undefined)).toBe(true);
  });

  it('uses configured metric names', () => {
    const m = orderToEvents(ORDER, [], CTX, {
      ...OPTIONS,
      metrics: { ...DEFAULT_ORDER_METRICS, placedOrder: 'Order Placed' },
    });
    expect(m.kind === 'events' && m.events[0].metric.data.attributes.name).toBe('Order Placed');
  });
});

describe('categoryBreadcrumbs', () => {
  it('builds every prefix from the root and stops on cycles or missing parents', () => {
    expect(categoryBreadcrumbs('c-leaf', CTX.categories)).toEqual(['Women', 'Women > Pants', 'Women > Pants > Jeans']);
    const cyclic = new Map([
      ['a', { id: 'a', name: { en: 'A' }, parentId: 'b' }],
      ['b', { id: 'b', name: { en: 'B' }, parentId: 'a' }],
    ]);
    expect(categoryBreadcrumbs('a', cyclic)).toEqual(['B', 'B > A']);
    expect(categoryBreadcrumbs('missing', CTX.categories)).toEqual([]);
  });
});
