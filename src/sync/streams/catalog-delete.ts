import { deleteCatalogResources } from '../../klaviyo/catalog-delete-all.ts';
import { type CatalogResource, MAX_CATALOG_JOB_RESOURCES } from '../../klaviyo/catalog-jobs.ts';
import { listCatalogIds } from '../../klaviyo/catalog-lookups.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { RecordOutcome, StreamDefinition } from '../stream.ts';

export interface CatalogResourceRef {
  id: string;
  resource: CatalogResource;
}

/**
 * The seed's delete-all: every catalog category (or every item and its variants) in the Klaviyo account —
 * whatever created them — removed with bulk delete jobs of ≤ 100. Ids are listed first, then deleted, so
 * deleting never disturbs the listing. A resource already gone counts as deleted.
 */
export function catalogDeleteStream(
  kind: 'categories' | 'products',
  klaviyo: KlaviyoHttp,
  jobsInFlight = 100,
): StreamDefinition<CatalogResourceRef, CatalogResourceRef> {
  const resources: CatalogResource[] = kind === 'categories' ? ['category'] : ['variant', 'item'];
  return {
    kind,
    reader: {
      async *pages(_options, _cursor, signal) {
        for (const resource of resources) {
          const ids = await listCatalogIds(klaviyo, resource, signal);
          for (let i = 0; i < ids.length; i += 500)
            yield { records: ids.slice(i, i + 500).map((id) => ({ id, resource })), missingIds: [] };
        }
      },
    },
    map: (ref) => ({ kind: 'item', id: ref.id, item: ref, bytes: ref.id.length + 64 }),
    limits: { maxBatchItems: MAX_CATALOG_JOB_RESOURCES, maxBatchBytes: 4_000_000, maxInFlight: jobsInFlight },
    async write(batch, signal) {
      const outcomes: RecordOutcome[] = [];
      for (const resource of resources) {
        const part = batch.filter((b) => b.item.resource === resource);
        if (part.length) outcomes.push(...(await deleteCatalogResources(klaviyo, resource, part, signal)));
      }
      return outcomes;
    },
  };
}
