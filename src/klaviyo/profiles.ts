import { KlaviyoApiError } from '../core/errors.ts';
import type { JobRef, RecoveredBatch, WriteProgress } from '../core/job-progress.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import { collectionPages } from './collection.ts';
import type { KlaviyoHttp } from './http.ts';
import { acceptedJobId, type JobResource, type PollSchedule, waitForJob } from './jobs.ts';
import { OPERATIONS } from './operations.ts';
import type { KlaviyoRateLimiter } from './rate-limiter.ts';
import { type RowError, rowIndex } from './row-errors.ts';
import type {
  ImportErrorResource,
  JobDocument,
  ProfileAttributes,
  ProfileImportJobAttributes,
  ProfileUpsertResource,
} from './types.ts';

/** Klaviyo's limits for one bulk profile import job ("5 MB" and "100 KB" read in decimal units, the stricter reading). */
export const PROFILE_IMPORT_LIMITS = {
  maxProfiles: 10_000,
  maxJobBytes: 5_000_000,
  maxProfileBytes: 100_000,
} as const;

const PROFILES_POINTER = '/data/attributes/profiles/data';
const JOB_KIND = 'profile-import';
/** Profile jobs: a first look when such jobs have recently been done (at once at first), then backing off to 5 s. */
const PROFILE_JOB_POLL: PollSchedule = { firstDelayMs: 0, initialDelayMs: 250, factor: 1.6, maxDelayMs: 5000 };

/** The serialized size of a profile, or why Klaviyo would refuse it for its size. */
export function measureProfile(profile: ProfileUpsertResource): { bytes: number; problem?: string } {
  const bytes = Buffer.byteLength(JSON.stringify(profile), 'utf8');
  const max = PROFILE_IMPORT_LIMITS.maxProfileBytes;
  return bytes > max
    ? { bytes, problem: `the profile is ${bytes} bytes; Klaviyo accepts at most ${max} bytes per profile` }
    : { bytes };
}

/** A job Klaviyo accepted, holding only what attributing its errors needs: each row's id and external id. */
export interface SubmittedImport {
  jobId: string;
  submittedAtMs: number;
  rows: Row[];
}

/** A row of a submitted job: the record's id and the profile's identifiers. */
export interface Row {
  id: string;
  externalId?: string;
  email?: string;
  phone?: string;
}

const rejected = (id: string, e: RowError): RecordOutcome => ({
  id,
  outcome: 'failed',
  reason: `Klaviyo rejected the profile: ${e.detail}`,
  code: e.code,
  pointer: e.pointer || undefined,
});

/**
 * Submits a batch as one job. A job the API refuses as a whole (400 pointing at one profile) is submitted
 * again without that profile, which fails alone; those failures are returned with the job.
 */
export async function submitImport(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<ProfileUpsertResource>>,
  signal?: AbortSignal,
  listIds: readonly string[] = [],
): Promise<{ job?: SubmittedImport; refused: RecordOutcome[] }> {
  const refused: RecordOutcome[] = [];
  let pending = batch;
  while (pending.length > 0) {
    try {
      const res = await http.request<JobDocument<ProfileImportJobAttributes>>(OPERATIONS.bulkImportProfiles, {
        method: 'POST',
        path: '/api/profile-bulk-import-jobs',
        body: {
          data: {
            type: 'profile-bulk-import-job',
            attributes: { profiles: { data: pending.map((p) => p.item) } },
            ...(listIds.length
              ? { relationships: { lists: { data: listIds.map((id) => ({ type: 'list', id })) } } }
              : {}),
          },
        },
        signal,
      });
      const jobId = acceptedJobId(res.body, 'profile import');
      return {
        job: {
          jobId,
          submittedAtMs: Date.now(),
          rows: pending.map((p) => ({
            id: p.id,
            externalId: p.item.attributes.external_id,
            email: p.item.attributes.email?.toLowerCase(),
            phone: p.item.attributes.phone_number,
          })),
        },
        refused,
      };
    } catch (e) {
      if (!(e instanceof KlaviyoApiError) || e.status !== 400) throw e;
      const first = e.errors[0];
      const bad = rowIndex(first?.source?.pointer, PROFILES_POINTER, pending.length);
      if (bad === undefined) throw e;
      refused.push(
        rejected(pending[bad].id, { code: first.code, detail: first.detail, pointer: first.source?.pointer ?? '' }),
      );
      pending = pending.filter((_p, i) => i !== bad);
    }
  }
  return { refused };
}

