import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { createCommercetoolsApi } from './commercetools/client.ts';
import { DeadLetterStore } from './commercetools/dead-letter-store.ts';
import { fetchAllCategories } from './commercetools/catalog-reader.ts';
import { PushAuthenticator } from './http/push-auth.ts';
import { buildMetrics } from './http/routes/metrics.ts';
import { categoryTree, type CategoryNode } from './mapping/category-tree.ts';
import { Dispatcher } from './realtime/dispatcher.ts';
import { customerProcessor } from './realtime/processors/customer.ts';
import { categoryProcessor, inventoryProcessor, productProcessor } from './realtime/processors/catalog.ts';
import { orderProcessor, paymentProcessor } from './realtime/processors/order.ts';
import { CustomObjectStore } from './commercetools/custom-objects.ts';
import { loadConfig, type Config } from './config/load-config.ts';
import { ConfigError } from './core/errors.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { buildApp } from './http/build-app.ts';
import { KlaviyoHttp } from './klaviyo/http.ts';
import { OPERATIONS } from './klaviyo/operations.ts';
import { KlaviyoRateLimiter } from './klaviyo/rate-limiter.ts';
import { JobRegistry } from './sync/job-registry.ts';
import { customersStream } from './sync/streams/customers.ts';
import { ordersStream } from './sync/streams/orders.ts';
import { catalogDeleteStream } from './sync/streams/catalog-delete.ts';
import { categoriesStream } from './sync/streams/categories.ts';
import { checkProductsConfig, productsStream } from './sync/streams/products.ts';

export interface RunningService {
  url: string;
  app: FastifyInstance;
  registry: JobRegistry;
  klaviyo: KlaviyoHttp;
  dispatcher: Dispatcher;
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

/** The real-time half: processors, dispatcher and dead letters, over the given clients. */
export function buildRealtime(config: Config, ct: ByProjectKeyRequestBuilder, klaviyo: KlaviyoHttp, logger: Logger): { dispatcher: Dispatcher; deadLetters: DeadLetterStore } {
  const deadLetters = new DeadLetterStore(ct);
  let tree: { at: number; value: Promise<ReadonlyMap<string, CategoryNode>> } | undefined;
  const dispatcher = new Dispatcher(
    [customerProcessor, orderProcessor, paymentProcessor, categoryProcessor, productProcessor, inventoryProcessor],
    {
      ct,
      klaviyo,
      logger,
      settings: {
        customerProperties: config.customerProperties,
        orders: { ...config.orders, preferredLocale: config.preferredLocale, productUrlTemplate: config.productUrlTemplate },
        preferredLocale: config.preferredLocale,
        preferredCurrency: config.preferredCurrency,
        productUrlTemplate: config.productUrlTemplate,
        inventoryChannelId: config.inventoryChannelId,
        allowImagelessProducts: config.allowImagelessProducts,
        customerDeleted: config.realtime.customerDeleted,
      },
      ctBudgetMs: Math.max(2_000, config.realtime.retryBudgetMs),
      categoryTree: () => {
        if (!tree || Date.now() - tree.at > 60_000) {
          const value = fetchAllCategories(ct).then(categoryTree);
          tree = { at: Date.now(), value };
          value.catch(() => (tree = undefined));
        }
        return tree.value;
      },
    },
    deadLetters,
    new Set(config.realtime.disabledProcessors),
    logger,
  );
  return { dispatcher, deadLetters };
}

/** Composition root: clients, services and the HTTP API from one Config. */
export async function startService(config: Config, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const ct = createCommercetoolsApi(config.commercetools);
  const store = new CustomObjectStore(ct);
  const limiter = new KlaviyoRateLimiter(config.klaviyo.rateLimits);
  const klaviyo = new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger });
  // Real-time calls share the rate limits but give up sooner, so the push is redelivered instead of timing out.
  const realtimeKlaviyo = new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger, retryBudgetMs: config.realtime.retryBudgetMs, timeoutMs: 20_000 });
  const realtime = buildRealtime(config, ct, realtimeKlaviyo, logger);
  const pushAuth = new PushAuthenticator({ token: config.realtime.pushToken, oidcAudience: config.realtime.oidcAudience, oidcJwksUrl: config.realtime.oidcJwksUrl, oidcIssuer: config.realtime.oidcIssuer, oidcEmail: config.realtime.oidcEmail });
  if (config.appType !== 'BULK_IMPORT' && !pushAuth.isEnabled) logger.warn({}, 'real-time pushes are not authenticated: set PUSH_AUTH_TOKEN or PUSH_OIDC_AUDIENCE');
  const registry = new JobRegistry({
    store,
    owner: config.instanceId,
    lockTtlMs: config.lockTtlMs,
    logger,
    saveEveryMs: options.saveEveryMs,
    progressEveryMs: options.progressEveryMs,
    streams: {
      customers: () => customersStream({ ct, klaviyo, properties: config.customerProperties, batchSize: options.profileBatchSize ?? config.profileBatchSize }),
      orders: () => ordersStream({ ct, klaviyo, mapping: { ...config.orders, preferredLocale: config.preferredLocale, productUrlTemplate: config.productUrlTemplate } }),
      categories: (o) => (o.deleteAll ? catalogDeleteStream('categories', klaviyo) : categoriesStream({ ct, klaviyo, preferredLocale: config.preferredLocale })),
      products: (o) => {
        if (o.deleteAll) return catalogDeleteStream('products', klaviyo);
        checkProductsConfig(config.productUrlTemplate);
        return productsStream({
          ct,
          klaviyo,
          mapping: { preferredLocale: config.preferredLocale, preferredCurrency: config.preferredCurrency, inventoryChannelId: config.inventoryChannelId, productUrlTemplate: config.productUrlTemplate, allowImageless: config.allowImagelessProducts },
        });
      },
    },
  });
  const app = buildApp({
    appType: config.appType,
    registry,
    logger,
    apiToken: config.syncApiToken,
    scheduledTypes: config.scheduledImportTypes,
    metrics: buildMetrics({ registry, klaviyo: [klaviyo, realtimeKlaviyo], limiter, dispatcher: realtime.dispatcher }),
    realtime: { dispatcher: realtime.dispatcher, deadLetters: realtime.deadLetters, auth: pushAuth, skipBase64Decode: config.realtime.skipBase64Decode },
    readiness: [
      { name: 'commercetools', check: async () => void (await ct.get().execute()) },
      { name: 'klaviyo', check: async () => void (await klaviyo.request(OPERATIONS.getCatalogItems, { method: 'GET', path: '/api/catalog-items?page[size]=1' })) },
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
    klaviyo,
    dispatcher: realtime.dispatcher,
    close: async () => {
      await registry.shutdown();
      await app.close();
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

const isEntryPoint = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntryPoint) await serve();
