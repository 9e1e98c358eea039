/**
 * Email subscriptions per second when a bulk import of 100,000 customers also syncs their marketing consent
 * (CONSENT_LIST_ID and CONSENT_EMAIL_* / CONSENT_SMS_*), against the emulators at Klaviyo's published rate limits,
 * with the service's peak RSS. Every customer consents to email (`emailConsent: true`, `emailConsentAt` kept where
 * generated); SMS consent is as generated. Each batch's consent is synced once its profiles have landed: Klaviyo's
 * current consent is read first (get_profiles, 100 profiles a request, 75/s · 750/min → at most 1,250 profiles/s),
 * then the consenting are subscribed as a historical import (bulk_subscribe_profiles, 1,000 a job, 75/s · 750/min
 * → 12,500 profiles/s), so the read is the ceiling. The consent phase runs from the first get_profiles or
 * bulk_subscribe_profiles request to the end of the last (from the emulator's request log).
 *
 * A phone number is a profile identifier in Klaviyo, so two customers with the same one become one profile (one
 * customer's import takes over the other's profile): the few generated customers whose phone (as mapped) another
 * customer already has are loaded without phone numbers, so every customer has a profile of its own.
 *
 * Fails unless every customer with an email is SUBSCRIBED to email in the emulator and the run report counts
 * exactly those as subscribed; then imports again and checks the re-run counts them all unchanged. The emulator's
 * time per get_profiles request is reported too, to show that the emulator (it answers `any(external_id, [...])`
 * from its identifier indexes) is not what bounds the reads.
 *
 *   npm run bench -- consent-import [--customers N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { buildCatalog, DEFAULT_REFERENCE_TIME, generateCustomer } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import type { RequestLogEntry } from '../emulators/klaviyo/request-log.ts';
import { customerToProfile } from '../src/mapping/customer-to-profile.ts';
import { NO_FILTER } from '../src/mapping/mapping-options.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    customers: { type: 'string', default: '100000' },
  },
});
const customers = Number(values.customers);
const out = (s: string) => process.stdout.write(`${s}\n`);

const API_KEY = 'pk_bench_consent';
const LIST_ID = 'Bench1';
/** Published limits (profiles per second at the steady rate): get_profiles 750/min × 100, subscribe 750/min × 1,000. */
const READ_CEILING = (750 / 60) * 100;
const WRITE_CEILING = (750 / 60) * 1000;
const CONSENT_OPS = new Set(['get_profiles', 'bulk_subscribe_profiles']);

const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
const catalog = buildCatalog(77, { customers, products: 1, orders: 0 }, refMs);
const records = Array.from({ length: customers }, (_v, i) => {
  const c = generateCustomer(77, i, refMs, catalog.customerGroupId, 'type');
  const custom = c.custom as { type: unknown; fields: Record<string, unknown> } | undefined;
  c.custom = custom
    ? { ...custom, fields: { ...custom.fields, emailConsent: true } }
    : { type: { typeId: 'type', id: 'type' }, fields: { emailConsent: true } };
  return c;
});
// One profile per customer: a phone number (as the service maps it) already taken is dropped from the later customer.
const phonesTaken = new Set<string>();
const phonesDropped: string[] = [];
for (const c of records) {
  const m = customerToProfile(c as never, { properties: NO_FILTER });
  const phone = m.kind === 'profile' ? m.profile.attributes.phone_number : undefined;
  if (!phone) continue;
  if (!phonesTaken.has(phone)) {
    phonesTaken.add(phone);
    continue;
  }
  c.addresses = (c.addresses as Array<Record<string, unknown>>).map(({ phone: _p, mobile: _m, ...a }) => a);
  phonesDropped.push(c.id as string);
}
const hasEmail = (c: Record<string, unknown>) => typeof c.email === 'string' && c.email.trim() !== '';
const withEmail = records.filter(hasEmail);
const expected = withEmail.length;
const smsConsenting = records.filter(
  (c) => (c.custom as { fields: Record<string, unknown> }).fields.smsConsent === true,
).length;

