import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectedOutcome } from '../helpers/expected.ts';
import { request, waitFor } from '../helpers/http.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import {
  emulatorProfiles,
  KLAVIYO_KEY,
  type Stack,
  serviceEnv,
  specViolations,
  startStack,
  waitForRun,
} from '../helpers/stack.ts';

/**
 * Klaviyo's bulk jobs take real time (its help pages speak of minutes to hours). Here every job takes 2 s: the
 * imports keep many jobs in flight, a stop with jobs in flight records them, and the resume finishes them by
 * polling — each job is sent once, and each record lands exactly once.
 */
type R = Record<string, any>;
const small = expectedOutcome('small');
const JOB_MS = 2000;
const env = {
  PROFILE_BATCH_SIZE: '100',
  PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
  PREFERRED_CURRENCY: 'EUR',
  BULK_JOBS_IN_FLIGHT: '20',
};
let stack: Stack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ ct: { dataset: 'small' }, klaviyo: { jobs: { durationMs: JOB_MS } }, env });
});
afterAll(async () => stack.close());
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});

const post = (url: string, path: string, body: unknown = {}) =>
  request<R>('POST', `${url}${path}`, { headers: { 'content-type': 'application/json' }, body });
const status = async (url: string, type: string) => (await request<R>('GET', `${url}/sync/${type}`)).body;
const requestsOf = async (operation: string): Promise<number> =>
  (await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests`)).body.byOperation[operation]?.count ?? 0;

describe('customers, with 2 s profile import jobs', () => {
  it('a stop with jobs in flight records them; the resume polls them, sends none twice, and lands every profile once', async () => {
    const url = stack.service.url;
    expect((await post(url, '/sync/customers')).status).toBe(202);
    const busy = await waitFor(
      async () => {
        const s = await status(url, 'customers');
        return s.jobsInFlight >= 4 ? s : undefined;
      },
      30_000,
      'several jobs in flight',
    );
    expect(busy.recordsUnconfirmed).toBeGreaterThanOrEqual(busy.jobsInFlight * 100);
    const stopped = (await post(url, '/sync/customers/stop')).body;
    expect(stopped.status).toBe('stopped');
    const held = (stopped.inFlight ?? []).filter((s: R) => !s.isDone);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((s: R) => s.jobs.length === 1 && s.jobs[0].kind === 'profile-import')).toBe(true);
    expect(stopped.counts.read).toBe(stopped.counts.succeeded + stopped.counts.failed + stopped.counts.skipped);

    expect((await post(url, '/sync/customers', { resume: true })).status).toBe(202);
    const done = await waitForRun(url, 'customers', 60_000);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 1000, succeeded: 1000, failed: 0, skipped: 0 } });
    expect(done.inFlight).toBeUndefined();
    // 1,000 customers in jobs of 100: ten jobs, none sent again by the resume.
    expect(await requestsOf('bulk_import_profiles')).toBe(10);
    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(new Set(profiles.map((p) => p.external_id)).size).toBe(1000);
    expect(profiles).toHaveLength(1000);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });

  it('a process killed with jobs in flight: the next one finishes its jobs from the checkpoint', async () => {
    const processEnv = serviceEnv(stack.ct, stack.klaviyo.url, { ...env, LOCK_TTL_SECONDS: '2' });
    const { url, child } = await startServiceProcess(processEnv, children);
    expect((await post(url, '/sync/customers')).status).toBe(202);
    // Killed once the checkpoint in commercetools records jobs in flight (read by the other instance).
    await waitFor(
      async () => {
        const s = await status(stack.service.url, 'customers');
        return (s.inFlight ?? []).some((x: R) => x.jobs) ? s : undefined;
      },
      30_000,
      'the checkpoint to record jobs in flight',
    );
    child.kill('SIGKILL');
    const interrupted = await waitFor(
      async () => {
        const s = await status(stack.service.url, 'customers');
        return s.status === 'interrupted' ? s : undefined;
      },
      30_000,
      'the dead holder’s lease to expire',
    );
    const sentBefore = await requestsOf('bulk_import_profiles');
    const recorded = interrupted.inFlight.filter((x: R) => x.jobs).length;
    expect((await post(stack.service.url, '/sync/customers', { resume: true })).status).toBe(202);
    const done = await waitForRun(stack.service.url, 'customers', 60_000);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 1000, succeeded: 1000, failed: 0, skipped: 0 } });
    // The recorded jobs were polled, not sent again: at most the batches the checkpoint had not recorded are new.
    expect(await requestsOf('bulk_import_profiles')).toBeLessThanOrEqual(sentBefore + 10 - recorded);
    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(new Set(profiles.map((p) => p.external_id)).size).toBe(1000);
    expect(profiles).toHaveLength(1000);
  });
});

describe('the catalog, with 2 s catalog jobs', () => {
  const inspect = async (what: string) =>
    (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/catalog/${what}?key=${KLAVIYO_KEY}`)).body;

  it('categories and products land whole; a products stop with variant jobs in flight records them, and the resume polls them and lands each item once', async () => {
    const url = stack.service.url;
    expect((await post(url, '/sync/categories')).status).toBe(202);
    const categories = await waitForRun(url, 'categories', 60_000);
    expect(categories).toMatchObject({
      status: 'completed',
      counts: { succeeded: small.categories.length, failed: 0 },
    });

    expect((await post(url, '/sync/products')).status).toBe(202);
    // Stopped once batches have their variant jobs (the second round) in Klaviyo's hands.
    await waitFor(
      async () => ((await status(url, 'products')).jobsInFlight > 0 ? true : undefined),
      60_000,
      'variant jobs in flight',
    );
    const stopped = (await post(url, '/sync/products/stop')).body;
    expect(stopped.status).toBe('stopped');
    const held = (stopped.inFlight ?? []).filter((s: R) => !s.isDone);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((s: R) => s.jobs.every((j: R) => j.kind.startsWith('catalog:variant:')))).toBe(true);
    expect(held.every((s: R) => s.unconfirmed > 0)).toBe(true);
    expect((await post(url, '/sync/products', { resume: true })).status).toBe(202);
    const products = await waitForRun(url, 'products', 120_000);
    expect(products.status).toBe('completed');
    expect(products.counts).toMatchObject({ succeeded: small.withImage.length, failed: 0 });
    expect(products.counts.read).toBe(products.counts.succeeded + products.counts.skipped);
    // Nothing was sent twice: a batch sent again would find its items (and variants) and update them.
    expect(await requestsOf('bulk_update_catalog_items')).toBe(0);
    expect(await requestsOf('bulk_update_catalog_variants')).toBe(0);

    const items = await inspect('items');
    expect(items).toHaveLength(small.withImage.length);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(await inspect('variants')).toHaveLength(small.variants.length);
    expect(await inspect('categories')).toHaveLength(small.categories.length);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});
