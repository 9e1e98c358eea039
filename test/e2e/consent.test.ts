import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../../emulators/data/generate.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/core/logger.ts';
import { type RunningService, startService } from '../../src/main.ts';
import { waitForKlaviyoJobs } from '../helpers/consent.ts';
import { klaviyoCaller, request, waitFor } from '../helpers/http.ts';
import { message, pubsub } from '../helpers/notifications.ts';
import { KLAVIYO_KEY, type Stack, serviceEnv, specViolations, startStack, waitForRun } from '../helpers/stack.ts';

type R = Record<string, any>;

const LIST = 'Cnsnt1';
const TOKEN = 'consent-push-token-0123456789';
const CONSENT_ENV = {
  CONSENT_LIST_ID: LIST,
  CONSENT_EMAIL_FIELD: 'emailConsent',
  CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
  CONSENT_SMS_FIELD: 'smsConsent',
  CONSENT_SMS_AT_FIELD: 'smsConsentAt',
  CONSENT_ORDER_FIELD: 'marketingConsent',
  CUSTOMERS_LIST_ID: 'AllCst',
  PUSH_AUTH_TOKEN: TOKEN,
};

const data = [...generateDataset({ size: 'small' })];
const customers = data.filter((r) => r.typeId === 'customer').map((r) => r.resource as R);
const orders = data.filter((r) => r.typeId === 'order').map((r) => r.resource as R);
const iso = (t: string) => new Date(t).toISOString();

let stack: Stack;
let call: ReturnType<typeof klaviyoCaller>;

beforeAll(async () => {
  stack = await startStack({
    ct: { dataset: 'small' },
    // An account whose lists are double opt-in (Klaviyo's default) and whose list unsubscribes stay on the list.
    klaviyo: {
      speedUp: 60,
      lists: [
        { id: LIST, name: 'Newsletter' },
        { id: 'AllCst', name: 'All customers' },
      ],
      listUnsubscribe: 'list',
    },
    env: CONSENT_ENV,
  });
  call = klaviyoCaller(stack.klaviyo.url, KLAVIYO_KEY);
}, 60_000);
afterAll(async () => stack.close());
beforeEach(async () => {
  await request('POST', `${stack.klaviyo.url}/__emulator/reset`);
});

const post = (url: string, path: string, body: unknown = {}) =>
  request<any>('POST', `${url}${path}`, { headers: { 'content-type': 'application/json' }, body });

