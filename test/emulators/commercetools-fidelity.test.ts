import { createApiBuilderFromCtpClient } from '@commercetools/platform-sdk';
import { ClientBuilder } from '@commercetools/ts-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningCommercetoolsEmulator,
  startCommercetoolsEmulator,
} from '../../emulators/commercetools/build-emulator.ts';
import { buildCatalog, DEFAULT_REFERENCE_TIME, generateCustomer } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';

const CUSTOMERS = 10_000;
let ct: RunningCommercetoolsEmulator;
let auth: Record<string, string>;

async function token(url: string): Promise<string> {
  const r = await request<any>('POST', `${url}/oauth/token?grant_type=client_credentials`, {
    headers: { Authorization: `Basic ${Buffer.from('any-client:any-secret').toString('base64')}` },
  });
  expect(r.status).toBe(200);
  return r.body.access_token;
}

beforeAll(async () => {
  ct = await startCommercetoolsEmulator({ dataset: 'tiny' });
  const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
  const catalog = buildCatalog(99, { customers: CUSTOMERS, products: 1, orders: 0 }, refMs);
  ct.load(
    Array.from({ length: CUSTOMERS }, (_v, i) => ({
      typeId: 'customer' as const,
      resource: generateCustomer(99, i, refMs, catalog.customerGroupId, 'type-id'),
    })),
  );
  auth = { Authorization: `Bearer ${await token(ct.url)}`, 'content-type': 'application/json' };
});
afterAll(async () => ct.close());

const get = (path: string) => request<any>('GET', `${ct.url}/demo${path}`, { headers: auth });
const post = (path: string, body: unknown) => request<any>('POST', `${ct.url}/demo${path}`, { headers: auth, body });
const del = (path: string) => request<any>('DELETE', `${ct.url}/demo${path}`, { headers: auth });

