import { randomUUID } from 'node:crypto';
import { matchesCondition, parseFilter } from '../filter.ts';
import { invalid, KlaviyoError, notFound, paginate } from '../jsonapi.ts';
import type { Account } from '../store/account.ts';
import type { Job, JobError, JobOutcome } from '../store/jobs.ts';
import { DuplicateProfileError, profileResource } from '../store/profiles.ts';
import {
  bulkEntries,
  collection,
  type JsonObject,
  type OpContext,
  type OpHandler,
  requireData,
  single,
} from './context.ts';

export const MAX_PROFILES_PER_IMPORT_JOB = 10_000;
const JOB_TYPE = 'profile-bulk-import-job';

function runImport(account: Account, entries: JsonObject[], nowMs: () => number, listIds: string[]): JobOutcome {
  const errors: JobError[] = [];
  const resultIds: string[] = [];
  entries.forEach((entry, i) => {
    try {
      const { profile } = account.profiles.upsert(
        { id: entry.id as string | undefined, attributes: (entry.attributes as JsonObject | undefined) ?? {} },
        new Date(nowMs()).toISOString(),
        `/data/attributes/profiles/data/${i}`,
        { isBulkImport: true },
      );
      resultIds.push(profile.id);
    } catch (e) {
      if (!(e instanceof KlaviyoError)) throw e;
      errors.push({
        id: randomUUID(),
        code: e.code,
        title: e.title,
        ...(e instanceof DuplicateProfileError
          ? {
              // An import error has no `meta`: the conflict is named in the detail, the pointer is the identifier.
              detail: `${e.detail} The ${e.field} belongs to profile '${e.duplicateProfileId}'.`,
              source: { pointer: `/data/attributes/profiles/data/${i}/attributes/${e.field}` },
            }
          : { detail: e.detail, source: { pointer: e.source.pointer ?? `/data/attributes/profiles/data/${i}` } }),
        original_payload: entry,
      });
    }
  });
  const ids = [...new Set(resultIds)];
  // "Optional list to add the profiles to": every profile imported joins each list the job names.
  const now = new Date(nowMs()).toISOString();
  for (const listId of listIds) {
    const list = account.lists.get(listId);
    if (list) for (const id of ids) account.lists.add(list, id, now);
  }
  return {
    completed: entries.length - errors.length,
    failed: errors.length,
    errors,
    resultIds: ids,
  };
}

export function profileJobResource(job: Job, baseUrl: string): JsonObject {
  const self = `${baseUrl}/api/profile-bulk-import-jobs/${job.id}`;
  return {
    type: JOB_TYPE,
    id: job.id,
    attributes: {
      status: job.status,
      created_at: job.created_at,
      total_count: job.total_count,
      completed_count: job.completed_count,
      failed_count: job.failed_count,
      completed_at: job.completed_at,
      expires_at: job.expires_at,
      started_at: job.started_at,
    },
    relationships: {
      lists: {
        data: (job.listIds ?? []).map((id) => ({ type: 'list', id })),
        links: { self: `${self}/relationships/lists`, related: `${self}/lists` },
      },
      profiles: { links: { self: `${self}/relationships/profiles`, related: `${self}/profiles` } },
      'import-errors': { links: { related: `${self}/import-errors` } },
    },
    links: { self },
  };
}

function findJob(ctx: OpContext, id: string): Job {
  const job = ctx.account.jobs.jobs.get(id);
  if (!job || job.type !== JOB_TYPE) throw notFound(`A profile bulk import job with id '${id}' does not exist.`);
  return job;
}

/**
 * The lists named by `relationships.lists`, all of which must exist: Klaviyo documents nothing for an unknown
 * id, so the stricter reading is taken — the whole request is refused (404) and no job is created.
 */
