import { findCart } from '../../commercetools/carts.ts';
import { cartToStartedCheckout } from '../../mapping/cart-to-event.ts';
import { applied, ignored, type Processor } from '../processor.ts';
import { lineItemContext } from './line-item-context.ts';

/**
 * Carts → Started Checkout (STARTED_CHECKOUT=true): any cart notification reads the cart as it is now; an active
 * cart with an email (or a customer) and line items sends Started Checkout, at most once per cart and window
 * (the event's unique id), so a cart changed many times in a window sends one. Never backfilled: carts are not
 * part of the bulk import. Anonymous, empty, merged, ordered and frozen carts are ignored, with the reason.
 */
export const cartProcessor: Processor = {
  name: 'cart',
  handles: (n) => n.resourceType === 'cart',
  async process(n, ctx) {
    // Switched off unless STARTED_CHECKOUT=true (create-realtime), so the settings are there.
    const checkout = ctx.settings.startedCheckout;
    if (!checkout) return ignored('Started Checkout is off (STARTED_CHECKOUT)');
    if (n.kind === 'deleted') return ignored('cart deletions send nothing');
    const cart = await findCart(ctx.ct, n.resourceId as string, ctx.ctBudgetMs);
    if (!cart) return ignored(`cart ${n.resourceId} is not in commercetools`);
    if (await ctx.isErased({ customerId: cart.customerId, email: cart.customerEmail }))
      return ignored(`cart ${cart.id} belongs to a person erased on request`, 'erased');
    const m = cartToStartedCheckout(cart, await lineItemContext(cart.lineItems, ctx), ctx.settings.orders, {
      metricName: ctx.settings.orders.metrics.startedCheckout,
      checkoutUrlTemplate: checkout.checkoutUrlTemplate,
      windowMinutes: checkout.windowMinutes,
    });
    if (m.kind === 'skip') return ignored(m.reason, m.isAnonymous ? 'anonymous-cart' : undefined);
    await ctx.events.send({ profile: m.profile, events: [m.event] });
    return applied(`Started Checkout for cart ${cart.id}`);
  },
};
