import { deterministicUuid, Random } from './random.ts';
import {
  CARRIERS,
  CATEGORY_TREE,
  CITIES,
  COLORS,
  COMPANIES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  PRODUCT_ADJECTIVES,
  PRODUCT_NOUNS,
  RETURN_COMMENTS,
  SALUTATIONS,
  SHIPPING_METHODS,
  SHIPPING_PROVIDERS,
  SIZES,
  STREETS,
  TITLES,
} from './vocabulary.ts';

/** One generated commercetools resource and the storage type it belongs to. */
export interface GeneratedRecord {
  typeId:
    | 'channel'
    | 'customer-group'
    | 'type'
    | 'product-type'
    | 'category'
    | 'product'
    | 'inventory-entry'
    | 'customer'
    | 'discount-code'
    | 'payment'
    | 'order'
    | 'cart'
    | 'store'
    | 'product-selection'
    | 'product-selection-product';
  resource: Record<string, unknown>;
}

export interface DatasetSize {
  customers: number;
  products: number;
  orders: number;
  /** Carts (abandoned, merged, ordered, frozen); none when absent. */
  carts?: number;
}

export const DATASET_SIZES = {
  tiny: { customers: 30, products: 24, orders: 80, carts: 20 },
  small: { customers: 1_000, products: 150, orders: 4_000, carts: 400 },
  large: { customers: 100_000, products: 2_000, orders: 1_000_000, carts: 20_000 },
} as const satisfies Record<string, DatasetSize>;

export type DatasetName = keyof typeof DATASET_SIZES;

/** A store of a multi-store project: its key, locale and currency. */
export interface StoreSpec {
  key: string;
  locale: string;
  currency: 'EUR' | 'USD' | 'GBP' | 'JPY';
}

/** Two stores (a German and a US one), for multi-store tests and demos. */
export const TWO_STORES: readonly StoreSpec[] = [
  { key: 'de-shop', locale: 'de-DE', currency: 'EUR' },
  { key: 'us-shop', locale: 'en-US', currency: 'USD' },
];

export interface DatasetOptions {
  size: DatasetName | DatasetSize;
  seed?: number;
  /**
   * Stores (none by default: the datasets stay as they are): every customer but each (n+1)-th belongs to one
   * store, round robin; an order of a customer is placed in the customer's store, a guest order in a store round
   * robin (or none); an order in a store is in its currency (amounts converted) and locale.
   */
  stores?: readonly StoreSpec[];
  /** The dataset's "now": orders end here, validity windows are placed around it. Fixed so data is reproducible. */
  referenceTime?: string;
}

export const DEFAULT_SEED = 20261128;
export const DEFAULT_REFERENCE_TIME = '2026-01-01T00:00:00.000Z';

type Money = { type: 'centPrecision'; currencyCode: string; centAmount: number; fractionDigits: number };
type Json = Record<string, unknown>;

const FRACTION_DIGITS: Record<string, number> = { EUR: 2, USD: 2, GBP: 2, JPY: 0 };
const RATE: Record<string, number> = { EUR: 1, USD: 1.1, GBP: 0.86, JPY: 160 };

function money(currencyCode: string, major: number): Money {
  const fractionDigits = FRACTION_DIGITS[currencyCode];
  return { type: 'centPrecision', currencyCode, centAmount: Math.round(major * 10 ** fractionDigits), fractionDigits };
}

