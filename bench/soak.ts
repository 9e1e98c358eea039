/**
 * Soak: the crash suite and the fault matrix together, for longer than `npm test` can afford. For each seed,
 * every type (categories, products, customers, orders) is imported by a chain of service processes, each
 * SIGKILLed at a seeded random point, while both emulators inject frequent faults (429 storms, 5xx, slow
 * answers, dropped connections, answers lost after the write). Afterwards Klaviyo must hold every record
 * exactly once and the counts must add up exactly. Writes bench/results/soak.json; exits 1 on any miss.
 *
 *   npm run bench -- soak [--seeds 5] [--kills 3]
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { localServiceEnv } from '../emulators/service-env.ts';
import type { FaultRule } from '../emulators/shared/faults.ts';
import { type CrashChainOptions, runCrashChain } from '../test/helpers/crash-chain.ts';
import { expectedOutcome } from '../test/helpers/expected.ts';
import { addFaults, clearFaults } from '../test/helpers/faults.ts';
import { request } from '../test/helpers/http.ts';

type R = Record<string, any>;
type Type = CrashChainOptions['type'];
const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { seeds: { type: 'string', default: '5' }, kills: { type: 'string', default: '3' } },
});
const SEEDS = Number(values.seeds);
const KILLS = Number(values.kills);
const KEY = 'pk_soak';
const out = (s: string) => process.stdout.write(`${s}\n`);

const small = expectedOutcome('small');
const ct = await startCommercetoolsEmulator({ dataset: 'small', faultSeed: 11 });
const klaviyo = await startKlaviyoEmulator({ speedUp: 60, faultSeed: 13 });
const children: ChildProcess[] = [];
out(`emulators: commercetools ${ct.url}, Klaviyo ${klaviyo.url}; ${SEEDS} seeds × 4 types, ${KILLS} kills each`);
const env = localServiceEnv(ct, klaviyo.url, KEY, {
  LOCK_TTL_SECONDS: '3',
  PROFILE_BATCH_SIZE: '100',
  PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
});

const kl = async <T = R[]>(path: string): Promise<T> =>
  (await request<T>('GET', `${klaviyo.url}/__emulator/${path}?key=${KEY}`)).body;

const KLAVIYO_FAULTS: FaultRule[] = [
  { target: '*', kind: 'status', status: 429, probability: 0.05, retryAfterSeconds: 1 },
  { target: '*', kind: 'status', status: 503, probability: 0.05 },
  { target: '*', kind: 'lose-response', probability: 0.05 },
  { target: '*', kind: 'drop', probability: 0.02 },
  { target: '*', kind: 'slow', delayMs: 150, probability: 0.5 },
];
const CT_FAULTS: FaultRule[] = [
  { target: '*', kind: 'status', status: 502, probability: 0.05 },
  { target: '*', kind: 'status', status: 429, probability: 0.03, retryAfterSeconds: 1 },
  { target: 'custom-objects', kind: 'lose-response', probability: 0.05 },
  { target: '*', kind: 'slow', delayMs: 50, probability: 0.3 },
];
const injected: Record<string, number> = {};
const setFaults = () => Promise.all([addFaults(klaviyo.url, KLAVIYO_FAULTS), addFaults(ct.url, CT_FAULTS)]);

/** What must have landed, as a list of misses (empty when every record is in Klaviyo exactly once). */
async function misses(type: Type, counts: R): Promise<string[]> {
  const problems: string[] = [];
  const expectCounts = (want: R) =>
    JSON.stringify(counts) === JSON.stringify(want) ||
    problems.push(`counts ${JSON.stringify(counts)} ≠ ${JSON.stringify(want)}`);
  const exactly = (what: string, ids: string[], want: number) => {
    if (ids.length !== want || new Set(ids).size !== want)
      problems.push(`${what}: ${ids.length} stored, ${new Set(ids).size} distinct, ${want} expected`);
  };
  if (type === 'customers') {
    expectCounts({ read: small.customers.length, succeeded: small.customers.length, failed: 0, skipped: 0 });
    exactly(
      'profiles',
      (await kl('profiles')).map((p) => p.external_id),
      small.customers.length,
    );
  } else if (type === 'orders') {
    expectCounts({
      read: small.orders.length,
      succeeded: small.importable.length,
      failed: 0,
      skipped: small.orders.length - small.importable.length,
    });
    const byMetric = (await kl<R>('summary')).events.byMetric;
    const sorted = (o: Record<string, number>) =>
      JSON.stringify(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
    if (sorted(byMetric) !== sorted(small.metrics))
      problems.push(`events ${JSON.stringify(byMetric)} ≠ ${JSON.stringify(small.metrics)}`);
  } else if (type === 'categories') {
    expectCounts({ read: small.categories.length, succeeded: small.categories.length, failed: 0, skipped: 0 });
    exactly(
      'categories',
      (await kl('catalog/categories')).map((c) => c.id),
      small.categories.length,
    );
  } else {
    expectCounts({
      read: small.published.length,
      succeeded: small.withImage.length,
      failed: 0,
      skipped: small.published.length - small.withImage.length,
    });
    exactly(
      'items',
      (await kl('catalog/items')).map((i) => i.id),
      small.withImage.length,
    );
    exactly(
      'variants',
      (await kl('catalog/variants')).map((v) => v.id),
      small.variants.length,
    );
  }
  return problems;
}

const results: R[] = [];
const started = Date.now();
try {
  for (let seed = 1; seed <= SEEDS; seed++) {
    await request('POST', `${klaviyo.url}/__emulator/reset?key=${KEY}`);
    for (const type of ['categories', 'products', 'customers', 'orders'] as Type[]) {
      const t0 = Date.now();
      await setFaults();
      const expectedProcessed = {
        customers: small.customers.length,
        orders: small.orders.length,
        categories: small.categories.length,
        products: small.published.length,
      }[type];
      const r = await runCrashChain({ env, type, seed, kills: KILLS, expectedProcessed, children, timeoutMs: 300_000 });
      await clearFaults([klaviyo.url, ct.url], injected);
      const problems =
        r.report.status === 'completed'
          ? await misses(type, r.report.counts)
          : [`run ended ${r.report.status}: ${JSON.stringify(r.report.error)}`];
      results.push({
        seed,
        type,
        killedAt: r.killedAt,
        resumes: r.resumes,
        counts: r.report.counts,
        seconds: Math.round((Date.now() - t0) / 100) / 10,
        problems,
      });
      out(
        `seed ${seed} ${type}: killed at ${JSON.stringify(r.killedAt)}, ${problems.length ? `MISSES: ${problems.join('; ')}` : 'every record exactly once'}`,
      );
    }
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
}
const summary = {
  date: new Date().toISOString(),
  seeds: SEEDS,
  killsPerImport: KILLS,
  imports: results.length,
  sigkills: results.reduce((n, r) => n + r.killedAt.length, 0),
  faultsInjected: injected,
  importsWithMisses: results.filter((r) => r.problems.length).length,
  minutes: Math.round((Date.now() - started) / 6000) / 10,
  results,
};
writeFileSync(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
out(JSON.stringify({ ...summary, results: undefined }));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(summary.importsWithMisses ? 1 : 0);
