/**
 * Orders and events per second for a bulk import of 100,000 orders against the emulators at Klaviyo's
 * published limits (bulk events: 10/s, 150/min, 1,000 events each → a ceiling of 2,500 events/s), with the
 * service's peak RSS; and the same orders' events sent one `create_event` call each (the plugin's way),
 * measured on a sample at the same limits, for the ratio.
 *
 * Requests go out in bursts at each steady window (150 a minute), so landing is a staircase: the average of a
 * short run counts one window too many. The sustained rate is measured over one whole steady window, from the
 * second to the third (the run must last over two minutes). `--speed-up N` runs Klaviyo's windows N times faster (and tells the service), for
 * runs that would take hours at the published limits; the report then says how long they would take there.
 * `--baseline-sample 0` skips the one-call-per-event comparison.
 *
 *   npm run bench -- orders-import [--orders N] [--baseline-sample EVENTS] [--speed-up N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { createLogger } from '../src/core/logger.ts';
import { KlaviyoHttp } from '../src/klaviyo/http.ts';
import { OPERATIONS } from '../src/klaviyo/operations.ts';
import { KlaviyoRateLimiter } from '../src/klaviyo/rate-limiter.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    orders: { type: 'string', default: '100000' },
    'baseline-sample': { type: 'string', default: '5000' },
    'speed-up': { type: 'string', default: '1' },
  },
});
const speedUp = Number(values['speed-up']);
const orders = Number(values.orders);
const sample = Number(values['baseline-sample']);
const out = (s: string) => process.stdout.write(`${s}\n`);
const CEILING_EVENTS_PER_SECOND = (150 / 60) * 1000;

const ct = await startCommercetoolsEmulator({ compress: orders > 200_000 });
const counts = ct.load(
  generateDataset({ size: { customers: Math.min(100_000, Math.max(20_000, orders / 10)), products: 500, orders } }),
);
const klaviyo = await startKlaviyoEmulator({ speedUp });
out(
  `loaded ${JSON.stringify(counts)}; Klaviyo emulator at published limits${speedUp > 1 ? `, windows ${speedUp}× faster` : ''}`,
);

const service = await spawnService(
  benchEnv(
    ct,
    klaviyo.url,
    'pk_bench_bulk_events',
    speedUp > 1
      ? {
          KLAVIYO_RATE_LIMITS: JSON.stringify({
            bulk_create_events: { burstPerSecond: 10 * speedUp, steadyPerMinute: 150 * speedUp },
          }),
        }
      : {},
  ),
);
async function eventsInKlaviyo(): Promise<number> {
  return ((await (await fetch(`${klaviyo.url}/__emulator/summary?key=pk_bench_bulk_events`)).json()) as R).events.total;
}
type R = Record<string, any>;
/** [seconds since start, events in Klaviyo] every 5 s, and the service's RSS every 15 s. */
const landed: Array<[number, number]> = [];
const rssSamplesMB: number[] = [];
const { url, child } = service;
const started = Date.now();
await fetch(`${url}/sync/orders`, { method: 'POST' });
interface Report {
  status: string;
  counts: { read: number; succeeded: number; failed: number; skipped: number };
}
let report: Report;
let lastPrint = 0;
let lastSample = 0;
for (;;) {
  report = (await (await fetch(`${url}/sync/orders`)).json()) as Report;
  if (report.status !== 'running') break;
  if (Date.now() - lastSample > 5_000) {
    lastSample = Date.now();
    landed.push([(Date.now() - started) / 1000, await eventsInKlaviyo()]);
  }
  if (Date.now() - lastPrint > 15_000) {
    lastPrint = Date.now();
    rssSamplesMB.push(service.rssMB());
    out(
      `  ${report.counts.succeeded} orders after ${Math.round((Date.now() - started) / 1000)} s, RSS ${rssSamplesMB.at(-1)} MB`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const seconds = (Date.now() - started) / 1000;
/** Events per second over one steady window (the client's 61 s), from the second window to the third. */
const windowS = 61 / speedUp;
const secondWindow = landed.find(([t]) => t >= windowS);
const thirdWindow = landed.find(([t]) => t >= 2 * windowS);
const peakRssMB = service.peakRssMB();
child.kill('SIGTERM');
const summary = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=pk_bench_bulk_events`)).json()) as {
  events: { total: number; byMetric: Record<string, number> };
};
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  byOperation: Record<string, { count: number; byStatus: Record<string, number> }>;
  throttled: number;
  specViolationCount: number;
};
const eventsPerSecond = summary.events.total / seconds;
const sustainedEventsPerSecond =
  secondWindow && thirdWindow ? (thirdWindow[1] - secondWindow[1]) / (thirdWindow[0] - secondWindow[0]) : undefined;
const publishedLimitsSeconds = summary.events.total / CEILING_EVENTS_PER_SECOND;
out(
  `bulk: ${report.counts.succeeded} orders, ${summary.events.total} events in ${seconds.toFixed(1)} s → ${Math.round(eventsPerSecond)} events/s, sustained over a steady window ${sustainedEventsPerSecond === undefined ? '—' : Math.round(sustainedEventsPerSecond)} events/s (ceiling at the published limits: ${CEILING_EVENTS_PER_SECOND * speedUp}), peak RSS ${peakRssMB} MB`,
);
if (speedUp > 1)
  out(
    `at Klaviyo's published limits these ${summary.events.total} events would take at least ${(publishedLimitsSeconds / 60).toFixed(0)} min`,
  );

// The plugin's way: one create_event per event.
const events = (
  sample > 0
    ? await (await fetch(`${klaviyo.url}/__emulator/events?key=pk_bench_bulk_events&limit=${sample}`)).json()
    : []
) as Array<{
  metric: string;
  profile: { email: string | null; external_id: string | null };
  time: string;
  value?: number;
  value_currency?: string;
  unique_id?: string;
  properties: Record<string, unknown>;
}>;
const http = new KlaviyoHttp({
  apiKey: 'pk_bench_single_events',
  baseUrl: klaviyo.url,
  limiter: new KlaviyoRateLimiter(),
  logger: createLogger({ level: 'silent' }),
});
const take = sample > 0 ? events.slice(0, sample) : [];
const singleStarted = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: 40 }, async () => {
    while (next < take.length) {
      const e = take[next++];
      const profile = Object.fromEntries(Object.entries(e.profile).filter(([, v]) => v !== null));
      await http
        .request(OPERATIONS.createEvent, {
          method: 'POST',
          path: '/api/events',
          body: {
            data: {
              type: 'event',
              attributes: {
                properties: e.properties,
                time: e.time,
                value: e.value,
                value_currency: e.value_currency,
                unique_id: e.unique_id,
                metric: { data: { type: 'metric', attributes: { name: e.metric } } },
                profile: { data: { type: 'profile', attributes: profile } },
              },
            },
          },
        })
        .catch(() => undefined);
    }
  }),
);
const singleSeconds = (Date.now() - singleStarted) / 1000;
const singleRate = take.length / singleSeconds;
out(
  `one call per event: ${take.length} events in ${singleSeconds.toFixed(1)} s (${singleRate.toFixed(1)} /s) → ${summary.events.total} would take ${(summary.events.total / singleRate / 60).toFixed(0)} min`,
);

