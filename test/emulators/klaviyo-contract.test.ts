import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningKlaviyoEmulator, startKlaviyoEmulator } from '../../emulators/klaviyo/build-emulator.ts';
import { type HttpResult, type KlaviyoDoc, klaviyoCaller, request } from '../helpers/http.ts';

let emu: RunningKlaviyoEmulator;
let call: ReturnType<typeof klaviyoCaller>;

const profile = (attributes: Record<string, unknown>, id?: string) => ({
  data: { type: 'profile', ...(id ? { id } : {}), attributes },
});
const metric = (name: string) => ({ data: { type: 'metric', attributes: { name } } });
const bulkEvents = (entries: Array<{ profile: Record<string, unknown>; events: Array<Record<string, unknown>> }>) => ({
  data: {
    type: 'event-bulk-create-job',
    attributes: {
      'events-bulk-create': {
        data: entries.map((e) => ({
          type: 'event-bulk-create',
          attributes: {
            profile: { data: { type: 'profile', attributes: e.profile } },
            events: { data: e.events.map((attributes) => ({ type: 'event', attributes })) },
          },
        })),
      },
    },
  },
});

beforeAll(async () => {
  emu = await startKlaviyoEmulator({ jobs: { mode: 'polls' } });
  call = klaviyoCaller(emu.url);
});
afterAll(async () => emu.close());
beforeEach(async () => {
  await request('POST', `${emu.url}/__emulator/reset`);
});

describe('request gate', () => {
  it('answers 401 in Klaviyo error format without a Klaviyo-API-Key', async () => {
    const r = await request<any>('GET', `${emu.url}/api/profiles`, {
      headers: { revision: '2026-07-15', Authorization: 'Bearer x' },
    });
    expect(r.status).toBe(401);
    expect(r.body.errors[0]).toMatchObject({ status: 401, code: 'not_authenticated' });
    expect(r.body.errors[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 400 without a revision header', async () => {
    const r = await request<any>('GET', `${emu.url}/api/profiles`, {
      headers: { Authorization: 'Klaviyo-API-Key pk_x' },
    });
    expect(r.status).toBe(400);
    expect(r.body.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'revision' } });
  });

  it('answers 404 naming the operation for a published operation it does not serve, and for unknown paths', async () => {
    const segments = await call('GET', '/api/segments');
    expect(segments.status).toBe(404);
    expect(segments.body.errors?.[0].detail).toContain("'get_segments'");
    const unknown = await call('GET', '/api/no-such-thing');
    expect(unknown.status).toBe(404);
  });

  it('accepts application/json as the official SDK sends it, and rejects other media types', async () => {
    const ok = await request('POST', `${emu.url}/api/profile-import`, {
      headers: { Authorization: 'Klaviyo-API-Key pk_x', revision: '2026-07-15', 'content-type': 'application/json' },
      body: profile({ email: 'json@example.com' }),
    });
    expect(ok.status).toBe(201);
    const bad = await request('POST', `${emu.url}/api/profile-import`, {
      headers: { Authorization: 'Klaviyo-API-Key pk_x', revision: '2026-07-15', 'content-type': 'text/plain' },
      rawBody: JSON.stringify(profile({ email: 'json@example.com' })),
    });
    expect(bad.status).toBe(415);
  });
});

describe('spec validation', () => {
  it('rejects an attribute the spec does not declare, with a pointer, and records a spec violation', async () => {
    const r = await call('POST', '/api/profile-import', profile({ email: 'a@example.com', favourite_colour: 'red' }));
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/favourite_colour' },
    });
    const log = await request<any>('GET', `${emu.url}/__emulator/requests`);
    expect(log.body.specViolationCount).toBe(1);
    expect(log.body.specViolations[0]).toMatchObject({ operationId: 'create_or_update_profile' });
  });

  it('rejects a wrong resource type and a missing required field', async () => {
    const wrongType = await call('POST', '/api/profile-import', { data: { type: 'profiles', attributes: {} } });
    expect(wrongType.status).toBe(400);
    const missing = await call('POST', '/api/catalog-categories', {
      data: { type: 'catalog-category', attributes: { name: 'x' } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0].detail).toContain('external_id');
  });

  it('rejects unknown query parameters, bad page sizes and filters on fields the endpoint does not allow', async () => {
    expect((await call('GET', '/api/profiles?colour=red')).status).toBe(400);
    expect((await call('GET', '/api/profiles?page[size]=101')).status).toBe(400);
    const badFilter = await call('GET', '/api/profiles?filter=contains(email,"x")');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.errors?.[0].source).toEqual({ parameter: 'filter' });
    expect((await call('GET', '/api/profiles?filter=equals(email,"x"')).status).toBe(400);
  });
});