const ct = await startCommercetoolsEmulator();
ct.load(records.map((resource) => ({ typeId: 'customer' as const, resource })));
const klaviyo = await startKlaviyoEmulator({
  speedUp: 1,
  lists: [{ id: LIST_ID, name: 'Bench consent' }],
  // Every request kept, so the consent phase is timed from the log rather than sampled.
  requestLogSize: 10_000_000,
});
out(
  `${customers} customers loaded, all consenting to email (${expected} with an email, ${customers - expected} without; ${smsConsenting} consenting to SMS; ${phonesDropped.length} loaded without the phone number another customer has); Klaviyo emulator at published limits, jobs take ~0.05 s`,
);
out(
  `ceilings: bulk_subscribe_profiles ${WRITE_CEILING.toLocaleString('en')} profiles/s, get_profiles ${READ_CEILING.toLocaleString('en')} profiles/s (read before write)`,
);

const service = await spawnService(
  benchEnv(ct, klaviyo.url, API_KEY, {
    CONSENT_LIST_ID: LIST_ID,
    CONSENT_EMAIL_FIELD: 'emailConsent',
    CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
    CONSENT_SMS_FIELD: 'smsConsent',
    CONSENT_SMS_AT_FIELD: 'smsConsentAt',
  }),
);
const { url, child } = service;

type Tally = { subscribed: number; unsubscribed: number; unchanged: number; skipped: number; failed: number };
interface Report {
  status: string;
  counts: {
    read: number;
    succeeded: number;
    failed: number;
    skipped: number;
    consent?: { email: Tally; sms: Tally };
  };
}