describe('keyset paging (sort=id asc, where id > last, limit 500, withTotal=false)', () => {
  it(`returns each of ${CUSTOMERS + 30} customers exactly once, in id order, without total`, async () => {
    const seen: string[] = [];
    let last: string | undefined;
    for (;;) {
      const where = last ? `&where=${encodeURIComponent(`id > "${last}"`)}` : '';
      const page = await get(`/customers?sort=${encodeURIComponent('id asc')}&limit=500&withTotal=false${where}`);
      expect(page.status).toBe(200);
      expect(page.body).not.toHaveProperty('total');
      seen.push(...page.body.results.map((c: any) => c.id));
      if (page.body.results.length < 500) break;
      last = page.body.results[page.body.results.length - 1].id;
    }
    expect(seen.length).toBe(CUSTOMERS + 30);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('honours sort on every resource this product pages, and desc order', async () => {
    for (const resource of ['orders', 'categories', 'products', 'payments', 'inventory']) {
      const page = await get(`/${resource}?sort=${encodeURIComponent('id asc')}&limit=500`);
      const ids = page.body.results.map((r: any) => r.id);
      expect(ids.length, resource).toBeGreaterThan(0);
      expect([...ids].sort(), resource).toEqual(ids);
      expect(page.body.total, resource).toBe(ids.length);
    }
    const desc = await get(`/orders?sort=${encodeURIComponent('id desc')}&limit=10`);
    const ids = desc.body.results.map((r: any) => r.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const byDate = await get(`/orders?sort=${encodeURIComponent('createdAt asc')}&limit=50`);
    const dates = byDate.body.results.map((r: any) => r.createdAt);
    expect([...dates].sort()).toEqual(dates);
  });

  it('combines the id cursor with other predicates and predicate variables', async () => {
    const all = (await get(`/orders?limit=500&where=${encodeURIComponent('orderState = "Cancelled"')}`)).body.results;
    expect(all.length).toBeGreaterThan(0);
    const cursor = all[0].id;
    const after = await get(
      `/orders?limit=500&withTotal=false&where=${encodeURIComponent('orderState = :state and id > :cursor')}&var.state=Cancelled&var.cursor=${cursor}`,
    );
    expect(after.body.results.map((o: any) => o.id)).toEqual(all.slice(1).map((o: any) => o.id));
  });

  it('serves published product projections only, sorted by id', async () => {
    const projections = await get(`/product-projections?sort=${encodeURIComponent('id asc')}&limit=500`);
    const products = await get('/products?limit=500');
    const published = products.body.results
      .filter((p: any) => p.masterData.published)
      .map((p: any) => p.id)
      .sort();
    expect(projections.body.results.map((p: any) => p.id)).toEqual(published);
    expect(published.length).toBeLessThan(products.body.results.length + 1);
  });
});

describe('paging limits of the real API', () => {
  it.each([
    ['limit=501', 'limit'],
    ['limit=0', 'limit'],
    ['offset=10001', 'offset'],
  ])('%s answers 400 InvalidInput', async (query, word) => {
    const r = await get(`/customers?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].code).toBe('InvalidInput');
    expect(r.body.message).toContain(word);
  });

  it('accepts the maxima', async () => {
    expect((await get('/customers?limit=500')).status).toBe(200);
    expect((await get('/customers?offset=10000')).status).toBe(200);
  });
});

describe('custom objects: optimistic concurrency like the real API', () => {
  it('version 0 creates; version 0 on an existing object is 409 ConcurrentModification with currentVersion', async () => {
    const created = await post('/custom-objects', {
      container: 'locks',
      key: 'customers',
      value: { owner: 'a' },
      version: 0,
    });
    expect(created.status).toBe(201);
    const again = await post('/custom-objects', {
      container: 'locks',
      key: 'customers',
      value: { owner: 'b' },
      version: 0,
    });
    expect(again.status).toBe(409);
    expect(again.body.errors[0]).toMatchObject({ code: 'ConcurrentModification', currentVersion: 1 });
    expect((await get('/custom-objects/locks/customers')).body.value).toEqual({ owner: 'a' });
  });

  it('a versioned update with the current version answers 200; a stale one 409', async () => {
    await post('/custom-objects', { container: 'locks', key: 'orders', value: { n: 1 } });
    const ok = await post('/custom-objects', { container: 'locks', key: 'orders', value: { n: 2 }, version: 1 });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(2);
    const stale = await post('/custom-objects', { container: 'locks', key: 'orders', value: { n: 3 }, version: 1 });
    expect(stale.status).toBe(409);
  });

  it('two racing creates with version 0: exactly one wins', async () => {
    const results = await Promise.all(
      ['x', 'y', 'z'].map((owner) =>
        post('/custom-objects', { container: 'race', key: 'kk', value: { owner }, version: 0 }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it('a delete with a stale version is 409 and keeps the object; with the current version it deletes', async () => {
    await post('/custom-objects', { container: 'locks', key: 'products', value: {}, version: 0 });
    await post('/custom-objects', { container: 'locks', key: 'products', value: { v: 2 }, version: 1 });
    const stale = await del('/custom-objects/locks/products?version=1');
    expect(stale.status).toBe(409);
    expect((await get('/custom-objects/locks/products')).status).toBe(200);
    expect((await del('/custom-objects/locks/products?version=2')).status).toBe(200);
    expect((await get('/custom-objects/locks/products')).status).toBe(404);
  });

  it('queries a container in key order', async () => {
    for (const key of ['bb', 'aa', 'cc']) await post('/custom-objects', { container: 'ordered', key, value: key });
    const r = await get(`/custom-objects/ordered?sort=${encodeURIComponent('key asc')}`);
    expect(r.body.results.map((o: any) => o.key)).toEqual(['aa', 'bb', 'cc']);
  });
});

describe('versioned deletes of other resources', () => {
  it('a stale version is 409', async () => {
    const payment = (await get('/payments?limit=1')).body.results[0];
    const r = await del(`/payments/${payment.id}?version=${payment.version + 5}`);
    expect(r.status).toBe(409);
    expect(r.body.errors[0].code).toBe('ConcurrentModification');
  });
});

describe('fault injection', () => {
  it('injects 503 for the next N requests of one resource, then answers normally', async () => {
    await request('POST', `${ct.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'orders', kind: 'status', status: 503, count: 2 },
    });
    expect((await get('/customers?limit=1')).status).toBe(200);
    expect([
      (await get('/orders?limit=1')).status,
      (await get('/orders?limit=1')).status,
      (await get('/orders?limit=1')).status,
    ]).toEqual([503, 503, 200]);
  });

  it('injects 429 with Retry-After', async () => {
    await request('POST', `${ct.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'customers', kind: 'status', status: 429, count: 1, retryAfterSeconds: 3 },
    });
    const r = await get('/customers?limit=1');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
  });

  it('lose-response applies a write and cuts the connection before the answer', async () => {
    await request('POST', `${ct.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'custom-objects', kind: 'lose-response', count: 1 },
    });
    await expect(
      post('/custom-objects', { container: 'faults', key: 'lost-answer', value: 1, version: 0 }),
    ).rejects.toThrow();
    const stored = await get('/custom-objects/faults/lost-answer');
    expect(stored.status).toBe(200);
    expect(stored.body.value).toBe(1);
  });
});

describe('the official SDK works against the stand-in unchanged', () => {
  it('authenticates with client credentials and pages with process()', async () => {
    const client = new ClientBuilder()
      .withProjectKey('demo')
      .withClientCredentialsFlow({
        host: ct.url,
        projectKey: 'demo',
        credentials: { clientId: 'sdk-client', clientSecret: 'sdk-secret' },
        scopes: ['manage_project:demo'],
        httpClient: fetch,
      })
      .withHttpMiddleware({ host: ct.url, httpClient: fetch })
      .build();
    const api = createApiBuilderFromCtpClient(client).withProjectKey({ projectKey: 'demo' });
    const ids: string[] = [];
    await client.process(
      api
        .customers()
        .get({ queryArgs: { limit: 500 } })
        .clientRequest(),
      async (response: any) => {
        ids.push(...response.body.results.map((c: any) => c.id));
        return response;
      },
      { accumulate: false },
    );
    expect(ids.length).toBe(CUSTOMERS + 30);
    expect(new Set(ids).size).toBe(ids.length);
    const category = await api
      .categories()
      .get({ queryArgs: { limit: 1, expand: ['ancestors[*]'] } })
      .execute();
    expect(category.statusCode).toBe(200);
    const co = await api
      .customObjects()
      .post({ body: { container: 'sdk', key: 'kk', value: { a: 1 } } })
      .execute();
    expect(co.body.version).toBe(1);
  });
});

describe("the real API's rules the mock does not keep", () => {
  async function scopedToken(scope: string, project = 'demo'): Promise<{ status: number; body: any }> {
    return request<any>('POST', `${ct.url}/oauth/token`, {
      headers: {
        Authorization: `Basic ${Buffer.from('scoped-client:secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      rawBody: `grant_type=client_credentials&scope=${encodeURIComponent(scope.replaceAll('{p}', project))}`,
    });
  }
  const as = (token: string) => (path: string) =>
    request<any>('GET', `${ct.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });

  it('a token carries the scopes asked for; each endpoint needs one of its scopes, else 403 insufficient_scope', async () => {
    const t = await scopedToken('view_customers:{p} manage_key_value_documents:{p}');
    expect(t.status).toBe(200);
    expect(t.body.scope).toBe('view_customers:demo manage_key_value_documents:demo');
    const call = as(t.body.access_token);
    expect((await call('/demo/customers?limit=1')).status).toBe(200);
    expect((await call('/demo/custom-objects/ct-klaviyo-sync?limit=1')).status).toBe(200);
    const refused = await call('/demo/orders?limit=1');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      statusCode: 403,
      error: 'insufficient_scope',
      errors: [
        {
          code: 'insufficient_scope',
          message: 'Insufficient scope. One of the following scopes is missing: view_orders.',
        },
      ],
    });
    expect((await call('/demo/products?limit=1')).status).toBe(403);
    expect((await call('/demo')).status).toBe(403);
  });

  it('manage_x grants view_x; view_products grants categories and inventory; view_published_products does not grant /products', async () => {
    const call = as(
      (await scopedToken('manage_orders:{p} view_products:{p} view_published_products:{p}')).body.access_token,
    );
    expect((await call('/demo/orders?limit=1')).status).toBe(200);
    expect((await call('/demo/categories?limit=1')).status).toBe(200);
    expect((await call('/demo/inventory?limit=1')).status).toBe(200);
    const published = as((await scopedToken('view_published_products:{p}')).body.access_token);
    expect((await published('/demo/product-projections?limit=1')).status).toBe(200);
    expect((await published('/demo/products?limit=1')).status).toBe(403);
  });

  it("a token of one project is refused on another project's path; an unknown scope is refused at issue", async () => {
    const call = as((await scopedToken('manage_project:{p}')).body.access_token);
    expect((await call('/demo/customers?limit=1')).status).toBe(200);
    expect((await call('/other-project/customers?limit=1')).status).toBe(403);
    const bad = await scopedToken('view_everything:{p}');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_scope');
  });

  it('with a query predicate, total is limited to 10,000 (without one it is exact)', async () => {
    expect((await get('/customers?limit=1')).body.total).toBe(CUSTOMERS + 30);
    const filtered = await get(`/customers?limit=1&where=${encodeURIComponent('id > "0"')}`);
    expect(filtered.body.total).toBe(10_000);
  });

  it('custom-object containers and keys are checked against the allowed characters', async () => {
    expect((await post('/custom-objects', { container: 'ok-container', key: 'ok.key_1~', value: 1 })).status).toBe(201);
    for (const [container, key] of [
      ['bad container', 'key'],
      ['container', 'bad/key'],
      ['container', 'k'],
      ['container', 'x'.repeat(257)],
    ]) {
      const r = await post('/custom-objects', { container, key, value: 1 });
      expect(r.status, `${container}/${key}`).toBe(400);
      expect(r.body.errors[0].code).toBe('InvalidInput');
    }
  });
});