describe('profiles', () => {
  it('upserts: 201 when created, 200 when updated, null clears, absent keeps, properties merge', async () => {
    const created = await call(
      'POST',
      '/api/profile-import',
      profile({
        email: 'Ann@Example.com',
        external_id: 'c1',
        first_name: 'Ann',
        last_name: 'Oak',
        properties: { tier: 'gold', points: 1 },
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.data.id).toMatch(/^[0-9A-Z]{26}$/);
    const updated = await call(
      'POST',
      '/api/profile-import',
      profile({ external_id: 'c1', first_name: null, properties: { points: 2 } }),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.data.id).toBe(created.body.data.id);
    expect(updated.body.data.attributes).toMatchObject({
      email: 'Ann@Example.com',
      first_name: null,
      last_name: 'Oak',
      properties: { tier: 'gold', points: 2 },
    });
  });

  it('answers 409 duplicate_profile with meta.duplicate_profile_id when identifiers belong to different profiles', async () => {
    const a = await call('POST', '/api/profile-import', profile({ email: 'a@example.com' }));
    const b = await call('POST', '/api/profile-import', profile({ external_id: 'ext-b' }));
    const conflict = await call(
      'POST',
      '/api/profile-import',
      profile({ email: 'a@example.com', external_id: 'ext-b' }),
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.errors?.[0]).toMatchObject({
      code: 'duplicate_profile',
      meta: { duplicate_profile_id: expect.any(String) },
    });
    expect([a.body.data.id, b.body.data.id]).toContain(conflict.body.errors?.[0].meta?.duplicate_profile_id);
    const create = await call('POST', '/api/profiles', profile({ email: 'A@example.com' }));
    expect(create.status).toBe(409);
    expect(create.body.errors?.[0].meta?.duplicate_profile_id).toBe(a.body.data.id);
  });

  it('rejects an invalid email or a phone number that is not E.164', async () => {
    const email = await call('POST', '/api/profile-import', profile({ email: 'not-an-email' }));
    expect(email.status).toBe(400);
    expect(email.body.errors?.[0].source?.pointer).toBe('/data/attributes/email');
    const phone = await call('POST', '/api/profile-import', profile({ phone_number: '030 1234567' }));
    expect(phone.status).toBe(400);
    expect(phone.body.errors?.[0].source?.pointer).toBe('/data/attributes/phone_number');
  });

  it('gets, patches and lists with equals/any filters and cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++)
      ids.push(
        (await call('POST', '/api/profile-import', profile({ email: `p${i}@example.com`, external_id: `e${i}` }))).body
          .data.id,
      );
    const one = await call('GET', `/api/profiles/${ids[3]}`);
    expect(one.body.data.attributes.external_id).toBe('e3');
    const patched = await call('PATCH', `/api/profiles/${ids[3]}`, profile({ first_name: 'Patched' }, ids[3]));
    expect(patched.status).toBe(200);
    expect(patched.body.data.attributes.first_name).toBe('Patched');
    const filtered = await call('GET', `/api/profiles?filter=${encodeURIComponent('any(external_id,["e1","e2"])')}`);
    expect(filtered.body.data.map((p: any) => p.attributes.external_id).sort()).toEqual(['e1', 'e2']);
    const page1 = await call('GET', '/api/profiles?page[size]=10');
    expect(page1.body.data).toHaveLength(10);
    expect(page1.body.links?.next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/profiles\?/);
    const seen = new Set<string>();
    let next: string | null | undefined = `${emu.url}/api/profiles?page[size]=10`;
    while (next) {
      const page: HttpResult<KlaviyoDoc> = await call('GET', next.replace(emu.url, ''));
      for (const p of page.body.data) seen.add(p.id);
      next = page.body.links?.next;
    }
    expect(seen.size).toBe(25);
    expect((await call('GET', '/api/profiles/01ZZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
  });
});

describe('profile bulk import jobs', () => {
  it('goes queued → processing → complete over polls, reports per-profile errors with the original payload', async () => {
    const profiles = [
      { type: 'profile', attributes: { email: 'ok1@example.com', external_id: 'x1' } },
      { type: 'profile', attributes: { email: 'broken', external_id: 'x2' } },
      { type: 'profile', attributes: { external_id: 'x3', phone_number: '+4930123456' } },
    ];
    const created = await call('POST', '/api/profile-bulk-import-jobs', {
      data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } },
    });
    expect(created.status).toBe(202);
    expect(created.body.data.attributes).toMatchObject({ status: 'queued', total_count: 3 });
    const id = created.body.data.id;
    expect((await call('GET', `/api/profile-bulk-import-jobs/${id}`)).body.data.attributes.status).toBe('processing');
    const done = await call('GET', `/api/profile-bulk-import-jobs/${id}`);
    expect(done.body.data.attributes).toMatchObject({ status: 'complete', completed_count: 2, failed_count: 1 });
    const errors = await call('GET', `/api/profile-bulk-import-jobs/${id}/import-errors`);
    expect(errors.body.data).toHaveLength(1);
    expect(errors.body.data[0]).toMatchObject({
      type: 'import-error',
      attributes: {
        code: 'invalid',
        source: { pointer: '/data/attributes/profiles/data/1/attributes/email' },
        original_payload: profiles[1],
      },
    });
    const touched = await call('GET', `/api/profile-bulk-import-jobs/${id}/profiles`);
    expect(touched.body.data.map((p: any) => p.attributes.external_id).sort()).toEqual(['x1', 'x3']);
    const list = await call(
      'GET',
      `/api/profile-bulk-import-jobs?filter=${encodeURIComponent("equals(status,'complete')")}`,
    );
    expect(list.body.data.map((j: any) => j.id)).toEqual([id]);
  });

  it('rejects more than 10,000 profiles in one job and bodies over 5 MB', async () => {
    const many = Array.from({ length: 10_001 }, (_v, i) => ({ type: 'profile', attributes: { external_id: `m${i}` } }));
    const tooMany = await call('POST', '/api/profile-bulk-import-jobs', {
      data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: many } } },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0].detail).toContain('10000');
    const big = Array.from({ length: 60 }, (_v, i) => ({
      type: 'profile',
      attributes: { external_id: `b${i}`, properties: { blob: 'x'.repeat(90_000) } },
    }));
    const tooBig = await call('POST', '/api/profile-bulk-import-jobs', {
      data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: big } } },
    });
    expect(tooBig.status).toBe(413);
  });
});

