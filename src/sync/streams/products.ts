import type { ByProjectKeyRequestBuilder, Product } from '@commercetools/platform-sdk';
import { countResources, publishedProductPages } from '../../commercetools/catalog-reader.ts';
import { fetchAllCategories } from '../../commercetools/order-reader.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import { existingCatalogIds, MAX_CATALOG_JOB_RESOURCES, runCatalogJob, variantIdsOfItem, type CatalogAction, type CatalogEntry } from '../../klaviyo/catalog.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { CategoryNode } from '../../mapping/order-to-events.ts';
import { productToCatalog, type CatalogMappingOptions, type CatalogProduct } from '../../mapping/product-to-catalog.ts';
import type { ItemOutcome, SourcePage, StreamDefinition } from '../stream.ts';
import { categoryTree } from './categories.ts';

export interface ProductStreamDeps {
  ct: ByProjectKeyRequestBuilder;
  klaviyo: KlaviyoHttp;
  mapping: Omit<CatalogMappingOptions, 'nowMs' | 'productUrlTemplate'> & { productUrlTemplate?: string };
  now?: () => number;
}

interface Failure {
  reason: string;
  code?: string;
  pointer?: string;
}

/** Runs jobs of ≤ 100 entries and reports failures by the key of each entry. */
async function runJobs(klaviyo: KlaviyoHttp, resource: 'item' | 'variant', action: CatalogAction, entries: Array<{ key: string; entry: CatalogEntry }>, signal: AbortSignal): Promise<Map<string, Failure>> {
  const failures = new Map<string, Failure>();
  const chunks: Array<typeof entries> = [];
  for (let i = 0; i < entries.length; i += MAX_CATALOG_JOB_RESOURCES) chunks.push(entries.slice(i, i + MAX_CATALOG_JOB_RESOURCES));
  await Promise.all(
    chunks.map(async (chunk) => {
      const result = await runCatalogJob(klaviyo, resource, action, chunk.map((c) => c.entry), signal);
      for (const [index, e] of result.errors) {
        const isGone = action === 'delete' && /not.?found|does not exist/i.test(`${e.code} ${e.detail}`);
        if (!isGone && !failures.has(chunk[index].key)) failures.set(chunk[index].key, { reason: `Klaviyo could not ${action} ${resource} ${chunk[index].entry.id ?? chunk[index].entry.attributes?.external_id}: ${e.detail}`, code: e.code, pointer: e.pointer });
      }
    }),
  );
  return failures;
}

function itemAttributes(p: CatalogProduct, isCreate: boolean): Record<string, unknown> {
  const { external_id, ...rest } = p.item;
  return isCreate ? { external_id, ...rest, integration_type: '$custom', catalog_type: '$default' } : rest;
}

/**
 * Published products → catalog items and variants, streamed 100 products per batch: items created or updated
 * (existence looked up with any(ids)), then their variants created, updated, or deleted when gone from
 * commercetools; every job polled until complete and its errors attributed to the product.
 */
