import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DATASET_SIZES,
  DEFAULT_REFERENCE_TIME,
  type GeneratedRecord,
  generateDataset,
  TWO_STORES,
} from './generate.ts';

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

/**
 * The dataset as it was before deliveries, returns, `Delivered` and carts were added: carts left out, each
 * order's `shippingInfo.deliveries` and `returnInfo` removed and `Delivered` read as the `Shipped` it was.
 */
function digestWithoutFulfilment(size: 'tiny' | 'small'): string {
  const h = createHash('sha256');
  for (const rec of generateDataset({ size })) {
    if (rec.typeId === 'cart') continue;
    const resource = structuredClone(rec.resource) as R;
    if (rec.typeId === 'order') {
      if (resource.shipmentState === 'Delivered') resource.shipmentState = 'Shipped';
      delete resource.returnInfo;
      delete resource.shippingInfo.deliveries;
    }
    h.update(JSON.stringify({ typeId: rec.typeId, resource }));
  }
  return h.digest('hex');
}

/** Computed with the generator before deliveries, returns, `Delivered` and carts existed (commit 38491bc). */
const DIGEST_BEFORE_FULFILMENT = {
  tiny: '65a5fc302cd1381df259b709eb937e075a4c4a3d9ea3d869dda65ebdc5475677',
  small: '95cfab6657d513a4a4297d9e4b99140dea77ff3f56a42f6c6aac6a9e57b7931c',
};

const small = collect('small');
const all = <T = R>(type: string) => (small.get(type) ?? []) as T[];

