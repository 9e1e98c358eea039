import type { Customer } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';
import { keysetPages, type Page, type PageQuery, queryByIds } from './keyset-pager.ts';

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
export function customersByIds(api: CommercetoolsApi, ids: string[], budgetMs?: number): Promise<Customer[]> {
  return queryByIds('customer query', ids, (queryArgs) => api.customers().get({ queryArgs }), { budgetMs });
}

/**
 * The customers whose email is this one, whatever its case: commercetools keeps the case as entered and matches
 * case-insensitively on `lowercaseEmail` (the customers API's "Email case insensitivity").
 */
export async function customersByEmail(
  api: CommercetoolsApi,
  email: string,
  signal?: AbortSignal,
): Promise<Customer[]> {
  const lower = email.trim().toLowerCase();
  const where = `lowercaseEmail = ${JSON.stringify(lower)} or email in (${emailForms(email)})`;
  return (
    await ctCall(
      'customer by email query',
      () =>
        api
          .customers()
          .get({ queryArgs: { where: [where], limit: 20, withTotal: false } })
          .execute(),
      { signal },
    )
  ).results;
}

/** An email as given and lower-cased, quoted for an `in (…)` predicate. */
export function emailForms(email: string): string {
  return [...new Set([email.trim(), email.trim().toLowerCase()])].map((e) => JSON.stringify(e)).join(', ');
}
