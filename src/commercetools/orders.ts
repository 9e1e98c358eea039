import type { Order, Payment } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';
import { keysetPages, type Page, type PageQuery, queryByIds } from './keyset-pager.ts';

export interface OrderQuery extends PageQuery {
  /** Only orders created at or after this instant. */
  since?: string;
  /** Only orders created before this instant. */
  until?: string;
}

/**
 * What is read with an order: its payments (refunds are transactions of its payments) and its discount codes (an
 * order holds only references; the code the customer typed is on the discount code).
 */
const EXPAND_PAYMENTS = ['paymentInfo.payments[*]', 'discountCodes[*].discountCode'];

/** Orders by id with their payments expanded, optionally within a window of creation dates. */
export function orderPages(api: CommercetoolsApi, q: OrderQuery): AsyncGenerator<Page<Order>> {
  const window = [
    ...(q.since ? [`createdAt >= ${JSON.stringify(q.since)}`] : []),
    ...(q.until ? [`createdAt < ${JSON.stringify(q.until)}`] : []),
  ];
  return keysetPages(
    'order query',
    (queryArgs) => api.orders().get({ queryArgs: { ...queryArgs, expand: EXPAND_PAYMENTS } }),
    q,
    window,
  );
}

/** The payments expanded on an order. */
export function paymentsOf(order: Order): Payment[] {
  return (order.paymentInfo?.payments ?? []).map((ref) => ref.obj).filter((p): p is Payment => p !== undefined);
}

/** How many orders a run will read, when cheap to know (not for a window of dates). */
export async function countOrders(
  api: CommercetoolsApi,
  q: Pick<OrderQuery, 'since' | 'until' | 'signal'>,
): Promise<number | undefined> {
  if (q.since || q.until) return undefined;
  return (
    await ctCall(
      'order count',
      () =>
        api
          .orders()
          .get({ queryArgs: { limit: 1, withTotal: true } })
          .execute(),
      { signal: q.signal },
    )
  ).total;
}

/** One order as it is now, with its payments; retries transient failures within `budgetMs`. */
export function getOrder(api: CommercetoolsApi, id: string, budgetMs?: number): Promise<Order> {
  return ctCall(
    'order read',
    () =>
      api
        .orders()
        .withId({ ID: id })
        .get({ queryArgs: { expand: EXPAND_PAYMENTS } })
        .execute(),
    { budgetMs },
  );
}

/** Orders by id (up to 100 a query), with their payments; ids commercetools does not have are absent. */
export function ordersByIds(api: CommercetoolsApi, ids: string[], budgetMs?: number): Promise<Order[]> {
  return queryByIds(
    'order query',
    ids,
    (args) => api.orders().get({ queryArgs: { ...args, expand: EXPAND_PAYMENTS } }),
    {
      budgetMs,
    },
  );
}

/** The order that holds a payment, with its payments, if any. */
export async function findOrderByPayment(
  api: CommercetoolsApi,
  paymentId: string,
  budgetMs?: number,
): Promise<Order | undefined> {
  const where = [`paymentInfo(payments(id=${JSON.stringify(paymentId)}))`];
  return (
    await ctCall(
      'order by payment',
      () =>
        api
          .orders()
          .get({ queryArgs: { where, limit: 1, expand: EXPAND_PAYMENTS } })
          .execute(),
      { budgetMs },
    )
  ).results[0];
}
