import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningKlaviyoEmulator, startKlaviyoEmulator } from '../../emulators/klaviyo/build-emulator.ts';
import { klaviyoCaller, request } from '../helpers/http.ts';

let emu: RunningKlaviyoEmulator;
let call: ReturnType<typeof klaviyoCaller>;

beforeAll(async () => {
  // create_list is limited to 10/s and 150/d; these tests create more lists than that (its limits are tested below).
  emu = await startKlaviyoEmulator({
    jobs: { mode: 'polls' },
    rateLimitOverrides: { create_list: { burstPerSecond: 1000, steadyPerMinute: 10_000, perDay: 10_000 } },
  });
  call = klaviyoCaller(emu.url);
});
afterAll(async () => emu.close());
beforeEach(async () => {
  await request('POST', `${emu.url}/__emulator/reset`);
});

const finishJobs = () => request('POST', `${emu.url}/__emulator/jobs/finish`);
const inspectProfile = async (email: string) =>
  (await request<any[]>('GET', `${emu.url}/__emulator/profiles?email=${encodeURIComponent(email)}`)).body[0];

async function createList(name: string, optIn?: 'single_opt_in' | 'double_opt_in'): Promise<string> {
  const r = await call('POST', '/api/lists', {
    data: { type: 'list', attributes: { name, ...(optIn ? { opt_in_process: optIn } : {}) } },
  });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

async function createProfile(attributes: Record<string, unknown>): Promise<string> {
  const r = await call('POST', '/api/profiles', { data: { type: 'profile', attributes } });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

type Entry = { email?: string; phone_number?: string; subscriptions: Record<string, unknown>; id?: string };

const subscribeBody = (
  entries: Entry[],
  options: { listId?: string; historical?: boolean; customSource?: string } = {},
) => ({
  data: {
    type: 'profile-subscription-bulk-create-job',
    attributes: {
      ...(options.customSource ? { custom_source: options.customSource } : {}),
      ...(options.historical !== undefined ? { historical_import: options.historical } : {}),
      profiles: {
        data: entries.map(({ id, ...attributes }) => ({ type: 'profile', ...(id ? { id } : {}), attributes })),
      },
    },
    ...(options.listId ? { relationships: { list: { data: { type: 'list', id: options.listId } } } } : {}),
  },
});

const unsubscribeBody = (entries: Entry[], listId?: string) => ({
  data: {
    type: 'profile-subscription-bulk-delete-job',
    attributes: { profiles: { data: entries.map((attributes) => ({ type: 'profile', attributes })) } },
    ...(listId ? { relationships: { list: { data: { type: 'list', id: listId } } } } : {}),
  },
});

const suppressionBody = (type: string, emails: string[], listId?: string) => ({
  data: {
    type,
    attributes: listId
      ? {}
      : { profiles: { data: emails.map((email) => ({ type: 'profile', attributes: { email } })) } },
    ...(listId ? { relationships: { list: { data: { type: 'list', id: listId } } } } : {}),
  },
});

const EMAIL_SUB = { email: { marketing: { consent: 'SUBSCRIBED' } } };
const SMS_SUB = { sms: { marketing: { consent: 'SUBSCRIBED' } } };

async function subscribe(entries: Entry[], options: Parameters<typeof subscribeBody>[1] = {}) {
  const r = await call('POST', '/api/profile-subscription-bulk-create-jobs', subscribeBody(entries, options));
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  await finishJobs();
}

describe('lists', () => {
  it('creates, gets (with profile_count only when asked) and lists lists, paged by 10', async () => {
    const id = await createList('Newsletter');
    expect(id).toMatch(/^[A-Za-z0-9]{6}$/);
    const got = await call('GET', `/api/lists/${id}`);
    expect(got.status).toBe(200);
    // Klaviyo: "lists are double opt-in by default" (help.klaviyo.com/hc/en-us/articles/115005251108).
    expect(got.body.data.attributes).toMatchObject({ name: 'Newsletter', opt_in_process: 'double_opt_in' });
    expect(got.body.data.attributes).not.toHaveProperty('profile_count');
    const counted = await call('GET', `/api/lists/${id}?additional-fields[list]=profile_count`);
    expect(counted.body.data.attributes.profile_count).toBe(0);
    for (let i = 0; i < 11; i++) await createList(`L${i}`);
    const page = await call('GET', '/api/lists');
    expect(page.body.data).toHaveLength(10);
    expect(page.body.links?.next).toBeTruthy();
    expect((await call('GET', '/api/lists?page[size]=11')).status).toBe(400);
    const byName = await call('GET', `/api/lists?filter=${encodeURIComponent("equals(name,'Newsletter')")}`);
    expect(byName.body.data.map((l: any) => l.id)).toEqual([id]);
  });

  it('refuses a list without a name and an unknown attribute; unknown list ids are 404', async () => {
    expect((await call('POST', '/api/lists', { data: { type: 'list', attributes: {} } })).status).toBe(400);
    const extra = await call('POST', '/api/lists', {
      data: { type: 'list', attributes: { name: 'x', colour: 'red' } },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.errors?.[0]?.source).toEqual({ pointer: '/data/attributes/colour' });
    expect((await call('GET', '/api/lists/XXXXXX')).status).toBe(404);
    expect((await call('GET', '/api/lists/XXXXXX/relationships/profiles')).status).toBe(404);
    const add = await call('POST', '/api/lists/XXXXXX/relationships/profiles', { data: [] });
    expect(add.status).toBe(404);
  });

  it('adds and removes profiles without touching consent; lists members and a profile’s lists', async () => {
    const listId = await createList('Members');
    const a = await createProfile({ email: 'a@example.com' });
    const b = await createProfile({ email: 'b@example.com' });
    const add = await call('POST', `/api/lists/${listId}/relationships/profiles`, {
      data: [
        { type: 'profile', id: a },
        { type: 'profile', id: b },
      ],
    });
    expect(add.status).toBe(204);
    const ids = await call('GET', `/api/lists/${listId}/relationships/profiles`);
    expect(ids.body.data).toEqual([
      { type: 'profile', id: a },
      { type: 'profile', id: b },
    ]);
    const aProfile = await call('GET', `/api/profiles/${a}?additional-fields[profile]=subscriptions`);
    expect(aProfile.body.data.attributes.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect((await call('GET', `/api/profiles/${a}/relationships/lists`)).body.data).toEqual([
      { type: 'list', id: listId },
    ]);
    const members = await call('GET', `/api/lists/${listId}/profiles`);
    expect(members.body.data[0].attributes.joined_group_at).toEqual(expect.any(String));
    const removed = await call('DELETE', `/api/lists/${listId}/relationships/profiles`, {
      data: [{ type: 'profile', id: a }],
    });
    expect(removed.status).toBe(204);
    expect((await call('GET', `/api/lists/${listId}/relationships/profiles`)).body.data).toEqual([
      { type: 'profile', id: b },
    ]);
    expect((await inspectProfile('a@example.com')).lists).toEqual([]);
    expect((await inspectProfile('b@example.com')).lists).toEqual([listId]);
  });

  it('a subscribed profile removed from a list keeps its consent', async () => {
    const listId = await createList('Keep', 'single_opt_in');
    await subscribe([{ email: 'k@example.com', subscriptions: EMAIL_SUB }], { listId });
    const p = await inspectProfile('k@example.com');
    expect(p.lists).toEqual([listId]);
    await call('DELETE', `/api/lists/${listId}/relationships/profiles`, { data: [{ type: 'profile', id: p.id }] });
    const after = await inspectProfile('k@example.com');
    expect(after.lists).toEqual([]);
    expect(after.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
  });

  it('an unknown profile id refuses the whole request (404) and adds no one', async () => {
    const listId = await createList('Strict');
    const a = await createProfile({ email: 'a@example.com' });
    const r = await call('POST', `/api/lists/${listId}/relationships/profiles`, {
      data: [
        { type: 'profile', id: a },
        { type: 'profile', id: '01NOSUCHPROFILE0000000000' },
      ],
    });
    expect(r.status).toBe(404);
    expect(r.body.errors?.[0]?.source).toEqual({ pointer: '/data/1/id' });
    expect((await call('GET', `/api/lists/${listId}/relationships/profiles`)).body.data).toEqual([]);
  });

  it('accepts at most 1,000 profiles per add or remove', async () => {
    const listId = await createList('Big');
    const data = Array.from({ length: 1001 }, (_v, i) => ({ type: 'profile', id: `p${i}` }));
    const r = await call('POST', `/api/lists/${listId}/relationships/profiles`, { data });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.detail).toContain('1000');
    expect((await call('DELETE', `/api/lists/${listId}/relationships/profiles`, { data })).status).toBe(400);
  });

  it('create_list has its published limits (10/s burst) and a daily limit of 150', async () => {
    const limited = await startKlaviyoEmulator({ speedUp: 1 });
    try {
      const c = klaviyoCaller(limited.url);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++)
        statuses.push(
          (await c('POST', '/api/lists', { data: { type: 'list', attributes: { name: `n${i}` } } })).status,
        );
      expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      await limited.close();
    }
    const daily = await startKlaviyoEmulator({ speedUp: 60 * 24, rateLimitOverrides: {} });
    try {
      // Sped up 1,440 times, a day lasts 60 s and a minute 41.7 ms: 150 creations fit, the 151st is refused.
      const c = klaviyoCaller(daily.url);
      let created = 0;
      let last: Awaited<ReturnType<typeof c>> | undefined;
      let remainingAt150: string | null = null;
      for (let i = 0; i < 151; i++) {
        let r = await c('POST', '/api/lists', { data: { type: 'list', attributes: { name: `d${i}` } } });
        while (r.status === 429 && created < 150) {
          await new Promise((res) => setTimeout(res, 50));
          r = await c('POST', '/api/lists', { data: { type: 'list', attributes: { name: `d${i}` } } });
        }
        if (r.status === 201) created++;
        if (created === 150 && r.status === 201) remainingAt150 = r.headers.get('RateLimit-Remaining');
        last = r;
      }
      expect(created).toBe(150);
      expect(last?.status).toBe(429);
      // The day's budget is spent: no per-minute room is advertised on the 150th creation.
      expect(remainingAt150).toBe('0');
      // A daily refusal, not a per-minute one: it asks to wait longer than a (sped-up) minute window, 60/1440 s.
      const minuteWindowSeconds = 60 / (60 * 24);
      expect(Number(last?.headers.get('Retry-After'))).toBeGreaterThan(minuteWindowSeconds * 2);
      // Waiting out a minute window does not help: still refused.
      await new Promise((res) => setTimeout(res, 100));
      expect((await c('POST', '/api/lists', { data: { type: 'list', attributes: { name: 'again' } } })).status).toBe(
        429,
      );
    } finally {
      await daily.close();
    }
  });
});

describe('bulk subscribe', () => {
  it('answers 202 and applies nothing until the job is processed; then consent, method and list', async () => {
    const listId = await createList('Newsletter', 'single_opt_in');
    const r = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ email: 'new@example.com', subscriptions: EMAIL_SUB }], { listId, customSource: 'checkout' }),
    );
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();
    expect(await inspectProfile('new@example.com')).toBeUndefined();
    await finishJobs();
    const p = await inspectProfile('new@example.com');
    expect(p.lists).toEqual([listId]);
    expect(p.subscriptions.email.marketing).toMatchObject({
      can_receive_email_marketing: true,
      consent: 'SUBSCRIBED',
      method: 'API',
      custom_method_detail: 'checkout',
      double_optin: false,
      suppression: [],
      list_suppressions: [],
    });
    expect(Date.parse(p.subscriptions.email.marketing.consent_timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(p.subscriptions.sms.marketing.consent).toBe('NEVER_SUBSCRIBED');
  });

  it('in time mode the effect appears once the job has run (--job-duration)', async () => {
    const timed = await startKlaviyoEmulator({ jobs: { durationMs: 300 } });
    try {
      const c = klaviyoCaller(timed.url);
      const r = await c(
        'POST',
        '/api/profile-subscription-bulk-create-jobs',
        subscribeBody([{ email: 't@example.com', subscriptions: EMAIL_SUB }]),
      );
      expect(r.status).toBe(202);
      const look = async () =>
        (await c('GET', `/api/profiles?filter=${encodeURIComponent('equals(email,"t@example.com")')}`)).body.data;
      expect(await look()).toEqual([]);
      await new Promise((res) => setTimeout(res, 400));
      expect(await look()).toHaveLength(1);
    } finally {
      await timed.close();
    }
  });

  it('finds an existing profile by email or phone instead of creating one', async () => {
    const id = await createProfile({ email: 'old@example.com', phone_number: '+4915112345678', first_name: 'Old' });
    const listId = await createList('Single', 'single_opt_in');
    await subscribe([{ phone_number: '+4915112345678', subscriptions: SMS_SUB }], { listId });
    await subscribe([{ email: 'OLD@example.com', subscriptions: EMAIL_SUB }], { listId });
    const all = await request<any[]>('GET', `${emu.url}/__emulator/profiles`);
    expect(all.body).toHaveLength(1);
    expect(all.body[0]).toMatchObject({ id, first_name: 'Old' });
    expect(all.body[0].subscriptions.sms.marketing).toMatchObject({
      consent: 'SUBSCRIBED',
      can_receive_sms_marketing: true,
    });
    expect(all.body[0].subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
  });

  it('historical import: consented_at is kept, and is required and in the past (400 with a pointer)', async () => {
    await subscribe(
      [
        {
          email: 'h@example.com',
          phone_number: '+14155550100',
          subscriptions: {
            email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2021-03-04T05:06:07Z' } },
            sms: { marketing: { consent: 'SUBSCRIBED', consented_at: '2022-01-01T00:00:00Z' } },
          },
        },
      ],
      { historical: true },
    );
    const p = await inspectProfile('h@example.com');
    expect(p.subscriptions.email.marketing.consent_timestamp).toBe('2021-03-04T05:06:07.000Z');
    expect(p.subscriptions.sms.marketing.consent_timestamp).toBe('2022-01-01T00:00:00.000Z');
    expect(Date.parse(p.subscriptions.email.marketing.last_updated)).toBeGreaterThan(Date.parse('2025-01-01'));

    const missing = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ email: 'x@example.com', subscriptions: EMAIL_SUB }], { historical: true }),
    );
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]?.source).toEqual({
      pointer: '/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at',
    });
    const future = new Date(Date.now() + 3600_000).toISOString();
    const inFuture = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody(
        [
          {
            email: 'ok@example.com',
            subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2020-01-01T00:00:00Z' } } },
          },
          {
            email: 'y@example.com',
            subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: future } } },
          },
        ],
        { historical: true },
      ),
    );
    expect(inFuture.status).toBe(400);
    expect(inFuture.body.errors?.[0]?.source?.pointer).toBe(
      '/data/attributes/profiles/data/1/attributes/subscriptions/email/marketing/consented_at',
    );
    await finishJobs();
    // A refused request applies nothing, not even its valid entries.
    expect(await inspectProfile('ok@example.com')).toBeUndefined();
  });

  it('without historical import, consented_at is refused (the spec: "providing any value ... will raise an error")', async () => {
    const r = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([
        {
          email: 'c@example.com',
          subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2020-01-01T00:00:00Z' } } },
        },
      ]),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.source?.pointer).toMatch(/consented_at$/);
  });

  it('an unknown list is 404; SMS needs a valid E.164 phone; email needs an email; at most 1,000 profiles', async () => {
    const unknownList = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ email: 'l@example.com', subscriptions: EMAIL_SUB }], { listId: 'NoSuch' }),
    );
    expect(unknownList.status).toBe(404);
    const badPhone = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ phone_number: '0151 1234567', subscriptions: SMS_SUB }]),
    );
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.errors?.[0]?.source?.pointer).toBe('/data/attributes/profiles/data/0/attributes/phone_number');
    const noPhone = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ email: 'p@example.com', subscriptions: SMS_SUB }]),
    );
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.errors?.[0]?.source?.pointer).toBe('/data/attributes/profiles/data/0/attributes/phone_number');
    const noEmail = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ phone_number: '+14155550101', subscriptions: EMAIL_SUB }]),
    );
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.errors?.[0]?.source?.pointer).toBe('/data/attributes/profiles/data/0/attributes/email');
    const many = Array.from({ length: 1001 }, (_v, i) => ({ email: `m${i}@example.com`, subscriptions: EMAIL_SUB }));
    expect((await call('POST', '/api/profile-subscription-bulk-create-jobs', subscribeBody(many))).status).toBe(400);
    const wrongConsent = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([{ email: 'w@example.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } }]),
    );
    expect(wrongConsent.status).toBe(400);
  });

  it('removes UNSUBSCRIBE and USER_SUPPRESSED suppressions and makes the profile reachable again', async () => {
    const listId = await createList('Single', 'single_opt_in');
    await subscribe([{ email: 'r@example.com', subscriptions: EMAIL_SUB }], { listId });
    await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([
        { email: 'r@example.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } },
      ]),
    );
    await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', ['r@example.com']),
    );
    await finishJobs();
    const before = (await inspectProfile('r@example.com')).subscriptions.email.marketing;
    expect(before.suppression.map((s: any) => s.reason).sort()).toEqual(['UNSUBSCRIBE', 'USER_SUPPRESSED']);
    expect(before.can_receive_email_marketing).toBe(false);
    await subscribe([{ email: 'r@example.com', subscriptions: EMAIL_SUB }], { listId });
    const after = (await inspectProfile('r@example.com')).subscriptions.email.marketing;
    expect(after.suppression).toEqual([]);
    expect(after.consent).toBe('SUBSCRIBED');
    expect(after.can_receive_email_marketing).toBe(true);
  });

  it('a double opt-in list leaves the email subscription pending (never confirmed here), unless historical', async () => {
    const listId = await createList('DOI', 'double_opt_in');
    await subscribe([{ email: 'd@example.com', subscriptions: EMAIL_SUB }], { listId });
    const p = await inspectProfile('d@example.com');
    expect(p.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect(p.lists).toEqual([]);
    const lists = await request<any[]>('GET', `${emu.url}/__emulator/lists`);
    expect(lists.body[0].pendingDoubleOptIns).toHaveLength(1);
    await subscribe(
      [
        {
          email: 'd@example.com',
          subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2020-05-05T00:00:00Z' } } },
        },
      ],
      { listId, historical: true },
    );
    const q = await inspectProfile('d@example.com');
    expect(q.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
    expect(q.lists).toEqual([listId]);
  });

  it('refuses channels it does not emulate (push, whatsapp) rather than pretending', async () => {
    const r = await call(
      'POST',
      '/api/profile-subscription-bulk-create-jobs',
      subscribeBody([
        { phone_number: '+14155550102', subscriptions: { whatsapp: { marketing: { consent: 'SUBSCRIBED' } } } },
      ]),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.detail).toContain('not emulated');
  });
});

