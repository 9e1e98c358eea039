import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { addFaults, clearFaults } from '../helpers/faults.ts';
import { request, waitFor } from '../helpers/http.ts';
import { KLAVIYO_KEY, type Stack, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * Delta imports: after a full import, `{"delta": true}` imports exactly what changed since the last completed run
 * (paged on lastModifiedAt and id), `{"modifiedSince": …}` what changed since a given instant; a delta that
 * finds nothing reads about one page per type and writes nothing; what changes during a delta lands in the
 * next; a stopped delta resumes exactly; orders count as changed when their payments are.
 */
type R = Record<string, any>;
const data = [...generateDataset({ size: 'small' })];
const of = (typeId: string) => data.filter((r) => r.typeId === typeId).map((r) => r.resource as R);
const customers = of('customer');
const orders = of('order');
const categories = of('category');
let stack: Stack;

beforeAll(async () => {
  // Profile jobs of 100, so that a delta of a few hundred customers has batches to stop between; no overlap
  // (one clock here), so that a delta right after another reads exactly what changed in between.
  stack = await startStack({
    ct: { dataset: 'small' },
    env: {
      PROFILE_BATCH_SIZE: '100',
      DELTA_OVERLAP_SECONDS: '0',
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
    },
  });
}, 60_000);
afterAll(async () => stack.close());

const post = (path: string, body: unknown = {}) =>
  request<any>('POST', `${stack.service.url}${path}`, { headers: { 'content-type': 'application/json' }, body });
async function run(type: string, body: unknown = {}): Promise<R> {
  const started = await post(`/sync/${type}`, body);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const report = await waitForRun(stack.service.url, type, 120_000);
  expect(report.status).toBe('completed');
  return report;
}
const ctRequests = async () =>
  (await request<R>('GET', `${stack.ct.url}/__emulator/requests`)).body.byResource as Record<string, number>;
const klaviyoLog = async () => (await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests?limit=1`)).body;
const writes = (log: R) =>
  Object.entries(log.byOperation as Record<string, { count: number }>)
    .filter(([op]) => !/^get_/.test(op))
    .reduce((n, [, v]) => n + v.count, 0);
const diff = (after: Record<string, number>, before: Record<string, number>, key: string) =>
  (after[key] ?? 0) - (before[key] ?? 0);
const profiles = async () =>
  new Map(
    (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body
      .filter((p) => p.external_id)
      .map((p) => [p.external_id as string, p]),
  );

/** Changes a stored record as commercetools would: new version, lastModifiedAt now. */
async function touch(typeId: string, id: string, change: (r: R) => R): Promise<R> {
  const stored = (await stack.ct.storage.get('demo', typeId as never, id)) as unknown as R;
  // A few ms in the past: a delta started in the same millisecond would leave it to the next one (its window ends
  // before the instant the run starts), which is right but not what these tests look at.
  const next = {
    ...change(stored),
    id,
    version: stored.version + 1,
    lastModifiedAt: new Date(Date.now() - 5).toISOString(),
  };
  stack.ct.storage.put('demo', typeId, next as never);
  return next;
}

describe('delta imports', () => {
  it('refuses a delta before any completed run, and deltas combined with ids or windows', async () => {
    const none = await post('/sync/customers', { delta: true });
    expect(none.status).toBe(400);
    expect(none.body.message).toMatch(/no completed customers import to take a delta from/);
    const both = await post('/sync/customers', { delta: true, ids: [customers[0].id] });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/cannot be combined with 'ids'/);
    const bad = await post('/sync/orders', { modifiedSince: '2024-02-30T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/'modifiedSince' must be an ISO 8601 date/);
  });

  it('after a full import, a delta imports exactly the customers modified since; nothing changed: one read, no writes', async () => {
    const full = await run('customers');
    expect(full.counts.read).toBe(customers.length);
    const changed = customers.filter((_c, i) => i % 97 === 5);
    for (const c of changed) await touch('customer', c.id, (r) => ({ ...r, firstName: `Delta ${c.id.slice(0, 4)}` }));
    const before = await klaviyoLog();
    const delta = await run('customers', { delta: true });
    expect(delta.options.modifiedSince).toBe(full.options.asOf);
    expect(delta.counts).toMatchObject({ read: changed.length, succeeded: changed.length, failed: 0 });
    const after = await klaviyoLog();
    expect(after.byOperation.bulk_import_profiles.count - before.byOperation.bulk_import_profiles.count).toBe(1);
    const byId = await profiles();
    for (const c of changed) expect(byId.get(c.id)?.first_name).toBe(`Delta ${c.id.slice(0, 4)}`);

    // Nothing changed since: one commercetools page read, nothing written to Klaviyo.
    const ctBefore = await ctRequests();
    const klBefore = await klaviyoLog();
    const empty = await run('customers', { delta: true });
    expect(empty.counts).toMatchObject({ read: 0, succeeded: 0 });
    expect(diff(await ctRequests(), ctBefore, 'GET customers')).toBe(1);
    expect(writes(await klaviyoLog()) - writes(klBefore)).toBe(0);
  }, 120_000);

  it('modifiedSince imports the records modified at or after that instant', async () => {
    const since = '2024-06-01T00:00:00.000Z';
    const expected = (await stack.ct.storage.all('demo', 'customer')) as unknown as R[];
    const wanted = expected.filter((c) => c.lastModifiedAt >= since);
    expect(wanted.length).toBeGreaterThan(0);
    expect(wanted.length).toBeLessThan(expected.length);
    const report = await run('customers', { modifiedSince: since, dryRun: true });
    expect(report.counts.read).toBe(wanted.length);
    // A delta from an instant after the high-water mark does not move it (what lies between would be lost).
    const mark = (await run('customers', { delta: true, dryRun: true })).options.modifiedSince;
    await run('customers', { modifiedSince: new Date().toISOString() });
    expect((await run('customers', { delta: true, dryRun: true })).options.modifiedSince).toBe(mark);
  });

  it('what changes while a delta runs lands in the next one; a stopped delta resumes exactly', async () => {
    const changed = customers.slice(0, 450);
    for (const c of changed) await touch('customer', c.id, (r) => ({ ...r, lastName: 'Changed' }));
    // Klaviyo answers slowly: the run can be stopped between batches, and a change can land meanwhile.
    await addFaults(stack.klaviyo.url, { target: 'bulk_import_profiles', kind: 'slow', delayMs: 400, count: 100_000 });
    expect((await post('/sync/customers', { delta: true })).status).toBe(202);
    await waitFor(
      async () => {
        const r = (await request<R>('GET', `${stack.service.url}/sync/customers`)).body;
        return r.counts.succeeded >= 100 ? r : undefined;
      },
      30_000,
      'the delta to write a batch',
    );
    const late = customers[600];
    await touch('customer', late.id, (r) => ({ ...r, lastName: 'Late' }));
    const stopped = (await post('/sync/customers/stop')).body;
    expect(stopped.status).toBe('stopped');
    expect(stopped.counts.read).toBeLessThan(changed.length);
    // The cursor of a delta is the last record's lastModifiedAt and id.
    expect(stopped.cursor).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z [0-9a-f-]{36}$/);
    await clearFaults([stack.klaviyo.url]);
    const resumed = await run('customers', { resume: true });
    expect(resumed.counts).toMatchObject({ read: changed.length, succeeded: changed.length });
    expect(resumed.options.modifiedSince).toBe(stopped.options.modifiedSince);
    // The change made during the run is after its end (asOf): the next delta has it.
    const next = await run('customers', { delta: true });
    expect(next.counts.read).toBe(1);
    expect((await profiles()).get(late.id)?.last_name).toBe('Late');
  }, 120_000);

  it('orders: an order whose payment changed (a refund) counts as changed; nothing changed: a read of orders and of payments', async () => {
    const full = await run('orders');
    expect(full.counts.read).toBe(orders.length);
    const withPayment = orders.find((o) => o.customerId && o.paymentInfo?.payments?.length) as R;
    const paymentId = withPayment.paymentInfo.payments[0].id as string;
    const refundsBefore = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Refunded%20Order`)
    ).body.length;
    await touch('payment', paymentId, (p) => ({
      ...p,
      transactions: [
        ...p.transactions,
        {
          id: '0e0e0e0e-0000-4000-8000-000000000001',
          type: 'Refund',
          state: 'Success',
          timestamp: new Date().toISOString(),
          amount: { ...p.amountPlanned, centAmount: 100 },
        },
      ],
    }));
    const touched = orders.filter((o) => !o.paymentInfo?.payments?.some((p: R) => p.id === paymentId)).slice(0, 3);
    for (const o of touched) await touch('order', o.id, (r) => r);
    const delta = await run('orders', { delta: true });
    expect(delta.counts.read).toBe(touched.length + 1);
    const refunds = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Refunded%20Order`)
    ).body;
    expect(refunds.length).toBe(refundsBefore + 1);
    expect(refunds.map((e) => e.unique_id)).toContain('0e0e0e0e-0000-4000-8000-000000000001');

    const ctBefore = await ctRequests();
    const klBefore = await klaviyoLog();
    const empty = await run('orders', { delta: true });
    expect(empty.counts.read).toBe(0);
    const ctAfter = await ctRequests();
    expect([diff(ctAfter, ctBefore, 'GET orders'), diff(ctAfter, ctBefore, 'GET payments')]).toEqual([1, 1]);
    expect(diff(ctAfter, ctBefore, 'GET categories')).toBe(0);
    const klAfter = await klaviyoLog();
    expect(writes(klAfter) - writes(klBefore), JSON.stringify(klAfter.byOperation)).toBe(0);
  }, 180_000);

  it('categories: a renamed category and every category below it; products: nothing changed is one read', async () => {
    await run('categories');
    const parent = categories.find((c) => !c.parent && categories.some((x) => x.parent?.id === c.id)) as R;
    const below = categories.filter((c) => c.ancestors.some((a: R) => a.id === parent.id));
    expect(below.length).toBeGreaterThan(0);
    await touch('category', parent.id, (c) => ({ ...c, name: { ...c.name, en: 'Renamed' } }));
    const delta = await run('categories', { delta: true });
    expect(delta.counts.read).toBe(below.length + 1);
    const names = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/catalog/categories?key=${KLAVIYO_KEY}`)
    ).body.map((c) => String(c.name ?? c.attributes?.name));
    expect(names.some((n) => n.startsWith('Renamed'))).toBe(true);

    await run('products');
    const ctBefore = await ctRequests();
    const empty = await run('products', { delta: true });
    expect(empty.counts.read).toBe(0);
    const ctAfter = await ctRequests();
    expect(diff(ctAfter, ctBefore, 'GET products')).toBe(1);
    expect(diff(ctAfter, ctBefore, 'GET categories')).toBe(0);
  }, 180_000);

  it('a day of changes (renames, emails moved to a guest’s, deletions): the delta reads exactly the changed customers', async () => {
    const changes = (
      await request<R>('POST', `${stack.ct.url}/__emulator/changes`, {
        headers: { 'content-type': 'application/json' },
        body: { customers: 20, emailMoves: 3, deletions: 4, seed: 11 },
      })
    ).body;
    const report = await run('customers', { delta: true });
    // Renamed and moved customers are read; deleted ones are gone. A moved email is a guest's profile already
    // (the orders import made it): an identity conflict, failed with both profiles named (IDENTITY_CONFLICT=fail).
    expect(report.counts).toMatchObject({ read: 23, succeeded: 20, failed: 3 });
    const failed = (await fetch(`${stack.service.url}/sync/customers/failures`).then((r) => r.text()))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as R)
      .filter((f) => f.outcome === 'failed');
    expect(failed.map((f) => f.id).sort()).toEqual(changes.emailMoves.map((m: R) => m.customerId).sort());
    expect(failed.every((f) => f.code === 'duplicate_profile')).toBe(true);
    // What failed is read again by the next delta (here it fails again: the conflict is still there).
    const next = await run('customers', { delta: true });
    expect(next.options.retryIds.sort()).toEqual(failed.map((f) => f.id).sort());
    expect(next.counts).toMatchObject({ read: 3, failed: 3 });
  }, 120_000);

  it('POST /job runs deltas of the configured types when asked', async () => {
    const c = customers[900];
    await touch('customer', c.id, (r) => ({ ...r, firstName: 'Scheduled' }));
    const job = await post('/job', { delta: true });
    expect(job.status).toBe(202);
    expect(job.body.mode).toBe('delta');
    await waitFor(
      async () => ((await profiles()).get(c.id)?.first_name === 'Scheduled' ? true : undefined),
      60_000,
      'the scheduled delta',
    );
    for (const type of ['categories', 'products', 'customers', 'orders']) {
      const r = await waitForRun(stack.service.url, type, 60_000);
      expect(r.options.delta, type).toBe(true);
    }
  }, 120_000);
});
