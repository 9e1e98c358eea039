import { allCatalogIds, MAX_CATALOG_JOB_RESOURCES, runCatalogJob } from '../../klaviyo/catalog.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { ItemOutcome, StreamDefinition } from '../stream.ts';

export interface CatalogResourceRef {
  id: string;
  resource: 'category' | 'item' | 'variant';
}

/**
 * The seed's delete-all: every catalog category (or every item and its variants) in the Klaviyo account —
 * whatever created them — removed with bulk delete jobs of ≤ 100. Ids are listed first, then deleted, so
 * deleting never disturbs the listing. A resource already gone counts as deleted.
 */
export function catalogDeleteStream(kind: 'categories' | 'products', klaviyo: KlaviyoHttp): StreamDefinition<CatalogResourceRef, CatalogResourceRef> {
  const resources: Array<'category' | 'item' | 'variant'> = kind === 'categories' ? ['category'] : ['variant', 'item'];
  return {
    kind,
    async *pages(_options, _cursor, signal) {
      for (const resource of resources) {
        const ids = await allCatalogIds(klaviyo, resource, signal);
        for (let i = 0; i < ids.length; i += 500) yield { records: ids.slice(i, i + 500).map((id) => ({ id, resource })), missingIds: [] };
      }
    },
    map: (ref) => ({ kind: 'item', id: ref.id, item: ref, bytes: ref.id.length + 64 }),
    maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
    maxBatchBytes: 4 * 1024 * 1024,
    maxInFlight: 4,
    async write(batch, signal): Promise<ItemOutcome[]> {
      const outcomes: ItemOutcome[] = [];
      for (const resource of resources) {
        const part = batch.filter((b) => b.item.resource === resource);
        if (part.length === 0) continue;
        const result = await runCatalogJob(klaviyo, resource, 'delete', part.map((b) => ({ type: `catalog-${resource}`, id: b.id })), signal);
        part.forEach((b, i) => {
          const e = result.errors.get(i);
          const isGone = e && /not.?found|does not exist/i.test(`${e.code} ${e.detail}`);
          outcomes.push(e && !isGone ? { id: b.id, outcome: 'failed', reason: `Klaviyo could not delete ${resource} ${b.id}: ${e.detail}`, code: e.code, pointer: e.pointer } : { id: b.id, outcome: 'succeeded' });
        });
      }
      return outcomes;
    },
  };
}
