import type { ByProjectKeyRequestBuilder, Category, Product } from '@commercetools/platform-sdk';
import { ctCall } from './client.ts';
import { pageById, type Page } from './keyset-pager.ts';

export function categoryPages(api: ByProjectKeyRequestBuilder, q: { cursor?: string; ids?: string[]; signal?: AbortSignal }): AsyncGenerator<Page<Category>> {
  return pageById<Category>(
    async (where, limit) => (await ctCall('category query', () => api.categories().get({ queryArgs: { sort: 'id asc', limit, withTotal: false, ...(where.length ? { where } : {}) } }).execute(), { signal: q.signal })).results,
    q,
  );
}

/** Every category (the tree is small compared with orders or products), paged by id. */
export async function fetchAllCategories(api: ByProjectKeyRequestBuilder, signal?: AbortSignal): Promise<Category[]> {
  const out: Category[] = [];
  for await (const page of categoryPages(api, { signal })) out.push(...page.records);
  return out;
}

/** Published products only (their current data), by id. */
export function publishedProductPages(api: ByProjectKeyRequestBuilder, q: { cursor?: string; ids?: string[]; signal?: AbortSignal }): AsyncGenerator<Page<Product>> {
  return pageById<Product>(
    async (where, limit) =>
      (await ctCall('product query', () => api.products().get({ queryArgs: { sort: 'id asc', limit, withTotal: false, where: ['masterData(published = true)', ...where] } }).execute(), { signal: q.signal })).results,
    q,
  );
}

export async function countResources(api: ByProjectKeyRequestBuilder, resource: 'categories' | 'products', signal?: AbortSignal): Promise<number | undefined> {
  if (resource === 'categories') return (await ctCall('category count', () => api.categories().get({ queryArgs: { limit: 1, withTotal: true } }).execute(), { signal })).total;
  return (await ctCall('product count', () => api.products().get({ queryArgs: { limit: 1, withTotal: true, where: ['masterData(published = true)'] } }).execute(), { signal })).total;
}
