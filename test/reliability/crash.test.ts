import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deterministicUuid } from '../../emulators/data/random.ts';
import type { FaultRule } from '../../emulators/shared/faults.ts';
import { expectConsentCounts, expectConsentLanded } from '../helpers/consent.ts';
import { type CrashChainOptions, runCrashChain } from '../helpers/crash-chain.ts';
import { CONSENT_ENV, CONSENT_LIST_ID, expectedOutcome } from '../helpers/expected.ts';
import { addFaults, clearFaults } from '../helpers/faults.ts';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { startServiceProcess } from '../helpers/service-process.ts';
import { KLAVIYO_KEY, type Stack, serviceEnv, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * Crash suite: for every type, one import is run by a chain of service processes, each SIGKILLed at a seeded
 * random point of its progress; the next waits for the dead holder's lease to expire and resumes. At the end
 * every record is in Klaviyo exactly once and the counts add up exactly.
 */
type R = Record<string, any>;
type Type = CrashChainOptions['type'];
const SEEDS = process.env.CRASH_SEEDS ? process.env.CRASH_SEEDS.split(',').map(Number) : [1, 2];
const KILLS = 2;
const EXTRA_CATEGORIES = 600;
const small = expectedOutcome('small');
const root = small.categories.find((c) => !c.parent) as R;
const extraCategories = Array.from({ length: EXTRA_CATEGORIES }, (_v, i) => ({
  ...root,
  id: deterministicUuid(4242, 'extra-category', i),
  key: `extra-${i}`,
  name: { en: `Extra ${i}`, de: `Extra ${i}` },
  slug: { en: `extra-${i}`, de: `extra-${i}` },
  parent: { typeId: 'category', id: root.id },
  ancestors: [{ typeId: 'category', id: root.id }],
  orderHint: `0.9${i}`,
}));
const categoryCount = small.categories.length + EXTRA_CATEGORIES;
// Enough products for a dozen catalog batches, so a kill can land between them.
const EXTRA_PRODUCTS = 400;
const model = small.withImage.find((p) => p.masterData.current.variants.length === 2) as R;
const extraProducts = Array.from({ length: EXTRA_PRODUCTS }, (_v, i) => {
  const copy = structuredClone(model);
  copy.id = deterministicUuid(4242, 'extra-product', i);
  copy.key = `extra-product-${i}`;
  for (const d of [copy.masterData.current, copy.masterData.staged]) {
    d.slug = { en: `extra-product-${i}`, de: `extra-produkt-${i}` };
    for (const v of [d.masterVariant, ...d.variants]) if (v.sku) v.sku = `EXTRA-${i}-${v.id}`;
  }
  return copy;
});
const extraVariants = extraProducts.reduce(
  (n, p) => n + [p.masterData.current.masterVariant, ...p.masterData.current.variants].filter((v: R) => v.sku).length,
  0,
);
const products = {
  published: small.published.length + EXTRA_PRODUCTS,
  withImage: small.withImage.length + EXTRA_PRODUCTS,
  variants: small.variants.length + extraVariants,
};

let stack: Stack;
const children: ChildProcess[] = [];
const kl = async (path: string): Promise<R[]> =>
  (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/${path}?key=${KLAVIYO_KEY}`)).body;
const liftFaults = () => clearFaults([stack.klaviyo.url, stack.ct.url]);

/** What each type must end with, and the slow answers that stretch its run so the kills land mid-run. */
const TYPES: Record<
  Type,
  {
    processed: number;
    slow: Array<[target: string, ms: number]>;
    slowCt?: string;
    counts: () => R;
    landed: () => Promise<void>;
    env?: Record<string, string>;
    /** The run syncs consent: its report's consent counts are checked too. */
    consent?: boolean;
  }
> = {
  customers: {
    processed: small.customers.length,
    slow: [['bulk_import_profiles', 150]],
    counts: () => ({ read: small.customers.length, succeeded: small.customers.length, failed: 0, skipped: 0 }),
    // With consent synced: no subscription lost or made twice across the kills.
    env: CONSENT_ENV,
    landed: async () => {
      const profiles = await kl('profiles');
      expect(profiles).toHaveLength(small.customers.length);
      expect(new Set(profiles.map((p) => p.external_id))).toEqual(new Set(small.customers.map((c) => c.id)));
      await expectConsentLanded(stack.klaviyo.url, small.consent);
    },
    consent: true,
  },
  orders: {
    processed: small.orders.length,
    slow: [['bulk_create_events', 150]],
    slowCt: 'orders',
    counts: () => ({
      read: small.orders.length,
      succeeded: small.importable.length,
      failed: 0,
      skipped: small.orders.length - small.importable.length,
    }),
    landed: async () => {
      expect(((await kl('summary')) as unknown as R).events.byMetric).toEqual(small.metrics);
      const placed = await request<R[]>(
        'GET',
        `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`,
      );
      expect(new Set(placed.body.map((e) => e.unique_id)).size).toBe(small.importable.length);
    },
  },
  categories: {
    processed: categoryCount,
    slow: [
      ['bulk_create_catalog_categories', 150],
      ['get_bulk_create_categories_job', 50],
    ],
    counts: () => ({ read: categoryCount, succeeded: categoryCount, failed: 0, skipped: 0 }),
    landed: async () => {
      const categories = await kl('catalog/categories');
      expect(categories).toHaveLength(categoryCount);
      expect(new Set(categories.map((c) => c.id)).size).toBe(categoryCount);
    },
  },
  products: {
    processed: products.published,
    slow: [
      ['bulk_create_catalog_items', 150],
      ['bulk_create_catalog_variants', 150],
    ],
    counts: () => ({
      read: products.published,
      succeeded: products.withImage,
      failed: 0,
      skipped: products.published - products.withImage,
    }),
    landed: async () => {
      const items = await kl('catalog/items');
      const variants = await kl('catalog/variants');
      expect(items).toHaveLength(products.withImage);
      expect(new Set(items.map((i) => i.id)).size).toBe(products.withImage);
      expect(variants).toHaveLength(products.variants);
      expect(new Set(variants.map((v) => v.id)).size).toBe(products.variants);
    },
  },
};

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    klaviyo: { speedUp: 60, lists: [{ id: CONSENT_LIST_ID, name: 'Newsletter' }] },
    env: { PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}' },
  });
  stack.ct.load(extraCategories.map((resource) => ({ typeId: 'category' as const, resource })));
  stack.ct.load(extraProducts.map((resource) => ({ typeId: 'product' as const, resource })));
});
afterAll(async () => stack.close());
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  await liftFaults();
});

describe(`SIGKILL at ${KILLS} seeded random points per import, resumed by a new process`, () => {
  const cases = (Object.keys(TYPES) as Type[]).flatMap((type) => SEEDS.map((seed) => [type, seed] as const));
  it.each(cases)('%s (seed %i): every record lands exactly once and the counts add up', async (type, seed) => {
    const spec = TYPES[type];
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    if (type === 'products') {
      // Only the categories the products use (the extra ones are there for the categories case).
      await request('POST', `${stack.service.url}/sync/categories`, {
        headers: { 'content-type': 'application/json' },
        body: { ids: small.categories.map((c) => c.id) },
      });
      expect((await waitForRun(stack.service.url, 'categories')).status).toBe('completed');
    }
    // Every write is slow, and some much slower, so concurrent batches finish at different moments.
    await addFaults(
      stack.klaviyo.url,
      spec.slow.flatMap(([target, delayMs]): FaultRule[] => [
        { target, kind: 'slow', delayMs: delayMs * 4, probability: 0.3 },
        { target, kind: 'slow', delayMs, count: 100_000 },
      ]),
    );
    if (spec.slowCt) await addFaults(stack.ct.url, { target: spec.slowCt, kind: 'slow', delayMs: 150, count: 100_000 });

    const result = await runCrashChain({
      env: serviceEnv(stack.ct, stack.klaviyo.url, {
        PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
        PROFILE_BATCH_SIZE: '100',
        // A few jobs in flight, so progress moves batch by batch and each kill lands mid-run with jobs in flight
        // (with the default of 100 a small import is in flight all at once and completes in one step).
        BULK_JOBS_IN_FLIGHT: '2',
        LOCK_TTL_SECONDS: '2',
        ...spec.env,
      }),
      type,
      seed,
      kills: KILLS,
      expectedProcessed: spec.processed,
      beforeFinalResume: liftFaults,
      children,
    });

    // Every kill landed while the run was going, and each following process resumed the run before it.
    expect(result.killedAt).toHaveLength(KILLS);
    expect(result.resumes).toBe(KILLS);
    expect(result.report.status, JSON.stringify(result.report.error)).toBe('completed');
    const { consent, ...counts } = result.report.counts;
    expect(counts).toEqual(spec.counts());
    if (spec.consent) expectConsentCounts(result.report.counts, small.consent);
    else expect(consent).toBeUndefined();
    await spec.landed();
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});

describe('SIGKILL during a delta, resumed by a new process', () => {
  it('exactly the changed customers are imported, each once', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    expect((await request('POST', `${stack.service.url}/sync/customers`)).status).toBe(202);
    expect((await waitForRun(stack.service.url, 'customers')).status).toBe('completed');
    const changes = (
      await request<R>('POST', `${stack.ct.url}/__emulator/changes`, {
        headers: { 'content-type': 'application/json' },
        body: { customers: 300, seed: 5 },
      })
    ).body;
    const changed = new Set<string>(changes.modified.customer);
    await addFaults(stack.klaviyo.url, [
      { target: 'bulk_import_profiles', kind: 'slow', delayMs: 600, probability: 0.3 },
      { target: 'bulk_import_profiles', kind: 'slow', delayMs: 150, count: 100_000 },
    ]);
    const result = await runCrashChain({
      env: serviceEnv(stack.ct, stack.klaviyo.url, {
        PROFILE_BATCH_SIZE: '25',
        BULK_JOBS_IN_FLIGHT: '2',
        LOCK_TTL_SECONDS: '2',
      }),
      type: 'customers',
      seed: 3,
      kills: KILLS,
      expectedProcessed: changed.size,
      startBody: { delta: true },
      beforeFinalResume: liftFaults,
      children,
    });
    expect(result.killedAt).toHaveLength(KILLS);
    expect(result.report.status).toBe('completed');
    expect(result.report.counts).toMatchObject({ read: changed.size, succeeded: changed.size, failed: 0 });
    const profiles = await kl('profiles');
    expect(profiles).toHaveLength(small.customers.length);
    const renamed = profiles.filter((p) => String(p.first_name ?? '').endsWith('·')).map((p) => p.external_id);
    expect(new Set(renamed)).toEqual(changed);
    // Back as they were, for the other cases.
    for (const c of small.customers.filter((x) => changed.has(x.id)))
      stack.ct.storage.put('demo', 'customer', c as never);
  });
});

describe('real time: SIGKILL with notifications held for a bulk request', () => {
  it('what was acknowledged has landed; what was not is redelivered to a new process and lands once', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    const token = 'crash-push-token-0123456789';
    // Batches are held up to 5 s, so the kill lands while notifications wait for their request.
    const env = serviceEnv(stack.ct, stack.klaviyo.url, {
      PUSH_AUTH_TOKEN: token,
      REALTIME_EVENT_HOLD_MS: '5000',
      REALTIME_EVENT_IDLE_MS: '5000',
    });
    const orders = small.importable.slice(0, 15);
    const push = (url: string, o: R) =>
      request<R>('POST', `${url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: pubsub(message('order', o.id, 'OrderCreated'), `delivery-${o.id}`),
      });
    const waiting = async (url: string) => {
      const text = await fetch(`${url}/metrics`).then((r) => r.text());
      return Number(/ctk_realtime_event_requests\{what="waiting_events"\} (\d+)/.exec(text)?.[1] ?? 0);
    };

    const a = await startServiceProcess(env, children);
    const acknowledged = await Promise.all(orders.slice(0, 5).map((o) => push(a.url, o)));
    expect(acknowledged.every((r) => r.status === 200 && r.body.status === 'applied')).toBe(true);
    const held = orders.slice(5).map((o) => push(a.url, o).catch((e: unknown) => e));
    await waitFor(async () => ((await waiting(a.url)) > 0 ? true : undefined), 10_000, 'events held for a request');
    a.child.kill('SIGKILL');
    // None of the held notifications was acknowledged: Pub/Sub redelivers them.
    for (const r of await Promise.all(held)) expect((r as { status?: number }).status === 200).toBe(false);

    const b = await startServiceProcess(env, children);
    const redelivered = await Promise.all(orders.slice(5).map((o) => push(b.url, o)));
    expect(redelivered.every((r) => r.status === 200 && r.body.status === 'applied')).toBe(true);
    const placed = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Placed%20Order`)
    ).body.map((e) => e.unique_id);
    expect(placed.sort()).toEqual(orders.map((o) => o.id).sort());
    const ordered = (
      await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/events?key=${KLAVIYO_KEY}&metric=Ordered%20Product`)
    ).body.map((e) => e.unique_id);
    expect(ordered.sort()).toEqual(orders.flatMap((o) => o.lineItems.map((li: R) => li.id)).sort());
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });
});

