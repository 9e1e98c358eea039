import type { Order, Payment } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE_METRICS, type LifecycleOptions, lifecycleEvents } from './order-lifecycle.ts';

const money = (centAmount: number) => ({ type: 'centPrecision', centAmount, currencyCode: 'EUR', fractionDigits: 2 });
const line = (id: string, quantity: number, cents: number, name: string) => ({
  id,
  productId: `p-${id}`,
  name: { en: name, de: `${name} (de)` },
  variant: { id: 1, sku: `SKU-${id}` },
  price: { value: money(cents) },
  quantity,
  totalPrice: money(cents * quantity),
});
const parcel = (id: string, createdAt: string, tracking?: { trackingId: string; carrier: string }) => ({
  id,
  createdAt,
  items: [],
  ...(tracking ? { trackingData: { ...tracking, isReturn: false } } : {}),
});
const delivery = (id: string, createdAt: string, items: Array<[string, number]>, parcels: unknown[] = []) => ({
  id,
  createdAt,
  items: items.map(([lineId, quantity]) => ({ id: lineId, quantity })),
  parcels,
});

const BASE = {
  id: 'o-1',
  orderNumber: 'ORD-1',
  createdAt: '2024-03-01T10:00:00.000Z',
  lastModifiedAt: '2024-03-09T08:00:00.000Z',
  orderState: 'Complete',
  paymentState: 'Pending',
  totalPrice: money(5000),
  lineItems: [line('a', 2, 1000, 'Jeans'), line('b', 1, 3000, 'Jacket')],
  shippingInfo: { deliveries: [] },
  returnInfo: [],
};
const order = (o: Record<string, unknown>) => ({ ...BASE, ...o }) as unknown as Order;
const OPTIONS: LifecycleOptions = {
  metrics: DEFAULT_LIFECYCLE_METRICS,
  paidStates: ['Paid'],
  deliveredStates: ['Delivered'],
  locale: 'en',
  backfill: true,
};
const events = (o: Order, payments: Payment[] = [], options = OPTIONS) =>
  lifecycleEvents(o, payments, { orderNumber: 'ORD-1', total: 50, currency: 'EUR' }, options);
const summary = (o: Order, payments: Payment[] = []) =>
  events(o, payments).map((e) => [e.metric.data.attributes.name, e.unique_id, e.time, e.value]);

