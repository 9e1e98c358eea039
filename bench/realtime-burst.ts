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
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { message, pubsub } from '../test/helpers/notifications.ts';
import { benchEnv, type ServiceProcess, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    orders: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '2048' },
    services: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
  },
});
const orderCount = Number(values.orders);
const concurrency = Number(values.concurrency);
const serviceCount = Number(values.services);
const isProfiled = values.profile;
const out = (s: string) => process.stdout.write(`${s}\n`);
const CEILING_EVENTS_PER_SECOND = (150 / 60) * 1000;
const API_KEY = 'pk_bench_realtime_burst';
const PUSH_TOKEN = 'bench-push-token-0123456789';
/** The service's rate limiter counts a 61 s minute window. */
const WINDOW_S = 61;
type R = Record<string, any>;

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
const profileDir = join(tmpdir(), `realtime-burst-prof-${process.pid}`);
if (isProfiled) {
  mkdirSync(profileDir, { recursive: true });
  // Node refuses --cpu-prof in NODE_OPTIONS; the harness passes these flags to the service's node.
  process.env.BENCH_NODE_FLAGS = `${process.env.BENCH_NODE_FLAGS ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`.trim();
}
const services: ServiceProcess[] = [];
for (let s = 0; s < serviceCount; s++) {
  const service = await spawnService(
    benchEnv(ct, klaviyo.url, API_KEY, {
      APP_TYPE: 'EVENT',
      PUSH_AUTH_TOKEN: PUSH_TOKEN,
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
    }),
  );
  // The harness keeps every line the service prints to find its URL; one log line per notification would make
  // that buffer (and its scans) grow with the run. Once the URL is known, the lines are read and dropped.
  services.push(service);
}
out(
  `${serviceCount} service process(es) at ${services.map((s) => s.url).join(', ')}; Klaviyo emulator at published limits; ${orderCount} OrderCreated pushes, ${concurrency} in flight`,
);

