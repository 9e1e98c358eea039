import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectedOutcome } from '../helpers/expected.ts';
import { request, waitFor } from '../helpers/http.ts';
import { KLAVIYO_KEY, type Stack, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;
let stack: Stack;
const small = expectedOutcome('small');
const { orders, importable, refundsOf } = small;
const products = new Map(small.products.map((p) => [p.id as string, p]));
const categories = new Map(small.categories.map((c) => [c.id as string, c]));
const EXPECTED = small.metrics;

const post = (path: string, body?: unknown) =>
  request<any>(
    'POST',
    `${stack.service.url}${path}`,
    body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body },
  );
const events = async (metric?: string): Promise<R[]> =>
  (
    await request<R[]>(
      'GET',
      `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}${metric ? `&metric=${encodeURIComponent(metric)}` : ''}`,
    )
  ).body;
const summary = async () =>
  (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body;
const reset = () => request('POST', `${stack.klaviyo.url}/__emulator/reset`);
const fault = (body: unknown) =>
  request('POST', `${stack.klaviyo.url}/__emulator/faults`, { headers: { 'content-type': 'application/json' }, body });

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}', PREFERRED_LOCALE: 'en' },
  });
});
afterAll(async () => stack.close());
afterEach(async () => {
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
});

describe('POST /sync/orders', () => {
  it('lands the expected number of events per metric, backfilled, with zero spec violations; a re-run adds none', async () => {
    await reset();
    expect((await post('/sync/orders')).status).toBe(202);
    const report = await waitForRun(stack.service.url, 'orders');
    expect(report.counts).toEqual({
      read: orders.length,
      succeeded: importable.length,
      failed: 0,
      skipped: orders.length - importable.length,
    });
    expect(report.lastErrors[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'order has neither a customer email nor a customer id',
    });
    expect((await summary()).events.byMetric).toEqual(EXPECTED);
    expect((await events()).every((e) => e.backfill === true)).toBe(true);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);

    expect((await post('/sync/orders')).status).toBe(202);
    await waitForRun(stack.service.url, 'orders');
    expect((await summary()).events.byMetric).toEqual(EXPECTED);
  });

  it('keys the lifecycle events by the records they come from: orders, deliveries, first return items', async () => {
    const ids = async (metric: string) => new Set((await events(metric)).map((e) => e.unique_id));
    expect(await ids('Paid Order')).toEqual(
      new Set(importable.filter((o) => o.paymentState === 'Paid').map((o) => o.id)),
    );
    const deliveries = importable.flatMap((o) => small.deliveriesOf(o));
    expect(await ids('Shipped Order')).toEqual(new Set(deliveries.filter((d) => d.isComplete).map((d) => d.id)));
    expect(await ids('Partially Shipped Order')).toEqual(
      new Set(deliveries.filter((d) => !d.isComplete).map((d) => d.id)),
    );
    expect(await ids('Delivered Order')).toEqual(
      new Set(importable.filter((o) => o.shipmentState === 'Delivered').map((o) => o.id)),
    );
    const firstReturnItems = importable.flatMap((o) =>
      (o.returnInfo ?? []).map(
        (r: R) =>
          [...r.items].sort((a: R, b: R) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))[0].id,
      ),
    );
    expect(await ids('Returned Items')).toEqual(new Set(firstReturnItems));
    // Tracking numbers travel with the shipment events.
    const tracked = (await events('Shipped Order')).filter((e) => e.properties.TrackingNumbers?.length);
    expect(tracked.length).toBeGreaterThan(100);
    expect(tracked[0].properties.Parcels[0]).toMatchObject({
      TrackingNumber: expect.any(String),
      Carrier: expect.any(String),
    });
  });

  it('maps every kind of order faithfully (guest, registered, cancelled, refunds, custom lines, currencies)', async () => {
    const all = await events();
    const byKey = new Map(all.map((e) => [`${e.metric}|${e.unique_id}`, e]));
    // Discount codes: the codes customers typed, read from the discount codes the orders reference.
    const codes = new Map(
      small.data.filter((r) => r.typeId === 'discount-code').map((r) => [r.resource.id, (r.resource as R).code]),
    );
    const discounted = importable.filter((o) => o.discountCodes.length > 0);
    expect(discounted.length).toBeGreaterThan(0);
    for (const o of discounted)
      expect(byKey.get(`Placed Order|${o.id}`)?.properties.DiscountCodes).toEqual(
        o.discountCodes.map((d: R) => codes.get(d.discountCode.id)),
      );
    const pick = (pred: (o: R) => boolean) => importable.find(pred) as R;
    const samples = [
      pick((o) => !o.customerId),
      pick((o) => Boolean(o.customerId)),
      pick((o) => o.orderState === 'Cancelled'),
      pick((o) => refundsOf(o).length >= 2),
      pick((o) => o.customLineItems.length > 0),
      pick((o) => o.totalPrice.currencyCode === 'JPY'),
      pick((o) => o.totalPrice.currencyCode === 'USD'),
    ];
    for (const o of samples) {
      const placed = byKey.get(`Placed Order|${o.id}`);
      expect(placed, o.id).toBeDefined();
      expect(placed?.value).toBe(o.totalPrice.centAmount / 10 ** o.totalPrice.fractionDigits);
      expect(placed?.value_currency).toBe(o.totalPrice.currencyCode);
      expect(placed?.time).toBe(new Date(Math.floor(Date.parse(o.createdAt) / 1000) * 1000).toISOString());
      expect(placed?.profile).toEqual({ external_id: o.customerId ?? null, email: o.customerEmail ?? null });
      const p = placed?.properties;
      expect(p.OrderNumber).toBe(o.orderNumber);
      expect(p.OrderState).toBe(o.orderState);
      expect(p.Items).toHaveLength(o.lineItems.length);
      expect(p.ItemNames).toEqual(expect.arrayContaining(o.customLineItems.map((c: R) => c.name.en)));
      const li = o.lineItems[0];
      const product = products.get(li.productId) as R;
      const leaf = categories.get(product.masterData.current.categories[0].id) as R;
      const breadcrumb = [...leaf.ancestors.map((a: R) => (categories.get(a.id) as R).name.en), leaf.name.en].join(
        ' > ',
      );
      expect(p.Categories).toContain(breadcrumb);
      expect(p.Items[0]).toMatchObject({
        ProductID: li.productId,
        Quantity: li.quantity,
        ItemPrice: li.price.value.centAmount / 10 ** li.price.value.fractionDigits,
        ProductURL: `https://shop.example/p/${li.productSlug.en}`,
      });
      const ordered = byKey.get(`Ordered Product|${li.id}`);
      expect(ordered?.value).toBe(li.totalPrice.centAmount / 10 ** li.totalPrice.fractionDigits);
      expect(ordered?.properties).toMatchObject({
        ProductName: li.name.en,
        ProductID: li.productId,
        Quantity: li.quantity,
        Categories: expect.arrayContaining([breadcrumb]),
      });
      if (li.variant.sku) expect(ordered?.properties.SKU).toBe(li.variant.sku);
      if (li.variant.images[0]) expect(ordered?.properties.ImageURL).toBe(li.variant.images[0].url);
      expect(Boolean(byKey.get(`Fulfilled Order|${o.id}`))).toBe(['Confirmed', 'Complete'].includes(o.orderState));
      expect(Boolean(byKey.get(`Cancelled Order|${o.id}`))).toBe(o.orderState === 'Cancelled');
      for (const t of refundsOf(o)) {
        const refund = byKey.get(`Refunded Order|${t.id}`);
        expect(refund?.value).toBe(t.amount.centAmount / 10 ** t.amount.fractionDigits);
        expect(refund?.properties.OrderId).toBe(o.id);
      }
    }
  });

  it('imports a window of creation dates, by ids, and without the backfill flag when asked', async () => {
    await reset();
    const since = '2024-06-01T00:00:00.000Z';
    const until = '2025-01-01T00:00:00.000Z';
    expect((await post('/sync/orders', { since, until, backfill: false })).status).toBe(202);
    const report = await waitForRun(stack.service.url, 'orders');
    const inWindow = importable.filter((o) => o.createdAt >= since && o.createdAt < until);
    expect(report.counts.succeeded).toBe(inWindow.length);
    const placed = await events('Placed Order');
    expect(placed.map((e) => e.unique_id).sort()).toEqual(inWindow.map((o) => o.id).sort());
    expect(placed.every((e) => e.backfill === false)).toBe(true);

    await reset();
    const ids = importable.slice(0, 5).map((o) => o.id);
    await post('/sync/orders', { ids });
    await waitForRun(stack.service.url, 'orders');
    expect((await events('Placed Order')).map((e) => e.unique_id).sort()).toEqual([...ids].sort());
  });

  it.each([
    [{ since: 'yesterday at noon' }, "'since' must be an ISO 8601 date"],
    // Date.parse would roll it over to March 1st.
    [{ since: '2024-02-30' }, "'since' must be an ISO 8601 date or date-time that exists"],
    [{ until: '2023-02-29T00:00:00Z' }, "'until' must be an ISO 8601 date or date-time that exists"],
    [{ since: '2025-01-01', until: '2024-01-01' }, "'since' must be earlier than 'until'"],
    [{ backfill: 'no' }, 'body/backfill must be boolean'],
    [{ resume: true, backfill: false }, "'resume' continues the last run"],
  ])('answers 400 for %j', async (body, message) => {
    const r = await post('/sync/orders', body);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain(message);
  });

  it('an order Klaviyo rejects fails with its id and reason while the rest of its batch lands', async () => {
    await reset();
    const template = importable.find((o) => o.customerId) as R;
    const rejected = {
      ...template,
      id: '00000000-0000-4000-8000-0000000bad01',
      orderNumber: 'BAD-1',
      customerId: undefined,
      customerEmail: 'not-an-email',
      lineItems: template.lineItems.map((li: R, i: number) => ({ ...li, id: `bad1-li-${i}` })),
    };
    const huge = {
      ...template,
      id: '00000000-0000-4000-8000-0000000bad02',
      orderNumber: 'BAD-2',
      custom: { type: { typeId: 'type', id: 't' }, fields: { giftNote: 'x'.repeat(150 * 1024) } },
      lineItems: template.lineItems.map((li: R, i: number) => ({ ...li, id: `bad2-li-${i}` })),
    };
    stack.ct.load([
      { typeId: 'order', resource: rejected },
      { typeId: 'order', resource: huge },
    ]);
    try {
      await post('/sync/orders');
      const report = await waitForRun(stack.service.url, 'orders');
      expect(report.counts).toMatchObject({ succeeded: importable.length, failed: 2 });
      const failures = report.lastErrors.filter((e: R) => e.outcome === 'failed');
      expect(failures).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: rejected.id,
            code: 'invalid',
            reason: expect.stringContaining('Invalid email'),
          }),
          expect.objectContaining({ id: huge.id, reason: expect.stringContaining('100 KB') }),
        ]),
      );
      expect((await summary()).events.byMetric).toEqual(EXPECTED);
    } finally {
      await stack.ct.storage.delete('demo', 'order', rejected.id);
      await stack.ct.storage.delete('demo', 'order', huge.id);
    }
  });
});

