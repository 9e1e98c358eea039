import type { Category } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall, ctFind } from './client.ts';
import { keysetPages, type Page, type PageQuery } from './keyset-pager.ts';

export function categoryPages(api: CommercetoolsApi, q: PageQuery): AsyncGenerator<Page<Category>> {
  return keysetPages('category query', (queryArgs) => api.categories().get({ queryArgs }), q);
}

/** Every category (the tree is small compared with orders or products), paged by id. */
export async function fetchAllCategories(api: CommercetoolsApi, signal?: AbortSignal): Promise<Category[]> {
  const out: Category[] = [];
  for await (const page of categoryPages(api, { signal })) out.push(...page.records);
  return out;
}

export async function countCategories(api: CommercetoolsApi, signal?: AbortSignal): Promise<number | undefined> {
  return (
    await ctCall(
      'category count',
      () =>
        api
          .categories()
          .get({ queryArgs: { limit: 1, withTotal: true } })
          .execute(),
      { signal },
    )
  ).total;
}

/** One category as it is now, undefined when commercetools has none with that id; retries transient failures within `budgetMs`. */
export async function findCategory(
  api: CommercetoolsApi,
  id: string,
  budgetMs?: number,
): Promise<Category | undefined> {
  return ctFind('category read', () => api.categories().withId({ ID: id }).get().execute(), { budgetMs });
}
