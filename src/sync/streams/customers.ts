import type { Customer } from '@commercetools/platform-sdk';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import { countCustomers, customerPages } from '../../commercetools/customers.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import {
  importProfiles,
  measureProfile,
  PROFILE_IMPORT_LIMITS,
  recoverProfileImports,
} from '../../klaviyo/profiles.ts';
import type { ProfileUpsertResource } from '../../klaviyo/types.ts';
import { customerToProfile } from '../../mapping/customer-to-profile.ts';
import type { PropertyFilter } from '../../mapping/mapping-options.ts';
import type { StreamDefinition } from '../stream.ts';

export interface CustomerStreamDeps {
  ct: CommercetoolsApi;
  klaviyo: KlaviyoHttp;
  properties: PropertyFilter;
  /** Profiles per job, at most 10,000. */
  batchSize?: number;
  /** Import jobs kept in flight at once (default 100). */
  jobsInFlight?: number;
}

/**
 * Customers → profiles, through bulk profile import jobs of up to 10,000; the jobs of a stopped or crashed run
 * are finished by its resume.
 */
export function customersStream(deps: CustomerStreamDeps): StreamDefinition<Customer, ProfileUpsertResource> {
  return {
    kind: 'customers',
    reader: {
      pages: (options, cursor, signal) =>
        customerPages(deps.ct, { cursor: cursor ?? options.startId, ids: options.ids, signal }),
      countTotal: async (options, signal) =>
        options.ids
          ? new Set(options.ids).size
          : options.startId || options.resume
            ? undefined
            : countCustomers(deps.ct, signal),
    },
    map(customer) {
      const m = customerToProfile(customer, { properties: deps.properties });
      if (m.kind === 'skip') return { kind: 'skip', id: customer.id, reason: m.reason };
      const size = measureProfile(m.profile);
      if (size.problem) return { kind: 'fail', id: customer.id, reason: size.problem };
      // Sent, but with something left out (an invalid phone number): reported as a warning with its id.
      return { kind: 'item', id: customer.id, item: m.profile, bytes: size.bytes, warnings: m.warnings };
    },
    limits: {
      maxBatchItems: Math.min(deps.batchSize ?? PROFILE_IMPORT_LIMITS.maxProfiles, PROFILE_IMPORT_LIMITS.maxProfiles),
      maxBatchBytes: PROFILE_IMPORT_LIMITS.maxJobBytes - 64_000,
      // Jobs run asynchronously in Klaviyo: many in flight keep the rate limit, not job latency, the bound.
      maxInFlight: deps.jobsInFlight ?? 100,
      maxSending: 2,
    },
    write: (batch, signal, progress) => importProfiles(deps.klaviyo, batch, signal, progress),
    recover: (jobs, signal) => recoverProfileImports(deps.klaviyo, jobs, signal),
  };
}
