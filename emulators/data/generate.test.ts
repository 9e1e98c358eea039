import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DATASET_SIZES, type GeneratedRecord, generateDataset } from './generate.ts';

type R = Record<string, any>;

function collect(size: 'tiny' | 'small', seed?: number): Map<string, R[]> {
  const byType = new Map<string, R[]>();
  for (const rec of generateDataset({ size, seed })) {
    const list = byType.get(rec.typeId) ?? [];
    list.push(rec.resource);
    byType.set(rec.typeId, list);
  }
  return byType;
}

function digest(records: Iterable<GeneratedRecord>): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify(r));
  return h.digest('hex');
}

const small = collect('small');
const all = <T = R>(type: string) => (small.get(type) ?? []) as T[];

describe('generateDataset', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    expect(digest(generateDataset({ size: 'tiny' }))).toBe(digest(generateDataset({ size: 'tiny' })));
    expect(digest(generateDataset({ size: 'tiny', seed: 1 }))).not.toBe(
      digest(generateDataset({ size: 'tiny', seed: 2 })),
    );
  });

  it('produces the named sizes', () => {
    expect(all('customer')).toHaveLength(DATASET_SIZES.small.customers);
    expect(all('order')).toHaveLength(DATASET_SIZES.small.orders);
    expect(all('product')).toHaveLength(DATASET_SIZES.small.products);
    expect(DATASET_SIZES.large.customers).toBeGreaterThanOrEqual(100_000);
    expect(DATASET_SIZES.large.orders).toBeGreaterThanOrEqual(1_000_000);
  });

  it('gives every resource a unique UUID id', () => {
    const ids = [...small.values()].flat().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 200))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('customers: several addresses, defaults, custom fields, companies, phones and mobiles, some without email', () => {
    const customers = all('customer');
    expect(customers.some((c) => c.addresses.length >= 2)).toBe(true);
    expect(customers.some((c) => c.addresses.length === 0)).toBe(true);
    expect(customers.some((c) => c.defaultBillingAddressId && c.defaultShippingAddressId)).toBe(true);
    expect(customers.some((c) => c.custom?.fields?.loyaltyPoints === 0)).toBe(true);
    expect(customers.some((c) => c.custom?.fields?.newsletterOptIn === false)).toBe(true);
    expect(customers.some((c) => c.companyName)).toBe(true);
    expect(customers.some((c) => c.addresses.some((a: R) => a.phone))).toBe(true);
    expect(customers.some((c) => c.addresses.some((a: R) => a.mobile))).toBe(true);
    expect(customers.some((c) => c.email === undefined)).toBe(true);
    for (const c of customers) {
      const addressIds = new Set(c.addresses.map((a: R) => a.id));
      if (c.defaultShippingAddressId) expect(addressIds.has(c.defaultShippingAddressId)).toBe(true);
      if (c.defaultBillingAddressId) expect(addressIds.has(c.defaultBillingAddressId)).toBe(true);
    }
  });

  it('categories: a tree three levels deep, localized, parents before children, ancestors from the root', () => {
    const categories = all('category');
    const byId = new Map(categories.map((c) => [c.id, c]));
    const depth = (c: R): number => (c.parent ? 1 + depth(byId.get(c.parent.id) as R) : 1);
    expect(Math.max(...categories.map(depth))).toBe(3);
    const seen = new Set<string>();
    for (const c of categories) {
      expect(Object.keys(c.name)).toEqual(['en', 'de']);
      if (c.parent) expect(seen.has(c.parent.id)).toBe(true);
      expect(c.ancestors.length).toBe(depth(c) - 1);
      if (c.parent) expect(c.ancestors[c.ancestors.length - 1].id).toBe(c.parent.id);
      seen.add(c.id);
    }
  });

  it('products: variants with SKUs, 2 locales, 2+ currencies, dated/group/channel prices, channel stock incl. 0, gaps', () => {
    const products = all('product');
    const variants = products.flatMap((p) => [p.masterData.current.masterVariant, ...p.masterData.current.variants]);
    const prices = variants.flatMap((v) => v.prices);
    expect(products.some((p) => p.masterData.current.variants.length >= 149)).toBe(true);
    expect(new Set(prices.map((p: R) => p.value.currencyCode))).toEqual(new Set(['EUR', 'USD', 'JPY']));
    expect(prices.some((p: R) => p.value.currencyCode === 'JPY' && p.value.fractionDigits === 0)).toBe(true);
    expect(prices.some((p: R) => p.customerGroup)).toBe(true);
    expect(prices.some((p: R) => p.channel)).toBe(true);
    expect(prices.some((p: R) => p.validFrom && Date.parse(p.validUntil) < Date.parse('2026-01-01'))).toBe(true);
    expect(prices.some((p: R) => p.validFrom && Date.parse(p.validFrom) > Date.parse('2026-01-01'))).toBe(true);
    expect(
      prices.some(
        (p: R) =>
          p.validFrom &&
          Date.parse(p.validFrom) < Date.parse('2026-01-01') &&
          Date.parse(p.validUntil) > Date.parse('2026-01-01'),
      ),
    ).toBe(true);
    expect(
      variants.some((v) => Object.values(v.availability?.channels ?? {}).some((c: any) => c.availableQuantity === 0)),
    ).toBe(true);
    expect(variants.some((v) => v.sku === undefined)).toBe(true);
    expect(products.some((p) => p.masterData.current.masterVariant.images.length === 0)).toBe(true);
    expect(products.some((p) => p.masterData.current.masterVariant.prices.length === 0)).toBe(true);
    expect(products.some((p) => p.masterData.published === false)).toBe(true);
    expect(
      products.every(
        (p) => p.masterData.current.name.en && p.masterData.current.name.de && p.masterData.current.slug.de,
      ),
    ).toBe(true);
    expect(all('inventory-entry').some((e) => e.supplyChannel && e.availableQuantity === 0)).toBe(true);
  });

  it('orders: guest and registered, real references, custom lines, all states, totals that add up, refunds', () => {
    const orders = all('order');
    const payments = new Map(all('payment').map((p) => [p.id, p]));
    const customers = new Map(all('customer').map((c) => [c.id, c]));
    const products = new Map(all('product').map((p) => [p.id, p]));
    expect(orders.some((o) => o.customerId)).toBe(true);
    expect(orders.some((o) => !o.customerId && o.customerEmail)).toBe(true);
    expect(orders.some((o) => !o.customerId && !o.customerEmail)).toBe(true);
    expect(new Set(orders.map((o) => o.orderState))).toEqual(new Set(['Open', 'Confirmed', 'Complete', 'Cancelled']));
    expect(orders.some((o) => o.customLineItems.length > 0)).toBe(true);
    expect(new Set(orders.map((o) => o.totalPrice.currencyCode)).size).toBeGreaterThanOrEqual(3);
    for (const o of orders) {
      if (o.customerId) {
        expect(customers.has(o.customerId)).toBe(true);
        expect(o.customerEmail).toBe(customers.get(o.customerId)?.email);
      }
      for (const li of o.lineItems) expect(products.has(li.productId)).toBe(true);
      const lines =
        o.lineItems.reduce((s: number, li: R) => s + li.totalPrice.centAmount, 0) +
        o.customLineItems.reduce((s: number, c: R) => s + c.totalPrice.centAmount, 0);
      expect(lines + o.shippingInfo.price.centAmount).toBe(o.totalPrice.centAmount);
      for (const ref of o.paymentInfo.payments) expect(payments.has(ref.id)).toBe(true);
    }
    const refundCounts = orders.map(
      (o) =>
        payments
          .get(o.paymentInfo.payments[0].id)
          ?.transactions.filter((t: R) => t.type === 'Refund' && t.state === 'Success').length ?? 0,
    );
    expect(refundCounts.some((n) => n >= 2)).toBe(true);
    expect(
      all('payment').some((p) => p.transactions.some((t: R) => t.type === 'Refund' && t.state !== 'Success')),
    ).toBe(true);
  });

  it('consent: customers with emailConsent/smsConsent true, false and absent, dates on some; guest orders with marketingConsent', () => {
    const customers = all('customer');
    const fields = customers.map((c) => c.custom?.fields ?? {});
    for (const key of ['emailConsent', 'smsConsent']) {
      expect(fields.some((f) => f[key] === true)).toBe(true);
      expect(fields.some((f) => f[key] === false)).toBe(true);
      expect(fields.some((f) => f[key] === undefined)).toBe(true);
      const at = `${key}At`;
      expect(fields.some((f) => f[key] !== undefined && f[at] !== undefined)).toBe(true);
      expect(fields.some((f) => f[key] !== undefined && f[at] === undefined)).toBe(true);
      for (const f of fields) {
        if (f[at] === undefined) continue;
        expect(f[key]).toBeTypeOf('boolean');
        expect(Date.parse(f[at])).toBeLessThanOrEqual(Date.parse('2026-01-01T00:00:00.000Z'));
      }
    }
    const customerType = all('type').find((t) => t.key === 'customer-loyalty');
    const defined = new Set(customerType?.fieldDefinitions.map((d: R) => d.name));
    for (const f of fields) for (const k of Object.keys(f)) expect(defined.has(k), k).toBe(true);
    const orderType = all('type').find((t) => t.key === 'order-marketing');
    const orders = all('order');
    const withConsent = orders.filter((o) => o.custom);
    expect(withConsent.some((o) => o.custom.fields.marketingConsent === true)).toBe(true);
    expect(withConsent.some((o) => o.custom.fields.marketingConsent === false)).toBe(true);
    expect(orders.some((o) => !o.customerId && !o.custom)).toBe(true);
    for (const o of withConsent) {
      expect(o.customerId).toBeUndefined();
      expect(o.custom.type.id).toBe(orderType?.id);
    }
  });
});
