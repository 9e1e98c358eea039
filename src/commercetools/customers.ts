import type { Customer } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';
import { keysetPages, type Page, type PageQuery } from './keyset-pager.ts';

/** Customers by id, 500 a page (or exactly the ids asked for). */
export function customerPages(api: CommercetoolsApi, q: PageQuery): AsyncGenerator<Page<Customer>> {
  return keysetPages('customer query', (queryArgs) => api.customers().get({ queryArgs }), q);
}

export async function countCustomers(api: CommercetoolsApi, signal?: AbortSignal): Promise<number | undefined> {
  return (
    await ctCall(
      'customer count',
      () =>
        api
          .customers()
          .get({ queryArgs: { limit: 1, withTotal: true } })
          .execute(),
      { signal },
    )
  ).total;
}

/** Customers by id (up to 100 a query); ids commercetools does not have are absent. */
export async function customersByIds(api: CommercetoolsApi, ids: string[], budgetMs?: number): Promise<Customer[]> {
  const out: Customer[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const where = [`id in (${chunk.map((id) => JSON.stringify(id)).join(', ')})`];
    out.push(
      ...(
        await ctCall(
          'customer query',
          () =>
            api
              .customers()
              .get({ queryArgs: { where, limit: 100, withTotal: false } })
              .execute(),
          { budgetMs },
        )
      ).results,
    );
  }
  return out;
}
