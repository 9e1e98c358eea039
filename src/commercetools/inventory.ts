import type { InventoryEntry } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctFind } from './client.ts';

/** One inventory entry as it is now, undefined when there is none with that id; retries transient failures within `budgetMs`. */
export async function findInventoryEntry(
  api: CommercetoolsApi,
  id: string,
  budgetMs?: number,
): Promise<InventoryEntry | undefined> {
  return ctFind('inventory read', () => api.inventory().withId({ ID: id }).get().execute(), { budgetMs });
}
