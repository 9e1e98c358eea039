/**
 * Customers per second for a bulk import of 100,000 customers against the emulators at Klaviyo's published
 * rate limits, with the service's peak RSS; and the same customers sent one profile-import call each (the
 * plugin's way), measured on a sample at the same published limits, for the ratio.
 *
 * With `--job-seconds S` every Klaviyo bulk job takes S seconds (Klaviyo documents no duration; large imports
 * can take minutes): the run then also reports how fast profiles were submitted while commercetools was read.
 * `--baseline-sample 0` skips the one-call-per-customer comparison.
 *
 *   npm run bench -- customers-import [--customers N] [--baseline-sample N] [--job-seconds S]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { buildCatalog, DEFAULT_REFERENCE_TIME, generateCustomer } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { createLogger } from '../src/core/logger.ts';
import { KlaviyoHttp } from '../src/klaviyo/http.ts';
import { OPERATIONS } from '../src/klaviyo/operations.ts';
import { KlaviyoRateLimiter } from '../src/klaviyo/rate-limiter.ts';
import { customerToProfile } from '../src/mapping/customer-to-profile.ts';
import { NO_FILTER } from '../src/mapping/mapping-options.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    customers: { type: 'string', default: '100000' },
    'baseline-sample': { type: 'string', default: '1500' },
    'job-seconds': { type: 'string' },
  },
});
const jobSeconds = values['job-seconds'] === undefined ? undefined : Number(values['job-seconds']);
const customers = Number(values.customers);
const sample = Math.min(Number(values['baseline-sample']), customers);
const out = (s: string) => process.stdout.write(`${s}\n`);

const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
const catalog = buildCatalog(77, { customers, products: 1, orders: 0 }, refMs);
const records = Array.from({ length: customers }, (_v, i) =>
  generateCustomer(77, i, refMs, catalog.customerGroupId, 'type'),
);
const ct = await startCommercetoolsEmulator();
ct.load(records.map((resource) => ({ typeId: 'customer' as const, resource })));
const klaviyo = await startKlaviyoEmulator({
  speedUp: 1,
  ...(jobSeconds === undefined ? {} : { jobs: { durationMs: jobSeconds * 1000 } }),
});
out(
  `${customers} customers loaded; Klaviyo emulator at published limits (bulk import: 10/s, 150/min; profile-import: 75/s, 750/min), jobs take ${jobSeconds === undefined ? '~0.05' : jobSeconds} s`,
);

// 1. The service, as its own process, bulk-importing everything.
const service = await spawnService(benchEnv(ct, klaviyo.url, 'pk_bench_bulk'));
const { url, child } = service;
const started = Date.now();
await fetch(`${url}/sync/customers`, { method: 'POST' });
interface Report {
  status: string;
  counts: { read: number; succeeded: number; failed: number; skipped: number };
  recordsUnconfirmed?: number;
  jobsInFlight?: number;
}
let report: Report;
let readAllSeconds: number | undefined;
let maxJobsInFlight = 0;
for (;;) {
  report = (await (await fetch(`${url}/sync/customers`)).json()) as Report;
  maxJobsInFlight = Math.max(maxJobsInFlight, report.jobsInFlight ?? 0);
  // Every customer read and submitted (the rest is waiting for the last jobs to complete).
  const submitted =
    report.counts.succeeded + report.counts.failed + report.counts.skipped + (report.recordsUnconfirmed ?? 0);
  if (readAllSeconds === undefined && submitted >= customers) readAllSeconds = (Date.now() - started) / 1000;
  if (report.status !== 'running') break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const bulkSeconds = (Date.now() - started) / 1000;
const peakRssMB = service.peakRssMB();
child.kill('SIGTERM');
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  byOperation: Record<string, { count: number; byStatus: Record<string, number> }>;
  throttled: number;
  specViolationCount: number;
};
out(
  `bulk: ${report.counts.succeeded} profiles in ${bulkSeconds.toFixed(1)} s (${Math.round(report.counts.succeeded / bulkSeconds)} /s), peak RSS ${peakRssMB} MB, ${requests.throttled} throttled`,
);

if (readAllSeconds !== undefined)
  out(
    `all ${customers} submitted after ${readAllSeconds.toFixed(1)} s (${Math.round(customers / readAllSeconds)} /s), at most ${maxJobsInFlight} jobs in flight`,
  );

// 2. The plugin's way: one profile-import call per customer, as fast as the published limits allow.
const limiter = new KlaviyoRateLimiter();
const http = new KlaviyoHttp({
  apiKey: 'pk_bench_single',
  baseUrl: klaviyo.url,
  limiter,
  logger: createLogger({ level: 'silent' }),
});
const singleStarted = Date.now();
const singleSample = sample;
let next = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < sample) {
      const m = customerToProfile(records[next++] as never, { properties: NO_FILTER });
      if (m.kind === 'profile')
        await http
          .request(OPERATIONS.createOrUpdateProfile, {
            method: 'POST',
            path: '/api/profile-import',
            body: { data: m.profile },
          })
          .catch(() => undefined);
    }
  }),
);
const singleSeconds = (Date.now() - singleStarted) / 1000;
const singleRate = singleSample > 0 ? sample / singleSeconds : Number.NaN;
out(
  `one call per customer: ${sample} profiles in ${singleSeconds.toFixed(1)} s (${singleRate.toFixed(1)} /s) → ${customers} would take ${(customers / singleRate / 60).toFixed(0)} min`,
);

const bulkRate = report.counts.succeeded / bulkSeconds;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  customers,
  jobSeconds: jobSeconds ?? 'fast',
  bulk: {
    seconds: Math.round(bulkSeconds * 10) / 10,
    profilesPerSecond: Math.round(bulkRate),
    submittedAfterSeconds: readAllSeconds === undefined ? null : Math.round(readAllSeconds * 10) / 10,
    submittedPerSecond: readAllSeconds === undefined ? null : Math.round(customers / readAllSeconds),
    maxJobsInFlight,
    peakRssMB,
    jobs: requests.byOperation.bulk_import_profiles?.count ?? 0,
    throttled: requests.throttled,
    requestsByOperation: Object.fromEntries(Object.entries(requests.byOperation).map(([op, r]) => [op, r.byStatus])),
    specViolations: requests.specViolationCount,
    status: report.status,
    counts: report.counts,
  },
  onePerCustomer: {
    sample,
    seconds: Math.round(singleSeconds * 10) / 10,
    profilesPerSecond: Math.round(singleRate * 10) / 10,
    extrapolatedMinutesForAll: Math.round(customers / singleRate / 60),
  },
  speedup: Math.round(bulkRate / singleRate),
};
const name = jobSeconds === undefined ? 'customers-import' : `customers-import-jobs-${jobSeconds}s`;
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