function cpuSecondsOf(pid: number | undefined): number {
  // utime + stime, in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
function machineBusySeconds(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
async function summary(): Promise<{
  events: { total: number; byMetric: Record<string, number>; droppedAtIngestion: number };
}> {
  return (await (await fetch(`${klaviyo.url}/__emulator/summary?key=${API_KEY}`)).json()) as never;
}

// ---- pushes ---------------------------------------------------------------------------------------------
const ackMs = new Float64Array(orderCount);
const statuses: Record<string, number> = {};
const redeliveriesByStatus: Record<string, number> = {};
let redeliveries = 0;
let networkErrors = 0;
let acknowledged = 0;
const appliedOrders = new Set<string>();
const landed: Array<[number, number]> = [];
const rssSamplesMB: number[] = [];

const serviceCpu0 = services.map((s) => cpuSecondsOf(s.child.pid));
const ownCpu0 = process.cpuUsage();
const machine0 = machineBusySeconds();
const started = Date.now();
let lastPrint = started;
const sampler = setInterval(() => {
  void summary().then((s) => {
    const t = (Date.now() - started) / 1000;
    landed.push([t, s.events.total]);
    if (Date.now() - lastPrint >= 15_000) {
      lastPrint = Date.now();
      rssSamplesMB.push(Math.max(...services.map((x) => x.rssMB())));
      out(
        `  ${Math.round(t)} s: ${acknowledged} acknowledged, ${s.events.total} events landed, ${redeliveries} redeliveries, RSS ${rssSamplesMB.at(-1)} MB`,
      );
    }
  });
}, 1_000);

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < orderCount) {
      const i = next++;
      const id = orderIds[i];
      const service = services[i % services.length];
      const body = JSON.stringify(pubsub(message('order', id, 'OrderCreated'), `burst-${i}`));
      const t0 = performance.now();
      for (;;) {
        let status = 0;
        let answer: { status?: string } = {};
        try {
          const res = await fetch(`${service.url}/events/pubsub`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${PUSH_TOKEN}` },
            body,
          });
          status = res.status;
          answer = (await res.json()) as { status?: string };
        } catch {
          networkErrors++;
        }
        if (status >= 200 && status < 300) {
          ackMs[i] = performance.now() - t0;
          const s = answer.status ?? String(status);
          statuses[s] = (statuses[s] ?? 0) + 1;
          if (s === 'applied') appliedOrders.add(id);
          acknowledged++;
          break;
        }
        // Pub/Sub redelivers an unacknowledged push (with backoff): the same message, the same body.
        redeliveries++;
        const key = `${status}${answer.status ? ` ${answer.status}` : ''}`;
        redeliveriesByStatus[key] = (redeliveriesByStatus[key] ?? 0) + 1;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }),
);
const seconds = (Date.now() - started) / 1000;
clearInterval(sampler);
const serviceCpuSeconds = services.map((s, k) => cpuSecondsOf(s.child.pid) - serviceCpu0[k]);
const ownCpu = process.cpuUsage(ownCpu0);
const machine1 = machineBusySeconds();
const final = await summary();
landed.push([seconds, final.events.total]);
const peakRssMB = services.map((s) => s.peakRssMB());

// ---- what Klaviyo received ------------------------------------------------------------------------------
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  total: number;
  byOperation: Record<string, { count: number; byStatus: Record<string, number> }>;
  throttled: number;
  specViolationCount: number;
};
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
for (const s of services) s.child.kill('SIGTERM');
await Promise.all(
  services.map((s) =>
    s.child.exitCode !== null ? undefined : new Promise((resolve) => s.child.once('exit', resolve)),
  ),
);
let profile: R | undefined;
if (isProfiled) profile = topOfProfiles(profileDir);

const sorted = Array.from(ackMs).sort((a, b) => a - b);
const pct = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const secondWindow = landed.find(([t]) => t >= WINDOW_S);
const thirdWindow = landed.find(([t]) => t >= 2 * WINDOW_S);
const sustained =
  secondWindow && thirdWindow && thirdWindow[0] > secondWindow[0]
    ? (thirdWindow[1] - secondWindow[1]) / (thirdWindow[0] - secondWindow[0])
    : undefined;
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
  ackLatencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: Math.round(sorted[sorted.length - 1] ?? 0) },
  statuses,
  redeliveries,
  redeliveriesByStatus,
  networkErrors,
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
  cpu: {
    serviceSeconds: serviceCpuSeconds.map((c) => Math.round(c * 10) / 10),
    serviceCores: serviceCpuSeconds.map((c) => Math.round((c / seconds) * 100) / 100),
    benchProcessCores: Math.round(((ownCpu.user + ownCpu.system) / 1e6 / seconds) * 100) / 100,
    machineCoresBusy: Math.round(((machine1.busy - machine0.busy) / seconds) * 100) / 100,
  },
  servicePeakRssMB: peakRssMB,
  serviceRssSamplesMB: rssSamplesMB,
  ...(profile ? { profile } : {}),
};
out(JSON.stringify(result, null, 2));
const suffix = [
  concurrency !== 2048 ? `c${concurrency}` : '',
  orderCount !== 100_000 ? `n${orderCount}` : '',
  serviceCount > 1 ? `services${serviceCount}` : '',
  isProfiled ? 'profile' : '',
]
  .filter(Boolean)
  .join('-');
writeFileSync(
  new URL(`./results/realtime-burst${suffix ? `-${suffix}` : ''}.json`, import.meta.url),
  `${JSON.stringify(result, null, 2)}\n`,
);
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);

/** The functions of the service's CPU profile(s) with the most self time, and self time by package. */
function topOfProfiles(dir: string): R {
  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    p.samples.forEach((id, k) => {
      const us = p.timeDeltas[k] ?? 0;
      const f = byId.get(id);
      if (!f) return;
      totalUs += us;
      const where = f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
      const name =
        `${f.functionName || '(anonymous)'} ${where ? `${where.replace(/^.*\/(dist\/)/, '$1')}:${f.lineNumber + 1}` : ''}`.trim();
      self.set(name, (self.get(name) ?? 0) + us);
      const area = !f.url
        ? f.functionName.startsWith('(')
          ? f.functionName
          : '(native / V8)'
        : f.url.startsWith('node:')
          ? 'node internals'
          : (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ??
            (/\/dist\/src\//.test(f.url) ? 'service code (dist/src)' : f.url));
      byArea.set(area, (byArea.get(area) ?? 0) + us);
    });
  }
  rmSync(dir, { recursive: true, force: true });
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 10;
  return {
    sampledSeconds: Math.round(totalUs / 1e5) / 10,
    topSelfTime: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([fn, us]) => ({ fn, percent: share(us) })),
    byArea: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([area, us]) => ({ area, percent: share(us) })),
  };
}
