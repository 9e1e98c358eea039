import type { ByProjectKeyRequestBuilder, Product } from '@commercetools/platform-sdk';
import { publishedProductPages } from '../../commercetools/catalog-reader.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import { MAX_CATALOG_JOB_RESOURCES } from '../../klaviyo/catalog.ts';
import { writeCatalogProducts } from '../../klaviyo/catalog-writer.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { productToCatalog, type CatalogMappingOptions, type CatalogProduct } from '../../mapping/product-to-catalog.ts';
import type { ItemOutcome, StreamDefinition } from '../stream.ts';
import { catalogSource } from './catalog-source.ts';

export interface ProductStreamDeps {
  ct: ByProjectKeyRequestBuilder;
  klaviyo: KlaviyoHttp;
  mapping: Omit<CatalogMappingOptions, 'nowMs' | 'productUrlTemplate'> & { productUrlTemplate?: string };
  now?: () => number;
}

/**
 * Published products → catalog items and variants, streamed 100 products per batch: items created or updated
 * (existence looked up with any(ids)), then their variants created, updated, or deleted when gone from
 * commercetools; every job polled until complete and its errors attributed to the product.
 */
export function productsStream(deps: ProductStreamDeps): StreamDefinition<Product, CatalogProduct> {
  const source = catalogSource<Product>(deps.ct, 'products', (q) => publishedProductPages(deps.ct, q));
  const knownCategories = new Set<string>();
  const now = deps.now ?? Date.now;
  const template = deps.mapping.productUrlTemplate;

  return {
    kind: 'products',
    pages: source.pages,
    countTotal: source.countTotal,
    map(product) {
      if (!template) throw new InvalidRequestError('PRODUCT_URL_TEMPLATE is required to import products (Klaviyo needs a URL for every item).');
      const m = productToCatalog(product.id, product.masterData.current, source.tree(), { ...deps.mapping, productUrlTemplate: template, nowMs: now() });
      if (m.kind === 'skip') return { kind: 'skip', id: product.id, reason: m.reason };
      const bytes = Buffer.byteLength(JSON.stringify(m.product), 'utf8');
      return { kind: 'item', id: product.id, item: m.product, bytes, warnings: m.product.warnings };
    },
    maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
    maxBatchBytes: 4 * 1024 * 1024,
    maxInFlight: 8,
    async write(batch, signal) {
      const failures = await writeCatalogProducts(deps.klaviyo, batch, knownCategories, signal);
      return batch.map((b): ItemOutcome => {
        const f = failures.get(b.id);
        return f ? { id: b.id, outcome: 'failed', ...f } : { id: b.id, outcome: 'succeeded' };
      });
    },
  };
}

/** Fails fast, before any lock is taken, when products cannot be imported with this configuration. */
export function checkProductsConfig(productUrlTemplate: string | undefined): void {
  if (!productUrlTemplate) throw new InvalidRequestError('PRODUCT_URL_TEMPLATE is required to import products (Klaviyo needs a URL for every item), e.g. https://example-store.com/products/{{productSlug}}.');
}