describe('generateDataset', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    expect(digest(generateDataset({ size: 'tiny' }))).toBe(digest(generateDataset({ size: 'tiny' })));
    // ... and that covers carts, deliveries and returns, which tiny has too.
    const tiny = [...generateDataset({ size: 'tiny' })].map((r) => r.resource as R);
    expect(tiny.some((r) => r.cartState)).toBe(true);
    expect(tiny.some((r) => r.shippingInfo?.deliveries?.length)).toBe(true);
    expect(tiny.some((r) => r.returnInfo?.length)).toBe(true);
    expect(digest(generateDataset({ size: 'tiny', seed: 1 }))).not.toBe(
      digest(generateDataset({ size: 'tiny', seed: 2 })),
    );
  });

  it('produces the named sizes', () => {
    expect(all('customer')).toHaveLength(DATASET_SIZES.small.customers);
    expect(all('order')).toHaveLength(DATASET_SIZES.small.orders);
    expect(all('product')).toHaveLength(DATASET_SIZES.small.products);
    expect(all('cart')).toHaveLength(DATASET_SIZES.small.carts);
    expect(DATASET_SIZES.tiny.carts).toBe(20);
    expect(DATASET_SIZES.large.carts).toBe(20_000);
    // A size without `carts` has none.
    const types = new Set(
      [...generateDataset({ size: { customers: 2, products: 2, orders: 2 } })].map((r) => r.typeId),
    );
    expect(types.has('order')).toBe(true);
    expect(types.has('cart')).toBe(false);
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
  it('adding deliveries, returns, Delivered and carts changed no value generated before (only Shipped → Delivered)', () => {
    expect(digestWithoutFulfilment('tiny')).toBe(DIGEST_BEFORE_FULFILMENT.tiny);
    expect(digestWithoutFulfilment('small')).toBe(DIGEST_BEFORE_FULFILMENT.small);
    for (const o of all('order')) if (o.shipmentState === 'Delivered') expect(o.orderState).toBe('Complete');
  });

  it('deliveries: on Shipped, Delivered and Partial orders only, with parcels, tracking data and real line items', () => {
    const orders = all('order');
    const within = (o: R, at: string) => {
      const t = Date.parse(at);
      expect(t).toBeGreaterThanOrEqual(Date.parse(o.createdAt));
      expect(t).toBeLessThanOrEqual(Date.parse(o.lastModifiedAt));
    };
    const sum = (items: R[]) => items.reduce((n, it) => n + it.quantity, 0);
    const byLine = (items: R[]) => {
      const m = new Map<string, number>();
      for (const it of items) m.set(it.id, (m.get(it.id) ?? 0) + it.quantity);
      return m;
    };
    const ids: string[] = [];
    let partialWithout = 0;
    for (const o of orders) {
      const deliveries: R[] = o.shippingInfo.deliveries;
      const ordered = new Map<string, number>(o.lineItems.map((li: R) => [li.id, li.quantity]));
      const orderedUnits = sum(o.lineItems);
      if (!['Shipped', 'Delivered', 'Partial'].includes(o.shipmentState)) {
        expect(deliveries, o.id).toEqual([]);
        continue;
      }
      if (o.shipmentState === 'Partial' && deliveries.length === 0) {
        // A single unit cannot be partly shipped.
        expect(orderedUnits).toBe(1);
        partialWithout++;
        continue;
      }
      expect(deliveries.length).toBeGreaterThanOrEqual(1);
      expect(deliveries.length).toBeLessThanOrEqual(2);
      const delivered = deliveries.flatMap((d) => d.items);
      for (const [id, quantity] of byLine(delivered)) {
        expect(ordered.has(id)).toBe(true);
        expect(quantity).toBeLessThanOrEqual(ordered.get(id) as number);
      }
      if (o.shipmentState === 'Partial') {
        expect(sum(delivered)).toBeGreaterThan(0);
        expect(sum(delivered)).toBeLessThan(orderedUnits);
      } else {
        expect(byLine(delivered)).toEqual(ordered);
      }
      for (const d of deliveries) {
        ids.push(d.id);
        within(o, d.createdAt);
        expect(d.items.every((it: R) => it.quantity > 0)).toBe(true);
        expect(d.parcels.length).toBeGreaterThanOrEqual(1);
        expect(d.parcels.length).toBeLessThanOrEqual(2);
        expect(byLine(d.parcels.flatMap((p: R) => p.items))).toEqual(byLine(d.items));
        for (const p of d.parcels) {
          ids.push(p.id);
          within(o, p.createdAt);
          expect(Date.parse(p.createdAt)).toBeGreaterThanOrEqual(Date.parse(d.createdAt));
          if (p.trackingData) {
            expect(['DHL', 'UPS', 'FedEx', 'USPS', 'DPD']).toContain(p.trackingData.carrier);
            expect(p.trackingData.trackingId).toMatch(/^[0-9A-Z]{12,}$/);
            expect(p.trackingData.isReturn).toBe(false);
          }
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    const parcels = orders.flatMap((o) => o.shippingInfo.deliveries.flatMap((d: R) => d.parcels));
    const untracked = parcels.filter((p) => !p.trackingData).length / parcels.length;
    expect(untracked).toBeGreaterThan(0.08);
    expect(untracked).toBeLessThan(0.25);
    expect(parcels.some((p) => p.trackingData?.provider && p.trackingData.providerTransaction)).toBe(true);
    expect(parcels.some((p) => p.measurements)).toBe(true);
    expect(orders.some((o) => o.shippingInfo.deliveries.length === 2)).toBe(true);
    expect(partialWithout).toBeLessThan(orders.filter((o) => o.shipmentState === 'Partial').length / 5);
    const complete = orders.filter((o) => o.orderState === 'Complete');
    const delivered = complete.filter((o) => o.shipmentState === 'Delivered').length / complete.length;
    expect(delivered).toBeGreaterThan(0.2);
    expect(delivered).toBeLessThan(0.4);
  });

  it('returns: on about 8% of Complete orders, of their own line items and quantities', () => {
    const orders = all('order');
    const withReturns = orders.filter((o) => o.returnInfo.length > 0);
    for (const o of withReturns) {
      expect(o.orderState).toBe('Complete');
      expect(o.returnInfo).toHaveLength(1);
      const items: R[] = o.returnInfo[0].items;
      expect(items.length).toBeGreaterThanOrEqual(1);
      expect(items.length).toBeLessThanOrEqual(2);
      expect(new Set(items.map((it) => it.lineItemId)).size).toBe(items.length);
      for (const it of items) {
        const li = o.lineItems.find((l: R) => l.id === it.lineItemId);
        expect(li).toBeDefined();
        expect(it.type).toBe('LineItemReturnItem');
        expect(it.quantity).toBeGreaterThanOrEqual(1);
        expect(it.quantity).toBeLessThanOrEqual(li.quantity);
        expect(['Returned', 'BackInStock']).toContain(it.shipmentState);
        expect(['Refunded', 'NotRefunded', 'Initial']).toContain(it.paymentState);
        expect(Date.parse(it.lastModifiedAt)).toBeGreaterThanOrEqual(Date.parse(it.createdAt));
        expect(Date.parse(it.lastModifiedAt)).toBeLessThanOrEqual(Date.parse(o.lastModifiedAt));
      }
    }
    const complete = orders.filter((o) => o.orderState === 'Complete').length;
    expect(withReturns.length / complete).toBeGreaterThan(0.04);
    expect(withReturns.length / complete).toBeLessThan(0.12);
    expect(withReturns.some((o) => o.returnInfo[0].returnTrackingId)).toBe(true);
    expect(withReturns.some((o) => o.returnInfo[0].items.some((it: R) => it.comment))).toBe(true);
    expect(orders.filter((o) => o.returnInfo.length === 0).every((o) => Array.isArray(o.returnInfo))).toBe(true);
  });

  it('carts: the mix of states, real products and customers, totals that add up, modified in the last 30 days', () => {
    const carts = all('cart');
    const customers = new Map(all('customer').map((c) => [c.id, c]));
    const products = new Map(all('product').map((p) => [p.id, p]));
    const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
    const kind = (c: R) =>
      c.cartState !== 'Active'
        ? c.cartState
        : !c.customerEmail
          ? 'anonymous'
          : c.lineItems.length === 0
            ? 'empty'
            : 'withEmail';
    const share = (k: string) => carts.filter((c) => kind(c) === k).length / carts.length;
    expect(share('withEmail')).toBeGreaterThan(0.45);
    expect(share('withEmail')).toBeLessThan(0.65);
    expect(share('anonymous')).toBeGreaterThan(0.08);
    expect(share('anonymous')).toBeLessThan(0.22);
    expect(share('empty')).toBeGreaterThan(0.01);
    expect(share('empty')).toBeLessThan(0.1);
    for (const state of ['Merged', 'Ordered']) {
      expect(share(state)).toBeGreaterThan(0.05);
      expect(share(state)).toBeLessThan(0.15);
    }
    expect(share('Frozen')).toBeGreaterThan(0.01);
    expect(share('Frozen')).toBeLessThan(0.1);
    const registered = carts.filter((c) => kind(c) === 'withEmail' && c.customerId).length;
    const withEmail = carts.filter((c) => kind(c) === 'withEmail').length;
    expect(registered / withEmail).toBeGreaterThan(0.35);
    expect(registered / withEmail).toBeLessThan(0.65);
    for (const c of carts) {
      expect(c.version).toBeGreaterThanOrEqual(1);
      expect(c.origin).toBe('Customer');
      expect(c.customLineItems).toEqual([]);
      for (const k of ['discountCodes', 'refusedGifts', 'itemShippingAddresses', 'directDiscounts', 'shipping'])
        expect(c[k], k).toEqual([]);
      expect(c).toMatchObject({ taxMode: 'Platform', inventoryMode: 'None', shippingMode: 'Single' });
      expect(Date.parse(c.lastModifiedAt)).toBeLessThan(refMs);
      expect(Date.parse(c.lastModifiedAt)).toBeGreaterThanOrEqual(refMs - 30 * 86_400_000);
      expect(Date.parse(c.createdAt)).toBeLessThanOrEqual(Date.parse(c.lastModifiedAt));
      if (c.customerId) {
        expect(customers.has(c.customerId)).toBe(true);
        expect(c.customerEmail).toBe(customers.get(c.customerId)?.email);
      }
      if (!c.customerEmail) expect(c.anonymousId).toBeDefined();
      // Anonymous sessions (active or merged into a customer's cart) carry no email; every other cart does.
      expect(!c.customerEmail).toBe(c.cartState === 'Merged' || kind(c) === 'anonymous');
      let total = 0;
      for (const li of c.lineItems) {
        const product = products.get(li.productId) as R;
        expect(product).toBeDefined();
        const variants = [product.masterData.current.masterVariant, ...product.masterData.current.variants];
        const variant = variants.find((v: R) => v.id === li.variant.id);
        expect(variant).toBeDefined();
        expect(li.variant.sku).toBe(variant.sku);
        expect(li.name).toEqual(product.masterData.current.name);
        expect(li.price.value.currencyCode).toBe(c.totalPrice.currencyCode);
        expect(li.totalPrice.centAmount).toBe(li.price.value.centAmount * li.quantity);
        expect(Date.parse(li.addedAt)).toBeLessThanOrEqual(Date.parse(c.lastModifiedAt));
        total += li.totalPrice.centAmount;
      }
      expect(c.totalPrice.centAmount).toBe(total);
      if (c.lineItems.length)
        expect(c.totalLineItemQuantity).toBe(c.lineItems.reduce((n: number, li: R) => n + li.quantity, 0));
    }
  });
});

describe('stores (opt-in)', () => {
  const records = [...generateDataset({ size: 'tiny', stores: TWO_STORES })];
  const of = (t: string) => records.filter((r) => r.typeId === t).map((r) => r.resource as Record<string, any>);
  it('makes the stores, puts customers in them round robin (and some in none), orders in their customer’s store', () => {
    expect(of('store').map((s) => s.key)).toEqual(['de-shop', 'us-shop']);
    const customers = of('customer');
    const storeOf = new Map(customers.map((c) => [c.id, c.stores?.[0]?.key as string | undefined]));
    expect(new Set(storeOf.values())).toEqual(new Set(['de-shop', 'us-shop', undefined]));
    const orders = of('order');
    for (const o of orders) {
      const store = TWO_STORES.find((s) => s.key === o.store?.key);
      if (o.customerId) expect(o.store?.key).toBe(storeOf.get(o.customerId));
      if (!store) continue;
      // In the store's currency and locale, amounts converted throughout.
      expect(o.totalPrice.currencyCode).toBe(store.currency);
      expect(o.lineItems.every((li: Record<string, any>) => li.totalPrice.currencyCode === store.currency)).toBe(true);
      expect(o.locale).toBe(store.locale);
    }
    expect(orders.some((o) => o.store?.key === 'us-shop' && o.totalPrice.currencyCode === 'USD')).toBe(true);
    // Without stores, nothing changes.
    expect([...generateDataset({ size: 'tiny' })].some((r) => r.typeId === 'store')).toBe(false);
  });
});