interface ImportErrorReport {
  /** Errors by the row they belong to: by the entry index in the pointer, else by the external id of the original payload. */
  byRow: Map<number, RowError>;
  /** Errors that name no row (a pointer without an index, no original payload). */
  unattributed: RowError[];
  /** Errors by external id, for a recovered job whose rows are not known. */
  byExternalId: Map<string, RowError>;
}

async function readImportErrors(
  http: KlaviyoHttp,
  jobId: string,
  rows: SubmittedImport['rows'] | undefined,
  signal?: AbortSignal,
): Promise<ImportErrorReport> {
  const report: ImportErrorReport = { byRow: new Map(), unattributed: [], byExternalId: new Map() };
  const rowOfExternalId = new Map((rows ?? []).map((r, i) => [r.externalId, i]));
  const path = `/api/profile-bulk-import-jobs/${jobId}/import-errors?page[size]=100`;
  for await (const page of collectionPages<ImportErrorResource>(http, OPERATIONS.getImportErrors, path, signal)) {
    for (const e of page) {
      const error: RowError = {
        code: e.attributes.code,
        detail: e.attributes.detail,
        pointer: e.attributes.source?.pointer ?? '',
      };
      const externalId = e.attributes.original_payload?.attributes?.external_id;
      if (externalId !== undefined) report.byExternalId.set(externalId, error);
      const index = rows
        ? (rowIndex(error.pointer, PROFILES_POINTER, rows.length) ?? rowOfExternalId.get(externalId))
        : undefined;
      if (index !== undefined) report.byRow.set(index, error);
      else if (externalId === undefined) report.unattributed.push(error);
    }
  }
  return report;
}

/** The identifiers of the profiles a job imported (read back only when some of its errors name no profile). */
async function importedIdentifiers(http: KlaviyoHttp, jobId: string, signal?: AbortSignal): Promise<Set<string>> {
  const found = new Set<string>();
  const path = `/api/profile-bulk-import-jobs/${jobId}/profiles?page[size]=100&fields[profile]=external_id,email,phone_number`;
  type Row = { attributes?: Record<string, string | null | undefined> };
  for await (const page of collectionPages<Row>(http, OPERATIONS.getProfilesOfImportJob, path, signal)) {
    for (const p of page) {
      const a = p.attributes ?? {};
      if (a.external_id) found.add(`external_id:${a.external_id}`);
      if (a.email) found.add(`email:${a.email.toLowerCase()}`);
      if (a.phone_number) found.add(`phone:${a.phone_number}`);
    }
  }
  return found;
}

/**
 * The rows to fail for errors that name no profile, from what the job imported: the rows whose external id it
 * did not import — less those merged into an imported profile by email or phone, when that leaves exactly as
 * many rows as errors. When the counts still disagree, every row not imported by its own external id fails:
 * a row is never counted as imported on a guess.
 */
export function unattributedRows(
  rows: Row[],
  attributed: ReadonlyMap<number, RowError>,
  errors: number,
  imported: Set<string>,
): number[] {
  const missing = rows.flatMap((r, i) =>
    !attributed.has(i) && !imported.has(`external_id:${r.externalId}`) ? [i] : [],
  );
  if (missing.length === errors) return missing;
  const merged = (r: Row) =>
    (r.email !== undefined && imported.has(`email:${r.email}`)) ||
    (r.phone !== undefined && imported.has(`phone:${r.phone}`));
  const unmerged = missing.filter((i) => !merged(rows[i]));
  return unmerged.length === errors ? unmerged : missing;
}

function waitForImport(
  http: KlaviyoHttp,
  jobId: string,
  submittedAtMs: number,
  signal?: AbortSignal,
): Promise<JobResource<ProfileImportJobAttributes> & { attributes: ProfileImportJobAttributes }> {
  return waitForJob<ProfileImportJobAttributes>(
    http,
    OPERATIONS.getBulkImportProfilesJob,
    `/api/profile-bulk-import-jobs/${jobId}`,
    PROFILE_JOB_POLL,
    signal,
    submittedAtMs,
  );
}

/**
 * Waits for a job and gives each row its outcome. Errors are attributed by the entry index in their pointer or
 * the external id of their original payload; if some name no profile, the job's imported profiles are read
 * back and every row not among them fails with those errors — a row is never counted as imported on a guess.
 */
