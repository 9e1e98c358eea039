import type { Customer, Order } from '@commercetools/platform-sdk';
import { findCart } from '../commercetools/carts.ts';
import { fetchAllCategories } from '../commercetools/categories.ts';
import type { CommercetoolsApi } from '../commercetools/client.ts';
import { customersByIds } from '../commercetools/customers.ts';
import { DeadLetterStore } from '../commercetools/dead-letter-store.ts';
import { type ErasureRecord, ErasureStore } from '../commercetools/erasure-store.ts';
import { findOrderByPayment, ordersByIds } from '../commercetools/orders.ts';
import { storeProductIds } from '../commercetools/product-selections.ts';
import { fetchProducts } from '../commercetools/products.ts';
import type { Config } from '../config/load-config.ts';
import { type Route, routesOf } from '../config/route-config.ts';
import type { Logger } from '../core/logger.ts';
import { resolveConflicts } from '../identity/resolve-conflicts.ts';
import { bulkEventsWaitMs, createEvents } from '../klaviyo/events.ts';
import { KlaviyoHttp } from '../klaviyo/http.ts';
import { profileWriteWaitMs } from '../klaviyo/profiles.ts';
import { KlaviyoRateLimiter } from '../klaviyo/rate-limiter.ts';
import { type CategoryNode, categoryTree } from '../mapping/category-tree.ts';
import type { ProductSummary } from '../mapping/order-to-events.ts';
import { productSummary } from '../mapping/product-summary.ts';
import { type EraseRequest, type EraseResult, erasePerson } from '../privacy/erase-person.ts';
import { ErasureCache } from '../privacy/erasure-cache.ts';
import { BatchLoader } from './batch-loader.ts';
import { Dispatcher } from './dispatcher.ts';
import { DEFAULT_COALESCER_OPTIONS, EventCoalescer, type EventWriter } from './event-coalescer.ts';
import { Intake } from './intake.ts';
import { cartProcessor } from './processors/cart.ts';
import { categoryProcessor } from './processors/category.ts';
import { customerProcessor } from './processors/customer.ts';
import { inventoryProcessor } from './processors/inventory.ts';
import { orderProcessor, paymentProcessor } from './processors/order.ts';
import { productProcessor } from './processors/product.ts';
import { DEFAULT_PROFILE_COALESCING, ProfileCoalescer } from './profile-coalescer.ts';
import { ProfileJobFinisher } from './profile-job-finisher.ts';
import { ProfileJobStore } from './profile-job-store.ts';
import { RoutingDispatcher } from './route-dispatcher.ts';

/** Every processor, by the names REALTIME_DISABLED_PROCESSORS uses. */
export const PROCESSORS = [
  customerProcessor,
  orderProcessor,
  paymentProcessor,
  categoryProcessor,
  productProcessor,
  inventoryProcessor,
  cartProcessor,
];

const CATEGORY_TREE_TTL_MS = 60_000;

/** The profile jobs of every route: finished, swept and settled together (main.ts and the Lambda handlers). */
export interface ProfileJobs {
  start(intervalMs: number): void;
  stop(): void;
  settle(timeoutMs: number): Promise<void>;
  sweep(): Promise<number>;
  /** The default route's finisher (its counters for /metrics). */
  readonly primary: ProfileJobFinisher;
}

/** What every route's real time shares: commercetools reads, dead letters, erasure, the category tree. */
interface Shared {
  ct: CommercetoolsApi;
  logger: Logger;
  ctBudgetMs: number;
  orders: BatchLoader<Order>;
  customers: BatchLoader<Customer>;
  products: BatchLoader<ProductSummary>;
  deadLetters: DeadLetterStore;
  erasureCache: ErasureCache;
  categoryTree(): Promise<ReadonlyMap<string, CategoryNode>>;
  erase(request: EraseRequest): Promise<EraseResult>;
}

/** Whether a store sells a product: its product selections, read at most every minute. */
function storeCatalog(ct: CommercetoolsApi, store: string, budgetMs: number): (productId: string) => Promise<boolean> {
  let cached: { at: number; ids: Promise<Set<string> | undefined> } | undefined;
  return async (productId) => {
    if (!cached || Date.now() - cached.at > STORE_CATALOG_TTL_MS) {
      const ids = storeProductIds(ct, store, { budgetMs });
      cached = { at: Date.now(), ids };
      ids.catch(() => {
        cached = undefined;
      });
    }
    const ids = await cached.ids;
    return ids === undefined || ids.has(productId);
  };
}

