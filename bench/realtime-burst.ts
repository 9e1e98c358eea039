/**
 * A burst of real-time orders: one `OrderCreated` Pub/Sub push per order of a 100,000-order project, pushed as
 * fast as the service acknowledges them (C pushes in flight), against the Klaviyo emulator at Klaviyo's
 * published limits (validation on). The service reads the orders of notifications arriving together in one
 * commercetools query, and coalesces their events (Placed Order, Ordered Product per line, and the lifecycle
 * events already due) into `event-bulk-create-jobs` requests (10/s burst, 150/min steady, ≤ 1,000 events each:
 * a ceiling of 2,500 events/s sustained); a push is answered 200 only once Klaviyo accepted its events. A push
 * answered otherwise is sent again after 1 s, as Pub/Sub redelivers, until acknowledged.
 *
 * Reports events/s overall and sustained over one whole steady window (landed events sampled every second; the
 * rate from the end of the first 61 s window to the end of the second: the run must last over two minutes),
 * notifications/s, acknowledgement latency (first send → 2xx), Klaviyo requests by operation (bulk vs
 * per-event), throttled answers, spec violations, redeliveries, the service's peak RSS and CPU, the CPU of this
 * process (both emulators and the pushing client), and that nothing was lost: every order with a customer gets
 * exactly one Placed Order (unique id = order id).
 *
 * `--profile` writes a CPU profile of the service and prints its top functions by self time;
 * `--services 2` runs two service processes on the same commercetools project and Klaviyo account, pushes split
 * between them (each paces its own requests, so together they can exceed the account's limits).
 *
 * C defaults to 2,048: with 256 in flight, a batch only gathers the ~1,400 events of the pushes waiting, requests
 * carry ~380 events, and the 150 requests a minute cap the run at ~1,000 events/s.
 *
 *   npm run bench -- realtime-burst [--orders N] [--concurrency C] [--services 1|2] [--profile]
 */
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { message, pubsub } from '../test/helpers/notifications.ts';
import { benchEnv } from './harness.ts';
import {
  burstArgs,
  cpuMeter,
  klaviyoRequests,
  out,
  PUSH_TOKEN,
  PushBurst,
  type R,
  rateBetween,
  startSampler,
  startServices,
  stopServices,
  topOfProfiles,
  WINDOW_S,
  writeResult,
} from './realtime-harness.ts';

const { count: orderCount, concurrency, serviceCount, isProfiled, resultSuffix } = burstArgs('orders');
const CEILING_EVENTS_PER_SECOND = (150 / 60) * 1000;
const API_KEY = 'pk_bench_realtime_burst';

// ---- commercetools stand-in with the orders-import dataset --------------------------------------------------
const ct = await startCommercetoolsEmulator({ compress: orderCount > 200_000 });
const orderIds: string[] = [];
const withCustomer = new Set<string>();
function* tapOrders(records: ReturnType<typeof generateDataset>) {
  for (const r of records) {
    if (r.typeId === 'order') {
      const o = r.resource as { id: string; customerEmail?: string; customerId?: string };
      orderIds.push(o.id);
      if (o.customerEmail?.trim() || o.customerId) withCustomer.add(o.id);
    }
    yield r;
  }
}
const loadStarted = Date.now();
const counts = ct.load(
  tapOrders(
    generateDataset({
      size: { customers: Math.min(100_000, Math.max(20_000, orderCount / 10)), products: 500, orders: orderCount },
    }),
  ),
);
out(`loaded ${JSON.stringify(counts)} in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`);

// ---- Klaviyo emulator at the published limits, validating --------------------------------------------------
const klaviyo = await startKlaviyoEmulator({ speedUp: 1, rateLimits: true });

// ---- the service (compiled), with a push token and the default coalescing ---------------------------------
const { services, profileDir } = await startServices(
  serviceCount,
  benchEnv(ct, klaviyo.url, API_KEY, {
    APP_TYPE: 'EVENT',
    PUSH_AUTH_TOKEN: PUSH_TOKEN,
    PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
  }),
  isProfiled ? 'realtime-burst' : undefined,
);
out(
  `${serviceCount} service process(es) at ${services.map((s) => s.url).join(', ')}; Klaviyo emulator at published limits; ${orderCount} OrderCreated pushes, ${concurrency} in flight`,
);

async function summary(): Promise<{
  events: { total: number; byMetric: Record<string, number>; droppedAtIngestion: number };
}> {
  return (await (await fetch(`${klaviyo.url}/__emulator/summary?key=${API_KEY}`)).json()) as never;
}

