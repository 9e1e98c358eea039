import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, TWO_STORES } from '../../emulators/data/generate.ts';
import { addFaults, clearFaults } from '../helpers/faults.ts';
import { request, waitFor } from '../helpers/http.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { type Stack, serviceEnv, startStack } from '../helpers/stack.ts';

/**
 * Several stores in separate processes: each store's orders imported by its own service process (as
 * `ct-klaviyo sync orders --store …` in separate containers); one process is SIGKILLed mid-run while the other
 * goes on; the other completes untouched, and a new process resumes the killed store's run from its own
 * checkpoint. Every order lands in its store's account exactly once.
 */
type R = Record<string, any>;
const KEYS: Record<string, string> = { 'de-shop': 'pk_crash_store_de', 'us-shop': 'pk_crash_store_us' };
const orders = [...generateDataset({ size: 'small', stores: TWO_STORES })]
  .filter((r) => r.typeId === 'order')
  .map((r) => r.resource as R);
const importable = (store: string) =>
  orders.filter((o) => o.store?.key === store && (o.customerId || o.customerEmail)).map((o) => o.id as string);
const children: ChildProcess[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ ct: { dataset: 'small', stores: TWO_STORES } });
}, 60_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stack.close();
});

const env = () =>
  serviceEnv(stack.ct, stack.klaviyo.url, {
    LOCK_TTL_SECONDS: '2',
    BULK_JOBS_IN_FLIGHT: '2',
    STORE_ROUTES: JSON.stringify(
      TWO_STORES.map((s) => ({ store: s.key, klaviyoAuthKey: KEYS[s.key], locale: s.locale, currency: s.currency })),
    ),
  });
const post = (url: string, path: string, body: unknown) =>
  request<R>('POST', `${url}${path}`, { headers: { 'content-type': 'application/json' }, body });
const status = async (url: string, store: string) =>
  (await request<R>('GET', `${url}/sync/orders?store=${store}`)).body;
const processed = (r: R) => r.counts.succeeded + r.counts.failed + r.counts.skipped;

describe('several stores in separate processes', () => {
  it('a SIGKILL of one store’s process leaves the other’s run alone; a new process resumes it exactly', async () => {
    // Slow writes, so the kill lands mid-run.
    await addFaults(stack.klaviyo.url, { target: 'bulk_create_events', kind: 'slow', delayMs: 800, count: 100_000 });
    const [de, us] = await Promise.all([startServiceProcess(env(), children), startServiceProcess(env(), children)]);
    expect((await post(de.url, '/sync/orders', { store: 'de-shop' })).status).toBe(202);
    expect((await post(us.url, '/sync/orders', { store: 'us-shop' })).status).toBe(202);
    const total = orders.filter((o) => o.store?.key === 'de-shop').length;
    await waitFor(
      async () => (processed(await status(de.url, 'de-shop')) > 0 ? true : undefined),
      60_000,
      'the de-shop run to make progress',
    );
    de.child.kill('SIGKILL');
    const killedAt = processed(await status(us.url, 'de-shop'));
    expect(killedAt).toBeLessThan(total);
    // The other store's run goes on in its own process and completes.
    await clearFaults([stack.klaviyo.url]);
    const usDone = await waitFor(
      async () => {
        const r = await status(us.url, 'us-shop');
        return r.status !== 'running' ? r : undefined;
      },
      120_000,
      'the us-shop run to end',
    );
    expect(usDone.status).toBe('completed');
    expect(usDone.resumedFrom).toBeUndefined();
    // A new process resumes the killed run once its lease has expired.
    const next = await startServiceProcess(env(), children);
    await waitFor(
      async () => ((await status(next.url, 'de-shop')).status === 'interrupted' ? true : undefined),
      30_000,
      'the dead holder’s lease to expire',
    );
    const resumed = await post(next.url, '/sync/orders', { store: 'de-shop', resume: true });
    expect(resumed.status).toBe(202);
    const deDone = await waitFor(
      async () => {
        const r = await status(next.url, 'de-shop');
        return r.status !== 'running' ? r : undefined;
      },
      120_000,
      'the resumed de-shop run to end',
    );
    expect(deDone.status).toBe('completed');
    expect(deDone.counts.read).toBe(total);
    for (const store of ['de-shop', 'us-shop']) {
      const placed = (
        await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KEYS[store]}&metric=Placed%20Order`)
      ).body.map((e) => e.unique_id as string);
      expect(placed.length, store).toBe(new Set(placed).size);
      expect(placed.sort(), store).toEqual(importable(store).sort());
    }
  }, 240_000);
});
