import type { Customer } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';
import { type Page, type PageQuery, pageById } from './keyset-pager.ts';

/** Customers by id, 500 a page (or exactly the ids asked for). */
export function customerPages(api: CommercetoolsApi, q: PageQuery): AsyncGenerator<Page<Customer>> {
  return pageById<Customer>(
    async (where, limit) =>
      (
        await ctCall(
          'customer query',
          () =>
            api
              .customers()
              .get({ queryArgs: { sort: 'id asc', limit, withTotal: false, ...(where.length ? { where } : {}) } })
              .execute(),
          { signal: q.signal },
        )
      ).results,
    q,
  );
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

/** One customer as it is now; retries transient failures within `budgetMs`. */
export function getCustomer(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<Customer> {
  return ctCall('customer read', () => api.customers().withId({ ID: id }).get().execute(), { budgetMs });
}
