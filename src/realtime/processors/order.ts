import type { Order, Payment } from '@commercetools/platform-sdk';
import { ctCall } from '../../commercetools/client.ts';
import { fetchProducts, paymentsOf } from '../../commercetools/order-reader.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { OPERATIONS } from '../../klaviyo/operations.ts';
import type { EventAttributes, EventProfile } from '../../klaviyo/types.ts';
import { orderToEvents, type ProductSummary } from '../../mapping/order-to-events.ts';
import { productSummary } from '../../mapping/product-summary.ts';
import type { Notification } from '../notification.ts';
import type { Processor, ProcessorContext, ProcessResult } from '../processor.ts';

const CREATED = new Set(['OrderCreated', 'OrderImported', 'OrderCustomerSet', 'OrderCustomerEmailSet']);
const STATE = new Set(['OrderStateChanged']);
const REFUND = new Set(['PaymentTransactionAdded', 'PaymentTransactionStateChanged']);

async function sendEvents(klaviyo: KlaviyoHttp, profile: EventProfile, events: EventAttributes[]): Promise<void> {
  // One create_event per event (350/s): real-time volume is low and Klaviyo dedups each by unique_id.
  for (const attributes of events) {
    await klaviyo.request(OPERATIONS.createEvent, { method: 'POST', path: '/api/events', body: { data: { type: 'event', attributes: { ...attributes, profile: { data: profile } } } } });
  }
}

async function orderEvents(order: Order, ctx: ProcessorContext, pick: (metric: string) => boolean): Promise<ProcessResult> {
  const productIds = [...new Set(order.lineItems.map((li) => li.productId))];
  const products = new Map<string, ProductSummary>((await fetchProducts(ctx.ct, productIds, undefined, ctx.ctBudgetMs)).map((p) => [p.id, productSummary(p)]));
  const m = orderToEvents(order, paymentsOf(order), { products, categories: await ctx.categoryTree() }, { ...ctx.settings.orders, backfill: false });
  if (m.kind === 'skip') return { status: 'ignored', reason: m.reason };
  const events = m.events.filter((e) => pick(e.metric.data.attributes.name));
  if (events.length === 0) return { status: 'ignored', reason: `nothing to send for order ${order.id} in state ${order.orderState}` };
  await sendEvents(ctx.klaviyo, m.profile, events);
  return { status: 'applied', detail: `${events.length} event(s) for order ${order.id}` };
}

function readOrder(ctx: ProcessorContext, id: string): Promise<Order> {
  return ctCall('order read', () => ctx.ct.orders().withId({ ID: id }).get({ queryArgs: { expand: ['paymentInfo.payments[*]'] } }).execute(), { budgetMs: ctx.ctBudgetMs });
}

/**
 * Orders → the same events and unique ids as the bulk import (so a bulk re-run after real-time duplicates
 * nothing), sent without the backfill flag so flows run: a new order → Placed Order + Ordered Product (and any
 * state or refund event already due); a state change → Fulfilled / Cancelled Order.
 */
export const orderProcessor: Processor = {
  name: 'order',
  handles: (n) => n.resourceType === 'order',
  async process(n: Notification, ctx) {
    const metrics = ctx.settings.orders.metrics;
    const isCreated = (n.kind === 'message' && n.type !== undefined && CREATED.has(n.type)) || n.kind === 'created';
    const isStateChange = (n.kind === 'message' && n.type !== undefined && STATE.has(n.type)) || n.kind === 'updated';
    if (n.kind === 'deleted') return { status: 'ignored', reason: 'order deletions are not propagated (events are history)' };
    if (!isCreated && !isStateChange) return { status: 'ignored', reason: `order message ${n.type} is not synced` };
    const order = await readOrder(ctx, n.resourceId as string);
    if (isCreated) return orderEvents(order, ctx, () => true);
    return orderEvents(order, ctx, (name) => name === metrics.fulfilledOrder || name === metrics.cancelledOrder);
  },
};

/** A successful refund on a payment → Refunded Order for the order that holds the payment. */
export const paymentProcessor: Processor = {
  name: 'payment',
  handles: (n) => n.resourceType === 'payment',
  async process(n, ctx) {
    if (!(n.kind === 'message' && n.type !== undefined && REFUND.has(n.type)) && n.kind !== 'updated') return { status: 'ignored', reason: `payment notification ${n.type} is not synced` };
    const payment = await ctCall('payment read', () => ctx.ct.payments().withId({ ID: n.resourceId as string }).get().execute(), { budgetMs: ctx.ctBudgetMs });
    const hasRefund = (payment as Payment).transactions.some((t) => t.type === 'Refund' && t.state === 'Success');
    if (!hasRefund) return { status: 'ignored', reason: `payment ${payment.id} has no successful refund` };
    const found = await ctCall('order by payment', () => ctx.ct.orders().get({ queryArgs: { where: [`paymentInfo(payments(id=${JSON.stringify(payment.id)}))`], limit: 1, expand: ['paymentInfo.payments[*]'] } }).execute(), { budgetMs: ctx.ctBudgetMs });
    const order = found.results[0];
    if (!order) return { status: 'ignored', reason: `no order holds payment ${payment.id}` };
    return orderEvents(order, ctx, (name) => name === ctx.settings.orders.metrics.refundedOrder);
  },
};
