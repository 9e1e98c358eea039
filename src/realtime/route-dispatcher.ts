import type { Cart, Customer, Order } from '@commercetools/platform-sdk';
import type { Notification } from './notification.ts';
import { applied, type ProcessResult } from './processor.ts';

/** What dispatches a notification: one route's processors, or the router over every route's. */
export interface NotificationDispatcher {
  dispatch(n: Notification): Promise<ProcessResult>;
}

/** How the router learns a notification's store: the resource as commercetools has it now. */
export interface StoreLookups {
  order(id: string): Promise<Order | undefined>;
  customer(id: string): Promise<Customer | undefined>;
  cart(id: string): Promise<Cart | undefined>;
  orderOfPayment(id: string): Promise<Order | undefined>;
}

const CATALOG = new Set(['product', 'category', 'inventory-entry']);

/**
 * Several stores, several Klaviyo accounts: each notification goes to the route of its resource's store — an order,
 * cart or payment to its order's store, a customer to each routed store it belongs to (several accounts at once),
 * the catalog to every account — and to the default route when it belongs to no routed store. Every route reads
 * the resource again and acts as it would alone; a failure of any route is the notification's (redelivered or
 * dead-lettered as a whole: writes are safe to repeat).
 */
export class RoutingDispatcher implements NotificationDispatcher {
  constructor(
    /** The default route's dispatcher, then each routed store's by key. */
    private readonly fallback: NotificationDispatcher,
    private readonly stores: ReadonlyMap<string, NotificationDispatcher>,
    private readonly lookups: StoreLookups,
  ) {}

  async dispatch(n: Notification): Promise<ProcessResult> {
    const targets = await this.targets(n);
    const results = await Promise.all(targets.map(async ([name, d]) => [name, await d.dispatch(n)] as const));
    if (results.length === 1) return results[0][1];
    const done = results.filter(([, r]) => r.status === 'applied');
    if (done.length === 0) return results[0][1];
    return applied(done.map(([name, r]) => `${name}: ${r.status === 'applied' ? r.detail : ''}`).join('; '));
  }

  private async targets(n: Notification): Promise<Array<[string, NotificationDispatcher]>> {
    const all: Array<[string, NotificationDispatcher]> = [['default', this.fallback], ...this.stores];
    if (n.kind === 'test' || n.kind === 'unknown' || n.kind === 'event' || !n.resourceId) return [all[0]];
    if (CATALOG.has(n.resourceType ?? '')) return all;
    const routed = (keys: Array<string | undefined>): Array<[string, NotificationDispatcher]> => {
      const matched = keys.flatMap((k) => {
        const d = k ? this.stores.get(k) : undefined;
        return d && k ? [[k, d] as [string, NotificationDispatcher]] : [];
      });
      return matched.length ? matched : [all[0]];
    };
    const id = n.resourceId;
    switch (n.resourceType) {
      case 'order':
        return routed([(await this.lookups.order(id))?.store?.key]);
      case 'payment':
        return routed([(await this.lookups.orderOfPayment(id))?.store?.key]);
      case 'cart':
        return routed([(await this.lookups.cart(id))?.store?.key]);
      case 'customer':
        return routed(((await this.lookups.customer(id))?.stores ?? []).map((s) => s.key));
      default:
        return [all[0]];
    }
  }
}
