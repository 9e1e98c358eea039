/**
 * The embedded default: both emulators on loopback with the `small` dataset, the service pointed at them, a
 * full import of every type through the HTTP API (in the seed's order), and what landed in Klaviyo.
 *
 *   npm run demo            run once and exit
 *   npm run demo -- --keep  keep everything running afterwards to explore (Ctrl-C to stop)
 */
import { parseArgs } from 'node:util';
import { startCommercetoolsEmulator } from '../emulators/commercetools/build-emulator.ts';
import { startKlaviyoEmulator } from '../emulators/klaviyo/build-emulator.ts';
import { localServiceEnv } from '../emulators/service-env.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { createLogger } from '../src/core/logger.ts';
import { startService } from '../src/main.ts';

const { values } = parseArgs({
  options: { keep: { type: 'boolean', default: false }, dataset: { type: 'string', default: 'small' } },
});
const dataset = values.dataset === 'tiny' || values.dataset === 'large' ? values.dataset : 'small';
const out = (s: string) => process.stdout.write(`${s}\n`);

out(`Starting the commercetools stand-in with the '${dataset}' dataset and the Klaviyo emulator…`);
const ct = await startCommercetoolsEmulator({ dataset });
// The account has a newsletter list; the generated customers keep their consent in custom fields.
const klaviyo = await startKlaviyoEmulator({ lists: [{ id: 'Nws001', name: 'Newsletter' }] });
const apiKey = 'pk_demo_local_emulator';
const config = loadConfig(
  localServiceEnv(ct, klaviyo.url, apiKey, {
    PUB_SUB_PORT: values.keep ? (process.env.PUB_SUB_PORT ?? '6779') : '0',
    PRODUCT_URL_TEMPLATE: 'https://example-store.com/products/{{productSlug}}',
    PREFERRED_LOCALE: 'en',
    PREFERRED_CURRENCY: 'EUR',
    CONSENT_LIST_ID: 'Nws001',
    CONSENT_EMAIL_FIELD: 'emailConsent',
    CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
    CONSENT_SMS_FIELD: 'smsConsent',
    CONSENT_SMS_AT_FIELD: 'smsConsentAt',
    CONSENT_ORDER_FIELD: 'marketingConsent',
  }),
  { envFile: false },
);
const service = await startService(config, { logger: createLogger({ level: 'warn' }) });
out(`  commercetools: ${ct.url}  (project '${ct.projectKey}')`);
const validation = klaviyo.state.spec
  ? `requests validated against Klaviyo's OpenAPI ${klaviyo.state.spec.version}`
  : 'requests NOT validated';
out(`  Klaviyo:       ${klaviyo.url}  (published rate limits enforced, ${validation})`);
out(`  service:       ${service.url}\n`);

interface Report {
  jobId: string;
  status: string;
  counts: {
    read: number;
    succeeded: number;
    failed: number;
    skipped: number;
    consent?: Record<'email' | 'sms', Record<string, number>>;
  };
  total?: number;
  recordsPerSecond: number;
  elapsedSeconds: number;
  lastErrors: Array<{ id: string; outcome: string; reason: string; consent?: string[] }>;
}

// The seed's order: categories before products; customers before orders.
const reports: Array<[string, Report]> = [];
for (const type of ['categories', 'products', 'customers', 'orders']) {
  const started = (await (await fetch(`${service.url}/sync/${type}`, { method: 'POST' })).json()) as { jobId: string };
  out(`POST /sync/${type} → 202 ${started.jobId}`);
  let report: Report;
  let lastLine = '';
  for (;;) {
    report = (await (await fetch(`${service.url}/sync/${type}`)).json()) as Report;
    const c = report.counts;
    const line = `  ${report.status.padEnd(10)} read ${c.read}/${report.total ?? '?'}  imported ${c.succeeded}  failed ${c.failed}  skipped ${c.skipped}`;
    if (line !== lastLine) out(line);
    lastLine = line;
    if (report.status !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  reports.push([type, report]);
}

const summary = (await (await fetch(`${klaviyo.url}/__emulator/summary?key=${apiKey}`)).json()) as {
  profiles: number;
  events: { total: number; byMetric: Record<string, number> };
  catalog: Record<string, number>;
};
const requests = (await (await fetch(`${klaviyo.url}/__emulator/requests`)).json()) as {
  total: number;
  throttled: number;
  specViolationCount: number;
  validation: { isOn: boolean; specVersion?: string; warning?: string };
};
out('\n type        status      read  imported  failed  skipped  seconds');
for (const [type, r] of reports) {
  const c = r.counts;
  out(
    ` ${type.padEnd(11)} ${r.status.padEnd(10)} ${String(c.read).padStart(5)} ${String(c.succeeded).padStart(9)} ${String(c.failed).padStart(7)} ${String(c.skipped).padStart(8)} ${String(r.elapsedSeconds).padStart(8)}`,
  );
}
out(
  `\nKlaviyo now holds ${summary.profiles} profiles, ${summary.events.total} events (${Object.entries(
    summary.events.byMetric,
  )
    .map(([m, n]) => `${n} ${m}`)
    .join(', ')}),`,
);
out(
  `${summary.catalog.categories} catalog categories, ${summary.catalog.items} items and ${summary.catalog.variants} variants — written in ${requests.total} API requests (${requests.throttled} throttled).`,
);
out(
  requests.validation.isOn
    ? `Every request was validated against Klaviyo's OpenAPI ${requests.validation.specVersion}: ${requests.specViolationCount} spec violations.`
    : `Requests were NOT validated: ${requests.validation.warning}`,
);
const consent = { email: { subscribed: 0, skipped: 0 }, sms: { subscribed: 0, skipped: 0 } };
for (const [, r] of reports)
  for (const ch of ['email', 'sms'] as const) {
    consent[ch].subscribed += r.counts.consent?.[ch]?.subscribed ?? 0;
    consent[ch].skipped += r.counts.consent?.[ch]?.skipped ?? 0;
  }
out(
  `Consent: ${consent.email.subscribed} email and ${consent.sms.subscribed} SMS subscriptions to the Newsletter list, as a historical import at each customer's (or guest order's) consent time; ${consent.sms.skipped} SMS consents skipped (no valid phone number), ${consent.email.skipped} email consents skipped.`,
);
const skippedReasons = new Map<string, number>();
for (const [, r] of reports)
  for (const e of r.lastErrors)
    if (e.outcome !== 'warning' && !e.consent) skippedReasons.set(e.reason, (skippedReasons.get(e.reason) ?? 0) + 1);
if (skippedReasons.size)
  out(
    `Not imported, by reason (from the last errors of each run):\n${[...skippedReasons].map(([reason, n]) => `  ${n} × ${reason}`).join('\n')}`,
  );
const isAllCompleted = reports.every(([, r]) => r.status === 'completed') && requests.specViolationCount === 0;

if (values.keep) {
  out(
    `\nStill running. Try: curl -X POST ${service.url}/sync/customers ; curl ${service.url}/sync/status ; curl ${klaviyo.url}/__emulator/summary\nCtrl-C to stop.`,
  );
  const stop = () => void Promise.all([service.close(), ct.close(), klaviyo.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} else {
  await service.close();
  await Promise.all([ct.close(), klaviyo.close()]);
  process.exit(isAllCompleted ? 0 : 1);
}
