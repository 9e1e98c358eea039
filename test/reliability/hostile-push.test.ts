import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createLambdaHandlers } from '../../src/lambda.ts';
import { request, waitFor } from '../helpers/http.ts';
import { change, cloudEvent, message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Real time as an attacker would try it, with push and management tokens set: messages from another project,
 * stale or made-up deletions and stock, ids that are no ids, payloads too deep or too big, bodies sent without
 * credentials, push credentials on management routes. After every push, Klaviyo holds exactly what
 * commercetools says, and each answer has its exact status.
 */
type R = Record<string, any>;
const PUSH = 'hostile-push-token-0123456789';
const MANAGEMENT = 'hostile-sync-token-0123456789';
const data = [...generateDataset({ size: 'tiny' })];
const of = (typeId: string) => data.filter((r) => r.typeId === typeId).map((r) => r.resource as R);
const categories = of('category');
const published = of('product').find(
  (p) =>
    p.masterData.published &&
    p.masterData.current.masterVariant.images.length &&
    p.masterData.current.masterVariant.sku,
) as R;
const inventory = of('inventory-entry');
const orders = of('order');
const env = {
  PUSH_AUTH_TOKEN: PUSH,
  SYNC_API_TOKEN: MANAGEMENT,
  PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
  REALTIME_RETRY_BUDGET_SECONDS: '1',
  PREFERRED_LOCALE: 'en',
};
let stack: Stack;

const json = { 'content-type': 'application/json' };
const asPush = { ...json, authorization: `Bearer ${PUSH}` };
const asManager = { ...json, authorization: `Bearer ${MANAGEMENT}` };
const push = (body: unknown, path = '/events/pubsub') =>
  request<R>('POST', `${stack.service.url}${path}`, { headers: asPush, body });
const kl = async (path: string): Promise<R[]> =>
  (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/${path}?key=${KLAVIYO_KEY}`)).body;
const catalogId = (id: string) => `$custom:::$default:::${id}`;

/** What Klaviyo holds, in the fields a hostile push could change. */
async function catalog(): Promise<R> {
  const [items, variants, cats, profiles, events] = await Promise.all([
    kl('catalog/items'),
    kl('catalog/variants'),
    kl('catalog/categories'),
    kl('profiles'),
    kl('events'),
  ]);
  return {
    profiles: profiles.length,
    events: events.length,
    items: items.map((i) => i.id).sort(),
    variants: variants.map((v) => `${v.id}=${v.inventory_quantity}`).sort(),
    categories: cats.map((c) => `${c.id}=${c.name}`).sort(),
  };
}

async function importAs(type: string): Promise<void> {
  const started = await request<R>('POST', `${stack.service.url}/sync/${type}`, { headers: asManager, body: {} });
  expect(started.status).toBe(202);
  const done = await waitFor(
    async () => {
      const r = await request<R>('GET', `${stack.service.url}/sync/${type}`, { headers: asManager });
      return r.body.status !== 'running' ? r.body : undefined;
    },
    60_000,
    `the ${type} import`,
  );
  expect(done.status).toBe('completed');
}

let before: R;
beforeAll(async () => {
  stack = await startStack({ env });
  await importAs('categories');
  await importAs('products');
  before = await catalog();
  expect(before.items).toContain(catalogId(published.id));
});
afterAll(async () => stack.close());

const otherProject = (payload: R) => ({ ...payload, projectKey: 'some-other-project' });

describe('a message is a hint, commercetools is the truth', () => {
  it.each([
    ['ProductDeleted of another project', () => otherProject(message('product', published.id, 'ProductDeleted'))],
    [
      'ProductUnpublished of another project, as a CloudEvent',
      () => cloudEvent(otherProject(message('product', published.id, 'ProductUnpublished'))),
    ],
    [
      'a category ResourceDeleted of another project',
      () => otherProject(change('ResourceDeleted', 'category', categories[0].id)),
    ],
    [
      'a CustomerCreated of another project',
      () => otherProject(message('customer', of('customer')[0].id, 'CustomerCreated')),
    ],
    ['an OrderCreated of another project', () => otherProject(message('order', orders[0].id, 'OrderCreated'))],
    [
      'a PaymentTransactionAdded of another project',
      () => otherProject(message('payment', of('payment')[0].id, 'PaymentTransactionAdded')),
    ],
    [
      'a notification that names no project',
      () => {
        const { projectKey: _p, ...rest } = message('product', published.id, 'ProductDeleted');
        return rest;
      },
    ],
  ])('%s → 200 ignored, nothing changes', async (_what, build) => {
    const r = await push(pubsub(build()));
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ignored');
    expect(await catalog()).toEqual(before);
  });

  it.each([
    [
      'a stale ProductUnpublished (version 1; the product is published now)',
      () => message('product', published.id, 'ProductUnpublished', {}, { resourceVersion: 1 }),
    ],
    ['a ProductDeleted for a product still published', () => message('product', published.id, 'ProductDeleted')],
    ['a ResourceDeleted for a product still published', () => change('ResourceDeleted', 'product', published.id)],
    ['a ResourceDeleted for a category that exists', () => change('ResourceDeleted', 'category', categories[0].id)],
  ])('%s → the resource as it is now is written, nothing is deleted', async (_what, build) => {
    const r = await push(pubsub(build()));
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('applied');
    expect(await catalog()).toEqual(before);
  });

  it('a forged change notification does not make the genuine one a duplicate', async () => {
    const forged = change('ResourceUpdated', 'category', categories[2].id, 99);
    expect((await push(pubsub(forged), '/events/pubsub')).body.status).toBe('applied');
    expect((await push(pubsub(forged))).body.status).toBe('applied');
  });

  it('stock comes from the inventory entry as stored, never from the message', async () => {
    const made = await push(
      pubsub(
        message('inventory-entry', '6f1d4c2a-0000-4000-8000-00000000dead', 'InventoryEntryQuantitySet', {
          sku: published.masterData.current.masterVariant.sku,
          newAvailableQuantity: 4242,
          newQuantityOnStock: 4242,
        }),
      ),
    );
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ status: 'ignored', detail: expect.stringContaining('not in commercetools') });
    const entry = inventory.find((e) => e.sku === published.masterData.current.masterVariant.sku && !e.supplyChannel);
    expect(entry).toBeDefined();
    const real = await push(
      pubsub(
        message('inventory-entry', (entry as R).id, 'InventoryEntryQuantitySet', {
          sku: (entry as R).sku,
          newAvailableQuantity: 4242,
          newQuantityOnStock: 4242,
        }),
      ),
    );
    expect(real.status).toBe(200);
    const variants = await kl('catalog/variants');
    expect(variants.some((v) => v.inventory_quantity === 4242)).toBe(false);
    expect(variants.find((v) => v.id === catalogId((entry as R).sku))?.inventory_quantity).toBe(
      (entry as R).availableQuantity,
    );
    before = await catalog();
  });

  it('SQS and EventBridge deliveries follow the same rules', async () => {
    const handlers = createLambdaHandlers(stack.config, createLogger({ level: 'silent' }));
    expect(
      await handlers.sqs({
        Records: [
          {
            messageId: 'sqs-hostile-1',
            body: JSON.stringify(otherProject(message('product', published.id, 'ProductDeleted'))),
          },
          { messageId: 'sqs-hostile-2', body: JSON.stringify(message('order', '.', 'OrderCreated')) },
        ],
      }),
    ).toEqual({ batchItemFailures: [] });
    expect(
      await handlers.eventBridge({
        id: 'eb-hostile-1',
        detail: otherProject(change('ResourceDeleted', 'category', categories[1].id)),
      }),
    ).toEqual({ status: 'ok' });
    expect(await catalog()).toEqual(before);
  });
});

describe('poison messages end as dead letters, acknowledged', () => {
  it.each([
    ['an OrderCreated whose resource id is "."', () => message('order', '.', 'OrderCreated')],
    ['a resource id of 100,000 characters', () => message('customer', 'c'.repeat(100_000), 'CustomerCreated')],
    [
      'a message without id whose resourceVersion is an object that breaks String()',
      () => {
        const { id: _id, ...rest } = message('order', '0f0f0f0f-0000-4000-8000-00000000cafe', 'OrderCreated');
        return { ...rest, resourceVersion: { toString: 1 } };
      },
    ],
    ['a type of 100,000 characters', () => message('customer', of('customer')[0].id, 'x'.repeat(100_000))],
    [
      'a payload nested 20,000 levels deep (for an order commercetools does not have)',
      () => {
        const head = JSON.stringify(message('order', '0f0f0f0f-0000-4000-8000-00000000beef', 'OrderCreated'));
        return `${head.slice(0, -1)},"deep":${'{"deep":'.repeat(20_000)}{}${'}'.repeat(20_000)}}`;
      },
    ],
  ])('%s → 200 dead-lettered, stored bounded', async (_what, build) => {
    const payload = build();
    const r = await request<R>('POST', `${stack.service.url}/events`, {
      headers: asPush,
      ...(typeof payload === 'string' ? { rawBody: payload } : { body: payload }),
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('dead-lettered');
    const letters = await request<R>('GET', `${stack.service.url}/events/dead-letters`, { headers: asManager });
    expect(letters.status).toBe(200);
    expect(letters.body.count).toBeGreaterThan(0);
    expect(JSON.stringify(letters.body).length).toBeLessThan(100_000);
  });

  it('an authenticated push whose body is not JSON → 200 dead-lettered (a 400 would be redelivered forever)', async () => {
    const r = await request<R>('POST', `${stack.service.url}/events/pubsub`, {
      headers: asPush,
      rawBody: '{"message": {"data": ',
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('dead-lettered');
  });

  it('an order that is not in commercetools is a dead letter, not a redelivery', async () => {
    const r = await push(pubsub(message('order', '0f0f0f0f-0000-4000-8000-000000000000', 'OrderCreated')));
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('dead-lettered');
    expect(orders.length).toBeGreaterThan(0);
  });
});

describe('credentials before bodies; each credential opens its own routes', () => {
  it('an unauthenticated 15 MB body that is not JSON is refused with 401 on its headers', async () => {
    const r = await request<R>('POST', `${stack.service.url}/events/pubsub`, {
      headers: json,
      rawBody: `{${'x'.repeat(15 * 1024 * 1024)}`,
    });
    expect(r.status).toBe(401);
  });

  it('the push token opens no dead letters and no replay; the management token does', async () => {
    for (const headers of [asPush, json]) {
      expect((await request('GET', `${stack.service.url}/events/dead-letters`, { headers })).status).toBe(401);
      expect(
        (await request('POST', `${stack.service.url}/events/dead-letters/replay`, { headers, body: { keys: ['x'] } }))
          .status,
      ).toBe(401);
    }
    expect(
      (await request('GET', `${stack.service.url}/events/dead-letters?token=${PUSH}`, { headers: json })).status,
    ).toBe(401);
    expect((await request('GET', `${stack.service.url}/events/dead-letters`, { headers: asManager })).status).toBe(200);
  });

  it('dead letters are listed in pages, and a letter past the first page is replayed by its key', async () => {
    const list = (query: string) =>
      request<R>('GET', `${stack.service.url}/events/dead-letters${query}`, { headers: asManager });
    const all = (await list('?limit=500')).body;
    expect(all.count).toBeGreaterThanOrEqual(3);
    const first = (await list('?limit=1')).body;
    expect(first).toMatchObject({ count: 1, next: all.deadLetters[0].key });
    const second = (await list(`?limit=1&after=${first.next}`)).body;
    expect(second.deadLetters[0].key).toBe(all.deadLetters[1].key);
    expect((await list('?limit=0')).status).toBe(400);
    expect((await list('?limit=501')).status).toBe(400);
    const replayed = await request<R>('POST', `${stack.service.url}/events/dead-letters/replay`, {
      headers: asManager,
      body: { keys: [second.deadLetters[0].key] },
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body.results).toEqual([expect.objectContaining({ key: second.deadLetters[0].key })]);
  });

  it.each([
    ['keys that is a number', { keys: 5 }],
    ['keys that is null', { keys: null }],
    ['keys that is a string', { keys: 'zzzz' }],
    ['an empty key', { keys: [''] }],
    ['a key that is a path', { keys: ['../ct-klaviyo-sync/lock'] }],
    ['an unknown field', { key: ['a'] }],
    ['a body that is a string', 'zzzz'],
    ['a body that is not JSON', '{"keys": ['],
  ])('replay with %s → 400, nothing replayed', async (_what, body) => {
    const lettersBefore = (await request<R>('GET', `${stack.service.url}/events/dead-letters`, { headers: asManager }))
      .body.count;
    const r = await request<R>('POST', `${stack.service.url}/events/dead-letters/replay`, {
      headers: asManager,
      ...(body === '{"keys": [' ? { rawBody: body } : { body }),
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toEqual(expect.any(String));
    expect(
      (await request<R>('GET', `${stack.service.url}/events/dead-letters`, { headers: asManager })).body.count,
    ).toBe(lettersBefore);
  });
});
