import type { KlaviyoHttp } from './http.ts';
import { existingCatalogIds, MAX_CATALOG_JOB_RESOURCES, runCatalogJob, runCatalogUpsertJob, variantIdsOfItem, type CatalogAction, type CatalogEntry } from './catalog.ts';

/** One product as the catalog wants it (the shape mapping produces). */
export interface CatalogProductWrite {
  itemId: string;
  item: { external_id: string };
  categoryIds: string[];
  variants: Array<{ variantId: string; attributes: { external_id: string } }>;
}

export interface WriteFailure {
  reason: string;
  code?: string;
  pointer?: string;
}

/** Runs jobs of ≤ 100 entries and reports failures by the key of each entry. */
async function runJobs(klaviyo: KlaviyoHttp, resource: 'item' | 'variant', action: CatalogAction, entries: Array<{ key: string; entry: CatalogEntry }>, signal?: AbortSignal): Promise<Map<string, WriteFailure>> {
  const failures = new Map<string, WriteFailure>();
  const chunks: Array<typeof entries> = [];
  for (let i = 0; i < entries.length; i += MAX_CATALOG_JOB_RESOURCES) chunks.push(entries.slice(i, i + MAX_CATALOG_JOB_RESOURCES));
  await Promise.all(
    chunks.map(async (chunk) => {
      const entries = chunk.map((c) => c.entry);
      const result = action === 'create' ? await runCatalogUpsertJob(klaviyo, resource, entries, signal) : await runCatalogJob(klaviyo, resource, action, entries, signal);
      for (const [index, e] of result.errors) {
        const isGone = action === 'delete' && /not.?found|does not exist/i.test(`${e.code} ${e.detail}`);
        if (!isGone && !failures.has(chunk[index].key)) failures.set(chunk[index].key, { reason: `Klaviyo could not ${action} ${resource} ${chunk[index].entry.id ?? chunk[index].entry.attributes?.external_id}: ${e.detail}`, code: e.code, pointer: e.pointer });
      }
    }),
  );
  return failures;
}

/**
 * Writes products to the catalog: items created or updated (existence looked up with any(ids)), then their
 * variants created, updated, or deleted when no longer wanted; categories must already be in Klaviyo (a
 * product whose categories are missing fails with that advice). `knownCategories` caches category ids seen.
 */
export async function writeCatalogProducts(
  klaviyo: KlaviyoHttp,
  batch: Array<{ id: string; item: CatalogProductWrite }>,
  knownCategories: Set<string>,
  signal?: AbortSignal,
): Promise<Map<string, WriteFailure>> {
  const failures = new Map<string, WriteFailure>();
  const wantedCategories = [...new Set(batch.flatMap((b) => b.item.categoryIds))].filter((id) => !knownCategories.has(id));
  if (wantedCategories.length) for (const id of await existingCatalogIds(klaviyo, 'category', wantedCategories, signal)) knownCategories.add(id);
  const ready = batch.filter((b) => {
    const absent = b.item.categoryIds.filter((id) => !knownCategories.has(id));
    if (absent.length) failures.set(b.id, { reason: `categories not in Klaviyo: ${absent.join(', ')}. Import categories first (POST /sync/categories), then re-run products.`, code: 'missing_category' });
    return absent.length === 0;
  });
  const existing = await existingCatalogIds(klaviyo, 'item', ready.map((b) => b.item.itemId), signal);
  const relationships = (p: CatalogProductWrite) => ({ categories: { data: p.categoryIds.map((id) => ({ type: 'catalog-category', id })) } });
  const attributes = (p: CatalogProductWrite, isCreate: boolean) => {
    const { external_id, ...rest } = p.item;
    return isCreate ? { external_id, ...rest, integration_type: '$custom', catalog_type: '$default' } : rest;
  };
  const [created, updated] = await Promise.all([
    runJobs(klaviyo, 'item', 'create', ready.filter((b) => !existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: { type: 'catalog-item', attributes: attributes(b.item, true), relationships: relationships(b.item) } })), signal),
    runJobs(klaviyo, 'item', 'update', ready.filter((b) => existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: { type: 'catalog-item', id: b.item.itemId, attributes: attributes(b.item, false), relationships: relationships(b.item) } })), signal),
  ]);
  for (const [k, v] of [...created, ...updated]) failures.set(k, v);

  const withItem = ready.filter((b) => !failures.has(b.id));
  const current = new Map<string, Set<string>>();
  await Promise.all(withItem.filter((b) => existing.has(b.item.itemId)).map(async (b) => current.set(b.id, new Set(await variantIdsOfItem(klaviyo, b.item.itemId, signal)))));
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
        creates.push({ key: b.id, entry: { type: 'catalog-variant', attributes: { ...v.attributes, integration_type: '$custom', catalog_type: '$default' }, relationships: { item: { data: { type: 'catalog-item', id: b.item.itemId } } } } });
      }
    }
    for (const id of had) if (!wanted.has(id)) deletes.push({ key: b.id, entry: { type: 'catalog-variant', id } });
  }
  const results = await Promise.all([runJobs(klaviyo, 'variant', 'create', creates, signal), runJobs(klaviyo, 'variant', 'update', updates, signal), runJobs(klaviyo, 'variant', 'delete', deletes, signal)]);
  for (const r of results) for (const [k, v] of r) if (!failures.has(k)) failures.set(k, v);
  return failures;
}

/** Removes an item and its variants (variants first; either already gone counts as done). */
export async function deleteCatalogProduct(klaviyo: KlaviyoHttp, itemId: string, signal?: AbortSignal): Promise<{ variants: number; isItemDeleted: boolean }> {
  const existing = await existingCatalogIds(klaviyo, 'item', [itemId], signal);
  if (!existing.has(itemId)) return { variants: 0, isItemDeleted: false };
  const variantIds = await variantIdsOfItem(klaviyo, itemId, signal);
  const variantFailures = await runJobs(klaviyo, 'variant', 'delete', variantIds.map((id) => ({ key: id, entry: { type: 'catalog-variant', id } })), signal);
  if (variantFailures.size) throw new Error([...variantFailures.values()][0].reason);
  const itemFailures = await runJobs(klaviyo, 'item', 'delete', [{ key: itemId, entry: { type: 'catalog-item', id: itemId } }], signal);
  if (itemFailures.size) throw new Error([...itemFailures.values()][0].reason);
  return { variants: variantIds.length, isItemDeleted: true };
}
