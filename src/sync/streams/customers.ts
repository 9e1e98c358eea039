import type { Customer } from '@commercetools/platform-sdk';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import { countCustomers, customerPages } from '../../commercetools/customers.ts';
import { type ErasureStore, erasedKeysReader, isErased } from '../../commercetools/erasure-store.ts';
import { customerScope } from '../../commercetools/store-scope.ts';
import type { RouteScope } from '../../config/route-config.ts';
import { consentCandidates, dryRunConsent, syncConsentOfLanded } from '../../consent/sync-consent.ts';
import { type ConflictDeps, withConflictsResolved } from '../../identity/resolve-conflicts.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import {
  importProfiles,
  measureProfile,
  PROFILE_IMPORT_LIMITS,
  recoverProfileImports,
} from '../../klaviyo/profiles.ts';
import type { ProfileUpsertResource } from '../../klaviyo/types.ts';
import { type ConsentConfig, type ConsentIntent, customerConsent } from '../../mapping/consent.ts';
import { customerToProfile } from '../../mapping/customer-to-profile.ts';
import type { PropertyFilter } from '../../mapping/mapping-options.ts';
import { modifiedWindow } from '../run-report.ts';
import type { StreamDefinition } from '../stream.ts';
import { requireLists } from './require-lists.ts';

export interface CustomerStreamDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  properties: PropertyFilter;
  /** Profiles per job, at most 10,000. */
  batchSize?: number;
  /** Import jobs kept in flight at once (default 100). */
  jobsInFlight?: number;
  /** Marketing consent to sync once the profiles have landed. */
  consent?: ConsentConfig;
  /** A list every imported profile joins (membership only). */
  customersListId?: string;
  /** People erased on request: skipped. */
  erasures?: Pick<ErasureStore, 'keys'>;
  /** Identity conflicts (duplicate_profile) are resolved by IDENTITY_CONFLICT before consent. */
  conflicts?: ConflictDeps;
  /** A store route's customers only (absent: every customer). */
  scope?: RouteScope;
}

/** A customer's profile, and its consent when consent is synced. */
export interface CustomerItem {
  profile: ProfileUpsertResource;
  consent?: ConsentIntent;
}

/**
 * Customers → profiles, through bulk profile import jobs of up to 10,000; the jobs of a stopped or crashed run
 * are finished by its resume. With consent configured, each batch's consent is synced once its profiles have
 * landed (consent-sync); a batch is done only then, so a resume of a crashed run sends such batches again (the
 * profile import and the consent rules are safe to repeat) instead of finishing their jobs.
 */
export function customersStream(deps: CustomerStreamDeps): StreamDefinition<Customer, CustomerItem> {
  const { consent } = deps;
  const listIds = deps.customersListId ? [deps.customersListId] : [];
  let erased: ReadonlySet<string> = new Set();
  const erasedKeys = erasedKeysReader(deps.erasures);
  return {
    kind: 'customers',
    reader: {
      async *pages(options, cursor, signal) {
        await requireLists(deps.klaviyo, { consent: consent?.listId, customers: deps.customersListId }, signal);
        for await (const page of customerPages(deps.ct, {
          cursor: cursor ?? options.startId,
          ids: options.ids,
          modified: modifiedWindow(options),
          retryIds: options.retryIds,
          where: customerScope(deps.scope),
          signal,
        })) {
          // Read again now and then: an erasure made while the run goes is honoured within seconds.
          erased = await erasedKeys(signal);
          yield page;
        }
      },
      countTotal: async (options, signal) =>
        options.ids
          ? new Set(options.ids).size
          : options.startId || options.resume || options.modifiedSince || customerScope(deps.scope).length
            ? undefined
            : countCustomers(deps.ct, signal),
    },
    map(customer) {
      if (isErased(erased, { customerId: customer.id, email: customer.email }))
        return {
          kind: 'skip',
          id: customer.id,
          reason: 'erased on request (POST /privacy/erase): not sent to Klaviyo',
        };
      const m = customerToProfile(customer, { properties: deps.properties });
      if (m.kind === 'skip') return { kind: 'skip', id: customer.id, reason: m.reason };
      const size = measureProfile(m.profile);
      if (size.problem) return { kind: 'fail', id: customer.id, reason: size.problem };
      const a = m.profile.attributes;
      const intent = consent
        ? customerConsent(customer, consent, { email: a.email, phone: a.phone_number })
        : undefined;
      // Sent, but with something left out (an invalid phone number): reported as a warning with its id.
      return {
        kind: 'item',
        id: customer.id,
        item: { profile: m.profile, ...(intent ? { consent: intent } : {}) },
        bytes: size.bytes,
        warnings: m.warnings,
      };
    },
    limits: {
      maxBatchItems: Math.min(deps.batchSize ?? PROFILE_IMPORT_LIMITS.maxProfiles, PROFILE_IMPORT_LIMITS.maxProfiles),
      maxBatchBytes: PROFILE_IMPORT_LIMITS.maxJobBytes - 64_000,
      // Jobs run asynchronously in Klaviyo: many in flight keep the rate limit, not job latency, the bound.
      maxInFlight: deps.jobsInFlight ?? 100,
      maxSending: 2,
    },
    async write(batch, signal, progress) {
      const candidates = consentCandidates(batch);
      const profiles = batch.map((b) => ({ id: b.id, item: b.item.profile }));
      // Only ids (and the small consent intents) are kept while the job runs.
      batch.length = 0;
      const outcomes = await withConflictsResolved(
        deps.conflicts,
        await importProfiles(deps.klaviyo, profiles, signal, progress, listIds),
        signal,
      );
      if (!consent) return outcomes;
      return syncConsentOfLanded(deps.klaviyo, consent, candidates, outcomes, { by: 'external_id', signal });
    },
    ...(consent
      ? { dryWrite: (batch, signal) => dryRunConsent(deps.klaviyo, consent, batch, { by: 'external_id', signal }) }
      : { recover: (jobs, signal) => recoverProfileImports(deps.klaviyo, jobs, signal) }),
  };
}
