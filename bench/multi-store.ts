/**
 * Several stores, several Klaviyo accounts, several processes: a project with two routed stores (STORE_ROUTES),
 * each store's orders imported by its own service process (`POST /sync/orders {"store": …}`, as `ct-klaviyo sync
 * orders --store …` in separate containers would), against the Klaviyo emulator at Klaviyo's published limits —
 * which are per account, so two accounts can take twice one account's ceiling (bulk events: 150 requests/min of
 * ≤ 1,000 events → 2,500 events/s each). Reports each account's events/s overall and sustained over one steady
 * window (from the end of the first 61 s window to the end of the second: the run must last over two minutes),
 * the sum, 429s, and that every order of each store landed in its own account only.
 *
 *   npm run bench -- multi-store [--orders N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset, TWO_STORES } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { orders: { type: 'string', default: '150000' } },
});
const orders = Number(values.orders);
const out = (s: string) => process.stdout.write(`${s}\n`);
type R = Record<string, any>;
const CEILING_EVENTS_PER_SECOND = (150 / 60) * 1000;
const WINDOW_S = 61;
const KEYS: Record<string, string> = { 'de-shop': 'pk_bench_store_de', 'us-shop': 'pk_bench_store_us' };

const ct = await startCommercetoolsEmulator({ compress: orders > 200_000 });
const ordersOf: Record<string, Set<string>> = { 'de-shop': new Set(), 'us-shop': new Set() };
function* tap(records: ReturnType<typeof generateDataset>) {
  for (const r of records) {
    const o = r.resource as { id: string; store?: { key: string }; customerId?: string; customerEmail?: string };
    if (r.typeId === 'order' && o.store && (o.customerId || o.customerEmail?.trim())) ordersOf[o.store.key]?.add(o.id);
    yield r;
  }
}
const counts = ct.load(
  tap(generateDataset({ size: { customers: 30_000, products: 500, orders }, stores: TWO_STORES })),
);
const klaviyo = await startKlaviyoEmulator({ speedUp: 1 });
out(
  `loaded ${JSON.stringify(counts)}; ${Object.entries(ordersOf)
    .map(([k, v]) => `${k}: ${v.size} orders`)
    .join(', ')}; Klaviyo emulator at published limits (per account)`,
);
const env = benchEnv(ct, klaviyo.url, 'pk_bench_store_default', {
  STORE_ROUTES: JSON.stringify(
    TWO_STORES.map((s) => ({ store: s.key, klaviyoAuthKey: KEYS[s.key], locale: s.locale, currency: s.currency })),
  ),
});
const services = await Promise.all(TWO_STORES.map(() => spawnService(env)));
const events = async (key: string): Promise<number> =>
  ((await (await fetch(`${klaviyo.url}/__emulator/summary?key=${key}`)).json()) as R).events.total;

const started = Date.now();
await Promise.all(
  TWO_STORES.map((s, i) =>
    fetch(`${services[i].url}/sync/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ store: s.key }),
    }),
  ),
);
/** [seconds since start, events in each account] every 5 s. */
const landed: Array<[number, number[]]> = [];
const reports: R[] = [];
for (let lastSample = 0; ; ) {
  const now = await Promise.all(
    TWO_STORES.map(async (s, i) => (await fetch(`${services[i].url}/sync/orders?store=${s.key}`)).json() as Promise<R>),
  );
  if (now.every((r) => r.status !== 'running')) {
    reports.push(...now);
    break;
  }
  if (Date.now() - lastSample > 5_000) {
    lastSample = Date.now();
    landed.push([(Date.now() - started) / 1000, await Promise.all(TWO_STORES.map((s) => events(KEYS[s.key])))]);
    out(`  ${Math.round(landed.at(-1)?.[0] ?? 0)} s: ${landed.at(-1)?.[1].join(' + ')} events`);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const seconds = (Date.now() - started) / 1000;
const peakRssMB = services.map((s) => s.peakRssMB());
for (const s of services) s.child.kill('SIGTERM');
const totals = await Promise.all(TWO_STORES.map((s) => events(KEYS[s.key])));
const second = landed.find(([t]) => t >= WINDOW_S);
const third = landed.find(([t]) => t >= 2 * WINDOW_S);
const sustained =
  second && third ? TWO_STORES.map((_s, i) => (third[1][i] - second[1][i]) / (third[0] - second[0])) : undefined;
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as R;
// Every order of each store in its own account, once; none in the other or the default account.
const placed = async (key: string) =>
  new Set(
    ((await (await fetch(`${klaviyo.url}/__emulator/events?key=${key}&metric=Placed%20Order`)).json()) as R[]).map(
      (e) => e.unique_id as string,
    ),
  );
const lost: Record<string, number> = {};
const misplaced: Record<string, number> = {};
for (const [i, s] of TWO_STORES.entries()) {
  const own = await placed(KEYS[s.key]);
  lost[s.key] = [...ordersOf[s.key]].filter((id) => !own.has(id)).length;
  const other = TWO_STORES[1 - i].key;
  misplaced[s.key] = [...ordersOf[other]].filter((id) => own.has(id)).length;
}
const defaultEvents = await events('pk_bench_store_default');
const result = {
  date: new Date().toISOString(),
  node: process.version,
  orders,
  ordersPerStore: Object.fromEntries(Object.entries(ordersOf).map(([k, v]) => [k, v.size])),
  seconds: Math.round(seconds * 10) / 10,
  eventsPerAccount: Object.fromEntries(TWO_STORES.map((s, i) => [s.key, totals[i]])),
  eventsPerSecondOverall: Math.round(totals.reduce((a, b) => a + b, 0) / seconds),
  sustainedEventsPerSecond: sustained
    ? Object.fromEntries(TWO_STORES.map((s, i) => [s.key, Math.round(sustained[i])]))
    : null,
  sustainedTotal: sustained ? Math.round(sustained.reduce((a, b) => a + b, 0)) : null,
  oneAccountCeiling: CEILING_EVENTS_PER_SECOND,
  throttled: requests.throttled,
  specViolations: requests.specViolationCount,
  lost,
  misplaced,
  eventsInDefaultAccount: defaultEvents,
  peakRssMB,
  statuses: reports.map((r) => r.status),
};
writeFileSync(new URL('./results/multi-store.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
