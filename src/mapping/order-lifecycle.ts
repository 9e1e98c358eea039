import type { Delivery, LineItem, Order, Payment, ReturnInfo, ReturnItem } from '@commercetools/platform-sdk';
import type { EventAttributes } from '../klaviyo/types.ts';
import { type LocalizedString, pickLocalized } from './localized.ts';
import { moneyToDecimal } from './money.ts';

/** The lifecycle metrics after the order is placed: payment, shipment, delivery, return. */
export interface LifecycleMetricNames {
  paidOrder: string;
  shippedOrder: string;
  partiallyShippedOrder: string;
  deliveredOrder: string;
  returnedItems: string;
}

export const DEFAULT_LIFECYCLE_METRICS: LifecycleMetricNames = {
  paidOrder: 'Paid Order',
  shippedOrder: 'Shipped Order',
  partiallyShippedOrder: 'Partially Shipped Order',
  deliveredOrder: 'Delivered Order',
  returnedItems: 'Returned Items',
};

export interface LifecycleOptions {
  metrics: LifecycleMetricNames;
  /** Payment states that send Paid Order (default Paid). */
  paidStates: string[];
  /** Shipment states that send Delivered Order (default Delivered). */
  deliveredStates: string[];
  locale?: string;
  backfill: boolean;
}

function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

const metric = (name: string): EventAttributes['metric'] => ({ data: { type: 'metric', attributes: { name } } });
const byTime = <T extends { createdAt?: string; id: string }>(a: T, b: T) =>
  (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id);

/** The value of `quantity` units of a line item, at what the customer paid per unit. */
function unitsValue(li: LineItem | undefined, quantity: number): number | undefined {
  if (!li || li.quantity === 0) return undefined;
  return Math.round((moneyToDecimal(li.totalPrice) / li.quantity) * quantity * 100) / 100;
}

function parcelsOf(d: Delivery) {
  return (d.parcels ?? []).map((p) =>
    compact({
      ParcelId: p.id,
      TrackingNumber: p.trackingData?.trackingId,
      Carrier: p.trackingData?.carrier,
      Provider: p.trackingData?.provider,
    }),
  );
}

/**
 * The lifecycle events an order holds as it is now, each with an id of the commercetools record it comes from,
 * so that the bulk import and real time (which reads the order when a message arrives) send the same events
 * and Klaviyo keeps one of each:
 * - Paid Order (order id): payment state in `paidStates`, at the last successful charge (else the order's change);
 * - Shipped Order per delivery (delivery id), Partially Shipped Order for a delivery after which some of the
 *   order is still unshipped; with its items and parcels (tracking number, carrier);
 * - Delivered Order (order id): shipment state in `deliveredStates`, with the tracking of every parcel;
 * - Returned Items per return (the id of its first item), with the items returned and their value.
 */
