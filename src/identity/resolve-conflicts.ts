import type { Customer } from '@commercetools/platform-sdk';
import type { CommercetoolsApi } from '../commercetools/client.ts';
import { customersByIds } from '../commercetools/customers.ts';
import { AppError, dispositionOf, KlaviyoApiError } from '../core/errors.ts';
import type { RecordOutcome } from '../core/record-outcome.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { findProfiles, mergeProfiles, type ProfileIdentity } from '../klaviyo/privacy.ts';
import { upsertProfile } from '../klaviyo/profiles.ts';
import { customerToProfile } from '../mapping/customer-to-profile.ts';
import type { PropertyFilter } from '../mapping/mapping-options.ts';

/** What to do when Klaviyo says a customer's identifiers belong to different profiles (409 duplicate_profile). */
export type IdentityConflictPolicy = 'fail' | 'merge';

export const DUPLICATE_PROFILE = 'duplicate_profile';

export interface ConflictDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  properties: PropertyFilter;
  policy: IdentityConflictPolicy;
  /** How long to wait for Klaviyo to finish a merge before giving up on this customer for now. */
  mergeWaitMs?: number;
}

export type ConflictOutcome =
  | { outcome: 'succeeded'; detail: string }
  | { outcome: 'failed'; code: string; reason: string; retryable?: boolean };

/** Whether an error is Klaviyo's 409 duplicate_profile. */
export function isDuplicateProfile(e: unknown): boolean {
  return e instanceof KlaviyoApiError && e.status === 409 && e.errors.some((x) => x.code === DUPLICATE_PROFILE);
}

/**
 * Resolves the identity conflicts of these customers, by the configured policy. Each customer is read as it is
 * now and the Klaviyo profiles holding its external id, email or phone are looked up: its own profile is the one
 * with its external id (else the first found). `fail`: the customer fails with a reason naming every profile
 * involved. `merge`: the others are merged into its own (profile-merge), and once Klaviyo has done so its profile
 * is written. A conflict gone meanwhile: the profile is written.
 */
export async function resolveConflicts(
  deps: ConflictDeps,
  customerIds: readonly string[],
  signal?: AbortSignal,
): Promise<Map<string, ConflictOutcome>> {
  const results = new Map<string, ConflictOutcome>();
  let customers: Map<string, Customer>;
  try {
    customers = new Map((await customersByIds(deps.ct, [...customerIds])).map((c) => [c.id, c]));
  } catch (e) {
    for (const id of customerIds) results.set(id, failure(e));
    return results;
  }
  for (const id of customerIds) {
    const customer = customers.get(id);
    if (!customer) {
      results.set(id, { outcome: 'failed', code: DUPLICATE_PROFILE, reason: `customer ${id} is not in commercetools` });
      continue;
    }
    try {
      results.set(id, await resolveOne(deps, customer, signal));
    } catch (e) {
      results.set(id, failure(e));
    }
  }
  return results;
}

async function resolveOne(deps: ConflictDeps, customer: Customer, signal?: AbortSignal): Promise<ConflictOutcome> {
  const id = customer.id;
  const m = customerToProfile(customer, { properties: deps.properties });
  if (m.kind === 'skip') return { outcome: 'failed', code: DUPLICATE_PROFILE, reason: m.reason };
  const a = m.profile.attributes;
  const profiles = await findProfiles(deps.klaviyo, { externalId: id, email: a.email, phone: a.phone_number }, signal);
  // The customer's own profile: the one with its external id, else one with no external id (a guest's, which
  // becomes the customer's). A profile with another customer's external id is never merged nor taken over.
  const own = profiles.find((p) => p.externalId === id) ?? profiles.find((p) => !p.externalId);
  const others = profiles.filter((p) => p.id !== own?.id);
  const foreign = others.filter((p) => p.externalId && p.externalId !== id);
  if (foreign.length > 0)
    return {
      outcome: 'failed',
      code: DUPLICATE_PROFILE,
      reason: `Klaviyo profile ${foreign.map((p) => p.id).join(', ')} belongs to another customer (its external id) and holds an email or phone number of customer ${id}${own ? `, whose own profile is ${own.id}` : ''}: two customers share an identifier, which Klaviyo does not allow; change one of them in commercetools, then retry`,
    };
  if (own && others.length > 0 && deps.policy === 'fail')
    return { outcome: 'failed', code: DUPLICATE_PROFILE, reason: conflictReason(id, own, others) };
  if (own && others.length > 0) {
    for (const other of others) await mergeProfiles(deps.klaviyo, own.id, other.id, signal);
    await waitForMerges(deps.klaviyo, others, deps.mergeWaitMs ?? 60_000, signal);
  }
  await upsertProfile(deps.klaviyo, a);
  return {
    outcome: 'succeeded',
    detail: others.length
      ? `merged ${others.map((o) => o.id).join(', ')} into ${own?.id} (IDENTITY_CONFLICT=merge)`
      : 'the conflict was gone; profile written',
  };
}