function importLists(ctx: OpContext, d: JsonObject): string[] {
  const rel = (d.relationships as JsonObject | undefined)?.lists as { data?: unknown } | undefined;
  const data = rel?.data;
  if (data === undefined || data === null) return [];
  if (!Array.isArray(data)) throw invalid("'data' must be an array.", { pointer: '/data/relationships/lists/data' });
  return [
    ...new Set(
      data.map((item, i) => {
        const id = (item as JsonObject | null)?.id;
        if (typeof id !== 'string' || !ctx.account.lists.get(id)) {
          throw new KlaviyoError(404, 'not_found', 'Not found.', `A list with id '${String(id)}' does not exist.`, {
            pointer: `/data/relationships/lists/data/${i}/id`,
          });
        }
        return id;
      }),
    ),
  ];
}

const bulkImportProfiles: OpHandler = (ctx) => {
  const d = requireData(ctx.body, JOB_TYPE);
  const entries = bulkEntries(d, 'profiles');
  if (entries.length === 0)
    throw invalid('At least one profile is required.', { pointer: '/data/attributes/profiles/data' });
  if (entries.length > MAX_PROFILES_PER_IMPORT_JOB) {
    throw invalid(
      `A bulk import job can contain at most ${MAX_PROFILES_PER_IMPORT_JOB} profiles (got ${entries.length}).`,
      { pointer: '/data/attributes/profiles/data' },
    );
  }
  const account = ctx.account;
  const listIds = importLists(ctx, d);
  const job = account.jobs.create(JOB_TYPE, entries.length, ctx.nowMs, () =>
    runImport(account, entries, Date.now, listIds),
  );
  job.listIds = listIds;
  return single(202, profileJobResource(job, ctx.baseUrl), `${ctx.baseUrl}/api/profile-bulk-import-jobs`);
};

const getJob: OpHandler = (ctx) => {
  const job = findJob(ctx, ctx.params.job_id);
  ctx.account.jobs.poll(job, ctx.nowMs);
  return single(200, profileJobResource(job, ctx.baseUrl), `${ctx.baseUrl}/api/profile-bulk-import-jobs/${job.id}`);
};

export function filterJobs(jobs: Job[], filter: string | null): Job[] {
  if (!filter) return jobs;
  const conditions = parseFilter(filter);
  return jobs.filter((j) => conditions.every((c) => matchesCondition(c.field === 'status' ? j.status : undefined, c)));
}

const listJobs: OpHandler = (ctx) => {
  const jobs = filterJobs(
    [...ctx.account.jobs.jobs.values()].filter((j) => j.type === JOB_TYPE),
    ctx.url.searchParams.get('filter'),
  );
  const { page, links } = paginate(jobs, ctx.url, 20);
  return collection(
    page.map((j) => profileJobResource(j, ctx.baseUrl)),
    links,
  );
};

const importErrors: OpHandler = (ctx) => {
  const job = findJob(ctx, ctx.params.id);
  const { page, links } = paginate(job.errors, ctx.url, 20);
  return collection(
    page.map((e) => ({
      type: 'import-error',
      id: e.id,
      attributes: {
        code: e.code,
        title: e.title,
        detail: e.detail,
        source: e.source,
        original_payload: e.original_payload ?? null,
      },
    })),
    links,
  );
};

const jobProfiles: OpHandler = (ctx) => {
  const job = findJob(ctx, ctx.params.id);
  const { page, links } = paginate(job.resultIds, ctx.url, 20);
  const profiles = page.map((id) => ctx.account.profiles.get(id)).filter((p) => p !== undefined);
  return collection(
    profiles.map((p) => profileResource(p, ctx.baseUrl)),
    links,
  );
};

const jobProfileIds: OpHandler = (ctx) => {
  const job = findJob(ctx, ctx.params.id);
  const { page, links } = paginate(job.resultIds, ctx.url, 20);
  return collection(
    page.map((id) => ({ type: 'profile', id })),
    links,
  );
};

export const profileJobHandlers: Record<string, OpHandler> = {
  bulk_import_profiles: bulkImportProfiles,
  get_bulk_import_profiles_job: getJob,
  get_bulk_import_profiles_jobs: listJobs,
  get_errors_for_bulk_import_profiles_job: importErrors,
  get_profiles_for_bulk_import_profiles_job: jobProfiles,
  get_profile_ids_for_bulk_import_profiles_job: jobProfileIds,
};
