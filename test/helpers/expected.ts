import { type DatasetName, generateDataset } from '../../emulators/data/generate.ts';
import { customerToProfile } from '../../src/mapping/customer-to-profile.ts';
import { NO_FILTER } from '../../src/mapping/mapping-options.ts';

/** The consent configuration the consent, fault and crash suites run with (the generator's custom fields). */
export const CONSENT_LIST_ID = 'Cnsnt1';
export const CONSENT_ENV = {
  CONSENT_LIST_ID,
  CONSENT_EMAIL_FIELD: 'emailConsent',
  CONSENT_EMAIL_AT_FIELD: 'emailConsentAt',
  CONSENT_SMS_FIELD: 'smsConsent',
  CONSENT_SMS_AT_FIELD: 'smsConsentAt',
} as const;

type R = Record<string, any>;

/**
 * What a correct import of a generated dataset must leave in Klaviyo, derived from the data itself by the
 * rules of the user's spec (not from a previous run): the yardstick of the e2e and reliability suites.
 */
export function expectedOutcome(size: DatasetName) {
  const data = [...generateDataset({ size })];
  const of = (t: string) => data.filter((r) => r.typeId === t).map((r) => r.resource as R);
  const orders = of('order');
  const payments = new Map(of('payment').map((p) => [p.id as string, p]));
  const importable = orders.filter((o) => o.customerId || o.customerEmail);
  const refundsOf = (o: R): R[] =>
    o.paymentInfo.payments.flatMap(
      (p: R) => payments.get(p.id)?.transactions.filter((t: R) => t.type === 'Refund' && t.state === 'Success') ?? [],
    );
  /** An order's deliveries in time order, each marked complete when everything ordered is shipped by then. */
  const deliveriesOf = (o: R): Array<{ id: string; isComplete: boolean }> => {
    const shipped = new Map<string, number>();
    return [...(o.shippingInfo?.deliveries ?? [])]
      .sort((a: R, b: R) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((d: R) => {
        for (const i of d.items) shipped.set(i.id, (shipped.get(i.id) ?? 0) + i.quantity);
        return { id: d.id, isComplete: o.lineItems.every((li: R) => (shipped.get(li.id) ?? 0) >= li.quantity) };
      });
  };
  const products = of('product');
  const published = products.filter((p) => p.masterData.published);
  const variantsOf = (p: R): R[] => [p.masterData.current.masterVariant, ...p.masterData.current.variants];
  const withImage = published.filter((p) => variantsOf(p).some((v) => v.images.length > 0));
  const customers = of('customer');
  const phoneOf = (c: R): string | undefined => {
    const m = customerToProfile(c as never, { properties: NO_FILTER });
    return m.kind === 'profile' ? m.profile.attributes.phone_number : undefined;
  };
  const consentAt = (c: R, field: string) => new Date(c.custom?.fields?.[field] ?? c.lastModifiedAt).toISOString();
  return {
    data,
    customers,
    /**
     * With CONSENT_ENV: the customers subscribed to email and to SMS (by id, with the consent time Klaviyo must
     * record), and those whose consent cannot be sent (no email; no valid phone).
     */
    consent: {
      email: new Map(
        customers
          .filter((c) => c.custom?.fields?.emailConsent === true && c.email)
          .map((c) => [c.id, consentAt(c, 'emailConsentAt')]),
      ),
      sms: new Map(
        customers
          .filter((c) => c.custom?.fields?.smsConsent === true && phoneOf(c))
          .map((c) => [c.id, consentAt(c, 'smsConsentAt')]),
      ),
      emailSkipped: customers.filter((c) => c.custom?.fields?.emailConsent === true && !c.email).length,
      smsSkipped: customers.filter((c) => c.custom?.fields?.smsConsent === true && !phoneOf(c)).length,
    },
    categories: of('category'),
    products,
    published,
    withImage,
    /** Variants with a SKU of the products that are imported: the catalog variants Klaviyo must hold. */
    variants: withImage.flatMap((p) => variantsOf(p).filter((v) => v.sku)),
    orders,
    payments,
    importable,
    refundsOf,
    deliveriesOf,
    /** Events by metric (metrics with none left out, as Klaviyo lists only metrics that have events). */
    metrics: Object.fromEntries(
      Object.entries({
        'Placed Order': importable.length,
        'Ordered Product': importable.reduce((n, o) => n + o.lineItems.length, 0),
        'Fulfilled Order': importable.filter((o) => ['Confirmed', 'Complete'].includes(o.orderState)).length,
        'Cancelled Order': importable.filter((o) => o.orderState === 'Cancelled').length,
        'Refunded Order': importable.reduce((n, o) => n + refundsOf(o).length, 0),
        'Paid Order': importable.filter((o) => o.paymentState === 'Paid').length,
        // One shipment event per delivery: the last that leaves nothing unshipped is Shipped, the others Partially.
        'Shipped Order': importable.filter((o) => deliveriesOf(o).some((d) => d.isComplete)).length,
        'Partially Shipped Order': importable.reduce(
          (n, o) => n + deliveriesOf(o).filter((d) => !d.isComplete).length,
          0,
        ),
        'Delivered Order': importable.filter((o) => o.shipmentState === 'Delivered').length,
        'Returned Items': importable.reduce(
          (n, o) => n + (o.returnInfo ?? []).filter((r: R) => r.items.length > 0).length,
          0,
        ),
      }).filter(([, n]) => n > 0),
    ),
  };
}
