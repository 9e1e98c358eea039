import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { klaviyoCaller, request } from '../helpers/http.ts';
import { klaviyoInspector } from '../helpers/klaviyo-inspect.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, startStack, waitForRun } from '../helpers/stack.ts';

/**
 * Identity conflicts: a customer whose email moved to one another Klaviyo profile holds (409 duplicate_profile,
 * or the import error of a bulk job) is handled by IDENTITY_CONFLICT — `fail` names both profiles, `merge` merges
 * the other profile into the customer's — in the bulk import and in real time alike.
 */
type R = Record<string, any>;
const TOKEN = 'conflict-push-token-0123456789';
const customers = [...generateDataset({ size: 'tiny' })]
  .filter((r) => r.typeId === 'customer')
  .map((r) => r.resource as R)
  .filter((c) => c.email);

async function setUp(policy: 'fail' | 'merge'): Promise<Stack> {
  const stack = await startStack({
    ct: { dataset: 'tiny' },
    env: { PUSH_AUTH_TOKEN: TOKEN, IDENTITY_CONFLICT: policy, REALTIME_PROFILE_BULK_RATE: 'off' },
  });
  expect((await post(stack, '/sync/customers')).status).toBe(202);
  expect((await waitForRun(stack.service.url, 'customers')).status).toBe('completed');
  return stack;
}
const post = (stack: Stack, path: string, body: unknown = {}) =>
  request<any>('POST', `${stack.service.url}${path}`, { headers: { 'content-type': 'application/json' }, body });
const push = (stack: Stack, body: unknown) =>
  request<any>('POST', `${stack.service.url}/events/pubsub`, {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: pubsub(body),
  });

/** Another Klaviyo profile takes an email, and the customer changes to it in commercetools; both profile ids. */
async function conflict(stack: Stack, c: R): Promise<{ own: string; other: string }> {
  const inspect = klaviyoInspector(stack.klaviyo.url, KLAVIYO_KEY);
  const own = (await inspect.profiles({ external_id: c.id }))[0]?.id as string;
  expect(own).toBeDefined();
  const email = `moved-${c.id.slice(0, 8)}@example.com`;
  const created = await klaviyoCaller(stack.klaviyo.url, KLAVIYO_KEY)('POST', '/api/profile-import', {
    data: { type: 'profile', attributes: { email, first_name: 'Other' } },
  });
  const stored = (await stack.ct.storage.get('demo', 'customer', c.id)) as unknown as R;
  stack.ct.storage.put('demo', 'customer', {
    ...stored,
    id: c.id,
    version: stored.version + 1,
    email,
    lastModifiedAt: new Date().toISOString(),
  } as never);
  return { own, other: created.body.data.id as string };
}

describe('IDENTITY_CONFLICT=fail', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await setUp('fail');
  }, 60_000);
  afterAll(async () => stack.close());

  it('the bulk import fails the customer with a reason naming both profiles; nothing is merged', async () => {
    const c = customers[0];
    const { own, other } = await conflict(stack, c);
    expect((await post(stack, '/sync/customers', { ids: [c.id] })).status).toBe(202);
    const report = await waitForRun(stack.service.url, 'customers');
    expect(report.counts).toMatchObject({ read: 1, failed: 1 });
    const failure = report.lastErrors.find((e: R) => e.id === c.id && e.outcome === 'failed');
    expect(failure).toMatchObject({ outcome: 'failed', code: 'duplicate_profile' });
    expect(failure.reason).toContain(own);
    expect(failure.reason).toContain(other);
    expect(failure.reason).toMatch(/IDENTITY_CONFLICT=merge/);
    expect(await klaviyoInspector(stack.klaviyo.url, KLAVIYO_KEY).merges()).toEqual([]);
  });

  it('real time dead-letters the notification with the same reason, never silently', async () => {
    const c = customers[1];
    const { own, other } = await conflict(stack, c);
    const r = await push(stack, message('customer', c.id, 'CustomerEmailChanged'));
    expect(r.body.status).toBe('dead-lettered');
    expect(r.body.detail).toContain(own);
    expect(r.body.detail).toContain(other);
    const letters = (await request<R>('GET', `${stack.service.url}/events/dead-letters`)).body.deadLetters as R[];
    expect(letters.find((l) => l.resourceId === c.id)).toMatchObject({ code: 'duplicate_profile' });
  });
});

describe('IDENTITY_CONFLICT=merge', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await setUp('merge');
  }, 60_000);
  afterAll(async () => stack.close());

  for (const [where, index] of [
    ['the bulk import', 0],
    ['real time', 1],
  ] as const)
    it(`${where} merges the other profile into the customer's and writes it`, async () => {
      const c = customers[index];
      const { own, other } = await conflict(stack, c);
      if (where === 'real time') {
        const r = await push(stack, message('customer', c.id, 'CustomerEmailChanged'));
        expect(r.body.status).toBe('applied');
      } else {
        expect((await post(stack, '/sync/customers', { ids: [c.id] })).status).toBe(202);
        const report = await waitForRun(stack.service.url, 'customers');
        expect(report.counts).toMatchObject({ read: 1, succeeded: 1, failed: 0 });
      }
      const inspect = klaviyoInspector(stack.klaviyo.url, KLAVIYO_KEY);
      const merges = await inspect.waitForMerges({ destination: own, source: other });
      expect(merges.map((m) => m.outcome)).toEqual(['merged']);
      const profiles = await inspect.profiles({ external_id: c.id });
      expect(profiles.map((p) => [p.id, p.email])).toEqual([[own, `moved-${c.id.slice(0, 8)}@example.com`]]);
      expect(await inspect.profiles({ id: other })).toEqual([]);
    });

  it('never merges another customer’s profile: two customers sharing an email fail, naming it', async () => {
    const [a, b] = [customers[2], customers[3]];
    const inspect = klaviyoInspector(stack.klaviyo.url, KLAVIYO_KEY);
    const otherProfile = (await inspect.profiles({ external_id: b.id }))[0]?.id as string;
    const stored = (await stack.ct.storage.get('demo', 'customer', a.id)) as unknown as R;
    stack.ct.storage.put('demo', 'customer', {
      ...stored,
      id: a.id,
      version: stored.version + 1,
      email: b.email,
    } as never);
    expect((await post(stack, '/sync/customers', { ids: [a.id] })).status).toBe(202);
    const report = await waitForRun(stack.service.url, 'customers');
    const failure = report.lastErrors.find((e: R) => e.id === a.id && e.outcome === 'failed');
    expect(failure?.reason).toContain(otherProfile);
    expect(failure?.reason).toMatch(/belongs to another customer/);
    expect(await inspect.merges({ source: otherProfile })).toEqual([]);
    expect(await inspect.profiles({ external_id: b.id })).toHaveLength(1);
  });
});
