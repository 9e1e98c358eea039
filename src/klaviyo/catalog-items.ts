import { KlaviyoApiError, PermanentRecordError } from '../core/errors.ts';
import type { JobRef, RecoveredBatch, WriteProgress } from '../core/job-progress.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import {
  type CatalogEntry,
  finishCatalogJobsByKey,
  type KeyedCatalogJobs,
  type KeyedFailures,
  recoverCatalogJobs,
  runCatalogJobsByKey,
  submitCatalogJobsByKey,
} from './catalog-jobs.ts';
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
 * Writes products to the catalog: items created or updated (existence looked up with any(ids)), then, once the
 * item jobs are done, their variants created, updated, or deleted when no longer wanted. Categories must already
 * be in Klaviyo: a product whose categories are missing fails with that advice. `knownCategories` caches
 * category ids seen. Once Klaviyo accepted the variant jobs, `progress` is told and `batch` emptied, so that
 * only ids are kept while they run. Every product of the batch gets its outcome.
 */
export async function upsertProducts(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<CatalogProductWrite>>,
  knownCategories: Set<string>,
  signal?: AbortSignal,
  progress?: WriteProgress,
): Promise<RecordOutcome[]> {
  const ids = batch.map((b) => b.id);
  const { failures, currentVariants } = await writeItems(http, batch, knownCategories, signal);
  const variantJobs = await submitVariantJobs(http, batch, failures, currentVariants, signal);
  const outcome = (id: string): RecordOutcome => {
    const f = failures.get(id);
    return f
      ? { id, outcome: 'failed', reason: f.reason, code: f.code, pointer: f.pointer || undefined }
      : { id, outcome: 'succeeded' };
  };
  progress?.submitted(
    variantJobs.flatMap((k) => k.jobs.map((j) => j.job.ref)),
    ids.filter((id) => failures.has(id)).map(outcome),
  );
  // The payloads go now (V8 keeps an async function's arguments alive): the variant jobs need only ids.
  batch.length = 0;
  const results = await Promise.all(variantJobs.map((k) => finishCatalogJobsByKey(http, k, signal)));
  for (const r of results) for (const [k, v] of r) if (!failures.has(k)) failures.set(k, v);
  return ids.map(outcome);
}

/**
 * The item half of upsertProducts: refuses products whose categories Klaviyo lacks, creates or updates the
 * items and waits for those jobs, and lists the variants of the items that existed.
 */
async function writeItems(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<CatalogProductWrite>>,
  knownCategories: Set<string>,
  signal?: AbortSignal,
): Promise<{ failures: KeyedFailures; currentVariants: Map<string, Set<string>> }> {
  const failures: KeyedFailures = new Map();
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
        detail: 'missing categories',
        pointer: '',
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
  const currentVariants = new Map<string, Set<string>>();
  await Promise.all(
    ready
      .filter((b) => !failures.has(b.id) && existing.has(b.item.itemId))
      .map(async (b) => currentVariants.set(b.id, new Set(await variantIdsOfItem(http, b.item.itemId, signal)))),
  );
  return { failures, currentVariants };
}

/** The variant half of upsertProducts: submits the variant jobs of the products whose item is written. */
async function submitVariantJobs(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<CatalogProductWrite>>,
  failures: KeyedFailures,
  currentVariants: Map<string, Set<string>>,
  signal?: AbortSignal,
): Promise<KeyedCatalogJobs[]> {
  const creates: Array<{ key: string; entry: CatalogEntry }> = [];
  const updates: Array<{ key: string; entry: CatalogEntry }> = [];
  const deletes: Array<{ key: string; entry: CatalogEntry }> = [];
  for (const b of batch) {
    if (failures.has(b.id)) continue;
    const had = currentVariants.get(b.id) ?? new Set<string>();
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
  const submissions = await Promise.allSettled([
    submitCatalogJobsByKey(http, 'variant', 'create', creates, signal),
    submitCatalogJobsByKey(http, 'variant', 'update', updates, signal),
    submitCatalogJobsByKey(http, 'variant', 'delete', deletes, signal),
  ]);
  const refused = submissions.find((r) => r.status === 'rejected');
  if (refused) {
    for (const r of submissions) if (r.status === 'fulfilled') for (const j of r.value.jobs) j.job.release?.();
    throw refused.reason;
  }
  return submissions.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

/**
 * Finishes the variant jobs of a products batch that a stopped or crashed run left in flight: its `unconfirmed`
 * products all done when every job completed without an error; undefined otherwise (the batch is then read and
 * sent again, which is harmless).
 */
export async function recoverProductJobs(
  http: KlaviyoHttp,
  refs: JobRef[],
  unconfirmed: number | undefined,
  signal?: AbortSignal,
): Promise<RecoveredBatch | undefined> {
  if (unconfirmed === undefined) return undefined;
  const recovered = await recoverCatalogJobs(http, refs, signal);
  return recovered && { succeeded: unconfirmed, failures: [] };
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
