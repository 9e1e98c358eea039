/**
 * Items + variants per second for a catalog import of ≥ 20,000 products (≥ 100,000 variants) against the
 * emulators at Klaviyo's published limits (catalog bulk jobs: 75/s, 750/min, 100 resources each), with the
 * service's peak RSS sampled during the run to show memory stays flat.
 *
 * `--job-seconds S`: every catalog job takes S seconds. Then a product takes two job rounds (its item, then its
 * variants), which the whole-run average pays at the start and at the end; the sustained rate is measured between
 * the moments a tenth and nine tenths of the catalog had landed.
 *
 *   npm run bench -- products-import [--products N] [--job-seconds S]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: {
    products: { type: 'string', default: '20000' },
    'job-seconds': { type: 'string' },
    'jobs-in-flight': { type: 'string' },
  },
});
const products = Number(values.products);
const jobSeconds = values['job-seconds'] === undefined ? undefined : Number(values['job-seconds']);
const out = (s: string) => process.stdout.write(`${s}\n`);

const ct = await startCommercetoolsEmulator();
const counts = ct.load(generateDataset({ size: { customers: 0, products, orders: 0 } }));
const klaviyo = await startKlaviyoEmulator({
  speedUp: 1,
  ...(jobSeconds === undefined ? {} : { jobs: { durationMs: jobSeconds * 1000 } }),
});
out(
  `loaded ${JSON.stringify(counts)}; Klaviyo emulator at published limits, jobs take ${jobSeconds === undefined ? '~0.05' : jobSeconds} s`,
);

const service = await spawnService(
  benchEnv(ct, klaviyo.url, 'pk_bench_catalog', {
    LOG_LEVEL: 'info',
    PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
    PREFERRED_CURRENCY: 'EUR',
    ...(values['jobs-in-flight'] ? { BULK_JOBS_IN_FLIGHT: values['jobs-in-flight'] } : {}),
  }),
);
const { url, child } = service;
const rssOf = () => service.rssMB();

interface Report {
  status: string;
  counts: { read: number; succeeded: number; failed: number; skipped: number };
}
/** Items + variants in the Klaviyo emulator now. */
async function catalogSize(): Promise<number> {
  const s = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=pk_bench_catalog`)).json()) as {
    catalog: { items: number; variants: number };
  };
  return s.catalog.items + s.catalog.variants;
}

async function runType(
  type: string,
): Promise<{ seconds: number; report: Report; rssSamplesMB: number[]; landed: Array<[number, number]> }> {
  const started = Date.now();
  await fetch(`${url}/sync/${type}`, { method: 'POST' });
  const rssSamplesMB: number[] = [];
  /** [seconds since start, items + variants in Klaviyo], every 5 s. */
  const landed: Array<[number, number]> = [];
  let report: Report;
  let last = 0;
  for (;;) {
    report = (await (await fetch(`${url}/sync/${type}`)).json()) as Report;
    if (Date.now() - last > 5000) {
      last = Date.now();
      rssSamplesMB.push(rssOf());
      landed.push([(Date.now() - started) / 1000, await catalogSize()]);
      if (type === 'products')
        out(
          `  ${report.counts.succeeded} products after ${Math.round((Date.now() - started) / 1000)} s, service RSS ${rssSamplesMB.at(-1)} MB`,
        );
    }
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { seconds: (Date.now() - started) / 1000, report, rssSamplesMB, landed };
}

await runType('categories');
const run = await runType('products');
const peakRssMB = service.peakRssMB();
child.kill('SIGTERM');
const summary = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=pk_bench_catalog`)).json()) as {
  catalog: { items: number; variants: number; categories: number };
  jobs: Record<string, Record<string, number>>;
};
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  throttled: number;
  specViolationCount: number;
  byOperation: Record<string, { byStatus: Record<string, number> }>;
};
const resources = summary.catalog.items + summary.catalog.variants;
/** Items + variants per second between the samples where 10 % and 90 % of the catalog had landed. */
const from = run.landed.find(([, n]) => n >= resources * 0.1);
const to = run.landed.find(([, n]) => n >= resources * 0.9);
const sustainedPerSecond = from && to && to[0] > from[0] ? Math.round((to[1] - from[1]) / (to[0] - from[0])) : null;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  products,
  jobSeconds: jobSeconds ?? 'fast',
  seconds: Math.round(run.seconds * 10) / 10,
  items: summary.catalog.items,
  variants: summary.catalog.variants,
  productsPerSecond: Math.round(run.report.counts.succeeded / run.seconds),
  itemsAndVariantsPerSecond: Math.round(resources / run.seconds),
  sustainedItemsAndVariantsPerSecond: sustainedPerSecond,
  /** Items + variants in Klaviyo every 5 s: jobs complete in waves. */
  landedEvery5s: run.landed.map(([, n]) => n),
  requestsByOperation: Object.fromEntries(Object.entries(requests.byOperation).map(([op, r]) => [op, r.byStatus])),
  counts: run.report.counts,
  status: run.report.status,
  jobs: summary.jobs,
  throttled: requests.throttled,
  throttledByOperation: Object.fromEntries(
    Object.entries(requests.byOperation).flatMap(([op, r]) => (r.byStatus['429'] ? [[op, r.byStatus['429']]] : [])),
  ),
  specViolations: requests.specViolationCount,
  serviceRssSamplesMB: run.rssSamplesMB,
  servicePeakRssMB: peakRssMB,
};
const name = `products-import${jobSeconds === undefined ? '' : `-jobs-${jobSeconds}s`}${products === 20000 ? '' : `-${products}`}`;
writeFileSync(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
