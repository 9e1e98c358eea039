import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningKlaviyoEmulator, startKlaviyoEmulator } from '../../emulators/klaviyo/build-emulator.ts';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { klaviyoEmulators } from '../helpers/klaviyo-emulators.ts';
import { type InspectedProfile, klaviyoInspector } from '../helpers/klaviyo-inspect.ts';

let emu: RunningKlaviyoEmulator;
let call: ReturnType<typeof klaviyoCaller>;
let inspect: ReturnType<typeof klaviyoInspector>;
const emulator = klaviyoEmulators();

const UNLIMITED = { burstPerSecond: 1000, steadyPerMinute: 10_000 };

beforeAll(async () => {
  // Jobs run on the clock (the default), as they do for a service under test; the published limits of the two
  // operations are tested on emulators of their own below.
  emu = await startKlaviyoEmulator({
    rateLimitOverrides: { request_profile_deletion: UNLIMITED, merge_profiles: UNLIMITED, create_list: UNLIMITED },
  });
  call = klaviyoCaller(emu.url);
  inspect = klaviyoInspector(emu.url);
});
afterAll(async () => emu.close());
beforeEach(async () => {
  await request('POST', `${emu.url}/__emulator/reset`);
});

type Identifier = { email?: string; phone_number?: string; id?: string };

const deletionBody = ({ id, ...attributes }: Identifier) => ({
  data: {
    type: 'data-privacy-deletion-job',
    attributes: { profile: { data: { type: 'profile', ...(id === undefined ? {} : { id }), attributes } } },
  },
});

const mergeBody = (destination: string, sources: string[]) => ({
  data: {
    type: 'profile-merge',
    id: destination,
    relationships: { profiles: { data: sources.map((id) => ({ type: 'profile', id })) } },
  },
});

