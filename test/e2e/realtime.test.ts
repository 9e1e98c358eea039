import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { change, cloudEvent, message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

type R = Record<string, any>;
const TOKEN = 'test-push-token-0123456789';
let stack: Stack;
const data = [...generateDataset({ size: 'tiny' })];
const customers = data.filter((r) => r.typeId === 'customer').map((r) => r.resource as R);
const orders = data.filter((r) => r.typeId === 'order').map((r) => r.resource as R);
const payments = new Map(
  data.filter((r) => r.typeId === 'payment').map((r) => [r.resource.id as string, r.resource as R]),
);
const categories = data.filter((r) => r.typeId === 'category').map((r) => r.resource as R);
const products = data.filter((r) => r.typeId === 'product').map((r) => r.resource as R);
const inventory = data.filter((r) => r.typeId === 'inventory-entry').map((r) => r.resource as R);

const push = (body: unknown, auth = true) =>
  request<any>('POST', `${stack.service.url}/events/pubsub`, {
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${TOKEN}` } : {}) },
    body,
  });
const kl = async <T = R[]>(path: string): Promise<T> =>
  (
    await request<T>(
      'GET',
      `${stack.klaviyo.url}/__emulator/${path}${path.includes('?') ? '&' : '?'}key=${KLAVIYO_KEY}`,
    )
  ).body;
const fault = (body: unknown) =>
  request('POST', `${stack.klaviyo.url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({
    env: {
      PUSH_AUTH_TOKEN: TOKEN,
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
      REALTIME_RETRY_BUDGET_SECONDS: '1',
      PREFERRED_LOCALE: 'en',
    },
  });
});
afterAll(async () => stack.close());
afterEach(async () => {
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
});

describe('delivery', () => {
  it('refuses an unauthenticated push with 401 and accepts the token in a header or query', async () => {
    const body = pubsub(message('customer', customers[0].id, 'CustomerCreated'));
    const r = await push(body, false);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    expect(
      (
        await request('POST', `${stack.service.url}/events/pubsub`, {
          headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token-wrong-token' },
          body,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await request('POST', `${stack.service.url}/events/pubsub?token=${TOKEN}`, {
          headers: { 'content-type': 'application/json' },
          body,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await request('POST', `${stack.service.url}/`, {
          headers: { 'content-type': 'application/json', 'x-push-token': TOKEN },
          body: pubsub(message('customer', customers[0].id, 'CustomerCreated')),
        })
      ).status,
    ).toBe(200);
  });

  it('acknowledges the subscription test message and notification types it does not sync', async () => {
    const test = await push(
      pubsub({
        notificationType: 'Message',
        projectKey: 'demo',
        resource: { typeId: 'subscription', id: 's' },
        type: 'SubscriptionTestMessage',
      }),
    );
    expect(test.status).toBe(200);
    expect(test.body.status).toBe('ignored');
    const other = await push(pubsub(message('shopping-list', 's', 'ShoppingListCreated')));
    expect(other.body).toMatchObject({ status: 'ignored', detail: 'no processor for shopping-list' });
    // Started Checkout is opt-in (STARTED_CHECKOUT): carts are acknowledged and ignored without it.
    const cart = await push(pubsub(message('cart', 'c', 'CartCreated')));
    expect(cart.body).toMatchObject({ status: 'ignored', detail: 'processor cart is switched off' });
  });

  it('accepts CloudEvents inside Pub/Sub and on POST /events, and a 12 MB push', async () => {
    const c = customers[1];
    expect((await push(pubsub(cloudEvent(message('customer', c.id, 'CustomerCreated'))))).body.status).toBe('applied');
    const direct = await request<any>('POST', `${stack.service.url}/events`, {
      headers: { 'content-type': 'application/cloudevents+json', authorization: `Bearer ${TOKEN}` },
      body: cloudEvent(message('customer', customers[2].id, 'CustomerCreated')),
    });
    expect(direct.body.status).toBe('applied');
    const big = await push(
      pubsub(
        message('customer', customers[3].id, 'CustomerCreated', {
          customer: { id: customers[3].id, notes: 'x'.repeat(9 * 1024 * 1024) },
        }),
      ),
    );
    expect(big.status).toBe(200);
    expect(big.body.status).toBe('applied');
  });

  it('applies a redelivered message (same message id) once', async () => {
    const order = orders.find((o) => o.customerId && o.orderState === 'Open') as R;
    const body = pubsub(message('order', order.id, 'OrderCreated'), 'delivery-1');
    expect((await push(body)).body.status).toBe('applied');
    expect((await push(body)).body.status).toBe('duplicate');
    expect(await kl(`events?unique_id=${order.id}`)).toHaveLength(1);
  });
});

describe('processors', () => {
  it('customer: created and updated → profile upsert with the current data; deletions ignored, stale ones upsert', async () => {
    const c = customers.find((x) => x.email && x.firstName) as R;
    expect((await push(pubsub(message('customer', c.id, 'CustomerCreated')))).body.status).toBe('applied');
    const stored = (await stack.ct.storage.get('demo', 'customer', c.id)) as unknown as R;
    stack.ct.storage.put('demo', 'customer', {
      ...stored,
      id: c.id,
      version: stored.version + 1,
      firstName: 'Renamed',
    });
    expect((await push(pubsub(change('ResourceUpdated', 'customer', c.id)))).body.status).toBe('applied');
    const profiles = await kl(`profiles?external_id=${c.id}`);
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({ email: c.email, first_name: 'Renamed' });
    // A deletion message for a customer commercetools still has is stale: the profile is upserted as it is.
    expect((await push(pubsub(message('customer', c.id, 'CustomerDeleted')))).body.status).toBe('applied');
    expect((await kl(`profiles?external_id=${c.id}`))[0]).toMatchObject({ first_name: 'Renamed' });
    await stack.ct.storage.delete('demo', 'customer', c.id);
    expect((await push(pubsub(change('ResourceDeleted', 'customer', c.id)))).body).toMatchObject({
      status: 'ignored',
      detail: expect.stringContaining('not propagated'),
    });
  });

  it('order: created → Placed Order + Ordered Product without backfill; state change → Cancelled Order; refund → Refunded Order', async () => {
    const order = orders.find(
      (o) =>
        o.customerEmail &&
        o.orderState === 'Open' &&
        o.id !== orders.find((x) => x.customerId && x.orderState === 'Open')?.id,
    ) as R;
    expect((await push(pubsub(message('order', order.id, 'OrderCreated')))).body.status).toBe('applied');
    const placed = await kl(`events?unique_id=${order.id}`);
    expect(placed.map((e) => e.metric)).toEqual(['Placed Order']);
    expect(placed[0].backfill).toBe(false);
    expect((await kl('events?metric=Ordered%20Product')).filter((e) => e.properties.OrderId === order.id)).toHaveLength(
      order.lineItems.length,
    );

    const stored = (await stack.ct.storage.get('demo', 'order', order.id)) as unknown as R;
    stack.ct.storage.put('demo', 'order', {
      ...stored,
      id: order.id,
      version: stored.version + 1,
      orderState: 'Cancelled',
      lastModifiedAt: new Date().toISOString(),
    });
    expect(
      (
        await push(
          pubsub(message('order', order.id, 'OrderStateChanged', { orderState: 'Cancelled', oldOrderState: 'Open' })),
        )
      ).body.status,
    ).toBe('applied');
    expect((await kl(`events?unique_id=${order.id}`)).map((e) => e.metric).sort()).toEqual([
      'Cancelled Order',
      'Placed Order',
    ]);

    const paymentId = order.paymentInfo.payments[0].id as string;
    const payment = (await stack.ct.storage.get('demo', 'payment', paymentId)) as unknown as R;
    const refund = {
      id: 'refund-realtime-1',
      type: 'Refund',
      state: 'Success',
      amount: {
        type: 'centPrecision',
        currencyCode: order.totalPrice.currencyCode,
        centAmount: 100,
        fractionDigits: order.totalPrice.fractionDigits,
      },
      timestamp: new Date().toISOString(),
    };
    stack.ct.storage.put('demo', 'payment', {
      ...payment,
      id: paymentId,
      version: payment.version + 1,
      transactions: [...payment.transactions, refund],
    });
    expect(
      (await push(pubsub(message('payment', paymentId, 'PaymentTransactionAdded', { transaction: refund })))).body
        .status,
    ).toBe('applied');
    const refunded = await kl('events?unique_id=refund-realtime-1');
    expect(refunded).toMatchObject([
      {
        metric: 'Refunded Order',
        value: 100 / 10 ** order.totalPrice.fractionDigits,
        properties: { OrderId: order.id },
      },
    ]);
    expect(payments.size).toBeGreaterThan(0);
  });

  it('category and product: upsert, rename, unpublish and delete; inventory sets stock including 0', async () => {
    // The first create takes effect but its answer is lost: the retry meets a 409 and updates instead.
    await fault({ target: 'create_catalog_category', kind: 'lose-response', count: 1 });
    for (const c of categories)
      expect((await push(pubsub(message('category', c.id, 'CategoryCreated')))).body.status).toBe('applied');
    expect(await kl('catalog/categories')).toHaveLength(categories.length);
    expect(
      (await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests`)).body.byOperation.create_catalog_category
        .byStatus,
    ).toMatchObject({ '0': 1, '409': 1 });
    const leaf = categories.find((c) => c.ancestors.length === 2) as R;
    const stored = (await stack.ct.storage.get('demo', 'category', leaf.id)) as unknown as R;
    stack.ct.storage.put('demo', 'category', {
      ...stored,
      id: leaf.id,
      version: stored.version + 1,
      name: { ...stored.name, en: 'Realtime Leaf' },
    });
    expect((await push(pubsub(change('ResourceUpdated', 'category', leaf.id)))).body.status).toBe('applied');
    expect((await kl('catalog/categories')).find((c) => c.id === `$custom:::$default:::${leaf.id}`)?.name).toMatch(
      / > Realtime Leaf$/,
    );

    const product = products.find(
      (p) =>
        p.masterData.published &&
        p.masterData.current.masterVariant.images.length &&
        p.masterData.current.masterVariant.sku,
    ) as R;
    const notIncluded = {
      ...message('product', product.id, 'ProductPublished'),
      payloadNotIncluded: { reason: 'Payload too large.', payloadType: 'ProductPublished' },
    };
    delete (notIncluded as R).type;
    expect((await push(pubsub(notIncluded))).body.status).toBe('applied');
    const items = await kl('catalog/items');
    expect(items.map((i) => i.id)).toContain(`$custom:::$default:::${product.id}`);
    const sku = product.masterData.current.masterVariant.sku as string;
    // Stock is the entry as commercetools stores it (0 here), whatever quantity the message says.
    const entry = inventory.find((e) => e.sku === sku && !e.supplyChannel) as R;
    const storedEntry = (await stack.ct.storage.get('demo', 'inventory-entry', entry.id)) as unknown as R;
    stack.ct.storage.put('demo', 'inventory-entry', {
      ...storedEntry,
      id: entry.id,
      version: storedEntry.version + 1,
      availableQuantity: 0,
      quantityOnStock: 0,
    });
    expect(
      (
        await push(
          pubsub(
            message('inventory-entry', entry.id, 'InventoryEntryQuantitySet', {
              sku,
              oldAvailableQuantity: 5,
              newAvailableQuantity: 4242,
              oldQuantityOnStock: 5,
              newQuantityOnStock: 4242,
            }),
          ),
        )
      ).body.status,
    ).toBe('applied');
    expect((await kl('catalog/variants')).find((v) => v.id === `$custom:::$default:::${sku}`)?.inventory_quantity).toBe(
      0,
    );
    // Unpublished and deleted in commercetools first: the messages are hints, commercetools says what is true.
    const storedProduct = (await stack.ct.storage.get('demo', 'product', product.id)) as unknown as R;
    stack.ct.storage.put('demo', 'product', {
      ...storedProduct,
      id: product.id,
      version: storedProduct.version + 1,
      masterData: { ...storedProduct.masterData, published: false },
    });
    expect((await push(pubsub(message('product', product.id, 'ProductUnpublished')))).body.status).toBe('applied');
    expect((await kl('catalog/items')).map((i) => i.id)).not.toContain(`$custom:::$default:::${product.id}`);
    expect((await kl('catalog/variants')).some((v) => v.item === `$custom:::$default:::${product.id}`)).toBe(false);
    await stack.ct.storage.delete('demo', 'category', leaf.id);
    expect((await push(pubsub(change('ResourceDeleted', 'category', leaf.id)))).body.status).toBe('applied');
    expect((await kl('catalog/categories')).some((c) => c.id === `$custom:::$default:::${leaf.id}`)).toBe(false);
  });
});

describe('failures', () => {
  it('Klaviyo 429/5xx → 503 so Pub/Sub redelivers; the redelivery lands exactly one event', async () => {
    const order = orders.filter((o) => o.customerId)[5];
    await fault({ target: 'bulk_create_events', kind: 'status', status: 429, count: 50, retryAfterSeconds: 2 });
    const body = pubsub(message('order', order.id, 'OrderCreated'), 'delivery-429');
    const first = await push(body);
    expect(first.status).toBe(503);
    expect(first.body.status).toBe('retry');
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    const again = await push(body);
    expect(again.status).toBe(200);
    expect(await kl(`events?unique_id=${order.id}&metric=Placed%20Order`)).toHaveLength(1);

    const other = orders.filter((o) => o.customerId)[6];
    await fault({ target: 'bulk_create_events', kind: 'status', status: 500, count: 50 });
    const failed = await push(pubsub(message('order', other.id, 'OrderCreated'), 'delivery-500'));
    expect(failed.status).toBe(503);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    expect((await push(pubsub(message('order', other.id, 'OrderCreated'), 'delivery-500'))).status).toBe(200);
    expect(await kl(`events?unique_id=${other.id}&metric=Placed%20Order`)).toHaveLength(1);
  });

  it('a permanent 400 becomes a dead letter; after the data is fixed, replay lands it', async () => {
    const c = customers.find((x) => x.email) as R;
    const stored = (await stack.ct.storage.get('demo', 'customer', c.id)) as unknown as R;
    stack.ct.storage.put('demo', 'customer', { ...stored, id: c.id, email: 'broken@@example..com' });
    const r = await push(pubsub(message('customer', c.id, 'CustomerCreated')));
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('dead-lettered');
    const letters = await request<any>('GET', `${stack.service.url}/events/dead-letters`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const letter = letters.body.deadLetters.find((l: R) => l.resourceId === c.id);
    expect(letter).toMatchObject({
      code: 'invalid',
      resourceType: 'customer',
      attempts: 1,
      reason: expect.stringContaining('Invalid email'),
    });
    expect(JSON.stringify(letters.body)).not.toContain('broken@@');
    stack.ct.storage.put('demo', 'customer', { ...stored, id: c.id });
    const replay = await request<any>('POST', `${stack.service.url}/events/dead-letters/replay`, {
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: { keys: [letter.key] },
    });
    expect(replay.body.results).toEqual([expect.objectContaining({ key: letter.key, status: 'applied' })]);
    expect((await kl(`profiles?external_id=${c.id}`))[0].email).toBe(c.email);
    const after = await request<any>('GET', `${stack.service.url}/events/dead-letters`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(after.body.deadLetters.some((l: R) => l.key === letter.key)).toBe(false);
  });

  it('a malformed push is kept as a dead letter and acknowledged', async () => {
    const r = await push({ message: { data: 'not base64 json!!' } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('dead-lettered');
  });
});

describe('switches', () => {
  it('a switched-off processor does nothing', async () => {
    const s = await startStack({ env: { REALTIME_DISABLED_PROCESSORS: 'customer', PUSH_AUTH_TOKEN: TOKEN } });
    try {
      const r = await request<any>('POST', `${s.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: pubsub(message('customer', customers[0].id, 'CustomerCreated')),
      });
      expect(r.body).toMatchObject({ status: 'ignored', detail: 'processor customer is switched off' });
      const log = await request<any>('GET', `${s.klaviyo.url}/__emulator/requests`);
      expect(log.body.byOperation.create_or_update_profile).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('REALTIME_CUSTOMER_DELETED=mark marks the profile of a deleted customer', async () => {
    const s = await startStack({ env: { REALTIME_CUSTOMER_DELETED: 'mark' } });
    try {
      const c = customers[0];
      await request('POST', `${s.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json' },
        body: pubsub(message('customer', c.id, 'CustomerCreated')),
      });
      // A deletion message for a customer commercetools still has is stale: the profile is upserted, not marked.
      const stale = await request<any>('POST', `${s.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json' },
        body: pubsub(message('customer', c.id, 'CustomerDeleted')),
      });
      expect(stale.body.status).toBe('applied');
      expect(
        (await request<R[]>('GET', `${s.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}&external_id=${c.id}`))
          .body[0].properties?.commercetools_deleted,
      ).toBeUndefined();
      // A made-up customer id marks nothing (no profile is created for it).
      const madeUp = await request<any>('POST', `${s.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json' },
        body: pubsub(message('customer', '0badc0de-0000-4000-8000-000000000000', 'CustomerCreated')),
      });
      expect(madeUp.body.status).toBe('ignored');
      // Deleted in commercetools: now the deletion marks the profile.
      await s.ct.storage.delete('demo', 'customer', c.id);
      const r = await request<any>('POST', `${s.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json' },
        body: pubsub(change('ResourceDeleted', 'customer', c.id)),
      });
      expect(r.body.status).toBe('applied');
      const profiles = (
        await request<R[]>('GET', `${s.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}&external_id=${c.id}`)
      ).body;
      expect(profiles).toHaveLength(1);
      expect(profiles[0].properties).toMatchObject({
        commercetools_deleted: true,
        commercetools_deleted_at: expect.any(String),
      });
      expect(profiles[0].email).toBe(c.email);
    } finally {
      await s.close();
    }
  });

  it('SKIP_BASE64_DECODE takes the commercetools payload as the body', async () => {
    const s = await startStack({ env: { SKIP_BASE64_DECODE: 'true' } });
    try {
      const r = await request<any>('POST', `${s.service.url}/`, {
        headers: { 'content-type': 'application/json' },
        body: message('customer', customers[0].id, 'CustomerCreated'),
      });
      expect(r.body.status).toBe('applied');
    } finally {
      await s.close();
    }
  });
});
