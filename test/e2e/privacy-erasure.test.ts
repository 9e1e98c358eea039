import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { klaviyoInspector } from '../helpers/klaviyo-inspect.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * Erasure (GDPR art. 17): POST /privacy/erase deletes the person's Klaviyo profiles and records the erasure in
 * commercetools (digests, never the email), so later imports and real-time changes skip the person; an unknown
 * person is a no-op; REALTIME_CUSTOMER_DELETED=erase erases a deleted customer.
 */
type R = Record<string, any>;
const TOKEN = 'erasure-push-token-0123456789';
const data = [...generateDataset({ size: 'small' })];
const customers = data.filter((r) => r.typeId === 'customer').map((r) => r.resource as R);
const orders = data.filter((r) => r.typeId === 'order').map((r) => r.resource as R);
const ordersOf = (customerId: string) => orders.filter((o) => o.customerId === customerId);
let stack: Stack;
let klaviyo: ReturnType<typeof klaviyoInspector>;

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    env: { PUSH_AUTH_TOKEN: TOKEN, REALTIME_CUSTOMER_DELETED: 'erase' },
  });
  klaviyo = klaviyoInspector(stack.klaviyo.url, KLAVIYO_KEY);
}, 60_000);
afterAll(async () => stack.close());

const post = (path: string, body: unknown = {}) =>
  request<any>('POST', `${stack.service.url}${path}`, { headers: { 'content-type': 'application/json' }, body });
async function importAll(): Promise<Record<string, R>> {
  const reports: Record<string, R> = {};
  for (const type of ['customers', 'orders']) {
    expect((await post(`/sync/${type}`)).status).toBe(202);
    reports[type] = await waitForRun(stack.service.url, type, 120_000);
    expect(reports[type].status).toBe('completed');
  }
  return reports;
}
const failures = async (type: string) =>
  (await fetch(`${stack.service.url}/sync/${type}/failures`).then((r) => r.text()))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as R);
const placedOrderIds = async () =>
  new Set(
    (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`)
    ).body.map((e) => e.unique_id as string),
  );

describe('erasure', () => {
  it('answers 400 for a request that names nobody or two people, and a no-op for an unknown person', async () => {
    for (const body of [{}, { customerId: customers[0].id, email: 'a@example.com' }, { email: 'not-an-email' }]) {
      const r = await post('/privacy/erase', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const unknown = await post('/privacy/erase', { email: 'nobody-at-all@example.com' });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ status: 'not-found', profilesDeleted: [], isRecorded: false });
    expect(await klaviyo.deletions()).toEqual([]);
  });

  it('a customer erased by id loses their Klaviyo profile, and a full import does not bring them back', async () => {
    await importAll();
    const c = customers.find((x) => x.email && ordersOf(x.id).length >= 2) as R;
    const profile = (await klaviyo.profiles({ external_id: c.id }))[0];
    expect(profile).toBeDefined();
    const placed = await placedOrderIds();
    for (const o of ordersOf(c.id)) expect(placed.has(o.id)).toBe(true);

    const erased = await post('/privacy/erase', { customerId: c.id });
    expect(erased.status).toBe(202);
    expect(erased.body).toMatchObject({ status: 'erased', profilesDeleted: [profile.id], isRecorded: true });
    await klaviyo.waitForDeletions({ profile_id: profile.id });
    expect(await klaviyo.hasProfileWithEmail(c.email)).toBe(false);
    // Recorded in commercetools by digest only.
    const records = ((await stack.ct.storage.all('demo', 'key-value-document')) as unknown as R[]).filter(
      (o) => o.container === 'ct-klaviyo-erasures',
    );
    expect(records.length).toBe(2);
    expect(JSON.stringify(records)).not.toContain(c.email);
    expect(JSON.stringify(records)).not.toContain(c.id);

    const reports = await importAll();
    expect(await klaviyo.profiles({ external_id: c.id })).toEqual([]);
    expect(await klaviyo.hasProfileWithEmail(c.email)).toBe(false);
    const after = await placedOrderIds();
    for (const o of ordersOf(c.id)) expect(after.has(o.id)).toBe(false);
    // The reports say what was skipped because of the erasure.
    const skippedCustomers = (await failures('customers')).filter((f) => /erased on request/.test(f.reason));
    expect(skippedCustomers.map((f) => f.id)).toEqual([c.id]);
    const skippedOrders = (await failures('orders')).filter((f) => /erased on request/.test(f.reason));
    expect(skippedOrders.map((f) => f.id).sort()).toEqual(
      ordersOf(c.id)
        .map((o) => o.id)
        .sort(),
    );
    expect(reports.orders.counts.skipped).toBeGreaterThanOrEqual(ordersOf(c.id).length);
  }, 300_000);

  it('a guest erased by email: their profile goes, and their orders are not imported again', async () => {
    const guest = orders.find((o) => !o.customerId && o.customerEmail) as R;
    const email = String(guest.customerEmail);
    const profile = await klaviyo.profileWithEmail(email);
    expect(profile).toBeDefined();
    const erased = await post('/privacy/erase', { email: email.toUpperCase() });
    expect(erased.body).toMatchObject({ status: 'erased', profilesDeleted: [profile?.id] });
    await klaviyo.waitForDeletions({ profile_id: profile?.id });
    expect((await post('/sync/orders')).status).toBe(202);
    expect((await waitForRun(stack.service.url, 'orders', 120_000)).status).toBe('completed');
    expect(await klaviyo.hasProfileWithEmail(email)).toBe(false);
  }, 180_000);

  it('REALTIME_CUSTOMER_DELETED=erase erases a deleted customer; later notifications of their orders send nothing', async () => {
    const c = customers.find((x) => x.email && ordersOf(x.id).length >= 1 && x.id !== customers[0].id) as R;
    const profile = (await klaviyo.profiles({ external_id: c.id }))[0];
    expect(profile).toBeDefined();
    await stack.ct.storage.delete('demo', 'customer', c.id);
    const push = (body: unknown) =>
      request<any>('POST', `${stack.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: pubsub(body),
      });
    const deleted = await push(message('customer', c.id, 'CustomerDeleted'));
    expect(deleted.body).toMatchObject({ status: 'applied', detail: expect.stringMatching(/erased/) });
    await klaviyo.waitForDeletions({ profile_id: profile.id });
    expect(await klaviyo.hasProfileWithEmail(c.email)).toBe(false);
    const order = await push(message('order', ordersOf(c.id)[0].id, 'OrderCreated'));
    expect(order.body).toMatchObject({ status: 'ignored', detail: expect.stringMatching(/erased on request/) });
    expect(await klaviyo.hasProfileWithEmail(c.email)).toBe(false);
  }, 60_000);
});
