import type { BaseAddress, Customer } from '@commercetools/platform-sdk';
import type { ProfileLocation, ProfileUpsertResource } from '../klaviyo/types.ts';
import type { PropertyFilter } from './mapping-options.ts';
import { toE164 } from './phone.ts';
import { filterProperties } from './property-filter.ts';

export type CustomerMapping =
  | { kind: 'profile'; profile: ProfileUpsertResource; warnings: string[] }
  | { kind: 'skip'; reason: string };

function nonEmpty(s: string | undefined): string | undefined {
  const t = s?.trim();
  return t ? t : undefined;
}

/**
 * The address whose location and phone go to Klaviyo: the default billing address, else the first billing
 * address, else the default shipping address, else the first address. (The plugin we replace gave up when the
 * default billing id pointed nowhere; we fall through instead.)
 */
export function chooseAddress(customer: Customer): BaseAddress | undefined {
  const addresses = customer.addresses ?? [];
  const byId = (id: string | undefined) => (id ? addresses.find((a) => a.id === id) : undefined);
  return (
    byId(customer.defaultBillingAddressId) ??
    byId(customer.billingAddressIds?.[0]) ??
    byId(customer.defaultShippingAddressId) ??
    addresses[0]
  );
}

export function addressToLocation(a: BaseAddress): ProfileLocation | undefined {
  const street = [nonEmpty(a.streetNumber), nonEmpty(a.streetName)].filter(Boolean).join(' ');
  const address1 = [nonEmpty(a.apartment), nonEmpty(a.building), nonEmpty(street)].filter(Boolean).join(', ');
  const address2 = [nonEmpty(a.additionalStreetInfo), nonEmpty(a.additionalAddressInfo)].filter(Boolean).join(', ');
  const location: ProfileLocation = {
    ...(address1 ? { address1 } : {}),
    ...(address2 ? { address2 } : {}),
    ...(nonEmpty(a.city) ? { city: nonEmpty(a.city) } : {}),
    ...(nonEmpty(a.country) ? { country: a.country } : {}),
    ...((nonEmpty(a.region) ?? nonEmpty(a.state)) ? { region: nonEmpty(a.region) ?? nonEmpty(a.state) } : {}),
    ...(nonEmpty(a.postalCode) ? { zip: nonEmpty(a.postalCode) } : {}),
  };
  return Object.keys(location).length > 0 ? location : undefined;
}

/**
 * commercetools customer → Klaviyo profile for profile import. `external_id` is the customer id, so every
 * customer, with or without email or phone, becomes exactly one profile that later orders attach to.
 * A phone that cannot be made E.164 is left out (with a warning) and the profile still goes.
 */
export function customerToProfile(customer: Customer, options: { properties: PropertyFilter }): CustomerMapping {
  if (!customer.id) return { kind: 'skip', reason: 'customer has no id' };
  const warnings: string[] = [];
  const address = chooseAddress(customer);
  const rawPhone = nonEmpty(address?.mobile) ?? nonEmpty(address?.phone);
  const phone = toE164(rawPhone, address?.country);
  if (rawPhone && !phone) warnings.push('phone number is not valid; sent without it');
  const email = nonEmpty(customer.email);
  const custom = filterProperties(customer.custom?.fields as Record<string, unknown> | undefined, options.properties);
  // The stores the customer belongs to (several stores may feed one account; a store route's account gets its own).
  const stores = (customer.stores ?? []).map((s) => s.key).filter((k): k is string => Boolean(k));
  const properties = stores.length ? { ...custom, commercetools_stores: stores } : custom;
  const location = address ? addressToLocation(address) : undefined;
  const attributes: ProfileUpsertResource['attributes'] = {
    external_id: customer.id,
    ...(email ? { email } : {}),
    ...(phone ? { phone_number: phone } : {}),
    ...(nonEmpty(customer.firstName) ? { first_name: nonEmpty(customer.firstName) } : {}),
    ...(nonEmpty(customer.lastName) ? { last_name: nonEmpty(customer.lastName) } : {}),
    ...(nonEmpty(customer.title) ? { title: nonEmpty(customer.title) } : {}),
    ...(nonEmpty(customer.companyName) ? { organization: nonEmpty(customer.companyName) } : {}),
    ...(nonEmpty(customer.locale) ? { locale: nonEmpty(customer.locale) } : {}),
    ...(location ? { location } : {}),
    ...(properties ? { properties } : {}),
  };
  return { kind: 'profile', profile: { type: 'profile', attributes }, warnings };
}

/** The profile of a customer deleted in commercetools, marked so (REALTIME_CUSTOMER_DELETED=mark): it and its history stay. */
export function deletedCustomerProfile(customerId: string, deletedAt: string): ProfileUpsertResource['attributes'] {
  return { external_id: customerId, properties: { commercetools_deleted: true, commercetools_deleted_at: deletedAt } };
}
