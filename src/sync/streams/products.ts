import type { Product } from '@commercetools/platform-sdk';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import { countPublishedProducts, publishedProductPages } from '../../commercetools/products.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import { recoverProductJobs, upsertProducts } from '../../klaviyo/catalog-items.ts';
import { MAX_CATALOG_JOB_RESOURCES } from '../../klaviyo/catalog-jobs.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { type CatalogMappingOptions, type CatalogProduct, productToCatalog } from '../../mapping/product-to-catalog.ts';
import type { StreamDefinition } from '../stream.ts';
import { catalogSource } from './catalog-source.ts';

export interface ProductStreamDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  mapping: Omit<CatalogMappingOptions, 'nowMs' | 'productUrlTemplate'> & { productUrlTemplate?: string };
  now?: () => number;
  /**
   * Batches of 100 products whose payloads are held (until their variant jobs are accepted) (default 100);
   * twice as many may have their variant jobs in flight, holding ids only.
   */
  jobsInFlight?: number;
  /** A store route's products (its product selections); absent: every published product. */
  scope?: (signal: AbortSignal) => Promise<ReadonlySet<string> | undefined>;
}

/**
 * Published products → catalog items and variants, 100 products per batch: items created or updated, then
 * their variants created, updated, or deleted when gone from commercetools.
 */
export function productsStream(deps: ProductStreamDeps): StreamDefinition<Product, CatalogProduct> {
  const source = catalogSource<Product>(
    deps.ct,
    (q) => publishedProductPages(deps.ct, q),
    countPublishedProducts,
    undefined,
    deps.scope,
  );
  const knownCategories = new Set<string>();
  const now = deps.now ?? Date.now;
  const template = deps.mapping.productUrlTemplate;

  return {
    kind: 'products',
    reader: source,
    map(product) {
      if (!template)
        throw new InvalidRequestError(
          'PRODUCT_URL_TEMPLATE is required to import products (Klaviyo needs a URL for every item).',
        );
      const m = productToCatalog(product.id, product.masterData.current, source.tree(), {
        ...deps.mapping,
        productUrlTemplate: template,
        nowMs: now(),
      });
      if (m.kind === 'skip') return { kind: 'skip', id: product.id, reason: m.reason };
      const bytes = Buffer.byteLength(JSON.stringify(m.product), 'utf8');
      return { kind: 'item', id: product.id, item: m.product, bytes, warnings: m.product.warnings };
    },
    limits: {
      maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
      maxBatchBytes: 4_000_000,
      // A batch runs an item job, then (once it is done) about six variant jobs: two job rounds. Batches in their
      // first round hold their payloads; in the second only ids, so more of them may be in flight. Klaviyo's 500
      // catalog jobs in progress are kept by the job slots (catalog-jobs.ts), not here.
      maxSending: deps.jobsInFlight ?? 100,
      maxInFlight: 2 * (deps.jobsInFlight ?? 100),
    },
    write: (batch, signal, progress) => upsertProducts(deps.klaviyo, batch, knownCategories, signal, progress),
    recover: (jobs, signal, unconfirmed) => recoverProductJobs(deps.klaviyo, jobs, unconfirmed, signal),
  };
}

/** Fails fast, before any lock is taken, when products cannot be imported with this configuration. */
export function checkProductsConfig(productUrlTemplate: string | undefined): void {
  if (!productUrlTemplate)
    throw new InvalidRequestError(
      'PRODUCT_URL_TEMPLATE is required to import products (Klaviyo needs a URL for every item), e.g. https://example-store.com/products/{{productSlug}}.',
    );
}
