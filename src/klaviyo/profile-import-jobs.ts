import { sleep } from '../core/abort.ts';
import type { KlaviyoHttp } from './http.ts';
import { OPERATIONS } from './operations.ts';
import type { CollectionDocument, ImportErrorResource, JobDocument, ProfileImportJobAttributes, ProfileUpsertResource } from './types.ts';

export const MAX_PROFILES_PER_JOB = 10_000;
export const MAX_JOB_BYTES = 5 * 1024 * 1024;
export const MAX_PROFILE_BYTES = 100 * 1024;

export interface ProfileImportError {
  /** Index of the profile in the submitted batch, from the error's JSON pointer. */
  index: number | undefined;
  externalId: string | undefined;
  code: string;
  detail: string;
  pointer: string;
}

/** Submits one bulk profile import job (≤ 10,000 profiles, ≤ 5 MB) and returns its id. */
export async function submitProfileImportJob(http: KlaviyoHttp, profiles: ProfileUpsertResource[], signal?: AbortSignal): Promise<string> {
  const res = await http.request<JobDocument<ProfileImportJobAttributes>>(OPERATIONS.bulkImportProfiles, {
    method: 'POST',
    path: '/api/profile-bulk-import-jobs',
    body: { data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } } },
    signal,
  });
  if (!res.body?.data?.id) throw new Error('Klaviyo accepted the profile import job but returned no job id');
  return res.body.data.id;
}

/**
 * Polls a job until it is `complete` or `cancelled` (queued and processing are not finished), backing off
 * from 250 ms to 5 s so polling stays well inside the job-GET rate limit.
 */
export async function waitForProfileImportJob(http: KlaviyoHttp, jobId: string, signal?: AbortSignal): Promise<ProfileImportJobAttributes> {
  let delayMs = 250;
  for (;;) {
    const res = await http.request<JobDocument<ProfileImportJobAttributes>>(OPERATIONS.getBulkImportProfilesJob, { method: 'GET', path: `/api/profile-bulk-import-jobs/${jobId}`, signal });
    const attributes = res.body?.data.attributes;
    if (attributes && (attributes.status === 'complete' || attributes.status === 'cancelled')) return attributes;
    await sleep(delayMs, signal);
    delayMs = Math.min(delayMs * 1.6, 5000);
  }
}

/** Reads every import error of a job, attributing each to the batch index in its pointer. */
export async function readProfileImportErrors(http: KlaviyoHttp, jobId: string, signal?: AbortSignal): Promise<ProfileImportError[]> {
  const errors: ProfileImportError[] = [];
  let path: string | null | undefined = `/api/profile-bulk-import-jobs/${jobId}/import-errors?page[size]=100`;
  while (path) {
    const res: { body: CollectionDocument<ImportErrorResource> | undefined } = await http.request<CollectionDocument<ImportErrorResource>>(OPERATIONS.getImportErrors, { method: 'GET', path, signal });
    for (const e of res.body?.data ?? []) {
      const pointer = e.attributes.source?.pointer ?? '';
      const m = /^\/data\/attributes\/profiles\/data\/(\d+)/.exec(pointer);
      errors.push({
        index: m ? Number(m[1]) : undefined,
        externalId: e.attributes.original_payload?.attributes?.external_id,
        code: e.attributes.code,
        detail: e.attributes.detail,
        pointer,
      });
    }
    path = res.body?.links?.next;
  }
  return errors;
}