describe('events', () => {
  it('create_event answers 202 with no body, upserts the profile, dedups by unique_id and keeps backfill', async () => {
    const ev = {
      data: {
        type: 'event',
        attributes: {
          properties: { OrderId: 'o1' },
          metric: metric('Placed Order'),
          profile: profile({ email: 'e@example.com' }),
          unique_id: 'o1',
          value: 12.5,
          value_currency: 'EUR',
          time: '2024-05-01T10:00:00Z',
          backfill: true,
        },
      },
    };
    const first = await call('POST', '/api/events', ev);
    expect(first.status).toBe(202);
    expect(first.body).toBeUndefined();
    await call('POST', '/api/events', ev);
    const events = await request<any[]>('GET', `${emu.url}/__emulator/events?metric=Placed%20Order`);
    expect(events.body).toHaveLength(1);
    expect(events.body[0]).toMatchObject({
      unique_id: 'o1',
      backfill: true,
      value: 12.5,
      value_currency: 'EUR',
      time: '2024-05-01T10:00:00.000Z',
      profile: { email: 'e@example.com' },
    });
  });

  it('bulk: 202 with no job id; events grouped per profile land once; a re-send adds nothing', async () => {
    const body = bulkEvents([
      {
        profile: { email: 'a@example.com', external_id: 'c-a' },
        events: [
          { properties: { n: 1 }, metric: metric('Placed Order'), unique_id: 'o-1' },
          { properties: { n: 2 }, metric: metric('Ordered Product'), unique_id: 'li-1' },
        ],
      },
      {
        profile: { email: 'b@example.com' },
        events: [{ properties: { n: 3 }, metric: metric('Placed Order'), unique_id: 'o-2', backfill: true }],
      },
    ]);
    const r = await call('POST', '/api/event-bulk-create-jobs', body);
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    await call('POST', '/api/event-bulk-create-jobs', body);
    const summary = await request<any>('GET', `${emu.url}/__emulator/summary`);
    expect(summary.body.events).toEqual({
      total: 3,
      byMetric: { 'Placed Order': 2, 'Ordered Product': 1 },
      droppedAtIngestion: 0,
    });
    expect(summary.body.profiles).toBe(2);
  });

  it('keeps events of different metrics that share a unique_id (Placed and Fulfilled Order of one order)', async () => {
    const r = await call(
      'POST',
      '/api/event-bulk-create-jobs',
      bulkEvents([
        {
          profile: { email: 'a@example.com' },
          events: [
            { properties: {}, metric: metric('Placed Order'), unique_id: 'o-9' },
            { properties: {}, metric: metric('Fulfilled Order'), unique_id: 'o-9' },
          ],
        },
      ]),
    );
    expect(r.status).toBe(202);
    expect((await request<any>('GET', `${emu.url}/__emulator/summary`)).body.events.byMetric).toEqual({
      'Placed Order': 1,
      'Fulfilled Order': 1,
    });
  });

  it('bulk: a unique_id repeated for the same profile and metric fails the whole request', async () => {
    const r = await call(
      'POST',
      '/api/event-bulk-create-jobs',
      bulkEvents([
        {
          profile: { email: 'a@example.com' },
          events: [{ properties: {}, metric: metric('Placed Order'), unique_id: 'dup' }],
        },
        {
          profile: { email: 'A@example.com' },
          events: [{ properties: {}, metric: metric('Placed Order'), unique_id: 'dup' }],
        },
      ]),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].source?.pointer).toBe(
      '/data/attributes/events-bulk-create/data/1/attributes/events/data/0/attributes/unique_id',
    );
    expect((await request<any>('GET', `${emu.url}/__emulator/summary`)).body.events.total).toBe(0);
  });

  it('bulk: more than 1,000 events, a string over 100 KB, or more than 400 properties fail the request', async () => {
    const thousandOne = Array.from({ length: 1001 }, (_v, i) => ({
      properties: {},
      metric: metric('M'),
      unique_id: `u${i}`,
    }));
    expect(
      (
        await call(
          'POST',
          '/api/event-bulk-create-jobs',
          bulkEvents([{ profile: { email: 'a@example.com' }, events: thousandOne }]),
        )
      ).status,
    ).toBe(400);
    const long = await call(
      'POST',
      '/api/event-bulk-create-jobs',
      bulkEvents([
        {
          profile: { email: 'a@example.com' },
          events: [{ properties: { note: 'y'.repeat(101 * 1024) }, metric: metric('M') }],
        },
      ]),
    );
    expect(long.status).toBe(400);
    expect(long.body.errors?.[0].source?.pointer).toBe(
      '/data/attributes/events-bulk-create/data/0/attributes/events/data/0/attributes/properties/note',
    );
    const props = Object.fromEntries(Array.from({ length: 401 }, (_v, i) => [`p${i}`, i]));
    expect(
      (
        await call(
          'POST',
          '/api/event-bulk-create-jobs',
          bulkEvents([{ profile: { email: 'a@example.com' }, events: [{ properties: props, metric: metric('M') }] }]),
        )
      ).status,
    ).toBe(400);
  });
});

