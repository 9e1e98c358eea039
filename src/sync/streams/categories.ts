import type { ByProjectKeyRequestBuilder, Category } from '@commercetools/platform-sdk';
import { categoryPages } from '../../commercetools/catalog-reader.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { existingCatalogIds, MAX_CATALOG_JOB_RESOURCES, runCatalogJob, runCatalogUpsertJob, type CatalogEntry } from '../../klaviyo/catalog.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { categoryToCatalogAttributes } from '../../mapping/category-to-catalog.ts';
import type { LocalizedString } from '../../mapping/localized.ts';
import type { ItemOutcome, StreamDefinition } from '../stream.ts';
import { catalogSource } from './catalog-source.ts';

export interface CatalogCategory {
  external_id: string;
  name: string;
}

export interface CategoryStreamDeps {
  ct: ByProjectKeyRequestBuilder;
  klaviyo: KlaviyoHttp;
  preferredLocale?: string;
}

function outcomesOf(batch: Array<{ id: string }>, errors: Map<number, { code: string; detail: string; pointer: string }>, what: string): ItemOutcome[] {
  return batch.map((b, i) => {
    const e = errors.get(i);
    return e ? { id: b.id, outcome: 'failed' as const, reason: `Klaviyo could not ${what}: ${e.detail}`, code: e.code, pointer: e.pointer } : { id: b.id, outcome: 'succeeded' as const };
  });
}

/**
 * Categories → catalog categories named by their breadcrumb. Existing ones (looked up 100 at a time with
 * any(ids)) are updated, missing ones created, through category bulk jobs of ≤ 100.
 */
export function categoriesStream(deps: CategoryStreamDeps): StreamDefinition<Category, CatalogCategory> {
  const source = catalogSource<Category>(deps.ct, 'categories', (q) => categoryPages(deps.ct, q));
  return {
    kind: 'categories',
    pages: source.pages,
    countTotal: source.countTotal,
    map(category) {
      const attributes = categoryToCatalogAttributes({ id: category.id, name: category.name as LocalizedString }, source.tree(), deps.preferredLocale);
      return { kind: 'item', id: category.id, item: attributes, bytes: Buffer.byteLength(JSON.stringify(attributes)) + 128 };
    },
    maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
    maxBatchBytes: 4 * 1024 * 1024,
    maxInFlight: 3,
    async write(batch, signal) {
      const existing = await existingCatalogIds(deps.klaviyo, 'category', batch.map((b) => catalogId(b.id)), signal);
      const toCreate = batch.filter((b) => !existing.has(catalogId(b.id)));
      const toUpdate = batch.filter((b) => existing.has(catalogId(b.id)));
      const [created, updated] = await Promise.all([
        toCreate.length
          ? runCatalogUpsertJob(deps.klaviyo, 'category', toCreate.map((b): CatalogEntry => ({ type: 'catalog-category', attributes: { ...b.item, integration_type: '$custom', catalog_type: '$default' } })), signal)
          : undefined,
        toUpdate.length ? runCatalogJob(deps.klaviyo, 'category', 'update', toUpdate.map((b): CatalogEntry => ({ type: 'catalog-category', id: catalogId(b.id), attributes: { name: b.item.name } })), signal) : undefined,
      ]);
      return [...(created ? outcomesOf(toCreate, created.errors, 'create the category') : []), ...(updated ? outcomesOf(toUpdate, updated.errors, 'update the category') : [])];
    },
  };
}

