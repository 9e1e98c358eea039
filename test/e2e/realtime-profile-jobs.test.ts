import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { waitForKlaviyoJobs } from '../helpers/consent.ts';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack } from '../helpers/stack.ts';

/**
 * Real-time profiles at volume: customer changes arriving fast go to Klaviyo in bulk profile import jobs; a
 * notification is acknowledged once its job is accepted and recorded in commercetools; when the job completes,
 * profiles Klaviyo refused become dead letters and consent is synced; a job another instance left unfinished
 * is taken over once its lease has run out.
 */
type R = Record<string, any>;
const TOKEN = 'profile-jobs-push-token-0123456789';
const LIST = 'Cnsnt1';
const ALL = 'AllCst';
const data = [...generateDataset({ size: 'small' })];
const customers = data.filter((r) => r.typeId === 'customer').map((r) => r.resource as R);
const withEmail = customers.filter((c) => c.email);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    klaviyo: {
      speedUp: 60,
      lists: [
        { id: LIST, name: 'Newsletter' },
        { id: ALL, name: 'All customers' },
      ],
    },
    env: {
      PUSH_AUTH_TOKEN: TOKEN,
      // Every profile in a job (the switch by rate is unit-tested), a short lease so the takeover is seen.
      REALTIME_PROFILE_BULK_RATE: '0',
      REALTIME_PROFILE_JOB_LEASE_SECONDS: '5',
      CONSENT_LIST_ID: LIST,
      CONSENT_EMAIL_FIELD: 'emailConsent',
      CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
      CUSTOMERS_LIST_ID: ALL,
    },
  });
}, 60_000);
afterAll(async () => stack.close());

const push = async (body: unknown) =>
  request<any>('POST', `${stack.service.url}/events/pubsub`, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: pubsub(body),
  });
const requests = async () => (await request<R>('GET', `${stack.klaviyo.url}/__emulator/requests?limit=1`)).body;
const count = (log: R, op: string) => (log.byOperation[op]?.count as number | undefined) ?? 0;
const profilesByExternalId = async () => {
  await waitForKlaviyoJobs(stack.klaviyo.url);
  const all = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
  return new Map(all.filter((p) => p.external_id).map((p) => [p.external_id as string, p]));
};
/** The job records the service keeps in commercetools until their jobs are finished. */
const jobRecords = async () =>
  ((await stack.ct.storage.all('demo', 'key-value-document')) as unknown as R[]).filter(
    (o) => o.container === 'ct-klaviyo-profile-jobs',
  );
const waitForNoJobRecords = () =>
  waitFor(
    async () => ((await jobRecords()).length === 0 ? true : undefined),
    30_000,
    'the profile jobs to be finished',
  );
const deadLetters = async () =>
  (await request<R>('GET', `${stack.service.url}/events/dead-letters?limit=500`)).body.deadLetters as R[];
const klaviyo = (path: string, body: unknown) => klaviyoCaller(stack.klaviyo.url, KLAVIYO_KEY)('POST', path, body);

/**
 * Changes an imported customer's email to one another Klaviyo profile holds: Klaviyo refuses its profile in a job
 * (the external id names one profile, the email another: duplicate_profile).
 */
async function makeConflicting(c: R): Promise<string> {
  const email = `taken-${c.id.slice(0, 8)}@example.com`;
  expect(
    (await klaviyo('/api/profile-import', { data: { type: 'profile', attributes: { email } } })).status,
  ).toBeLessThan(300);
  const stored = (await stack.ct.storage.get('demo', 'customer', c.id)) as unknown as R;
  stack.ct.storage.put('demo', 'customer', {
    ...stored,
    id: c.id,
    version: stored.version + 1,
    email,
    lastModifiedAt: new Date().toISOString(),
  } as never);
  return email;
}

