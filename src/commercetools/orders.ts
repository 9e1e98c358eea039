import type { ByProjectKeyRequestBuilder, Order, Payment, Product } from '@commercetools/platform-sdk';
import { ctCall } from './client.ts';
import { pageById, type Page } from './keyset-pager.ts';

export interface OrderWithPayments {
  id: string;
  order: Order;
  payments: Payment[];
}

export interface OrderQuery {
  cursor?: string;
  ids?: string[];
  /** Only orders created at or after this instant. */
  since?: string;
  /** Only orders created before this instant. */
  until?: string;
  signal?: AbortSignal;
}

/** Orders by id with their payments expanded, optionally within a window of creation dates. */
export function orderPages(api: ByProjectKeyRequestBuilder, q: OrderQuery): AsyncGenerator<Page<Order>> {
  const window = [
    ...(q.since ? [`createdAt >= ${JSON.stringify(q.since)}`] : []),
    ...(q.until ? [`createdAt < ${JSON.stringify(q.until)}`] : []),
  ];
  return pageById<Order>(
    async (where, limit) =>
      (
        await ctCall(
          'order query',
          () => api.orders().get({ queryArgs: { sort: 'id asc', limit, withTotal: false, expand: ['paymentInfo.payments[*]'], ...(where.length + window.length ? { where: [...where, ...window] } : {}) } }).execute(),
          { signal: q.signal },
        )
      ).results,
    { cursor: q.cursor, ids: q.ids, signal: q.signal },
  );
}

export function paymentsOf(order: Order): Payment[] {
  return (order.paymentInfo?.payments ?? []).map((ref) => ref.obj).filter((p): p is Payment => p !== undefined);
}

/** Products by id (current data, published or not: orders may reference products changed since), 100 per query. */
export async function fetchProducts(api: ByProjectKeyRequestBuilder, ids: string[], signal?: AbortSignal, budgetMs?: number): Promise<Product[]> {
  const out: Product[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const body = await ctCall('product query', () => api.products().get({ queryArgs: { where: [`id in (${chunk.map((id) => JSON.stringify(id)).join(', ')})`], limit: 100, withTotal: false } }).execute(), { signal, budgetMs });
    out.push(...body.results);
  }
  return out;
}

export async function countOrders(api: ByProjectKeyRequestBuilder, q: Pick<OrderQuery, 'since' | 'until' | 'signal'>): Promise<number | undefined> {
  if (q.since || q.until) return undefined;
  const body = await ctCall('order count', () => api.orders().get({ queryArgs: { limit: 1, withTotal: true } }).execute(), { signal: q.signal });
  return body.total;
}
