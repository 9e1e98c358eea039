import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppType } from '../config/load-config.ts';
import type { EntityKind } from '../core/entity-kind.ts';
import { InvalidRequestError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { JobRegistry } from '../sync/job-registry.ts';
import { bearerGuard } from './api-auth.ts';
import { errorHandler } from './error-handler.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { metricsRoutes, type ServiceMetrics } from './routes/metrics.ts';
import { type PrivacyRouteOptions, privacyRoutes } from './routes/privacy.ts';
import { type RealtimeRouteOptions, realtimeRoutes } from './routes/realtime.ts';
import { syncRoutes } from './routes/sync.ts';
import { MAX_ID_LENGTH, MAX_IDS } from './schemas.ts';

export interface AppDeps {
  appType: AppType;
  registry: JobRegistry;
  readiness: ReadinessCheck[];
  logger: Logger;
  realtime: RealtimeRouteOptions;
  apiToken?: string;
  metrics: ServiceMetrics;
  scheduledTypes?: EntityKind[];
  /** What POST /job runs without a body: full imports or deltas. */
  scheduledMode?: 'full' | 'delta';
  /** The runs of each routed store, by store key (STORE_ROUTES). */
  stores?: ReadonlyMap<string, JobRegistry>;
  /** POST /privacy/erase. */
  privacy: Pick<PrivacyRouteOptions, 'erase'>;
}

/** Bytes of a management request body: ids enough for MAX_IDS of MAX_ID_LENGTH characters, and the other fields. */
export const API_BODY_LIMIT = MAX_IDS * (MAX_ID_LENGTH * 4 + 3) + 64 * 1024;

/** The service's HTTP API, unstarted. Routes are mounted by APP_TYPE. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Room for the largest valid request: MAX_IDS ids of the longest length, quoted and separated.
    bodyLimit: API_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false } },
  });
  app.setErrorHandler(errorHandler(deps.logger));
  // An empty POST (no body, or Content-Type without content) means "no options".
  app.addContentTypeParser(
    ['application/json', 'application/cloudevents+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      const text = String(body).trim();
      if (text === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new InvalidRequestError('The request body is not valid JSON.'), undefined);
      }
    },
  );
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'commercetools → Klaviyo sync',
        description:
          'Bulk import, real-time sync and operations API. Management routes need `Authorization: Bearer <SYNC_API_TOKEN>` when a token is configured.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  void app.register(swaggerUi, { routePrefix: '/docs' });
  void app.register(healthRoutes, { checks: deps.readiness });
  void app.register(async (scope) => {
    scope.addHook('onRequest', bearerGuard(deps.apiToken));
    await metricsRoutes(scope, { metrics: deps.metrics });
  });
  if (deps.appType !== 'EVENT') void app.register(dashboardRoutes);
  if (deps.appType !== 'EVENT')
    void app.register(syncRoutes, {
      registry: deps.registry,
      logger: deps.logger,
      apiToken: deps.apiToken,
      scheduledTypes: deps.scheduledTypes,
      scheduledMode: deps.scheduledMode,
      stores: deps.stores,
    });
  void app.register(privacyRoutes, { ...deps.privacy, apiToken: deps.apiToken });
  if (deps.appType !== 'BULK_IMPORT') void app.register(realtimeRoutes, { ...deps.realtime, apiToken: deps.apiToken });
  return app;
}
