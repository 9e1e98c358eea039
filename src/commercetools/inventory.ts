import type { InventoryEntry } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';

/** One inventory entry as it is now; retries transient failures within `budgetMs`. */
export function getInventoryEntry(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<InventoryEntry> {
  return ctCall('inventory read', () => api.inventory().withId({ ID: id }).get().execute(), { budgetMs });
}
