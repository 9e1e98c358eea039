import { createApiBuilderFromCtpClient } from '@commercetools/platform-sdk';
import { ClientBuilder } from '@commercetools/ts-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningCommercetoolsEmulator,
  startCommercetoolsEmulator,
} from '../../emulators/commercetools/build-emulator.ts';
import { DATASET_SIZES, generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';

/** The tiny dataset's carts and orders, as generated (the stand-in must serve exactly these). */
const generated = [...generateDataset({ size: 'tiny' })];
const carts = generated.filter((r) => r.typeId === 'cart').map((r) => r.resource as Record<string, any>);
const orders = generated.filter((r) => r.typeId === 'order').map((r) => r.resource as Record<string, any>);

let ct: RunningCommercetoolsEmulator;

async function scopedToken(scope?: string): Promise<string> {
  const r = await request<any>('POST', `${ct.url}/oauth/token`, {
    headers: {
      Authorization: `Basic ${Buffer.from('carts-client:secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    rawBody: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
  });
  expect(r.status).toBe(200);
  return r.body.access_token;
}

let get: (path: string) => Promise<{ status: number; body: any; headers: Headers }>;

beforeAll(async () => {
  ct = await startCommercetoolsEmulator({ dataset: 'tiny' });
  const token = await scopedToken('view_orders:demo');
  get = (path) => request<any>('GET', `${ct.url}/demo${path}`, { headers: { Authorization: `Bearer ${token}` } });
});
afterAll(async () => ct.close());

describe('carts in the commercetools stand-in', () => {
  it('loads the generated carts (counted in the summary)', async () => {
    expect(carts).toHaveLength(DATASET_SIZES.tiny.carts);
    const summary = await request<any>('GET', `${ct.url}/__emulator/summary`);
    expect(summary.body.counts.cart).toBe(DATASET_SIZES.tiny.carts);
  });

  it('GET /carts/{id} answers each cart as generated; an unknown id is 404', async () => {
    for (const cart of carts) {
      const r = await get(`/carts/${cart.id}`);
      expect(r.status).toBe(200);
      expect(r.body).toEqual(cart);
    }
    const missing = await get('/carts/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.errors[0].code).toBe('ResourceNotFound');
  });

  it('pages carts by id with a predicate, sort=id asc, limit and withTotal=false, as the service queries', async () => {
    const active = carts
      .filter((c) => c.cartState === 'Active' && c.customerEmail)
      .map((c) => c.id)
      .sort();
    const predicate = 'cartState = "Active" and customerEmail is defined';
    const seen: string[] = [];
    let last: string | undefined;
    for (;;) {
      const where = encodeURIComponent(last ? `${predicate} and id > "${last}"` : predicate);
      const page = await get(`/carts?where=${where}&sort=${encodeURIComponent('id asc')}&limit=3&withTotal=false`);
      expect(page.status).toBe(200);
      expect(page.body).not.toHaveProperty('total');
      seen.push(...page.body.results.map((c: any) => c.id));
      if (page.body.results.length < 3) break;
      last = seen[seen.length - 1];
    }
    expect(active.length).toBeGreaterThan(3);
    expect(seen).toEqual(active);
    const withTotal = await get(`/carts?sort=${encodeURIComponent('id asc')}&limit=500`);
    expect(withTotal.body.total).toBe(carts.length);
    expect(withTotal.body.results.map((c: any) => c.id)).toEqual(carts.map((c) => c.id).sort());
  });

  it('paging limits apply to carts too', async () => {
    expect((await get('/carts?limit=501')).status).toBe(400);
  });

  it('reading carts needs view_orders (or manage_orders, or manage_project), as in the API reference', async () => {
    const id = carts[0].id;
    const as = async (scope: string) =>
      request<any>('GET', `${ct.url}/demo/carts/${id}`, {
        headers: { Authorization: `Bearer ${await scopedToken(scope)}` },
      });
    expect((await as('view_orders:demo')).status).toBe(200);
    expect((await as('manage_orders:demo')).status).toBe(200);
    expect((await as('manage_project:demo')).status).toBe(200);
    const refused = await as('view_customers:demo view_products:demo');
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0]).toEqual({
      code: 'insufficient_scope',
      message: 'Insufficient scope. One of the following scopes is missing: view_orders.',
    });
    const query = await request<any>('GET', `${ct.url}/demo/carts?limit=1`, {
      headers: { Authorization: `Bearer ${await scopedToken('view_customers:demo')}` },
    });
    expect(query.status).toBe(403);
    // Writing needs manage_orders: view_orders alone may not delete.
    const del = await request<any>('DELETE', `${ct.url}/demo/carts/${id}?version=${carts[0].version}`, {
      headers: { Authorization: `Bearer ${await scopedToken('view_orders:demo')}` },
    });
    expect(del.status).toBe(403);
    expect(del.body.errors[0].message).toContain('manage_orders');
  });

  it('a versioned delete of a cart with a stale version is 409', async () => {
    const cart = carts[carts.length - 1];
    const r = await request<any>('DELETE', `${ct.url}/demo/carts/${cart.id}?version=${cart.version + 3}`, {
      headers: { Authorization: `Bearer ${await scopedToken('manage_orders:demo')}` },
    });
    expect(r.status).toBe(409);
    expect(r.body.errors[0]).toMatchObject({ code: 'ConcurrentModification', currentVersion: cart.version });
  });

  it('orders are served with their deliveries, parcels, tracking data and returns', async () => {
    const shipped = orders.find((o) => o.shippingInfo.deliveries.length > 0);
    const returned = orders.find((o) => o.returnInfo.length > 0);
    for (const order of [shipped, returned]) {
      const r = await get(`/orders/${order?.id}`);
      expect(r.status).toBe(200);
      expect(r.body.shippingInfo.deliveries).toEqual(order?.shippingInfo.deliveries);
      expect(r.body.returnInfo).toEqual(order?.returnInfo);
      expect(r.body.shipmentState).toBe(order?.shipmentState);
    }
    const delivered = await get(`/orders?where=${encodeURIComponent('shipmentState = "Delivered"')}&limit=500`);
    expect(delivered.body.results.length).toBe(orders.filter((o) => o.shipmentState === 'Delivered').length);
  });

  it('the official SDK reads carts by id and by query', async () => {
    const client = new ClientBuilder()
      .withProjectKey('demo')
      .withClientCredentialsFlow({
        host: ct.url,
        projectKey: 'demo',
        credentials: { clientId: 'sdk-client', clientSecret: 'sdk-secret' },
        scopes: ['view_orders:demo'],
        httpClient: fetch,
      })
      .withHttpMiddleware({ host: ct.url, httpClient: fetch })
      .build();
    const api = createApiBuilderFromCtpClient(client).withProjectKey({ projectKey: 'demo' });
    const one = await api.carts().withId({ ID: carts[1].id }).get().execute();
    expect(one.body.cartState).toBe(carts[1].cartState);
    const page = await api
      .carts()
      .get({ queryArgs: { where: 'cartState = "Merged"', sort: 'id asc', limit: 500, withTotal: false } })
      .execute();
    expect(page.body.results.map((c) => c.id)).toEqual(
      carts
        .filter((c) => c.cartState === 'Merged')
        .map((c) => c.id)
        .sort(),
    );
  });
});
