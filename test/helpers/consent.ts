import { expect } from 'vitest';
import { CONSENT_LIST_ID, type expectedOutcome } from './expected.ts';
import { request, waitFor } from './http.ts';
import { KLAVIYO_KEY } from './stack.ts';

type R = Record<string, any>;

/** Waits until every job the Klaviyo emulator accepted (imports, subscriptions, …) has run. */
export async function waitForKlaviyoJobs(klaviyoUrl: string): Promise<void> {
  await waitFor(
    async () => {
      const jobs = (await request<R>('GET', `${klaviyoUrl}/__emulator/summary?key=${KLAVIYO_KEY}`)).body.jobs as Record<
        string,
        Record<string, number>
      >;
      const pending = Object.values(jobs).some((byStatus) => byStatus.queued || byStatus.processing);
      return pending ? undefined : true;
    },
    30_000,
    'the accepted Klaviyo jobs to run',
  );
}

/**
 * Checks that Klaviyo holds exactly the consent of the dataset: every consenting customer subscribed once, with
 * the consent time commercetools records, and on the list; nobody else subscribed or on the list (once the
 * subscription jobs Klaviyo accepted have run).
 */
export async function expectConsentLanded(
  klaviyoUrl: string,
  expected: ReturnType<typeof expectedOutcome>['consent'],
): Promise<void> {
  await waitForKlaviyoJobs(klaviyoUrl);
  const profiles = (await request<R[]>('GET', `${klaviyoUrl}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
  const subscribed = (channel: 'email' | 'sms') =>
    new Map(
      profiles
        .filter((p) => p.subscriptions?.[channel]?.marketing?.consent === 'SUBSCRIBED')
        .map((p) => [p.external_id, p.subscriptions[channel].marketing.consent_timestamp]),
    );
  expect(subscribed('email')).toEqual(expected.email);
  expect(subscribed('sms')).toEqual(expected.sms);
  for (const p of profiles) expect(p.pendingOptIns, p.external_id).toEqual([]);
  const lists = (await request<R[]>('GET', `${klaviyoUrl}/__emulator/lists?key=${KLAVIYO_KEY}`)).body;
  const members = (lists.find((l) => l.id === CONSENT_LIST_ID)?.members ?? []).map((m: R) => m.profileId);
  const byId = new Map(profiles.map((p) => [p.id, p.external_id]));
  expect(members.length).toBe(new Set(members).size);
  expect(new Set(members.map((id: string) => byId.get(id)))).toEqual(
    new Set([...expected.email.keys(), ...expected.sms.keys()]),
  );
}

/** The run's consent counts a correct import must show (a resumed or retried batch may find some unchanged). */
export function expectConsentCounts(counts: R, expected: ReturnType<typeof expectedOutcome>['consent']): void {
  const { email, sms } = counts.consent;
  expect(email.subscribed + email.unchanged).toBe(expected.email.size);
  expect(sms.subscribed + sms.unchanged).toBe(expected.sms.size);
  expect(email).toMatchObject({ unsubscribed: 0, skipped: expected.emailSkipped, failed: 0 });
  expect(sms).toMatchObject({ unsubscribed: 0, skipped: expected.smsSkipped, failed: 0 });
}
