import type { Order } from '@commercetools/platform-sdk';
import { findOrderByPayment, getOrder, paymentsOf } from '../../commercetools/orders.ts';
import { getPayment } from '../../commercetools/payments.ts';
import { guestOrderConsent } from '../../mapping/consent.ts';
import { orderToEvents } from '../../mapping/order-to-events.ts';
import type { Notification } from '../notification.ts';
import { applied, ignored, type Processor, type ProcessorContext, type ProcessResult } from '../processor.ts';
import { syncRecordConsent } from './consent.ts';
import { lineItemContext } from './line-item-context.ts';

const CREATED = new Set(['OrderCreated', 'OrderImported', 'OrderCustomerSet', 'OrderCustomerEmailSet']);
const STATE = new Set(['OrderStateChanged']);
const REFUND = new Set(['PaymentTransactionAdded', 'PaymentTransactionStateChanged']);
const PAID = new Set(['OrderPaymentStateChanged']);
const SHIPPED = new Set([
  'OrderShipmentStateChanged',
  'DeliveryAdded',
  'DeliveryItemsUpdated',
  'ParcelAddedToDelivery',
  'ParcelItemsUpdated',
  'ParcelTrackingDataUpdated',
]);
const RETURNED = new Set(['ReturnInfoAdded', 'ReturnInfoSet']);

const isMessage = (n: Notification, types: ReadonlySet<string>) =>
  n.kind === 'message' && n.type !== undefined && types.has(n.type);

/** The order's events that `pick` wants, sent one by one without the backfill flag (so flows run). */
async function sendOrderEvents(
  order: Order,
  ctx: ProcessorContext,
  pick: (metric: string) => boolean,
): Promise<ProcessResult> {
  if (await ctx.isErased({ customerId: order.customerId, email: order.customerEmail }))
    return ignored(`order ${order.id} belongs to a person erased on request`, 'erased');
  const m = orderToEvents(order, paymentsOf(order), await lineItemContext(order.lineItems, ctx), {
    ...ctx.settings.orders,
    backfill: false,
  });
  if (m.kind === 'skip') return ignored(m.reason);
  const events = m.events.filter((e) => pick(e.metric.data.attributes.name));
  if (events.length === 0) return ignored(`nothing to send for order ${order.id} in state ${order.orderState}`);
  await ctx.events.send({ profile: m.profile, events });
  return applied(`${events.length} event(s) for order ${order.id}`);
}

/**
 * Orders → the same events and unique ids as the bulk import (so a bulk re-run after real-time duplicates
 * nothing, and a message delivered twice sends nothing new): a new order → Placed Order + Ordered Product (and
 * any later event already due); a state change → Fulfilled / Cancelled Order; a payment state change → Paid
 * Order; a shipment state change, a delivery or a parcel → Shipped / Partially Shipped / Delivered Order; a return
 * → Returned Items. A change notification (ResourceUpdated) sends whichever of these the order now holds.
 */
export const orderProcessor: Processor = {
  name: 'order',
  handles: (n) => n.resourceType === 'order',
  async process(n, ctx) {
    const { metrics } = ctx.settings.orders;
    if (n.kind === 'deleted') return ignored('order deletions are not propagated (events are history)');
    const wanted = new Set<string>();
    const isCreated = isMessage(n, CREATED) || n.kind === 'created';
    if (isMessage(n, STATE)) wanted.add(metrics.fulfilledOrder).add(metrics.cancelledOrder);
    if (isMessage(n, PAID)) wanted.add(metrics.paidOrder);
    if (isMessage(n, SHIPPED))
      wanted.add(metrics.shippedOrder).add(metrics.partiallyShippedOrder).add(metrics.deliveredOrder);
    if (isMessage(n, RETURNED)) wanted.add(metrics.returnedItems);
    const isChange = n.kind === 'updated';
    if (!isCreated && !isChange && wanted.size === 0) return ignored(`order message ${n.type} is not synced`);
    const id = n.resourceId as string;
    // Read with the orders of other notifications arriving together; one commercetools lacks is read alone, so
    // its error is the single read's.
    const order = (await ctx.orders.get(id)) ?? (await getOrder(ctx.ct, id, ctx.ctBudgetMs));
    if (isCreated) {
      const sent = await sendOrderEvents(order, ctx, () => true);
      if (sent.status === 'ignored' && sent.counted === 'erased') return sent;
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
    // A change: everything after the order was placed (Klaviyo keeps one event per unique id).
    const placed = new Set([metrics.placedOrder, metrics.orderedProduct]);
    return sendOrderEvents(order, ctx, (name) => (isChange ? !placed.has(name) : wanted.has(name)));
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