function moneyCents(currencyCode: string, centAmount: number): Money {
  return { type: 'centPrecision', currencyCode, centAmount, fractionDigits: FRACTION_DIGITS[currencyCode] };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const CLIENT = { clientId: 'data-generator', isPlatformClient: false };

function base(id: string, createdMs: number, modifiedMs: number, version = 1): Json {
  return {
    id,
    version,
    createdAt: iso(createdMs),
    lastModifiedAt: iso(modifiedMs),
    createdBy: CLIENT,
    lastModifiedBy: CLIENT,
  };
}

export interface Catalog {
  channels: { distribution: string; supply: string; supplyKey: string };
  customerGroupId: string;
  categories: Array<{ id: string; en: string; de: string; ancestors: string[] }>;
  leafCategoryIds: string[];
  products: Array<{
    id: string;
    index: number;
    slug: string;
    name: { en: string; de: string };
    categoryIds: string[];
    productTypeId: string;
    variants: Array<{ id: number; sku?: string; prices: Json[]; images: Json[] }>;
  }>;
}

/** The codes customers type at checkout, as the discount-code resources hold them. */
const DISCOUNT_CODES = ['WELCOME10', 'SUMMER24', 'FREESHIP', 'VIP-15', 'BLACKFRIDAY', 'NEWSLETTER5'];

function orderTypeId(seed: number): string {
  return deterministicUuid(seed, 'type', 'order');
}

function customerId(seed: number, i: number): string {
  return deterministicUuid(seed, 'customer', i);
}

/** Customer i: several addresses, defaults, custom fields, companies, phones in many formats; a few have no email. */
export function generateCustomer(
  seed: number,
  i: number,
  refMs: number,
  customerGroupId: string,
  customerTypeId: string,
): Json {
  const r = new Random(seed ^ (i * 2654435761));
  const first = r.pick(FIRST_NAMES);
  const last = r.pick(LAST_NAMES);
  const hasEmail = !r.chance(0.03);
  const email = hasEmail ? `${slugify(first)}.${slugify(last)}.${i}@${r.pick(EMAIL_DOMAINS)}` : undefined;
  const addressCount = r.int(0, 3);
  const addresses: Json[] = [];
  for (let a = 0; a < addressCount; a++) {
    const place = r.pick(CITIES);
    const phoneKind = r.int(0, 4);
    const digits = String(r.int(1_000_000, 9_999_999));
    const phone =
      phoneKind === 0
        ? `${place.phonePrefix} ${digits}`
        : phoneKind === 1
          ? `0${place.phonePrefix.split(' ')[1] ?? ''}${digits}`
          : phoneKind === 2
            ? `(555) ${digits.slice(0, 3)}-${digits.slice(3)}`
            : phoneKind === 3
              ? '12'
              : undefined;
    addresses.push({
      id: `addr-${i}-${a}`,
      key: `address-${a}`,
      ...(r.chance(0.1) ? { title: r.pick(TITLES) } : {}),
      salutation: r.pick(SALUTATIONS),
      firstName: first,
      lastName: last,
      streetName: r.pick(STREETS),
      streetNumber: String(r.int(1, 240)),
      ...(r.chance(0.2) ? { additionalStreetInfo: `Apt ${r.int(1, 60)}` } : {}),
      postalCode: place.postalCode,
      city: place.city,
      ...(place.region ? { region: place.region, state: place.region } : {}),
      country: place.country,
      ...(phone ? { phone } : {}),
      ...(r.chance(0.3)
        ? { mobile: `${place.phonePrefix.split(' ')[0]} 1${r.int(50, 79)} ${r.int(1_000_000, 9_999_999)}` }
        : {}),
      ...(email && r.chance(0.2) ? { email } : {}),
      ...(r.chance(0.15) ? { company: r.pick(COMPANIES) } : {}),
    });
  }
  const shippingIds = addresses.filter((_a, k) => k % 2 === 0).map((a) => a.id as string);
  const billingIds = addresses.filter((_a, k) => k % 2 === 1 || addresses.length === 1).map((a) => a.id as string);
  const createdMs = refMs - r.int(30, 2000) * 86_400_000;
  const customer: Json = {
    ...base(customerId(seed, i), createdMs, createdMs + r.int(0, 20) * 86_400_000, r.int(1, 6)),
    customerNumber: `C${String(i).padStart(7, '0')}`,
    ...(email ? { email } : {}),
    firstName: first,
    lastName: last,
    ...(r.chance(0.1) ? { middleName: r.pick(FIRST_NAMES) } : {}),
    ...(r.chance(0.2) ? { title: r.pick(TITLES) } : {}),
    ...(r.chance(0.5) ? { salutation: r.pick(SALUTATIONS) } : {}),
    ...(r.chance(0.4) ? { dateOfBirth: `19${r.int(50, 99)}-0${r.int(1, 9)}-1${r.int(0, 9)}` } : {}),
    ...(r.chance(0.12) ? { companyName: r.pick(COMPANIES), vatId: `DE${r.int(100000000, 999999999)}` } : {}),
    addresses,
    shippingAddressIds: shippingIds,
    billingAddressIds: billingIds,
    ...(shippingIds.length && r.chance(0.8) ? { defaultShippingAddressId: shippingIds[0] } : {}),
    ...(billingIds.length && r.chance(0.7) ? { defaultBillingAddressId: billingIds[0] } : {}),
    isEmailVerified: r.chance(0.7),
    ...(r.chance(0.2) ? { customerGroup: { typeId: 'customer-group', id: customerGroupId } } : {}),
    ...(r.chance(0.5) ? { locale: r.pick(['en', 'de-DE', 'en-US', 'nl']) } : {}),
    stores: [],
    authenticationMode: email ? 'Password' : 'ExternalAuth',
  };
  if (r.chance(0.6)) {
    customer.custom = {
      type: { typeId: 'type', id: customerTypeId },
      fields: {
        loyaltyTier: r.pick(['bronze', 'silver', 'gold']),
        newsletterOptIn: r.chance(0.5),
        loyaltyPoints: r.int(0, 3) === 0 ? 0 : r.int(1, 20_000),
        ...(r.chance(0.3) ? { preferredStore: r.pick(CITIES).city } : {}),
        ...(r.chance(0.1) ? { notes: '' } : {}),
        ...consentFields(seed, i, createdMs, refMs),
      },
    };
  }
  return customer;
}

/**
 * Marketing consent custom fields of customer i: `emailConsent` true, false or absent, `emailConsentAt` on
 * some (not all) of those with a value, and the same for SMS. Drawn from a stream of their own, so adding
 * them changed no other generated value.
 */
function consentFields(seed: number, i: number, createdMs: number, refMs: number): Json {
  const r = new Random((seed ^ (i * 2654435761) ^ 0x9e3779b9) >>> 0);
  const fields: Json = {};
  const at = () => iso(createdMs + Math.floor(r.next() * Math.max(1, refMs - createdMs)));
  const email = r.next();
  if (email < 0.45) fields.emailConsent = true;
  else if (email < 0.75) fields.emailConsent = false;
  if (fields.emailConsent !== undefined && r.chance(0.7)) fields.emailConsentAt = at();
  const sms = r.next();
  if (sms < 0.25) fields.smsConsent = true;
  else if (sms < 0.45) fields.smsConsent = false;
  if (fields.smsConsent !== undefined && r.chance(0.6)) fields.smsConsentAt = at();
  return fields;
}

/** A guest order's marketing consent given at checkout (`marketingConsent`), on some guest orders only. */
function orderConsent(seed: number, i: number): boolean | undefined {
  const r = new Random((seed ^ (i * 2246822519 + 13) ^ 0x85ebca6b) >>> 0);
  const roll = r.next();
  return roll < 0.25 ? true : roll < 0.4 ? false : undefined;
}

function* catalogRecords(seed: number, size: DatasetSize, refMs: number, catalog: Catalog): Generator<GeneratedRecord> {
  const created = refMs - 900 * 86_400_000;
  yield {
    typeId: 'channel',
    resource: {
      ...base(catalog.channels.distribution, created, created),
      key: 'web-distribution',
      roles: ['ProductDistribution'],
      name: { en: 'Web' },
    },
  };
  yield {
    typeId: 'channel',
    resource: {
      ...base(catalog.channels.supply, created, created),
      key: catalog.channels.supplyKey,
      roles: ['InventorySupply'],
      name: { en: 'Berlin warehouse' },
    },
  };
  yield {
    typeId: 'customer-group',
    resource: {
      ...base(catalog.customerGroupId, created, created),
      key: 'wholesale',
      name: 'Wholesale',
      groupName: 'Wholesale',
    },
  };
  const customerTypeId = deterministicUuid(seed, 'type', 'customer');
  yield {
    typeId: 'type',
    resource: {
      ...base(customerTypeId, created, created),
      key: 'customer-loyalty',
      name: { en: 'Customer loyalty' },
      resourceTypeIds: ['customer'],
      fieldDefinitions: [
        {
          name: 'loyaltyTier',
          label: { en: 'Tier' },
          required: false,
          type: { name: 'String' },
          inputHint: 'SingleLine',
        },
        {
          name: 'newsletterOptIn',
          label: { en: 'Newsletter' },
          required: false,
          type: { name: 'Boolean' },
          inputHint: 'SingleLine',
        },
        {
          name: 'loyaltyPoints',
          label: { en: 'Points' },
          required: false,
          type: { name: 'Number' },
          inputHint: 'SingleLine',
        },
        {
          name: 'preferredStore',
          label: { en: 'Store' },
          required: false,
          type: { name: 'String' },
          inputHint: 'SingleLine',
        },
        { name: 'notes', label: { en: 'Notes' }, required: false, type: { name: 'String' }, inputHint: 'MultiLine' },
        ...[
          ['emailConsent', 'Email marketing consent', 'Boolean'],
          ['emailConsentAt', 'Email consent given at', 'DateTime'],
          ['smsConsent', 'SMS marketing consent', 'Boolean'],
          ['smsConsentAt', 'SMS consent given at', 'DateTime'],
        ].map(([name, label, type]) => ({
          name,
          label: { en: label },
          required: false,
          type: { name: type },
          inputHint: 'SingleLine',
        })),
      ],
    },
  };
  yield {
    typeId: 'type',
    resource: {
      ...base(orderTypeId(seed), created, created),
      key: 'order-marketing',
      name: { en: 'Order marketing' },
      resourceTypeIds: ['order'],
      fieldDefinitions: [
        {
          name: 'marketingConsent',
          label: { en: 'Marketing consent at checkout' },
          required: false,
          type: { name: 'Boolean' },
          inputHint: 'SingleLine',
        },
      ],
    },
  };
  // The discount codes orders reference (six of them): an order holds only a reference, the code is here.
  for (const [k, code] of DISCOUNT_CODES.entries()) {
    yield {
      typeId: 'discount-code',
      resource: {
        ...base(deterministicUuid(seed, 'discount', k), created, created),
        code,
        name: { en: `Discount ${code}` },
        cartDiscounts: [],
        isActive: true,
        references: [],
        groups: [],
        applicationVersion: 1,
      },
    };
  }
  const productTypeId = deterministicUuid(seed, 'product-type', 0);
  yield {
    typeId: 'product-type',
    resource: {
      ...base(productTypeId, created, created),
      key: 'apparel',
      name: 'Apparel',
      description: 'Apparel and home goods',
      attributes: [
        {
          name: 'color',
          label: { en: 'Color' },
          isRequired: false,
          type: { name: 'text' },
          attributeConstraint: 'None',
          isSearchable: true,
          inputHint: 'SingleLine',
        },
        {
          name: 'size',
          label: { en: 'Size' },
          isRequired: false,
          type: { name: 'text' },
          attributeConstraint: 'None',
          isSearchable: true,
          inputHint: 'SingleLine',
        },
      ],
    },
  };

  // Categories, parents first (the real API's ancestors run from the root down).
  let hint = 0;
  const emitCategory = (
    id: string,
    names: { en: string; de: string },
    parent: string | undefined,
    ancestors: string[],
  ): GeneratedRecord => {
    hint++;
    return {
      typeId: 'category',
      resource: {
        ...base(id, created, created + hint * 60_000),
        key: `cat-${slugify(names.en)}-${hint}`,
        name: { en: names.en, de: names.de },
        slug: { en: `${slugify(names.en)}-${hint}`, de: `${slugify(names.de)}-${hint}` },
        ...(hint % 3 === 0
          ? { description: { en: `All about ${names.en.toLowerCase()}`, de: `Alles über ${names.de}` } }
          : {}),
        ancestors: ancestors.map((a) => ({ typeId: 'category', id: a })),
        ...(parent ? { parent: { typeId: 'category', id: parent } } : {}),
        orderHint: `0.${hint}`,
        assets: [],
      },
    };
  };
  for (const rec of catalog.categories) {
    const parent = rec.ancestors[rec.ancestors.length - 1];
    yield emitCategory(rec.id, { en: rec.en, de: rec.de }, parent, rec.ancestors);
  }

  for (let p = 0; p < size.products; p++) {
    const prod = catalog.products[p];
    const pr = new Random(seed ^ (p * 40503 + 99));
    const isPublished = !pr.chance(0.08);
    const makeVariant = (v: (typeof prod.variants)[number]): Json => ({
      id: v.id,
      ...(v.sku ? { sku: v.sku, key: `${v.sku}-key` } : {}),
      prices: v.prices,
      images: v.images,
      attributes: [
        { name: 'color', value: pr.pick(COLORS) },
        { name: 'size', value: pr.pick(SIZES) },
      ],
      assets: [],
      ...(v.sku && pr.chance(0.85)
        ? {
            availability: (() => {
              const overall = pr.chance(0.15) ? 0 : pr.int(1, 300);
              const channelQty = pr.chance(0.3) ? 0 : pr.int(1, 50);
              return {
                isOnStock: overall > 0,
                availableQuantity: overall,
                ...(pr.chance(0.6)
                  ? {
                      channels: {
                        [catalog.channels.supply]: {
                          isOnStock: channelQty > 0,
                          availableQuantity: channelQty,
                          id: deterministicUuid(seed, 'inventory-channel', v.sku),
                          version: 1,
                        },
                      },
                    }
                  : {}),
              };
            })(),
          }
        : {}),
    });
    const data: Json = {
      name: prod.name,
      ...(pr.chance(0.8)
        ? { description: { en: `The ${prod.name.en}: made to last.`, de: `${prod.name.de}: gemacht, um zu bleiben.` } }
        : {}),
      slug: { en: prod.slug, de: `${prod.slug}-de` },
      categories: prod.categoryIds.map((id) => ({ typeId: 'category', id })),
      categoryOrderHints: {},
      masterVariant: makeVariant(prod.variants[0]),
      variants: prod.variants.slice(1).map(makeVariant),
      searchKeywords: {},
      attributes: [],
    };
    const pCreated = created + p * 3_600_000;
    yield {
      typeId: 'product',
      resource: {
        ...base(prod.id, pCreated, pCreated + pr.int(0, 100) * 86_400_000, pr.int(1, 12)),
        key: `product-${p}`,
        productType: { typeId: 'product-type', id: prod.productTypeId },
        masterData: { published: isPublished, hasStagedChanges: false, current: data, staged: data },
        priceMode: 'Embedded',
      },
    };
    for (const v of prod.variants) {
      if (!v.sku) continue;
      const ir = new Random(seed ^ (p * 7919 + v.id));
      yield {
        typeId: 'inventory-entry',
        resource: {
          ...base(deterministicUuid(seed, 'inventory', v.sku), pCreated, pCreated),
          sku: v.sku,
          quantityOnStock: ir.int(0, 300),
          availableQuantity: ir.int(0, 300),
        },
      };
      if (ir.chance(0.5)) {
        const q = ir.chance(0.3) ? 0 : ir.int(1, 50);
        yield {
          typeId: 'inventory-entry',
          resource: {
            ...base(deterministicUuid(seed, 'inventory-ch', v.sku), pCreated, pCreated),
            sku: v.sku,
            supplyChannel: { typeId: 'channel', id: catalog.channels.supply },
            quantityOnStock: q,
            availableQuantity: q,
          },
        };
      }
    }
  }
}

/** Builds the catalog skeleton (ids, names, prices) that products, inventory and orders share. */
export function buildCatalog(seed: number, size: DatasetSize, refMs: number): Catalog {
  const r = new Random(seed + 1);
  const channels = {
    distribution: deterministicUuid(seed, 'channel', 'dist'),
    supply: deterministicUuid(seed, 'channel', 'supply'),
    supplyKey: 'berlin-warehouse',
  };
  const customerGroupId = deterministicUuid(seed, 'customer-group', 'wholesale');
  const categories: Catalog['categories'] = [];
  const leafCategoryIds: string[] = [];
  let n = 0;
  for (const root of CATEGORY_TREE) {
    const rootId = deterministicUuid(seed, 'category', n++);
    categories.push({ id: rootId, en: root.en, de: root.de, ancestors: [] });
    for (const child of root.children) {
      const childId = deterministicUuid(seed, 'category', n++);
      categories.push({ id: childId, en: child.en, de: child.de, ancestors: [rootId] });
      for (const [en, de] of child.leaves) {
        const leafId = deterministicUuid(seed, 'category', n++);
        categories.push({ id: leafId, en, de, ancestors: [rootId, childId] });
        leafCategoryIds.push(leafId);
      }
    }
  }
  const DAY = 86_400_000;
  const products: Catalog['products'] = [];
  const productTypeId = deterministicUuid(seed, 'product-type', 0);
  for (let p = 0; p < size.products; p++) {
    const [adjEn, adjDe] = r.pick(PRODUCT_ADJECTIVES);
    const [nounEn, nounDe] = r.pick(PRODUCT_NOUNS);
    const name = { en: `${adjEn} ${nounEn} ${p}`, de: `${adjDe} ${nounDe} ${p}` };
    const slug = `${slugify(name.en)}`;
    const hasImages = !r.chance(0.07);
    const hasPrices = !r.chance(0.06);
    const basePrice = r.int(5, 400) + (r.chance(0.5) ? 0.99 : 0);
    const variantCount = p % 50 === 49 ? 150 : r.int(1, 5);
    const variants: Catalog['products'][number]['variants'] = [];
    for (let v = 1; v <= variantCount; v++) {
      const sku = v > 1 && r.chance(0.04) ? undefined : `SKU-${p}-${v}`;
      const prices: Json[] = [];
      if (hasPrices) {
        const variantPrice = basePrice + (v - 1) * 2;
        let k = 0;
        const priceId = () => deterministicUuid(seed, 'price', `${p}-${v}-${k++}`);
        for (const currency of ['EUR', 'USD']) {
          prices.push({ id: priceId(), value: money(currency, variantPrice * RATE[currency]) });
        }
        if (r.chance(0.2)) prices.push({ id: priceId(), value: money('JPY', variantPrice * RATE.JPY) });
        if (r.chance(0.3))
          prices.push({
            id: priceId(),
            value: money('EUR', variantPrice * 0.8),
            customerGroup: { typeId: 'customer-group', id: customerGroupId },
          });
        if (r.chance(0.2))
          prices.push({
            id: priceId(),
            value: money('EUR', variantPrice * 0.95),
            channel: { typeId: 'channel', id: channels.distribution },
          });
        if (r.chance(0.3))
          prices.push({
            id: priceId(),
            value: money('EUR', variantPrice * 0.7),
            validFrom: iso(refMs - 3650 * DAY),
            validUntil: iso(refMs + 36500 * DAY),
          });
        if (r.chance(0.2))
          prices.push({
            id: priceId(),
            value: money('EUR', variantPrice * 0.5),
            validFrom: iso(refMs - 800 * DAY),
            validUntil: iso(refMs - 700 * DAY),
          });
        if (r.chance(0.15))
          prices.push({
            id: priceId(),
            value: money('EUR', variantPrice * 0.6),
            validFrom: iso(refMs + 36000 * DAY),
            validUntil: iso(refMs + 36100 * DAY),
          });
        if (r.chance(0.1)) prices.push({ id: priceId(), value: money('EUR', variantPrice * 0.65), country: 'DE' });
      }
      const images = hasImages
        ? Array.from({ length: r.int(1, 3) }, (_x, k) => ({
            url: `https://images.example.com/products/${p}/${v}-${k}.jpg`,
            dimensions: { w: 800, h: 1000 },
            ...(k === 0 ? { label: 'front' } : {}),
          }))
        : [];
      variants.push({ id: v, sku, prices, images });
    }
    const leaf = r.pick(leafCategoryIds);
    const leafRec = categories.find((c) => c.id === leaf);
    const categoryIds = r.chance(0.3) && leafRec ? [leaf, leafRec.ancestors[leafRec.ancestors.length - 1]] : [leaf];
    products.push({
      id: deterministicUuid(seed, 'product', p),
      index: p,
      slug,
      name,
      categoryIds,
      productTypeId,
      variants,
    });
  }
  return { channels, customerGroupId, categories, leafCategoryIds, products };
}

/**
 * Draws one line item from the catalog: a product, one of its variants, the variant's plain price in `currency`
 * (an invented one when it has none) and a quantity of 1–3, in that order from `r`.
 */
function drawLineItem(
  r: Random,
  seed: number,
  catalog: Catalog,
  currency: string,
  ids: { id: string; fallbackPriceId: string },
): Json {
  const prod = r.pick(catalog.products);
  const variant = r.pick(prod.variants);
  const priceEntry = variant.prices.find(
    (pp) =>
      (pp.value as Money).currencyCode === currency && !pp.customerGroup && !pp.channel && !pp.validFrom && !pp.country,
  );
  const unit = priceEntry
    ? (priceEntry.value as Money).centAmount
    : money(currency, r.int(5, 80) * RATE[currency]).centAmount;
  const quantity = r.int(1, 3);
  return {
    id: ids.id,
    productId: prod.id,
    productKey: `product-${prod.index}`,
    name: prod.name,
    productSlug: { en: prod.slug, de: `${prod.slug}-de` },
    productType: { typeId: 'product-type', id: prod.productTypeId },
    variant: {
      id: variant.id,
      ...(variant.sku ? { sku: variant.sku } : {}),
      prices: [],
      images: variant.images.slice(0, 1),
      attributes: [],
    },
    price: { id: (priceEntry?.id as string | undefined) ?? ids.fallbackPriceId, value: moneyCents(currency, unit) },
    quantity,
    totalPrice: moneyCents(currency, unit * quantity),
    discountedPricePerQuantity: [],
    taxedPricePortions: [],
    state: [{ quantity, state: { typeId: 'state', id: deterministicUuid(seed, 'state', 'initial') } }],
    perMethodTaxRate: [],
    priceMode: 'Platform',
    lineItemMode: 'Standard',
  };
}

/** Order i with its payment: guest or registered, line items from the catalog, custom lines, refunds. */
export function generateOrder(
  seed: number,
  i: number,
  size: DatasetSize,
  refMs: number,
  catalog: Catalog,
  customerTypeId: string,
): GeneratedRecord[] {
  const r = new Random(seed ^ (i * 2246822519 + 13));
  const DAY = 86_400_000;
  const createdMs = refMs - Math.floor(r.next() * 3 * 365 * DAY);
  const isGuest = r.chance(0.25) || size.customers === 0;
  const customerIndex = r.int(0, Math.max(size.customers - 1, 0));
  const customer = isGuest
    ? undefined
    : generateCustomer(seed, customerIndex, refMs, catalog.customerGroupId, customerTypeId);
  const guestEmail = r.chance(0.9) ? `guest.${i}@${r.pick(EMAIL_DOMAINS)}` : undefined;
  const email = customer ? (customer.email as string | undefined) : guestEmail;
  const currency = r.chance(0.6) ? 'EUR' : r.chance(0.8) ? 'USD' : 'JPY';
  const orderId = deterministicUuid(seed, 'order', i);
  const lineItems: Json[] = [];
  const lineCount = r.int(1, 4);
  let total = 0;
  for (let l = 0; l < lineCount; l++) {
    const lineItem = drawLineItem(r, seed, catalog, currency, {
      id: deterministicUuid(seed, 'line-item', `${i}-${l}`),
      fallbackPriceId: deterministicUuid(seed, 'li-price', `${i}-${l}`),
    });
    total += (lineItem.totalPrice as Money).centAmount;
    lineItems.push(lineItem);
  }
  const customLineItems: Json[] = [];
  if (r.chance(0.15)) {
    const amount = money(currency, r.int(2, 15) * RATE[currency]);
    total += amount.centAmount;
    customLineItems.push({
      id: deterministicUuid(seed, 'custom-line-item', i),
      name: { en: 'Gift wrapping', de: 'Geschenkverpackung' },
      money: amount,
      totalPrice: amount,
      slug: 'gift-wrapping',
      quantity: 1,
      discountedPricePerQuantity: [],
      state: [],
      taxedPricePortions: [],
      perMethodTaxRate: [],
      priceMode: 'Standard',
    });
  }
  const shippingCents = r.chance(0.3) ? 0 : money(currency, 4.95 * RATE[currency]).centAmount;
  total += shippingCents;
  const stateRoll = r.next();
  const orderState =
    stateRoll < 0.3 ? 'Open' : stateRoll < 0.55 ? 'Confirmed' : stateRoll < 0.9 ? 'Complete' : 'Cancelled';
  const modifiedMs = Math.min(createdMs + r.int(0, 20) * DAY, refMs);
  const addresses = (customer?.addresses as Json[] | undefined) ?? [];
  const place = r.pick(CITIES);
  const address = addresses[0] ?? {
    country: place.country,
    city: place.city,
    postalCode: place.postalCode,
    streetName: r.pick(STREETS),
    streetNumber: String(r.int(1, 99)),
    firstName: r.pick(FIRST_NAMES),
    lastName: r.pick(LAST_NAMES),
  };
  const paymentId = deterministicUuid(seed, 'payment', i);
  const transactions: Json[] = [
    {
      id: deterministicUuid(seed, 'tx', `${i}-charge`),
      timestamp: iso(createdMs + 60_000),
      type: 'Charge',
      amount: moneyCents(currency, total),
      state: orderState === 'Open' && r.chance(0.3) ? 'Pending' : 'Success',
    },
  ];
  const refundRoll = r.next();
  const refundCount =
    orderState === 'Cancelled' ? 1 : refundRoll < 0.06 ? 1 : refundRoll < 0.09 ? 2 : refundRoll < 0.1 ? 3 : 0;
  for (let k = 0; k < refundCount; k++) {
    const share = orderState === 'Cancelled' ? total : Math.max(1, Math.floor(total / (refundCount + 1)));
    transactions.push({
      id: deterministicUuid(seed, 'tx', `${i}-refund-${k}`),
      timestamp: iso(Math.min(createdMs + (k + 2) * DAY, refMs)),
      type: 'Refund',
      amount: moneyCents(currency, share),
      state: k === 0 || r.chance(0.7) ? 'Success' : r.pick(['Failure', 'Pending']),
    });
  }
  const payment: Json = {
    ...base(paymentId, createdMs, modifiedMs, transactions.length + 1),
    ...(customer ? { customer: { typeId: 'customer', id: customer.id } } : {}),
    amountPlanned: moneyCents(currency, total),
    paymentMethodInfo: {
      paymentInterface: 'psp-example',
      method: r.pick(['CREDIT_CARD', 'PAYPAL', 'INVOICE']),
      name: { en: 'Card' },
    },
    paymentStatus: {},
    transactions,
    interfaceInteractions: [],
  };
  const order: Json = {
    ...base(orderId, createdMs, modifiedMs, r.int(1, 8)),
    orderNumber: `ORD-${String(i).padStart(8, '0')}`,
    ...(customer ? { customerId: customer.id } : { anonymousId: deterministicUuid(seed, 'anon', i) }),
    ...(email ? { customerEmail: email } : {}),
    ...(orderState !== 'Open' ? { completedAt: iso(modifiedMs) } : {}),
    totalPrice: moneyCents(currency, total),
    taxedPrice: {
      totalNet: moneyCents(currency, Math.round(total / 1.19)),
      totalGross: moneyCents(currency, total),
      taxPortions: [],
    },
    orderState,
    paymentState:
      orderState === 'Cancelled' ? 'Failed' : refundCount > 0 ? 'Paid' : r.pick(['Paid', 'Pending', 'Paid']),
    ...(orderState === 'Complete'
      ? { shipmentState: 'Shipped' }
      : orderState === 'Confirmed'
        ? { shipmentState: r.pick(['Ready', 'Pending', 'Partial']) }
        : {}),
    lineItems,
    customLineItems,
    shippingAddress: address,
    billingAddress: address,
    shippingInfo: {
      shippingMethodName: r.pick(SHIPPING_METHODS),
      price: moneyCents(currency, shippingCents),
      shippingRate: { price: moneyCents(currency, shippingCents), tiers: [] },
      shippingMethodState: 'MatchesCart',
      deliveries: [],
    },
    ...(r.chance(0.1)
      ? {
          discountCodes: [
            {
              discountCode: { typeId: 'discount-code', id: deterministicUuid(seed, 'discount', r.int(0, 5)) },
              state: 'MatchesCart',
            },
          ],
        }
      : { discountCodes: [] }),
    paymentInfo: { payments: [{ typeId: 'payment', id: paymentId }] },
    country: address.country,
    locale: r.pick(['en', 'de-DE', 'en-US']),
    origin: 'Customer',
    inventoryMode: 'None',
    taxMode: 'Platform',
    taxRoundingMode: 'HalfEven',
    taxCalculationMode: 'LineItemLevel',
    shippingMode: 'Single',
    shipping: [],
    refusedGifts: [],
    syncInfo: [],
    returnInfo: [],
    itemShippingAddresses: [],
    lastMessageSequenceNumber: 1,
  };
  const consent = isGuest ? orderConsent(seed, i) : undefined;
  if (consent !== undefined) {
    order.custom = { type: { typeId: 'type', id: orderTypeId(seed) }, fields: { marketingConsent: consent } };
  }
  addFulfilment(seed, i, order, createdMs, modifiedMs);
  return [
    { typeId: 'payment', resource: payment },
    { typeId: 'order', resource: order },
  ];
}

type DeliveryItem = { id: string; quantity: number };

const units = (items: DeliveryItem[]) => items.reduce((n, it) => n + it.quantity, 0);

/** Splits items into `wanted` (1 or 2) non-empty shares, fewer when there are not enough units. */
function splitItems(r: Random, items: DeliveryItem[], wanted: number): DeliveryItem[][] {
  const nonEmpty = (list: DeliveryItem[]) => list.filter((it) => it.quantity > 0).map((it) => ({ ...it }));
  if (wanted < 2 || units(items) < 2) return [nonEmpty(items)];
  const a = items.map((it) => ({ id: it.id, quantity: r.int(0, it.quantity) }));
  const b = items.map((it, k) => ({ id: it.id, quantity: it.quantity - a[k].quantity }));
  const [from, to] = units(a) === 0 ? [b, a] : units(b) === 0 ? [a, b] : [undefined, undefined];
  if (from && to) {
    const k = from.findIndex((it) => it.quantity > 0);
    from[k].quantity--;
    to[k].quantity++;
  }
  return [nonEmpty(a), nonEmpty(b)];
}

/** A tracking number in the carrier's format: `#` a digit, `A` a letter or digit. */
function trackingNumber(r: Random, format: string): string {
  const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  return format.replace(/[#A]/g, (c) => (c === '#' ? String(r.int(0, 9)) : ALNUM[r.int(0, ALNUM.length - 1)]));
}

function trackingData(r: Random): Json {
  const carrier = r.pick(CARRIERS);
  const trackingId = trackingNumber(r, carrier.trackingFormat);
  const provider = r.chance(0.3) ? r.pick(SHIPPING_PROVIDERS) : undefined;
  return {
    trackingId,
    carrier: carrier.name,
    ...(provider
      ? { provider, providerTransaction: `${provider.toLowerCase()}-${r.int(10_000_000, 99_999_999)}` }
      : {}),
    isReturn: false,
  };
}

/**
 * What happened to order i after checkout, drawn from a stream of its own so that every value generated before
 * it was added is unchanged: about 30% of `Complete` orders become `Delivered`; `Shipped`, `Delivered` and
 * `Partial` orders get 1–2 deliveries (all line items, or for `Partial` a strict subset of the units; a `Partial`
 * order of a single unit has nothing to split and gets none), each with 1–2 parcels, 85% of them with tracking
 * data; about 8% of `Complete` orders get a return of 1–2 of their line items. Every time lies between the
 * order's `createdAt` and `lastModifiedAt`.
 */
function addFulfilment(seed: number, i: number, order: Json, createdMs: number, modifiedMs: number): void {
  const r = new Random((seed ^ (i * 2246822519 + 13) ^ 0xc2b2ae35) >>> 0);
  const isComplete = order.orderState === 'Complete';
  const isDelivered = isComplete && r.chance(0.3);
  const hasReturn = isComplete && r.chance(0.08);
  if (isDelivered) order.shipmentState = 'Delivered';
  const lineItems = order.lineItems as Array<{ id: string; quantity: number }>;
  const span = Math.max(0, modifiedMs - createdMs);
  const between = (fromMs: number) => fromMs + Math.floor(r.next() * (modifiedMs - fromMs + 1));
  const ordered = lineItems.map((li) => ({ id: li.id, quantity: li.quantity }));
  let shipped: DeliveryItem[] | undefined;
  if (order.shipmentState === 'Shipped' || order.shipmentState === 'Delivered') shipped = ordered;
  else if (order.shipmentState === 'Partial' && units(ordered) >= 2) {
    shipped = ordered.map((it) => ({ id: it.id, quantity: r.int(0, it.quantity) }));
    if (units(shipped) === units(ordered)) {
      const candidates = shipped.filter((it) => it.quantity > 0);
      candidates[r.int(0, candidates.length - 1)].quantity--;
    } else if (units(shipped) === 0) {
      shipped[r.int(0, shipped.length - 1)].quantity = 1;
    }
  }
  let lastDeliveryMs = createdMs;
  if (shipped) {
    const shares = splitItems(r, shipped, r.int(1, 2));
    const times = shares.map(() => createdMs + Math.floor(r.next() * (span + 1))).sort((a, b) => a - b);
    lastDeliveryMs = times[times.length - 1];
    (order.shippingInfo as Json).deliveries = shares.map((items, d) => {
      const parcels = splitItems(r, items, r.int(1, 2)).map((parcelItems, p) => ({
        id: deterministicUuid(seed, 'parcel', `${i}-${d}-${p}`),
        ...(r.chance(0.3) ? { key: `${order.orderNumber}-P${d + 1}-${p + 1}` } : {}),
        createdAt: iso(between(times[d])),
        ...(r.chance(0.6)
          ? {
              measurements: {
                heightInMillimeter: r.int(50, 400),
                lengthInMillimeter: r.int(150, 600),
                widthInMillimeter: r.int(100, 400),
                weightInGram: r.int(150, 12_000),
              },
            }
          : {}),
        ...(r.chance(0.85) ? { trackingData: trackingData(r) } : {}),
        items: parcelItems,
      }));
      return {
        id: deterministicUuid(seed, 'delivery', `${i}-${d}`),
        ...(r.chance(0.5) ? { key: `${order.orderNumber}-D${d + 1}` } : {}),
        createdAt: iso(times[d]),
        items,
        parcels,
      };
    });
  }
  if (hasReturn) {
    const returnedMs = between(lastDeliveryMs);
    const start = r.int(0, lineItems.length - 1);
    const count = Math.min(r.int(1, 2), lineItems.length);
    const items = Array.from({ length: count }, (_x, k) => {
      const li = lineItems[(start + k) % lineItems.length];
      const itemCreatedMs = between(returnedMs);
      return {
        type: 'LineItemReturnItem',
        id: deterministicUuid(seed, 'return-item', `${i}-${k}`),
        quantity: r.int(1, li.quantity),
        lineItemId: li.id,
        ...(r.chance(0.6) ? { comment: r.pick(RETURN_COMMENTS) } : {}),
        shipmentState: r.pick(['Returned', 'BackInStock']),
        paymentState: r.pick(['Refunded', 'NotRefunded', 'Initial']),
        createdAt: iso(itemCreatedMs),
        lastModifiedAt: iso(between(itemCreatedMs)),
      };
    });
    order.returnInfo = [
      {
        items,
        ...(r.chance(0.6) ? { returnTrackingId: `RMA-${String(i).padStart(8, '0')}-1` } : {}),
        ...(r.chance(0.8) ? { returnDate: iso(returnedMs) } : {}),
      },
    ];
  }
}

/**
 * Cart i: ~55% active with an email (half of them a registered customer's), ~15% active and anonymous, ~5%
 * active with an email and no line items, ~10% merged, ~10% ordered, ~5% frozen; last modified within the
 * 30 days before the reference time. A stream of its own per cart.
 */
export function generateCart(
  seed: number,
  i: number,
  size: DatasetSize,
  refMs: number,
  catalog: Catalog,
  customerTypeId: string,
): Json {
  const r = new Random((seed ^ (i * 3266489917) ^ 0x27d4eb2f) >>> 0);
  const DAY = 86_400_000;
  const roll = r.next();
  const kind =
    roll < 0.55
      ? 'active'
      : roll < 0.7
        ? 'anonymous'
        : roll < 0.75
          ? 'empty'
          : roll < 0.85
            ? 'merged'
            : roll < 0.95
              ? 'ordered'
              : 'frozen';
  const cartState =
    kind === 'merged' ? 'Merged' : kind === 'ordered' ? 'Ordered' : kind === 'frozen' ? 'Frozen' : 'Active';
  const isAnonymous = kind === 'anonymous' || kind === 'merged';
  let customer: Json | undefined;
  if (!isAnonymous && size.customers > 0 && r.chance(0.5)) {
    // A registered shopper: a generated customer with an email (3% of customers have none; try a few).
    for (let attempt = 0; attempt < 8 && !customer?.email; attempt++) {
      const index = r.int(0, size.customers - 1);
      customer = generateCustomer(seed, index, refMs, catalog.customerGroupId, customerTypeId);
    }
    if (!customer?.email) customer = undefined;
  }
  const email = isAnonymous
    ? undefined
    : ((customer?.email as string | undefined) ?? `shopper.${i}@${r.pick(EMAIL_DOMAINS)}`);
  const currency = r.chance(0.6) ? 'EUR' : r.chance(0.8) ? 'USD' : 'JPY';
  const modifiedMs = refMs - 1 - Math.floor(r.next() * 30 * DAY);
  const createdMs = modifiedMs - Math.floor(r.next() * 2 * DAY);
  const lineCount = kind === 'empty' ? 0 : r.int(1, 4);
  const lineItems: Json[] = [];
  let total = 0;
  let addedMs = createdMs;
  for (let l = 0; l < lineCount; l++) {
    const lineItem = drawLineItem(r, seed, catalog, currency, {
      id: deterministicUuid(seed, 'cart-line-item', `${i}-${l}`),
      fallbackPriceId: deterministicUuid(seed, 'cart-li-price', `${i}-${l}`),
    });
    addedMs += Math.floor(r.next() * (modifiedMs - addedMs + 1));
    lineItem.addedAt = iso(addedMs);
    total += (lineItem.totalPrice as Money).centAmount;
    lineItems.push(lineItem);
  }
  const place = r.pick(CITIES);
  const customerAddress = (customer?.addresses as Json[] | undefined)?.[0];
  const reachedCheckout = kind === 'ordered' || kind === 'frozen' || (kind === 'active' && r.chance(0.3));
  const address = reachedCheckout
    ? (customerAddress ?? {
        country: place.country,
        city: place.city,
        postalCode: place.postalCode,
        streetName: r.pick(STREETS),
        streetNumber: String(r.int(1, 99)),
        firstName: r.pick(FIRST_NAMES),
        lastName: r.pick(LAST_NAMES),
      })
    : undefined;
  const locale = (customer?.locale as string | undefined) ?? r.pick(['en', 'de-DE', 'en-US']);
  return {
    ...base(deterministicUuid(seed, 'cart', i), createdMs, modifiedMs, 1 + lineCount + r.int(0, 6)),
    ...(customer ? { customerId: customer.id } : {}),
    ...(email ? { customerEmail: email } : {}),
    ...(isAnonymous ? { anonymousId: deterministicUuid(seed, 'cart-anon', i) } : {}),
    ...(customer?.customerGroup ? { customerGroup: customer.customerGroup } : {}),
    lineItems,
    customLineItems: [],
    ...(lineCount > 0 ? { totalLineItemQuantity: lineItems.reduce((n, li) => n + (li.quantity as number), 0) } : {}),
    totalPrice: moneyCents(currency, total),
    ...(address
      ? {
          taxedPrice: {
            totalNet: moneyCents(currency, Math.round(total / 1.19)),
            totalGross: moneyCents(currency, total),
            taxPortions: [],
          },
        }
      : {}),
    taxMode: 'Platform',
    priceRoundingMode: 'HalfEven',
    taxRoundingMode: 'HalfEven',
    taxCalculationMode: 'LineItemLevel',
    inventoryMode: 'None',
    cartState,
    ...(cartState === 'Frozen' ? { freezeStrategy: 'SoftFreeze' } : {}),
    ...(address ? { shippingAddress: address, billingAddress: address } : {}),
    shippingMode: 'Single',
    shipping: [],
    itemShippingAddresses: [],
    discountCodes: [],
    directDiscounts: [],
    refusedGifts: [],
    country: address ? address.country : (customerAddress?.country ?? place.country),
    locale,
    origin: 'Customer',
    deleteDaysAfterLastModification: 90,
  };
}

/** The store of the i-th customer (or guest order): round robin over the stores and "none". */
function storeOfIndex(stores: readonly StoreSpec[], i: number): StoreSpec | undefined {
  return stores.length ? stores[i % (stores.length + 1)] : undefined;
}

function storeResource(seed: number, n: number, store: StoreSpec, refMs: number, selectionId: string): Json {
  const at = new Date(refMs - 400 * 86_400_000).toISOString();
  return {
    id: deterministicUuid(seed, 'store', n),
    version: 1,
    key: store.key,
    name: { en: store.key },
    languages: [store.locale],
    countries: [],
    distributionChannels: [],
    supplyChannels: [],
    productSelections: [{ productSelection: { typeId: 'product-selection', id: selectionId }, active: true }],
    createdAt: at,
    lastModifiedAt: at,
  };
}

/** Converts every amount of a document into `currency` (the generator's rates), in place. */
function convertMoney(value: unknown, currency: string): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) convertMoney(v, currency);
    return;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.currencyCode === 'string' && typeof o.centAmount === 'number' && o.currencyCode !== currency) {
    const major = o.centAmount / 10 ** FRACTION_DIGITS[o.currencyCode];
    const converted = (major / RATE[o.currencyCode]) * RATE[currency];
    o.centAmount = Math.round(converted * 10 ** FRACTION_DIGITS[currency]);
    o.fractionDigits = FRACTION_DIGITS[currency];
    o.currencyCode = currency;
    return;
  }
  for (const v of Object.values(o)) convertMoney(v, currency);
}

