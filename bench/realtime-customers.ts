/**
 * A burst of real-time customers: one `CustomerCreated` Pub/Sub push per customer of a 100,000-customer
 * project, pushed as fast as the service acknowledges them (C pushes in flight), against the Klaviyo emulator
 * at Klaviyo's published limits (validation on). REALTIME_PROFILE_BULK_RATE is left at its default (5 a second),
 * so the switch from one `profile-import` call per customer to bulk profile import jobs is part of what is
 * measured. The service reads the customers of notifications arriving together in one commercetools query,
 * coalesces their profiles into `profile-bulk-import-jobs` (10/s burst, 150/min steady, ≤ 2,500 profiles a
 * job: a ceiling of 6,250 profiles/s sustained), answers a push 200 once its job is accepted and recorded in
 * commercetools (container `ct-klaviyo-profile-jobs`), and finishes the job later (polls it, forgets the
 * record). A push answered otherwise is sent again after 1 s, as Pub/Sub redelivers, until acknowledged.
 *
 * Reports profiles/s overall (until every profile landed) and sustained over a steady window past the first
 * minute (landed profiles — the emulator's summary count — sampled every second; the rate from the end of the
 * first 61 s window to the end of the second, or to the last push's first send if that comes sooner, and only
 * if that leaves 15 s), notifications/s, acknowledgement latency (first send → 2xx), Klaviyo requests by
 * operation (bulk jobs vs `profile-import`), jobs, profiles per job and how long a job's first profile was held
 * (the service's metrics), throttled answers, spec violations, redeliveries, the service's peak RSS and CPU,
 * the CPU of this process (both emulators and the pushing client) and of anything else on the machine, and
 * that nothing was lost: once the service has finished its jobs (metric in_flight 0, no job records left in
 * commercetools), every customer has exactly one Klaviyo profile with its id as external_id, no dead letters.
 * Customers sharing a phone number or email are one profile in Klaviyo (the emulator merges on any
 * identifier; the generated 100,000 hold one such pair): the one whose external id that profile does not
 * carry is counted apart (`mergedWithACustomerSharingAnIdentifier`), not as missing.
 *
 * `--profile` writes a CPU profile of the service and of this process while it pushes, and prints their top
 * functions by self time; `--services 2` runs two service processes on the same commercetools project and
 * Klaviyo account, pushes split between them (each paces its own requests, so together they can exceed the
 * account's limits).
 *
 * What bounds it on the 2-core benchmark machine is CPU, not Klaviyo: jobs of ~1,000 profiles at ≤ 2.2 a
 * second (2.5 allowed), 0 throttled. A profile costs the service ~0.35 ms of CPU (its profile: a third idle;
 * GC 11 %, the commercetools client 6 %, phone parsing 4 %, a log line per notification 4 %) and this process
 * (both emulators, the pushing client) ~0.4 ms; the two cores are 80–90 % busy, so the rate moves with
 * whatever else runs on the machine: 2,180 profiles/s alone, 1,470/s while other tests took half a core. A
 * push is answered once its job is recorded, so the rate is C in flight over the job cycle (~0.45 s for
 * ~1,000 profiles); C = 4,096 is no faster (jobs of ~2,000, a ~1 s cycle). Two service processes do not go
 * faster here: C split between them makes their jobs half as large and twice as many, so the account's 150
 * jobs a minute run out ~45 s into the first minute and both wait ~15 s for the next (p99 20 s); with C =
 * 4,096 (2,048 each) they stay under the limit and match one process, the machine's CPU still the bound.
 * The pushing client first used fetch, which alone held runs to ~850 profiles/s (see `PushBurst.post`).
 * 100,000 pushes at ~2,000/s end before the first minute does: `--customers 200000` measures the steady
 * window past it.
 *
 *   npm run bench -- realtime-customers [--customers N] [--concurrency C] [--services 1|2] [--profile]
 */
import type { Customer } from '@commercetools/platform-sdk';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { customerToProfile } from '../src/mapping/customer-to-profile.ts';
import { NO_FILTER } from '../src/mapping/mapping-options.ts';
import { PROFILE_JOB_CONTAINER } from '../src/realtime/profile-job-store.ts';
import { message, pubsub } from '../test/helpers/notifications.ts';
import { benchEnv, type ServiceProcess } from './harness.ts';
import {
  burstArgs,
  cpuMeter,
  klaviyoRequests,
  out,
  PUSH_TOKEN,
  PushBurst,
  profileThisProcess,
  type R,
  rateBetween,
  startSampler,
  startServices,
  stopServices,
  topOfProfiles,
  WINDOW_S,
  writeResult,
} from './realtime-harness.ts';

