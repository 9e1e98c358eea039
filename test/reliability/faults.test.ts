import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectConsentCounts, expectConsentLanded } from '../helpers/consent.ts';
import { CONSENT_ENV, CONSENT_LIST_ID, expectedOutcome } from '../helpers/expected.ts';
import { addFaults, clearFaults } from '../helpers/faults.ts';
import { request } from '../helpers/http.ts';
import { emulatorProfiles, KLAVIYO_KEY, type Stack, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * The fault matrix: frequent faults on both sides at once (429 storms, 5xx, slow answers, dropped connections
 * and answers lost after the write took effect), for every type. Every record still lands exactly once, and
 * the rate limiter honours Retry-After without a thundering herd.
 */
type R = Record<string, any>;
interface LogEntry {
  at: string;
  operationId: string | null;
  status: number;
  durationMs: number;
  fault?: string;
}
let stack: Stack;
const small = expectedOutcome('small');
const injected: Record<string, number> = {};

const kl = async (path: string): Promise<R[]> =>
  (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/${path}?key=${KLAVIYO_KEY}`)).body;
const requestLog = async (): Promise<{
  byOperation: Record<string, { byStatus: Record<string, number> }>;
  recent: LogEntry[];
}> => (await request<any>('GET', `${stack.klaviyo.url}/__emulator/requests?limit=5000`)).body;

async function runToCompletion(type: string, body: unknown = {}): Promise<R> {
  const started = await request<R>('POST', `${stack.service.url}/sync/${type}`, {
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(started.status).toBe(202);
  const report = await waitForRun(stack.service.url, type, 180_000);
  expect(report.status, JSON.stringify(report.error)).toBe('completed');
  return report;
}

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small', faultSeed: 3 },
    klaviyo: { faultSeed: 5, lists: [{ id: CONSENT_LIST_ID, name: 'Newsletter' }] },
    service: { profileBatchSize: 200 },
    // Customers' consent is synced too: no subscription lost or made twice under the faults.
    env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}', LOCK_TTL_SECONDS: '30', ...CONSENT_ENV },
  });
});
afterAll(async () => {
  // The figures of this run, for the README's Reliability section.
  console.info(`faults injected: ${JSON.stringify(injected)}`);
  await stack.close();
});
afterEach(() => clearFaults([stack.klaviyo.url, stack.ct.url], injected));

describe('fault matrix', () => {
  it('customers and orders: commercetools 429/502/503/slow/lost answers and Klaviyo 429/500/503/slow/drop/lost answers together lose and duplicate nothing', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset?key=${KLAVIYO_KEY}`);
    await addFaults(stack.ct.url, [
      { target: 'customers', kind: 'status', status: 429, probability: 0.15, retryAfterSeconds: 1 },
      { target: 'orders', kind: 'status', status: 502, probability: 0.3 },
      { target: 'products', kind: 'status', status: 503, probability: 0.15 },
      // The lease and checkpoint writes: a lost answer must not make the service think another holder won.
      { target: 'custom-objects', kind: 'lose-response', probability: 0.1 },
      { target: 'custom-objects', kind: 'status', status: 503, probability: 0.1 },
      { target: '*', kind: 'slow', delayMs: 30, probability: 0.2 },
    ]);
    await addFaults(stack.klaviyo.url, [
      { target: 'bulk_import_profiles', kind: 'status', status: 429, probability: 0.2, retryAfterSeconds: 1 },
      { target: 'bulk_import_profiles', kind: 'lose-response', probability: 0.1 },
      { target: 'get_bulk_import_profiles_job', kind: 'status', status: 503, probability: 0.2 },
      { target: 'bulk_create_events', kind: 'status', status: 500, probability: 0.2 },
      { target: 'bulk_create_events', kind: 'drop', probability: 0.05 },
      { target: 'bulk_create_events', kind: 'lose-response', probability: 0.1 },
      // The consent calls are few (a dozen per run): some faults fire for sure, the rest at random.
      { target: 'get_profiles', kind: 'status', status: 503, count: 2 },
      { target: 'get_profiles', kind: 'status', status: 503, probability: 0.2 },
      { target: 'get_profiles', kind: 'status', status: 429, probability: 0.1, retryAfterSeconds: 1 },
      { target: 'bulk_subscribe_profiles', kind: 'status', status: 500, count: 1 },
      { target: 'bulk_subscribe_profiles', kind: 'lose-response', count: 1 },
      { target: 'bulk_subscribe_profiles', kind: 'status', status: 500, probability: 0.2 },
      { target: 'bulk_subscribe_profiles', kind: 'lose-response', probability: 0.15 },
      { target: 'add_profiles_to_list', kind: 'status', status: 503, probability: 0.2 },
      { target: '*', kind: 'slow', delayMs: 50, probability: 0.1 },
    ]);
    const customers = await runToCompletion('customers');
    const { consent, ...counts } = customers.counts;
    expect(counts).toEqual({
      read: small.customers.length,
      succeeded: small.customers.length,
      failed: 0,
      skipped: 0,
    });
    expectConsentCounts(customers.counts, small.consent);
    expect(consent.email.subscribed).toBe(small.consent.email.size);
    const orders = await runToCompletion('orders');
    expect(orders.counts).toEqual({
      read: small.orders.length,
      succeeded: small.importable.length,
      failed: 0,
      skipped: small.orders.length - small.importable.length,
    });

    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(new Set(profiles.filter((p) => p.external_id).map((p) => p.external_id))).toEqual(
      new Set(small.customers.map((c) => c.id)),
    );
    expect(((await kl('summary')) as unknown as R).events.byMetric).toEqual(small.metrics);
    await expectConsentLanded(stack.klaviyo.url, small.consent);
    const log = await requestLog();
    expect(log.byOperation.bulk_subscribe_profiles.byStatus['500']).toBeGreaterThan(0);
    expect(log.byOperation.get_profiles.byStatus['503']).toBeGreaterThan(0);
    expect(log.byOperation.bulk_create_events.byStatus['500']).toBeGreaterThan(0);
    expect(log.byOperation.bulk_create_events.byStatus['0']).toBeGreaterThan(0);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  }, 180_000);

  it('categories and products: commercetools 429/502/503/slow and Klaviyo 500/503/slow/drop/lost answers on catalog jobs lose and duplicate nothing', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset?key=${KLAVIYO_KEY}`);
    await addFaults(stack.ct.url, [
      { target: 'categories', kind: 'status', status: 429, probability: 0.2, retryAfterSeconds: 1 },
      { target: 'products', kind: 'status', status: 502, probability: 0.4 },
      { target: 'custom-objects', kind: 'status', status: 503, probability: 0.1 },
      { target: 'custom-objects', kind: 'lose-response', probability: 0.1 },
      { target: '*', kind: 'slow', delayMs: 30, probability: 0.2 },
    ]);
    await addFaults(stack.klaviyo.url, [
      { target: 'get_catalog_categories', kind: 'status', status: 503, probability: 0.2 },
      { target: 'bulk_create_catalog_categories', kind: 'lose-response', probability: 0.3 },
      { target: 'bulk_create_catalog_items', kind: 'status', status: 500, probability: 0.2 },
      { target: 'bulk_create_catalog_items', kind: 'lose-response', probability: 0.15 },
      { target: 'bulk_create_catalog_variants', kind: 'drop', probability: 0.1 },
      { target: 'bulk_create_catalog_variants', kind: 'lose-response', probability: 0.15 },
      { target: 'get_bulk_create_variants_job', kind: 'status', status: 503, probability: 0.2 },
      {
        target: 'get_bulk_create_catalog_items_job',
        kind: 'status',
        status: 429,
        probability: 0.2,
        retryAfterSeconds: 1,
      },
      { target: '*', kind: 'slow', delayMs: 50, probability: 0.1 },
    ]);
    const categories = await runToCompletion('categories');
    expect(categories.counts).toEqual({
      read: small.categories.length,
      succeeded: small.categories.length,
      failed: 0,
      skipped: 0,
    });
    const products = await runToCompletion('products');
    expect(products.counts).toEqual({
      read: small.published.length,
      succeeded: small.withImage.length,
      failed: 0,
      skipped: small.published.length - small.withImage.length,
    });

    const [kCategories, items, variants] = await Promise.all([
      kl('catalog/categories'),
      kl('catalog/items'),
      kl('catalog/variants'),
    ]);
    expect(new Set(kCategories.map((c) => c.external_id))).toEqual(new Set(small.categories.map((c) => c.id)));
    expect(kCategories).toHaveLength(small.categories.length);
    expect(new Set(items.map((i) => i.external_id))).toEqual(new Set(small.withImage.map((p) => p.id)));
    expect(items).toHaveLength(small.withImage.length);
    expect(new Set(variants.map((v) => v.sku))).toEqual(new Set(small.variants.map((v) => v.sku)));
    expect(variants).toHaveLength(small.variants.length);
    // Answers were lost after catalog jobs had been created: the retried creates found the resources there.
    const log = await requestLog();
    const lost = ['bulk_create_catalog_categories', 'bulk_create_catalog_items', 'bulk_create_catalog_variants'].reduce(
      (n, op) => n + (log.byOperation[op]?.byStatus['0'] ?? 0),
      0,
    );
    expect(lost).toBeGreaterThan(0);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });

  it('a 429 storm: every request of the operation waits out Retry-After, and none trips the real limit afterwards', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    const STORM = 12;
    const RETRY_AFTER_S = 2;
    await addFaults(stack.klaviyo.url, [
      { target: 'bulk_create_events', kind: 'status', status: 429, count: STORM, retryAfterSeconds: RETRY_AFTER_S },
    ]);
    const report = await runToCompletion('orders');
    injected['status:429'] = (injected['status:429'] ?? 0) + STORM;
    expect(report.counts.succeeded).toBe(small.importable.length);
    expect(((await kl('summary')) as unknown as R).events.byMetric).toEqual(small.metrics);

    const all = (await requestLog()).recent;
    const entries = all.filter((e) => e.operationId === 'bulk_create_events');
    const storm = entries.filter((e) => e.fault === 'status:429');
    expect(storm).toHaveLength(STORM);
    // No request the emulator's own limiter refused: the service's pacing held after the storm.
    expect(entries.filter((e) => e.status === 429 && !e.fault)).toEqual([]);
    // After each 429 arrived, no new request of the operation started until its Retry-After had passed. The
    // emulator handles one request at a time, so a request it took up the moment it finished another may have
    // been sent earlier (while the 429 was on its way): only a request it took up while idle proves a send, and
    // only well after the 429 left (on a loaded machine a request sent just before it arrived is read late).
    const start = (e: LogEntry) => Date.parse(e.at);
    const tookUpWhileIdle = (r: LogEntry) =>
      !all.some((e) => e !== r && start(e) <= start(r) && start(e) + e.durationMs >= start(r) - 5);
    for (const s of storm) {
      const answered = start(s) + s.durationMs;
      const early = entries.filter(
        (e) => start(e) > answered + 300 && start(e) < answered + RETRY_AFTER_S * 1000 - 50 && tookUpWhileIdle(e),
      );
      expect(
        early,
        `requests sent within Retry-After of the 429 answered at ${new Date(answered).toISOString()}`,
      ).toEqual([]);
    }
  });
});
