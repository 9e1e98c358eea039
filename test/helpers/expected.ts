import { type DatasetName, generateDataset } from '../../emulators/data/generate.ts';

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
  const products = of('product');
  const published = products.filter((p) => p.masterData.published);
  const variantsOf = (p: R): R[] => [p.masterData.current.masterVariant, ...p.masterData.current.variants];
  const withImage = published.filter((p) => variantsOf(p).some((v) => v.images.length > 0));
  return {
    data,
    customers: of('customer'),
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
    metrics: {
      'Placed Order': importable.length,
      'Ordered Product': importable.reduce((n, o) => n + o.lineItems.length, 0),
      'Fulfilled Order': importable.filter((o) => ['Confirmed', 'Complete'].includes(o.orderState)).length,
      'Cancelled Order': importable.filter((o) => o.orderState === 'Cancelled').length,
      'Refunded Order': importable.reduce((n, o) => n + refundsOf(o).length, 0),
    },
  };
}
