import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { fetchAllCategories } from '../../commercetools/catalog-reader.ts';
import { countOrders, fetchProducts, orderPages, paymentsOf, type OrderWithPayments } from '../../commercetools/order-reader.ts';
import { KlaviyoApiError } from '../../core/errors.ts';
import { MAX_BULK_REQUEST_BYTES, MAX_EVENT_STRING_BYTES, MAX_EVENTS_PER_BULK_REQUEST, submitEventBulk } from '../../klaviyo/events.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import type { EventAttributes, EventBulkEntry, EventProfile } from '../../klaviyo/types.ts';
import { productSummary } from '../../mapping/product-summary.ts';
import { categoryTree, type CategoryNode } from '../../mapping/category-tree.ts';
import { orderToEvents, type OrderMappingOptions, type ProductSummary } from '../../mapping/order-to-events.ts';
import type { ItemOutcome, SourcePage, StreamDefinition } from '../stream.ts';

export interface OrderEvents {
  profile: EventProfile;
  events: EventAttributes[];
}

export interface OrderStreamDeps {
  ct: ByProjectKeyRequestBuilder;
  klaviyo: KlaviyoHttp;
  mapping: Omit<OrderMappingOptions, 'backfill'>;
  /** Products kept between pages. */
  productCacheSize?: number;
}

const ENTRY_POINTER = /^\/data\/attributes\/events-bulk-create\/data\/(\d+)/;

/** The first string longer than Klaviyo's 100 KB limit inside a value, as a property path. */
function oversizedString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8') > MAX_EVENT_STRING_BYTES ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = oversizedString(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const hit = oversizedString(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return undefined;
}

function toEntry(e: OrderEvents): EventBulkEntry {
  return { type: 'event-bulk-create', attributes: { profile: { data: e.profile }, events: { data: e.events.map((attributes) => ({ type: 'event', attributes })) } } };
}

/**
 * Sends a batch of orders' events in one bulk request. Klaviyo returns no job, so a rejected request is
 * narrowed down: the order its error points at fails alone with Klaviyo's reason and the rest is sent again;
 * without a usable pointer the batch is halved until the bad order stands alone.
 */
export async function sendOrderEvents(klaviyo: KlaviyoHttp, batch: Array<{ id: string; item: OrderEvents }>, signal: AbortSignal): Promise<ItemOutcome[]> {
  if (batch.length === 0) return [];
  try {
    await submitEventBulk(klaviyo, batch.map((b) => toEntry(b.item)), signal);
    return batch.map((b) => ({ id: b.id, outcome: 'succeeded' as const }));
  } catch (e) {
    if (!(e instanceof KlaviyoApiError) || (e.status !== 400 && e.status !== 413)) throw e;
    const first = e.errors[0];
    const m = ENTRY_POINTER.exec(first?.source?.pointer ?? '');
    if (m && Number(m[1]) < batch.length) {
      const bad = Number(m[1]);
      const failed: ItemOutcome = { id: batch[bad].id, outcome: 'failed', reason: `Klaviyo rejected the order's events: ${first.detail}`, code: first.code, pointer: first.source?.pointer };
      return [failed, ...(await sendOrderEvents(klaviyo, batch.filter((_b, i) => i !== bad), signal))];
    }
    if (batch.length === 1) {
      return [{ id: batch[0].id, outcome: 'failed', reason: `Klaviyo rejected the order's events: ${first?.detail ?? e.message}`, code: first?.code ?? String(e.status), pointer: first?.source?.pointer }];
    }
    const half = Math.ceil(batch.length / 2);
    return [...(await sendOrderEvents(klaviyo, batch.slice(0, half), signal)), ...(await sendOrderEvents(klaviyo, batch.slice(half), signal))];
  }
}

export function ordersStream(deps: OrderStreamDeps): StreamDefinition<OrderWithPayments, OrderEvents> {
  const products = new Map<string, ProductSummary>();
  let categories: ReadonlyMap<string, CategoryNode> = new Map();
  const cacheSize = deps.productCacheSize ?? 20_000;
  let backfill = true;

  async function* pages(options: Parameters<StreamDefinition<OrderWithPayments, OrderEvents>['pages']>[0], cursor: string | undefined, signal: AbortSignal): AsyncGenerator<SourcePage<OrderWithPayments>> {
    backfill = options.backfill !== false;
    if (categories.size === 0) categories = categoryTree(await fetchAllCategories(deps.ct, signal));
    for await (const page of orderPages(deps.ct, { cursor: cursor ?? options.startId, ids: options.ids, since: options.since, until: options.until, signal })) {
      // Every product of the page in one query (100 ids per request), not one query per order.
      const missing = [...new Set(page.records.flatMap((o) => o.lineItems.map((li) => li.productId)))].filter((id) => !products.has(id));
      if (missing.length > 0) {
        for (const p of await fetchProducts(deps.ct, missing, signal)) products.set(p.id, productSummary(p));
        while (products.size > cacheSize) products.delete(products.keys().next().value as string);
      }
      yield { records: page.records.map((order) => ({ id: order.id, order, payments: paymentsOf(order) })), missingIds: page.missingIds };
    }
  }

  return {
    kind: 'orders',
    pages,
    countTotal: async (options, signal) => (options.ids ? new Set(options.ids).size : options.startId || options.resume ? undefined : countOrders(deps.ct, { since: options.since, until: options.until, signal })),
    map(record) {
      const m = orderToEvents(record.order, record.payments, { products, categories }, { ...deps.mapping, backfill });
      if (m.kind === 'skip') return { kind: 'skip', id: record.id, reason: m.reason };
      const item: OrderEvents = { profile: m.profile, events: m.events };
      if (m.events.length > MAX_EVENTS_PER_BULK_REQUEST) return { kind: 'fail', id: record.id, reason: `the order has ${m.events.length} events; Klaviyo accepts at most ${MAX_EVENTS_PER_BULK_REQUEST} per request` };
      const bytes = Buffer.byteLength(JSON.stringify(toEntry(item)), 'utf8');
      // Only an order whose events serialise to more than 100 KB can hold a string that long: look only then.
      const tooLong = bytes > MAX_EVENT_STRING_BYTES ? oversizedString(m.events.map((e) => e.properties), '') : undefined;
      if (tooLong) return { kind: 'fail', id: record.id, reason: `an event property is longer than Klaviyo's 100 KB string limit (${tooLong.replace(/^\[\d+\]\.?/, '')})` };
      return { kind: 'item', id: record.id, item, bytes, weight: m.events.length };
    },
    maxBatchItems: MAX_EVENTS_PER_BULK_REQUEST,
    maxBatchBytes: MAX_BULK_REQUEST_BYTES - 64 * 1024,
    maxInFlight: 4,
    write: (batch, signal) => sendOrderEvents(deps.klaviyo, batch, signal),
  };
}