describe('real-time profiles in bulk import jobs', () => {
  it('a burst of customer changes lands in a few jobs; consent follows once each job has completed', async () => {
    const burst = withEmail.slice(0, 300);
    const before = await requests();
    const answers = await Promise.all(burst.map((c) => push(message('customer', c.id, 'CustomerCreated'))));
    expect(answers.map((a) => a.status)).toEqual(burst.map(() => 200));
    for (const a of answers) expect(a.body).toMatchObject({ status: 'applied', detail: /in import job/ });
    const after = await requests();
    expect(count(after, 'create_or_update_profile') - count(before, 'create_or_update_profile')).toBe(0);
    const jobs = count(after, 'bulk_import_profiles') - count(before, 'bulk_import_profiles');
    expect(jobs).toBeGreaterThan(0);
    expect(jobs).toBeLessThanOrEqual(burst.length / 10);

    await waitForNoJobRecords();
    const byExternalId = await profilesByExternalId();
    for (const c of burst) {
      const p = byExternalId.get(c.id);
      expect(p?.email, c.id).toBe(String(c.email).toLowerCase());
      // New customers join the customers list through the job's lists relationship.
      expect(p?.lists, c.id).toContain(ALL);
      const consent = p?.subscriptions?.email?.marketing?.consent;
      if (c.custom?.fields?.emailConsent === true) expect(consent, c.id).toBe('SUBSCRIBED');
      else expect(consent ?? 'NEVER_SUBSCRIBED', c.id).toBe('NEVER_SUBSCRIBED');
    }
    expect(burst.some((c) => c.custom?.fields?.emailConsent === true)).toBe(true);
    const metrics = await fetch(`${stack.service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ctk_realtime_profile_jobs\{what="profiles"\} [1-9]\d*/);
    expect(metrics).toMatch(/ctk_realtime_profile_jobs_finished\{what="finished"\} [1-9]\d*/);
  }, 120_000);

  it('a profile Klaviyo refuses in a job becomes a dead letter once the job completes; the rest land', async () => {
    // A customer whose profile exists (the burst above) changes its email to one another profile holds.
    const bad = withEmail[11];
    const burst = [...withEmail.slice(300, 340), bad, ...withEmail.slice(340, 360)];
    await makeConflicting(bad);
    const answers = await Promise.all(
      burst.map((c) => push(message('customer', c.id, c === bad ? 'CustomerEmailChanged' : 'CustomerCreated'))),
    );
    // Acknowledged when the job was accepted: Klaviyo had not looked at the profile yet.
    for (const a of answers) expect(a.body.status).toBe('applied');
    await waitForNoJobRecords();
    const letters = (await deadLetters()).filter((l) => l.resourceId === bad.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ code: 'duplicate_profile', type: 'CustomerEmailChanged' });
    // Resolved by IDENTITY_CONFLICT (fail, the default): the reason names the customer's profile and the other.
    expect(letters[0].reason).toMatch(/already holds an identifier of customer .*IDENTITY_CONFLICT=merge/);
    const byExternalId = await profilesByExternalId();
    for (const c of burst) if (c !== bad) expect(byExternalId.has(c.id), c.id).toBe(true);
    // The dead letter replays once the conflict is gone (here: the customer's email restored).
    const stored = (await stack.ct.storage.get('demo', 'customer', bad.id)) as unknown as R;
    stack.ct.storage.put('demo', 'customer', { ...stored, id: bad.id, email: bad.email } as never);
    const replay = await request<R>('POST', `${stack.service.url}/events/dead-letters/replay`, {
      headers: { 'content-type': 'application/json' },
      body: { keys: [letters[0].key] },
    });
    expect(replay.body.results[0].status).toBe('applied');
    await waitForNoJobRecords();
    expect((await deadLetters()).filter((l) => l.resourceId === bad.id)).toHaveLength(0);
    expect((await profilesByExternalId()).get(bad.id)?.email).toBe(String(bad.email).toLowerCase());
  }, 120_000);

  it('a job another instance left unfinished is taken over when its lease runs out', async () => {
    const [good, bad] = [withEmail[400], withEmail[12]];
    const email = await makeConflicting(bad);
    // What an instance that died right after recording its job leaves: the job at Klaviyo, its record here.
    const accepted = await klaviyo('/api/profile-bulk-import-jobs', {
      data: {
        type: 'profile-bulk-import-job',
        attributes: {
          profiles: {
            data: [
              { type: 'profile', attributes: { external_id: good.id, email: good.email } },
              { type: 'profile', attributes: { external_id: bad.id, email } },
            ],
          },
        },
      },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.data.id as string;
    const notification = (c: R, id: string) => ({
      id,
      type: 'CustomerCreated',
      payload: message('customer', c.id, 'CustomerCreated', {}, { id }),
    });
    stack.ct.storage.put('demo', 'key-value-document', {
      id: crypto.randomUUID(),
      version: 1,
      createdAt: new Date().toISOString(),
      lastModifiedAt: new Date().toISOString(),
      container: 'ct-klaviyo-profile-jobs',
      key: jobId,
      value: {
        jobId,
        submittedAt: new Date().toISOString(),
        owner: 'an-instance-that-died',
        leaseUntil: new Date(Date.now() - 1000).toISOString(),
        profiles: [
          { customerId: good.id, notifications: [notification(good, `gone-${good.id}`)], hasConsent: false },
          { customerId: bad.id, notifications: [notification(bad, `gone-${bad.id}`)], hasConsent: false },
        ],
      },
    } as never);
    await waitForNoJobRecords();
    const letters = (await deadLetters()).filter((l) => l.resourceId === bad.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ notificationId: `gone-${bad.id}`, code: 'duplicate_profile' });
    expect((await deadLetters()).some((l) => l.resourceId === good.id)).toBe(false);
    const metrics = await fetch(`${stack.service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/ctk_realtime_profile_jobs_finished\{what="taken_over"\} [1-9]\d*/);
  }, 60_000);
});
