import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildCatalog,
  DEFAULT_REFERENCE_TIME,
  generateCustomer,
  generateDataset,
} from '../../emulators/data/generate.ts';
import { request, waitFor } from '../helpers/http.ts';
import { emulatorProfiles, KLAVIYO_KEY, type Stack, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;

let stack: Stack;
const tinyCustomers = [...generateDataset({ size: 'tiny' })]
  .filter((r) => r.typeId === 'customer')
  .map((r) => r.resource as any);
const post = (path: string, body?: unknown) =>
  request<any>(
    'POST',
    `${stack.service.url}${path}`,
    body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body },
  );
const get = (path: string) => request<any>('GET', `${stack.service.url}${path}`);

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack.close());
beforeEach(async () => {
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});

describe('POST /sync/customers', () => {
  it('imports every customer of the tiny dataset as exactly one profile with the right fields', async () => {
    const started = await post('/sync/customers');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      type: 'customers',
      status: 'running',
      statusUrl: '/sync/customers',
      jobId: expect.stringMatching(/^customers-/),
    });
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report).toMatchObject({
      status: 'completed',
      total: tinyCustomers.length,
      counts: { read: tinyCustomers.length, succeeded: tinyCustomers.length, failed: 0, skipped: 0 },
    });
    expect(report.cursor).toBe([...tinyCustomers.map((c) => c.id)].sort().at(-1));
    const profiles = await emulatorProfiles(stack.klaviyo.url);
    expect(profiles).toHaveLength(tinyCustomers.length);
    const byExternalId = new Map(profiles.map((p) => [p.external_id, p]));
    for (const c of tinyCustomers) {
      const p = byExternalId.get(c.id);
      expect(p, c.id).toBeDefined();
      expect(p.email ?? null).toBe(c.email ?? null);
      expect(p.first_name).toBe(c.firstName);
      expect(p.last_name).toBe(c.lastName);
      expect(p.organization ?? null).toBe(c.companyName ?? null);
      if (c.addresses.length > 0) expect(p.location?.country).toBeDefined();
      if (c.custom?.fields?.loyaltyPoints !== undefined)
        expect(p.properties.loyaltyPoints).toBe(c.custom.fields.loyaltyPoints);
      if (p.phone_number) expect(p.phone_number).toMatch(/^\+[1-9]\d{6,14}$/);
    }
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  });

  it('re-running creates no duplicate profiles', async () => {
    await post('/sync/customers');
    await waitForRun(stack.service.url, 'customers');
    const again = await post('/sync/customers');
    expect(again.status).toBe(202);
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.counts.succeeded).toBe(tinyCustomers.length);
    expect(await emulatorProfiles(stack.klaviyo.url)).toHaveLength(tinyCustomers.length);
  });

  it('imports exactly the given ids and reports unknown ids as skipped', async () => {
    const ids = tinyCustomers.slice(0, 3).map((c) => c.id);
    const started = await post('/sync/customers', { ids: [...ids, 'no-such-customer'] });
    expect(started.status).toBe(202);
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.counts).toEqual({ read: 4, succeeded: 3, failed: 0, skipped: 1 });
    // Warnings (a customer sent without an unusable phone number) are notes, not outcomes.
    expect(report.lastErrors.filter((e: R) => e.outcome !== 'warning')).toEqual([
      expect.objectContaining({ id: 'no-such-customer', outcome: 'skipped', reason: 'not found in commercetools' }),
    ]);
    expect((await emulatorProfiles(stack.klaviyo.url)).map((p) => p.external_id).sort()).toEqual([...ids].sort());
  });

  it('starts after a given id with startId', async () => {
    const sorted = tinyCustomers.map((c) => c.id).sort();
    const startId = sorted[19];
    await post('/sync/customers', { startId });
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.counts.succeeded).toBe(sorted.length - 20);
    expect((await emulatorProfiles(stack.klaviyo.url)).map((p) => p.external_id).sort()).toEqual(sorted.slice(20));
  });

  it.each([
    [{ idz: ['a'] }, "'idz'"],
    [{ ids: 'a,b' }, 'body/ids must be array'],
    [{ ids: [1, 2] }, 'body/ids/0 must be string'],
    [{ ids: [] }, 'must NOT have fewer than 1 items'],
    [{ ids: Array.from({ length: 10_001 }, (_v, i) => `id-${i}`) }, 'must NOT have more than 10000 items'],
    [{ resume: 'yes' }, 'body/resume must be boolean'],
    [{ ids: ['a'], startId: 'b' }, "either 'ids' or 'startId'"],
  ])('answers 400 for %j with a message that says what is wrong', async (body, message) => {
    const r = await post('/sync/customers', body);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('REQUEST_INVALID');
    expect(r.body.message).toContain(message);
  });

  it('the body limit admits the largest valid request: 10,000 ids of 256 characters are read, 10,001 refused by the schema', async () => {
    const ids = (n: number) => Array.from({ length: n }, (_v, i) => `${String(i).padStart(6, '0')}${'k'.repeat(250)}`);
    const largest = await post('/sync/customers', { ids: ids(10_000), dryRun: true });
    expect(largest.status).toBe(202);
    await waitForRun(stack.service.url, 'customers');
    const over = await post('/sync/customers', { ids: ids(10_001) });
    expect(over.status).toBe(400);
    expect(over.body.message).toContain('must NOT have more than 10000 items');
  });

  it('answers 400 for a body that is not JSON, and for resume with nothing to resume', async () => {
    const bad = await request<any>('POST', `${stack.service.url}/sync/customers`, {
      headers: { 'content-type': 'application/json' },
      rawBody: '{"ids": [',
    });
    expect(bad.status).toBe(400);
    await post('/sync/customers');
    await waitForRun(stack.service.url, 'customers');
    const resume = await post('/sync/customers', { resume: true });
    expect(resume.status).toBe(400);
    expect(resume.body.message).toContain('completed');
  });

  it('a customer Klaviyo rejects is reported with its id and reason while the rest land', async () => {
    const bad = {
      ...tinyCustomers[0],
      id: '00000000-0000-4000-8000-00000000bad1',
      email: 'broken@@example..com',
      key: undefined,
      customerNumber: 'bad',
    };
    stack.ct.load([{ typeId: 'customer', resource: bad }]);
    await post('/sync/customers');
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.counts).toMatchObject({ read: tinyCustomers.length + 1, succeeded: tinyCustomers.length, failed: 1 });
    expect(report.lastErrors.filter((e: R) => e.outcome !== 'warning')).toEqual([
      expect.objectContaining({
        id: bad.id,
        outcome: 'failed',
        code: 'invalid',
        reason: expect.stringContaining('Invalid email'),
      }),
    ]);
    expect(JSON.stringify(report)).not.toContain('broken@@');
    await stack.ct.storage.delete('demo', 'customer', bad.id);
  });
});

