import { readFileSync } from 'node:fs';
import type { Category, Customer, Order, Payment, Product } from '@commercetools/platform-sdk';
import { describe, expect, it } from 'vitest';
import { categoryToCatalogAttributes } from './category-to-catalog.ts';
import { categoryTree } from './category-tree.ts';
import { customerToProfile } from './customer-to-profile.ts';
import { DEFAULT_ORDER_METRICS, orderToEvents } from './order-to-events.ts';
import { productSummary } from './product-summary.ts';
import { productToCatalog } from './product-to-catalog.ts';

/** commercetools' own published example resources (vendor/commercetools/examples, see vendor/README.md). */
const example = <T>(name: string): T =>
  JSON.parse(
    readFileSync(new URL(`../../vendor/commercetools/examples/${name}.example.json`, import.meta.url), 'utf8'),
  ) as T;
const noFilter = { include: [], exclude: [], rename: {} };

describe("the mappers on commercetools' published examples", () => {
  const customer = example<Customer>('customer');
  const category = example<Category>('category');
  const product = example<Product>('product');
  const order = example<Order>('order');
  const tree = categoryTree([category]);

  it('customer → a profile keyed by the customer id, with its email and names', () => {
    const m = customerToProfile(customer, { properties: noFilter });
    expect(m).toEqual({
      kind: 'profile',
      warnings: [],
      profile: {
        type: 'profile',
        attributes: { external_id: customer.id, email: 'johndoe@example.com', first_name: 'John', last_name: 'Doe' },
      },
    });
  });

  it('category → a catalog category named after it, even when its parent is not in the tree', () => {
    expect(categoryToCatalogAttributes({ id: category.id, name: category.name }, tree)).toEqual({
      external_id: category.id,
      name: 'Hats',
    });
  });

  it('product → an item and a variant per SKU, with the price in currency units and the image', () => {
    const m = productToCatalog(product.id, product.masterData.current, tree, {
      productUrlTemplate: 'https://shop.example/p/{{productSlug}}',
      allowImageless: false,
      nowMs: 0,
    });
    if (m.kind !== 'product') throw new Error(`skipped: ${m.reason}`);
    expect(m.product.item).toMatchObject({
      external_id: product.id,
      title: 'MB PREMIUM TECH T',
      price: 100,
      url: 'https://shop.example/p/mb-premium-tech-t1369226795424',
      image_full_url: 'https://commercetools.com/cli/data/253245821_1.jpg',
      published: true,
    });
    expect(m.product.variants.map((v) => v.attributes.sku)).toEqual(['sku_MB_PREMIUM_TECH_T_variant1_1369226795424']);
    expect(m.product.categoryIds).toEqual([`$custom:::$default:::${product.masterData.current.categories[0].id}`]);
  });

  it('order of a registered customer without email → Placed Order and Ordered Product on the customer id, backfilled', () => {
    const m = orderToEvents(
      order,
      [example<Payment>('payment')],
      { products: new Map([[product.id, productSummary(product)]]), categories: tree },
      {
        metrics: DEFAULT_ORDER_METRICS,
        fulfilledStates: ['Complete'],
        cancelledStates: ['Cancelled'],
        paidStates: ['Paid'],
        deliveredStates: ['Delivered'],
        properties: noFilter,
        backfill: true,
      },
    );
    if (m.kind !== 'events') throw new Error(`skipped: ${m.reason}`);
    expect(m.profile).toEqual({ type: 'profile', attributes: { external_id: order.customerId } });
    expect(m.events.map((e) => [e.metric.data.attributes.name, e.unique_id, e.value, e.backfill])).toEqual([
      ['Placed Order', order.id, 10, true],
      ['Ordered Product', order.lineItems[0].id, 10, true],
    ]);
    expect(m.events[0].properties).toMatchObject({
      ItemNames: ['MyProduct'],
      Items: [{ SKU: 'some-sku-123', Quantity: 1, ItemPrice: 10 }],
    });
  });
});