describe('bulk unsubscribe', () => {
  const EMAIL_UNSUB = { email: { marketing: { consent: 'UNSUBSCRIBED' } } };

  it('without a list: global unsubscribe, newer than the consent, with an UNSUBSCRIBE suppression', async () => {
    await subscribe(
      [
        {
          email: 'g@example.com',
          subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2020-01-01T00:00:00Z' } } },
        },
      ],
      { historical: true },
    );
    const r = await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([{ email: 'g@example.com', subscriptions: EMAIL_UNSUB }]),
    );
    expect(r.status).toBe(202);
    expect((await inspectProfile('g@example.com')).subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
    await finishJobs();
    const m = (await inspectProfile('g@example.com')).subscriptions.email.marketing;
    expect(m.consent).toBe('UNSUBSCRIBED');
    expect(m.can_receive_email_marketing).toBe(false);
    expect(Date.parse(m.consent_timestamp)).toBeGreaterThan(Date.parse('2020-01-01T00:00:00Z'));
    expect(m.suppression).toEqual([{ reason: 'UNSUBSCRIBE', timestamp: m.consent_timestamp }]);
  });

  it('by default (Klaviyo: an unsubscribe is global) a member of the list is unsubscribed everywhere and removed', async () => {
    const listId = await createList('Promo', 'single_opt_in');
    const other = await createList('Other', 'single_opt_in');
    await subscribe([{ email: 'l@example.com', subscriptions: EMAIL_SUB }], { listId });
    await subscribe([{ email: 'l@example.com', subscriptions: EMAIL_SUB }], { listId: other });
    await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([{ email: 'l@example.com', subscriptions: EMAIL_UNSUB }], listId),
    );
    await finishJobs();
    const p = await inspectProfile('l@example.com');
    expect(p.lists).toEqual([other]);
    expect(p.subscriptions.email.marketing.consent).toBe('UNSUBSCRIBED');
    expect(p.subscriptions.email.marketing.can_receive_email_marketing).toBe(false);
    expect(p.subscriptions.email.marketing.suppression).toEqual([
      { reason: 'UNSUBSCRIBE', timestamp: expect.any(String) },
    ]);
    expect(p.subscriptions.email.marketing.list_suppressions).toEqual([]);
  });

  it('with a list the profile is not in: globally unsubscribed (the spec’s warning)', async () => {
    const listId = await createList('Promo');
    await subscribe([{ email: 'n@example.com', subscriptions: EMAIL_SUB }]);
    await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([{ email: 'n@example.com', subscriptions: EMAIL_UNSUB }], listId),
    );
    await finishJobs();
    expect((await inspectProfile('n@example.com')).subscriptions.email.marketing.consent).toBe('UNSUBSCRIBED');
  });

  it('listUnsubscribe: list (--list-unsubscribe list): removed from that list, list-suppressed, consent kept', async () => {
    const scoped = await startKlaviyoEmulator({ jobs: { mode: 'polls' }, listUnsubscribe: 'list' });
    try {
      const c = klaviyoCaller(scoped.url);
      const finish = () => request('POST', `${scoped.url}/__emulator/jobs/finish`);
      const newList = async (name: string) =>
        (
          await c('POST', '/api/lists', {
            data: { type: 'list', attributes: { name, opt_in_process: 'single_opt_in' } },
          })
        ).body.data.id as string;
      const sub = async (listId: string) => {
        await c(
          'POST',
          '/api/profile-subscription-bulk-create-jobs',
          subscribeBody([{ email: 'l@example.com', subscriptions: EMAIL_SUB }], { listId }),
        );
        await finish();
      };
      const listId = await newList('Promo');
      const other = await newList('Other');
      await sub(listId);
      await sub(other);
      await c(
        'POST',
        '/api/profile-subscription-bulk-delete-jobs',
        unsubscribeBody([{ email: 'l@example.com', subscriptions: EMAIL_UNSUB }], listId),
      );
      await finish();
      const look = async () => (await request<any[]>('GET', `${scoped.url}/__emulator/profiles`)).body[0];
      const p = await look();
      expect(p.lists).toEqual([other]);
      expect(p.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
      expect(p.subscriptions.email.marketing.suppression).toEqual([]);
      expect(p.subscriptions.email.marketing.list_suppressions).toEqual([
        { list_id: listId, reason: 'UNSUBSCRIBE', timestamp: expect.any(String) },
      ]);
      // Subscribing to that list again lifts the list suppression.
      await sub(listId);
      expect((await look()).subscriptions.email.marketing.list_suppressions).toEqual([]);
    } finally {
      await scoped.close();
    }
  });

  it('SMS unsubscribe is global; an unknown profile is created and unsubscribed; at most 100 profiles; unknown list 404', async () => {
    await subscribe([{ phone_number: '+14155550103', subscriptions: SMS_SUB }]);
    await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([
        { phone_number: '+14155550103', subscriptions: { sms: { marketing: { consent: 'UNSUBSCRIBED' } } } },
        { email: 'fresh@example.com', subscriptions: EMAIL_UNSUB },
      ]),
    );
    await finishJobs();
    const all = (await request<any[]>('GET', `${emu.url}/__emulator/profiles`)).body;
    const sms = all.find((p) => p.phone_number === '+14155550103');
    expect(sms.subscriptions.sms.marketing).toMatchObject({
      consent: 'UNSUBSCRIBED',
      can_receive_sms_marketing: false,
    });
    expect((await inspectProfile('fresh@example.com')).subscriptions.email.marketing.consent).toBe('UNSUBSCRIBED');
    const many = Array.from({ length: 101 }, (_v, i) => ({ email: `u${i}@example.com`, subscriptions: EMAIL_UNSUB }));
    const tooMany = await call('POST', '/api/profile-subscription-bulk-delete-jobs', unsubscribeBody(many));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0]?.detail).toContain('100');
    const unknown = await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([{ email: 'a@example.com', subscriptions: EMAIL_UNSUB }], 'NoSuch'),
    );
    expect(unknown.status).toBe(404);
  });
});