const { count: customerCount, concurrency, serviceCount, isProfiled, resultSuffix } = burstArgs('customers');
/** 150 jobs a minute of at most 2,500 profiles (the service's job size). */
const CEILING_PROFILES_PER_SECOND = (150 / 60) * 2500;
const GOAL_PROFILES_PER_SECOND = 1000;
const API_KEY = 'pk_bench_realtime_customers';
/** How long the service may take to finish its jobs once every push is acknowledged. */
const FINISH_TIMEOUT_MS = 300_000;
const MIN_STEADY_WINDOW_S = 15;

// ---- commercetools stand-in with the customers --------------------------------------------------------------
const ct = await startCommercetoolsEmulator();
const customerIds: string[] = [];
/** Customers the service writes a profile for (the others are acknowledged as ignored). */
const withProfile = new Set<string>();
/** Customers by the email and phone number of their profile: Klaviyo makes one profile of those sharing one. */
const byIdentifier = new Map<string, string[]>();
function* tapCustomers(records: ReturnType<typeof generateDataset>) {
  for (const r of records) {
    if (r.typeId === 'customer') {
      const c = r.resource as unknown as Customer;
      customerIds.push(c.id);
      const m = customerToProfile(c, { properties: NO_FILTER });
      if (m.kind !== 'skip') {
        withProfile.add(c.id);
        for (const key of identifiersOf(m.profile.attributes))
          byIdentifier.set(key, [...(byIdentifier.get(key) ?? []), c.id]);
      }
    }
    yield r;
  }
}
function identifiersOf(a: { email?: string | null; phone_number?: string | null }): string[] {
  return [
    ...(a.email ? [`email:${a.email.toLowerCase()}`] : []),
    ...(a.phone_number ? [`phone_number:${a.phone_number}`] : []),
  ];
}
const loadStarted = Date.now();
const counts = ct.load(tapCustomers(generateDataset({ size: { customers: customerCount, products: 150, orders: 0 } })));
out(`loaded ${JSON.stringify(counts)} in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

// ---- Klaviyo emulator at the published limits, validating --------------------------------------------------
const klaviyo = await startKlaviyoEmulator({ speedUp: 1, rateLimits: true });

// ---- the service (compiled), with a push token and the default bulk rate ------------------------------------
const { services, profileDir } = await startServices(
  serviceCount,
  benchEnv(ct, klaviyo.url, API_KEY, { APP_TYPE: 'EVENT', PUSH_AUTH_TOKEN: PUSH_TOKEN }),
  isProfiled ? 'realtime-customers' : undefined,
);
out(
  `${serviceCount} service process(es) at ${services.map((s) => s.url).join(', ')}; Klaviyo emulator at published limits; ${customerCount} CustomerCreated pushes, ${concurrency} in flight`,
);

async function landedProfiles(): Promise<number> {
  const s = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=${API_KEY}`)).json()) as { profiles: number };
  return s.profiles;
}

/** The service's gauges, `name{labels}` → value. */
async function metricsOf(service: ServiceProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const at = line.lastIndexOf(' ');
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return m;
}
const jobs = (what: string) => `ctk_realtime_profile_jobs{what="${what}"}`;
const finished = (what: string) => `ctk_realtime_profile_jobs_finished{what="${what}"}`;
async function summed(names: string[]): Promise<Record<string, number>> {
  const all = await Promise.all(services.map(metricsOf));
  return Object.fromEntries(names.map((n) => [n, all.reduce((sum, m) => sum + (m.get(n) ?? 0), 0)]));
}

/** Job records the service keeps in commercetools until it has finished the job (a store's: `<container>.<store>`). */
async function recordsLeft(): Promise<number> {
  const docs = (await ct.storage.all(ct.projectKey, 'key-value-document')) as Array<{ container?: string }>;
  return docs.filter((d) => d.container?.split('.')[0] === PROFILE_JOB_CONTAINER).length;
}

// ---- pushes ---------------------------------------------------------------------------------------------
const burst = new PushBurst({
  count: customerCount,
  concurrency,
  services,
  body: (i) => JSON.stringify(pubsub(message('customer', customerIds[i], 'CustomerCreated'), `burst-${i}`)),
});
const cpu = cpuMeter(services);
const started = Date.now();
const sampler = startSampler({
  started,
  services,
  landed: landedProfiles,
  describe: async (n) => {
    const m = await summed([jobs('jobs'), jobs('waiting_profiles'), finished('in_flight')]);
    return `${burst.acknowledged} acknowledged, ${n} profiles landed, ${m[jobs('jobs')]} jobs (${m[finished('in_flight')]} being finished, ${m[jobs('waiting_profiles')]} profiles waiting), ${burst.redeliveries} redeliveries`;
  },
});
const stopSelfProfile = isProfiled ? await profileThisProcess() : undefined;
await burst.run(started);
const benchProfile = await stopSelfProfile?.();
const seconds = (Date.now() - started) / 1000;
const cpuUsed = cpu.read(seconds);
const peakRssAtAckMB = services.map((s) => s.peakRssMB());

