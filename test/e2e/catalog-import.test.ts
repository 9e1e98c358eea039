import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectedOutcome } from '../helpers/expected.ts';
import { request, waitFor } from '../helpers/http.ts';
import { KLAVIYO_KEY, type Stack, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;
let stack: Stack;
const { categories, published, withImage, variants: expectedVariants } = expectedOutcome('small');
const byCategoryId = new Map(categories.map((c) => [c.id as string, c]));
const cid = (id: string) => `$custom:::$default:::${id}`;
const breadcrumb = (id: string): string => {
  const c = byCategoryId.get(id) as R;
  return c.parent ? `${breadcrumb(c.parent.id)} > ${c.name.en}` : c.name.en;
};

const post = (path: string, body?: unknown) =>
  request<any>(
    'POST',
    `${stack.service.url}${path}`,
    body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body },
  );
const inspect = async (what: string): Promise<R[]> =>
  (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/catalog/${what}?key=${KLAVIYO_KEY}`)).body;
async function run(type: string, body?: unknown): Promise<R> {
  const started = await post(`/sync/${type}`, body);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return waitForRun(stack.service.url, type);
}

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    env: {
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
      PREFERRED_LOCALE: 'en',
      PREFERRED_CURRENCY: 'EUR',
    },
  });
});
afterAll(async () => stack.close());
beforeEach(async () => {
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});
afterEach(async () => {
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
});

describe('categories and products', () => {
  it('products before categories fail with the advice to import categories first', async () => {
    const report = await run('products');
    expect(report.counts.failed).toBe(withImage.length);
    expect(report.lastErrors.find((e: R) => e.outcome === 'failed')).toMatchObject({
      code: 'missing_category',
      reason: expect.stringContaining('Import categories first'),
    });
    expect(await inspect('items')).toEqual([]);
  });

  it('land with breadcrumb names, prices, stock and relationships; a re-run changes nothing; zero spec violations', async () => {
    const cats = await run('categories');
    expect(cats.counts).toEqual({ read: categories.length, succeeded: categories.length, failed: 0, skipped: 0 });
    const klaviyoCategories = await inspect('categories');
    expect(klaviyoCategories).toHaveLength(categories.length);
    for (const c of categories) expect(klaviyoCategories.find((k) => k.id === cid(c.id))?.name).toBe(breadcrumb(c.id));

    const prods = await run('products');
    expect(prods.counts).toEqual({
      read: published.length,
      succeeded: withImage.length,
      failed: 0,
      skipped: published.length - withImage.length,
    });
    expect(prods.lastErrors.some((e: R) => e.outcome === 'skipped' && /no image/.test(e.reason))).toBe(true);
    const items = await inspect('items');
    const variants = await inspect('variants');
    expect(items).toHaveLength(withImage.length);
    expect(variants).toHaveLength(expectedVariants.length);
    const big = withImage.find((p) => p.masterData.current.variants.length >= 149) as R;
    expect(variants.filter((v) => v.item === cid(big.id)).length).toBe(
      [big.masterData.current.masterVariant, ...big.masterData.current.variants].filter((v: R) => v.sku).length,
    );
    for (const p of withImage.slice(0, 20)) {
      const item = items.find((i) => i.id === cid(p.id)) as R;
      const d = p.masterData.current;
      expect(item.title).toBe(d.name.en);
      expect(item.url).toBe(`https://shop.example/p/${d.slug.en}`);
      expect(item.description).toBe(d.description?.en ?? '');
      const leafIds = d.categories.map((c: R) => c.id);
      const withAncestors = new Set(
        leafIds.flatMap((id: string) => [id, ...(byCategoryId.get(id) as R).ancestors.map((a: R) => a.id)]).map(cid),
      );
      expect(new Set(item.categories)).toEqual(withAncestors);
      for (const v of [d.masterVariant, ...d.variants].filter((x: R) => x.sku)) {
        const kv = variants.find((x) => x.id === cid(v.sku)) as R;
        expect(kv.inventory_quantity).toBe(v.availability?.availableQuantity ?? 0);
        const eurUndated = v.prices.filter(
          (pr: R) => pr.value.currencyCode === 'EUR' && !pr.customerGroup && !pr.channel && !pr.country,
        );
        const validNow = eurUndated.filter(
          (pr: R) => pr.validFrom && Date.parse(pr.validFrom) <= Date.now() && Date.parse(pr.validUntil) >= Date.now(),
        );
        const undated = eurUndated.filter((pr: R) => !pr.validFrom && !pr.validUntil);
        const chosen = validNow[0] ?? undated[0];
        expect(kv.price).toBe(chosen ? chosen.value.centAmount / 100 : 0);
      }
    }
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);

    const again = await run('products');
    expect(again.counts).toEqual(prods.counts);
    expect(await inspect('items')).toHaveLength(withImage.length);
    expect(await inspect('variants')).toHaveLength(expectedVariants.length);
  });

  it('a renamed category is updated in Klaviyo on the next run; a removed variant disappears', async () => {
    await run('categories');
    await run('products');
    const leaf = categories.find((c) => c.ancestors.length === 2) as R;
    const stored = (await stack.ct.storage.get('demo', 'category', leaf.id)) as unknown as R;
    stack.ct.storage.put('demo', 'category', {
      ...stored,
      id: leaf.id,
      version: stored.version + 1,
      name: { ...stored.name, en: 'Renamed Leaf' },
    });
    const product = withImage.find((p) => p.masterData.current.variants.filter((v: R) => v.sku).length >= 2) as R;
    const storedProduct = (await stack.ct.storage.get('demo', 'product', product.id)) as unknown as R;
    const removed = storedProduct.masterData.current.variants.find((v: R) => v.sku) as R;
    const current = {
      ...storedProduct.masterData.current,
      variants: storedProduct.masterData.current.variants.filter((v: R) => v.id !== removed.id),
    };
    stack.ct.storage.put('demo', 'product', {
      ...storedProduct,
      id: product.id,
      version: storedProduct.version + 1,
      masterData: { ...storedProduct.masterData, current, staged: current },
    });
    try {
      await run('categories');
      const renamed = (await inspect('categories')).find((c) => c.id === cid(leaf.id));
      expect(renamed?.name).toBe(`${breadcrumb(leaf.ancestors[1].id)} > Renamed Leaf`);
      expect(await inspect('categories')).toHaveLength(categories.length);
      await run('products', { ids: [product.id] });
      const variants = await inspect('variants');
      expect(variants.some((v) => v.id === cid(removed.sku))).toBe(false);
      expect(variants.filter((v) => v.item === cid(product.id)).length).toBe(
        [current.masterVariant, ...current.variants].filter((v: R) => v.sku).length,
      );
    } finally {
      stack.ct.storage.put('demo', 'category', stored as never);
      stack.ct.storage.put('demo', 'product', storedProduct as never);
    }
  });

  it('deleteAll empties the catalog of the chosen type, with both fields required', async () => {
    await run('categories');
    await run('products');
    const refused = await post('/sync/products', { deleteAll: true });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('"confirmDeletion": "products"');
    expect((await post('/sync/products', { deleteAll: true, confirmDeletion: 'categories' })).status).toBe(400);
    const deleted = await run('products', { deleteAll: true, confirmDeletion: 'products' });
    expect(deleted.counts.succeeded).toBeGreaterThan(withImage.length);
    expect(await inspect('items')).toEqual([]);
    expect(await inspect('variants')).toEqual([]);
    expect(await inspect('categories')).toHaveLength(categories.length);
    // The seed guide's own spelling works as written.
    const typo = await post('/sync/categories', { deleteAll: true, confirmDeletoin: 'categories' });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toContain("unknown field 'confirmDeletoin'; did you mean 'confirmDeletion'?");
    const deletedCategories = await run('categories', { deleteAll: true, confirmDeletetion: 'categories' });
    expect(deletedCategories.counts.succeeded).toBe(categories.length);
    expect(deletedCategories.options.confirmDeletion).toBe('categories');
    expect(await inspect('categories')).toEqual([]);
  });

  it('stop + resume, and 429/5xx on catalog jobs, lose nothing', async () => {
    await run('categories');
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: [
        { target: 'bulk_create_catalog_items', kind: 'slow', delayMs: 400, count: 100 },
        { target: 'bulk_create_catalog_variants', kind: 'status', status: 429, count: 2, retryAfterSeconds: 1 },
        { target: 'get_bulk_create_variants_job', kind: 'status', status: 503, probability: 0.3 },
      ],
    });
    const started = await post('/sync/products');
    await waitFor(
      async () => (await request<any>('GET', `${stack.service.url}/sync/products`)).body.counts.succeeded >= 1,
      30_000,
      'progress',
    );
    const stopped = await post('/sync/products/stop');
    expect(stopped.body.status).toBe('stopped');
    const resumed = await post('/sync/products', { resume: true });
    expect(resumed.body.resumedFrom).toBe(started.body.jobId);
    const report = await waitForRun(stack.service.url, 'products', 120_000);
    expect(report.counts).toEqual({
      read: published.length,
      succeeded: withImage.length,
      failed: 0,
      skipped: published.length - withImage.length,
    });
    expect(await inspect('items')).toHaveLength(withImage.length);
  });
});

describe('configuration', () => {
  it('products without PRODUCT_URL_TEMPLATE answer 400 with what to set', async () => {
    const s = await startStack();
    try {
      const r = await request<any>('POST', `${s.service.url}/sync/products`);
      expect(r.status).toBe(400);
      expect(r.body.message).toContain('PRODUCT_URL_TEMPLATE is required');
    } finally {
      await s.close();
    }
  });
});
