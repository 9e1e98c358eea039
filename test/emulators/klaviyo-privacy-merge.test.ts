import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningKlaviyoEmulator, startKlaviyoEmulator } from '../../emulators/klaviyo/build-emulator.ts';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';

let emu: RunningKlaviyoEmulator;
let call: ReturnType<typeof klaviyoCaller>;

beforeAll(async () => {
  emu = await startKlaviyoEmulator();
  call = klaviyoCaller(emu.url);
});
afterAll(async () => emu.close());
beforeEach(async () => {
  await request('POST', `${emu.url}/__emulator/reset`);
});

async function importProfile(c: typeof call, attributes: Record<string, unknown>): Promise<string> {
  const r = await c('POST', '/api/profile-import', { data: { type: 'profile', attributes } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.data.id;
}

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
