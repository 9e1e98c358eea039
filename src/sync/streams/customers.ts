import type { ByProjectKeyRequestBuilder, Customer } from '@commercetools/platform-sdk';
import { ctCall } from '../../commercetools/client.ts';
import { customerPages } from '../../commercetools/keyset-pager.ts';
import { KlaviyoApiError } from '../../core/errors.ts';
import type { KlaviyoHttp } from '../../klaviyo/http.ts';
import { MAX_JOB_BYTES, MAX_PROFILE_BYTES, MAX_PROFILES_PER_JOB, readProfileImportErrors, submitProfileImportJob, waitForProfileImportJob } from '../../klaviyo/profile-import-jobs.ts';
import type { ProfileUpsertResource } from '../../klaviyo/types.ts';
import { customerToProfile } from '../../mapping/customer-to-profile.ts';
import type { PropertyFilter } from '../../mapping/mapping-options.ts';
import type { ItemOutcome, StreamDefinition } from '../stream.ts';

export interface CustomerStreamDeps {
  ct: ByProjectKeyRequestBuilder;
  klaviyo: KlaviyoHttp;
  properties: PropertyFilter;
  /** Profiles per job, at most 10,000. */
  batchSize?: number;
}

const POINTER_INDEX = /^\/data\/attributes\/profiles\/data\/(\d+)/;

/**
 * Submits one batch as a bulk profile import job and attributes each import error to its customer. A job the
 * API refuses as a whole (400 pointing at one profile) is retried without that profile, which fails alone.
 */
export async function importProfiles(klaviyo: KlaviyoHttp, batch: Array<{ id: string; item: ProfileUpsertResource }>, signal: AbortSignal): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = [];
  let pending = batch;
  while (pending.length > 0) {
    let jobId: string;
    try {
      jobId = await submitProfileImportJob(klaviyo, pending.map((p) => p.item), signal);
    } catch (e) {
      if (!(e instanceof KlaviyoApiError) || e.status !== 400) throw e;
      const first = e.errors[0];
      const m = POINTER_INDEX.exec(first?.source?.pointer ?? '');
      if (!m || Number(m[1]) >= pending.length) throw e;
      const bad = Number(m[1]);
      outcomes.push({ id: pending[bad].id, outcome: 'failed', reason: `Klaviyo rejected the profile: ${first.detail}`, code: first.code, pointer: first.source?.pointer });
      pending = pending.filter((_p, i) => i !== bad);
      continue;
    }
    const job = await waitForProfileImportJob(klaviyo, jobId, signal);
    if (job.status === 'cancelled') {
      for (const p of pending) outcomes.push({ id: p.id, outcome: 'failed', reason: `Klaviyo cancelled import job ${jobId}`, code: 'cancelled' });
      return outcomes;
    }
    const failedByIndex = new Map<number, { detail: string; code: string; pointer: string }>();
    if ((job.failed_count ?? 0) > 0) {
      for (const err of await readProfileImportErrors(klaviyo, jobId, signal)) {
        const index = err.index ?? pending.findIndex((p) => p.item.attributes.external_id === err.externalId);
        if (index >= 0 && index < pending.length) failedByIndex.set(index, { detail: err.detail, code: err.code, pointer: err.pointer });
      }
    }
    pending.forEach((p, i) => {
      const f = failedByIndex.get(i);
      outcomes.push(f ? { id: p.id, outcome: 'failed', reason: `Klaviyo rejected the profile: ${f.detail}`, code: f.code, pointer: f.pointer } : { id: p.id, outcome: 'succeeded' });
    });
    pending = [];
  }
  return outcomes;
}

export function customersStream(deps: CustomerStreamDeps): StreamDefinition<Customer, ProfileUpsertResource> {
  return {
    kind: 'customers',
    pages: (options, cursor, signal) => customerPages(deps.ct, { cursor: cursor ?? options.startId, ids: options.ids, signal }),
    async countTotal(options, signal) {
      if (options.ids) return new Set(options.ids).size;
      if (options.startId || options.resume) return undefined;
      const body = await ctCall('customer count', () => deps.ct.customers().get({ queryArgs: { limit: 1, withTotal: true } }).execute(), { signal });
      return body.total;
    },
    map(customer) {
      const m = customerToProfile(customer, { properties: deps.properties });
      if (m.kind === 'skip') return { kind: 'skip', id: customer.id, reason: m.reason };
      const bytes = Buffer.byteLength(JSON.stringify(m.profile), 'utf8');
      if (bytes > MAX_PROFILE_BYTES) return { kind: 'fail', id: customer.id, reason: `the profile is ${bytes} bytes; Klaviyo accepts at most ${MAX_PROFILE_BYTES} bytes per profile` };
      return { kind: 'item', id: customer.id, item: m.profile, bytes };
    },
    maxBatchItems: Math.min(deps.batchSize ?? MAX_PROFILES_PER_JOB, MAX_PROFILES_PER_JOB),
    maxBatchBytes: MAX_JOB_BYTES - 64 * 1024,
    maxInFlight: 3,
    write: (batch, signal) => importProfiles(deps.klaviyo, batch, signal),
  };
}