/** An order (and its payment) placed in its customer's store, or a guest's round robin: its currency and locale. */
function placeInStore(
  records: GeneratedRecord[],
  stores: readonly StoreSpec[],
  i: number,
  customerStoreKey: ReadonlyMap<string, string>,
): GeneratedRecord[] {
  const order = records.find((r) => r.typeId === 'order')?.resource as Json | undefined;
  if (!order) return records;
  const customerStore = order.customerId
    ? stores.find((s) => s.key === customerStoreKey.get(String(order.customerId)))
    : storeOfIndex(stores, i);
  if (!customerStore) return records;
  for (const r of records) convertMoney(r.resource, customerStore.currency);
  order.store = { typeId: 'store', key: customerStore.key };
  order.locale = customerStore.locale;
  return records;
}

export function resolveSize(size: DatasetName | DatasetSize): DatasetSize {
  if (typeof size === 'string') {
    const s = DATASET_SIZES[size];
    if (!s) throw new Error(`Unknown dataset '${size}'; use one of ${Object.keys(DATASET_SIZES).join(', ')}.`);
    return s;
  }
  return size;
}

/**
 * Streams a dataset in load order (reference data, categories, products, inventory, customers, payments and
 * orders, carts). Only the catalog skeleton is held in memory, so `large` streams in a few hundred MB.
 */
