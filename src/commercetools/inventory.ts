import type { InventoryEntry } from '@commercetools/platform-sdk';
import { CommercetoolsError } from '../core/errors.ts';
import { type CommercetoolsApi, ctCall } from './client.ts';

/** One inventory entry as it is now, undefined when there is none with that id; retries transient failures within `budgetMs`. */
export async function findInventoryEntry(
  api: CommercetoolsApi,
  id: string,
  budgetMs?: number,
): Promise<InventoryEntry | undefined> {
  try {
    return await ctCall('inventory read', () => api.inventory().withId({ ID: id }).get().execute(), { budgetMs });
  } catch (e) {
    if (e instanceof CommercetoolsError && e.status === 404) return undefined;
    throw e;
  }
}
