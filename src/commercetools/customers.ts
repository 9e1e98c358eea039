import type { Customer } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall, ctFind } from './client.ts';
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

/** One customer as it is now; retries transient failures within `budgetMs`. */
export async function findCustomer(
  api: CommercetoolsApi,
  id: string,
  budgetMs?: number,
): Promise<Customer | undefined> {
  return ctFind('customer read', () => api.customers().withId({ ID: id }).get().execute(), { budgetMs });
}