describe('status, stop and concurrency', () => {
  it('GET /sync/status shows every type; stop with nothing running is 404', async () => {
    const status = await get('/sync/status');
    expect(Object.keys(status.body).sort()).toEqual(['categories', 'customers', 'orders', 'products']);
    expect(status.body.orders).toBeNull();
    const stop = await post('/sync/customers/stop');
    expect(stop.status).toBe(404);
    expect(stop.body.message).toBe('No customers import is running.');
  });

  it('answers 409 with the holder for a concurrent start, in this instance and from a second one', async () => {
    const slow = await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'bulk_import_profiles', kind: 'slow', delayMs: 1500, count: 1 },
    });
    expect(slow.status).toBe(201);
    const first = await post('/sync/customers');
    expect(first.status).toBe(202);
    const same = await post('/sync/customers');
    expect(same.status).toBe(409);
    expect(same.body.holder.jobId).toBe(first.body.jobId);
    const other = await stack.startAnother();
    const fromOther = await request<any>('POST', `${other.url}/sync/customers`);
    expect(fromOther.status).toBe(409);
    expect(fromOther.body).toMatchObject({
      error: 'CT_LOCK_HELD',
      holder: { jobId: first.body.jobId, owner: stack.config.instanceId, since: expect.any(String) },
    });
    const seenFromOther = await request<any>('GET', `${other.url}/sync/customers`);
    expect(seenFromOther.body).toMatchObject({ jobId: first.body.jobId, status: 'running' });
    await waitForRun(stack.service.url, 'customers');
    await other.close();
  });
});

describe('health', () => {
  it('GET /health is live and GET /ready checks both APIs', async () => {
    expect((await get('/health')).body).toEqual({ status: 'ok' });
    const ready = await get('/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([
      { name: 'commercetools', ok: true },
      { name: 'klaviyo', ok: true },
    ]);
    await request('POST', `${stack.klaviyo.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'get_catalog_items', kind: 'status', status: 401, count: 100 },
    });
    // Readiness reuses its results for 10 s: the refusal shows once they have expired.
    const notReady = await waitFor(
      async () => {
        const r = await get('/ready');
        return r.status === 503 ? r : undefined;
      },
      20_000,
      'readiness to see Klaviyo refuse the key',
    );
    expect(notReady.body.checks[1]).toMatchObject({ name: 'klaviyo', ok: false });
    await request('DELETE', `${stack.klaviyo.url}/__emulator/faults`);
  });
});

describe('10,000 customers', () => {
  it('lands every customer exactly once', async () => {
    const s = await startStack({ ct: { dataset: { customers: 0, products: 1, orders: 0 } } });
    try {
      const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
      const catalog = buildCatalog(5, { customers: 10_000, products: 1, orders: 0 }, refMs);
      s.ct.load(
        Array.from({ length: 10_000 }, (_v, i) => ({
          typeId: 'customer' as const,
          resource: generateCustomer(5, i, refMs, catalog.customerGroupId, 'type'),
        })),
      );
      expect((await request('POST', `${s.service.url}/sync/customers`)).status).toBe(202);
      const report = await waitForRun(s.service.url, 'customers', 120_000);
      expect(report.counts).toEqual({ read: 10_000, succeeded: 10_000, failed: 0, skipped: 0 });
      const summary = await request<any>('GET', `${s.klaviyo.url}/__emulator/summary?key=${KLAVIYO_KEY}`);
      expect(summary.body.profiles).toBe(10_000);
      expect(summary.body.jobs['profile-bulk-import-job']).toEqual({ complete: 1 });
      expect(await specViolations(s.klaviyo.url)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
