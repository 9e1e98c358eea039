import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { change, message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * The order lifecycle in real time (payment, shipment, delivery, return) and Started Checkout from carts: each
 * message lands its event once, a message delivered again lands nothing new, and a bulk import afterwards
 * duplicates nothing.
 */
type R = Record<string, any>;
const TOKEN = 'lifecycle-push-token-0123456789';
const data = [...generateDataset({ size: 'tiny' })];
const orders = data.filter((r) => r.typeId === 'order').map((r) => r.resource as R);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    env: {
      PUSH_AUTH_TOKEN: TOKEN,
      STARTED_CHECKOUT: 'true',
      CHECKOUT_URL_TEMPLATE: 'https://shop.example/checkout?cart={{cartId}}',
      STARTED_CHECKOUT_WINDOW_MINUTES: '30',
    },
  });
});
afterAll(async () => stack.close());
beforeEach(async () => {
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});

const push = async (body: unknown) =>
  (
    await request<any>('POST', `${stack.service.url}/events/pubsub`, {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: pubsub(body),
    })
  ).body;
const events = async (metric: string): Promise<R[]> =>
  (
    await request<R[]>(
      'GET',
      `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=${encodeURIComponent(metric)}`,
    )
  ).body;

/** Changes an order in commercetools as an update there would: a new version, modified now. */
async function updateOrder(id: string, fields: R): Promise<R> {
  const stored = (await stack.ct.storage.get('demo', 'order', id)) as unknown as R;
  const next = { ...stored, ...fields, id, version: stored.version + 1, lastModifiedAt: new Date().toISOString() };
  stack.ct.storage.put('demo', 'order', next as never);
  return next;
}