describe('stop, crash and resume', () => {
  it('stop + resume ends with every event exactly once', async () => {
    await reset();
    await fault({ target: 'bulk_create_events', kind: 'slow', delayMs: 150, count: 1000 });
    const started = await post('/sync/orders');
    await waitFor(
      async () => (await request<any>('GET', `${stack.service.url}/sync/orders`)).body.counts.succeeded >= 500,
      30_000,
      'progress',
    );
    const stopped = await post('/sync/orders/stop');
    expect(stopped.body.status).toBe('stopped');
    expect(stopped.body.counts.succeeded).toBeLessThan(importable.length);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    expect((await post('/sync/orders', { resume: true })).body.resumedFrom).toBe(started.body.jobId);
    const report = await waitForRun(stack.service.url, 'orders');
    expect(report.counts).toEqual({
      read: orders.length,
      succeeded: importable.length,
      failed: 0,
      skipped: orders.length - importable.length,
    });
    expect((await summary()).events.byMetric).toEqual(EXPECTED);
  });

  it('Klaviyo 429s and 5xx on bulk events lose nothing', async () => {
    await reset();
    await fault([
      { target: 'bulk_create_events', kind: 'status', status: 429, count: 3, retryAfterSeconds: 1 },
      { target: 'bulk_create_events', kind: 'status', status: 500, probability: 0.25 },
    ]);
    await post('/sync/orders');
    const report = await waitForRun(stack.service.url, 'orders', 120_000);
    expect(report.counts.succeeded).toBe(importable.length);
    expect((await summary()).events.byMetric).toEqual(EXPECTED);
  });
});