// ---- the service finishes its jobs ----------------------------------------------------------------------
let left = { inFlight: 0, waiting: 0, records: 0 };
for (const deadline = Date.now() + FINISH_TIMEOUT_MS; Date.now() < deadline; ) {
  const m = await summed([finished('in_flight'), jobs('waiting_profiles')]);
  left = { inFlight: m[finished('in_flight')], waiting: m[jobs('waiting_profiles')], records: await recordsLeft() };
  if (left.inFlight === 0 && left.waiting === 0 && left.records === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const finishedSeconds = (Date.now() - started) / 1000;
sampler.stop();
const landed = sampler.samples;
const finalProfiles = await landedProfiles();
landed.push([finishedSeconds, finalProfiles]);
const landedSeconds = landed.find(([, n]) => n >= finalProfiles)?.[0] ?? finishedSeconds;
const metricNames = [
  jobs('jobs'),
  jobs('profiles'),
  jobs('notifications'),
  jobs('single'),
  finished('finished'),
  finished('taken_over'),
  finished('errors'),
  finished('dead_lettered'),
];
const m = await summed(metricNames);
/** A quantile gauge of each service (over its last 1,000 jobs). */
const quantilesOf = (name: string) =>
  Promise.all(
    services.map(async (s) => {
      const sm = await metricsOf(s);
      return Object.fromEntries(
        ['0.5', '0.9', '0.99'].map((q) => [`p${Number(q) * 100}`, sm.get(`${name}{quantile="${q}"}`)]),
      );
    }),
  );
const jobSizes = await quantilesOf('ctk_realtime_profile_job_size');
const heldSeconds = await quantilesOf('ctk_realtime_profile_held_seconds');
const deadLetters = (await (await fetch(`${services[0].url}/events/dead-letters?limit=500`)).json()) as {
  count: number;
  next?: string;
};
const peakRssMB = services.map((s) => s.peakRssMB());

// ---- what Klaviyo received and holds --------------------------------------------------------------------
const requests = await klaviyoRequests(klaviyo.url, 5000);
const jobRequestMs = requests.recent
  .filter((r) => r.operationId === 'bulk_import_profiles')
  .map((r) => r.durationMs)
  .sort((a, b) => a - b);
const byExternalId = new Map<string, number>();
let withoutExternalId = 0;
const account = klaviyo.state.accounts.get(API_KEY);
for (const p of account?.profiles.byId.values() ?? []) {
  const id = p.attributes.external_id;
  if (typeof id !== 'string') withoutExternalId++;
  else byExternalId.set(id, (byExternalId.get(id) ?? 0) + 1);
}
const missingIds = [...withProfile].filter((id) => !byExternalId.has(id));
// Customers sharing an email or phone number are one profile in Klaviyo (the emulator merges on any one
// identifier), with the external id of whichever was written last: such a customer is not lost when the profile
// holding the shared identifier is one of theirs.
const sharing = new Map<string, string[]>();
for (const [key, ids] of byIdentifier)
  if (ids.length > 1) for (const id of ids) sharing.set(id, [...(sharing.get(id) ?? []), key]);
const merged = missingIds.flatMap((id) =>
  (sharing.get(id) ?? [])
    .flatMap((key) => {
      const at = key.indexOf(':');
      const [field, value] = [key.slice(0, at) as 'email' | 'phone_number', key.slice(at + 1)];
      const holder = account?.profiles.findBy(field, value)?.attributes.external_id;
      return typeof holder === 'string' && byIdentifier.get(key)?.includes(holder)
        ? [{ customer: id, profileOf: holder, [field]: value }]
        : [];
    })
    .slice(0, 1),
);
const missing = missingIds.length - merged.length;
const repeated = [...byExternalId.values()].filter((n) => n > 1).length;
const unexpected = [...byExternalId.keys()].filter((id) => !withProfile.has(id)).length + withoutExternalId;

await stopServices(services);
const profile: R | undefined = profileDir
  ? { service: topOfProfiles(profileDir), benchProcessWhilePushing: benchProfile }
  : undefined;

const windowEndS = Math.min(2 * WINDOW_S, burst.lastSentSeconds);
// A steady window shorter than 15 s says little (a job more or less in it moves the rate by a tenth).
const sustained = rateBetween(landed, WINDOW_S, windowEndS, MIN_STEADY_WINDOW_S);
const bulk = requests.byOperation.bulk_import_profiles;
const bulkAccepted = bulk?.byStatus['202'] ?? 0;
const single = requests.byOperation.create_or_update_profile;
const isZeroLost =
  missing === 0 &&
  repeated === 0 &&
  unexpected === 0 &&
  deadLetters.count === 0 &&
  left.records === 0 &&
  left.inFlight === 0 &&
  burst.acknowledged === customerCount;
const result = {
  about:
    "CustomerCreated Pub/Sub pushes, one per customer, as fast as the service acknowledges them, REALTIME_PROFILE_BULK_RATE at its default, against the Klaviyo emulator at Klaviyo's published limits (bulk profile import jobs: 10/s, 150/min, ≤ 2,500 profiles a job in the service → 6,250 profiles/s); sustained = landed profiles from the end of the first 61 s window to the end of the second, or to the last push's first send (at least 15 s)",
  date: new Date().toISOString(),
  node: process.version,
  customers: customerCount,
  concurrency,
  services: serviceCount,
  profiled: isProfiled,
  seconds: Math.round(seconds * 10) / 10,
  landedSeconds: Math.round(landedSeconds * 10) / 10,
  finishedSeconds: Math.round(finishedSeconds * 10) / 10,
  profiles: finalProfiles,
  profilesPerSecond: Math.round(finalProfiles / landedSeconds),
  sustainedProfilesPerSecond: sustained === undefined ? null : Math.round(sustained),
  steadyWindowS:
    sustained === undefined
      ? `none: the last push went at ${Math.round(burst.lastSentSeconds)} s, too soon for a steady window of ${MIN_STEADY_WINDOW_S} s past the first minute (${WINDOW_S} s); push more (--customers)`
      : [WINDOW_S, Math.round(windowEndS * 10) / 10],
  isGoalMet: (sustained ?? finalProfiles / landedSeconds) >= GOAL_PROFILES_PER_SECOND,
  shareOfCeiling: sustained === undefined ? null : Math.round((sustained / CEILING_PROFILES_PER_SECOND) * 1000) / 1000,
  notificationsPerSecond: Math.round(customerCount / seconds),
  ackLatencyMs: burst.ackLatencyMs(),
  statuses: burst.statuses,
  redeliveries: burst.redeliveries,
  redeliveriesByStatus: burst.redeliveriesByStatus,
  networkErrors: burst.networkErrors,
  service: {
    jobs: m[jobs('jobs')],
    profilesInJobs: m[jobs('profiles')],
    notificationsInJobs: m[jobs('notifications')],
    profilesOneCallEach: m[jobs('single')],
    profilesPerJob: Math.round(m[jobs('profiles')] / Math.max(1, m[jobs('jobs')])),
    jobSizeOfLast1000: jobSizes,
    /** How long the first profile of a job waited for it to go. */
    heldSecondsOfLast1000: heldSeconds,
    jobsFinished: m[finished('finished')],
    jobsTakenOver: m[finished('taken_over')],
    finishErrors: m[finished('errors')],
    deadLettered: m[finished('dead_lettered')],
  },
  klaviyo: {
    requests: requests.total,
    bulkImportProfilesRequests: bulk?.count ?? 0,
    bulkImportProfilesByStatus: bulk?.byStatus ?? {},
    profilesPerAcceptedJob: Math.round(finalProfiles / Math.max(1, bulkAccepted)),
    bulkImportProfilesMs: {
      p50: Math.round(jobRequestMs[Math.floor(jobRequestMs.length / 2)] ?? 0),
      max: Math.round(jobRequestMs.at(-1) ?? 0),
    },
    profileImportRequests: single?.count ?? 0,
    byOperation: Object.fromEntries(Object.entries(requests.byOperation).map(([k, v]) => [k, v.count])),
    throttled: requests.throttled,
    specViolations: requests.specViolationCount,
  },
  lost: {
    customers: customerIds.length,
    customersWithProfile: withProfile.size,
    profilesWithExternalId: byExternalId.size,
    customersSharingAnIdentifier: sharing.size,
    mergedWithACustomerSharingAnIdentifier: merged.length,
    mergedExamples: merged.slice(0, 3),
    missing,
    repeated,
    unexpected,
    deadLetters: deadLetters.next ? `${deadLetters.count}+` : deadLetters.count,
    jobRecordsLeft: left.records,
    jobsStillBeingFinished: left.inFlight,
    isZeroLost,
  },
  cpu: cpuUsed,
  servicePeakRssMB: peakRssMB,
  servicePeakRssUntilAcknowledgedMB: peakRssAtAckMB,
  serviceRssSamplesMB: sampler.rssSamplesMB,
  ...(profile ? { profile } : {}),
};
writeResult('realtime-customers', resultSuffix, result);
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
