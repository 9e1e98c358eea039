import { CATALOG_PLURAL, type CatalogResource } from './catalog-jobs.ts';
import { anyFilter, collectionPages } from './collection.ts';
import type { KlaviyoHttp } from './http.ts';
import { type KlaviyoOperation, OPERATIONS } from './operations.ts';

const LIST_OPERATION: Record<CatalogResource, KlaviyoOperation> = {
  item: OPERATIONS.getCatalogItems,
  category: OPERATIONS.getCatalogCategories,
  variant: OPERATIONS.getCatalogVariants,
};

/** Every id of a paged collection, following `links.next`. */
async function collectIds(
  http: KlaviyoHttp,
  op: KlaviyoOperation,
  firstPath: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of collectionPages<{ id: string }>(http, op, firstPath, signal))
    for (const r of page) ids.push(r.id);
  return ids;
}

/** Which of these catalog ids exist, 100 per `filter=any(ids,[...])` request. */
export async function existingCatalogIds(
  http: KlaviyoHttp,
  resource: CatalogResource,
  ids: string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const path = `/api/catalog-${CATALOG_PLURAL[resource]}?filter=${anyFilter('ids', chunk)}&page[size]=100&fields[catalog-${resource}]=external_id`;
    for (const id of await collectIds(http, LIST_OPERATION[resource], path, signal)) found.add(id);
  }
  return found;
}

/** Every id of a catalog resource type in the account (for delete-all). */
export function listCatalogIds(http: KlaviyoHttp, resource: CatalogResource, signal?: AbortSignal): Promise<string[]> {
  return collectIds(
    http,
    LIST_OPERATION[resource],
    `/api/catalog-${CATALOG_PLURAL[resource]}?page[size]=100&fields[catalog-${resource}]=external_id`,
    signal,
  );
}

/** Every variant id of an item (a product with 150 variants takes two pages). */
export function variantIdsOfItem(http: KlaviyoHttp, itemId: string, signal?: AbortSignal): Promise<string[]> {
  return collectIds(
    http,
    OPERATIONS.getVariantIdsForItem,
    `/api/catalog-items/${encodeURIComponent(itemId)}/relationships/variants?page[size]=100`,
    signal,
  );
}
