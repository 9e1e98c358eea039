import { KlaviyoApiError, PermanentRecordError } from '../core/errors.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import { type CatalogEntry, runCatalogJobsByKey } from './catalog-jobs.ts';
import { existingCatalogIds, variantIdsOfItem } from './catalog-lookups.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';

/** One product as the catalog wants it (the shape mapping produces): its item, categories and variants. */
export interface CatalogProductWrite {
  itemId: string;
  item: { external_id: string };
  categoryIds: string[];
  variants: Array<{ variantId: string; attributes: { external_id: string } }>;
}

type Failure = { reason: string; code?: string; pointer?: string };

const CUSTOM_CATALOG = { integration_type: '$custom', catalog_type: '$default' } as const;

function itemEntry(p: CatalogProductWrite, isCreate: boolean): CatalogEntry {
  const { external_id, ...rest } = p.item;
  return {
    type: 'catalog-item',
    ...(isCreate ? { attributes: { external_id, ...rest, ...CUSTOM_CATALOG } } : { id: p.itemId, attributes: rest }),
    relationships: { categories: { data: p.categoryIds.map((id) => ({ type: 'catalog-category', id })) } },
  };
}

/**
 * Writes products to the catalog: items created or updated (existence looked up with any(ids)), then their
 * variants created, updated, or deleted when no longer wanted. Categories must already be in Klaviyo: a
 * product whose categories are missing fails with that advice. `knownCategories` caches category ids seen.
 * Every product of the batch gets its outcome.
 */
export async function upsertProducts(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<CatalogProductWrite>>,
  knownCategories: Set<string>,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  const failures = new Map<string, Failure>();
  const wantedCategories = [...new Set(batch.flatMap((b) => b.item.categoryIds))].filter(
    (id) => !knownCategories.has(id),
  );
  if (wantedCategories.length)
    for (const id of await existingCatalogIds(http, 'category', wantedCategories, signal)) knownCategories.add(id);
  const ready = batch.filter((b) => {
    const absent = b.item.categoryIds.filter((id) => !knownCategories.has(id));
    if (absent.length)
      failures.set(b.id, {
        reason: `categories not in Klaviyo: ${absent.join(', ')}. Import categories first (POST /sync/categories), then re-run products.`,
        code: 'missing_category',
      });
    return absent.length === 0;
  });
  const existing = await existingCatalogIds(
    http,
    'item',
    ready.map((b) => b.item.itemId),
    signal,
  );
  const [created, updated] = await Promise.all([
    runCatalogJobsByKey(
      http,
      'item',
      'create',
      ready.filter((b) => !existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: itemEntry(b.item, true) })),
      signal,
    ),
    runCatalogJobsByKey(
      http,
      'item',
      'update',
      ready.filter((b) => existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: itemEntry(b.item, false) })),
      signal,
    ),
  ]);
  for (const [k, v] of [...created, ...updated]) failures.set(k, v);

  const withItem = ready.filter((b) => !failures.has(b.id));
  const current = new Map<string, Set<string>>();
  await Promise.all(
    withItem
      .filter((b) => existing.has(b.item.itemId))
      .map(async (b) => current.set(b.id, new Set(await variantIdsOfItem(http, b.item.itemId, signal)))),
  );
  const creates: Array<{ key: string; entry: CatalogEntry }> = [];
  const updates: Array<{ key: string; entry: CatalogEntry }> = [];
  const deletes: Array<{ key: string; entry: CatalogEntry }> = [];
  for (const b of withItem) {
    const had = current.get(b.id) ?? new Set<string>();
    const wanted = new Set(b.item.variants.map((v) => v.variantId));
    for (const v of b.item.variants) {
      if (had.has(v.variantId)) {
        const { external_id: _e, ...rest } = v.attributes;
        updates.push({ key: b.id, entry: { type: 'catalog-variant', id: v.variantId, attributes: rest } });
      } else {
        const relationships = { item: { data: { type: 'catalog-item', id: b.item.itemId } } };
        creates.push({
          key: b.id,
          entry: { type: 'catalog-variant', attributes: { ...v.attributes, ...CUSTOM_CATALOG }, relationships },
        });
      }
    }
    for (const id of had) if (!wanted.has(id)) deletes.push({ key: b.id, entry: { type: 'catalog-variant', id } });
  }
  const results = await Promise.all([
    runCatalogJobsByKey(http, 'variant', 'create', creates, signal),
    runCatalogJobsByKey(http, 'variant', 'update', updates, signal),
    runCatalogJobsByKey(http, 'variant', 'delete', deletes, signal),
  ]);
  for (const r of results) for (const [k, v] of r) if (!failures.has(k)) failures.set(k, v);
  return batch.map((b): RecordOutcome => {
    const f = failures.get(b.id);
    return f
      ? { id: b.id, outcome: 'failed', reason: f.reason, code: f.code, pointer: f.pointer }
      : { id: b.id, outcome: 'succeeded' };
  });
}

/** Removes an item and its variants (variants first; either already gone counts as done). */
export async function deleteProduct(
  http: KlaviyoHttp,
  itemId: string,
  signal?: AbortSignal,
): Promise<{ variants: number; isItemDeleted: boolean }> {
  const existing = await existingCatalogIds(http, 'item', [itemId], signal);
  if (!existing.has(itemId)) return { variants: 0, isItemDeleted: false };
  const variantIds = await variantIdsOfItem(http, itemId, signal);
  const variantFailures = await runCatalogJobsByKey(
    http,
    'variant',
    'delete',
    variantIds.map((id) => ({ key: id, entry: { type: 'catalog-variant', id } })),
    signal,
  );
  const itemFailures = variantFailures.size
    ? variantFailures
    : await runCatalogJobsByKey(
        http,
        'item',
        'delete',
        [{ key: itemId, entry: { type: 'catalog-item', id: itemId } }],
        signal,
      );
  const failure = [...itemFailures.values()][0];
  if (failure) throw new PermanentRecordError(failure.code || 'catalog_job_error', failure.reason);
  return { variants: variantIds.length, isItemDeleted: true };
}

/** Sets one variant's stock; `absent` when Klaviyo does not have the variant. */
export async function setVariantStock(
  http: KlaviyoHttp,
  variantId: string,
  quantity: number,
): Promise<'updated' | 'absent'> {
  try {
    await http.request(OPERATIONS.updateCatalogVariant, {
      method: 'PATCH',
      path: `/api/catalog-variants/${encodeURIComponent(variantId)}`,
      body: { data: { type: 'catalog-variant', id: variantId, attributes: { inventory_quantity: quantity } } },
    });
    return 'updated';
  } catch (e) {
    if (e instanceof KlaviyoApiError && e.status === 404) return 'absent';
    throw e;
  }
}