/** A failure while resolving: passing ones (429, 5xx, a merge Klaviyo has not finished) are marked retryable. */
function failure(e: unknown): ConflictOutcome {
  return {
    outcome: 'failed',
    code: e instanceof KlaviyoApiError ? (e.errors[0]?.code ?? String(e.status)) : DUPLICATE_PROFILE,
    reason: `resolving the identity conflict failed: ${e instanceof Error ? e.message : String(e)}`,
    retryable: dispositionOf(e) !== 'permanent' && !isDuplicateProfile(e),
  };
}

function conflictReason(customerId: string, own: ProfileIdentity, others: ProfileIdentity[]): string {
  const held = others
    .map(
      (o) =>
        `${o.id} (${[o.email ? 'its email' : '', o.phone ? 'its phone number' : ''].filter(Boolean).join(' and ') || 'an identifier'})`,
    )
    .join(', ');
  return `Klaviyo profile ${held} already holds an identifier of customer ${customerId}, whose own profile is ${own.id}: set IDENTITY_CONFLICT=merge to merge ${others.length > 1 ? 'them' : 'it'} into ${own.id}, or merge or delete one in Klaviyo, then retry`;
}

/** Waits until Klaviyo has merged these profiles away (they are gone), backing off; throws when it takes too long. */
async function waitForMerges(
  http: KlaviyoHttp,
  sources: ProfileIdentity[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delayMs = 100;
  for (const source of sources) {
    while ((await findProfiles(http, { id: source.id }, signal)).length > 0) {
      if (Date.now() > deadline) throw new MergePendingError(source.id);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }
}

class MergePendingError extends KlaviyoApiError {
  constructor(sourceId: string) {
    super(
      503,
      [{ code: 'merge_pending', detail: `Klaviyo has not finished merging profile ${sourceId} yet` }],
      'merge_profiles',
    );
  }
}

/**
 * The outcomes of a batch with its identity conflicts resolved: each record that failed with duplicate_profile
 * gets the policy's outcome (succeeded once merged, or failed naming the profiles involved).
 */
export async function withConflictsResolved(
  deps: ConflictDeps | undefined,
  outcomes: RecordOutcome[],
  signal?: AbortSignal,
  options: { throwRetryable?: boolean } = {},
): Promise<RecordOutcome[]> {
  const conflicted = outcomes.filter((o) => o.outcome === 'failed' && o.code === DUPLICATE_PROFILE).map((o) => o.id);
  if (!deps || conflicted.length === 0) return outcomes;
  const resolved = await resolveConflicts(deps, conflicted, signal);
  // A passing failure (Klaviyo throttled, a merge not finished yet) is retried as a whole when the caller can.
  const passing = [...resolved.values()].find((r) => r.outcome === 'failed' && r.retryable);
  if (options.throwRetryable && passing?.outcome === 'failed')
    throw new AppError(passing.code, passing.reason, { disposition: 'retryable' });
  return outcomes.map((o) => {
    const r = resolved.get(o.id);
    if (!r) return o;
    return r.outcome === 'succeeded'
      ? { id: o.id, outcome: 'succeeded' }
      : { id: o.id, outcome: 'failed', code: r.code, reason: r.reason };
  });
}
