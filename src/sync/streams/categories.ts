import type { Category } from '@commercetools/platform-sdk';
import { categoryPages, countCategories } from '../../commercetools/categories.ts';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import { upsertCategories } from '../../klaviyo/catalog-categories.ts';
import { MAX_CATALOG_JOB_RESOURCES, recoverCatalogJobs } from '../../klaviyo/catalog-jobs.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { CatalogCategoryAttributes } from '../../klaviyo/types.ts';
import { categoryToCatalogAttributes } from '../../mapping/category-to-catalog.ts';
import type { LocalizedString } from '../../mapping/localized.ts';
import type { StreamDefinition } from '../stream.ts';
import { catalogSource, changedCategoryIds } from './catalog-source.ts';

export interface CategoryStreamDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  preferredLocale?: string;
  /** Catalog jobs kept in flight at once (two a batch; default 100). */
  jobsInFlight?: number;
}

/** Categories → catalog categories named by their breadcrumb, created or updated in bulk jobs of ≤ 100. */
export function categoriesStream(deps: CategoryStreamDeps): StreamDefinition<Category, CatalogCategoryAttributes> {
  const source = catalogSource<Category>(
    deps.ct,
    (q) => categoryPages(deps.ct, q),
    countCategories,
    changedCategoryIds,
  );
  return {
    kind: 'categories',
    reader: source,
    map(category) {
      const attributes = categoryToCatalogAttributes(
        { id: category.id, name: category.name as LocalizedString },
        source.tree(),
        deps.preferredLocale,
      );
      return {
        kind: 'item',
        id: category.id,
        item: attributes,
        bytes: Buffer.byteLength(JSON.stringify(attributes)) + 128,
      };
    },
    limits: {
      maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
      maxBatchBytes: 4_000_000,
      maxInFlight: Math.max(1, Math.floor((deps.jobsInFlight ?? 100) / 2)),
    },
    write: (batch, signal, progress) => upsertCategories(deps.klaviyo, batch, signal, progress),
    recover: (jobs, signal) => recoverCatalogJobs(deps.klaviyo, jobs, signal),
  };
}
