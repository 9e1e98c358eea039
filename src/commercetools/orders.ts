import type { Order, Payment } from '@commercetools/platform-sdk';
import { type CommercetoolsApi, ctCall } from './client.ts';
import { emailForms } from './customers.ts';
import {
  deltaCursor,
  type KeysetQueryArgs,
  keysetPages,
  type Page,
  type PageQuery,
  pageByModified,
  queryByIds,
} from './keyset-pager.ts';

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

/** A delta's cursor once it reads the orders of changed payments. */
const PAYMENTS_PHASE = 'payments ';

/**
 * Orders by id with their payments expanded, optionally within a window of creation dates. A delta reads the
 * orders modified in its window, then the orders whose payments were (a refund changes the payment, not the
 * order) and that the first part did not read; its cursor says which part it is in.
 */
export async function* orderPages(api: CommercetoolsApi, q: OrderQuery): AsyncGenerator<Page<Order>> {
  const window = [
    ...(q.since ? [`createdAt >= ${JSON.stringify(q.since)}`] : []),
    ...(q.until ? [`createdAt < ${JSON.stringify(q.until)}`] : []),
  ];
  const query = (queryArgs: KeysetQueryArgs) =>
    api.orders().get({ queryArgs: { ...queryArgs, expand: EXPAND_PAYMENTS } });
  const delta = q.ids ? undefined : q.modified;
  const isInPayments = q.cursor?.startsWith(PAYMENTS_PHASE) === true;
  if (!isInPayments) yield* keysetPages('order query', query, q, window);
  if (!delta) return;
  const changedPayments = pageByModified<Payment>(
    async (where, sort, limit) =>
      (
        await ctCall(
          'payment query',
          () =>
            api
              .payments()
              .get({ queryArgs: { where, sort, limit, withTotal: false } })
              .execute(),
          { signal: q.signal },
        )
      ).results,
    delta,
    { cursor: isInPayments ? q.cursor?.slice(PAYMENTS_PHASE.length) : undefined, signal: q.signal },
  );
  for await (const page of changedPayments) {
    const cursorOfPayment = new Map(page.records.map((p) => [p.id, `${PAYMENTS_PHASE}${deltaCursor(p)}`]));
    const orders = await queryByIds(
      'order by payments query',
      page.records.map((p) => p.id),
      (args) => query({ ...args, where: [...args.where, ...(q.where ?? [])], sort: 'id asc' }),
      { signal: q.signal, predicate: (ids) => `paymentInfo(payments(id in (${ids})))` },
    );
    const inWindow = (o: Order) => o.lastModifiedAt >= delta.since && o.lastModifiedAt < delta.before;
    const cursorOf = (o: Order) =>
      (o.paymentInfo?.payments ?? [])
        .map((p) => cursorOfPayment.get(p.id) ?? '')
        .sort()
        .at(-1) ?? '';
    const records = orders
      .filter((o) => !inWindow(o) && (!q.since || o.createdAt >= q.since) && (!q.until || o.createdAt < q.until))
      .sort((a, b) => (cursorOf(a) < cursorOf(b) ? -1 : 1));
    if (records.length > 0) yield { records, missingIds: [], cursorOf };
  }
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

/** Whether any order was placed with this email (as given, or lower-cased). */
export async function hasOrderWithEmail(api: CommercetoolsApi, email: string, signal?: AbortSignal): Promise<boolean> {
  // Orders have no lower-cased email: as given, and lower-cased (how this service and most shops store it).
  const body = await ctCall(
    'order by email query',
    () =>
      api
        .orders()
        .get({ queryArgs: { where: [`customerEmail in (${emailForms(email)})`], limit: 1, withTotal: false } })
        .execute(),
    { signal },
  );
  return body.results.length > 0;
}