async function importProfile(c: typeof call, attributes: Record<string, unknown>): Promise<string> {
  const r = await c('POST', '/api/profile-import', { data: { type: 'profile', attributes } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.data.id;
}

async function createEvent(email: string, metric: string, uniqueId: string): Promise<void> {
  const r = await call('POST', '/api/events', {
    data: {
      type: 'event',
      attributes: {
        properties: { n: uniqueId },
        metric: { data: { type: 'metric', attributes: { name: metric } } },
        profile: { data: { type: 'profile', attributes: { email } } },
        unique_id: uniqueId,
      },
    },
  });
  expect(r.status).toBe(202);
}

async function singleOptInList(name: string): Promise<string> {
  const r = await call('POST', '/api/lists', {
    data: { type: 'list', attributes: { name, opt_in_process: 'single_opt_in' } },
  });
  expect(r.status).toBe(201);
  return r.body.data.id;
}

/** Subscribes email (and SMS, with a phone number) on a single opt-in list; waits until the job has run. */
async function subscribe(listId: string, identity: { email: string; phone_number?: string }): Promise<void> {
  const subscriptions = {
    email: { marketing: { consent: 'SUBSCRIBED' } },
    ...(identity.phone_number ? { sms: { marketing: { consent: 'SUBSCRIBED' } } } : {}),
  };
  const r = await call('POST', '/api/profile-subscription-bulk-create-jobs', {
    data: {
      type: 'profile-subscription-bulk-create-job',
      attributes: { profiles: { data: [{ type: 'profile', attributes: { ...identity, subscriptions } }] } },
      relationships: { list: { data: { type: 'list', id: listId } } },
    },
  });
  expect(r.status).toBe(202);
  await waitFor(
    async () => (await inspect.profileWithEmail(identity.email))?.lists.includes(listId),
    10_000,
    'the subscription to land',
  );
}

async function unsubscribe(email: string): Promise<void> {
  const r = await call('POST', '/api/profile-subscription-bulk-delete-jobs', {
    data: {
      type: 'profile-subscription-bulk-delete-job',
      attributes: {
        profiles: {
          data: [
            {
              type: 'profile',
              attributes: { email, subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } },
            },
          ],
        },
      },
    },
  });
  expect(r.status).toBe(202);
  await waitFor(
    async () => (await inspect.profileWithEmail(email))?.subscriptions.email.marketing.consent === 'UNSUBSCRIBED',
    10_000,
    'the unsubscribe to land',
  );
}

async function eventsOf(profileId: string): Promise<Array<{ profileId: string; unique_id: string }>> {
  const all = (await request<Array<{ profileId: string; unique_id: string }>>('GET', `${emu.url}/__emulator/events`))
    .body;
  return all.filter((e) => e.profileId === profileId);
}

/** A list's members, checked against its `profile_count` (which counts memberships, not profiles). */
async function listMembers(listId: string): Promise<string[]> {
  const r = await call('GET', `/api/lists/${listId}/relationships/profiles`);
  expect(r.status).toBe(200);
  const ids: string[] = r.body.data.map((m: { id: string }) => m.id);
  const counted = await call('GET', `/api/lists/${listId}?additional-fields[list]=profile_count`);
  expect(counted.body.data.attributes.profile_count).toBe(ids.length);
  return ids;
}

describe('request_profile_deletion', () => {
  it('deletes by email (any case): the profile, its events, list memberships and consent; 202 without a body', async () => {
    const listId = await singleOptInList('Newsletter');
    const id = await importProfile(call, { email: 'gone@example.com', first_name: 'Gone' });
    const keptId = await importProfile(call, { email: 'kept@example.com' });
    await subscribe(listId, { email: 'gone@example.com' });
    await subscribe(listId, { email: 'kept@example.com' });
    await createEvent('gone@example.com', 'Placed Order', 'o-1');
    await createEvent('kept@example.com', 'Placed Order', 'o-2');
    expect(await eventsOf(id)).toHaveLength(1);

    const r = await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: 'GONE@Example.com' }));
    expect(r.status).toBe(202);
    expect(r.body).toBeUndefined();

    const [done] = await inspect.waitForDeletions({ email: 'gone@example.com' });
    expect(done).toMatchObject({ identifierType: 'email', status: 'complete', deletedProfileIds: [id] });
    expect(done.completedAt).toEqual(expect.any(String));
    expect(await inspect.hasProfileWithEmail('gone@example.com')).toBe(false);
    expect((await call('GET', `/api/profiles/${id}`)).status).toBe(404);
    const byEmail = await call('GET', `/api/profiles?filter=${encodeURIComponent('equals(email,"gone@example.com")')}`);
    expect(byEmail.body.data).toEqual([]);
    expect(await eventsOf(id)).toEqual([]);
    expect(await listMembers(listId)).toEqual([keptId]);
    // The other profile is untouched, its event and consent too.
    expect(await eventsOf(keptId)).toHaveLength(1);
    expect((await inspect.profileWithEmail('kept@example.com'))?.subscriptions.email.marketing.consent).toBe(
      'SUBSCRIBED',
    );
    // The emulator keeps no email: not in the deletion record, not in its request log.
    const records = await request<unknown>('GET', `${emu.url}/__emulator/deletions`);
    expect(JSON.stringify(records.body).toLowerCase()).not.toContain('gone@example.com');
    const log = await request<unknown>('GET', `${emu.url}/__emulator/requests?limit=1000`);
    expect(JSON.stringify(log.body).toLowerCase()).not.toContain('gone@example.com');
  });

  it('deletes by phone number and by profile id', async () => {
    const byPhone = await importProfile(call, { phone_number: '+4915112345678', external_id: 'c-1' });
    const byId = await importProfile(call, { email: 'by-id@example.com' });
    const other = await importProfile(call, { phone_number: '+4915187654321' });
    expect(
      (await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ phone_number: '+4915112345678' }))).status,
    ).toBe(202);
    expect((await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ id: byId }))).status).toBe(202);

    const [phone] = await inspect.waitForDeletions({ phone_number: '+4915112345678' });
    expect(phone).toMatchObject({ identifierType: 'phone_number', deletedProfileIds: [byPhone] });
    const [viaId] = await inspect.waitForDeletions({ profile_id: byId });
    expect(viaId).toMatchObject({ identifierType: 'id', deletedProfileIds: [byId] });
    expect((await call('GET', `/api/profiles/${byPhone}`)).status).toBe(404);
    expect((await call('GET', `/api/profiles/${byId}`)).status).toBe(404);
    expect((await call('GET', `/api/profiles/${other}`)).status).toBe(200);
    // The external_id is free again too.
    expect(await importProfile(call, { external_id: 'c-1' })).not.toBe(byPhone);
  });

  it('refuses more than one identifier, or none, with a 400 naming the rule; nothing is queued', async () => {
    const id = await importProfile(call, { email: 'two@example.com', phone_number: '+4915100000001' });
    const two = await call(
      'POST',
      '/api/data-privacy-deletion-jobs',
      deletionBody({ email: 'two@example.com', phone_number: '+4915100000001' }),
    );
    expect(two.status).toBe(400);
    expect(two.body.errors?.[0]).toMatchObject({
      status: 400,
      code: 'invalid',
      source: { pointer: '/data/attributes/profile/data/attributes/phone_number' },
    });
    expect(two.body.errors?.[0].detail).toMatch(/only one identifier/i);
    expect(two.body.errors?.[0].detail).not.toContain('two@example.com');
    const withId = await call(
      'POST',
      '/api/data-privacy-deletion-jobs',
      deletionBody({ email: 'two@example.com', id }),
    );
    expect(withId.status).toBe(400);
    expect(withId.body.errors?.[0].source?.pointer).toBe('/data/attributes/profile/data/id');
    const none = await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({}));
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0].detail).toMatch(/exactly one of email, phone_number or id/i);
    // The id belongs on the resource, not among the attributes (the spec's shape).
    const misplaced = await call('POST', '/api/data-privacy-deletion-jobs', {
      data: {
        type: 'data-privacy-deletion-job',
        attributes: { profile: { data: { type: 'profile', attributes: { id } } } },
      },
    });
    expect(misplaced.status).toBe(400);
    expect(misplaced.body.errors?.[0].source?.pointer).toBe('/data/attributes/profile/data/attributes/id');
    const badEmail = await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: 'not-an-email' }));
    expect(badEmail.status).toBe(400);
    expect(await inspect.deletions()).toEqual([]);
    expect((await call('GET', `/api/profiles/${id}`)).status).toBe(200);
  });

  it('an identifier no profile has is accepted (202) and deletes nothing', async () => {
    const id = await importProfile(call, { email: 'stays@example.com' });
    const r = await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: 'nobody@example.com' }));
    expect(r.status).toBe(202);
    const unknownId = await call(
      'POST',
      '/api/data-privacy-deletion-jobs',
      deletionBody({ id: '01NOSUCHPROFILE00000000000' }),
    );
    expect(unknownId.status).toBe(202);
    const [nobody] = await inspect.waitForDeletions({ email: 'nobody@example.com' });
    expect(nobody.deletedProfileIds).toEqual([]);
    const [noId] = await inspect.waitForDeletions({ profile_id: '01NOSUCHPROFILE00000000000' });
    expect(noId.deletedProfileIds).toEqual([]);
    expect((await call('GET', `/api/profiles/${id}`)).status).toBe(200);
    expect((await request<{ profiles: number }>('GET', `${emu.url}/__emulator/summary`)).body.profiles).toBe(1);
  });

  it('after a deletion the same email makes a new profile (new id, no old consent), by profile-import and bulk import', async () => {
    const listId = await singleOptInList('Old');
    const old = await importProfile(call, { email: 'again@example.com', first_name: 'Old' });
    await subscribe(listId, { email: 'again@example.com' });
    await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: 'again@example.com' }));
    await inspect.waitForDeletions({ email: 'again@example.com' });

    const fresh = await importProfile(call, { email: 'again@example.com' });
    expect(fresh).not.toBe(old);
    const profile = (await inspect.profileWithEmail('again@example.com')) as InspectedProfile;
    expect(profile.first_name).toBeUndefined();
    expect(profile.lists).toEqual([]);
    expect(profile.subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');

    await call('POST', '/api/data-privacy-deletion-jobs', deletionBody({ id: fresh }));
    await inspect.waitForDeletions({ profile_id: fresh });
    const job = await call('POST', '/api/profile-bulk-import-jobs', {
      data: {
        type: 'profile-bulk-import-job',
        attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'again@example.com' } }] } },
      },
    });
    expect(job.status).toBe(202);
    const bulk = await waitFor(
      async () => inspect.profileWithEmail('again@example.com'),
      10_000,
      'the bulk import to create the profile',
    );
    expect([old, fresh]).not.toContain(bulk.id);
  });

  it('is asynchronous: the profile stays until the deletion job runs', async () => {
    const polls = await emulator({ jobs: { mode: 'polls' } });
    const c = klaviyoCaller(polls.url);
    const id = await importProfile(c, { email: 'later@example.com' });
    expect(
      (await c('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: 'later@example.com' }))).status,
    ).toBe(202);
    const pollsInspect = klaviyoInspector(polls.url);
    expect(await pollsInspect.deletions({ email: 'later@example.com' })).toMatchObject([
      { status: 'queued', completedAt: null, deletedProfileIds: [] },
    ]);
    expect((await c('GET', `/api/profiles/${id}`)).status).toBe(200);
    await request('POST', `${polls.url}/__emulator/jobs/finish`);
    expect(await pollsInspect.deletions({ email: 'later@example.com' })).toMatchObject([
      { status: 'complete', deletedProfileIds: [id] },
    ]);
    expect((await c('GET', `/api/profiles/${id}`)).status).toBe(404);
  });

  it('has its published limits: 3/s burst (the 4th request in a second is 429), 60/m steady', async () => {
    const limited = await emulator();
    const c = klaviyoCaller(limited.url);
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_v, i) =>
        c('POST', '/api/data-privacy-deletion-jobs', deletionBody({ email: `r${i}@example.com` })),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429]);
    const throttled = answers.find((a) => a.status === 429);
    expect(throttled?.headers.get('retry-after')).toBeTruthy();
    expect(throttled?.body.errors?.[0].code).toBe('throttled');
    expect(answers.find((a) => a.status === 202)?.headers.get('ratelimit-limit')).toBe('60');
  });
});

