/**
 * Real-time notifications handled per second by one service process, with p50/p99 latency, for a mix of
 * customer (40%), order (40%) and inventory (20%) notifications pushed as Pub/Sub envelopes, 16 in flight.
 * Run against the Klaviyo emulator without rate limits (our own capacity) and with the published limits
 * (what Klaviyo allows: per-item endpoints, e.g. profile-import 750/min).
 *
 *   npm run bench -- realtime [--notifications N]
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { notifications: { type: 'string', default: '2000' } },
});
const total = Number(values.notifications);
const out = (s: string) => process.stdout.write(`${s}\n`);
const data = [...generateDataset({ size: 'small' })];
const customers = data.filter((r) => r.typeId === 'customer').map((r) => r.resource.id as string);
const orders = data
  .filter((r) => r.typeId === 'order' && (r.resource.customerId || r.resource.customerEmail))
  .map((r) => r.resource.id as string);
const skus = data
  .filter((r) => r.typeId === 'inventory-entry' && !r.resource.supplyChannel)
  .map((r) => r.resource.sku as string);

function notification(i: number): unknown {
  const kind = i % 5;
  const common = {
    notificationType: 'Message',
    projectKey: 'demo',
    id: randomUUID(),
    version: 1,
    sequenceNumber: 1,
    resourceVersion: 2,
    createdAt: new Date().toISOString(),
    lastModifiedAt: new Date().toISOString(),
  };
  if (kind < 2)
    return {
      ...common,
      resource: { typeId: 'customer', id: customers[i % customers.length] },
      type: 'CustomerCreated',
    };
  if (kind < 4)
    return { ...common, resource: { typeId: 'order', id: orders[i % orders.length] }, type: 'OrderCreated' };
  return {
    ...common,
    resource: { typeId: 'inventory-entry', id: randomUUID() },
    type: 'InventoryEntryQuantitySet',
    sku: skus[i % skus.length],
    newAvailableQuantity: i % 7,
    oldAvailableQuantity: 1,
  };
}

async function run(label: string, rateLimits: boolean): Promise<Record<string, unknown>> {
  const ct = await startCommercetoolsEmulator();
  ct.load(data);
  const klaviyo = await startKlaviyoEmulator({ rateLimits });
  const service = await spawnService(
    benchEnv(ct, klaviyo.url, 'pk_bench_realtime', {
      APP_TYPE: 'EVENT',
      PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
      REALTIME_RETRY_BUDGET_SECONDS: '120',
    }),
  );
  const { url, child } = service;
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const i = next++;
        const body = {
          message: { data: Buffer.from(JSON.stringify(notification(i))).toString('base64'), messageId: `bench-${i}` },
          subscription: 's',
        };
        const t0 = performance.now();
        const res = await fetch(`${url}/events/pubsub`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const r = (await res.json()) as { status: string };
        latencies.push(performance.now() - t0);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const rssMB = service.peakRssMB();
  child.kill('SIGTERM');
  const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
    total: number;
    throttled: number;
    specViolationCount: number;
  };
  await Promise.all([ct.close(), klaviyo.close()]);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
  const result = {
    label,
    notifications: total,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round((total / seconds) * 10) / 10,
    p50Ms: pct(50),
    p99Ms: pct(99),
    statuses,
    klaviyoRequests: requests.total,
    throttled: requests.throttled,
    specViolations: requests.specViolationCount,
    servicePeakRssMB: rssMB,
  };
  out(JSON.stringify(result));
  return result;
}

const unlimited = await run('emulator without rate limits (our capacity)', false);
const limited = await run("emulator at Klaviyo's published limits", true);
writeFileSync(
  new URL('./results/realtime.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, unlimited, limited }, null, 2)}\n`,
);
process.exit(0);
