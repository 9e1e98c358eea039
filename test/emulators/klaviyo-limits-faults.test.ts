import { describe, expect, it } from 'vitest';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { klaviyoEmulators } from '../helpers/klaviyo-emulators.ts';

const emulator = klaviyoEmulators();

describe('rate limits', () => {
  it('sends the published limit in RateLimit-* headers on successful answers', async () => {
    const emu = await emulator();
    const call = klaviyoCaller(emu.url);
    const jobs = await call('GET', '/api/profile-bulk-import-jobs');
    expect(jobs.status).toBe(200);
    expect(jobs.headers.get('ratelimit-limit')).toBe('150');
    expect(jobs.headers.get('ratelimit-remaining')).toBe('149');
    expect(Number(jobs.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    const items = await call('GET', '/api/catalog-items');
    expect(items.headers.get('ratelimit-limit')).toBe('3500');
  });

  it('answers 429 throttled with Retry-After (and no RateLimit-* headers) past the steady window, per account', async () => {
    const emu = await emulator({ rateLimitOverrides: { get_profiles: { burstPerSecond: 1000, steadyPerMinute: 5 } } });
    const call = klaviyoCaller(emu.url, 'pk_account_a');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call('GET', '/api/profiles')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const throttled = await call('GET', '/api/profiles');
    expect(throttled.status).toBe(429);
    expect(throttled.body.errors?.[0]).toMatchObject({
      status: 429,
      code: 'throttled',
      title: 'Request was throttled.',
    });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(throttled.headers.get('ratelimit-remaining')).toBeNull();
    const otherAccount = await klaviyoCaller(emu.url, 'pk_account_b')('GET', '/api/profiles');
    expect(otherAccount.status).toBe(200);
    const otherOperation = await call('GET', '/api/catalog-items');
    expect(otherOperation.status).toBe(200);
    const log = await request<any>('GET', `${emu.url}/__emulator/requests`);
    expect(log.body.throttled).toBe(1);
    expect(log.body.byOperation.get_profiles.byStatus).toEqual({ 200: 6, 429: 1 });
  });

  it('enforces the burst window from the published limits (bulk profile import: 10 per second)', async () => {
    const emu = await emulator();
    const call = klaviyoCaller(emu.url);
    const statuses = await Promise.all(
      Array.from({ length: 25 }, () => call('GET', '/api/profile-bulk-import-jobs').then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(10);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    expect(statuses).toContain(429);
  });

  it('with a speed-up factor, windows are shorter and Retry-After is fractional; the next window admits again', async () => {
    const emu = await emulator({
      speedUp: 600,
      rateLimitOverrides: { get_profiles: { burstPerSecond: 1000, steadyPerMinute: 3 } },
    });
    const call = klaviyoCaller(emu.url);
    const first = await Promise.all([1, 2, 3, 4].map(() => call('GET', '/api/profiles')));
    const throttled = first.find((r) => r.status === 429);
    if (throttled) expect(Number(throttled.headers.get('retry-after'))).toBeLessThanOrEqual(0.1);
    const admitted = await waitFor(
      async () => (await call('GET', '/api/profiles')).status === 200,
      2000,
      'the next rate-limit window',
    );
    expect(admitted).toBe(true);
  });

  it('can be switched off', async () => {
    const emu = await emulator({
      rateLimits: false,
      rateLimitOverrides: { get_profiles: { burstPerSecond: 1, steadyPerMinute: 1 } },
    });
    const call = klaviyoCaller(emu.url);
    const statuses = await Promise.all([1, 2, 3].map(() => call('GET', '/api/profiles').then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200]);
  });
});

describe('faults', () => {
  it('injects a status for the next N requests of one operation, configured at run time', async () => {
    const emu = await emulator();
    const call = klaviyoCaller(emu.url);
    const added = await request<any>('POST', `${emu.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'get_profiles', kind: 'status', status: 503, count: 2 },
    });
    expect(added.status).toBe(201);
    expect((await call('GET', '/api/catalog-items')).status).toBe(200);
    expect([
      (await call('GET', '/api/profiles')).status,
      (await call('GET', '/api/profiles')).status,
      (await call('GET', '/api/profiles')).status,
    ]).toEqual([503, 503, 200]);
    const faults = await request<any[]>('GET', `${emu.url}/__emulator/faults`);
    expect(faults.body).toEqual([]);
  });

  it('injects 429 storms with Retry-After, configured at start', async () => {
    const emu = await emulator({
      faults: [{ target: '*', kind: 'status', status: 429, count: 3, retryAfterSeconds: 2 }],
    });
    const call = klaviyoCaller(emu.url);
    const r = await call('POST', '/api/events', {
      data: {
        type: 'event',
        attributes: {
          properties: {},
          metric: { data: { type: 'metric', attributes: { name: 'X' } } },
          profile: { data: { type: 'profile', attributes: { email: 'a@example.com' } } },
        },
      },
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('2');
    expect(r.body.errors?.[0].code).toBe('throttled');
    expect((await call('GET', '/api/profiles')).status).toBe(429);
    expect((await call('GET', '/api/profiles')).status).toBe(429);
    expect((await call('GET', '/api/profiles')).status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    const emu = await emulator({ faults: [{ target: 'get_profiles', kind: 'drop', count: 1 }] });
    const call = klaviyoCaller(emu.url);
    await expect(call('GET', '/api/profiles')).rejects.toThrow();
    expect((await call('GET', '/api/profiles')).status).toBe(200);
  });

  it('lose-response applies the request and cuts the connection before the answer', async () => {
    const emu = await emulator({ faults: [{ target: 'create_catalog_category', kind: 'lose-response', count: 1 }] });
    const call = klaviyoCaller(emu.url);
    const body = {
      data: {
        type: 'catalog-category',
        attributes: {
          external_id: 'lost-answer',
          name: 'Lost answer',
          integration_type: '$custom',
          catalog_type: '$default',
        },
      },
    };
    await expect(call('POST', '/api/catalog-categories', body)).rejects.toThrow();
    const again = await call('POST', '/api/catalog-categories', body);
    expect(again.status).toBe(409);
    expect(emu.state.log.snapshot(10)).toMatchObject({
      byOperation: { create_catalog_category: { byStatus: { '0': 1, '409': 1 } } },
    });
  });

  it('answers slowly when asked to', async () => {
    const emu = await emulator({ faults: [{ target: 'get_profiles', kind: 'slow', delayMs: 300, count: 1 }] });
    const call = klaviyoCaller(emu.url);
    const started = Date.now();
    expect((await call('GET', '/api/profiles')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('fires with a probability, reproducibly for a seed', async () => {
    const run = async () => {
      const emu = await emulator({
        faultSeed: 7,
        rateLimits: false,
        faults: [{ target: 'get_profiles', kind: 'status', status: 500, probability: 0.3 }],
      });
      const call = klaviyoCaller(emu.url);
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) statuses.push((await call('GET', '/api/profiles')).status);
      return statuses;
    };
    const a = await run();
    const failures = a.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(10);
    expect(failures).toBeLessThan(60);
    expect(await run()).toEqual(a);
  });

  it('rejects an invalid fault rule with a message that says what to fix', async () => {
    const emu = await emulator();
    const r = await request<any>('POST', `${emu.url}/__emulator/faults`, {
      headers: { 'content-type': 'application/json' },
      body: { target: 'x', kind: 'status', status: 200 },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toContain("'status' must be an HTTP error status");
  });
});

describe('jobs on the clock', () => {
  it('a job completes by itself over time (queued → processing → complete)', async () => {
    const emu = await emulator({ jobs: { mode: 'time', queuedMs: 50, processingMs: 50 } });
    const call = klaviyoCaller(emu.url);
    const created = await call('POST', '/api/profile-bulk-import-jobs', {
      data: {
        type: 'profile-bulk-import-job',
        attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'clock@example.com' } }] } },
      },
    });
    expect(created.body.data.attributes.status).toBe('queued');
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const s = (await call('GET', `/api/profile-bulk-import-jobs/${created.body.data.id}`)).body.data.attributes
          .status as string;
        seen.add(s);
        return s === 'complete';
      },
      5000,
      'the job to complete',
    );
    expect(seen.has('complete')).toBe(true);
    expect((await request<any>('GET', `${emu.url}/__emulator/summary`)).body.profiles).toBe(1);
  });

  it('keeps each API key as its own account', async () => {
    const emu = await emulator();
    await klaviyoCaller(emu.url, 'pk_one')('POST', '/api/profile-import', {
      data: { type: 'profile', attributes: { email: 'one@example.com' } },
    });
    expect((await request<any>('GET', `${emu.url}/__emulator/summary?key=pk_one`)).body.profiles).toBe(1);
    expect((await request<any>('GET', `${emu.url}/__emulator/summary?key=pk_two`)).body.profiles).toBe(0);
    const listed = await klaviyoCaller(emu.url, 'pk_two')('GET', '/api/profiles');
    expect(listed.body.data).toEqual([]);
  });
});
