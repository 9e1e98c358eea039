import { KlaviyoApiError } from '../core/errors.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import type { KlaviyoHttp } from './http.ts';
import { acceptedJobId, type PollSchedule, waitForJob } from './jobs.ts';
import { OPERATIONS } from './operations.ts';
import { type RowError, rowIndex } from './row-errors.ts';
import type {
  CollectionDocument,
  ImportErrorResource,
  JobDocument,
  ProfileAttributes,
  ProfileImportJobAttributes,
  ProfileUpsertResource,
} from './types.ts';

/** Klaviyo's limits for one bulk profile import job. */
export const PROFILE_IMPORT_LIMITS = {
  maxProfiles: 10_000,
  maxJobBytes: 5 * 1024 * 1024,
  maxProfileBytes: 100 * 1024,
} as const;

const PROFILES_POINTER = '/data/attributes/profiles/data';
/** Profile jobs: a look at once, then backing off from 250 ms to 5 s. */
const PROFILE_JOB_POLL: PollSchedule = { firstDelayMs: 0, initialDelayMs: 250, factor: 1.6, maxDelayMs: 5000 };

/** The serialized size of a profile, or why Klaviyo would refuse it for its size. */
export function measureProfile(profile: ProfileUpsertResource): { bytes: number; problem?: string } {
  const bytes = Buffer.byteLength(JSON.stringify(profile), 'utf8');
  const max = PROFILE_IMPORT_LIMITS.maxProfileBytes;
  return bytes > max
    ? { bytes, problem: `the profile is ${bytes} bytes; Klaviyo accepts at most ${max} bytes per profile` }
    : { bytes };
}

async function submitImportJob(
  http: KlaviyoHttp,
  profiles: ProfileUpsertResource[],
  signal?: AbortSignal,
): Promise<string> {
  const res = await http.request<JobDocument<ProfileImportJobAttributes>>(OPERATIONS.bulkImportProfiles, {
    method: 'POST',
    path: '/api/profile-bulk-import-jobs',
    body: { data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } } },
    signal,
  });
  return acceptedJobId(res.body, 'profile import');
}

/** Every import error of a job, by the batch row it points at (else by the external id of its original payload). */
async function readImportErrors(
  http: KlaviyoHttp,
  jobId: string,
  batch: Array<BatchEntry<ProfileUpsertResource>>,
  signal?: AbortSignal,
): Promise<Map<number, RowError>> {
  const byRow = new Map<number, RowError>();
  let path: string | null | undefined = `/api/profile-bulk-import-jobs/${jobId}/import-errors?page[size]=100`;
  while (path) {
    const res: { body: CollectionDocument<ImportErrorResource> | undefined } = await http.request<
      CollectionDocument<ImportErrorResource>
    >(OPERATIONS.getImportErrors, { method: 'GET', path, signal });
    for (const e of res.body?.data ?? []) {
      const pointer = e.attributes.source?.pointer ?? '';
      const externalId = e.attributes.original_payload?.attributes?.external_id;
      const index =
        rowIndex(pointer, PROFILES_POINTER, batch.length) ??
        batch.findIndex((p) => externalId !== undefined && p.item.attributes.external_id === externalId);
      if (index >= 0) byRow.set(index, { code: e.attributes.code, detail: e.attributes.detail, pointer });
    }
    path = res.body?.links?.next;
  }
  return byRow;
}

/**
 * Imports a batch (≤ 10,000 profiles, ≤ 5 MB) as one bulk profile import job, waits for it, and gives each
 * profile its outcome from the job's import errors. A job the API refuses as a whole (400 pointing at one
 * profile) is submitted again without that profile, which fails alone.
 */
export async function importProfiles(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<ProfileUpsertResource>>,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  let pending = batch;
  while (pending.length > 0) {
    let jobId: string;
    try {
      jobId = await submitImportJob(
        http,
        pending.map((p) => p.item),
        signal,
      );
    } catch (e) {
      if (!(e instanceof KlaviyoApiError) || e.status !== 400) throw e;
      const first = e.errors[0];
      const bad = rowIndex(first?.source?.pointer, PROFILES_POINTER, pending.length);
      if (bad === undefined) throw e;
      outcomes.push({
        id: pending[bad].id,
        outcome: 'failed',
        reason: `Klaviyo rejected the profile: ${first.detail}`,
        code: first.code,
        pointer: first.source?.pointer,
      });
      pending = pending.filter((_p, i) => i !== bad);
      continue;
    }
    const job = await waitForJob<ProfileImportJobAttributes>(
      http,
      OPERATIONS.getBulkImportProfilesJob,
      `/api/profile-bulk-import-jobs/${jobId}`,
      PROFILE_JOB_POLL,
      signal,
    );
    if (job.status === 'cancelled') {
      for (const p of pending)
        outcomes.push({
          id: p.id,
          outcome: 'failed',
          reason: `Klaviyo cancelled import job ${jobId}`,
          code: 'cancelled',
        });
      return outcomes;
    }
    const failed =
      (job.failed_count ?? 0) > 0 ? await readImportErrors(http, jobId, pending, signal) : new Map<number, RowError>();
    pending.forEach((p, i) => {
      const f = failed.get(i);
      outcomes.push(
        f
          ? {
              id: p.id,
              outcome: 'failed',
              reason: `Klaviyo rejected the profile: ${f.detail}`,
              code: f.code,
              pointer: f.pointer,
            }
          : { id: p.id, outcome: 'succeeded' },
      );
    });
    pending = [];
  }
  return outcomes;
}

/**
 * Creates or updates one profile with `profile-import` (real time: lowest latency). Attributes that are
 * absent are left as they are in Klaviyo.
 */
export async function upsertProfile(http: KlaviyoHttp, attributes: ProfileAttributes): Promise<void> {
  await http.request(OPERATIONS.createOrUpdateProfile, {
    method: 'POST',
    path: '/api/profile-import',
    body: { data: { type: 'profile', attributes } },
  });
}
