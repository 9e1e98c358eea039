/**
 * Items + variants per second for a catalog import of ≥ 20,000 products (≥ 100,000 variants) against the
 * emulators at Klaviyo's published limits (catalog bulk jobs: 75/s, 750/min, 100 resources each), with the
 * service's peak RSS sampled during the run to show memory stays flat.
 *
 *   npm run bench -- products-import [--products N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { generateDataset } from '../emulators/data/generate.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { benchEnv, spawnService } from './harness.ts';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { products: { type: 'string', default: '20000' } },
});
const products = Number(values.products);
const out = (s: string) => process.stdout.write(`${s}\n`);

const ct = await startCommercetoolsEmulator();
const counts = ct.load(generateDataset({ size: { customers: 0, products, orders: 0 } }));
const klaviyo = await startKlaviyoEmulator({ speedUp: 1 });
out(`loaded ${JSON.stringify(counts)}; Klaviyo emulator at published limits`);

const service = await spawnService(
  benchEnv(ct, klaviyo.url, 'pk_bench_catalog', {
    LOG_LEVEL: 'info',
    PRODUCT_URL_TEMPLATE: 'https://shop.example/p/{{productSlug}}',
    PREFERRED_CURRENCY: 'EUR',
  }),
);
const { url, child } = service;
const rssOf = () => service.rssMB();

interface Report {
  status: string;
  counts: { read: number; succeeded: number; failed: number; skipped: number };
}
async function runType(type: string): Promise<{ seconds: number; report: Report; rssSamplesMB: number[] }> {
  const started = Date.now();
  await fetch(`${url}/sync/${type}`, { method: 'POST' });
  const rssSamplesMB: number[] = [];
  let report: Report;
  let last = 0;
  for (;;) {
    report = (await (await fetch(`${url}/sync/${type}`)).json()) as Report;
    if (Date.now() - last > 5000) {
      last = Date.now();
      rssSamplesMB.push(rssOf());
      if (type === 'products')
        out(
          `  ${report.counts.succeeded} products after ${Math.round((Date.now() - started) / 1000)} s, service RSS ${rssSamplesMB.at(-1)} MB`,
        );
    }
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { seconds: (Date.now() - started) / 1000, report, rssSamplesMB };
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
};
const resources = summary.catalog.items + summary.catalog.variants;
const result = {
  date: new Date().toISOString(),
  node: process.version,
  products,
  seconds: Math.round(run.seconds * 10) / 10,
  items: summary.catalog.items,
  variants: summary.catalog.variants,
  productsPerSecond: Math.round(run.report.counts.succeeded / run.seconds),
  itemsAndVariantsPerSecond: Math.round(resources / run.seconds),
  counts: run.report.counts,
  status: run.report.status,
  jobs: summary.jobs,
  throttled: requests.throttled,
  specViolations: requests.specViolationCount,
  serviceRssSamplesMB: run.rssSamplesMB,
  servicePeakRssMB: peakRssMB,
};
writeFileSync(new URL('./results/products-import.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
out(JSON.stringify(result, null, 2));
await Promise.all([ct.close(), klaviyo.close()]);
process.exit(0);
