import type { LineItem, Order, Payment, Transaction } from '@commercetools/platform-sdk';
import type { EventAttributes, EventProfile } from '../klaviyo/types.ts';
import { type CategoryNode, categoryBreadcrumbs } from './category-tree.ts';
import { type LocalizedString, pickLocalized } from './localized.ts';
import type { PropertyFilter } from './mapping-options.ts';
import { moneyToDecimal } from './money.ts';
import { DEFAULT_LIFECYCLE_METRICS, type LifecycleMetricNames, lifecycleEvents } from './order-lifecycle.ts';
import { filterProperties } from './property-filter.ts';

export interface OrderMetricNames extends LifecycleMetricNames {
  /** Carts (real time only): see cart-to-event.ts. */
  startedCheckout: string;
  placedOrder: string;
  orderedProduct: string;
  fulfilledOrder: string;
  cancelledOrder: string;
  refundedOrder: string;
}

export const DEFAULT_ORDER_METRICS: OrderMetricNames = {
  placedOrder: 'Placed Order',
  orderedProduct: 'Ordered Product',
  fulfilledOrder: 'Fulfilled Order',
  cancelledOrder: 'Cancelled Order',
  refundedOrder: 'Refunded Order',
  ...DEFAULT_LIFECYCLE_METRICS,
  startedCheckout: 'Started Checkout',
};

export interface OrderMappingOptions {
  metrics: OrderMetricNames;
  fulfilledStates: string[];
  cancelledStates: string[];
  /** Payment states that send Paid Order (default Paid). */
  paidStates: string[];
  /** Shipment states that send Delivered Order (default Delivered). */
  deliveredStates: string[];
  properties: PropertyFilter;
  preferredLocale?: string;
  /** `order`: names in the order's own locale when it has one, else `preferredLocale`. */
  textLocale?: 'order' | 'preferred';
  productUrlTemplate?: string;
  /** Record without triggering flows (bulk import default). */
  backfill: boolean;
}

/** What the events need of a product: names, slug, categories, an image per variant. */
export interface ProductSummary {
  id: string;
  name?: LocalizedString;
  slug?: LocalizedString;
  categoryIds: string[];
  imageByVariantId: Record<number, string>;
}

export interface OrderContext {
  products: ReadonlyMap<string, ProductSummary>;
  categories: ReadonlyMap<string, CategoryNode>;
}

export type OrderMapping =
  | { kind: 'events'; profile: EventProfile; events: EventAttributes[] }
  | { kind: 'skip'; reason: string };

function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

function metric(name: string): EventAttributes['metric'] {
  return { data: { type: 'metric', attributes: { name } } };
}

function productUrl(template: string | undefined, slug: string | undefined): string | undefined {
  return template && slug ? template.replace('{{productSlug}}', encodeURIComponent(slug)) : undefined;
}

interface LineDetails {
  ProductID: string;
  VariantID: number;
  SKU?: string;
  ProductName?: string;
  Quantity: number;
  ItemPrice: number;
  RowTotal: number;
  ImageURL?: string;
  ProductURL?: string;
  Categories: string[];
}

/** The locale names and slugs are picked in: the order's own with ORDER_TEXT_LOCALE=order, else the preferred one. */
export function textLocale(
  order: { locale?: string },
  options: Pick<OrderMappingOptions, 'textLocale' | 'preferredLocale'>,
) {
  return options.textLocale === 'order' ? (order.locale ?? options.preferredLocale) : options.preferredLocale;
}

