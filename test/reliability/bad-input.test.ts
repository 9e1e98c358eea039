import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { KLAVIYO_KEY, specViolations, startStack, waitForRun, type Stack } from '../helpers/stack.ts';

/**
 * A corpus of awkward commercetools data loaded beside the tiny dataset: every record ends succeeded, failed
 * or skipped with a reason, the rest of the import completes, and processed = succeeded + failed + skipped.
 */
type R = Record<string, any>;
let stack: Stack;
const base = [...generateDataset({ size: 'tiny' })];
const template = (type: string) => base.find((r) => r.typeId === type)?.resource as R;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const money = (currencyCode: string, centAmount: number, fractionDigits: number) => ({ type: 'centPrecision', currencyCode, centAmount, fractionDigits });

function corpus(): Array<{ typeId: 'customer' | 'order' | 'product' | 'category'; resource: R }> {
  const c = template('customer');
  const o = template('order');
  const p = template('product');
  const cat = template('category');
  const customers = [
    { ...c, id: id(1), email: undefined, addresses: [] },
    { ...c, id: id(2), addresses: [{ id: 'a', country: 'DE', phone: 'call me maybe', mobile: '+0' }] },
    { ...c, id: id(3), firstName: 'x'.repeat(5000), lastName: '😀🎉 Zoë Ñandú 名前', companyName: null },
    { ...c, id: id(4), custom: { type: { typeId: 'type', id: 't' }, fields: { notes: 'y'.repeat(150 * 1024) } } },
    { ...c, id: id(5), email: 'no-at-sign.example.com' },
    { ...c, id: id(6), title: null, middleName: null, defaultBillingAddressId: 'missing', billingAddressIds: ['missing'] },
  ];
  let parent: R | undefined;
  const deep = Array.from({ length: 8 }, (_v, i) => {
    const cid = id(100 + i);
    const node = { ...cat, id: cid, key: `deep-${i}`, name: { en: `Level ${i} ${'é'.repeat(i)}` }, slug: { en: `level-${i}` }, parent: parent ? { typeId: 'category', id: parent.id } : undefined, ancestors: parent ? [...parent.ancestors, { typeId: 'category', id: parent.id }] : [] };
    parent = node;
    return node;
  });
  const variant = (n: number, extra: R = {}) => ({ id: n, sku: `BAD-${n}`, prices: [], images: [{ url: `https://img.example/${n}.jpg` }], attributes: [], ...extra });
  const wide = Array.from({ length: 150 }, (_v, i) => variant(i + 2, { prices: [{ id: `p${i}`, value: money(i % 2 ? 'KWD' : 'JPY', 12345, i % 2 ? 3 : 0) }] }));
  const data = (extra: R) => ({ ...p.masterData.current, categories: [{ typeId: 'category', id: deep[7].id }], ...extra });
  const products = [
    { ...p, id: id(200), masterData: { ...p.masterData, published: true, current: data({ masterVariant: variant(1), variants: wide }) } },
    { ...p, id: id(201), masterData: { ...p.masterData, published: true, current: data({ name: { 'zz-ZZ': '' }, slug: {}, description: null, masterVariant: variant(1, { sku: undefined }), variants: [] }) } },
    { ...p, id: id(202), masterData: { ...p.masterData, published: true, current: data({ masterVariant: variant(1, { images: [] }), variants: [] }) } },
  ];
  const orders = [
    { ...o, id: id(300), customerId: undefined, customerEmail: undefined },
    { ...o, id: id(301), customerId: id(1), customerEmail: undefined, totalPrice: money('KWD', 1234567, 3), lineItems: o.lineItems.map((li: R, i: number) => ({ ...li, id: `bad301-${i}`, name: { en: '🎁'.repeat(50) } })) },
    { ...o, id: id(302), customerEmail: 'still@example.com', customerId: undefined, lineItems: [], customLineItems: [], custom: { fields: { giftNote: 'z'.repeat(120 * 1024) } } },
    { ...o, id: id(303), customerEmail: 'jp@example.com', customerId: undefined, totalPrice: money('JPY', 98765, 0), lineItems: o.lineItems.map((li: R, i: number) => ({ ...li, id: `bad303-${i}`, productId: 'no-such-product' })) },
  ];
  return [
    ...customers.map((resource) => ({ typeId: 'customer' as const, resource })),
    ...deep.map((resource) => ({ typeId: 'category' as const, resource })),
    ...products.map((resource) => ({ typeId: 'product' as const, resource })),
    ...orders.map((resource) => ({ typeId: 'order' as const, resource })),
  ];
}

beforeAll(async () => {
  stack = await startStack({ env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}', PREFERRED_CURRENCY: 'EUR' } });
  stack.ct.load(corpus());
});
afterAll(async () => stack.close());

describe('bad input corpus', () => {
  it('every record of every type ends succeeded, failed or skipped with a reason, and the rest completes', async () => {
    const reports: Record<string, R> = {};
    for (const type of ['categories', 'products', 'customers', 'orders']) {
      expect((await request('POST', `${stack.service.url}/sync/${type}`)).status).toBe(202);
      const r = await waitForRun(stack.service.url, type, 120_000);
      expect(r.status, `${type}: ${JSON.stringify(r.error)}`).toBe('completed');
      expect(r.counts.read).toBe(r.counts.succeeded + r.counts.failed + r.counts.skipped);
      const failures = String((await request<string>('GET', `${stack.service.url}/sync/${type}/failures`)).body ?? '').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(failures.length).toBe(r.counts.failed + r.counts.skipped);
      for (const f of failures) expect(f.reason, JSON.stringify(f)).toMatch(/\w{3}/);
      reports[type] = { ...r, failures };
    }
    const byId = (type: string, n: number) => reports[type].failures.find((f: R) => f.id === id(n));
    expect(byId('customers', 4)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('at most 102400 bytes per profile') });
    expect(byId('customers', 5)).toMatchObject({ outcome: 'failed', code: 'invalid' });
    expect(byId('customers', 1)).toBeUndefined();
    expect(byId('products', 202)).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('no image') });
    expect(byId('orders', 300)).toMatchObject({ outcome: 'skipped' });
    expect(byId('orders', 302)).toMatchObject({ outcome: 'failed', reason: expect.stringContaining('100 KB') });
    const summary = (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body;
    expect(summary.catalog.categories).toBe(reports.categories.counts.succeeded);
    expect(summary.catalog.items).toBe(reports.products.counts.succeeded);
    const events = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`)).body;
    expect(events.length).toBe(reports.orders.counts.succeeded);
    expect(events.find((e) => e.unique_id === id(301))).toMatchObject({ value: 1234.567, value_currency: 'KWD' });
    expect(events.find((e) => e.unique_id === id(303))).toMatchObject({ value: 98765, value_currency: 'JPY' });
    const wide = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/catalog/variants?key=${KLAVIYO_KEY}`)).body.filter((v) => v.item === `$custom:::$default:::${id(200)}`);
    expect(wide).toHaveLength(151);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});