describe('catalog', () => {
  const item = (externalId: string, extra: Record<string, unknown> = {}) => ({
    type: 'catalog-item',
    attributes: {
      external_id: externalId,
      title: `Item ${externalId}`,
      description: '',
      url: `https://shop.example/${externalId}`,
      price: 10,
      ...extra,
    },
  });

  it('creates, reads (URL-encoded compound ids), updates, lists with any(ids) and deletes items', async () => {
    const cat = await call('POST', '/api/catalog-categories', {
      data: { type: 'catalog-category', attributes: { external_id: 'cat1', name: 'Women > Pants' } },
    });
    expect(cat.status).toBe(201);
    expect(cat.body.data.id).toBe('$custom:::$default:::cat1');
    const created = await call('POST', '/api/catalog-items', {
      data: {
        ...item('p1'),
        relationships: { categories: { data: [{ type: 'catalog-category', id: '$custom:::$default:::cat1' }] } },
      },
    });
    expect(created.status).toBe(201);
    const dup = await call('POST', '/api/catalog-items', { data: item('p1') });
    expect(dup.status).toBe(409);
    const id = encodeURIComponent('$custom:::$default:::p1');
    expect((await call('GET', `/api/catalog-items/${id}`)).body.data.attributes.title).toBe('Item p1');
    const upd = await call('PATCH', `/api/catalog-items/${id}`, {
      data: { type: 'catalog-item', id: '$custom:::$default:::p1', attributes: { title: 'Renamed' } },
    });
    expect(upd.body.data.attributes.title).toBe('Renamed');
    const cats = await call('GET', `/api/catalog-items/${id}/relationships/categories`);
    expect(cats.body.data).toEqual([{ type: 'catalog-category', id: '$custom:::$default:::cat1' }]);
    const listed = await call(
      'GET',
      `/api/catalog-items?filter=${encodeURIComponent('any(ids,["$custom:::$default:::p1","$custom:::$default:::nope"])')}`,
    );
    expect(listed.body.data.map((i: any) => i.id)).toEqual(['$custom:::$default:::p1']);
    expect((await call('DELETE', `/api/catalog-items/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/catalog-items/${id}`)).status).toBe(404);
    expect(
      (
        await call(
          'GET',
          `/api/catalog-categories/${encodeURIComponent('$custom:::$default:::cat1')}/relationships/items`,
        )
      ).body.data,
    ).toEqual([]);
  });

  it('variants need an existing item; a variant list filters by item.id', async () => {
    await call('POST', '/api/catalog-items', { data: item('p2') });
    const variant = {
      type: 'catalog-variant',
      attributes: {
        external_id: 'SKU-1',
        title: 'S',
        description: '',
        sku: 'SKU-1',
        inventory_quantity: 0,
        price: 9.5,
        url: 'https://shop.example/p2',
      },
    };
    const orphan = await call('POST', '/api/catalog-variants', {
      data: {
        ...variant,
        relationships: { item: { data: { type: 'catalog-item', id: '$custom:::$default:::missing' } } },
      },
    });
    expect(orphan.status).toBe(400);
    const ok = await call('POST', '/api/catalog-variants', {
      data: { ...variant, relationships: { item: { data: { type: 'catalog-item', id: '$custom:::$default:::p2' } } } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.data.attributes.inventory_quantity).toBe(0);
    const byItem = await call(
      'GET',
      `/api/catalog-variants?filter=${encodeURIComponent('equals(item.id,"$custom:::$default:::p2")')}`,
    );
    expect(byItem.body.data.map((v: any) => v.id)).toEqual(['$custom:::$default:::SKU-1']);
  });

  it('bulk jobs: ≤ 100 resources, progress over polls, per-entry errors with pointers, included resources', async () => {
    const tooMany = await call('POST', '/api/catalog-item-bulk-create-jobs', {
      data: {
        type: 'catalog-item-bulk-create-job',
        attributes: { items: { data: Array.from({ length: 101 }, (_v, i) => item(`b${i}`)) } },
      },
    });
    expect(tooMany.status).toBe(400);
    const job = await call('POST', '/api/catalog-item-bulk-create-jobs', {
      data: {
        type: 'catalog-item-bulk-create-job',
        attributes: {
          items: {
            data: [
              item('j1'),
              {
                ...item('j2'),
                relationships: {
                  categories: { data: [{ type: 'catalog-category', id: '$custom:::$default:::none' }] },
                },
              },
            ],
          },
        },
      },
    });
    expect(job.status).toBe(202);
    expect(job.body.data.attributes.status).toBe('queued');
    const path = `/api/catalog-item-bulk-create-jobs/${job.body.data.id}?include=items`;
    expect((await call('GET', path)).body.data.attributes.status).toBe('processing');
    const done = await call('GET', path);
    expect(done.body.data.attributes).toMatchObject({
      status: 'complete',
      total_count: 2,
      completed_count: 1,
      failed_count: 1,
    });
    expect(done.body.data.attributes.errors[0]).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/attributes/items/data/1/relationships/categories/data/0/id' },
    });
    expect(done.body.included?.map((i: any) => i.id)).toEqual(['$custom:::$default:::j1']);
    const del = await call('POST', '/api/catalog-item-bulk-delete-jobs', {
      data: {
        type: 'catalog-item-bulk-delete-job',
        attributes: { items: { data: [{ type: 'catalog-item', id: '$custom:::$default:::j1' }] } },
      },
    });
    expect(del.status).toBe(202);
    await request('POST', `${emu.url}/__emulator/jobs/finish`);
    expect((await request<any>('GET', `${emu.url}/__emulator/summary`)).body.catalog.items).toBe(0);
  });

  it('refuses a new catalog job while 500 are in progress', async () => {
    const unthrottled = await startKlaviyoEmulator({ jobs: { mode: 'polls' }, rateLimits: false });
    try {
      const post = klaviyoCaller(unthrottled.url);
      const job = (i: number) => ({
        data: {
          type: 'catalog-category-bulk-create-job',
          attributes: {
            categories: { data: [{ type: 'catalog-category', attributes: { external_id: `c${i}`, name: `C${i}` } }] },
          },
        },
      });
      const statuses = await Promise.all(
        Array.from({ length: 500 }, (_v, i) =>
          post('POST', '/api/catalog-category-bulk-create-jobs', job(i)).then((r) => r.status),
        ),
      );
      expect(new Set(statuses)).toEqual(new Set([202]));
      const refused = await post('POST', '/api/catalog-category-bulk-create-jobs', job(500));
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      await request('POST', `${unthrottled.url}/__emulator/jobs/finish`);
      expect((await post('POST', '/api/catalog-category-bulk-create-jobs', job(501))).status).toBe(202);
    } finally {
      await unthrottled.close();
    }
  });

  it('keeps both directions of item↔category links consistent', async () => {
    await call('POST', '/api/catalog-categories', {
      data: { type: 'catalog-category', attributes: { external_id: 'k1', name: 'K1' } },
    });
    await call('POST', '/api/catalog-items', { data: item('i1') });
    const itemId = encodeURIComponent('$custom:::$default:::i1');
    const catId = encodeURIComponent('$custom:::$default:::k1');
    expect(
      (
        await call('POST', `/api/catalog-items/${itemId}/relationships/categories`, {
          data: [{ type: 'catalog-category', id: '$custom:::$default:::k1' }],
        })
      ).status,
    ).toBe(204);
    expect((await call('GET', `/api/catalog-categories/${catId}/relationships/items`)).body.data).toEqual([
      { type: 'catalog-item', id: '$custom:::$default:::i1' },
    ]);
    expect(
      (
        await call('DELETE', `/api/catalog-categories/${catId}/relationships/items`, {
          data: [{ type: 'catalog-item', id: '$custom:::$default:::i1' }],
        })
      ).status,
    ).toBe(204);
    expect((await call('GET', `/api/catalog-items/${itemId}/relationships/categories`)).body.data).toEqual([]);
  });
});

