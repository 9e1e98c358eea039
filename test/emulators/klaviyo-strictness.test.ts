import { describe, expect, it } from 'vitest';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { klaviyoEmulators } from '../helpers/klaviyo-emulators.ts';

const emulator = klaviyoEmulators({ rateLimits: false });

const KEY = 'pk_strict';
const headers = {
  Authorization: `Klaviyo-API-Key ${KEY}`,
  revision: '2026-07-15',
  'content-type': 'application/vnd.api+json',
};
const profile = (externalId: string, attributes: Record<string, unknown> = {}) => ({
  type: 'profile',
  attributes: { external_id: externalId, ...attributes },
});
const importJob = (profiles: unknown[]) => ({
  data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } },
});
const event = (attributes: Record<string, unknown>) => ({
  metric: { data: { type: 'metric', attributes: { name: 'Placed Order' } } },
  properties: {},
  ...attributes,
});

describe('sizes in decimal units (the stricter reading of "5 MB" and "100 KB")', () => {
  it('a request of 5,000,000 bytes is taken; 5,000,001 bytes answers 413', async () => {
    const emu = await emulator();
    const json = JSON.stringify(importJob([profile('c-1')]));
    const padded = (size: number) => json + ' '.repeat(size - Buffer.byteLength(json));
    const at = await request('POST', `${emu.url}/api/profile-bulk-import-jobs`, {
      headers,
      rawBody: padded(5_000_000),
    });
    expect(at.status).toBe(202);
    const over = await request<any>('POST', `${emu.url}/api/profile-bulk-import-jobs`, {
      headers,
      rawBody: padded(5_000_001),
    });
    expect(over.status).toBe(413);
    expect(over.body.errors[0].detail).toContain('5000001 bytes');
  });

  it('a profile-import request of 100,000 bytes is taken; one byte more is refused', async () => {
    const emu = await emulator();
    const call = klaviyoCaller(emu.url, KEY);
    const big = (n: number) => ({ data: profile('c-big', { properties: { notes: 'x'.repeat(n) } }) });
    const overhead = JSON.stringify(big(0)).length;
    expect((await call('POST', '/api/profile-import', big(100_000 - overhead))).status).toBe(201);
    expect((await call('POST', '/api/profile-import', big(100_001 - overhead))).status).toBe(400);
  });
});

describe('job latency (--job-duration)', () => {
  it('every job takes the set duration: queued, then processing with completed_count growing, then complete', async () => {
    const emu = await emulator({ jobs: { durationMs: 1500 } });
    const call = klaviyoCaller(emu.url, KEY);
    const created = await call(
      'POST',
      '/api/profile-bulk-import-jobs',
      importJob([...Array(50)].map((_, i) => profile(`c-${i}`))),
    );
    expect(created.status).toBe(202);
    expect(created.body.data.attributes.status).toBe('queued');
    const seen = new Set<string>();
    const counts: number[] = [];
    const done = await waitFor(
      async () => {
        const job = (await call('GET', `/api/profile-bulk-import-jobs/${created.body.data.id}`)).body.data.attributes;
        seen.add(job.status);
        if (job.status === 'processing') counts.push(job.completed_count);
        return job.status === 'complete' ? job : undefined;
      },
      10_000,
      'the job to complete',
    );
    expect([...seen]).toEqual(expect.arrayContaining(['queued', 'processing', 'complete']));
    expect(counts.some((c) => c > 0 && c < 50)).toBe(true);
    expect(Date.parse(done.completed_at) - Date.parse(created.body.data.attributes.created_at)).toBeGreaterThanOrEqual(
      1400,
    );
    expect(done).toMatchObject({ completed_count: 50, failed_count: 0 });
  });
});

