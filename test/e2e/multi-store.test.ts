import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, TWO_STORES } from '../../emulators/data/generate.ts';
import { priceAmount } from '../../src/mapping/price-selection.ts';
import { addFaults, clearFaults } from '../helpers/faults.ts';
import { request, waitFor } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Several stores, several Klaviyo accounts: with two stores routed to two accounts (STORE_ROUTES), each store's
 * customers and orders land in its own account only — the store key on every event and profile, amounts in the
 * store's currency — records of no store go to the default account, the catalog goes to every account in its
 * currency; re-runs change nothing; one route's run stops and resumes without touching the other's.
 */
type R = Record<string, any>;
const KEYS: Record<string, string> = { 'de-shop': 'pk_de_shop_account_key', 'us-shop': 'pk_us_shop_account_key' };
const data = [...generateDataset({ size: 'tiny', stores: TWO_STORES })];
const of = (t: string) => data.filter((r) => r.typeId === t).map((r) => r.resource as R);
const customers = of('customer');
const orders = of('order').filter((o) => o.customerId || o.customerEmail);
const storeOfCustomer = (c: R) => c.stores?.[0]?.key as string | undefined;
const TOKEN = 'multi-store-push-token-0123456789';
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'tiny', stores: TWO_STORES },
    env: {
      PUSH_AUTH_TOKEN: TOKEN,
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
      KLAVIYO_KEY_DE: KEYS['de-shop'],
      STORE_ROUTES: JSON.stringify([
        { store: 'de-shop', klaviyoAuthKeyEnv: 'KLAVIYO_KEY_DE', locale: 'de-DE', currency: 'EUR' },
        { store: 'us-shop', klaviyoAuthKey: KEYS['us-shop'], locale: 'en-US', currency: 'USD' },
      ]),
    },
  });
}, 60_000);
afterAll(async () => stack.close());

const post = (path: string, body: unknown = {}) =>
  request<any>('POST', `${stack.service.url}${path}`, { headers: { 'content-type': 'application/json' }, body });
const keyOf = (store: string | undefined) => (store ? KEYS[store] : KLAVIYO_KEY);
const inspect = async <T = R[]>(path: string, store: string | undefined, query = '') =>
  (await request<T>('GET', `${stack.klaviyo.url}/__emulator/${path}?key=${keyOf(store)}${query}`)).body;
/** Waits for the run of `type` of every route (or one store's) to end; all must complete. */
async function routesDone(
  type: string,
  stores: Array<string | undefined> = [undefined, ...TWO_STORES.map((s) => s.key)],
) {
  const reports: Record<string, R> = {};
  for (const store of stores) {
    reports[store ?? 'default'] = await waitFor(
      async () => {
        const r = await request<R>('GET', `${stack.service.url}/sync/${type}${store ? `?store=${store}` : ''}`);
        return r.status === 200 && r.body.status !== 'running' ? r.body : undefined;
      },
      120_000,
      `the ${type} run of ${store ?? 'the default route'}`,
    );
    expect(reports[store ?? 'default'].status, store).toBe('completed');
  }
  return reports;
}
const scopes: Array<string | undefined> = [undefined, 'de-shop', 'us-shop'];