/** Every profile of the account, by external id (customers) and by email (guests), once no consent job is pending. */
async function profiles(): Promise<{ byExternalId: Map<string, R>; byEmail: Map<string, R>; all: R[] }> {
  await waitForKlaviyoJobs(stack.klaviyo.url);
  const all = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/profiles?key=${KLAVIYO_KEY}`)).body;
  return {
    all,
    byExternalId: new Map(all.filter((p) => p.external_id).map((p) => [p.external_id, p])),
    byEmail: new Map(all.filter((p) => p.email).map((p) => [String(p.email).toLowerCase(), p])),
  };
}

const emailMarketing = (p: R | undefined) => p?.subscriptions?.email?.marketing;
const smsMarketing = (p: R | undefined) => p?.subscriptions?.sms?.marketing;

async function importCustomers(url = stack.service.url, body: unknown = {}): Promise<R> {
  expect((await post(url, '/sync/customers', body)).status).toBe(202);
  const report = await waitForRun(url, 'customers', 120_000);
  expect(report.status).toBe('completed');
  return report;
}

/** Changes a customer's custom fields in commercetools, as an update there would (new version, modified now). */
async function setCustomerFields(id: string, fields: R): Promise<void> {
  const stored = (await stack.ct.storage.get('demo', 'customer', id)) as unknown as R;
  stack.ct.storage.put('demo', 'customer', {
    ...stored,
    id,
    version: stored.version + 1,
    lastModifiedAt: new Date().toISOString(),
    custom: { ...stored.custom, fields: { ...stored.custom?.fields, ...fields } },
  });
}

/** The failed and skipped records of the last customers run (NDJSON). */
async function failures(): Promise<R[]> {
  const res = await fetch(`${stack.service.url}/sync/customers/failures`);
  expect(res.status).toBe(200);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as R);
}

describe('consent, bulk import of customers (small dataset)', () => {
  it('subscribes exactly the consenting customers, by channel, as a historical import with their consent time; a re-run changes nothing', async () => {
    const report = await importCustomers();
    const { byExternalId } = await profiles();
    const emailYes = customers.filter((c) => c.custom?.fields?.emailConsent === true && c.email);
    let smsSubscribed = 0;
    let smsWithoutPhone = 0;
    for (const c of customers) {
      const p = byExternalId.get(c.id);
      expect(p, c.id).toBeDefined();
      const email = emailMarketing(p);
      if (c.custom?.fields?.emailConsent === true && c.email) {
        expect(email.consent, c.id).toBe('SUBSCRIBED');
        // The consent time commercetools records, else the customer's last modification.
        expect(email.consent_timestamp).toBe(iso(c.custom.fields.emailConsentAt ?? c.lastModifiedAt));
        expect(email.custom_method_detail).toBe('commercetools');
        expect(p?.lists).toContain(LIST);
      } else {
        // Absent or false consent never subscribes, and (without opt-out values) never unsubscribes.
        expect(email.consent, c.id).toBe('NEVER_SUBSCRIBED');
      }
      const sms = smsMarketing(p);
      if (c.custom?.fields?.smsConsent === true && p?.phone_number) {
        expect(sms.consent, c.id).toBe('SUBSCRIBED');
        expect(sms.consent_timestamp).toBe(iso(c.custom.fields.smsConsentAt ?? c.lastModifiedAt));
        smsSubscribed++;
      } else {
        expect(sms.consent, c.id).toBe('NEVER_SUBSCRIBED');
        if (c.custom?.fields?.smsConsent === true) smsWithoutPhone++;
      }
      // Historical import: no double opt-in confirmation waits, though the list is double opt-in.
      expect(p?.pendingOptIns).toEqual([]);
      // CUSTOMERS_LIST_ID: every imported customer is on that list, consent or not.
      expect(p?.lists).toContain('AllCst');
    }
    expect(emailYes.length).toBeGreaterThan(100);
    expect(smsSubscribed).toBeGreaterThan(20);
    expect(smsWithoutPhone).toBeGreaterThan(0);
    expect(report.counts.consent.email).toEqual({
      subscribed: emailYes.length,
      unsubscribed: 0,
      unchanged: 0,
      skipped: customers.filter((c) => c.custom?.fields?.emailConsent === true && !c.email).length,
      failed: 0,
    });
    expect(report.counts.consent.sms).toMatchObject({ subscribed: smsSubscribed, skipped: smsWithoutPhone });
    // SMS consent without a valid phone number is reported as skipped, with its reason.
    const smsSkips = (await failures()).filter((f) => f.consent?.includes('sms'));
    expect(smsSkips).toHaveLength(smsWithoutPhone);
    for (const f of smsSkips) {
      expect(f.outcome).toBe('skipped');
      expect(f.reason).toMatch(/SMS consent not sent: the customer has no phone number that is valid in E\.164/);
    }
    const list = (await request<R[]>('GET', `${stack.klaviyo.url}/__emulator/lists?key=${KLAVIYO_KEY}`)).body.find(
      (l) => l.id === LIST,
    );
    const subscribedProfiles = new Set(
      [...byExternalId.values()]
        .filter((p) => emailMarketing(p).consent === 'SUBSCRIBED' || smsMarketing(p).consent === 'SUBSCRIBED')
        .map((p) => p.id),
    );
    expect(new Set(list?.members.map((m: R) => m.profileId))).toEqual(subscribedProfiles);

    const before = [...byExternalId.values()].map((p) => [p.id, p.subscriptions, p.lists]);
    const again = await importCustomers();
    expect(again.counts.consent.email).toMatchObject({ subscribed: 0, unsubscribed: 0, unchanged: emailYes.length });
    expect(again.counts.consent.sms).toMatchObject({ subscribed: 0, unchanged: smsSubscribed });
    const after = [...(await profiles()).byExternalId.values()].map((p) => [p.id, p.subscriptions, p.lists]);
    expect(after).toEqual(before);
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  }, 180_000);

  it('never re-subscribes someone who unsubscribed in Klaviyo after their commercetools consent; a newer consent does', async () => {
    await importCustomers();
    const withTime = customers.filter(
      (c) => c.custom?.fields?.emailConsent === true && c.email && c.custom.fields.emailConsentAt,
    );
    const withoutTime = customers.filter(
      (c) => c.custom?.fields?.emailConsent === true && c.email && !c.custom.fields.emailConsentAt,
    );
    const [older, newer] = withTime;
    const noTime = withoutTime[0];
    const unsubscribedBefore = Date.now();
    // They unsubscribe in Klaviyo (a link in an email: global).
    const unsubscribe = await call('POST', '/api/profile-subscription-bulk-delete-jobs', {
      data: {
        type: 'profile-subscription-bulk-delete-job',
        attributes: {
          profiles: {
            data: [older, newer, noTime].map((c) => ({
              type: 'profile',
              attributes: { email: c.email, subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } } },
            })),
          },
        },
      },
    });
    expect(unsubscribe.status).toBe(202);
    const unsubscribedAt = emailMarketing((await profiles()).byExternalId.get(older.id)).consent_timestamp;
    expect(Date.parse(unsubscribedAt)).toBeGreaterThan(Date.parse(older.custom.fields.emailConsentAt));
    expect(Date.parse(unsubscribedAt)).toBeGreaterThanOrEqual(unsubscribedBefore);
    // Later, `newer` opts in again in the shop (over a second ago: Klaviyo wants consent times in the past).
    const consentAgain = new Date(Date.parse(unsubscribedAt) + 1).toISOString();
    await waitFor(async () => (Date.now() > Date.parse(consentAgain) + 1500 ? true : undefined), 5_000, 'the clock');
    await setCustomerFields(newer.id, { emailConsentAt: consentAgain });

    const report = await importCustomers();
    const { byExternalId } = await profiles();
    expect(emailMarketing(byExternalId.get(older.id)).consent).toBe('UNSUBSCRIBED');
    expect(emailMarketing(byExternalId.get(noTime.id)).consent).toBe('UNSUBSCRIBED');
    expect(emailMarketing(byExternalId.get(newer.id))).toMatchObject({
      consent: 'SUBSCRIBED',
      consent_timestamp: consentAgain,
    });
    const withoutEmail = customers.filter((c) => c.custom?.fields?.emailConsent === true && !c.email).length;
    expect(report.counts.consent.email).toMatchObject({ subscribed: 1, skipped: 2 + withoutEmail });
    const skips = new Map((await failures()).filter((f) => f.consent?.includes('email')).map((f) => [f.id, f]));
    expect(skips.get(older.id)?.reason).toMatch(/unsubscribed in Klaviyo at .* after the commercetools consent of/);
    expect(skips.get(noTime.id)?.reason).toMatch(/commercetools records no consent time/);
    expect(skips.has(newer.id)).toBe(false);
  }, 180_000);

  it('a dry run counts what would change, from Klaviyo’s current consent, and writes nothing', async () => {
    const report = await importCustomers(stack.service.url, { dryRun: true });
    const emailYes = customers.filter((c) => c.custom?.fields?.emailConsent === true && c.email).length;
    expect(report.counts.consent.email).toMatchObject({ subscribed: emailYes, unchanged: 0 });
    expect((await profiles()).all).toHaveLength(0);
  }, 120_000);
});

describe('explicit opt-outs', () => {
  let optOutService: RunningService;
  beforeAll(async () => {
    // false means an explicit opt-out here.
    const config = loadConfig(
      serviceEnv(stack.ct, stack.klaviyo.url, { ...CONSENT_ENV, CONSENT_EMAIL_UNSUBSCRIBED_VALUES: 'false' }),
      { envFile: false },
    );
    optOutService = await startService(config, { logger: createLogger({ level: 'silent' }), saveEveryMs: 50 });
  });
  afterAll(async () => optOutService.close());

  it('unsubscribe list members from the list only, and leave everyone else’s consent alone', async () => {
    const optedOut = customers.filter(
      (c) => c.custom?.fields?.emailConsent === false && c.email && c.custom.fields.emailConsentAt,
    );
    const [member, nonMember] = optedOut;
    // Both subscribed long ago (before their opt-out in the shop); only `member` is on the consent list.
    const subscribe = (c: R, listId?: string) =>
      call('POST', '/api/profile-subscription-bulk-create-jobs', {
        data: {
          type: 'profile-subscription-bulk-create-job',
          attributes: {
            historical_import: true,
            profiles: {
              data: [
                {
                  type: 'profile',
                  attributes: {
                    email: c.email,
                    subscriptions: {
                      email: { marketing: { consent: 'SUBSCRIBED', consented_at: '2001-01-01T00:00:00Z' } },
                    },
                  },
                },
              ],
            },
          },
          ...(listId ? { relationships: { list: { data: { type: 'list', id: listId } } } } : {}),
        },
      });
    expect((await subscribe(member, LIST)).status).toBe(202);
    expect((await subscribe(nonMember)).status).toBe(202);
    await profiles();

    const report = await importCustomers(optOutService.url);
    const { byExternalId } = await profiles();
    const m = byExternalId.get(member.id);
    // Unsubscribed from the list only: off the list, a list suppression, consent kept for everything else.
    expect(m?.lists).not.toContain(LIST);
    expect(emailMarketing(m).consent).toBe('SUBSCRIBED');
    expect(emailMarketing(m).list_suppressions).toEqual([
      expect.objectContaining({ list_id: LIST, reason: 'UNSUBSCRIBE' }),
    ]);
    // Not on the list: Klaviyo would have unsubscribed it globally, so nothing was sent.
    const n = byExternalId.get(nonMember.id);
    expect(emailMarketing(n)).toMatchObject({ consent: 'SUBSCRIBED', suppression: [], list_suppressions: [] });
    expect(report.counts.consent.email.unsubscribed).toBe(1);
    // Those without any Klaviyo consent were not touched either.
    const untouched = optedOut.slice(2).map((c) => emailMarketing(byExternalId.get(c.id)).consent);
    expect(new Set(untouched)).toEqual(new Set(['NEVER_SUBSCRIBED']));
    expect(await specViolations(stack.klaviyo.url)).toEqual([]);
  }, 180_000);
});

describe('guest checkout consent and real time', () => {
  it('the orders import subscribes guests who consented at checkout, at the time of the order', async () => {
    expect((await post(stack.service.url, '/sync/orders')).status).toBe(202);
    const report = await waitForRun(stack.service.url, 'orders', 180_000);
    expect(report.status).toBe('completed');
    const { byEmail } = await profiles();
    const guests = new Map<string, R[]>();
    for (const o of orders.filter((x) => !x.customerId && x.customerEmail)) {
      const key = String(o.customerEmail).toLowerCase();
      guests.set(key, [...(guests.get(key) ?? []), o]);
    }
    let subscribed = 0;
    for (const [email, os] of guests) {
      const consenting = os.filter((o) => o.custom?.fields?.marketingConsent === true);
      const marketing = emailMarketing(byEmail.get(email));
      if (consenting.length === 0) {
        expect(marketing?.consent ?? 'NEVER_SUBSCRIBED').toBe('NEVER_SUBSCRIBED');
        continue;
      }
      subscribed++;
      expect(marketing.consent).toBe('SUBSCRIBED');
      expect(consenting.map((o) => iso(o.createdAt))).toContain(marketing.consent_timestamp);
      expect(byEmail.get(email)?.lists).toContain(LIST);
    }
    expect(subscribed).toBeGreaterThan(10);
    expect(report.counts.consent.email.subscribed).toBe(subscribed);
  }, 240_000);

  it('a consent given in the shop lands within seconds; an order’s checkout consent too', async () => {
    const c = customers.find((x) => x.email && x.custom?.fields?.emailConsent === undefined) as R;
    const at = new Date(Date.now() - 1000).toISOString();
    const push = (body: unknown) =>
      request<any>('POST', `${stack.service.url}/events/pubsub`, {
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body,
      });
    // A new customer: its profile is created and joins the customers list; it has not consented yet.
    const created = await push(pubsub(message('customer', c.id, 'CustomerCreated')));
    expect(created.body.status).toBe('applied');
    expect((await profiles()).byExternalId.get(c.id)?.lists).toEqual(['AllCst']);
    await setCustomerFields(c.id, { emailConsent: true, emailConsentAt: at });
    const r = await push(
      pubsub(message('customer', c.id, 'CustomerCustomFieldChanged', { name: 'emailConsent', value: true })),
    );
    expect(r.body.status).toBe('applied');
    expect(r.body.detail).toMatch(/consent: email subscribed/);
    const p = (await profiles()).byExternalId.get(c.id);
    expect(emailMarketing(p)).toMatchObject({ consent: 'SUBSCRIBED', consent_timestamp: at });
    expect(new Set(p?.lists)).toEqual(new Set(['AllCst', LIST]));

    const guestOrder = orders.find((o) => !o.customerId && o.customerEmail && o.custom?.fields?.marketingConsent) as R;
    const o = await push(pubsub(message('order', guestOrder.id, 'OrderCreated')));
    expect(o.body.status).toBe('applied');
    const g = (await profiles()).byEmail.get(String(guestOrder.customerEmail).toLowerCase());
    expect(emailMarketing(g)).toMatchObject({ consent: 'SUBSCRIBED', consent_timestamp: iso(guestOrder.createdAt) });
  }, 60_000);
});
