import type { CommercetoolsApi } from '../commercetools/client.ts';
import { CustomObjectStore, SYNC_CONTAINER } from '../commercetools/custom-objects.ts';
import type { ErasureStore } from '../commercetools/erasure-store.ts';
import { storeProductIds } from '../commercetools/product-selections.ts';
import type { Route } from '../config/route-config.ts';
import type { Logger } from '../core/logger.ts';
import { KlaviyoHttp } from '../klaviyo/http.ts';
import { KlaviyoRateLimiter } from '../klaviyo/rate-limiter.ts';
import { JobRegistry } from './job-registry.ts';
import { catalogDeleteStream } from './streams/catalog-delete.ts';
import { categoriesStream } from './streams/categories.ts';
import { customersStream } from './streams/customers.ts';
import { ordersStream } from './streams/orders.ts';
import { checkProductsConfig, productsStream } from './streams/products.ts';

export interface RouteRegistryOptions {
  saveEveryMs?: number;
  progressEveryMs?: number;
  /** Profiles per bulk import job (tests use small batches). */
  profileBatchSize?: number;
}

/** A route's bulk import side: its Klaviyo account (client and rate limiter) and its runs. */
export interface RouteRuntime {
  route: Route;
  limiter: KlaviyoRateLimiter;
  klaviyo: KlaviyoHttp;
  registry: JobRegistry;
}

/**
 * The container of a route's locks, checkpoints, reports and high-water marks: the default route keeps the
 * single-account container, so a single-account installation finds its runs where they always were.
 */
export function routeContainer(route: Route): string {
  return route.scope.store ? `${SYNC_CONTAINER}.${route.scope.store}` : SYNC_CONTAINER;
}

/**
 * The bulk imports of one route: every type's stream reads only the route's records (customers of its store,
 * orders placed in it; for the default route, those of no routed store) and writes to its Klaviyo account, with
 * its own lock, checkpoint, rate limiter and status, so two routes run at once and a crash in one leaves the
 * other alone. Catalog imports (categories, products) go to every route's account, in its locale and currency.
 */
export function createRouteRuntime(
  route: Route,
  shared: { ct: CommercetoolsApi; erasures: ErasureStore; logger: Logger; options: RouteRegistryOptions },
  /** The account's client and limiter when they exist already (the default route shares real time's). */
  account?: { limiter: KlaviyoRateLimiter; klaviyo: KlaviyoHttp },
): RouteRuntime {
  const { ct, erasures, logger, options } = shared;
  const config = route.config;
  const limiter = account?.limiter ?? new KlaviyoRateLimiter(config.klaviyo.rateLimits);
  const klaviyo =
    account?.klaviyo ??
    new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger });
  const scope = route.scope.store || route.scope.routedStores.length ? route.scope : undefined;
  const registry = new JobRegistry({
    store: new CustomObjectStore(ct, routeContainer(route)),
    owner: config.instanceId,
    lockTtlMs: config.lockTtlMs,
    deltaOverlapMs: config.deltaOverlapMs,
    logger,
    saveEveryMs: options.saveEveryMs,
    progressEveryMs: options.progressEveryMs,
    streams: {
      customers: () =>
        customersStream({
          ct,
          klaviyo,
          properties: config.customerProperties,
          batchSize: options.profileBatchSize ?? config.profileBatchSize,
          jobsInFlight: config.bulkJobsInFlight,
          consent: config.consent,
          customersListId: config.customersListId,
          erasures,
          conflicts: { ct, klaviyo, properties: config.customerProperties, policy: config.identityConflict },
          scope,
        }),
      orders: () =>
        ordersStream({
          ct,
          klaviyo,
          consent: config.consent?.guestOrder ? config.consent : undefined,
          erasures,
          scope,
          mapping: {
            ...config.orders,
            preferredLocale: config.preferredLocale,
            productUrlTemplate: config.productUrlTemplate,
          },
        }),
      categories: (o) =>
        o.deleteAll
          ? catalogDeleteStream('categories', klaviyo, config.bulkJobsInFlight)
          : categoriesStream({
              ct,
              klaviyo,
              preferredLocale: config.preferredLocale,
              jobsInFlight: config.bulkJobsInFlight,
            }),
      products: (o) => {
        if (o.deleteAll) return catalogDeleteStream('products', klaviyo, config.bulkJobsInFlight);
        checkProductsConfig(config.productUrlTemplate);
        return productsStream({
          ct,
          klaviyo,
          mapping: {
            preferredLocale: config.preferredLocale,
            preferredCurrency: config.preferredCurrency,
            priceChannelId: config.priceChannelId,
            priceCustomerGroupId: config.priceCustomerGroupId,
            inventoryChannelId: config.inventoryChannelId,
            productUrlTemplate: config.productUrlTemplate,
            allowImageless: config.allowImagelessProducts,
          },
          jobsInFlight: config.bulkJobsInFlight,
          // A store's route: the products of its product selections (all when it has none).
          ...(route.scope.store
            ? { scope: (signal: AbortSignal) => storeProductIds(ct, route.scope.store as string, { signal }) }
            : {}),
        });
      },
    },
  });
  return { route, limiter, klaviyo, registry };
}