describe('subscriptions', () => {
  it('bulk subscribe answers 202 with no body and records consent; more than 1,000 profiles is a 400', async () => {
    const body = (n: number) => ({
      data: {
        type: 'profile-subscription-bulk-create-job',
        attributes: {
          profiles: {
            data: Array.from({ length: n }, (_v, i) => ({
              type: 'profile',
              attributes: {
                email: `s${i}@example.com`,
                subscriptions: { email: { marketing: { consent: 'SUBSCRIBED' } } },
              },
            })),
          },
        },
      },
    });
    // Klaviyo's default opt-in is double: only a single opt-in list subscribes at once.
    const list = await call('POST', '/api/lists', {
      data: { type: 'list', attributes: { name: 'Single', opt_in_process: 'single_opt_in' } },
    });
    expect(list.status).toBe(201);
    const r = await call('POST', '/api/profile-subscription-bulk-create-jobs', {
      data: { ...body(2).data, relationships: { list: { data: { type: 'list', id: list.body.data.id } } } },
    });
    expect(r.status).toBe(202);
    await request('POST', `${emu.url}/__emulator/jobs/finish`);
    const profiles = await request<any[]>('GET', `${emu.url}/__emulator/profiles?email=s1@example.com`);
    expect(profiles.body[0].subscriptions.email.marketing).toMatchObject({ consent: 'SUBSCRIBED', method: 'API' });
    expect((await call('POST', '/api/profile-subscription-bulk-create-jobs', body(1001))).status).toBe(400);
  });
});
