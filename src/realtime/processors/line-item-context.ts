import type { OrderContext, ProductSummary } from '../../mapping/order-to-events.ts';
import type { ProcessorContext } from '../processor.ts';

/** The products (one query) and categories an order's or cart's line items need for their names and categories. */
export async function lineItemContext(
  lineItems: ReadonlyArray<{ productId: string }>,
  ctx: ProcessorContext,
): Promise<OrderContext> {
  const summaries = await ctx.products.getMany(lineItems.map((li) => li.productId));
  const products = new Map<string, ProductSummary>(summaries.map((p) => [p.id, p]));
  return { products, categories: await ctx.categoryTree() };
}