export function productsStream(deps: ProductStreamDeps): StreamDefinition<Product, CatalogProduct> {
  let tree = new Map<string, CategoryNode>();
  const knownCategories = new Set<string>();
  const now = deps.now ?? Date.now;
  const template = deps.mapping.productUrlTemplate;

  async function* pages(options: Parameters<StreamDefinition<Product, CatalogProduct>['pages']>[0], cursor: string | undefined, signal: AbortSignal): AsyncGenerator<SourcePage<Product>> {
    tree = categoryTree(await fetchAllCategories(deps.ct, signal));
    yield* publishedProductPages(deps.ct, { cursor: cursor ?? options.startId, ids: options.ids, signal });
  }

  async function missingCategories(ids: string[], signal: AbortSignal): Promise<Set<string>> {
    const unknown = [...new Set(ids)].filter((id) => !knownCategories.has(id));
    if (unknown.length) for (const id of await existingCatalogIds(deps.klaviyo, 'category', unknown, signal)) knownCategories.add(id);
    return new Set(ids.filter((id) => !knownCategories.has(id)));
  }

  return {
    kind: 'products',
    pages,
    countTotal: async (options, signal) => (options.ids ? new Set(options.ids).size : options.startId || options.resume ? undefined : countResources(deps.ct, 'products', signal)),
    map(product) {
      if (!template) throw new InvalidRequestError('PRODUCT_URL_TEMPLATE is required to import products (Klaviyo needs a URL for every item).');
      const m = productToCatalog(product.id, product.masterData.current, tree, { ...deps.mapping, productUrlTemplate: template, nowMs: now() });
      if (m.kind === 'skip') return { kind: 'skip', id: product.id, reason: m.reason };
      const bytes = Buffer.byteLength(JSON.stringify(m.product), 'utf8');
      return { kind: 'item', id: product.id, item: m.product, bytes, warnings: m.product.warnings };
    },
    maxBatchItems: MAX_CATALOG_JOB_RESOURCES,
    maxBatchBytes: 4 * 1024 * 1024,
    maxInFlight: 8,
    async write(batch, signal) {
      const failures = new Map<string, Failure>();
      // Items whose categories are not in Klaviyo fail with advice, before anything is written.
      const missing = await missingCategories(batch.flatMap((b) => b.item.categoryIds), signal);
      const ready = batch.filter((b) => {
        const absent = b.item.categoryIds.filter((id) => missing.has(id));
        if (absent.length) failures.set(b.id, { reason: `categories not in Klaviyo: ${absent.join(', ')}. Import categories first (POST /sync/categories), then re-run products.`, code: 'missing_category' });
        return absent.length === 0;
      });
      const existing = await existingCatalogIds(deps.klaviyo, 'item', ready.map((b) => b.item.itemId), signal);
      const relationships = (p: CatalogProduct) => ({ categories: { data: p.categoryIds.map((id) => ({ type: 'catalog-category', id })) } });
      const [created, updated] = await Promise.all([
        runJobs(deps.klaviyo, 'item', 'create', ready.filter((b) => !existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: { type: 'catalog-item', attributes: itemAttributes(b.item, true), relationships: relationships(b.item) } })), signal),
        runJobs(deps.klaviyo, 'item', 'update', ready.filter((b) => existing.has(b.item.itemId)).map((b) => ({ key: b.id, entry: { type: 'catalog-item', id: b.item.itemId, attributes: itemAttributes(b.item, false), relationships: relationships(b.item) } })), signal),
      ]);
      for (const [k, v] of [...created, ...updated]) failures.set(k, v);

      // Variants of the items that now exist: compare with what Klaviyo holds for items that existed before.
      const withItem = ready.filter((b) => !failures.has(b.id));
      const current = new Map<string, Set<string>>();
      await Promise.all(withItem.filter((b) => existing.has(b.item.itemId)).map(async (b) => current.set(b.id, new Set(await variantIdsOfItem(deps.klaviyo, b.item.itemId, signal)))));
      const creates: Array<{ key: string; entry: CatalogEntry }> = [];
      const updates: Array<{ key: string; entry: CatalogEntry }> = [];
      const deletes: Array<{ key: string; entry: CatalogEntry }> = [];
      for (const b of withItem) {
        const had = current.get(b.id) ?? new Set<string>();
        const wanted = new Set(b.item.variants.map((v) => v.variantId));
        for (const v of b.item.variants) {
          if (had.has(v.variantId)) {
            const { external_id: _e, ...attributes } = v.attributes;
            updates.push({ key: b.id, entry: { type: 'catalog-variant', id: v.variantId, attributes } });
          } else {
            creates.push({ key: b.id, entry: { type: 'catalog-variant', attributes: { ...v.attributes, integration_type: '$custom', catalog_type: '$default' }, relationships: { item: { data: { type: 'catalog-item', id: b.item.itemId } } } } });
          }
        }
        for (const id of had) if (!wanted.has(id)) deletes.push({ key: b.id, entry: { type: 'catalog-variant', id } });
      }
      const variantResults = await Promise.all([
        runJobs(deps.klaviyo, 'variant', 'create', creates, signal),
        runJobs(deps.klaviyo, 'variant', 'update', updates, signal),
        runJobs(deps.klaviyo, 'variant', 'delete', deletes, signal),
      ]);
      for (const r of variantResults) for (const [k, v] of r) if (!failures.has(k)) failures.set(k, v);
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