describe('order lifecycle in real time', () => {
  it('paid, shipped in two deliveries, delivered, returned: each event once, keyed by its record', async () => {
    const order = orders.find((o) => o.customerId && o.lineItems.length >= 2 && o.lineItems[0].quantity >= 1) as R;
    const [a, b] = order.lineItems;
    await updateOrder(order.id, { paymentState: 'Paid' });
    expect(await push(message('order', order.id, 'OrderPaymentStateChanged', { paymentState: 'Paid' }))).toMatchObject({
      status: 'applied',
    });
    expect(await events('Paid Order')).toEqual([
      expect.objectContaining({
        unique_id: order.id,
        backfill: false,
        profile: expect.objectContaining({ external_id: order.customerId }),
      }),
    ]);

    const first = {
      id: 'delivery-1',
      createdAt: '2026-01-02T00:00:00.000Z',
      items: [{ id: a.id, quantity: a.quantity }],
      parcels: [
        {
          id: 'parcel-1',
          createdAt: '2026-01-02T00:00:00.000Z',
          items: [],
          trackingData: { trackingId: '1Z999AA10123456784', carrier: 'UPS', isReturn: false },
        },
      ],
    };
    const stored = (await stack.ct.storage.get('demo', 'order', order.id)) as unknown as R;
    await updateOrder(order.id, {
      shipmentState: 'Partial',
      shippingInfo: { ...stored.shippingInfo, deliveries: [first] },
    });
    const added = message('order', order.id, 'DeliveryAdded', { delivery: first });
    expect((await push(added)).status).toBe('applied');
    // The same message again (another delivery attempt of Pub/Sub), and another message about the same delivery.
    await push(added);
    await push(
      message('order', order.id, 'ParcelTrackingDataUpdated', { deliveryId: 'delivery-1', parcelId: 'parcel-1' }),
    );
    const partial = await events('Partially Shipped Order');
    expect(partial).toHaveLength(1);
    expect(partial[0]).toMatchObject({
      unique_id: 'delivery-1',
      time: '2026-01-02T00:00:00.000Z',
      properties: { TrackingNumbers: ['1Z999AA10123456784'], Carriers: ['UPS'], DeliveryId: 'delivery-1' },
    });

    const rest = order.lineItems.slice(1).map((li: R) => ({ id: li.id, quantity: li.quantity }));
    const second = { id: 'delivery-2', createdAt: '2026-01-03T00:00:00.000Z', items: rest, parcels: [] };
    await updateOrder(order.id, {
      shipmentState: 'Shipped',
      shippingInfo: { ...stored.shippingInfo, deliveries: [first, second] },
    });
    await push(message('order', order.id, 'DeliveryAdded', { delivery: second }));
    expect((await events('Shipped Order')).map((e) => e.unique_id)).toEqual(['delivery-2']);

    await updateOrder(order.id, { shipmentState: 'Delivered' });
    await push(message('order', order.id, 'OrderShipmentStateChanged', { shipmentState: 'Delivered' }));
    expect((await events('Delivered Order')).map((e) => e.unique_id)).toEqual([order.id]);

    const returned = {
      type: 'LineItemReturnItem',
      id: 'return-item-1',
      lineItemId: b.id,
      quantity: 1,
      shipmentState: 'Returned',
      paymentState: 'Initial',
      createdAt: '2026-01-10T00:00:00.000Z',
      lastModifiedAt: '2026-01-10T00:00:00.000Z',
    };
    await updateOrder(order.id, { returnInfo: [{ items: [returned], returnTrackingId: 'RT-1' }] });
    await push(message('order', order.id, 'ReturnInfoAdded', { returnInfo: { items: [returned] } }));
    await push(change('ResourceUpdated', 'order', order.id));
    expect(await events('Returned Items')).toEqual([
      expect.objectContaining({
        unique_id: 'return-item-1',
        properties: expect.objectContaining({ ReturnTrackingId: 'RT-1' }),
      }),
    ]);

    // A bulk import of the order afterwards duplicates nothing (the same unique ids, Klaviyo keeps the first).
    const before = (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body.events
      .byMetric;
    await request('POST', `${stack.service.url}/sync/orders`, {
      headers: { 'content-type': 'application/json' },
      body: { ids: [order.id] },
    });
    expect((await waitForRun(stack.service.url, 'orders')).status).toBe('completed');
    const after = (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body.events
      .byMetric;
    for (const metric of [
      'Paid Order',
      'Partially Shipped Order',
      'Shipped Order',
      'Delivered Order',
      'Returned Items',
    ])
      expect(after[metric], metric).toBe(before[metric]);
  });
});

describe('Started Checkout from carts', () => {
  const line = (): R => {
    const li = orders.find((o) => o.lineItems.length > 0)?.lineItems[0] as R;
    return { ...li, id: `cart-line-${li.id}` };
  };
  const putCart = (id: string, fields: R) => {
    const cart = {
      id,
      version: 1,
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      lastModifiedAt: new Date().toISOString(),
      cartState: 'Active',
      lineItems: [line()],
      customLineItems: [],
      totalPrice: line().totalPrice,
      taxMode: 'Platform',
      taxRoundingMode: 'HalfEven',
      taxCalculationMode: 'LineItemLevel',
      inventoryMode: 'None',
      shippingMode: 'Single',
      shipping: [],
      itemShippingAddresses: [],
      discountCodes: [],
      directDiscounts: [],
      refusedGifts: [],
      origin: 'Customer',
      ...fields,
    };
    stack.ct.storage.put('demo', 'cart', cart as never);
    return cart;
  };

  it('an active cart with an email sends Started Checkout once per window; anonymous and ordered carts send nothing', async () => {
    const cart = putCart('cart-e2e-1', { customerEmail: 'shopper@example.com' });
    expect(await push(change('ResourceCreated', 'cart', cart.id))).toMatchObject({ status: 'applied' });
    // Changed again within the window: nothing new.
    putCart(cart.id, { customerEmail: 'shopper@example.com', version: 2 });
    expect(await push(change('ResourceUpdated', 'cart', cart.id))).toMatchObject({ status: 'applied' });
    const started = await events('Started Checkout');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({
      profile: { email: 'shopper@example.com' },
      properties: {
        CartId: cart.id,
        CheckoutURL: `https://shop.example/checkout?cart=${cart.id}`,
        Items: [expect.objectContaining({ Quantity: expect.any(Number) })],
      },
    });
    expect(started[0].unique_id).toMatch(/^cart-e2e-1:\d+$/);

    putCart('cart-e2e-anon', { anonymousId: 'anon-1' });
    expect(await push(change('ResourceCreated', 'cart', 'cart-e2e-anon'))).toMatchObject({
      status: 'ignored',
      detail: expect.stringMatching(/anonymous/),
    });
    // Anonymous carts are counted.
    const metrics = await fetch(`${stack.service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ctk_realtime_ignored\{reason="anonymous-cart"\} 1/);
    putCart('cart-e2e-ordered', { customerEmail: 'x@example.com', cartState: 'Ordered' });
    expect(await push(change('ResourceUpdated', 'cart', 'cart-e2e-ordered'))).toMatchObject({
      status: 'ignored',
      detail: expect.stringMatching(/is Ordered/),
    });
    expect(await events('Started Checkout')).toHaveLength(1);
  });
});