describe('suppressions', () => {
  it('suppress creates missing profiles with USER_SUPPRESSED; the job is readable and completes', async () => {
    const r = await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', ['s1@example.com', 's2@example.com']),
    );
    expect(r.status).toBe(202);
    expect(r.body.data).toMatchObject({
      type: 'profile-suppression-bulk-create-job',
      attributes: { status: 'queued', total_count: 2 },
    });
    const id = r.body.data.id;
    await call('GET', `/api/profile-suppression-bulk-create-jobs/${id}`);
    const done = await call('GET', `/api/profile-suppression-bulk-create-jobs/${id}`);
    expect(done.body.data.attributes).toMatchObject({ status: 'complete', completed_count: 2, skipped_count: 0 });
    const m = (await inspectProfile('s1@example.com')).subscriptions.email.marketing;
    expect(m.suppression).toEqual([{ reason: 'USER_SUPPRESSED', timestamp: expect.any(String) }]);
    expect(m.can_receive_email_marketing).toBe(false);
    expect(m.consent).toBe('NEVER_SUBSCRIBED');
    const listed = await call(
      'GET',
      `/api/profile-suppression-bulk-create-jobs?filter=${encodeURIComponent("equals(status,'complete')")}`,
    );
    expect(listed.body.data.map((j: any) => j.id)).toEqual([id]);
  });

  it('unsuppress removes only USER_SUPPRESSED, skips unknown emails, keeps an unsubscribe', async () => {
    await subscribe([{ email: 'x@example.com', subscriptions: EMAIL_SUB }]);
    await call(
      'POST',
      '/api/profile-subscription-bulk-delete-jobs',
      unsubscribeBody([
        { email: 'x@example.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } },
      ]),
    );
    await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', ['x@example.com']),
    );
    await finishJobs();
    const r = await call(
      'POST',
      '/api/profile-suppression-bulk-delete-jobs',
      suppressionBody('profile-suppression-bulk-delete-job', ['x@example.com', 'nobody@example.com']),
    );
    expect(r.status).toBe(202);
    await finishJobs();
    const job = await call('GET', `/api/profile-suppression-bulk-delete-jobs/${r.body.data.id}`);
    expect(job.body.data.attributes).toMatchObject({ status: 'complete', completed_count: 1, skipped_count: 1 });
    expect(await inspectProfile('nobody@example.com')).toBeUndefined();
    const m = (await inspectProfile('x@example.com')).subscriptions.email.marketing;
    expect(m.suppression.map((s: any) => s.reason)).toEqual(['UNSUBSCRIBE']);
    expect(m.consent).toBe('UNSUBSCRIBED');
  });

  it('suppresses the members of a list; refuses both profiles and a list, segments, bad emails, over 100', async () => {
    const listId = await createList('Sup');
    const a = await createProfile({ email: 'm1@example.com' });
    await call('POST', `/api/lists/${listId}/relationships/profiles`, { data: [{ type: 'profile', id: a }] });
    const r = await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', [], listId),
    );
    expect(r.status).toBe(202);
    expect(r.body.data.relationships.lists.data).toEqual([{ type: 'list', id: listId }]);
    await finishJobs();
    expect((await inspectProfile('m1@example.com')).subscriptions.email.marketing.suppression).toHaveLength(1);
    const both = suppressionBody('profile-suppression-bulk-create-job', ['z@example.com']);
    (both.data as any).relationships = { list: { data: { type: 'list', id: listId } } };
    expect((await call('POST', '/api/profile-suppression-bulk-create-jobs', both)).status).toBe(400);
    const seg = {
      data: {
        type: 'profile-suppression-bulk-create-job',
        attributes: {},
        relationships: { segment: { data: { type: 'segment', id: 'SEG123' } } },
      },
    };
    expect((await call('POST', '/api/profile-suppression-bulk-create-jobs', seg)).status).toBe(404);
    const bad = await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', ['not-an-email']),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.source?.pointer).toBe('/data/attributes/profiles/data/0/attributes/email');
    const many = Array.from({ length: 101 }, (_v, i) => `e${i}@example.com`);
    expect(
      (
        await call(
          'POST',
          '/api/profile-suppression-bulk-create-jobs',
          suppressionBody('profile-suppression-bulk-create-job', many),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/api/profile-suppression-bulk-create-jobs',
          suppressionBody('profile-suppression-bulk-create-job', [], 'NoSuch'),
        )
      ).status,
    ).toBe(404);
  });
});

