import { findProduct } from '../../commercetools/products.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { PermanentRecordError } from '../../core/errors.ts';
import { deleteProduct, upsertProducts } from '../../klaviyo/catalog-items.ts';
import { productToCatalog } from '../../mapping/product-to-catalog.ts';
import { applied, ignored, type Processor } from '../processor.ts';

/**
 * Any product notification → the product as commercetools has it now: published, it is upserted with its
 * variants (removed variants deleted); unpublished or gone, the item and its variants are deleted. An unpublish or
 * deletion message for a product that is published now is stale, and changes nothing.
 */
export const productProcessor: Processor = {
  name: 'product',
  handles: (n) => n.resourceType === 'product',
  async process(n, ctx) {
    const productId = n.resourceId as string;
    const product = await findProduct(ctx.ct, productId, ctx.ctBudgetMs);
    if (!product?.masterData.published) {
      const r = await deleteProduct(ctx.klaviyo, catalogId(productId));
      return r.isItemDeleted
        ? applied(`item ${productId} and ${r.variants} variant(s) deleted`)
        : ignored(`product ${productId} is not in Klaviyo`);
    }
    if (ctx.isInStoreCatalog && !(await ctx.isInStoreCatalog(product.id)))
      return ignored(`product ${product.id} is not in this store's product selections`);
    const { settings } = ctx;
    if (!settings.productUrlTemplate)
      throw new PermanentRecordError('config', 'PRODUCT_URL_TEMPLATE is not configured; products cannot be synced.');
    const m = productToCatalog(product.id, product.masterData.current, await ctx.categoryTree(), {
      preferredLocale: settings.preferredLocale,
      preferredCurrency: settings.preferredCurrency,
      inventoryChannelId: settings.inventoryChannelId,
      productUrlTemplate: settings.productUrlTemplate,
      allowImageless: settings.allowImagelessProducts,
      nowMs: Date.now(),
    });
    if (m.kind === 'skip') return ignored(m.reason);
    const [outcome] = await upsertProducts(ctx.klaviyo, [{ id: product.id, item: m.product }], new Set());
    if (outcome.outcome === 'failed')
      throw new PermanentRecordError(outcome.code ?? 'catalog_job_error', outcome.reason);
    return applied(`item ${product.id} with ${m.product.variants.length} variant(s) upserted`);
  },
};