const result = {
  date: new Date().toISOString(),
  node: process.version,
  orders,
  speedUp,
  bulk: {
    seconds: Math.round(seconds * 10) / 10,
    ordersPerSecond: Math.round(report.counts.succeeded / seconds),
    events: summary.events.total,
    eventsByMetric: summary.events.byMetric,
    eventsPerSecond: Math.round(eventsPerSecond),
    sustainedEventsPerSecond: sustainedEventsPerSecond === undefined ? null : Math.round(sustainedEventsPerSecond),
    minutesAtPublishedLimits: Math.round(publishedLimitsSeconds / 60),
    serviceRssSamplesMB: rssSamplesMB,
    shareOfCeiling: Math.round((eventsPerSecond / CEILING_EVENTS_PER_SECOND) * 1000) / 1000,
    requests: requests.byOperation.bulk_create_events?.count ?? 0,
    eventsPerRequest: Math.round(
      summary.events.total / (requests.byOperation.bulk_create_events?.byStatus['202'] ?? 1),
    ),
    throttled: requests.throttled,
    specViolations: requests.specViolationCount,
    peakRssMB,
    counts: report.counts,
    status: report.status,
  },
  onePerEvent: {
    sample: take.length,
    seconds: Math.round(singleSeconds * 10) / 10,
    eventsPerSecond: Math.round(singleRate * 10) / 10,
    extrapolatedMinutesForAll: Math.round(summary.events.total / singleRate / 60),
  },
  speedup: Math.round(eventsPerSecond / singleRate),
};
const name = speedUp > 1 ? `orders-import-${orders}-speed-up-${speedUp}` : 'orders-import';
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
