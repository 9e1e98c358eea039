import type { InventoryEntry, Product } from '@commercetools/platform-sdk';
import { ctCall } from '../../commercetools/client.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { CommercetoolsError, KlaviyoApiError } from '../../core/errors.ts';
import { existingCatalogIds } from '../../klaviyo/catalog.ts';
import { deleteCatalogProduct, writeCatalogProducts } from '../../klaviyo/catalog-writer.ts';
import { OPERATIONS } from '../../klaviyo/operations.ts';
import { categoryToCatalogAttributes } from '../../mapping/category-to-catalog.ts';
import type { LocalizedString } from '../../mapping/localized.ts';
import { productToCatalog } from '../../mapping/product-to-catalog.ts';
import { PermanentFailure, type Processor } from '../processor.ts';

const enc = encodeURIComponent;

/** Category created or changed → upserted with its breadcrumb name; deleted → removed from the catalog. */
export const categoryProcessor: Processor = {
  name: 'category',
  handles: (n) => n.resourceType === 'category',
  async process(n, ctx) {
    const id = catalogId(n.resourceId as string);
    if (n.kind === 'deleted' || n.type === 'CategoryDeleted') {
      try {
        await ctx.klaviyo.request(OPERATIONS.deleteCatalogCategory, { method: 'DELETE', path: `/api/catalog-categories/${enc(id)}` });
      } catch (e) {
        if (e instanceof KlaviyoApiError && e.status === 404) return { status: 'ignored', reason: `category ${n.resourceId} was not in Klaviyo` };
        throw e;
      }
      return { status: 'applied', detail: `catalog category ${n.resourceId} deleted` };
    }
    const category = await ctCall('category read', () => ctx.ct.categories().withId({ ID: n.resourceId as string }).get().execute(), { budgetMs: ctx.ctBudgetMs });
    const tree = new Map(await ctx.categoryTree());
    tree.set(category.id, { id: category.id, name: category.name as LocalizedString, parentId: category.parent?.id });
    const attributes = categoryToCatalogAttributes({ id: category.id, name: category.name as LocalizedString }, tree, ctx.settings.preferredLocale);
    const update = () => ctx.klaviyo.request(OPERATIONS.updateCatalogCategory, { method: 'PATCH', path: `/api/catalog-categories/${enc(id)}`, body: { data: { type: 'catalog-category', id, attributes: { name: attributes.name } } } });
    const exists = (await existingCatalogIds(ctx.klaviyo, 'category', [id])).has(id);
    if (exists) await update();
    else {
      try {
        await ctx.klaviyo.request(OPERATIONS.createCatalogCategory, { method: 'POST', path: '/api/catalog-categories', body: { data: { type: 'catalog-category', attributes: { ...attributes, integration_type: '$custom', catalog_type: '$default' } } } });
      } catch (e) {
        // Created meanwhile (a retry whose first answer was lost, or the bulk import): update it instead.
        if (!(e instanceof KlaviyoApiError && e.status === 409)) throw e;
        await update();
      }
    }
    return { status: 'applied', detail: `catalog category ${category.id} ${exists ? 'updated' : 'created'}` };
  },
};

const UNPUBLISH = new Set(['ProductUnpublished', 'ProductDeleted']);

/**
 * ProductPublished (or a product change) → the published product upserted with its variants, removed variants
 * deleted; ProductUnpublished / deletion → the item and its variants deleted.
 */
export const productProcessor: Processor = {
  name: 'product',
  handles: (n) => n.resourceType === 'product',
  async process(n, ctx) {
    const itemId = catalogId(n.resourceId as string);
    let product: Product | undefined;
    if (n.kind !== 'deleted' && !(n.type && UNPUBLISH.has(n.type))) {
      try {
        product = await ctCall('product read', () => ctx.ct.products().withId({ ID: n.resourceId as string }).get().execute(), { budgetMs: ctx.ctBudgetMs });
      } catch (e) {
        if (!(e instanceof CommercetoolsError && e.status === 404)) throw e;
      }
    }
    if (!product || !product.masterData.published) {
      const r = await deleteCatalogProduct(ctx.klaviyo, itemId);
      return r.isItemDeleted ? { status: 'applied', detail: `item ${n.resourceId} and ${r.variants} variant(s) deleted` } : { status: 'ignored', reason: `product ${n.resourceId} is not in Klaviyo` };
    }
    if (!ctx.settings.productUrlTemplate) throw new PermanentFailure('PRODUCT_URL_TEMPLATE is not configured; products cannot be synced.', 'config');
    const m = productToCatalog(product.id, product.masterData.current, await ctx.categoryTree(), {
      preferredLocale: ctx.settings.preferredLocale,
      preferredCurrency: ctx.settings.preferredCurrency,
      inventoryChannelId: ctx.settings.inventoryChannelId,
      productUrlTemplate: ctx.settings.productUrlTemplate,
      allowImageless: ctx.settings.allowImagelessProducts,
      nowMs: Date.now(),
    });
    if (m.kind === 'skip') return { status: 'ignored', reason: m.reason };
    const failures = await writeCatalogProducts(ctx.klaviyo, [{ id: product.id, item: m.product }], new Set());
    const f = failures.get(product.id);
    if (f) throw new PermanentFailure(f.reason, f.code ?? 'catalog_job_error');
    return { status: 'applied', detail: `item ${product.id} with ${m.product.variants.length} variant(s) upserted` };
  },
};

/** Inventory changes → the variant's stock (0 included), when the entry is the configured channel's (or the overall one). */
export const inventoryProcessor: Processor = {
  name: 'inventory',
  handles: (n) => n.resourceType === 'inventory-entry',
  async process(n, ctx) {
    if (n.kind === 'deleted') return { status: 'ignored', reason: 'inventory deletions are not synced' };
    const message = n.message as { sku?: string; supplyChannel?: { id: string }; newAvailableQuantity?: number } | undefined;
    let entry: Pick<InventoryEntry, 'sku' | 'availableQuantity' | 'supplyChannel'>;
    if (message && typeof message.newAvailableQuantity === 'number' && message.sku) {
      entry = { sku: message.sku, availableQuantity: message.newAvailableQuantity, supplyChannel: message.supplyChannel as InventoryEntry['supplyChannel'] };
    } else {
      entry = await ctCall('inventory read', () => ctx.ct.inventory().withId({ ID: n.resourceId as string }).get().execute(), { budgetMs: ctx.ctBudgetMs });
    }
    const channel = entry.supplyChannel?.id;
    const wanted = ctx.settings.inventoryChannelId;
    if ((wanted && channel !== wanted) || (!wanted && channel)) return { status: 'ignored', reason: `stock of channel ${channel ?? '(none)'} is not the one synced` };
    const variantId = catalogId(entry.sku);
    try {
      await ctx.klaviyo.request(OPERATIONS.updateCatalogVariant, { method: 'PATCH', path: `/api/catalog-variants/${enc(variantId)}`, body: { data: { type: 'catalog-variant', id: variantId, attributes: { inventory_quantity: entry.availableQuantity } } } });
    } catch (e) {
      if (e instanceof KlaviyoApiError && e.status === 404) return { status: 'ignored', reason: `variant ${entry.sku} is not in Klaviyo` };
      throw e;
    }
    return { status: 'applied', detail: `stock of ${entry.sku} set to ${entry.availableQuantity}` };
  },
};