export function lifecycleEvents(
  order: Order,
  payments: readonly Payment[],
  base: { orderNumber?: string; total: number; currency: string },
  options: LifecycleOptions,
): EventAttributes[] {
  const events: EventAttributes[] = [];
  const backfill = options.backfill ? { backfill: true } : {};
  const { metrics } = options;
  const lineById = new Map(order.lineItems.map((li) => [li.id, li]));
  const nameOf = (li: LineItem | undefined) =>
    li ? pickLocalized(li.name as LocalizedString, options.locale) : undefined;
  const common = { OrderId: order.id, OrderNumber: base.orderNumber };
  const changedAt = order.lastModifiedAt ?? order.createdAt;

  if (order.paymentState && options.paidStates.includes(order.paymentState)) {
    const charges = payments
      .flatMap((p) => p.transactions)
      .filter((t) => t.type === 'Charge' && t.state === 'Success' && t.timestamp)
      .map((t) => t.timestamp as string)
      .sort();
    events.push({
      metric: metric(metrics.paidOrder),
      time: charges.at(-1) ?? changedAt,
      value: base.total,
      value_currency: base.currency,
      unique_id: order.id,
      properties: compact({ ...common, PaymentState: order.paymentState }),
      ...backfill,
    });
  }

  const deliveries = [...(order.shippingInfo?.deliveries ?? [])].sort(byTime);
  const ordered = new Map(order.lineItems.map((li) => [li.id, li.quantity]));
  const shipped = new Map<string, number>();
  for (const d of deliveries) {
    for (const item of d.items) shipped.set(item.id, (shipped.get(item.id) ?? 0) + item.quantity);
    const isComplete = [...ordered].every(([id, q]) => (shipped.get(id) ?? 0) >= q);
    const items = d.items.map((item) => {
      const li = lineById.get(item.id);
      return compact({
        LineItemId: item.id,
        ProductID: li?.productId,
        SKU: li?.variant.sku,
        ProductName: nameOf(li),
        Quantity: item.quantity,
        RowTotal: unitsValue(li, item.quantity),
      });
    });
    const parcels = parcelsOf(d);
    events.push({
      metric: metric(isComplete ? metrics.shippedOrder : metrics.partiallyShippedOrder),
      time: d.createdAt,
      value: Math.round(items.reduce((n, i) => n + ((i.RowTotal as number | undefined) ?? 0), 0) * 100) / 100,
      value_currency: base.currency,
      unique_id: d.id,
      properties: compact({
        ...common,
        DeliveryId: d.id,
        Items: items,
        ItemNames: [...new Set(items.map((i) => i.ProductName).filter(Boolean))],
        Parcels: parcels,
        TrackingNumbers: parcels.map((p) => p.TrackingNumber).filter(Boolean),
        Carriers: [...new Set(parcels.map((p) => p.Carrier).filter(Boolean))],
        ShipmentState: order.shipmentState,
      }),
      ...backfill,
    });
  }

  if (order.shipmentState && options.deliveredStates.includes(order.shipmentState)) {
    const parcels = deliveries.flatMap(parcelsOf);
    events.push({
      metric: metric(metrics.deliveredOrder),
      time: changedAt,
      value: base.total,
      value_currency: base.currency,
      unique_id: order.id,
      properties: compact({
        ...common,
        ShipmentState: order.shipmentState,
        Parcels: parcels,
        TrackingNumbers: parcels.map((p) => p.TrackingNumber).filter(Boolean),
        Carriers: [...new Set(parcels.map((p) => p.Carrier).filter(Boolean))],
      }),
      ...backfill,
    });
  }

  for (const r of order.returnInfo ?? []) {
    const event = returnEvent(r, lineById, nameOf, base.currency, metrics.returnedItems);
    if (event) events.push({ ...event, properties: { ...common, ...event.properties }, ...backfill });
  }
  return events;
}

function returnEvent(
  r: ReturnInfo,
  lineById: ReadonlyMap<string, LineItem>,
  nameOf: (li: LineItem | undefined) => string | undefined,
  currency: string,
  name: string,
): EventAttributes | undefined {
  const items = [...r.items].sort(byTime);
  const first = items[0];
  if (!first) return undefined;
  const lineOf = (i: ReturnItem) => (i.type === 'LineItemReturnItem' ? lineById.get(i.lineItemId) : undefined);
  const rows = items.map((i) => {
    const li = lineOf(i);
    return compact({
      ReturnItemId: i.id,
      LineItemId: i.type === 'LineItemReturnItem' ? i.lineItemId : undefined,
      ProductID: li?.productId,
      SKU: li?.variant.sku,
      ProductName: nameOf(li),
      Quantity: i.quantity,
      RowTotal: unitsValue(li, i.quantity),
      Comment: i.comment,
      ShipmentState: i.shipmentState,
      PaymentState: i.paymentState,
    });
  });
  return {
    metric: metric(name),
    time: first.createdAt,
    value: Math.round(rows.reduce((n, i) => n + ((i.RowTotal as number | undefined) ?? 0), 0) * 100) / 100,
    value_currency: currency,
    unique_id: first.id,
    properties: compact({
      Items: rows,
      ItemNames: [...new Set(rows.map((i) => i.ProductName).filter(Boolean))],
      ItemCount: rows.reduce((n, i) => n + (i.Quantity as number), 0),
      ReturnTrackingId: r.returnTrackingId,
      ReturnDate: r.returnDate,
    }),
  };
}