describe('merge_profiles', () => {
  it('moves events, lists and subscriptions to the destination and deletes the source; destination values win, the source fills blanks', async () => {
    const listId = await singleOptInList('Members');
    const destination = await importProfile(call, {
      email: 'dest@example.com',
      first_name: 'Ann',
      properties: { tier: 'gold' },
    });
    const source = await importProfile(call, {
      email: 'src@example.com',
      phone_number: '+4915122223333',
      first_name: 'Anne',
      last_name: 'Oak',
      properties: { tier: 'silver', points: 3 },
    });
    await subscribe(listId, { email: 'src@example.com', phone_number: '+4915122223333' });
    await createEvent('src@example.com', 'Placed Order', 'o-src');
    await createEvent('dest@example.com', 'Placed Order', 'o-dest');

    const r = await call('POST', '/api/profile-merge', mergeBody(destination, [source]));
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({
      type: 'profile',
      id: destination,
      links: { self: `${emu.url}/api/profiles/${destination}` },
    });
    const [merge] = await inspect.waitForMerges({ destination });
    expect(merge).toMatchObject({ sourceId: source, outcome: 'merged', moved: { events: 1, lists: 1 } });

    expect((await call('GET', `/api/profiles/${source}`)).status).toBe(404);
    expect(await inspect.hasProfileWithEmail('src@example.com')).toBe(false);
    const got = await call('GET', `/api/profiles/${destination}?additional-fields[profile]=subscriptions`);
    expect(got.body.data.attributes).toMatchObject({
      email: 'dest@example.com',
      first_name: 'Ann',
      last_name: 'Oak',
      phone_number: '+4915122223333',
      properties: { tier: 'gold', points: 3 },
    });
    const subscriptions = got.body.data.attributes.subscriptions;
    // SMS consent came with the phone number the destination took; the source's email consent was for an address
    // the destination does not have, so the destination's email stays never subscribed.
    expect(subscriptions.sms.marketing.consent).toBe('SUBSCRIBED');
    expect(subscriptions.email.marketing.consent).toBe('NEVER_SUBSCRIBED');
    expect((await eventsOf(destination)).map((e) => e.unique_id).sort()).toEqual(['o-dest', 'o-src']);
    expect(await eventsOf(source)).toEqual([]);
    expect(await listMembers(listId)).toEqual([destination]);
    const byPhone = await call(
      'GET',
      `/api/profiles?filter=${encodeURIComponent('equals(phone_number,"+4915122223333")')}`,
    );
    expect(byPhone.body.data.map((p: { id: string }) => p.id)).toEqual([destination]);
    // The source's email is free: importing it again makes a new profile.
    const again = await importProfile(call, { email: 'src@example.com' });
    expect([source, destination]).not.toContain(again);
  });

  it('an opt-out of the source is never lost: its unsubscribe and suppression carry over', async () => {
    const listId = await singleOptInList('Opt');
    await subscribe(listId, { email: 'subscribed@example.com' });
    const destination = ((await inspect.profileWithEmail('subscribed@example.com')) as InspectedProfile).id;
    const source = await importProfile(call, { email: 'left@example.com' });
    await unsubscribe('left@example.com');
    expect((await call('POST', '/api/profile-merge', mergeBody(destination, [source]))).status).toBe(201);
    await inspect.waitForMerges({ source });
    const merged = (await inspect.profileWithEmail('subscribed@example.com')) as InspectedProfile;
    expect(merged.id).toBe(destination);
    expect(merged.subscriptions.email.marketing.consent).toBe('UNSUBSCRIBED');
    expect(merged.subscriptions.email.marketing.suppression.map((s) => s.reason)).toEqual(['UNSUBSCRIBE']);
  });

  it('refuses bodies without exactly one other, existing source (400), and unknown ids (404 naming the id)', async () => {
    const a = await importProfile(call, { email: 'a@example.com' });
    const b = await importProfile(call, { email: 'b@example.com' });
    const c = await importProfile(call, { email: 'c@example.com' });
    const two = await call('POST', '/api/profile-merge', mergeBody(a, [b, c]));
    expect(two.status).toBe(400);
    expect(two.body.errors?.[0]).toMatchObject({
      code: 'invalid',
      source: { pointer: '/data/relationships/profiles/data' },
    });
    expect(two.body.errors?.[0].detail).toMatch(/exactly one source profile \(got 2\)/);
    expect((await call('POST', '/api/profile-merge', mergeBody(a, []))).status).toBe(400);
    const noData = await call('POST', '/api/profile-merge', {
      data: { type: 'profile-merge', id: a, relationships: { profiles: {} } },
    });
    expect(noData.status).toBe(400);
    const noRelationships = await call('POST', '/api/profile-merge', { data: { type: 'profile-merge', id: a } });
    expect(noRelationships.status).toBe(400);
    expect(noRelationships.body.errors?.[0].source?.pointer).toBe('/data/relationships');
    const wrongType = await call('POST', '/api/profile-merge', {
      data: { ...mergeBody(a, [b]).data, type: 'profile' },
    });
    expect(wrongType.status).toBe(400);
    const itself = await call('POST', '/api/profile-merge', mergeBody(a, [a]));
    expect(itself.status).toBe(400);
    expect(itself.body.errors?.[0].detail).toMatch(/into itself/);

    const unknownDestination = await call('POST', '/api/profile-merge', mergeBody('01NOSUCHDESTINATION0000000', [b]));
    expect(unknownDestination.status).toBe(404);
    expect(unknownDestination.body.errors?.[0]).toMatchObject({
      code: 'not_found',
      source: { pointer: '/data/id' },
    });
    expect(unknownDestination.body.errors?.[0].detail).toContain("'01NOSUCHDESTINATION0000000'");
    const unknownSource = await call('POST', '/api/profile-merge', mergeBody(a, ['01NOSUCHSOURCE000000000000']));
    expect(unknownSource.status).toBe(404);
    expect(unknownSource.body.errors?.[0].source?.pointer).toBe('/data/relationships/profiles/data/0/id');
    expect(unknownSource.body.errors?.[0].detail).toContain("'01NOSUCHSOURCE000000000000'");

    expect(await inspect.merges()).toEqual([]);
    for (const id of [a, b, c]) expect((await call('GET', `/api/profiles/${id}`)).status).toBe(200);
  });

  it('is asynchronous; a source deleted before the merge runs leaves the destination as it was', async () => {
    const polls = await emulator({ jobs: { mode: 'polls' } });
    const c = klaviyoCaller(polls.url);
    const pollsInspect = klaviyoInspector(polls.url);
    const destination = await importProfile(c, { email: 'd@example.com' });
    const source = await importProfile(c, { email: 's@example.com', first_name: 'Sam' });
    expect((await c('POST', '/api/profile-merge', mergeBody(destination, [source]))).status).toBe(201);
    expect((await c('GET', `/api/profiles/${source}`)).status).toBe(200);
    expect(await pollsInspect.merges({ destination })).toMatchObject([{ status: 'queued', outcome: null }]);
    expect((await c('POST', '/api/data-privacy-deletion-jobs', deletionBody({ id: source }))).status).toBe(202);
    await request('POST', `${polls.url}/__emulator/jobs/finish`);
    // Jobs run in the order they were accepted: the merge first.
    expect(await pollsInspect.merges({ destination })).toMatchObject([{ status: 'complete', outcome: 'merged' }]);
    expect((await c('GET', `/api/profiles/${destination}`)).body.data.attributes.first_name).toBe('Sam');
    expect((await pollsInspect.deletions({ profile_id: source }))[0].deletedProfileIds).toEqual([]);

    // The other way round: a deletion of the source accepted before the merge runs first; the merge finds no source.
    const other = await importProfile(c, { email: 'o@example.com', last_name: 'Other' });
    expect((await c('POST', '/api/data-privacy-deletion-jobs', deletionBody({ id: other }))).status).toBe(202);
    expect((await c('POST', '/api/profile-merge', mergeBody(destination, [other]))).status).toBe(201);
    await request('POST', `${polls.url}/__emulator/jobs/finish`);
    expect(await pollsInspect.merges({ source: other })).toMatchObject([{ status: 'complete', outcome: 'skipped' }]);
    expect((await c('GET', `/api/profiles/${other}`)).status).toBe(404);
    expect((await c('GET', `/api/profiles/${destination}`)).body.data.attributes.last_name).toBeNull();
  });

  it('has its published limits: 10/s burst (the 11th request in a second is 429), 150/m steady', async () => {
    const limited = await emulator({ jobs: { mode: 'polls' } });
    const c = klaviyoCaller(limited.url);
    const a = await importProfile(c, { email: 'a@example.com' });
    const b = await importProfile(c, { email: 'b@example.com' });
    const answers = await Promise.all(
      Array.from({ length: 11 }, () => c('POST', '/api/profile-merge', mergeBody(a, [b]))),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(1);
    expect(answers.find((r) => r.status === 201)?.headers.get('ratelimit-limit')).toBe('150');
  });
});

describe('duplicate_profile (409)', () => {
  it('profile-import moving an external_id’s profile to an email another profile holds: 409 naming that profile', async () => {
    const mine = await importProfile(call, { external_id: 'ext-1', email: 'a@example.com' });
    const theirs = await importProfile(call, { email: 'b@example.com' });
    const r = await call('POST', '/api/profile-import', {
      data: { type: 'profile', attributes: { external_id: 'ext-1', email: 'B@example.com' } },
    });
    expect(r.status).toBe(409);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0]).toEqual({
      id: expect.any(String),
      status: 409,
      code: 'duplicate_profile',
      title: 'Conflict.',
      detail: 'A profile already exists with one of these identifiers.',
      source: { pointer: '/data/attributes' },
      meta: { duplicate_profile_id: theirs },
    });
    // By id, and with PATCH, the same answer; nothing changed.
    const byId = await call('POST', '/api/profile-import', {
      data: { type: 'profile', id: mine, attributes: { email: 'b@example.com' } },
    });
    expect(byId.status).toBe(409);
    expect(byId.body.errors?.[0].meta?.duplicate_profile_id).toBe(theirs);
    const patch = await call('PATCH', `/api/profiles/${mine}`, {
      data: { type: 'profile', id: mine, attributes: { email: 'b@example.com' } },
    });
    expect(patch.status).toBe(409);
    expect(patch.body.errors?.[0].meta?.duplicate_profile_id).toBe(theirs);
    expect((await call('GET', `/api/profiles/${mine}`)).body.data.attributes.email).toBe('a@example.com');
  });

  it('in a bulk import the entry fails in the job’s import errors, naming the conflict; the others import', async () => {
    const mine = await importProfile(call, { external_id: 'ext-1', email: 'a@example.com' });
    const theirs = await importProfile(call, { email: 'b@example.com' });
    const entries = [
      { type: 'profile', attributes: { external_id: 'ext-1', email: 'b@example.com' } },
      { type: 'profile', attributes: { email: 'c@example.com' } },
    ];
    const created = await call('POST', '/api/profile-bulk-import-jobs', {
      data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: entries } } },
    });
    expect(created.status).toBe(202);
    const jobId = created.body.data.id;
    const done = await waitFor(
      async () => {
        const job = await call('GET', `/api/profile-bulk-import-jobs/${jobId}`);
        return job.body.data.attributes.status === 'complete' ? job.body.data.attributes : undefined;
      },
      10_000,
      'the import job to complete',
    );
    expect(done).toMatchObject({ completed_count: 1, failed_count: 1 });
    const errors = await call('GET', `/api/profile-bulk-import-jobs/${jobId}/import-errors`);
    expect(errors.body.data).toHaveLength(1);
    expect(errors.body.data[0].attributes).toEqual({
      code: 'duplicate_profile',
      title: 'Conflict.',
      detail: `A profile already exists with one of these identifiers. The email belongs to profile '${theirs}'.`,
      source: { pointer: '/data/attributes/profiles/data/0/attributes/email' },
      original_payload: entries[0],
    });
    expect((await call('GET', `/api/profiles/${mine}`)).body.data.attributes.email).toBe('a@example.com');
    const imported = await call('GET', `/api/profiles?filter=${encodeURIComponent('equals(email,"c@example.com")')}`);
    expect(imported.body.data).toHaveLength(1);
  });
});
