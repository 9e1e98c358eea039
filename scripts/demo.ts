/**
 * The embedded default: both emulators on loopback with the `small` dataset, the service pointed at them, a
 * full customer import through the HTTP API, and what landed in Klaviyo.
 *
 *   npm run demo            run once and exit
 *   npm run demo -- --keep  keep everything running afterwards to explore (Ctrl-C to stop)
 */
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startService } from '../src/main.ts';

const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, dataset: { type: 'string', default: 'small' } } });
const dataset = values.dataset === 'tiny' || values.dataset === 'large' ? values.dataset : 'small';
const out = (s: string) => process.stdout.write(`${s}\n`);

out(`Starting the commercetools stand-in with the '${dataset}' dataset and the Klaviyo emulator…`);
const ct = await startCommercetoolsEmulator({ dataset });
const klaviyo = await startKlaviyoEmulator();
const apiKey = 'pk_demo_local_emulator';
const config = loadConfig(
  {
    CT_API_URL: ct.url,
    CT_AUTH_URL: ct.url,
    CT_PROJECT_ID: ct.projectKey,
    CT_SCOPE: `manage_project:${ct.projectKey}`,
    CT_API_CLIENT: JSON.stringify({ clientId: 'demo', secret: 'demo' }),
    KLAVIYO_AUTH_KEY: apiKey,
    KLAVIYO_API_URL: klaviyo.url,
    PUB_SUB_PORT: values.keep ? process.env.PUB_SUB_PORT ?? '6779' : '0',
  },
  { envFile: false },
);
const service = await startService(config, { logger: createLogger({ level: 'warn' }) });
out(`  commercetools: ${ct.url}  (project '${ct.projectKey}')`);
out(`  Klaviyo:       ${klaviyo.url}  (published rate limits enforced, requests validated against Klaviyo's OpenAPI)`);
out(`  service:       ${service.url}\n`);

out('POST /sync/customers');
const started = (await (await fetch(`${service.url}/sync/customers`, { method: 'POST' })).json()) as { jobId: string };
out(`  → 202 ${JSON.stringify(started)}\n`);

interface Report {
  status: string;
  counts: { read: number; succeeded: number; failed: number; skipped: number };
  total?: number;
  recordsPerSecond: number;
  elapsedSeconds: number;
  lastErrors: Array<{ id: string; outcome: string; reason: string }>;
}
let report: Report;
for (;;) {
  report = (await (await fetch(`${service.url}/sync/customers`)).json()) as Report;
  const c = report.counts;
  out(`  ${report.status.padEnd(10)} read ${c.read}/${report.total ?? '?'}  imported ${c.succeeded}  failed ${c.failed}  skipped ${c.skipped}  ${report.recordsPerSecond} records/s`);
  if (report.status !== 'running') break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}

const summary = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=${apiKey}`)).json()) as { profiles: number; jobs: Record<string, Record<string, number>> };
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as { total: number; throttled: number; specViolationCount: number; byOperation: Record<string, { count: number }> };
const profiles = (await (await fetch(`${klaviyo.url}/__emulator/profiles?key=${apiKey}`)).json()) as Array<Record<string, unknown>>;
out(`\nDone: ${report.status} in ${report.elapsedSeconds} s — ${report.counts.succeeded} imported, ${report.counts.failed} failed, ${report.counts.skipped} skipped.`);
out(`Klaviyo now holds ${summary.profiles} profiles, written by ${requests.byOperation.bulk_import_profiles?.count ?? 0} bulk import job(s) in ${requests.total} API requests (${requests.throttled} throttled, ${requests.specViolationCount} spec violations).`);
const sample = profiles.find((p) => p.location && p.properties) ?? profiles[0];
if (sample) {
  const { id: _id, created: _c, updated: _u, subscriptions: _s, ...fields } = sample;
  out(`A profile as it landed (synthetic data):\n${JSON.stringify(fields, null, 2)}`);
}
if (report.lastErrors.length) out(`Records not imported:\n${report.lastErrors.map((e) => `  ${e.id}: ${e.outcome} — ${e.reason}`).join('\n')}`);

if (values.keep) {
  out(`\nStill running. Try: curl -X POST ${service.url}/sync/customers ; curl ${service.url}/sync/status ; curl ${klaviyo.url}/__emulator/summary\nCtrl-C to stop.`);
  const stop = () => void Promise.all([service.close(), ct.close(), klaviyo.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  await service.close();
  await Promise.all([ct.close(), klaviyo.close()]);
  process.exit(report.status === 'completed' ? 0 : 1);
}
