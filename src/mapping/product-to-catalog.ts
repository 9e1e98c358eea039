import type { ProductData, ProductVariant } from '@commercetools/platform-sdk';
import { catalogId } from '../core/catalog-id.ts';
import { withAncestors } from './category-to-catalog.ts';
import type { CategoryNode } from './category-tree.ts';
import { type LocalizedString, pickLocalized } from './localized.ts';
import { priceAmount, pricesByCurrency } from './price-selection.ts';

export interface CatalogMappingOptions {
  preferredLocale?: string;
  preferredCurrency?: string;
  /** Supply channel whose stock counts; otherwise the variant's overall stock. */
  inventoryChannelId?: string;
  /** The price channel and customer group whose prices come first (a store route's). */
  priceChannelId?: string;
  priceCustomerGroupId?: string;
  productUrlTemplate: string;
  allowImageless: boolean;
  nowMs: number;
}

export interface CatalogItemAttributes {
  external_id: string;
  title: string;
  description: string;
  url: string;
  price: number;
  image_full_url?: string;
  images: string[];
  custom_metadata: Record<string, string>;
  published: boolean;
}

export interface CatalogVariantAttributes extends CatalogItemAttributes {
  sku: string;
  inventory_quantity: number;
}

export interface CatalogProduct {
  itemId: string;
  item: CatalogItemAttributes;
  /** Catalog category ids (the product's categories and their ancestors). */
  categoryIds: string[];
  variants: Array<{ variantId: string; attributes: CatalogVariantAttributes }>;
  warnings: string[];
}

export type ProductMapping = { kind: 'product'; product: CatalogProduct } | { kind: 'skip'; reason: string };

/** Stock for Klaviyo: the configured channel's available quantity when present (0 = out of stock), else the overall, else 0. */
export function inventoryQuantity(variant: Pick<ProductVariant, 'availability'>, channelId?: string): number {
  const a = variant.availability;
  const channel = channelId ? a?.channels?.[channelId] : undefined;
  if (channel && typeof channel.availableQuantity === 'number') return channel.availableQuantity;
  if (typeof a?.availableQuantity === 'number') return a.availableQuantity;
  return 0;
}

export function productUrl(template: string, slug: string | undefined): string {
  return template.replace('{{productSlug}}', encodeURIComponent(slug ?? ''));
}

function allLocales(value: LocalizedString | undefined): string {
  return JSON.stringify(value ?? {});
}

/**
 * Published product data → Klaviyo catalog item and one variant per variant with a SKU, by the seed's rules:
 * preferred locale (then its language, then the first), preferred currency and dated-price rules, channel
 * stock including 0, URL from the template, description '' when none, the first image (required unless
 * allowed), other locales and currencies in custom_metadata.
 */
export function productToCatalog(
  id: string,
  data: ProductData,
  tree: ReadonlyMap<string, CategoryNode>,
  options: CatalogMappingOptions,
): ProductMapping {
  const variants = [data.masterVariant, ...data.variants];
  const images = variants.flatMap((v) => (v.images ?? []).map((i) => i.url));
  if (images.length === 0 && !options.allowImageless)
    return {
      kind: 'skip',
      reason:
        'product has no image (Klaviyo catalog items need one; set ALLOW_IMAGELESS_PRODUCTS=true to import it anyway)',
    };
  const locale = options.preferredLocale;
  const title = pickLocalized(data.name as LocalizedString, locale) ?? id;
  const slug = pickLocalized(data.slug as LocalizedString, locale);
  const description = pickLocalized(data.description as LocalizedString | undefined, locale) ?? '';
  const url = productUrl(options.productUrlTemplate, slug);
  const priceOptions = {
    currency: options.preferredCurrency,
    nowMs: options.nowMs,
    channelId: options.priceChannelId,
    customerGroupId: options.priceCustomerGroupId,
  };
  const metadataFor = (v: ProductVariant): Record<string, string> => {
    const byCurrency = pricesByCurrency(v.prices ?? [], options.nowMs);
    return {
      title_json: allLocales(data.name as LocalizedString),
      slug_json: allLocales(data.slug as LocalizedString),
      price_json: JSON.stringify(byCurrency),
      currency_json: JSON.stringify(Object.keys(byCurrency)),
    };
  };
  const master = data.masterVariant;
  const item: CatalogItemAttributes = {
    external_id: id,
    title,
    description,
    url,
    price: priceAmount(master.prices ?? [], priceOptions),
    ...(images[0] ? { image_full_url: images[0] } : {}),
    images: [...new Set(images)].slice(0, 20),
    custom_metadata: metadataFor(master),
    published: true,
  };
  const warnings: string[] = [];
  const mapped: CatalogProduct['variants'] = [];
  const seenSkus = new Set<string>();
  for (const v of variants) {
    if (!v.sku) {
      warnings.push(`variant ${v.id} has no SKU and was not imported`);
      continue;
    }
    if (seenSkus.has(v.sku)) {
      warnings.push(`variant ${v.id} repeats SKU ${v.sku} and was not imported`);
      continue;
    }
    seenSkus.add(v.sku);
    const variantImages = (v.images ?? []).map((i) => i.url);
    mapped.push({
      variantId: catalogId(v.sku),
      attributes: {
        external_id: v.sku,
        sku: v.sku,
        title,
        description,
        url,
        price: priceAmount(v.prices ?? [], priceOptions),
        inventory_quantity: inventoryQuantity(v, options.inventoryChannelId),
        ...((variantImages[0] ?? images[0]) ? { image_full_url: variantImages[0] ?? images[0] } : {}),
        images: variantImages.length ? variantImages : item.images,
        custom_metadata: metadataFor(v),
        published: true,
      },
    });
  }
  const categoryIds = [...new Set(data.categories.flatMap((c) => withAncestors(c.id, tree)))].map(catalogId);
  return { kind: 'product', product: { itemId: catalogId(id), item, categoryIds, variants: mapped, warnings } };
}
