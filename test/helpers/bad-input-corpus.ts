import { generateDataset } from '../../emulators/data/generate.ts';

/**
 * A corpus of awkward commercetools data, loaded beside the tiny dataset: no email, unusable phones, huge and
 * emoji strings, a 150 KB custom field, an 8-level category tree, 151 variants, KWD/JPY amounts, nulls where
 * types say optional, a dangling product reference, orders beyond Klaviyo's event ingestion limits.
 */
type R = Record<string, any>;
export const tinyDataset = [...generateDataset({ size: 'tiny' })];
const template = (type: string) => tinyDataset.find((r) => r.typeId === type)?.resource as R;
export const corpusId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const money = (currencyCode: string, centAmount: number, fractionDigits: number) => ({
  type: 'centPrecision',
  currencyCode,
  centAmount,
  fractionDigits,
});

export function badInputCorpus(): Array<{ typeId: 'customer' | 'order' | 'product' | 'category'; resource: R }> {
  const c = template('customer');
  const o = template('order');
  const p = template('product');
  const cat = template('category');
  const customers = [
    { ...c, id: corpusId(1), email: undefined, addresses: [] },
    { ...c, id: corpusId(2), addresses: [{ id: 'a', country: 'DE', phone: 'call me maybe', mobile: '+0' }] },
    { ...c, id: corpusId(3), firstName: 'x'.repeat(5000), lastName: '😀🎉 Zoë Ñandú 名前', companyName: null },
    { ...c, id: corpusId(4), custom: { type: { typeId: 'type', id: 't' }, fields: { notes: 'y'.repeat(150 * 1024) } } },
    { ...c, id: corpusId(5), email: 'no-at-sign.example.com' },
    {
      ...c,
      id: corpusId(6),
      title: null,
      middleName: null,
      defaultBillingAddressId: 'missing',
      billingAddressIds: ['missing'],
    },
  ];
  let parent: R | undefined;
  const deep = Array.from({ length: 8 }, (_v, i) => {
    const cid = corpusId(100 + i);
    const node = {
      ...cat,
      id: cid,
      key: `deep-${i}`,
      name: { en: `Level ${i} ${'é'.repeat(i)}` },
      slug: { en: `level-${i}` },
      parent: parent ? { typeId: 'category', id: parent.id } : undefined,
      ancestors: parent ? [...parent.ancestors, { typeId: 'category', id: parent.id }] : [],
    };
    parent = node;
    return node;
  });
  const variant = (n: number, extra: R = {}) => ({
    id: n,
    sku: `BAD-${n}`,
    prices: [],
    images: [{ url: `https://img.example/${n}.jpg` }],
    attributes: [],
    ...extra,
  });
  const wide = Array.from({ length: 150 }, (_v, i) =>
    variant(i + 2, { prices: [{ id: `p${i}`, value: money(i % 2 ? 'KWD' : 'JPY', 12345, i % 2 ? 3 : 0) }] }),
  );
  const data = (extra: R) => ({
    ...p.masterData.current,
    categories: [{ typeId: 'category', id: deep[7].id }],
    ...extra,
  });
  const products = [
    {
      ...p,
      id: corpusId(200),
      masterData: { ...p.masterData, published: true, current: data({ masterVariant: variant(1), variants: wide }) },
    },
    {
      ...p,
      id: corpusId(201),
      masterData: {
        ...p.masterData,
        published: true,
        current: data({
          name: { 'zz-ZZ': '' },
          slug: {},
          description: null,
          masterVariant: variant(1, { sku: undefined }),
          variants: [],
        }),
      },
    },
    {
      ...p,
      id: corpusId(202),
      masterData: {
        ...p.masterData,
        published: true,
        current: data({ masterVariant: variant(1, { images: [] }), variants: [] }),
      },
    },
  ];
  const orders = [
    { ...o, id: corpusId(300), customerId: undefined, customerEmail: undefined },
    {
      ...o,
      id: corpusId(301),
      customerId: corpusId(1),
      customerEmail: undefined,
      totalPrice: money('KWD', 1234567, 3),
      lineItems: o.lineItems.map((li: R, i: number) => ({ ...li, id: `bad301-${i}`, name: { en: '🎁'.repeat(50) } })),
    },
    {
      ...o,
      id: corpusId(302),
      customerEmail: 'still@example.com',
      customerId: undefined,
      lineItems: [],
      customLineItems: [],
      custom: { fields: { giftNote: 'z'.repeat(120 * 1024) } },
    },
    {
      ...o,
      id: corpusId(303),
      customerEmail: 'jp@example.com',
      customerId: undefined,
      totalPrice: money('JPY', 98765, 0),
      lineItems: o.lineItems.map((li: R, i: number) => ({ ...li, id: `bad303-${i}`, productId: 'no-such-product' })),
    },
    // Beyond Klaviyo's event ingestion limits: dated before 2000, and a custom field of 4,001 values.
    {
      ...o,
      id: corpusId(304),
      customerEmail: 'old@example.com',
      customerId: undefined,
      createdAt: '1999-06-01T10:00:00.000Z',
    },
    {
      ...o,
      id: corpusId(305),
      customerEmail: 'many@example.com',
      customerId: undefined,
      custom: { fields: { tags: Array.from({ length: 4001 }, (_v, i) => `t${i}`) } },
    },
  ];
  return [
    ...customers.map((resource) => ({ typeId: 'customer' as const, resource })),
    ...deep.map((resource) => ({ typeId: 'category' as const, resource })),
    ...products.map((resource) => ({ typeId: 'product' as const, resource })),
    ...orders.map((resource) => ({ typeId: 'order' as const, resource })),
  ];
}
