import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';

/** Whether the API key reaches the account (one cheap read); throws KlaviyoApiError otherwise. */
export async function checkKlaviyoAccess(http: KlaviyoHttp): Promise<void> {
  await http.request(OPERATIONS.getCatalogItems, { method: 'GET', path: '/api/catalog-items?page[size]=1' });
}