// ---- pushes ---------------------------------------------------------------------------------------------
const appliedOrders = new Set<string>();
const burst = new PushBurst({
  count: orderCount,
  concurrency,
  services,
  body: (i) => JSON.stringify(pubsub(message('order', orderIds[i], 'OrderCreated'), `burst-${i}`)),
  onAcknowledged: (i, status) => {
    if (status === 'applied') appliedOrders.add(orderIds[i]);
  },
});
const cpu = cpuMeter(services);
const started = Date.now();
const sampler = startSampler({
  started,
  services,
  landed: async () => (await summary()).events.total,
  describe: (n) => `${burst.acknowledged} acknowledged, ${n} events landed, ${burst.redeliveries} redeliveries`,
});
await burst.run(started);
const seconds = (Date.now() - started) / 1000;
sampler.stop();
const cpuUsed = cpu.read(seconds);
const final = await summary();
const landed = sampler.samples;
landed.push([seconds, final.events.total]);
const peakRssMB = services.map((s) => s.peakRssMB());

// ---- what Klaviyo received ------------------------------------------------------------------------------
const requests = await klaviyoRequests(klaviyo.url);
const placed = (await (
  await fetch(
    `${klaviyo.url}/__emulator/events?key=${API_KEY}&metric=${encodeURIComponent('Placed Order')}&limit=${orderCount * 2}`,
  )
).json()) as Array<{ unique_id?: string }>;
const placedCount = new Map<string, number>();
for (const e of placed) placedCount.set(String(e.unique_id), (placedCount.get(String(e.unique_id)) ?? 0) + 1);
const expected = orderIds.filter((id) => withCustomer.has(id));
const missing = expected.filter((id) => !placedCount.has(id));
const repeated = [...placedCount.values()].filter((n) => n > 1).length;
const unexpected = [...placedCount.keys()].filter((id) => !withCustomer.has(id)).length;

// ---- the service's CPU profile ---------------------------------------------------------------------------
await stopServices(services);
const profile: R | undefined = profileDir ? topOfProfiles(profileDir) : undefined;

const sustained = rateBetween(landed, WINDOW_S, 2 * WINDOW_S);
const bulk = requests.byOperation.bulk_create_events;
const bulkAccepted = bulk?.byStatus['202'] ?? 0;
const result = {
  about:
    "OrderCreated Pub/Sub pushes, one per order, as fast as the service acknowledges them, against the Klaviyo emulator at Klaviyo's published limits (bulk events: 10/s, 150/min, 1,000 events per request → 2,500 events/s); sustained = landed events over one whole steady window (61 s → 122 s)",
  date: new Date().toISOString(),
  node: process.version,
  orders: orderCount,
  concurrency,
  services: serviceCount,
  profiled: isProfiled,
  seconds: Math.round(seconds * 10) / 10,
  events: final.events.total,
  eventsByMetric: final.events.byMetric,
  droppedAtIngestion: final.events.droppedAtIngestion,
  eventsPerSecond: Math.round(final.events.total / seconds),
  sustainedEventsPerSecond: sustained === undefined ? null : Math.round(sustained),
  shareOfCeiling: sustained === undefined ? null : Math.round((sustained / CEILING_EVENTS_PER_SECOND) * 1000) / 1000,
  notificationsPerSecond: Math.round(orderCount / seconds),
  ackLatencyMs: burst.ackLatencyMs(),
  statuses: burst.statuses,
  redeliveries: burst.redeliveries,
  redeliveriesByStatus: burst.redeliveriesByStatus,
  networkErrors: burst.networkErrors,
  klaviyo: {
    requests: requests.total,
    bulkCreateEventsRequests: bulk?.count ?? 0,
    bulkCreateEventsByStatus: bulk?.byStatus ?? {},
    eventsPerRequest: Math.round(final.events.total / Math.max(1, bulkAccepted)),
    createEventRequests: requests.byOperation.create_event?.count ?? 0,
    byOperation: Object.fromEntries(Object.entries(requests.byOperation).map(([k, v]) => [k, v.count])),
    throttled: requests.throttled,
    specViolations: requests.specViolationCount,
  },
  lost: {
    ordersWithCustomer: expected.length,
    ordersWithoutCustomer: orderIds.length - expected.length,
    placedOrderEvents: placed.length,
    missing: missing.length,
    repeated,
    unexpected,
    appliedPushes: appliedOrders.size,
    isZeroLost: missing.length === 0 && repeated === 0 && placed.length === expected.length,
  },
  cpu: cpuUsed,
  servicePeakRssMB: peakRssMB,
  serviceRssSamplesMB: sampler.rssSamplesMB,
  ...(profile ? { profile } : {}),
};
writeResult('realtime-burst', resultSuffix, result);
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