export async function finishImport(
  http: KlaviyoHttp,
  job: SubmittedImport,
  signal?: AbortSignal,
): Promise<RecordOutcome[]> {
  const done = await waitForImport(http, job.jobId, job.submittedAtMs, signal);
  if (done.attributes.status === 'cancelled') {
    return job.rows.map((r) => ({
      id: r.id,
      outcome: 'failed',
      reason: `Klaviyo cancelled import job ${job.jobId}`,
      code: 'cancelled',
    }));
  }
  if ((done.attributes.failed_count ?? 0) === 0) return job.rows.map((r) => ({ id: r.id, outcome: 'succeeded' }));
  const errors = await readImportErrors(http, job.jobId, job.rows, signal);
  if (errors.unattributed.length) {
    const imported = await importedIdentifiers(http, job.jobId, signal);
    const first = errors.unattributed[0];
    const detail = `Klaviyo reported ${errors.unattributed.length} error(s) it did not attribute to a profile (${errors.unattributed.map((e) => `${e.code}: ${e.detail}${e.pointer ? ` at ${e.pointer}` : ''}`).join('; ')}), and this profile is not among those the job imported`;
    for (const i of unattributedRows(job.rows, errors.byRow, errors.unattributed.length, imported)) {
      errors.byRow.set(i, { code: first.code, detail, pointer: first.pointer });
    }
  }
  return job.rows.map((r, i) => {
    const e = errors.byRow.get(i);
    return e ? rejected(r.id, e) : { id: r.id, outcome: 'succeeded' };
  });
}

/**
 * Imports a batch (≤ 10,000 profiles, ≤ 5 MB) as one bulk profile import job and gives each profile its
 * outcome; the profiles join `listIds` (membership only, consent unchanged). Once Klaviyo has accepted the job, the profiles' payloads are let go (`batch` is emptied: only ids
 * are kept while the job runs) and `progress` hears of the job, so a run can record it and a later process
 * finish it.
 */
export async function importProfiles(
  http: KlaviyoHttp,
  batch: Array<BatchEntry<ProfileUpsertResource>>,
  signal?: AbortSignal,
  progress?: WriteProgress,
  listIds?: readonly string[],
): Promise<RecordOutcome[]> {
  const { job, refused } = await submitImport(http, batch, signal, listIds);
  // The payloads are not needed any more: let them go while the job runs (a job can take minutes).
  batch.length = 0;
  if (!job) return refused;
  progress?.submitted([{ kind: JOB_KIND, id: job.jobId }], refused);
  return [...refused, ...(await finishImport(http, job, signal))];
}

/**
 * Finishes import jobs a stopped or crashed run left in flight; failures are keyed by the external id of their
 * original payload (the record id, for customers). The rows are not known here, so a job whose
 * errors do not all carry the profile they belong to cannot be attributed: undefined (its batch is sent again,
 * which is harmless). A cancelled job is sent again too.
 */
export async function recoverProfileImports(
  http: KlaviyoHttp,
  jobs: JobRef[],
  signal?: AbortSignal,
): Promise<RecoveredBatch | undefined> {
  const recovered: RecoveredBatch = { succeeded: 0, failures: [] };
  for (const ref of jobs) {
    if (ref.kind !== JOB_KIND) return undefined;
    const done = await waitForImport(http, ref.id, Date.now(), signal);
    if (done.attributes.status !== 'complete') return undefined;
    const failedCount = done.attributes.failed_count ?? 0;
    if (failedCount > 0) {
      const errors = await readImportErrors(http, ref.id, undefined, signal);
      if (errors.unattributed.length || errors.byExternalId.size !== failedCount) return undefined;
      for (const [externalId, e] of errors.byExternalId)
        recovered.failures.push(rejected(externalId, e) as RecoveredBatch['failures'][number]);
    }
    recovered.succeeded += done.attributes.total_count - failedCount;
  }
  return recovered;
}

/**
 * Creates or updates one profile with `profile-import` (real time: lowest latency) and returns its Klaviyo id.
 * Attributes that are absent are left as they are in Klaviyo.
 */
export async function upsertProfile(http: KlaviyoHttp, attributes: ProfileAttributes): Promise<string | undefined> {
  const res = await http.request<{ data?: { id?: string } }>(OPERATIONS.createOrUpdateProfile, {
    method: 'POST',
    path: '/api/profile-import',
    body: { data: { type: 'profile', attributes } },
  });
  return res.body?.data?.id;
}

/** How long a `profile-import` call, and a bulk profile import job, would wait now for the rate limit (0: at once). */
export function profileWriteWaitMs(limiter: KlaviyoRateLimiter): { single: number; bulk: number } {
  return {
    single: limiter.waitMsFor(OPERATIONS.createOrUpdateProfile),
    bulk: limiter.waitMsFor(OPERATIONS.bulkImportProfiles),
  };
}
