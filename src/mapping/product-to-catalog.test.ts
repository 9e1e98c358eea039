import type { ProductData } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { categoryBreadcrumbName, withAncestors } from './category-to-catalog.ts';
import type { CategoryNode } from './category-tree.ts';
import { type CatalogMappingOptions, inventoryQuantity, productToCatalog, productUrl } from './product-to-catalog.ts';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const TREE = new Map<string, CategoryNode>([
  ['root', { id: 'root', name: { en: 'Women', de: 'Damen' } }],
  ['mid', { id: 'mid', name: { en: 'Pants', de: 'Hosen' }, parentId: 'root' }],
  ['leaf', { id: 'leaf', name: { en: 'Jeans' }, parentId: 'mid' }],
]);
const OPTIONS: CatalogMappingOptions = {
  preferredLocale: 'de-DE',
  preferredCurrency: 'EUR',
  inventoryChannelId: 'berlin',
  productUrlTemplate: 'https://shop/p/{{productSlug}}',
  allowImageless: false,
  nowMs: NOW,
};
const price = (centAmount: number, currencyCode = 'EUR') => ({
  id: `${centAmount}`,
  value: { type: 'centPrecision', centAmount, currencyCode, fractionDigits: 2 },
});

const DATA = {
  name: { en: 'Slim Jeans', de: 'Schmale Jeans' },
  slug: { en: 'slim-jeans', de: 'schmale-jeans' },
  categories: [{ typeId: 'category', id: 'leaf' }],
  masterVariant: {
    id: 1,
    sku: 'J-1',
    prices: [price(4999), price(5999, 'USD')],
    images: [{ url: 'https://img/j1.jpg', dimensions: { w: 1, h: 1 } }],
    availability: { availableQuantity: 12, channels: { berlin: { availableQuantity: 0 } } },
  },
  variants: [
    { id: 2, sku: 'J-2', prices: [price(5499)], images: [], availability: { availableQuantity: 3 } },
    { id: 3, prices: [price(100)], images: [] },
  ],
} as unknown as ProductData;

describe('productToCatalog', () => {
  it('maps the item in the preferred locale and currency, with all locales and currencies in metadata', () => {
    const m = productToCatalog('p-1', DATA, TREE, OPTIONS);
    expect(m.kind).toBe('product');
    if (m.kind !== 'product') return;
    expect(m.product.itemId).toBe('$custom:::$default:::p-1');
    expect(m.product.item).toEqual({
      external_id: 'p-1',
      title: 'Schmale Jeans',
      description: '',
      url: 'https://shop/p/schmale-jeans',
      price: 49.99,
      image_full_url: 'https://img/j1.jpg',
      images: ['https://img/j1.jpg'],
      custom_metadata: {
        title_json: JSON.stringify(DATA.name),
        slug_json: JSON.stringify(DATA.slug),
        price_json: JSON.stringify({ EUR: 49.99, USD: 59.99 }),
        currency_json: JSON.stringify(['EUR', 'USD']),
      },
      published: true,
    });
    expect(m.product.categoryIds).toEqual([
      '$custom:::$default:::leaf',
      '$custom:::$default:::mid',
      '$custom:::$default:::root',
    ]);
  });

  it('maps one variant per SKU with its own price and stock, and warns about variants without SKU', () => {
    const m = productToCatalog('p-1', DATA, TREE, OPTIONS);
    if (m.kind !== 'product') throw new Error('expected a product');
    expect(
      m.product.variants.map((v) => [
        v.variantId,
        v.attributes.price,
        v.attributes.inventory_quantity,
        v.attributes.image_full_url,
      ]),
    ).toEqual([
      ['$custom:::$default:::J-1', 49.99, 0, 'https://img/j1.jpg'],
      ['$custom:::$default:::J-2', 54.99, 3, 'https://img/j1.jpg'],
    ]);
    expect(m.product.warnings).toEqual(['variant 3 has no SKU and was not imported']);
  });

  it('skips a product without any image unless allowed', () => {
    const noImages = { ...DATA, masterVariant: { ...DATA.masterVariant, images: [] } } as unknown as ProductData;
    expect(productToCatalog('p-2', noImages, TREE, OPTIONS)).toEqual({
      kind: 'skip',
      reason: expect.stringContaining('no image'),
    });
    expect(productToCatalog('p-2', noImages, TREE, { ...OPTIONS, allowImageless: true }).kind).toBe('product');
  });

  it('sends price 0 when nothing matches the preferred currency', () => {
    const m = productToCatalog('p-1', DATA, TREE, { ...OPTIONS, preferredCurrency: 'GBP' });
    expect(m.kind === 'product' && m.product.item.price).toBe(0);
  });
});

describe('inventoryQuantity', () => {
  it.each([
    ['the channel quantity, even 0', { availableQuantity: 9, channels: { c: { availableQuantity: 0 } } }, 'c', 0],
    ['the channel quantity', { availableQuantity: 9, channels: { c: { availableQuantity: 4 } } }, 'c', 4],
    [
      'the overall quantity when the channel has none',
      { availableQuantity: 9, channels: { other: { availableQuantity: 4 } } },
      'c',
      9,
    ],
    [
      'the overall quantity without a channel configured',
      { availableQuantity: 9, channels: { c: { availableQuantity: 4 } } },
      undefined,
      9,
    ],
    ['0 without availability', undefined, 'c', 0],
  ])('%s', (_name, availability, channel, expected) => {
    expect(inventoryQuantity({ availability } as never, channel)).toBe(expected);
  });
});

describe('helpers', () => {
  it('builds product URLs and breadcrumbs', () => {
    expect(productUrl('https://shop/{{productSlug}}?x=1', 'a b')).toBe('https://shop/a%20b?x=1');
    expect(categoryBreadcrumbName('leaf', TREE, 'de')).toBe('Damen > Hosen > Jeans');
    expect(withAncestors('leaf', TREE)).toEqual(['leaf', 'mid', 'root']);
    expect(withAncestors('unknown', TREE)).toEqual(['unknown']);
  });
});
