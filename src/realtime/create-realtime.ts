import type { Customer, Order } from '@commercetools/platform-sdk';
import { fetchAllCategories } from '../commercetools/categories.ts';
import type { CommercetoolsApi } from '../commercetools/client.ts';
import { customersByIds } from '../commercetools/customers.ts';
import { DeadLetterStore } from '../commercetools/dead-letter-store.ts';
import { type ErasureRecord, ErasureStore } from '../commercetools/erasure-store.ts';
import { ordersByIds } from '../commercetools/orders.ts';
import { fetchProducts } from '../commercetools/products.ts';
import type { Config } from '../config/load-config.ts';
import type { Logger } from '../core/logger.ts';
import { resolveConflicts } from '../identity/resolve-conflicts.ts';
import { bulkEventsWaitMs, createEvents } from '../klaviyo/events.ts';
import { KlaviyoHttp } from '../klaviyo/http.ts';
import { profileWriteWaitMs } from '../klaviyo/profiles.ts';
import type { KlaviyoRateLimiter } from '../klaviyo/rate-limiter.ts';
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

/**
 * The real-time half: processors, dispatcher, dead letters and the intake every transport uses, with its own
 * Klaviyo client. That client shares the rate limiter given (one per API key) but gives up sooner, so a push
 * is redelivered instead of timing out.
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
  profileJobs: ProfileJobFinisher;
  /** Erases a person (POST /privacy/erase, REALTIME_CUSTOMER_DELETED=erase). */
  erase(request: EraseRequest, source: ErasureRecord['source']): Promise<EraseResult>;
} {
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
  const deadLetters = new DeadLetterStore(ct);
  const conflicts = {
    ct,
    klaviyo,
    properties: config.customerProperties,
    policy: config.identityConflict,
    // Real time waits briefly for a merge; a longer one is picked up by the redelivery.
    mergeWaitMs: 10_000,
  };
  const profileJobStore = new ProfileJobStore(ct);
  // Finishing a job waits for Klaviyo as long as it takes (a client of its own, with the bulk import's patience).
  const profileJobs = new ProfileJobFinisher(
    new KlaviyoHttp({ apiKey: config.klaviyo.apiKey, baseUrl: config.klaviyo.apiUrl, limiter, logger }),
    ct,
    profileJobStore,
    deadLetters,
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
  const erasures = new ErasureStore(ct);
  const erasureCache = new ErasureCache(erasures);
  const erase = async (request: EraseRequest, source: ErasureRecord['source']) => {
    const result = await erasePerson({ ct, klaviyo, erasures }, request, source);
    erasureCache.forget();
    return result;
  };
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
  const dispatcher = new Dispatcher(
    PROCESSORS,
    {
      projectKey: config.commercetools.projectKey,
      ct,
      klaviyo,
      events,
      profiles,
      orders,
      customers,
      products,
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
      categoryTree: categoryTreeCached,
      isErased: (person) => erasureCache.isErased(person),
      erase: (request) => erase(request, 'customer-deleted'),
      resolveConflicts: (ids) => resolveConflicts(conflicts, ids),
    },
    // Started Checkout is opt-in: without STARTED_CHECKOUT the cart processor is off.
    new Set([...config.realtime.disabledProcessors, ...(config.realtime.startedCheckout ? [] : ['cart'])]),
  );
  return { intake: new Intake(dispatcher, deadLetters, logger), klaviyo, events, profiles, profileJobs, erase };
}