const problems: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) problems.push(what);
}
function failIfProblems(): void {
  if (problems.length === 0) return;
  process.stderr.write(`\nCONSENT-IMPORT BENCH FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  child.kill('SIGTERM');
  process.exit(1);
}

const get = async <T>(path: string): Promise<T> => (await (await fetch(`${klaviyo.url}${path}`)).json()) as T;

/** Waits until the emulator has no profile job (import or subscription) queued or processing. */
async function jobsSettled(): Promise<void> {
  for (;;) {
    const s = await get<{ jobs: Record<string, Record<string, number>> }>(`/__emulator/summary?key=${API_KEY}`);
    const pending = Object.entries(s.jobs).some(
      ([type, byStatus]) => type.startsWith('profile-') && (byStatus.queued || byStatus.processing),
    );
    if (!pending) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The emulator's requests since `fromMs` (every request is kept: requestLogSize above). */
function requestsSince(fromMs: number): RequestLogEntry[] {
  const recent = klaviyo.state.log.snapshot(Number.MAX_SAFE_INTEGER).recent as RequestLogEntry[];
  return recent.filter((r) => Date.parse(r.at) >= fromMs);
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** One `POST /sync/customers`, polled to its end; then the emulator's requests of the run, and its consent phase. */
async function runImport(label: string) {
  const violationsBefore = klaviyo.state.log.specViolationCount;
  const started = Date.now();
  const res = await fetch(`${url}/sync/customers`, { method: 'POST' });
  if (res.status !== 202) throw new Error(`${label}: POST /sync/customers answered ${res.status}: ${await res.text()}`);
  let report: Report;
  for (;;) {
    report = (await (await fetch(`${url}/sync/customers`)).json()) as Report;
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const seconds = (Date.now() - started) / 1000;
  await jobsSettled();
  const requests = requestsSince(started);
  const byOperation: Record<string, Record<string, number>> = {};
  for (const r of requests) {
    const op = r.operationId ?? '(unknown)';
    byOperation[op] ??= {};
    byOperation[op][r.status] = (byOperation[op][r.status] ?? 0) + 1;
  }
  const countOf = (op: string) => Object.values(byOperation[op] ?? {}).reduce((a, b) => a + b, 0);
  const consentRequests = requests.filter((r) => r.operationId !== null && CONSENT_OPS.has(r.operationId));
  const phaseStart = Math.min(...consentRequests.map((r) => Date.parse(r.at)));
  const phaseEnd = Math.max(...consentRequests.map((r) => Date.parse(r.at) + r.durationMs));
  const phaseSeconds = consentRequests.length ? (phaseEnd - phaseStart) / 1000 : Number.NaN;
  // get_profiles requests in each 5 s from the start of the consent phase: the read pacing.
  const reads = consentRequests.filter((r) => r.operationId === 'get_profiles');
  const getProfilesEvery5s: number[] = [];
  for (const r of reads) {
    const bucket = Math.floor((Date.parse(r.at) - phaseStart) / 5000);
    while (getProfilesEvery5s.length <= bucket) getProfilesEvery5s.push(0);
    getProfilesEvery5s[bucket]++;
  }
  const readMs = reads.map((r) => r.durationMs).sort((a, b) => a - b);
  return {
    report,
    seconds,
    getProfilesEmulatorMs: {
      mean: readMs.length ? Math.round(readMs.reduce((a, b) => a + b, 0) / readMs.length) : null,
      median: readMs.length ? readMs[Math.floor(readMs.length / 2)] : null,
      max: readMs.at(-1) ?? null,
    },
    phase: {
      startsAfterSeconds: consentRequests.length ? (phaseStart - started) / 1000 : null,
      seconds: phaseSeconds,
    },
    getProfilesEvery5s,
    byOperation,
    requests: {
      get_profiles: countOf('get_profiles'),
      bulk_subscribe_profiles: countOf('bulk_subscribe_profiles'),
      bulk_import_profiles: countOf('bulk_import_profiles'),
    },
    throttled: requests.filter((r) => r.status === 429).length,
    specViolations: klaviyo.state.log.specViolationCount - violationsBefore,
  };
}

// 1. The import, consent included.
const first = await runImport('import');
const peakRssMB = service.peakRssMB();
const email = first.report.counts.consent?.email;
const sms = first.report.counts.consent?.sms;
out(
  `import: ${first.report.status} in ${first.seconds.toFixed(1)} s; counts ${JSON.stringify(first.report.counts)}; peak RSS ${peakRssMB} MB`,
);

// Correctness: every customer with an email is subscribed to email in Klaviyo, and the report says so.
interface EmulatorProfile {
  external_id?: string | null;
  subscriptions?: { email?: { marketing?: { consent?: string; consent_timestamp?: string } } };
}
const profiles = await get<EmulatorProfile[]>(`/__emulator/profiles?key=${API_KEY}`);
const byExternalId = new Map(profiles.flatMap((p) => (p.external_id ? [[p.external_id, p] as const] : [])));
let subscribedInEmulator = 0;
let notSubscribed = 0;
let consentTimeMismatches = 0;
const notSubscribedSample: string[] = [];
for (const c of withEmail) {
  const marketing = byExternalId.get(c.id as string)?.subscriptions?.email?.marketing;
  if (marketing?.consent === 'SUBSCRIBED') {
    subscribedInEmulator++;
    // The consent time commercetools records, else the customer's last modification (not a failure of this bench).
    const fields = (c.custom as { fields: Record<string, unknown> }).fields;
    const at = new Date(Date.parse(String(fields.emailConsentAt ?? c.lastModifiedAt))).toISOString();
    if (marketing.consent_timestamp !== at) consentTimeMismatches++;
  } else {
    notSubscribed++;
    if (notSubscribedSample.length < 5) notSubscribedSample.push(`${c.id}: ${marketing?.consent ?? 'no profile'}`);
  }
}
const subscribedWithoutEmail = records
  .filter((c) => !hasEmail(c))
  .filter((c) => byExternalId.get(c.id as string)?.subscriptions?.email?.marketing?.consent === 'SUBSCRIBED').length;
check(first.report.status === 'completed', `import status is '${first.report.status}', not 'completed'`);
check(
  notSubscribed === 0,
  `${notSubscribed} of ${expected} customers with an email are not SUBSCRIBED in the emulator (e.g. ${notSubscribedSample.join('; ')})`,
);
check(subscribedWithoutEmail === 0, `${subscribedWithoutEmail} customers without an email are SUBSCRIBED`);
check(
  email?.subscribed === expected,
  `counts.consent.email.subscribed is ${email?.subscribed}, expected ${expected} (${JSON.stringify(email)})`,
);
if (consentTimeMismatches > 0)
  out(
    `warning: ${consentTimeMismatches} subscriptions carry a consent time other than emailConsentAt ?? lastModifiedAt`,
  );
failIfProblems();

const rate = expected / first.seconds;
const phaseRate = expected / first.phase.seconds;
out(
  `email subscriptions: ${expected} in ${first.seconds.toFixed(1)} s overall (${Math.round(rate)} /s); consent phase ${first.phase.seconds.toFixed(1)} s from ${first.phase.startsAfterSeconds?.toFixed(1)} s (${Math.round(phaseRate)} /s = ${Math.round((phaseRate / READ_CEILING) * 100)}% of the get_profiles read ceiling of ${READ_CEILING}/s; write ceiling ${WRITE_CEILING}/s)`,
);
out(
  `requests: ${JSON.stringify(first.requests)}; ${first.throttled} throttled; ${first.specViolations} spec violations; get_profiles every 5 s: ${first.getProfilesEvery5s.join(' ')}; emulator ms per get_profiles ${JSON.stringify(first.getProfilesEmulatorMs)}`,
);

// 2. The same import again: everyone already subscribed, so nothing is written.
const second = await runImport('re-run');
const again = second.report.counts.consent?.email;
out(
  `re-run: ${second.report.status} in ${second.seconds.toFixed(1)} s; consent ${JSON.stringify(second.report.counts.consent)}; requests ${JSON.stringify(second.byOperation)}`,
);
check(second.report.status === 'completed', `re-run status is '${second.report.status}', not 'completed'`);
check(
  again?.unchanged === expected && again?.subscribed === 0,
  `re-run counts.consent.email is ${JSON.stringify(again)}, expected unchanged ${expected} and subscribed 0`,
);
const peakRssAfterRerunMB = service.peakRssMB();
child.kill('SIGTERM');
failIfProblems();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  customers,
  jobSeconds: 'fast',
  listId: LIST_ID,
  expectedEmailSubscriptions: expected,
  customersWithoutEmail: customers - expected,
  smsConsenting,
  phonesDropped: phonesDropped.length,
  ceilings: {
    bulkSubscribeProfilesPerSecond: WRITE_CEILING,
    getProfilesProfilesPerSecond: READ_CEILING,
  },
  import: {
    seconds: round1(first.seconds),
    emailSubscriptionsPerSecond: Math.round(rate),
    consentPhase: {
      startsAfterSeconds: first.phase.startsAfterSeconds === null ? null : round1(first.phase.startsAfterSeconds),
      seconds: round1(first.phase.seconds),
      emailSubscriptionsPerSecond: Math.round(phaseRate),
      percentOfReadCeiling: Math.round((phaseRate / READ_CEILING) * 100),
    },
    percentOfReadCeilingOverall: Math.round((rate / READ_CEILING) * 100),
    peakRssMB,
    requests: first.requests,
    throttled: first.throttled,
    specViolations: first.specViolations,
    requestsByOperation: first.byOperation,
    getProfilesEvery5s: first.getProfilesEvery5s,
    getProfilesEmulatorMs: first.getProfilesEmulatorMs,
    status: first.report.status,
    counts: first.report.counts,
  },
  verified: {
    subscribedInEmulator,
    reportSubscribed: email?.subscribed ?? null,
    consentTimeMismatches,
    sms: sms ?? null,
  },
  rerun: {
    seconds: round1(second.seconds),
    consentPhaseSeconds: round1(second.phase.seconds),
    emailUnchanged: again?.unchanged ?? null,
    emailSubscribed: again?.subscribed ?? null,
    peakRssMB: peakRssAfterRerunMB,
    requests: second.requests,
    throttled: second.throttled,
    specViolations: second.specViolations,
    requestsByOperation: second.byOperation,
    getProfilesEmulatorMs: second.getProfilesEmulatorMs,
    status: second.report.status,
    counts: second.report.counts,
  },
};
const name = customers === 100_000 ? 'consent-import' : `consent-import-${customers}`;
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
