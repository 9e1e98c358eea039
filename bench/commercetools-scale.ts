/**
 * Scale check of the commercetools stand-in: load the `large` dataset (≥ 100,000 customers, 1,000,000
 * orders) and page through every order by id over HTTP, as the service does (500 per page, sort=id asc,
 * where id > last, withTotal=false). Reports load time, paging time and peak RSS.
 *
 *   npm run bench -- commercetools-scale [--orders N]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { DATASET_SIZES, type DatasetSize, generateDataset } from '../emulators/data/generate.ts';

const { values } = parseArgs({ args: process.argv.slice(3), options: { orders: { type: 'string' } } });
const size: DatasetSize = values.orders
  ? { ...DATASET_SIZES.large, orders: Number(values.orders) }
  : DATASET_SIZES.large;

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 250);
const mb = (b: number) => Math.round(b / 1024 / 1024);

const ct = await startCommercetoolsEmulator({ compress: true });
const loadStarted = Date.now();
let loaded = 0;
const counts = ct.load(
  (function* () {
    for (const r of generateDataset({ size })) {
      loaded++;
      if (loaded % 250_000 === 0)
        process.stdout.write(`  loaded ${loaded.toLocaleString()} records, rss ${mb(process.memoryUsage().rss)} MB\n`);
      yield r;
    }
  })(),
);
const loadMs = Date.now() - loadStarted;
const rssAfterLoad = process.memoryUsage().rss;
process.stdout.write(
  `loaded ${JSON.stringify(counts)} in ${(loadMs / 1000).toFixed(1)} s, rss ${mb(rssAfterLoad)} MB\n`,
);

const token = (await (
  await fetch(`${ct.url}/oauth/token?grant_type=client_credentials`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from('bench:bench').toString('base64')}` },
  })
).json()) as { access_token: string };
const headers = { Authorization: `Bearer ${token.access_token}` };
const pageStarted = Date.now();
let pages = 0;
let seen = 0;
let last: string | undefined;
let isOrdered = true;
for (;;) {
  const where = last ? `&where=${encodeURIComponent(`id > "${last}"`)}` : '';
  const res = await fetch(
    `${ct.url}/demo/orders?sort=${encodeURIComponent('id asc')}&limit=500&withTotal=false${where}`,
    { headers },
  );
  if (res.status !== 200) throw new Error(`page ${pages} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { results: Array<{ id: string }> };
  pages++;
  for (const o of body.results) {
    if (last !== undefined && o.id <= last) isOrdered = false;
    last = o.id;
  }
  seen += body.results.length;
  if (body.results.length < 500) break;
}
const pageMs = Date.now() - pageStarted;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
await ct.close();

const result = {
  date: new Date().toISOString(),
  node: process.version,
  dataset: size,
  loaded: counts,
  loadSeconds: Math.round(loadMs / 100) / 10,
  ordersPaged: seen,
  pages,
  isEachOrderSeenOnceInIdOrder: isOrdered && seen === (counts.order ?? 0),
  pagingSeconds: Math.round(pageMs / 100) / 10,
  ordersPerSecond: Math.round(seen / (pageMs / 1000)),
  msPerPage: Math.round((pageMs / pages) * 10) / 10,
  rssAfterLoadMB: mb(rssAfterLoad),
  peakRssMB: mb(peakRss),
};
writeFileSync(new URL('./results/commercetools-scale.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