/** A line item as Placed Order's `Items` (and Started Checkout's) show it. */
export function lineDetails(
  li: LineItem,
  ctx: OrderContext,
  options: Pick<OrderMappingOptions, 'preferredLocale' | 'productUrlTemplate'>,
): LineDetails {
  const product = ctx.products.get(li.productId);
  const slug =
    pickLocalized(li.productSlug as LocalizedString | undefined, options.preferredLocale) ??
    pickLocalized(product?.slug, options.preferredLocale);
  const categories = [
    ...new Set(
      (product?.categoryIds ?? []).flatMap((id) => categoryBreadcrumbs(id, ctx.categories, options.preferredLocale)),
    ),
  ];
  return {
    ProductID: li.productId,
    VariantID: li.variant.id,
    SKU: li.variant.sku,
    ProductName:
      pickLocalized(li.name as LocalizedString, options.preferredLocale) ??
      pickLocalized(product?.name, options.preferredLocale),
    Quantity: li.quantity,
    ItemPrice: moneyToDecimal(li.price.value),
    RowTotal: moneyToDecimal(li.totalPrice),
    ImageURL: li.variant.images?.[0]?.url ?? product?.imageByVariantId[li.variant.id],
    ProductURL: productUrl(options.productUrlTemplate, slug),
    Categories: categories,
  };
}

/** Successful refunds across the order's payments, each its own event. */
export function successfulRefunds(payments: readonly Payment[]): Array<{ payment: Payment; transaction: Transaction }> {
  return payments.flatMap((payment) =>
    payment.transactions
      .filter((t) => t.type === 'Refund' && t.state === 'Success')
      .map((transaction) => ({ payment, transaction })),
  );
}

/**
 * commercetools order (+ its payments) → Klaviyo events with deterministic unique ids, so re-running an
 * import (or real-time after bulk) never duplicates: Placed Order (order id), Ordered Product (line item id),
 * Fulfilled / Cancelled Order (order id, another metric), Refunded Order (refund transaction id).
 */