describe('lifecycleEvents', () => {
  it('sends nothing for an order that is only placed', () => {
    expect(events(order({}))).toEqual([]);
  });

  it('Paid Order: in a paid state, keyed by the order, at the last successful charge', () => {
    const payments = [
      {
        id: 'pay',
        transactions: [
          { id: 't1', type: 'Authorization', state: 'Success', timestamp: '2024-03-01T10:01:00.000Z' },
          { id: 't2', type: 'Charge', state: 'Failure', timestamp: '2024-03-02T00:00:00.000Z' },
          { id: 't3', type: 'Charge', state: 'Success', timestamp: '2024-03-02T09:00:00.000Z' },
        ],
      },
    ] as unknown as Payment[];
    expect(summary(order({ paymentState: 'Paid' }), payments)).toEqual([
      ['Paid Order', 'o-1', '2024-03-02T09:00:00.000Z', 50],
    ]);
    // Without a charge: the order's last change; a state not configured as paid: nothing.
    expect(summary(order({ paymentState: 'Paid' }))).toEqual([['Paid Order', 'o-1', '2024-03-09T08:00:00.000Z', 50]]);
    expect(summary(order({ paymentState: 'BalanceDue' }))).toEqual([]);
  });

  it('one shipment event per delivery, partial until everything is shipped, with its items, parcels and tracking', () => {
    const o = order({
      shipmentState: 'Shipped',
      shippingInfo: {
        deliveries: [
          // Listed out of order: the deliveries are taken in time order.
          delivery('d-2', '2024-03-04T00:00:00.000Z', [
            ['a', 1],
            ['b', 1],
          ]),
          delivery(
            'd-1',
            '2024-03-03T00:00:00.000Z',
            [['a', 1]],
            [
              parcel('pa-1', '2024-03-03T00:00:00.000Z', { trackingId: '1Z999', carrier: 'UPS' }),
              parcel('pa-2', '2024-03-03T00:00:00.000Z'),
            ],
          ),
        ],
      },
    });
    const list = events(o);
    expect(list.map((e) => [e.metric.data.attributes.name, e.unique_id, e.time, e.value])).toEqual([
      ['Partially Shipped Order', 'd-1', '2024-03-03T00:00:00.000Z', 10],
      ['Shipped Order', 'd-2', '2024-03-04T00:00:00.000Z', 40],
    ]);
    expect(list[0].properties).toEqual({
      OrderId: 'o-1',
      OrderNumber: 'ORD-1',
      DeliveryId: 'd-1',
      Items: [{ LineItemId: 'a', ProductID: 'p-a', SKU: 'SKU-a', ProductName: 'Jeans', Quantity: 1, RowTotal: 10 }],
      ItemNames: ['Jeans'],
      Parcels: [{ ParcelId: 'pa-1', TrackingNumber: '1Z999', Carrier: 'UPS' }, { ParcelId: 'pa-2' }],
      TrackingNumbers: ['1Z999'],
      Carriers: ['UPS'],
      ShipmentState: 'Shipped',
    });
    expect(list.every((e) => e.backfill === true)).toBe(true);
  });

  it('Delivered Order: in a delivered state, keyed by the order, with the tracking of every parcel', () => {
    const o = order({
      shipmentState: 'Delivered',
      shippingInfo: {
        deliveries: [
          delivery(
            'd-1',
            '2024-03-03T00:00:00.000Z',
            [
              ['a', 2],
              ['b', 1],
            ],
            [parcel('pa-1', '2024-03-03T00:00:00.000Z', { trackingId: 'JD0001', carrier: 'DHL' })],
          ),
        ],
      },
    });
    const delivered = events(o).find((e) => e.metric.data.attributes.name === 'Delivered Order');
    expect(delivered).toMatchObject({
      unique_id: 'o-1',
      time: '2024-03-09T08:00:00.000Z',
      value: 50,
      properties: { TrackingNumbers: ['JD0001'], Carriers: ['DHL'], ShipmentState: 'Delivered' },
    });
  });

  it('Returned Items: one per return, keyed by its first item, with the items and their value', () => {
    const o = order({
      returnInfo: [
        {
          returnTrackingId: 'RET-1',
          returnDate: '2024-03-10T00:00:00.000Z',
          items: [
            {
              type: 'LineItemReturnItem',
              id: 'r-2',
              lineItemId: 'b',
              quantity: 1,
              shipmentState: 'Returned',
              paymentState: 'Refunded',
              createdAt: '2024-03-10T00:00:01.000Z',
            },
            {
              type: 'LineItemReturnItem',
              id: 'r-1',
              lineItemId: 'a',
              quantity: 1,
              shipmentState: 'Returned',
              paymentState: 'Initial',
              comment: 'too small',
              createdAt: '2024-03-10T00:00:00.000Z',
            },
          ],
        },
      ],
    });
    const [returned] = events(o);
    expect(returned).toMatchObject({
      metric: { data: { attributes: { name: 'Returned Items' } } },
      unique_id: 'r-1',
      time: '2024-03-10T00:00:00.000Z',
      value: 40,
      properties: {
        OrderId: 'o-1',
        ItemNames: ['Jeans', 'Jacket'],
        ItemCount: 2,
        ReturnTrackingId: 'RET-1',
        Items: [
          expect.objectContaining({ ReturnItemId: 'r-1', ProductName: 'Jeans', RowTotal: 10, Comment: 'too small' }),
          expect.objectContaining({
            ReturnItemId: 'r-2',
            ProductName: 'Jacket',
            RowTotal: 30,
            PaymentState: 'Refunded',
          }),
        ],
      },
    });
  });

  it('names items in the locale asked for, and takes configured names', () => {
    const o = order({
      shipmentState: 'Shipped',
      shippingInfo: {
        deliveries: [
          delivery('d-1', '2024-03-03T00:00:00.000Z', [
            ['a', 2],
            ['b', 1],
          ]),
        ],
      },
    });
    const [shipped] = events(o, [], {
      ...OPTIONS,
      locale: 'de',
      metrics: { ...DEFAULT_LIFECYCLE_METRICS, shippedOrder: 'Order Shipped' },
    });
    expect(shipped.metric.data.attributes.name).toBe('Order Shipped');
    expect(shipped.properties.ItemNames).toEqual(['Jeans (de)', 'Jacket (de)']);
  });
});
