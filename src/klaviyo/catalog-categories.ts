import { catalogId } from '../core/catalog-id.ts';
import { KlaviyoApiError } from '../core/errors.ts';
import type { WriteProgress } from '../core/job-progress.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import { type CatalogEntry, finishCatalogJob, finishCatalogUpsert, submitCatalogJob } from './catalog-jobs.ts';
import { existingCatalogIds } from './catalog-lookups.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';
import { outcomesByRow } from './row-errors.ts';
import type { CatalogCategoryAttributes } from './types.ts';

const CUSTOM_CATALOG = { integration_type: '$custom', catalog_type: '$default' } as const;

/**
 * Creates or updates catalog categories (≤ 100): existing ones, looked up with any(ids), are updated and the
 * others created, in one bulk job each; every category gets its outcome.
 */
export async function upsertCategories(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<CatalogCategoryAttributes>>,
  signal?: AbortSignal,
  progress?: WriteProgress,
): Promise<RecordOutcome[]> {
  const existing = await existingCatalogIds(
    http,
    'category',
    batch.map((b) => catalogId(b.item.external_id)),
    signal,
  );
  const toCreate = batch.filter((b) => !existing.has(catalogId(b.item.external_id)));
  const toUpdate = batch.filter((b) => existing.has(catalogId(b.item.external_id)));
  const creates = toCreate.map(
    (b): CatalogEntry => ({ type: 'catalog-category', attributes: { ...b.item, ...CUSTOM_CATALOG } }),
  );
  const updates = toUpdate.map(
    (b): CatalogEntry => ({
      type: 'catalog-category',
      id: catalogId(b.item.external_id),
      attributes: { name: b.item.name },
    }),
  );
  const submissions = await Promise.allSettled([
    creates.length ? submitCatalogJob(http, 'category', 'create', creates, signal) : undefined,
    updates.length ? submitCatalogJob(http, 'category', 'update', updates, signal) : undefined,
  ]);
  const refused = submissions.find((r) => r.status === 'rejected');
  if (refused) {
    for (const r of submissions) if (r.status === 'fulfilled') r.value?.release?.();
    throw refused.reason;
  }
  const [createJob, updateJob] = submissions.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  progress?.submitted(
    [createJob, updateJob].filter((j) => j !== undefined).map((j) => j.ref),
    [],
  );
  const [created, updated] = await Promise.all([
    createJob ? finishCatalogUpsert(http, createJob, () => creates, signal) : undefined,
    updateJob ? finishCatalogJob(http, updateJob, signal) : undefined,
  ]);
  return [
    ...(created ? outcomesByRow(toCreate, created.errors, 'Klaviyo could not create the category') : []),
    ...(updated ? outcomesByRow(toUpdate, updated.errors, 'Klaviyo could not update the category') : []),
  ];
}

/** Creates or updates one catalog category with the single-resource endpoints (real time: lowest latency). */
export async function upsertCategory(
  http: KlaviyoHttp,
  category: CatalogCategoryAttributes,
): Promise<'created' | 'updated'> {
  const id = catalogId(category.external_id);
  const update = () =>
    http.request(OPERATIONS.updateCatalogCategory, {
      method: 'PATCH',
      path: `/api/catalog-categories/${encodeURIComponent(id)}`,
      body: { data: { type: 'catalog-category', id, attributes: { name: category.name } } },
    });
  if ((await existingCatalogIds(http, 'category', [id])).has(id)) {
    await update();
    return 'updated';
  }
  try {
    await http.request(OPERATIONS.createCatalogCategory, {
      method: 'POST',
      path: '/api/catalog-categories',
      body: { data: { type: 'catalog-category', attributes: { ...category, ...CUSTOM_CATALOG } } },
    });
  } catch (e) {
    // Created meanwhile (a retry whose first answer was lost, or the bulk import): update it instead.
    if (!(e instanceof KlaviyoApiError && e.status === 409)) throw e;
    await update();
  }
  return 'created';
}

/** Removes one catalog category; `absent` when Klaviyo does not have it. */
export async function deleteCategory(http: KlaviyoHttp, categoryId: string): Promise<'deleted' | 'absent'> {
  try {
    await http.request(OPERATIONS.deleteCatalogCategory, {
      method: 'DELETE',
      path: `/api/catalog-categories/${encodeURIComponent(catalogId(categoryId))}`,
    });
    return 'deleted';
  } catch (e) {
    if (e instanceof KlaviyoApiError && e.status === 404) return 'absent';
    throw e;
  }
}