describe('several stores, several Klaviyo accounts', () => {
  it('refuses a store that has no route', async () => {
    const r = await post('/sync/customers', { store: 'fr-shop' });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/No route for store 'fr-shop': the routed stores are de-shop, us-shop/);
  });

  it('customers: each store’s in its own account, with the store on the profile; no store: the default account', async () => {
    const started = await post('/sync/customers');
    expect(started.status).toBe(202);
    expect(Object.keys(started.body.stores)).toEqual(['de-shop', 'us-shop']);
    await routesDone('customers');
    for (const store of scopes) {
      const profiles = await inspect('profiles', store);
      const expected = customers.filter((c) => storeOfCustomer(c) === store).map((c) => c.id);
      expect(profiles.map((p) => p.external_id).sort(), store).toEqual(expected.sort());
      for (const p of profiles) expect(p.properties?.commercetools_stores, store).toEqual(store ? [store] : undefined);
    }
  }, 120_000);

  it('orders: each store’s events in its account, in its currency, with the Store property; a re-run adds nothing', async () => {
    expect((await post('/sync/orders')).status).toBe(202);
    await routesDone('orders');
    const placed: Record<string, R[]> = {};
    for (const store of scopes) {
      placed[store ?? 'default'] = await inspect('events', store, '&metric=Placed%20Order');
      const expected = orders.filter((o) => o.store?.key === store).map((o) => o.id);
      expect(placed[store ?? 'default'].map((e) => e.unique_id).sort(), store).toEqual(expected.sort());
      const currency = TWO_STORES.find((s) => s.key === store)?.currency;
      for (const e of placed[store ?? 'default']) {
        expect(e.properties.Store, store).toBe(store);
        if (currency) expect(e.value_currency).toBe(currency);
      }
    }
    const before = await Promise.all(scopes.map((s) => inspect<R>('summary', s)));
    expect((await post('/sync/orders')).status).toBe(202);
    await routesDone('orders');
    const after = await Promise.all(scopes.map((s) => inspect<R>('summary', s)));
    expect(after.map((s) => s.events.total)).toEqual(before.map((s) => s.events.total));
  }, 180_000);

  it('the catalog goes to every account — a store’s account only its product selection — priced in its currency', async () => {
    expect((await post('/sync/categories')).status).toBe(202);
    await routesDone('categories');
    expect((await post('/sync/products')).status).toBe(202);
    await routesDone('products');
    const products = of('product').filter((p) => p.masterData.published);
    // The default account gets every importable product; a store's account those of its product selection.
    const everywhere = (await inspect('catalog/items', undefined)).map((i) => String(i.external_id)).sort();
    expect(everywhere.length).toBeGreaterThan(0);
    const selectionOf = (store: string) => {
      const selection = of('store').find((s) => s.key === store)?.productSelections[0].productSelection.id;
      return new Set(
        of('product-selection-product')
          .filter((a) => a.productSelection.id === selection)
          .map((a) => a.product.id as string),
      );
    };
    for (const [store, currency] of [
      ['de-shop', 'EUR'],
      ['us-shop', 'USD'],
    ] as const) {
      const items = await inspect('catalog/items', store);
      const sold = selectionOf(store);
      const expected = everywhere.filter((id) => [...sold].some((p) => id.startsWith(p)));
      expect(expected.length, store).toBeLessThan(everywhere.length);
      expect(items.map((i) => String(i.external_id)).sort(), store).toEqual(expected);
      const product = products.find((p) => items.some((i) => String(i.external_id).startsWith(p.id))) as R;
      const item = items.find((i) => String(i.external_id).startsWith(product.id)) as R;
      const price = priceAmount(product.masterData.current.masterVariant.prices ?? [], {
        currency,
        nowMs: Date.now(),
      });
      expect(item.price, store).toBe(price);
    }
  }, 180_000);

  it('one store’s run stops and resumes without touching the other’s', async () => {
    for (const s of scopes) await request('POST', `${stack.klaviyo.url}/__emulator/reset?key=${keyOf(s)}`);
    await addFaults(stack.klaviyo.url, { target: 'bulk_create_events', kind: 'slow', delayMs: 300, count: 100_000 });
    expect((await post('/sync/orders', { store: 'de-shop' })).status).toBe(202);
    expect((await post('/sync/orders', { store: 'us-shop' })).status).toBe(202);
    const stopped = await post('/sync/orders/stop?store=de-shop');
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
    const us = (await request<R>('GET', `${stack.service.url}/sync/orders?store=us-shop`)).body;
    expect(us.status).toBe('running');
    await clearFaults([stack.klaviyo.url]);
    expect((await post('/sync/orders', { store: 'de-shop', resume: true })).status).toBe(202);
    const reports = await routesDone('orders', ['de-shop', 'us-shop']);
    for (const store of ['de-shop', 'us-shop']) {
      const expected = orders.filter((o) => o.store?.key === store);
      expect(reports[store].counts.read, store).toBe(of('order').filter((o) => o.store?.key === store).length);
      const placed = await inspect('events', store, '&metric=Placed%20Order');
      expect(placed.map((e) => e.unique_id).sort(), store).toEqual(expected.map((o) => o.id).sort());
    }
  }, 180_000);

  it('real time: each notification lands in its store’s account; a customer of no routed store in the default one', async () => {
    for (const st of scopes) await request('POST', `${stack.klaviyo.url}/__emulator/reset?key=${keyOf(st)}`);
    const push = (body: unknown) =>
      request<R>('POST', `${stack.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: pubsub(body),
      });
    for (const store of scopes) {
      const order = orders.find((o) => o.store?.key === store && o.customerId) as R;
      const customer = customers.find((c) => storeOfCustomer(c) === store) as R;
      expect((await push(message('order', order.id, 'OrderCreated'))).body.status).toBe('applied');
      expect((await push(message('customer', customer.id, 'CustomerCreated'))).body.status).toBe('applied');
      const placed = await inspect('events', store, '&metric=Placed%20Order');
      expect(
        placed.map((e) => e.unique_id),
        store,
      ).toEqual([order.id]);
      expect(placed[0].properties.Store, store).toBe(store);
      const profiles = (await inspect('profiles', store)).map((p) => p.external_id);
      expect(profiles, store).toContain(customer.id);
    }
    // Nothing landed in another store's account.
    for (const store of scopes) {
      const placed = await inspect('events', store, '&metric=Placed%20Order');
      expect(placed, store).toHaveLength(1);
    }
    // A product goes to the accounts of the stores that sell it (and the default one), not to the others.
    const selection = (store: string) => {
      const id = of('store').find((s) => s.key === store)?.productSelections[0].productSelection.id;
      return new Set(
        of('product-selection-product')
          .filter((a) => a.productSelection.id === id)
          .map((a) => a.product.id as string),
      );
    };
    const [de, us] = [selection('de-shop'), selection('us-shop')];
    const product = of('product').find(
      (p) =>
        p.masterData.published && us.has(p.id) && !de.has(p.id) && p.masterData.current.masterVariant.images?.length,
    ) as R;
    // Categories first (each account was reset above), as the import order requires.
    expect((await post('/sync/categories')).status).toBe(202);
    await routesDone('categories');
    const r = await push(message('product', product.id, 'ProductPublished'));
    expect(r.body.status, JSON.stringify(r.body)).toBe('applied');
    const has = async (store: string | undefined) =>
      (await inspect('catalog/items', store)).some((i) => String(i.external_id).startsWith(product.id));
    expect([await has(undefined), await has('de-shop'), await has('us-shop')]).toEqual([true, false, true]);
  });
});
