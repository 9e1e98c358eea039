import { findProduct } from '../../commercetools/products.ts';
import { catalogId } from '../../core/catalog-id.ts';
import { PermanentRecordError } from '../../core/errors.ts';
import { deleteProduct, upsertProducts } from '../../klaviyo/catalog-items.ts';
import { productToCatalog } from '../../mapping/product-to-catalog.ts';
import { applied, ignored, type Processor } from '../processor.ts';

const UNPUBLISH = new Set(['ProductUnpublished', 'ProductDeleted']);

/**
 * ProductPublished (or a product change) → the published product upserted with its variants, removed variants
 * deleted; ProductUnpublished / deletion → the item and its variants deleted.
 */
export const productProcessor: Processor = {
  name: 'product',
  handles: (n) => n.resourceType === 'product',
  async process(n, ctx) {
    const productId = n.resourceId as string;
    const isRemoval = n.kind === 'deleted' || (n.type !== undefined && UNPUBLISH.has(n.type));
    const product = isRemoval ? undefined : await findProduct(ctx.ct, productId, ctx.ctBudgetMs);
    if (!product?.masterData.published) {
      const r = await deleteProduct(ctx.klaviyo, catalogId(productId));
      return r.isItemDeleted
        ? applied(`item ${productId} and ${r.variants} variant(s) deleted`)
        : ignored(`product ${productId} is not in Klaviyo`);
    }
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