const STORE_CATALOG_TTL_MS = 60_000;

/** One route's real time: its Klaviyo account (client, coalescers, profile jobs) and its processors. */
function routeRealtime(route: Route, limiter: KlaviyoRateLimiter, shared: Shared) {
  const { config } = route;
  const { ct, logger, ctBudgetMs } = shared;
  const klaviyo = new KlaviyoHttp({
    apiKey: config.klaviyo.apiKey,
    baseUrl: config.klaviyo.apiUrl,
    limiter,
    logger,
    retryBudgetMs: config.realtime.retryBudgetMs,
    timeoutMs: 20_000,
  });
  const holdMs = config.realtime.eventHoldMs;
  const events: EventWriter =
    holdMs > 0
      ? new EventCoalescer(klaviyo, {
          ...DEFAULT_COALESCER_OPTIONS,
          maxHoldMs: holdMs,
          idleMs: config.realtime.eventIdleMs,
          slotWaitMs: () => bulkEventsWaitMs(limiter),
        })
      : { send: (item) => createEvents(klaviyo, item) };
  const conflicts = {
    ct,
    klaviyo,
    properties: config.customerProperties,
    policy: config.identityConflict,
    // Real time waits briefly for a merge; a longer one is picked up by the redelivery.
    mergeWaitMs: 10_000,
  };
  const profileJobStore = new ProfileJobStore(ct, route.scope.store);
  // Finishing a job waits for Klaviyo as long as it takes (a client of its own, with the bulk import's patience).
  const profileJobs = new ProfileJobFinisher(
    new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger }),
    ct,
    profileJobStore,
    shared.deadLetters,
    logger,
    {
      instanceId: config.instanceId,
      leaseMs: config.realtime.profileJobLeaseMs,
      customerProperties: config.customerProperties,
      consent: config.consent,
      ctBudgetMs: 60_000,
      conflicts,
    },
  );
  const bulkRate = config.realtime.profileBulkRate;
  const profiles =
    bulkRate === undefined
      ? undefined
      : new ProfileCoalescer(klaviyo, profileJobStore, profileJobs, {
          ...DEFAULT_PROFILE_COALESCING,
          bulkFromPerSecond: bulkRate,
          singleWaitMs: () => profileWriteWaitMs(limiter).single,
          bulkWaitMs: () => profileWriteWaitMs(limiter).bulk,
          instanceId: config.instanceId,
          leaseMs: config.realtime.profileJobLeaseMs,
          ctBudgetMs,
        });
  const dispatcher = new Dispatcher(
    PROCESSORS,
    {
      projectKey: config.commercetools.projectKey,
      ct,
      klaviyo,
      events,
      profiles,
      orders: shared.orders,
      customers: shared.customers,
      products: shared.products,
      logger,
      settings: {
        customerProperties: config.customerProperties,
        orders: {
          ...config.orders,
          preferredLocale: config.preferredLocale,
          productUrlTemplate: config.productUrlTemplate,
        },
        preferredLocale: config.preferredLocale,
        preferredCurrency: config.preferredCurrency,
        productUrlTemplate: config.productUrlTemplate,
        inventoryChannelId: config.inventoryChannelId,
        allowImagelessProducts: config.allowImagelessProducts,
        customerDeleted: config.realtime.customerDeleted,
        consent: config.consent,
        startedCheckout: config.realtime.startedCheckout,
        customersListId: config.customersListId,
      },
      ctBudgetMs,
      categoryTree: shared.categoryTree,
      isErased: (person) => shared.erasureCache.isErased(person),
      erase: shared.erase,
      resolveConflicts: (ids) => resolveConflicts(conflicts, ids),
      ...(route.scope.store ? { isInStoreCatalog: storeCatalog(ct, route.scope.store, ctBudgetMs) } : {}),
    },
    // Started Checkout is opt-in: without STARTED_CHECKOUT the cart processor is off.
    new Set([...config.realtime.disabledProcessors, ...(config.realtime.startedCheckout ? [] : ['cart'])]),
  );
  return { klaviyo, events, profiles, profileJobs, dispatcher };
}

