import type { Product } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall, ctFind } from './client.ts';
import { keysetPages, type Page, type PageQuery, queryByIds } from './keyset-pager.ts';

const PUBLISHED = 'masterData(published = true)';
/** commercetools' `total` never exceeds this when a query has a predicate. */
const PREDICATE_TOTAL_LIMIT = 10_000;

/** Published products only (their current data), by id. */
export function publishedProductPages(api: CommercetoolsApi, q: PageQuery): AsyncGenerator<Page<Product>> {
  return keysetPages('product query', (queryArgs) => api.products().get({ queryArgs }), q, [PUBLISHED]);
}

/**
 * How many products are published, when commercetools can say exactly: with a query predicate its `total` is
 * limited to 10,000 (docs: api/limits, "Queries"), so a total at that limit is reported as unknown.
 */
export async function countPublishedProducts(api: CommercetoolsApi, signal?: AbortSignal): Promise<number | undefined> {
  const body = await ctCall(
    'product count',
    () =>
      api
        .products()
        .get({ queryArgs: { limit: 1, withTotal: true, where: [PUBLISHED] } })
        .execute(),
    { signal },
  );
  return body.total !== undefined && body.total < PREDICATE_TOTAL_LIMIT ? body.total : undefined;
}

/** Products by id (current data, published or not: orders may reference products changed since), 100 per query. */
export function fetchProducts(
  api: CommercetoolsApi,
  ids: string[],
  signal?: AbortSignal,
  budgetMs?: number,
): Promise<Product[]> {
  return queryByIds('product query', ids, (queryArgs) => api.products().get({ queryArgs }), { signal, budgetMs });
}

/** One product as it is now, or undefined when it no longer exists. */
export async function findProduct(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<Product | undefined> {
  return ctFind('product read', () => api.products().withId({ ID: id }).get().execute(), { budgetMs });
}
