import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadKlaviyoSpec } from '../../emulators/klaviyo/spec.ts';
import { SpecValidator } from '../../emulators/klaviyo/validation.ts';
import { cartToStartedCheckout } from '../../src/mapping/cart-to-event.ts';
import { customerToProfile } from '../../src/mapping/customer-to-profile.ts';
import { NO_FILTER } from '../../src/mapping/mapping-options.ts';
import { DEFAULT_ORDER_METRICS, orderToEvents } from '../../src/mapping/order-to-events.ts';
import { productToCatalog } from '../../src/mapping/product-to-catalog.ts';

/**
 * Any commercetools-shaped input yields either a payload Klaviyo's published schema accepts or a typed skip
 * reason — never a crash. The validator is the emulator's, built from Klaviyo's OpenAPI file.
 */
const spec = loadKlaviyoSpec();
const validator = spec ? new SpecValidator(spec, { rejectUnknownFields: true }) : undefined;
const RUNS = 300;

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '😀', "Zoë O'Brien", '名前'),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const localized = fc.dictionary(fc.constantFrom('en', 'de', 'en-US', 'fr-CA', 'nl'), text, { maxKeys: 3 });
const money = fc.record({
  type: fc.constant('centPrecision'),
  currencyCode: fc.constantFrom('EUR', 'USD', 'JPY', 'KWD'),
  centAmount: fc.integer({ min: 0, max: 10_000_000_000 }),
  fractionDigits: fc.constantFrom(0, 2, 3),
});
const address = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }),
  country: fc.constantFrom('DE', 'US', 'GB', 'JP', 'XX', ''),
  streetName: maybe(text),
  streetNumber: maybe(text),
  city: maybe(text),
  postalCode: maybe(text),
  region: maybe(text),
  phone: maybe(fc.oneof(text, fc.constantFrom('+49 30 1234567', '030 1234567', '(555) 123-4567', '12'))),
  mobile: maybe(fc.constantFrom('+49 151 23456789', 'not a phone')),
});
const jsonValue = fc.oneof(
  fc.integer(),
  fc.boolean(),
  text,
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const lineItem = fc.record({
  id: fc.uuid(),
  productId: fc.uuid(),
  name: localized,
  productSlug: maybe(localized),
  variant: fc.record({
    id: fc.integer({ min: 1, max: 200 }),
    sku: maybe(text),
    images: fc.array(fc.record({ url: fc.webUrl() }), { maxLength: 2 }),
  }),
  price: fc.record({ value: money }),
  quantity: fc.integer({ min: 1, max: 1000 }),
  totalPrice: money,
});
const isoDate = fc
  .date({ min: new Date('1995-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
const delivery = fc.record({
  id: fc.uuid(),
  createdAt: isoDate,
  items: fc.array(fc.record({ id: fc.uuid(), quantity: fc.integer({ min: 0, max: 50 }) }), { maxLength: 3 }),
  parcels: fc.array(
    fc.record({
      id: fc.uuid(),
      createdAt: isoDate,
      items: fc.constant([]),
      trackingData: maybe(fc.record({ trackingId: maybe(text), carrier: maybe(text), isReturn: fc.boolean() })),
    }),
    { maxLength: 2 },
  ),
});
const returnInfo = fc.record({
  returnTrackingId: maybe(text),
  items: fc.array(
    fc.record({
      type: fc.constant('LineItemReturnItem'),
      id: fc.uuid(),
      lineItemId: fc.uuid(),
      quantity: fc.integer({ min: 1, max: 5 }),
      comment: maybe(text),
      shipmentState: fc.constantFrom('Advised', 'Returned', 'BackInStock', 'Unusable'),
      paymentState: fc.constantFrom('NonRefundable', 'Initial', 'Refunded', 'NotRefunded'),
      createdAt: isoDate,
    }),
    { maxLength: 3 },
  ),
});

describe.skipIf(!validator)('mapper properties', () => {
  it('customers → a valid profile-import body, or a skip reason', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.oneof(fc.uuid(), fc.constant('')),
          email: maybe(fc.oneof(fc.emailAddress(), text)),
          firstName: maybe(text),
          lastName: maybe(text),
          title: maybe(text),
          companyName: maybe(text),
          locale: maybe(fc.constantFrom('en', 'de-DE', 'nl')),
          addresses: fc.array(address, { maxLength: 3 }),
          defaultBillingAddressId: maybe(fc.string({ maxLength: 8 })),
          billingAddressIds: maybe(fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 })),
          custom: maybe(
            fc.record({
              type: fc.constant({ typeId: 'type', id: 't' }),
              fields: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), jsonValue, { maxKeys: 5 }),
            }),
          ),
        }),
        (customer) => {
          const m = customerToProfile(customer as never, { properties: NO_FILTER });
          if (m.kind === 'skip') {
            expect(m.reason).toMatch(/\w/);
            return true;
          }
          expect(validator?.validateBody('create_or_update_profile', { data: m.profile })).toEqual([]);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('orders → a valid bulk events body, or a skip reason', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.uuid(),
          orderNumber: maybe(text),
          customerId: maybe(fc.uuid()),
          customerEmail: maybe(fc.emailAddress()),
          createdAt: fc
            .date({ min: new Date('1995-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          lastModifiedAt: fc
            .date({ min: new Date('1995-01-01'), max: new Date('2026-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
          orderState: fc.constantFrom('Open', 'Confirmed', 'Complete', 'Cancelled'),
          paymentState: maybe(fc.constantFrom('BalanceDue', 'Failed', 'Pending', 'CreditOwed', 'Paid')),
          shipmentState: maybe(
            fc.constantFrom('Shipped', 'Delivered', 'Ready', 'Pending', 'Delayed', 'Partial', 'Backorder'),
          ),
          shippingInfo: maybe(
            fc.record({ shippingMethodName: text, price: money, deliveries: fc.array(delivery, { maxLength: 3 }) }),
          ),
          returnInfo: fc.array(returnInfo, { maxLength: 2 }),
          totalPrice: money,
          lineItems: fc.array(lineItem, { maxLength: 4 }),
          customLineItems: fc.array(
            fc.record({ id: fc.uuid(), name: localized, quantity: fc.integer({ min: 1, max: 5 }), totalPrice: money }),
            { maxLength: 2 },
          ),
          custom: maybe(
            fc.record({ fields: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), jsonValue, { maxKeys: 4 }) }),
          ),
        }),
        (order) => {
          const m = orderToEvents(
            order as never,
            [],
            { products: new Map(), categories: new Map() },
            {
              metrics: DEFAULT_ORDER_METRICS,
              fulfilledStates: ['Confirmed', 'Complete'],
              cancelledStates: ['Cancelled'],
              paidStates: ['Paid'],
              deliveredStates: ['Delivered'],
              properties: NO_FILTER,
              backfill: true,
            },
          );
          if (m.kind === 'skip') {
            expect(m.reason).toMatch(/\w/);
            return true;
          }
          const body = {
            data: {
              type: 'event-bulk-create-job',
              attributes: {
                'events-bulk-create': {
                  data: [
                    {
                      type: 'event-bulk-create',
                      attributes: {
                        profile: { data: m.profile },
                        events: { data: m.events.map((attributes) => ({ type: 'event', attributes })) },
                      },
                    },
                  ],
                },
              },
            },
          };
          expect(validator?.validateBody('bulk_create_events', body)).toEqual([]);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('carts → a valid create_event body (Started Checkout), or a skip reason', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.uuid(),
          cartState: fc.constantFrom('Active', 'Active', 'Merged', 'Ordered', 'Frozen'),
          customerId: maybe(fc.uuid()),
          customerEmail: maybe(fc.emailAddress()),
          anonymousId: maybe(fc.uuid()),
          locale: maybe(fc.constantFrom('en', 'de', 'fr-CA')),
          createdAt: isoDate,
          lastModifiedAt: isoDate,
          totalPrice: money,
          lineItems: fc.array(lineItem, { maxLength: 4 }),
          customLineItems: fc.array(
            fc.record({ id: fc.uuid(), name: localized, quantity: fc.integer({ min: 1, max: 5 }), totalPrice: money }),
            { maxLength: 2 },
          ),
        }),
        fc.integer({ min: 1, max: 10_080 }),
        (cart, windowMinutes) => {
          const m = cartToStartedCheckout(
            cart as never,
            { products: new Map(), categories: new Map() },
            { preferredLocale: 'en', productUrlTemplate: 'https://shop/p/{{productSlug}}' },
            { metricName: 'Started Checkout', checkoutUrlTemplate: 'https://shop/c/{{cartId}}', windowMinutes },
          );
          if (m.kind === 'skip') {
            expect(m.reason).toMatch(/\w/);
            return true;
          }
          const body = { data: { type: 'event', attributes: { ...m.event, profile: { data: m.profile } } } };
          expect(validator?.validateBody('create_event', body)).toEqual([]);
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('products → valid catalog item and variant bodies, or a skip reason', () => {
    const price = fc.record({
      id: fc.uuid(),
      value: money,
      customerGroup: maybe(fc.constant({ id: 'g' })),
      validFrom: maybe(fc.constant('2020-01-01T00:00:00Z')),
      validUntil: maybe(fc.constantFrom('2021-01-01T00:00:00Z', '2099-01-01T00:00:00Z')),
    });
    const variant = fc.record({
      id: fc.integer({ min: 1, max: 500 }),
      sku: maybe(fc.string({ minLength: 1, maxLength: 20 })),
      prices: fc.array(price, { maxLength: 3 }),
      images: fc.array(fc.record({ url: fc.webUrl() }), { maxLength: 2 }),
      availability: maybe(
        fc.record({
          availableQuantity: maybe(fc.integer({ min: 0, max: 1000 })),
          channels: maybe(
            fc.dictionary(
              fc.constantFrom('c1', 'c2'),
              fc.record({ availableQuantity: maybe(fc.integer({ min: 0, max: 10 })) }),
            ),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.record({
          name: localized,
          slug: localized,
          description: maybe(localized),
          categories: fc.constant([]),
          masterVariant: variant,
          variants: fc.array(variant, { maxLength: 4 }),
        }),
        (id, data) => {
          const m = productToCatalog(id, data as never, new Map(), {
            productUrlTemplate: 'https://shop/{{productSlug}}',
            allowImageless: false,
            inventoryChannelId: 'c1',
            nowMs: Date.parse('2026-06-01'),
            preferredCurrency: 'EUR',
          });
          if (m.kind === 'skip') {
            expect(m.reason).toMatch(/\w/);
            return true;
          }
          const item = {
            type: 'catalog-item',
            attributes: { ...m.product.item, integration_type: '$custom', catalog_type: '$default' },
          };
          expect(validator?.validateBody('create_catalog_item', { data: item })).toEqual([]);
          for (const v of m.product.variants) {
            const body = {
              data: {
                type: 'catalog-variant',
                attributes: { ...v.attributes, integration_type: '$custom', catalog_type: '$default' },
                relationships: { item: { data: { type: 'catalog-item', id: m.product.itemId } } },
              },
            };
            expect(validator?.validateBody('create_catalog_variant', body)).toEqual([]);
          }
          return true;
        },
      ),
      { numRuns: RUNS },
    );
  });
});