describe('real time: SIGKILL with profile import jobs in flight', () => {
  it('acknowledged profiles land; the jobs are finished by the next process: refusals dead-lettered, consent synced', async () => {
    await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
    const token = 'crash-push-token-0123456789';
    const env = serviceEnv(stack.ct, stack.klaviyo.url, {
      ...CONSENT_ENV,
      PUSH_AUTH_TOKEN: token,
      REALTIME_PROFILE_BULK_RATE: '0',
      REALTIME_PROFILE_JOB_LEASE_SECONDS: '5',
    });
    const customers = small.customers.filter((c) => c.email).slice(0, 40);
    const consenting = customers.slice(1).filter((c) => c.custom?.fields?.emailConsent === true);
    expect(consenting.length).toBeGreaterThan(0);
    const push = (url: string, c: R, type = 'CustomerCreated') =>
      request<R>('POST', `${url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: pubsub(message('customer', c.id, type), `delivery-${type}-${c.id}`),
      });
    // One customer already has a profile, and then takes an email another profile holds: Klaviyo refuses it in a job.
    const bad = customers[0];
    const a = await startServiceProcess(env, children);
    expect((await push(a.url, bad)).body.status).toBe('applied');
    await waitFor(async () => ((await kl('profiles')).length === 1 ? true : undefined), 10_000, 'the first profile');
    const taken = `taken-${bad.id.slice(0, 8)}@example.com`;
    const klaviyo = await klaviyoCaller(stack.klaviyo.url, KLAVIYO_KEY)('POST', '/api/profile-import', {
      data: { type: 'profile', attributes: { email: taken } },
    });
    expect(klaviyo.status).toBeLessThan(300);
    const stored = (await stack.ct.storage.get('demo', 'customer', bad.id)) as unknown as R;
    stack.ct.storage.put('demo', 'customer', { ...stored, id: bad.id, email: taken } as never);

    // The process cannot learn how its jobs ended (Klaviyo's job reads fail) and is killed with them in flight.
    await addFaults(stack.klaviyo.url, { target: 'get_bulk_import_profiles_job', kind: 'status', status: 503 });
    const answers = await Promise.all([
      push(a.url, bad, 'CustomerEmailChanged'),
      ...customers.slice(1).map((c) => push(a.url, c)),
    ]);
    expect(answers.every((r) => r.status === 200 && r.body.status === 'applied')).toBe(true);
    a.child.kill('SIGKILL');
    await liftFaults();

    const b = await startServiceProcess(env, children);
    const letters = await waitFor(
      async () => {
        const list = (await request<R>('GET', `${b.url}/events/dead-letters`)).body.deadLetters as R[];
        return list.length > 0 ? list : undefined;
      },
      30_000,
      'the dead profile jobs to be taken over',
    );
    expect(letters.map((l) => [l.resourceId, l.code, l.type])).toEqual([
      [bad.id, 'duplicate_profile', 'CustomerEmailChanged'],
    ]);
    const profiles = await waitFor(
      async () => {
        const all = await kl('profiles');
        const byId = new Map(all.filter((p) => p.external_id).map((p) => [p.external_id, p]));
        const isDone = consenting.every(
          (c) => byId.get(c.id)?.subscriptions?.email?.marketing?.consent === 'SUBSCRIBED',
        );
        return isDone ? byId : undefined;
      },
      30_000,
      'the consent of the jobs’ profiles',
    );
    for (const c of customers.slice(1)) expect(profiles.get(c.id)?.email, c.id).toBe(String(c.email).toLowerCase());
    for (const c of customers.filter((x) => !consenting.includes(x)))
      expect(profiles.get(c.id)?.subscriptions?.email?.marketing?.consent ?? 'NEVER_SUBSCRIBED').not.toBe('SUBSCRIBED');
    // Every job finished is forgotten.
    await waitFor(
      async () => {
        const all = (await stack.ct.storage.all('demo', 'key-value-document')) as unknown as R[];
        return all.some((o) => o.container === 'ct-klaviyo-profile-jobs') ? undefined : true;
      },
      10_000,
      'the job records to be removed',
    );
    stack.ct.storage.put('demo', 'customer', stored as never);
  }, 120_000);
});