describe('job errors without an entry index (--job-error-pointers field)', () => {
  it('catalog job errors point at the field only; import errors carry no original payload', async () => {
    const emu = await emulator({ jobs: { mode: 'polls', errorPointers: 'field' } });
    const call = klaviyoCaller(emu.url, KEY);
    const job = await call('POST', '/api/catalog-category-bulk-create-jobs', {
      data: {
        type: 'catalog-category-bulk-create-job',
        attributes: {
          categories: {
            data: [
              {
                type: 'catalog-category',
                attributes: { external_id: 'a', name: 'A', integration_type: '$custom', catalog_type: '$default' },
              },
              {
                type: 'catalog-category',
                attributes: {
                  external_id: 'a',
                  name: 'A again',
                  integration_type: '$custom',
                  catalog_type: '$default',
                },
              },
            ],
          },
        },
      },
    });
    const path = `/api/catalog-category-bulk-create-jobs/${job.body.data.id}`;
    await call('GET', path);
    const done = (await call('GET', path)).body.data;
    expect(done.attributes.status).toBe('complete');
    expect(done.attributes.errors).toHaveLength(1);
    expect(done.attributes.errors[0].source.pointer).not.toMatch(/\/data\/\d+/);
    expect(done.relationships.categories.data).toEqual([{ type: 'catalog-category', id: '$custom:::$default:::a' }]);

    const imported = await call(
      'POST',
      '/api/profile-bulk-import-jobs',
      importJob([profile('ok'), profile('bad', { email: 'not-an-email' })]),
    );
    const jobPath = `/api/profile-bulk-import-jobs/${imported.body.data.id}`;
    await call('GET', jobPath);
    await call('GET', jobPath);
    const errors = (await call('GET', `${jobPath}/import-errors`)).body.data;
    expect(errors).toHaveLength(1);
    expect(errors[0].attributes.source.pointer).toBe('/data/attributes/email');
    expect(errors[0].attributes.original_payload).toBeNull();
  });

  it('delete jobs list the resources they deleted, as the spec says', async () => {
    const emu = await emulator({ jobs: { mode: 'polls' } });
    const call = klaviyoCaller(emu.url, KEY);
    await call('POST', '/api/catalog-categories', {
      data: {
        type: 'catalog-category',
        attributes: { external_id: 'gone', name: 'Gone', integration_type: '$custom', catalog_type: '$default' },
      },
    });
    const job = await call('POST', '/api/catalog-category-bulk-delete-jobs', {
      data: {
        type: 'catalog-category-bulk-delete-job',
        attributes: { categories: { data: [{ type: 'catalog-category', id: '$custom:::$default:::gone' }] } },
      },
    });
    const path = `/api/catalog-category-bulk-delete-jobs/${job.body.data.id}`;
    await call('GET', path);
    expect((await call('GET', path)).body.data.relationships.categories.data).toEqual([
      { type: 'catalog-category', id: '$custom:::$default:::gone' },
    ]);
  });
});

describe("Klaviyo's event ingestion limits (stricter than the spec)", () => {
  const tooMany = Object.fromEntries([...Array(301)].map((_, i) => [`p${i}`, i]));
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 10; i++) deep = { nested: deep };
  it.each([
    ['301 properties', { properties: tooMany }, 'at most 300 properties'],
    ['an array of 4,001 items', { properties: { Items: [...Array(4001)].map((_, i) => i) } }, 'at most 4000 items'],
    ['objects nested 11 levels deep', { properties: deep }, 'at most 10 levels'],
    ['a time in 1999', { time: '1999-12-31T23:59:59Z' }, 'between 2000'],
  ])('%s: create_event refuses it; a bulk request accepts it and drops it', async (_what, attributes, detail) => {
    const emu = await emulator();
    const call = klaviyoCaller(emu.url, KEY);
    const single = await call('POST', '/api/events', {
      data: { type: 'event', attributes: { ...event(attributes), profile: { data: profile('c-1') } } },
    });
    expect(single.status).toBe(400);
    expect(single.body.errors?.[0].detail).toContain(detail);
    const bulk = await call('POST', '/api/event-bulk-create-jobs', {
      data: {
        type: 'event-bulk-create-job',
        attributes: {
          'events-bulk-create': {
            data: [
              {
                type: 'event-bulk-create',
                attributes: {
                  profile: { data: profile('c-1') },
                  events: { data: [{ type: 'event', attributes: event({ ...attributes, unique_id: 'u-1' }) }] },
                },
              },
            ],
          },
        },
      },
    });
    expect(bulk.status).toBe(202);
    const summary = (await request<any>('GET', `${emu.url}/__emulator/summary?key=${KEY}`)).body;
    expect(summary.events).toMatchObject({ total: 0, droppedAtIngestion: 1 });
  });
});

describe('null attributes', () => {
  it('a bulk import does not clear a stored value with null; profile-import does', async () => {
    const emu = await emulator({ jobs: { mode: 'polls' } });
    const call = klaviyoCaller(emu.url, KEY);
    await call('POST', '/api/profile-import', {
      data: profile('c-1', { first_name: 'Ada', properties: { tier: 'gold' } }),
    });
    const job = await call(
      'POST',
      '/api/profile-bulk-import-jobs',
      importJob([profile('c-1', { first_name: null, properties: { tier: null } })]),
    );
    const path = `/api/profile-bulk-import-jobs/${job.body.data.id}`;
    await call('GET', path);
    await call('GET', path);
    const stored = async () =>
      (await request<any>('GET', `${emu.url}/__emulator/profiles?key=${KEY}&external_id=c-1`)).body[0];
    expect(await stored()).toMatchObject({ first_name: 'Ada', properties: { tier: 'gold' } });
    await call('POST', '/api/profile-import', { data: profile('c-1', { first_name: null }) });
    expect((await stored()).first_name).toBeUndefined();
  });
});
