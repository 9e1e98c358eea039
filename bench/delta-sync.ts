/**
 * A delta over a large project: 100,000 customers imported in full, then 1,000 of them changed in commercetools
 * (`/__emulator/changes`: new version, lastModifiedAt now), then `{"delta": true}`. Reports the delta's wall
 * time, the records it read, the commercetools requests it made (by resource, from the stand-in's request counts)
 * and the Klaviyo requests, next to the full import's; then a delta with nothing changed. Emulator at Klaviyo's
 * published limits.
 *
 *   npm run bench -- delta-sync [--customers N] [--changed N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { buildCatalog, DEFAULT_REFERENCE_TIME, generateCustomer } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    customers: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '1000' },
  },
});
const customers = Number(values.customers);
const changed = Number(values.changed);
const out = (s: string) => process.stdout.write(`${s}\n`);
type R = Record<string, any>;

const refMs = Date.parse(DEFAULT_REFERENCE_TIME);
const catalog = buildCatalog(77, { customers, products: 1, orders: 0 }, refMs);
const ct = await startCommercetoolsEmulator();
ct.load(
  Array.from({ length: customers }, (_v, i) => ({
    typeId: 'customer' as const,
    resource: generateCustomer(77, i, refMs, catalog.customerGroupId, 'type'),
  })),
);
const klaviyo = await startKlaviyoEmulator({ speedUp: 1 });
out(`${customers} customers loaded; Klaviyo emulator at published limits`);
// One clock here (no skew to cover): without the default 60 s overlap, the delta after the delta reads exactly what
// changed in between, nothing.
const service = await spawnService(benchEnv(ct, klaviyo.url, 'pk_bench_delta', { DELTA_OVERLAP_SECONDS: '0' }));
const get = async (url: string): Promise<R> => (await fetch(url)).json() as Promise<R>;
const ctRequests = async () => (await get(`${ct.url}/__emulator/requests`)).byResource as Record<string, number>;
const klaviyoRequests = async () =>
  Object.fromEntries(
    Object.entries((await get(`${klaviyo.url}/__emulator/requests?limit=1`)).byOperation as Record<string, R>).map(
      ([op, r]) => [op, r.count as number],
    ),
  );
const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );

/** One run of customers with `body`: wall time, its report, and the requests it made to each system. */
async function run(body: unknown) {
  const [ctBefore, klBefore] = [await ctRequests(), await klaviyoRequests()];
  const started = Date.now();
  await fetch(`${service.url}/sync/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  let report: R;
  for (;;) {
    report = await get(`${service.url}/sync/customers`);
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (Date.now() - started) / 1000;
  return {
    seconds: Math.round(seconds * 100) / 100,
    status: report.status,
    counts: report.counts,
    commercetoolsRequests: diff(await ctRequests(), ctBefore),
    klaviyoRequests: diff(await klaviyoRequests(), klBefore),
  };
}

const full = await run({});
out(`full import: ${JSON.stringify(full)}`);
const changes = (await (
  await fetch(`${ct.url}/__emulator/changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customers: changed, seed: 1 }),
  })
).json()) as R;
const delta = await run({ delta: true });
out(`delta (${changes.modified.customer.length} changed): ${JSON.stringify(delta)}`);
const empty = await run({ delta: true });
out(`delta, nothing changed: ${JSON.stringify(empty)}`);
service.child.kill('SIGTERM');

const result = {
  date: new Date().toISOString(),
  node: process.version,
  customers,
  changed,
  full,
  delta,
  emptyDelta: empty,
  deltaShareOfFullTime: Math.round((delta.seconds / full.seconds) * 1000) / 1000,
};
writeFileSync(new URL('./results/delta-sync.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
