import type { Order } from '@commercetools/platform-sdk';
import { findOrderByPayment, getOrder, paymentsOf } from '../../commercetools/orders.ts';
import { getPayment } from '../../commercetools/payments.ts';
import { fetchProducts } from '../../commercetools/products.ts';
import { createEvents } from '../../klaviyo/events.ts';
import { guestOrderConsent } from '../../mapping/consent.ts';
import { orderToEvents, type ProductSummary } from '../../mapping/order-to-events.ts';
import { productSummary } from '../../mapping/product-summary.ts';
import type { Notification } from '../notification.ts';
import { applied, ignored, type Processor, type ProcessorContext, type ProcessResult } from '../processor.ts';
import { syncRecordConsent } from './consent.ts';

const CREATED = new Set(['OrderCreated', 'OrderImported', 'OrderCustomerSet', 'OrderCustomerEmailSet']);
const STATE = new Set(['OrderStateChanged']);
const REFUND = new Set(['PaymentTransactionAdded', 'PaymentTransactionStateChanged']);

const isMessage = (n: Notification, types: ReadonlySet<string>) =>
  n.kind === 'message' && n.type !== undefined && types.has(n.type);

/** The order's events that `pick` wants, sent one by one without the backfill flag (so flows run). */
async function sendOrderEvents(
  order: Order,
  ctx: ProcessorContext,
  pick: (metric: string) => boolean,
): Promise<ProcessResult> {
  const productIds = [...new Set(order.lineItems.map((li) => li.productId))];
  const products = new Map<string, ProductSummary>(
    (await fetchProducts(ctx.ct, productIds, undefined, ctx.ctBudgetMs)).map((p) => [p.id, productSummary(p)]),
  );
  const m = orderToEvents(
    order,
    paymentsOf(order),
    { products, categories: await ctx.categoryTree() },
    { ...ctx.settings.orders, backfill: false },
  );
  if (m.kind === 'skip') return ignored(m.reason);
  const events = m.events.filter((e) => pick(e.metric.data.attributes.name));
  if (events.length === 0) return ignored(`nothing to send for order ${order.id} in state ${order.orderState}`);
  await createEvents(ctx.klaviyo, { profile: m.profile, events });
  return applied(`${events.length} event(s) for order ${order.id}`);
}

/**
 * Orders → the same events and unique ids as the bulk import (so a bulk re-run after real-time duplicates
 * nothing): a new order → Placed Order + Ordered Product (and any state or refund event already due); a state
 * change → Fulfilled / Cancelled Order.
 */
export const orderProcessor: Processor = {
  name: 'order',
  handles: (n) => n.resourceType === 'order',
  async process(n, ctx) {
    const { metrics } = ctx.settings.orders;
    if (n.kind === 'deleted') return ignored('order deletions are not propagated (events are history)');
    const isCreated = isMessage(n, CREATED) || n.kind === 'created';
    const isStateChange = isMessage(n, STATE) || n.kind === 'updated';
    if (!isCreated && !isStateChange) return ignored(`order message ${n.type} is not synced`);
    const order = await getOrder(ctx.ct, n.resourceId as string, ctx.ctBudgetMs);
    if (isCreated) {
      const sent = await sendOrderEvents(order, ctx, () => true);
      const consent = ctx.settings.consent;
      const said = await syncRecordConsent(
        ctx,
        order.id,
        consent ? guestOrderConsent(order, consent) : undefined,
        'email',
      );
      if (!said) return sent;
      return sent.status === 'applied' ? applied(`${sent.detail}${said}`) : applied(`${sent.reason}${said}`);
    }
    return sendOrderEvents(order, ctx, (name) => name === metrics.fulfilledOrder || name === metrics.cancelledOrder);
  },
};

/** A successful refund on a payment → Refunded Order for the order that holds the payment. */
export const paymentProcessor: Processor = {
  name: 'payment',
  handles: (n) => n.resourceType === 'payment',
  async process(n, ctx) {
    if (!isMessage(n, REFUND) && n.kind !== 'updated') return ignored(`payment notification ${n.type} is not synced`);
    const payment = await getPayment(ctx.ct, n.resourceId as string, ctx.ctBudgetMs);
    if (!payment.transactions.some((t) => t.type === 'Refund' && t.state === 'Success'))
      return ignored(`payment ${payment.id} has no successful refund`);
    const order = await findOrderByPayment(ctx.ct, payment.id, ctx.ctBudgetMs);
    if (!order) return ignored(`no order holds payment ${payment.id}`);
    return sendOrderEvents(order, ctx, (name) => name === ctx.settings.orders.metrics.refundedOrder);
  },
};
