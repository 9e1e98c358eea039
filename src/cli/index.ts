import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.ts';
import { ENTITY_KINDS, type EntityKind, isEntityKind } from '../core/entity-kind.ts';
import { AppError, ConfigError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { serve, startService } from '../main.ts';
import type { RunOptions, RunReport } from '../sync/run-report.ts';
import { ProgressDisplay, progressLine, summaryTable } from './progress.ts';
import { routeOfRun } from './route-of-run.ts';

/** The repository root when running from source, `dist/` when running the build: both hold emulators/ and scripts/. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const IS_COMPILED = import.meta.url.endsWith('.js');

const HELP: Record<string, string> = {
  main: `Usage: ct-klaviyo <command> [options]

Keeps a Klaviyo account in step with a commercetools project.

Commands:
  serve                 run the service (bulk import API and real-time endpoint)
  sync <type|all>       run an import here, with live progress (types: ${ENTITY_KINDS.join(', ')}; all = the seed's order)
  status                show the imports of a running service
  failures <type>       list the failed records of the last run (JSON lines or --csv)
  retry-failed <type>   re-run exactly the records that failed
  emulators             start the local commercetools and Klaviyo emulators
  demo                  the embedded default: emulators, sample data, a full import

Configuration comes from the environment (or .env): CT_API_URL, CT_AUTH_URL, CT_PROJECT_ID, CT_SCOPE,
CT_API_CLIENT, KLAVIYO_AUTH_KEY, ... (see README.md). Run 'ct-klaviyo <command> --help' for its options.
`,
  serve: 'Usage: ct-klaviyo serve\n\nRuns the service on PUB_SUB_PORT (default 6779) until SIGTERM or SIGINT.\n',
  sync: `Usage: ct-klaviyo sync <customers|orders|categories|products|all> [options]

Runs an import in this process with live progress, then prints a summary.
Exit code: 0 when every record succeeded, 2 when some records failed, 1 on error.

Options:
  --ids a,b,c        import exactly these ids
  --ids-file FILE    import the ids in FILE (one per line, or comma-separated)
  --resume           continue the last interrupted, stopped or failed run
  --start-id ID      start after this id
  --since DATE       orders created at or after DATE (ISO 8601)
  --until DATE       orders created before DATE
  --delta            only what changed since the last completed run of each type (a full import when none has run)
  --modified-since DATE  only records modified at or after DATE (ISO 8601)
  --store KEY        a routed store's records only, into its account (STORE_ROUTES); 'default' (the default):
                     the records of no routed store; 'task': the route of this task of a parallel job
                     (CLOUD_RUN_TASK_INDEX or JOB_COMPLETION_INDEX: 0 = default, then the stores in order)
  --dry-run          read, map and check everything; write nothing to Klaviyo
  --no-backfill      send order events without Klaviyo's backfill flag (flows may fire)
  -h, --help         show this help
`,
  status:
    'Usage: ct-klaviyo status [--url http://127.0.0.1:6779] [--token TOKEN]\n\nShows the current or last import of every type (token: SYNC_API_TOKEN by default).\n',
  failures:
    'Usage: ct-klaviyo failures <type> [--csv] [--url http://127.0.0.1:6779] [--token TOKEN]\n\nPrints the failed and skipped records of the last run of <type> (JSON lines, or CSV).\n',
  'retry-failed':
    'Usage: ct-klaviyo retry-failed <type> [--url http://127.0.0.1:6779] [--token TOKEN]\n\nAsks the service to re-run exactly the records that failed in the last run of <type>.\n',
  emulators:
    'Usage: ct-klaviyo emulators [--dataset tiny|small|large]\n\nStarts the commercetools stand-in (port 8802) and the Klaviyo emulator (port 8801) on 127.0.0.1.\n',
  demo: 'Usage: ct-klaviyo demo\n\nStarts both emulators with the small dataset, runs every import through the service and shows the result.\n',
};

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Runs one of the repository's own programs (`emulators/klaviyo/cli`, `scripts/demo`) in a child process. */
function runChild(program: string, args: string[]): Promise<number> {
  const file = resolve(ROOT, `${program}${IS_COMPILED ? '.js' : '.ts'}`);
  if (!existsSync(file))
    fail(
      `${program} is not part of this installation: the emulators and the demo come with a development checkout (git clone, then npm ci).`,
    );
  return new Promise((done) => {
    const child = spawn(process.execPath, [...(IS_COMPILED ? [] : ['--import', 'tsx']), file, ...args], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => done(code ?? 1));
  });
}

async function sync(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ids: { type: 'string' },
      'ids-file': { type: 'string' },
      resume: { type: 'boolean', default: false },
      'start-id': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      delta: { type: 'boolean', default: false },
      store: { type: 'string' },
      'modified-since': { type: 'string' },
      'no-backfill': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.sync);
    return 0;
  }
  const target = positionals[0];
  if (!target || (target !== 'all' && !isEntityKind(target)))
    fail(`Name what to import: ${ENTITY_KINDS.join(', ')} or all.\n\n${HELP.sync}`);
  const kinds: EntityKind[] =
    target === 'all' ? ['categories', 'products', 'customers', 'orders'] : [target as EntityKind];
  let ids = values.ids
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (values['ids-file'])
    ids = [
      ...(ids ?? []),
      ...readFileSync(values['ids-file'], 'utf8')
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ];
  const options: RunOptions = {
    ...(ids?.length ? { ids } : {}),
    ...(values.resume ? { resume: true } : {}),
    ...(values['start-id'] ? { startId: values['start-id'] } : {}),
    ...(values.since ? { since: values.since } : {}),
    ...(values.until ? { until: values.until } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values.delta ? { delta: true } : {}),
    ...(values['modified-since'] ? { modifiedSince: values['modified-since'] } : {}),
    ...(values['no-backfill'] ? { backfill: false } : {}),
  };

  const config = loadConfig();
  const service = await startService(
    { ...config, port: 0, host: '127.0.0.1', appType: 'BULK_IMPORT' },
    { logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }) },
  );
  let store: string | undefined;
  try {
    store = routeOfRun(values.store, [...service.stores.keys()], process.env);
  } catch (e) {
    await service.close();
    fail(e instanceof Error ? e.message : String(e));
  }
  const registry = store === undefined ? service.registry : service.stores.get(store);
  if (!registry) {
    await service.close();
    fail(
      `No route for store '${store}': ${service.stores.size ? `the routed stores are ${[...service.stores.keys()].join(', ')}` : 'STORE_ROUTES is not set'}.`,
    );
  }
  const display = new ProgressDisplay(process.stdout);
  const done: Array<[string, RunReport]> = [];
  let stopping = false;
  const onSignal = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('\nStopping at a checkpoint (resume later with --resume)…\n');
    void registry.shutdown();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const kind of kinds) {
      if (stopping) break;
      const base: RunOptions =
        options.delta && !(await registry.watermark(kind)) ? { ...options, delta: undefined } : options;
      const kindOptions: RunOptions =
        kind === 'orders' ? base : { ...base, since: undefined, until: undefined, backfill: undefined };
      await registry.start(
        kind,
        Object.fromEntries(Object.entries(kindOptions).filter(([, v]) => v !== undefined)) as RunOptions,
      );
      for (;;) {
        const r = await registry.status(kind);
        display.render([...done.map(([t, rep]) => progressLine(t, rep)), progressLine(kind, r)]);
        if (r && r.status !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      await registry.settled(kind);
      const final = (await registry.status(kind)) as RunReport;
      done.push([kind, final]);
      display.render(
        done.map(([t, rep]) => progressLine(t, rep)),
        true,
      );
    }
  } finally {
    await service.close();
  }
  process.stdout.write(`\n${summaryTable(done)}\n`);
  for (const [kind, r] of done) {
    if (r.error) process.stdout.write(`\n${kind}: ${r.error.message}\n`);
    const failed = r.lastErrors.filter((e) => e.outcome === 'failed').slice(0, 5);
    if (failed.length)
      process.stdout.write(
        `\n${kind}: ${r.counts.failed} failed, e.g.\n${failed.map((e) => `  ${e.id}: ${e.reason}`).join('\n')}\n`,
      );
  }
  if (done.some(([, r]) => r.status !== 'completed')) return 1;
  return done.some(([, r]) => r.counts.failed > 0) ? 2 : 0;
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PUB_SUB_PORT ?? '6779'}` },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.status);
    return 0;
  }
  const token = values.token ?? process.env.SYNC_API_TOKEN;
  let res: Response;
  try {
    res = await fetch(`${values.url}/sync/status`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch {
    fail(`No service answers at ${values.url}. Start one with 'ct-klaviyo serve' or pass --url.`);
  }
  if (!res.ok) fail(`${values.url}/sync/status answered ${res.status}: ${await res.text()}`);
  const all = (await res.json()) as Record<string, RunReport | null>;
  for (const kind of ENTITY_KINDS)
    process.stdout.write(`${progressLine(kind, all[kind] ?? undefined).replace(/waiting$/, 'never run')}\n`);
  return 0;
}

async function serviceCall(command: 'failures' | 'retry-failed', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PUB_SUB_PORT ?? '6779'}` },
      token: { type: 'string' },
      csv: { type: 'boolean', default: false },
    },
  });
  const kind = positionals[0];
  if (!kind || !isEntityKind(kind)) fail(`Name the type: ${ENTITY_KINDS.join(', ')}.\n\n${HELP[command]}`);
  const token = values.token ?? process.env.SYNC_API_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const url =
    command === 'failures'
      ? `${values.url}/sync/${kind}/failures${values.csv ? '?format=csv' : ''}`
      : `${values.url}/sync/${kind}/retry-failed`;
  let res: Response;
  try {
    res = await fetch(url, { method: command === 'failures' ? 'GET' : 'POST', headers });
  } catch {
    fail(`No service answers at ${values.url}. Start one with 'ct-klaviyo serve' or pass --url.`);
  }
  const text = await res.text();
  if (!res.ok) fail(`${res.status}: ${text}`);
  process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP.main);
    return command ? 0 : 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    if (!HELP[command]) fail(`Unknown command '${command}'.\n\n${HELP.main}`);
    process.stdout.write(HELP[command]);
    return 0;
  }
  switch (command) {
    case 'serve':
      await serve();
      return -1;
    case 'sync':
      return sync(rest);
    case 'status':
      return status(rest);
    case 'failures':
    case 'retry-failed':
      return serviceCall(command, rest);
    case 'emulators': {
      const dataset =
        rest[rest.indexOf('--dataset') + 1] && rest.includes('--dataset')
          ? rest[rest.indexOf('--dataset') + 1]
          : 'small';
      const ct = runChild('emulators/commercetools/cli', ['--port', '8802', '--dataset', dataset]);
      const kl = runChild('emulators/klaviyo/cli', ['--port', '8801']);
      return Math.max(await ct, await kl);
    }
    case 'demo':
      return runChild('scripts/demo', rest);
    default:
      fail(`Unknown command '${command}'.\n\n${HELP.main}`);
  }
}

try {
  const code = await main(process.argv.slice(2));
  if (code >= 0) process.exit(code);
} catch (e) {
  if (e instanceof ConfigError) fail(`${e.message}\n\nSee README.md ("Configuration").`);
  if (e instanceof AppError) fail(e.message);
  fail(e instanceof Error ? (e.stack ?? e.message) : String(e));
}