describe('profile reads', () => {
  it('carry attributes.subscriptions only when additional-fields[profile]=subscriptions is asked', async () => {
    const listId = await createList('Single', 'single_opt_in');
    await subscribe(
      [{ email: 'read@example.com', phone_number: '+14155550104', subscriptions: { ...EMAIL_SUB, ...SMS_SUB } }],
      { listId },
    );
    const id = (await inspectProfile('read@example.com')).id;
    const plain = await call('GET', `/api/profiles/${id}`);
    expect(plain.body.data.attributes).not.toHaveProperty('subscriptions');
    const withSubs = await call('GET', `/api/profiles/${id}?additional-fields[profile]=subscriptions`);
    const s = withSubs.body.data.attributes.subscriptions;
    expect(Object.keys(s.email.marketing).sort()).toEqual(
      [
        'can_receive_email_marketing',
        'consent',
        'consent_timestamp',
        'custom_method_detail',
        'double_optin',
        'last_updated',
        'list_suppressions',
        'method',
        'method_detail',
        'suppression',
      ].sort(),
    );
    expect(s.sms.marketing).toMatchObject({ can_receive_sms_marketing: true, consent: 'SUBSCRIBED', method: 'API' });
    const list = await call('GET', `/api/profiles?additional-fields[profile]=subscriptions`);
    expect(list.body.data[0].attributes.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
    expect((await call('GET', '/api/profiles')).body.data[0].attributes).not.toHaveProperty('subscriptions');
    expect((await call('GET', `/api/profiles/${id}?additional-fields[profile]=colour`)).status).toBe(400);
  });

  it('a profile without an email cannot receive email marketing', async () => {
    const id = await createProfile({ external_id: 'no-email' });
    const r = await call('GET', `/api/profiles/${id}?additional-fields[profile]=subscriptions`);
    expect(r.body.data.attributes.subscriptions.email.marketing).toMatchObject({
      consent: 'NEVER_SUBSCRIBED',
      can_receive_email_marketing: false,
      consent_timestamp: null,
    });
  });
});

describe('rate limits of the consent endpoints', () => {
  it('follow the spec: subscribe 75/s burst, add to list 10/s, profile lists 3/s', async () => {
    const limited = await startKlaviyoEmulator({ jobs: { mode: 'polls' } });
    try {
      const c = klaviyoCaller(limited.url);
      const id = (
        await c('POST', '/api/profiles', { data: { type: 'profile', attributes: { email: 'rl@example.com' } } })
      ).body.data.id;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await c('GET', `/api/profiles/${id}/relationships/lists`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const r = await c('GET', `/api/profiles/${id}/lists`);
      expect(r.headers.get('ratelimit-limit')).toBe('60');
      const sub = await c(
        'POST',
        '/api/profile-subscription-bulk-create-jobs',
        subscribeBody([{ email: 'rl@example.com', subscriptions: EMAIL_SUB }]),
      );
      expect(sub.headers.get('ratelimit-limit')).toBe('750');
    } finally {
      await limited.close();
    }
  });
});

describe('after review: Klaviyo’s stricter defaults', () => {
  it('a list created without opt_in_process is double opt-in: email stays pending and the profile joins no list', async () => {
    const listId = await createList('Default');
    await subscribe([{ email: 'dflt@example.com', subscriptions: EMAIL_SUB }], { listId });
    const p = await inspectProfile('dflt@example.com');
    expect(p.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect(p.lists).toEqual([]);
    expect(p.pendingOptIns).toEqual([expect.objectContaining({ listId, channel: 'email' })]);
  });

  it('a subscribe naming no list follows the account default (double opt-in): pending unless historical', async () => {
    await subscribe([{ email: 'nolist@example.com', subscriptions: EMAIL_SUB }]);
    const p = await inspectProfile('nolist@example.com');
    expect(p.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect(p.pendingOptIns).toEqual([expect.objectContaining({ listId: null, channel: 'email' })]);
    await subscribe(
      [
        {
          email: 'nolist@example.com',
          subscriptions: { email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2021-01-01T00:00:00Z' } } },
        },
      ],
      { historical: true },
    );
    expect((await inspectProfile('nolist@example.com')).subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
  });

  it('an account set to single opt-in (defaultOptIn) subscribes at once and creates single opt-in lists', async () => {
    const single = await startKlaviyoEmulator({ jobs: { mode: 'polls' }, defaultOptIn: 'single_opt_in' });
    try {
      const c = klaviyoCaller(single.url);
      const list = await c('POST', '/api/lists', { data: { type: 'list', attributes: { name: 'x' } } });
      expect(list.body.data.attributes.opt_in_process).toBe('single_opt_in');
      await c(
        'POST',
        '/api/profile-subscription-bulk-create-jobs',
        subscribeBody([{ email: 'one@example.com', subscriptions: EMAIL_SUB }]),
      );
      await request('POST', `${single.url}/__emulator/jobs/finish`);
      const p = (await request<any[]>('GET', `${single.url}/__emulator/profiles`)).body[0];
      expect(p.subscriptions.email.marketing.consent).toBe('SUBSCRIBED');
    } finally {
      await single.close();
    }
  });

  it('SMS to a double opt-in list is pending too, and the profile does not join until confirmed', async () => {
    const listId = await createList('DOI', 'double_opt_in');
    await subscribe([{ phone_number: '+14155550111', subscriptions: SMS_SUB }], { listId });
    const p = (await request<any[]>('GET', `${emu.url}/__emulator/profiles`)).body.find(
      (x) => x.phone_number === '+14155550111',
    );
    expect(p.subscriptions.sms.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect(p.subscriptions.sms.marketing.can_receive_sms_marketing).toBe(false);
    expect(p.lists).toEqual([]);
    const lists = await request<any[]>('GET', `${emu.url}/__emulator/lists`);
    expect(lists.body[0].members).toEqual([]);
    expect(lists.body[0].pendingDoubleOptIns).toEqual([expect.objectContaining({ listId, channel: 'sms' })]);
  });

  it('get_profiles filters and sorts on suppression fields read from the consent record', async () => {
    const listId = await createList('Single', 'single_opt_in');
    await subscribe([{ email: 'keep@example.com', subscriptions: EMAIL_SUB }], { listId });
    await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', ['sup@example.com']),
    );
    await finishJobs();
    const q = (f: string) =>
      call('GET', `/api/profiles?filter=${encodeURIComponent(f)}`).then((r) => {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return r.body.data.map((x: any) => x.attributes.email);
      });
    expect(await q('equals(subscriptions.email.marketing.suppression.reason,"USER_SUPPRESSED")')).toEqual([
      'sup@example.com',
    ]);
    expect(await q('equals(subscriptions.email.marketing.suppression.reason,"HARD_BOUNCE")')).toEqual([]);
    expect(await q('greater-than(subscriptions.email.marketing.suppression.timestamp,2020-01-01T00:00:00Z)')).toEqual([
      'sup@example.com',
    ]);
    const sorted = await call('GET', '/api/profiles?sort=-subscriptions.email.marketing.suppression.timestamp');
    expect(sorted.status).toBe(200);
    expect(sorted.body.data[0].attributes.email).toBe('sup@example.com');
  });

  it('get_profiles filters on list suppressions (list-scoped unsubscribe)', async () => {
    const scoped = await startKlaviyoEmulator({ jobs: { mode: 'polls' }, listUnsubscribe: 'list' });
    try {
      const c = klaviyoCaller(scoped.url);
      const listId = (
        await c('POST', '/api/lists', {
          data: { type: 'list', attributes: { name: 'P', opt_in_process: 'single_opt_in' } },
        })
      ).body.data.id;
      await c(
        'POST',
        '/api/profile-subscription-bulk-create-jobs',
        subscribeBody(
          [
            { email: 'ls1@example.com', subscriptions: EMAIL_SUB },
            { email: 'ls2@example.com', subscriptions: EMAIL_SUB },
          ],
          { listId },
        ),
      );
      await request('POST', `${scoped.url}/__emulator/jobs/finish`);
      await c(
        'POST',
        '/api/profile-subscription-bulk-delete-jobs',
        unsubscribeBody(
          [{ email: 'ls1@example.com', subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } }],
          listId,
        ),
      );
      await request('POST', `${scoped.url}/__emulator/jobs/finish`);
      const r = await c(
        'GET',
        `/api/profiles?filter=${encodeURIComponent(`equals(subscriptions.email.marketing.list_suppressions.list_id,"${listId}")`)}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.data.map((x: any) => x.attributes.email)).toEqual(['ls1@example.com']);
    } finally {
      await scoped.close();
    }
  });

  it('bulk profile import into lists: an unknown list is 404; a known list gains the imported profiles', async () => {
    const importBody = (listIds: string[]) => ({
      data: {
        type: 'profile-bulk-import-job',
        attributes: {
          profiles: {
            data: [
              { type: 'profile', attributes: { email: 'imp1@example.com' } },
              { type: 'profile', attributes: { email: 'imp2@example.com' } },
            ],
          },
        },
        relationships: { lists: { data: listIds.map((id) => ({ type: 'list', id })) } },
      },
    });
    const unknown = await call('POST', '/api/profile-bulk-import-jobs', importBody(['NoSuch']));
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]?.source?.pointer).toBe('/data/relationships/lists/data/0/id');
    await finishJobs();
    expect(await inspectProfile('imp1@example.com')).toBeUndefined();
    const listId = await createList('Imported');
    const r = await call('POST', '/api/profile-bulk-import-jobs', importBody([listId]));
    expect(r.status).toBe(202);
    expect(r.body.data.relationships.lists.data).toEqual([{ type: 'list', id: listId }]);
    await finishJobs();
    const members = await call('GET', `/api/lists/${listId}/relationships/profiles`);
    expect(members.body.data).toHaveLength(2);
    expect((await inspectProfile('imp2@example.com')).lists).toEqual([listId]);
    const job = await call('GET', `/api/profile-bulk-import-jobs/${r.body.data.id}`);
    expect(job.body.data.relationships.lists.data).toEqual([{ type: 'list', id: listId }]);
  });

  it('a suppression job by list suppresses the members at request time, matching its total_count', async () => {
    const listId = await createList('Sup');
    const a = await createProfile({ email: 'early@example.com' });
    const b = await createProfile({ email: 'late@example.com' });
    await call('POST', `/api/lists/${listId}/relationships/profiles`, { data: [{ type: 'profile', id: a }] });
    const r = await call(
      'POST',
      '/api/profile-suppression-bulk-create-jobs',
      suppressionBody('profile-suppression-bulk-create-job', [], listId),
    );
    expect(r.status).toBe(202);
    expect(r.body.data.attributes.total_count).toBe(1);
    await call('POST', `/api/lists/${listId}/relationships/profiles`, { data: [{ type: 'profile', id: b }] });
    await finishJobs();
    expect((await inspectProfile('early@example.com')).subscriptions.email.marketing.suppression).toHaveLength(1);
    expect((await inspectProfile('late@example.com')).subscriptions.email.marketing.suppression).toEqual([]);
    const job = await call('GET', `/api/profile-suppression-bulk-create-jobs/${r.body.data.id}`);
    expect(job.body.data.attributes).toMatchObject({ total_count: 1, completed_count: 1, skipped_count: 0 });
  });
});
