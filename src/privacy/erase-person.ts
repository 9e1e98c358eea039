import type { CommercetoolsApi } from '../commercetools/client.ts';
import { customersByEmail, customersByIds } from '../commercetools/customers.ts';
import type { ErasedIdentity, ErasureRecord, ErasureStore } from '../commercetools/erasure-store.ts';
import { hasOrderWithEmail } from '../commercetools/orders.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { findProfiles, requestProfileDeletion } from '../klaviyo/privacy.ts';

/** Who to erase: a commercetools customer (by id), or a person by email (a guest, or a customer). */
export interface EraseRequest {
  customerId?: string;
  email?: string;
}

export interface EraseResult {
  /** `erased`: Klaviyo deletion requested (if there were profiles) and the erasure recorded; `not-found`: nobody. */
  status: 'erased' | 'not-found';
  /** The Klaviyo profiles whose deletion was requested (Klaviyo deletes them asynchronously). */
  profilesDeleted: string[];
  /** Whether the erasure is recorded, so imports and real time skip the person from now on. */
  isRecorded: boolean;
  message: string;
}

/**
 * Erases a person (GDPR art. 17): every Klaviyo profile with the customer id as external id or with the email is
 * deleted (data-privacy-deletion-jobs, one request per profile), and the erasure is recorded in commercetools by
 * digests of the customer id and the email, so that no later import or real-time change recreates the person
 * from their customer record or old orders. A person neither Klaviyo nor commercetools knows is a no-op.
 */
export async function erasePerson(
  /** `accounts`: every Klaviyo account the person may be in (one per store route). */
  deps: { ct: CommercetoolsApi; accounts: readonly KlaviyoHttp[]; erasures: ErasureStore },
  request: EraseRequest,
  source: ErasureRecord['source'],
  signal?: AbortSignal,
): Promise<EraseResult> {
  const customerIds = new Set<string>(request.customerId ? [request.customerId] : []);
  const emails = new Set<string>(request.email ? [request.email.trim().toLowerCase()] : []);
  // The customer's email (its orders and guest profile are the same person), or the customers with the email.
  let hasCustomer = false;
  if (request.customerId) {
    const [customer] = await customersByIds(deps.ct, [request.customerId]);
    hasCustomer = customer !== undefined;
    if (customer?.email) emails.add(customer.email.trim().toLowerCase());
  }
  if (request.email)
    for (const c of await customersByEmail(deps.ct, request.email, signal)) {
      hasCustomer = true;
      customerIds.add(c.id);
    }
  // Every account the person may be in (several stores may each have their own): profile id → its account.
  const { accounts } = deps;
  const found = new Map<string, KlaviyoHttp>();
  for (const klaviyo of accounts)
    for (const externalId of customerIds)
      for (const p of await findProfiles(klaviyo, { externalId }, signal)) {
        found.set(p.id, klaviyo);
        // A deleted customer's email is known only to its profile.
        if (p.email) emails.add(p.email.trim().toLowerCase());
      }
  for (const klaviyo of accounts)
    for (const email of emails)
      for (const p of await findProfiles(klaviyo, { email }, signal)) found.set(p.id, klaviyo);
  const isKnownToCommercetools = hasCustomer || (await someHaveOrders(deps.ct, [...emails], signal));
  if (found.size === 0 && !isKnownToCommercetools && source === 'request')
    return {
      status: 'not-found',
      profilesDeleted: [],
      isRecorded: false,
      message: 'Neither Klaviyo nor commercetools knows this person: nothing was erased or recorded.',
    };
  // Recorded first: should a deletion request fail, the person is already skipped by every import and real time,
  // and the request is simply made again (both steps are safe to repeat).
  const identities: ErasedIdentity[] = [
    ...[...customerIds].map((customerId) => ({ customerId })),
    ...[...emails].map((email) => ({ email })),
  ];
  await deps.erasures.record(identities, {
    erasedAt: new Date().toISOString(),
    profilesDeleted: found.size,
    source,
  });
  for (const [id, klaviyo] of found) await requestProfileDeletion(klaviyo, id, signal);
  return {
    status: 'erased',
    profilesDeleted: [...found.keys()],
    isRecorded: true,
    message: `${found.size} Klaviyo profile(s) queued for deletion; the erasure is recorded, so imports and real-time sync skip this person from now on.`,
  };
}

async function someHaveOrders(ct: CommercetoolsApi, emails: string[], signal?: AbortSignal): Promise<boolean> {
  for (const email of emails) if (await hasOrderWithEmail(ct, email, signal)) return true;
  return false;
}
