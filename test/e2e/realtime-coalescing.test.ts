import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { request } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Real time at volume: the events of notifications arriving together share bulk events requests, each
 * notification is acknowledged only once the request carrying its events is accepted, a bad order fails alone,
 * a throttled request is redelivered and lands once, and a lone notification is not held for the whole window.
 */
type R = Record<string, any>;
const TOKEN = 'coalescing-push-token-0123456789';
const data = [...generateDataset({ size: 'small' })];
const orders = data.filter((r) => r.typeId === 'order').map((r) => r.resource as R);
const importable = orders.filter((o) => o.customerId || o.customerEmail);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    // Batches close 400 ms after the last arrival (25 ms by default), so how the burst's notifications trickle in
    // on a loaded test machine does not split them.
    env: {
      PUSH_AUTH_TOKEN: TOKEN,
      REALTIME_RETRY_BUDGET_SECONDS: '1',
      REALTIME_EVENT_HOLD_MS: '5000',
      REALTIME_EVENT_IDLE_MS: '400',
    },
  });
}, 60_000);
afterAll(async () => stack.close());
beforeEach(async () => {
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});
afterEach(async () => {
  await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
});

const push = async (body: unknown) =>
  request<any>('POST', `${stack.service.url}/events/pubsub`, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: pubsub(body),
  });
const summary = async () =>
  (await request<R>('GET', `${stack.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`)).body;
const requests = async () => (await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests?limit=1`)).body;
const placed = async () =>
  (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`)).body;
const count = (log: R, op: string) => (log.byOperation[op]?.count as number | undefined) ?? 0;

describe('coalesced real-time events', () => {
  it('a burst of order notifications lands in a few bulk requests, every event exactly once', async () => {
    const burst = importable.slice(0, 200);
    // Klaviyo takes a while to answer, as it does: arrivals meanwhile collect into the next requests.
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'bulk_create_events', kind: 'slow', delayMs: 300, count: 100_000 },
    });
    const before = await requests();
    const answers = await Promise.all(burst.map((o) => push(message('order', o.id, 'OrderCreated'))));
    expect(answers.map((a) => a.status)).toEqual(burst.map(() => 200));
    expect(answers.every((a) => a.body.status === 'applied')).toBe(true);
    const after = await requests();
    const bulk = count(after, 'bulk_create_events') - count(before, 'bulk_create_events');
    expect(count(after, 'create_event') - count(before, 'create_event')).toBe(0);
    // Two hundred notifications (about a thousand events) in a few bulk requests, not a thousand calls: how few
    // depends on how close together they arrive (each reads commercetools first), so only a bound is asserted.
    const events = (await summary()).events.total;
    expect(events).toBeGreaterThan(800);
    expect(bulk).toBeGreaterThan(0);
    expect(bulk).toBeLessThanOrEqual(burst.length / 10);
    const ids = (await placed()).map((e) => e.unique_id);
    expect(ids.sort()).toEqual(burst.map((o) => o.id).sort());
    const metrics = await fetch(`${stack.service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ctk_realtime_event_requests\{what="notifications"\} \d+/);

    // The same burst again (redeliveries): nothing new in Klaviyo.
    await Promise.all(burst.map((o) => push(message('order', o.id, 'OrderCreated'))));
    expect((await summary()).events.total).toBe(events);
  });

  it('one bad order among many is dead-lettered while the rest land', async () => {
    const burst = importable.slice(200, 260);
    const bad = burst[17];
    const stored = (await stack.ct.storage.get('demo', 'order', bad.id)) as unknown as R;
    stack.ct.storage.put('demo', 'order', {
      ...stored,
      id: bad.id,
      customerId: undefined,
      customerEmail: 'broken@@example',
    } as never);
    const answers = await Promise.all(burst.map((o) => push(message('order', o.id, 'OrderCreated'))));
    const byId = new Map(burst.map((o, i) => [o.id, answers[i].body]));
    expect(byId.get(bad.id)).toMatchObject({ status: 'dead-lettered' });
    for (const o of burst) if (o.id !== bad.id) expect(byId.get(o.id)?.status, o.id).toBe('applied');
    expect(new Set((await placed()).map((e) => e.unique_id))).toEqual(
      new Set(burst.filter((o) => o.id !== bad.id).map((o) => o.id)),
    );
    stack.ct.storage.put('demo', 'order', stored as never);
  });

  it('a throttled bulk request answers 503 for its notifications; redelivered, each event lands once', async () => {
    const burst = importable.slice(300, 340);
    // Longer than the real-time retry budget (1 s): the client gives up and the notifications are not acknowledged.
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'bulk_create_events', kind: 'status', status: 429, retryAfterSeconds: 3, count: 1000 },
    });
    const first = await Promise.all(burst.map((o) => push(message('order', o.id, 'OrderCreated'))));
    expect(first.every((a) => a.status === 503)).toBe(true);
    expect((await placed()).length).toBe(0);
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
    // Pub/Sub redelivers the same messages.
    const again = await Promise.all(burst.map((o) => push(message('order', o.id, 'OrderCreated'))));
    expect(again.every((a) => a.body.status === 'applied')).toBe(true);
    const ids = (await placed()).map((e) => e.unique_id);
    expect(ids.sort()).toEqual(burst.map((o) => o.id).sort());
  });

  it('a lone notification is not held for the whole window', async () => {
    const o = importable[400];
    const started = Date.now();
    expect((await push(message('order', o.id, 'OrderCreated'))).body.status).toBe('applied');
    // The window is 5 s; a notification alone goes after the idle wait (400 ms here).
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await placed()).map((e) => e.unique_id)).toEqual([o.id]);
  });
});
