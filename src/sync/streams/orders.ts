import type { Order } from '@commercetools/platform-sdk';
import { fetchAllCategories } from '../../commercetools/categories.ts';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import { type ErasureStore, erasedKeysReader, isErased } from '../../commercetools/erasure-store.ts';
import { countOrders, orderPages, paymentsOf } from '../../commercetools/orders.ts';
import { fetchProducts } from '../../commercetools/products.ts';
import { orderScope } from '../../commercetools/store-scope.ts';
import type { RouteScope } from '../../config/route-config.ts';
import { consentCandidates, dryRunConsent, syncConsentOfLanded } from '../../consent/sync-consent.ts';
import { EVENT_BULK_LIMITS, measureProfileEvents, type ProfileEvents, sendEventBatch } from '../../klaviyo/events.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { type CategoryNode, categoryTree } from '../../mapping/category-tree.ts';
import { type ConsentConfig, type ConsentIntent, guestOrderConsent } from '../../mapping/consent.ts';
import { type OrderMappingOptions, orderToEvents, type ProductSummary } from '../../mapping/order-to-events.ts';
import { productSummary } from '../../mapping/product-summary.ts';
import { modifiedWindow } from '../run-report.ts';
import type { SourcePage, StreamDefinition, StreamReader } from '../stream.ts';
import { requireLists } from './require-lists.ts';

export interface OrderStreamDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  mapping: Omit<OrderMappingOptions, 'backfill'>;
  /** Products kept between pages. */
  productCacheSize?: number;
  /** Guest checkout consent to sync once a batch's events are accepted (CONSENT_ORDER_FIELD). */
  consent?: ConsentConfig;
  /** People erased on request: their orders are skipped. */
  erasures?: Pick<ErasureStore, 'keys'>;
  /** A store route's orders only (absent: every order). */
  scope?: RouteScope;
}

const ERASED_REASON = 'its customer was erased on request (POST /privacy/erase): not sent to Klaviyo';

/** An order's events, and a guest's checkout consent when that is synced. */
export type OrderItem = ProfileEvents & { consent?: ConsentIntent };

/**
 * Orders → Placed Order, Ordered Product, Fulfilled / Cancelled / Refunded Order events, sent per profile
 * through bulk event requests of up to 1,000 events; backfilled unless asked otherwise.
 */
export function ordersStream(deps: OrderStreamDeps): StreamDefinition<Order, OrderItem> {
  const { consent } = deps;
  const products = new Map<string, ProductSummary>();
  let categories: ReadonlyMap<string, CategoryNode> = new Map();
  const cacheSize = deps.productCacheSize ?? 20_000;
  let backfill = true;
  let erased: ReadonlySet<string> = new Set();
  const erasedKeys = erasedKeysReader(deps.erasures);

  const reader: StreamReader<Order> = {
    async *pages(options, cursor, signal): AsyncGenerator<SourcePage<Order>> {
      backfill = options.backfill !== false;
      if (consent) await requireLists(deps.klaviyo, { consent: consent.listId }, signal);
      for await (const page of orderPages(deps.ct, {
        cursor: cursor ?? options.startId,
        ids: options.ids,
        since: options.since,
        until: options.until,
        modified: modifiedWindow(options),
        retryIds: options.retryIds,
        where: orderScope(deps.scope),
        signal,
      })) {
        // Read again now and then: an erasure made while the run goes is honoured within seconds.
        erased = await erasedKeys(signal);
        // Read once there is an order to name categories for (a delta that finds nothing reads nothing else).
        if (categories.size === 0) categories = categoryTree(await fetchAllCategories(deps.ct, signal));
        // Every product of the page in one query (100 ids per request), not one query per order.
        const missing = [...new Set(page.records.flatMap((o) => o.lineItems.map((li) => li.productId)))].filter(
          (id) => !products.has(id),
        );
        if (missing.length > 0) {
          for (const p of await fetchProducts(deps.ct, missing, signal)) products.set(p.id, productSummary(p));
          while (products.size > cacheSize) products.delete(products.keys().next().value as string);
        }
        yield page;
      }
    },
    countTotal: async (options, signal) =>
      options.ids
        ? new Set(options.ids).size
        : options.startId || options.resume || options.modifiedSince || orderScope(deps.scope).length
          ? undefined
          : countOrders(deps.ct, { since: options.since, until: options.until, signal }),
  };

  return {
    kind: 'orders',
    reader,
    map(order) {
      if (isErased(erased, { customerId: order.customerId, email: order.customerEmail }))
        return { kind: 'skip', id: order.id, reason: ERASED_REASON };
      const m = orderToEvents(order, paymentsOf(order), { products, categories }, { ...deps.mapping, backfill });
      if (m.kind === 'skip') return { kind: 'skip', id: order.id, reason: m.reason };
      const events: ProfileEvents = { profile: m.profile, events: m.events };
      const size = measureProfileEvents(events);
      if (size.problem) return { kind: 'fail', id: order.id, reason: size.problem };
      const intent = consent ? guestOrderConsent(order, consent) : undefined;
      const item: OrderItem = intent ? { ...events, consent: intent } : events;
      return { kind: 'item', id: order.id, item, bytes: size.bytes, weight: m.events.length };
    },
    limits: {
      maxBatchItems: EVENT_BULK_LIMITS.maxEvents,
      maxBatchBytes: EVENT_BULK_LIMITS.maxRequestBytes - 64_000,
      maxInFlight: 4,
    },
    async write(batch, signal) {
      const outcomes = await sendEventBatch(deps.klaviyo, batch, signal);
      if (!consent) return outcomes;
      return syncConsentOfLanded(deps.klaviyo, consent, consentCandidates(batch), outcomes, { by: 'email', signal });
    },
    ...(consent
      ? { dryWrite: (batch, signal) => dryRunConsent(deps.klaviyo, consent, batch, { by: 'email', signal }) }
      : {}),
  };
}
