import type { Product } from '@commercetools/platform-sdk';
import type { LocalizedString } from './localized.ts';
import type { ProductSummary } from './order-to-events.ts';

/** What order events need of a product: names, slug, categories and an image per variant. */
export function productSummary(p: Product): ProductSummary {
  const data = p.masterData.current;
  const imageByVariantId: Record<number, string> = {};
  for (const v of [data.masterVariant, ...data.variants]) {
    const url = v.images?.[0]?.url ?? data.masterVariant.images?.[0]?.url;
    if (url) imageByVariantId[v.id] = url;
  }
  return {
    id: p.id,
    name: data.name as LocalizedString,
    slug: data.slug as LocalizedString,
    categoryIds: data.categories.map((c) => c.id),
    imageByVariantId,
  };
}