/**
 * The real-time half: processors, dispatcher, dead letters and the intake every transport uses, with a Klaviyo
 * client per route (the default account, and one per routed store: STORE_ROUTES). The default route's client
 * shares the rate limiter given (one per API key) but gives up sooner, so a push is redelivered instead of
 * timing out. With routed stores, each notification goes to its store's account (RoutingDispatcher).
 */
export function createRealtime(
  config: Config,
  ct: CommercetoolsApi,
  limiter: KlaviyoRateLimiter,
  logger: Logger,
): {
  intake: Intake;
  klaviyo: KlaviyoHttp;
  events: EventWriter;
  profiles?: ProfileCoalescer;
  profileJobs: ProfileJobs;
  /** Erases a person in every account (POST /privacy/erase, REALTIME_CUSTOMER_DELETED=erase). */
  erase(request: EraseRequest, source: ErasureRecord['source']): Promise<EraseResult>;
} {
  const ctBudgetMs = Math.max(2_000, config.realtime.retryBudgetMs);
  const orders = new BatchLoader<Order>(
    async (ids) => new Map((await ordersByIds(ct, ids, ctBudgetMs)).map((o) => [o.id, o])),
    { waitMs: 5, maxKeys: 100 },
  );
  const customers = new BatchLoader<Customer>(
    async (ids) => new Map((await customersByIds(ct, ids, ctBudgetMs)).map((c) => [c.id, c])),
    { waitMs: 5, maxKeys: 100 },
  );
  // Product names, slugs, images and categories change rarely: kept 30 s.
  const products = new BatchLoader<ProductSummary>(
    async (ids) => new Map((await fetchProducts(ct, ids, undefined, ctBudgetMs)).map((p) => [p.id, productSummary(p)])),
    { waitMs: 5, maxKeys: 100, ttlMs: 30_000, maxCached: 20_000 },
  );
  let tree: { at: number; value: Promise<ReadonlyMap<string, CategoryNode>> } | undefined;
  const categoryTreeCached = () => {
    if (!tree || Date.now() - tree.at > CATEGORY_TREE_TTL_MS) {
      const value = fetchAllCategories(ct).then(categoryTree);
      tree = { at: Date.now(), value };
      value.catch(() => {
        tree = undefined;
      });
    }
    return tree.value;
  };
  const erasures = new ErasureStore(ct);
  const erasureCache = new ErasureCache(erasures);
  const accounts: KlaviyoHttp[] = [];
  const erase = async (request: EraseRequest, source: ErasureRecord['source']) => {
    const result = await erasePerson({ ct, accounts, erasures }, request, source);
    erasureCache.forget();
    return result;
  };
  const shared: Shared = {
    ct,
    logger,
    ctBudgetMs,
    orders,
    customers,
    products,
    deadLetters: new DeadLetterStore(ct),
    erasureCache,
    categoryTree: categoryTreeCached,
    erase: (request) => erase(request, 'customer-deleted'),
  };
  const routes = routesOf(config).map((route) => ({
    route,
    ...routeRealtime(
      route,
      route.scope.store ? new KlaviyoRateLimiter(route.config.klaviyo.rateLimits) : limiter,
      shared,
    ),
  }));
  accounts.push(...routes.map((r) => r.klaviyo));
  const [primary, ...stores] = routes;
  const dispatcher =
    stores.length === 0
      ? primary.dispatcher
      : new RoutingDispatcher(primary.dispatcher, new Map(stores.map((r) => [r.route.name, r.dispatcher])), {
          order: (id) => orders.get(id),
          customer: (id) => customers.get(id),
          cart: (id) => findCart(ct, id, ctBudgetMs),
          orderOfPayment: (id) => findOrderByPayment(ct, id, ctBudgetMs),
        });
  const finishers = routes.map((r) => r.profileJobs);
  const profileJobs: ProfileJobs = {
    primary: primary.profileJobs,
    start: (intervalMs) => {
      for (const f of finishers) f.start(intervalMs);
    },
    stop: () => {
      for (const f of finishers) f.stop();
    },
    settle: async (timeoutMs) => {
      await Promise.all(finishers.map((f) => f.settle(timeoutMs)));
    },
    sweep: async () => (await Promise.all(finishers.map((f) => f.sweep()))).reduce((n, k) => n + k, 0),
  };
  return {
    intake: new Intake(dispatcher, shared.deadLetters, logger),
    klaviyo: primary.klaviyo,
    events: primary.events,
    profiles: primary.profiles,
    profileJobs,
    erase,
  };
}
