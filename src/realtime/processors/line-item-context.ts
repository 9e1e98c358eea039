import { fetchProducts } from '../../commercetools/products.ts';
import type { OrderContext, ProductSummary } from '../../mapping/order-to-events.ts';
import { productSummary } from '../../mapping/product-summary.ts';
import type { ProcessorContext } from '../processor.ts';

/** The products (one query) and categories an order's or cart's line items need for their names and categories. */
export async function lineItemContext(
  lineItems: ReadonlyArray<{ productId: string }>,
  ctx: ProcessorContext,
): Promise<OrderContext> {
  const productIds = [...new Set(lineItems.map((li) => li.productId))];
  const products = new Map<string, ProductSummary>(
    (await fetchProducts(ctx.ct, productIds, undefined, ctx.ctBudgetMs)).map((p) => [p.id, productSummary(p)]),
  );
  return { products, categories: await ctx.categoryTree() };
}
