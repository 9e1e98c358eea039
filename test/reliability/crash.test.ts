import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { Random } from '../../emulators/data/random.ts';
import { request, waitFor } from '../helpers/http.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { KLAVIYO_KEY, serviceEnv, startStack, waitForRun, type Stack } from '../helpers/stack.ts';

/**
 * Crash suite: a service process is SIGKILLed at a random point of an import (seeded, so a failure can be
 * replayed), a new instance resumes after the lease expires, and every record ends in Klaviyo exactly once.
 */
type R = Record<string, any>;
let stack: Stack;
const children: ChildProcess[] = [];
const data = [...generateDataset({ size: 'small' })];
const of = (t: string) => data.filter((r) => r.typeId === t).map((r) => r.resource as R);
const publishedWithImage = of('product').filter((p) => p.masterData.published && [p.masterData.current.masterVariant, ...p.masterData.current.variants].some((v: R) => v.images.length));
const EXPECTED: Record<string, () => Promise<boolean>> = {
  categories: async () => (await kl('catalog/categories')).length === of('category').length,
  products: async () => (await kl('catalog/items')).length === publishedWithImage.length,
};
const kl = async (path: string): Promise<R[]> => (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/${path}?key=${KLAVIYO_KEY}`)).body;
const fault = (body: unknown) => request('POST', `${stack.klaviyo.url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({ ct: { dataset: 'small' }, env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}' } });
  await request('POST', `${stack.service.url}/sync/categories`);
  await waitForRun(stack.service.url, 'categories');
});
afterAll(async () => stack.close());
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
});

describe('kill at a random point, resume elsewhere', () => {
  it.each([
    ['categories', 1],
    ['products', 1],
    ['products', 2],
  ])('%s (seed %i): every record lands exactly once', async (type, seed) => {
    const random = new Random(seed * 7919);
    if (type === 'categories') await request('POST', `${stack.service.url}/sync/categories`, { headers: { 'content-type': 'application/json' }, body: { deleteAll: true, confirmDeletion: 'categories' } }).then(() => waitForRun(stack.service.url, 'categories'));
    if (type === 'products') await request('POST', `${stack.service.url}/sync/products`, { headers: { 'content-type': 'application/json' }, body: { deleteAll: true, confirmDeletion: 'products' } }).then(() => waitForRun(stack.service.url, 'products'));
    const job = type === 'categories' ? 'bulk_create_catalog_categories' : 'bulk_create_catalog_variants';
    await fault({ target: job, kind: 'slow', delayMs: 150, count: 1000 });
    const { url, child } = await startServiceProcess(serviceEnv(stack.ct, stack.klaviyo.url, { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}' }), children);
    expect((await request('POST', `${url}/sync/${type}`)).status).toBe(202);
    // The kill point is the random variable of this test (not a wait for a condition).
    const killAfterMs = 200 + Math.floor(random.next() * 1200);
    await new Promise((resolve) => setTimeout(resolve, killAfterMs));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    const seen = await waitFor(async () => {
      const s = await request<R>('GET', `${stack.service.url}/sync/${type}`);
      return s.body.status !== 'running' ? s.body : undefined;
    }, 20_000, 'the lease to expire');
    const resumed = await request<R>('POST', `${stack.service.url}/sync/${type}`, { headers: { 'content-type': 'application/json' }, body: seen.status === 'completed' ? {} : { resume: true } });
    expect(resumed.status).toBe(202);
    const report = await waitForRun(stack.service.url, type, 60_000);
    expect(report.status).toBe('completed');
    const c = report.counts;
    expect(c.read).toBe(c.succeeded + c.failed + c.skipped);
    expect(c.failed).toBe(0);
    expect(await EXPECTED[type]()).toBe(true);
    if (type === 'products') {
      const variants = await kl('catalog/variants');
      expect(new Set(variants.map((v) => v.id)).size).toBe(variants.length);
    }
  });
});
