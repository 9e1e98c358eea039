import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedOutcome } from '../helpers/expected.ts';
import { request } from '../helpers/http.ts';
import { type Stack, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * The commercetools stand-in enforces OAuth scopes as the real API does, so the README's CT_SCOPE advice is
 * proven here: every import runs with exactly those scopes, and a missing one fails with a clear message.
 */
type R = Record<string, any>;
const tiny = expectedOutcome('tiny');
/** The README's CT_SCOPE, for project `demo`. */
const README_SCOPES = [
  'manage_key_value_documents',
  'view_customers',
  'view_orders',
  'view_payments',
  'view_products',
  'view_categories',
]
  .map((s) => `${s}:demo`)
  .join(' ');
const env = { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}', PREFERRED_CURRENCY: 'EUR' };

describe("the README's scopes", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...env, CT_SCOPE: README_SCOPES } });
  });
  afterAll(async () => stack.close());

  it('are enough for every import and for readiness', async () => {
    expect((await request<R>('GET', `${stack.service.url}/ready`)).body).toMatchObject({ ready: true });
    const counts: Record<string, R> = {};
    for (const type of ['categories', 'products', 'customers', 'orders']) {
      expect((await request('POST', `${stack.service.url}/sync/${type}`)).status).toBe(202);
      const r = await waitForRun(stack.service.url, type);
      expect(r.status, `${type}: ${JSON.stringify(r.error)}`).toBe('completed');
      counts[type] = r.counts;
    }
    expect(counts.customers.succeeded).toBe(tiny.customers.length);
    expect(counts.orders.succeeded).toBe(tiny.importable.length);
    expect(counts.products.succeeded).toBe(tiny.withImage.length);
  });
});

describe('a missing scope', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...env, CT_SCOPE: README_SCOPES.replace('view_orders:demo', '') } });
  });
  afterAll(async () => stack.close());

  it('fails the run at once with the scope to add', async () => {
    expect((await request('POST', `${stack.service.url}/sync/orders`)).status).toBe(202);
    const r = await waitForRun(stack.service.url, 'orders');
    expect(r.status).toBe('failed');
    expect(r.error).toMatchObject({ code: 'CT_REQUEST_FAILED' });
    expect(r.error.message).toContain('403 insufficient_scope');
    expect(r.error.message).toContain('One of the following scopes is missing: view_orders.');
  });
});