export function* generateDataset(options: DatasetOptions): Generator<GeneratedRecord> {
  const seed = options.seed ?? DEFAULT_SEED;
  const size = resolveSize(options.size);
  const refMs = Date.parse(options.referenceTime ?? DEFAULT_REFERENCE_TIME);
  const catalog = buildCatalog(seed, size, refMs);
  const customerTypeId = deterministicUuid(seed, 'type', 'customer');
  yield* catalogRecords(seed, size, refMs, catalog);
  const stores = options.stores ?? [];
  const customerStoreKey = new Map<string, string>();
  for (const [n, store] of stores.entries()) {
    // Each store sells two products in three (its product selection); the others are not in its catalog.
    const selectionId = deterministicUuid(seed, 'product-selection', n);
    const at = new Date(refMs - 400 * 86_400_000).toISOString();
    yield {
      typeId: 'product-selection',
      resource: {
        id: selectionId,
        version: 1,
        key: `${store.key}-selection`,
        name: { en: `${store.key} products` },
        productCount: 0,
        mode: 'Individual',
        createdAt: at,
        lastModifiedAt: at,
      },
    };
    for (const p of catalog.products)
      if ((p.index + n) % 3 !== 0)
        yield {
          typeId: 'product-selection-product',
          resource: {
            id: `${selectionId}:${p.id}`,
            productSelection: { typeId: 'product-selection', id: selectionId },
            product: { typeId: 'product', id: p.id },
          },
        };
    yield { typeId: 'store', resource: storeResource(seed, n, store, refMs, selectionId) };
  }
  for (let i = 0; i < size.customers; i++) {
    const customer = generateCustomer(seed, i, refMs, catalog.customerGroupId, customerTypeId);
    const store = storeOfIndex(stores, i);
    if (store) {
      customer.stores = [{ typeId: 'store', key: store.key }];
      customerStoreKey.set(String(customer.id), store.key);
    }
    yield { typeId: 'customer', resource: customer };
  }
  for (let i = 0; i < size.orders; i++) {
    const records = generateOrder(seed, i, size, refMs, catalog, customerTypeId);
    yield* stores.length ? placeInStore(records, stores, i, customerStoreKey) : records;
  }
  for (let i = 0; i < (size.carts ?? 0); i++) {
    yield { typeId: 'cart', resource: generateCart(seed, i, size, refMs, catalog, customerTypeId) };
  }
}