export function orderToEvents(
  order: Order,
  payments: readonly Payment[],
  ctx: OrderContext,
  orderOptions: OrderMappingOptions,
): OrderMapping {
  const options = { ...orderOptions, preferredLocale: textLocale(order, orderOptions) };
  const email = order.customerEmail?.trim() || undefined;
  const externalId = order.customerId || undefined;
  if (!email && !externalId) return { kind: 'skip', reason: 'order has neither a customer email nor a customer id' };
  const profile: EventProfile = {
    type: 'profile',
    attributes: compact({ email, external_id: externalId }) as EventProfile['attributes'],
  };
  const currency = order.totalPrice.currencyCode;
  const total = moneyToDecimal(order.totalPrice);
  const lines = order.lineItems.map((li) => lineDetails(li, ctx, options));
  const customNames = (order.customLineItems ?? [])
    .map((c) => pickLocalized(c.name as LocalizedString, options.preferredLocale))
    .filter((n): n is string => Boolean(n));
  const itemNames = [
    ...new Set([...lines.map((l) => l.ProductName).filter((n): n is string => Boolean(n)), ...customNames]),
  ];
  const categories = [...new Set(lines.flatMap((l) => l.Categories))];
  const billing = order.billingAddress;
  const base = compact({
    OrderId: order.id,
    OrderNumber: order.orderNumber,
    ItemNames: itemNames,
    Categories: categories,
    Items: lines.map((l) => compact({ ...l })),
    ItemCount:
      lines.reduce((n, l) => n + l.Quantity, 0) + (order.customLineItems ?? []).reduce((n, c) => n + c.quantity, 0),
    CustomItems: (order.customLineItems ?? []).map((c) =>
      compact({
        Name: pickLocalized(c.name as LocalizedString, options.preferredLocale),
        Quantity: c.quantity,
        RowTotal: moneyToDecimal(c.totalPrice),
      }),
    ),
    // The codes customers typed (expanded with the order); a code deleted since is known only by its id.
    DiscountCodes: (order.discountCodes ?? []).map((d) => d.discountCode.obj?.code ?? d.discountCode.id),
    DiscountValue: discountValue(order),
    ShippingMethod: order.shippingInfo?.shippingMethodName,
    ShippingCost: order.shippingInfo ? moneyToDecimal(order.shippingInfo.price) : undefined,
    OrderState: order.orderState,
    PaymentState: order.paymentState,
    ShipmentState: order.shipmentState,
    BillingCity: billing?.city,
    BillingRegion: billing?.region ?? billing?.state,
    BillingCountry: billing?.country,
    Locale: order.locale,
    Currency: currency,
    ...((order.custom?.fields as Record<string, unknown> | undefined) ?? {}),
  });
  const properties = filterProperties(base, options.properties) ?? {};
  const backfill = options.backfill ? { backfill: true } : {};
  const events: EventAttributes[] = [
    {
      metric: metric(options.metrics.placedOrder),
      time: order.createdAt,
      value: total,
      value_currency: currency,
      unique_id: order.id,
      properties,
      ...backfill,
    },
  ];
  order.lineItems.forEach((li, i) => {
    const l = lines[i];
    events.push({
      metric: metric(options.metrics.orderedProduct),
      time: order.createdAt,
      value: l.RowTotal,
      value_currency: currency,
      unique_id: li.id,
      properties: compact({
        OrderId: order.id,
        OrderNumber: order.orderNumber,
        ProductID: l.ProductID,
        VariantID: l.VariantID,
        SKU: l.SKU,
        ProductName: l.ProductName,
        Quantity: l.Quantity,
        ItemPrice: l.ItemPrice,
        RowTotal: l.RowTotal,
        Categories: l.Categories,
        ImageURL: l.ImageURL,
        ProductURL: l.ProductURL,
      }),
      ...backfill,
    });
  });
  const stateTime = order.lastModifiedAt ?? order.createdAt;
  if (order.orderState && options.fulfilledStates.includes(order.orderState)) {
    events.push({
      metric: metric(options.metrics.fulfilledOrder),
      time: stateTime,
      value: total,
      value_currency: currency,
      unique_id: order.id,
      properties,
      ...backfill,
    });
  }
  if (order.orderState && options.cancelledStates.includes(order.orderState)) {
    events.push({
      metric: metric(options.metrics.cancelledOrder),
      time: stateTime,
      value: total,
      value_currency: currency,
      unique_id: order.id,
      properties,
      ...backfill,
    });
  }
  for (const { payment, transaction } of successfulRefunds(payments)) {
    events.push({
      metric: metric(options.metrics.refundedOrder),
      time: transaction.timestamp ?? payment.lastModifiedAt,
      value: moneyToDecimal(transaction.amount),
      value_currency: transaction.amount.currencyCode,
      unique_id: transaction.id,
      properties: compact({
        OrderId: order.id,
        OrderNumber: order.orderNumber,
        RefundAmount: moneyToDecimal(transaction.amount),
        OrderTotal: total,
        ItemNames: itemNames,
        Categories: categories,
        PaymentMethod: payment.paymentMethodInfo?.method,
      }),
      ...backfill,
    });
  }
  events.push(
    ...lifecycleEvents(
      order,
      payments,
      { orderNumber: order.orderNumber, total, currency },
      {
        metrics: options.metrics,
        paidStates: options.paidStates,
        deliveredStates: options.deliveredStates,
        locale: options.preferredLocale,
        backfill: options.backfill,
      },
    ),
  );
  // Every event says which store the order was placed in (several stores may feed one account).
  const store = order.store?.key;
  if (store) for (const e of events) e.properties = { ...e.properties, Store: store };
  return { kind: 'events', profile, events };
}

/**
 * What discounts took off the order, where it shows any: line items' discounted prices (their undiscounted price
 * times quantity, less what they cost) and a discount on the total price. Undefined when there is none.
 */
export function discountValue(order: Order): number | undefined {
  let cents = order.discountOnTotalPrice?.discountedAmount.centAmount ?? 0;
  for (const li of order.lineItems) {
    if (!li.discountedPricePerQuantity?.length) continue;
    cents += Math.max(0, li.price.value.centAmount * li.quantity - li.totalPrice.centAmount);
  }
  if (cents <= 0) return undefined;
  return moneyToDecimal({ ...order.totalPrice, centAmount: cents });
}
