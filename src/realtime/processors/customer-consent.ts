import type { Customer } from '@commercetools/platform-sdk';
import { type ConsentConfig, type ConsentIntent, customerConsent } from '../../mapping/consent.ts';
import { customerToProfile } from '../../mapping/customer-to-profile.ts';
import type { PropertyFilter } from '../../mapping/mapping-options.ts';

/** A customer's consent as the profile it maps to carries it (its email, its E.164 phone); undefined when none. */
export function customerConsentIntent(
  customer: Customer,
  consent: ConsentConfig,
  properties: PropertyFilter,
): ConsentIntent | undefined {
  const m = customerToProfile(customer, { properties });
  if (m.kind === 'skip') return undefined;
  const a = m.profile.attributes;
  return customerConsent(customer, consent, { email: a.email, phone: a.phone_number });
}
