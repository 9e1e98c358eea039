/**
 * Customers per second for a bulk import of 100,000 customers against the emulators at Klaviyo's published
 * rate limits, with the service's peak RSS; and the same customers sent one profile-import call each (the
 * plugin's way), measured on a sample at the same published limits, for the ratio.
 *
 *   npm run bench -- customers-import [--customers N] [--baseline-sample N]
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
  options: { customers: { type: 'string', default: '100000' }, 'baseline-sample': { type: 'string', default: '1500' } },
});
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
const klaviyo = await startKlaviyoEmulator({ speedUp: 1 });
out(
  `${customers} customers loaded; Klaviyo emulator at published limits (bulk import: 10/s, 150/min; profile-import: 75/s, 750/min)`,
);

// 1. The service, as its own process, bulk-importing everything.
const service = await spawnService(benchEnv(ct, klaviyo.url, 'pk_bench_bulk'));
const { url, child } = service;
const started = Date.now();
await fetch(`${url}/sync/customers`, { method: 'POST' });
interface Report {
  status: string;
  counts: { succeeded: number; failed: number; skipped: number };
}
let report: Report;
for (;;) {
  report = (await (await fetch(`${url}/sync/customers`)).json()) as Report;
  if (report.status !== 'running') break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const bulkSeconds = (Date.now() - started) / 1000;
const peakRssMB = service.peakRssMB();
child.kill('SIGTERM');
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  byOperation: Record<string, { count: number }>;
  throttled: number;
  specViolationCount: number;
};
out(
  `bulk: ${report.counts.succeeded} profiles in ${bulkSeconds.toFixed(1)} s (${Math.round(report.counts.succeeded / bulkSeconds)} /s), peak RSS ${peakRssMB} MB, ${requests.throttled} throttled`,
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
const singleRate = sample / singleSeconds;
out(
  `one call per customer: ${sample} profiles in ${singleSeconds.toFixed(1)} s (${singleRate.toFixed(1)} /s) → ${customers} would take ${(customers / singleRate / 60).toFixed(0)} min`,
);

const bulkRate = report.counts.succeeded / bulkSeconds;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  customers,
  bulk: {
    seconds: Math.round(bulkSeconds * 10) / 10,
    profilesPerSecond: Math.round(bulkRate),
    peakRssMB,
    jobs: requests.byOperation.bulk_import_profiles?.count ?? 0,
    throttled: requests.throttled,
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
writeFileSync(new URL('./results/customers-import.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
