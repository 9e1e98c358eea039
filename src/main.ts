import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { createCommercetoolsApi } from './commercetools/client.ts';
import { ErasureStore } from './commercetools/erasure-store.ts';
import { checkCommercetoolsAccess } from './commercetools/project.ts';
import { type Config, loadConfig } from './config/load-config.ts';
import { routesOf } from './config/route-config.ts';
import { ConfigError } from './core/errors.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { buildApp } from './http/build-app.ts';
import { PushAuthenticator } from './http/push-auth.ts';
import { buildMetrics } from './http/routes/metrics.ts';
import { checkKlaviyoAccess } from './klaviyo/access.ts';
import { KlaviyoHttp } from './klaviyo/http.ts';
import { KlaviyoRateLimiter } from './klaviyo/rate-limiter.ts';
import { createRealtime } from './realtime/create-realtime.ts';
import { EventCoalescer } from './realtime/event-coalescer.ts';
import type { Intake } from './realtime/intake.ts';
import type { JobRegistry } from './sync/job-registry.ts';
import { createRouteRuntime } from './sync/route-registry.ts';

export interface RunningService {
  url: string;
  app: FastifyInstance;
  registry: JobRegistry;
  /** The runs of each routed store (STORE_ROUTES), by store key. */
  stores: ReadonlyMap<string, JobRegistry>;
  klaviyo: KlaviyoHttp;
  intake: Intake;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  /** Checkpoint save interval (tests shorten it). */
  saveEveryMs?: number;
  progressEveryMs?: number;
  /** Profiles per bulk import job (default and maximum 10,000); tests use small batches to get many checkpoints. */
  profileBatchSize?: number;
}

/** Composition root: clients, services and the HTTP API from one Config. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const ct = createCommercetoolsApi(config.commercetools);
  const limiter = new KlaviyoRateLimiter(config.klaviyo.rateLimits);
  const klaviyo = new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger });
  // Readiness asks once, briefly, without retries: an unreachable Klaviyo answers "not ready" within seconds.
  const klaviyoProbe = new KlaviyoHttp({
    apiKey: config.klaviyo.apiKey,
    baseUrl: config.klaviyo.apiUrl,
    limiter,
    logger,
    retryBudgetMs: 0,
    timeoutMs: 3000,
  });
  const {
    intake,
    klaviyo: realtimeKlaviyo,
    events,
    profiles,
    profileJobs,
    erase,
  } = createRealtime(config, ct, limiter, logger);
  // Real-time profile jobs a previous process (or another instance) left unfinished are taken over when their
  // lease runs out.
  if (config.appType !== 'BULK_IMPORT')
    profileJobs.start(Math.min(60_000, Math.max(5_000, config.realtime.profileJobLeaseMs / 2)));
  const pushAuth = new PushAuthenticator({
    token: config.realtime.pushToken,
    oidcAudience: config.realtime.oidcAudience,
    oidcJwksUrl: config.realtime.oidcJwksUrl,
    oidcIssuer: config.realtime.oidcIssuer,
    oidcEmail: config.realtime.oidcEmail,
  });
  if (config.appType !== 'BULK_IMPORT' && !pushAuth.isEnabled)
    logger.warn({}, 'real-time pushes are not authenticated: set PUSH_AUTH_TOKEN or PUSH_OIDC_AUDIENCE');
  const erasures = new ErasureStore(ct);
  // One bulk import side per route: the default (this configuration), and one per store in STORE_ROUTES.
  const runtimes = routesOf(config).map((route) =>
    createRouteRuntime(route, { ct, erasures, logger, options }, route.scope.store ? undefined : { limiter, klaviyo }),
  );
  const registry = runtimes[0].registry;
  const storeRegistries = new Map(runtimes.slice(1).map((r) => [r.route.name, r.registry]));
  const app = buildApp({
    appType: config.appType,
    registry,
    logger,
    apiToken: config.syncApiToken,
    scheduledTypes: config.scheduledImportTypes,
    scheduledMode: config.scheduledImportMode,
    metrics: buildMetrics({
      registry,
      klaviyo: [klaviyo, realtimeKlaviyo],
      limiter,
      intake,
      coalescer: events instanceof EventCoalescer ? events : undefined,
      profiles,
      profileJobs: profileJobs.primary,
    }),
    realtime: { intake, auth: pushAuth, skipBase64Decode: config.realtime.skipBase64Decode },
    privacy: { erase: (request) => erase(request, 'request') },
    stores: storeRegistries,
    readiness: [
      { name: 'commercetools', check: () => checkCommercetoolsAccess(ct) },
      { name: 'klaviyo', check: () => checkKlaviyoAccess(klaviyoProbe) },
    ],
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  logger.info({ url, appType: config.appType, project: config.commercetools.projectKey }, 'service listening');
  return {
    url,
    app,
    registry,
    stores: storeRegistries,
    klaviyo,
    intake,
    close: async () => {
      profileJobs.stop();
      await Promise.all(runtimes.map((r) => r.registry.shutdown()));
      await app.close();
      // Jobs being finished get a moment; what is left, the next process (or another instance) finishes.
      await profileJobs.settle(5_000);
    },
  };
}

/** `npm start` / `ct-klaviyo serve`: the service until SIGTERM/SIGINT, which stop runs at a checkpoint. */
export async function serve(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n\nSee README.md ("Configuration") for every variable.\n`);
      process.exit(1);
    }
    throw e;
  }
  const service = await startService(config);
  let isClosing = false;
  const shutdown = (signal: string) => {
    if (isClosing) return;
    isClosing = true;
    process.stderr.write(`${signal}: stopping runs at a checkpoint and releasing locks…\n`);
    void service.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const isEntryPoint =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntryPoint) await serve();
