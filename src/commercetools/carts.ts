import type { Cart } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctFind } from './client.ts';

/** One cart as it is now, or undefined when commercetools has no such cart; retries transient failures within `budgetMs`. */
export async function findCart(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<Cart | undefined> {
  return ctFind('cart read', () => api.carts().withId({ ID: id }).get().execute(), { budgetMs });
}
