import { sleep } from '../core/abort.ts';
import { catalogId } from '../core/catalog-id.ts';
import { UnexpectedResponseError } from '../core/errors.ts';
import type { KlaviyoHttp } from './http.ts';
import { catalogJobOperations, type KlaviyoOperation } from './operations.ts';
import { type RowError, rowIndex } from './row-errors.ts';

/** A job is finished when Klaviyo says `complete` or `cancelled`; `queued` and `processing` are not. */
export type JobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface PollSchedule {
  /** Wait before the first look (0: look at once). */
  firstDelayMs: number;
  /** Wait after a first unfinished look; each next wait is `factor` times the last, up to `maxDelayMs`. */
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

interface JobDocument<A> {
  data?: { id?: string; attributes?: A };
}

/** The id of a job Klaviyo has just accepted (202); an acceptance without one breaks the API's contract. */
export function acceptedJobId(body: JobDocument<unknown> | undefined, what: string): string {
  const id = body?.data?.id;
  if (!id) throw new UnexpectedResponseError(`Klaviyo accepted the ${what} job but returned no job id`);
  return id;
}

/**
 * Polls a job until it is finished, backing off so that polling stays well inside the job-GET rate limit
 * (which is no larger than the job-POST one): a job should cost about one poll.
 */
export async function waitForJob<A extends { status: string }>(
  http: KlaviyoHttp,
  op: KlaviyoOperation,
  path: string,
  schedule: PollSchedule,
  signal?: AbortSignal,
): Promise<A> {
  let delayMs = schedule.initialDelayMs;
  if (schedule.firstDelayMs > 0) await sleep(schedule.firstDelayMs, signal);
  for (;;) {
    const res = await http.request<JobDocument<A>>(op, { method: 'GET', path, signal });
    const attributes = res.body?.data?.attributes;
    if (attributes && (attributes.status === 'complete' || attributes.status === 'cancelled')) return attributes;
    await sleep(delayMs, signal);
    delayMs = Math.min(delayMs * schedule.factor, schedule.maxDelayMs);
  }
}

// ---- catalog bulk jobs ----------------------------------------------------------------------------------------

export type CatalogResource = 'item' | 'variant' | 'category';
export type CatalogAction = 'create' | 'update' | 'delete';

export const MAX_CATALOG_JOB_RESOURCES = 100;
export const CATALOG_PLURAL: Record<CatalogResource, string> = {
  item: 'items',
  variant: 'variants',
  category: 'categories',
};

/** Catalog jobs: a look after a second, then backing off to 10 s. */
const CATALOG_POLL: PollSchedule = { firstDelayMs: 1000, initialDelayMs: 1500, factor: 1.5, maxDelayMs: 10_000 };

export interface CatalogEntry {
  type: string;
  id?: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, unknown>;
}

export interface CatalogJobResult {
  jobId: string;
  status: string;
  /** Entry index → Klaviyo's reason, for the entries that failed. */
  errors: Map<number, RowError>;
}

interface CatalogJobAttributes {
  status: string;
  errors?: Array<{ code: string; detail: string; source?: { pointer?: string } }> | null;
}

function catalogJobPath(resource: CatalogResource, action: CatalogAction): string {
  return `/api/catalog-${resource}-bulk-${action}-jobs`;
}

/**
 * Runs one catalog bulk job (≤ 100 resources) to the end: submit, poll until `complete` or `cancelled`, and
 * attribute each error to its entry by pointer. A cancelled job fails every entry it did not report on.
 */
export async function runCatalogJob(
  http: KlaviyoHttp,
  resource: CatalogResource,
  action: CatalogAction,
  entries: CatalogEntry[],
  signal?: AbortSignal,
): Promise<CatalogJobResult> {
  const key = CATALOG_PLURAL[resource];
  const ops = catalogJobOperations(resource, action);
  const path = catalogJobPath(resource, action);
  const created = await http.request<JobDocument<CatalogJobAttributes>>(ops.post, {
    method: 'POST',
    path,
    body: { data: { type: `catalog-${resource}-bulk-${action}-job`, attributes: { [key]: { data: entries } } } },
    signal,
  });
  const jobId = acceptedJobId(created.body, `catalog ${resource} ${action}`);
  const job = await waitForJob<CatalogJobAttributes>(http, ops.get, `${path}/${jobId}`, CATALOG_POLL, signal);
  const errors = new Map<number, RowError>();
  for (const e of job.errors ?? []) {
    const pointer = e.source?.pointer ?? '';
    const index = rowIndex(pointer, `/data/attributes/${key}/data`, entries.length);
    if (index !== undefined) errors.set(index, { code: e.code, detail: e.detail, pointer });
  }
  if (job.status === 'cancelled') {
    for (let i = 0; i < entries.length; i++) {
      if (!errors.has(i)) errors.set(i, { code: 'cancelled', detail: `Klaviyo cancelled job ${jobId}`, pointer: '' });
    }
  }
  return { jobId, status: job.status, errors };
}

/** Klaviyo's answer for a create of an id that exists (our own earlier attempt whose answer was lost, or another writer). */
export function isAlreadyExists(e: { code: string; detail: string }): boolean {
  return e.code === 'conflict' || e.code === 'duplicate' || /already exists/i.test(e.detail);
}

/** Klaviyo's answer for a delete of an id that is not there: the delete is done. */
export function isAlreadyGone(e: { code: string; detail: string }): boolean {
  return /not.?found|does not exist/i.test(`${e.code} ${e.detail}`);
}

/** The update that gives an existing catalog resource what a create entry would have given it. */
export function createAsUpdate(entry: CatalogEntry): CatalogEntry {
  const { external_id: externalId, integration_type: _i, catalog_type: _c, ...attributes } = entry.attributes ?? {};
  // An update cannot move a variant to another item; an item's categories are part of its update.
  const relationships = entry.type === 'catalog-item' ? entry.relationships : undefined;
  return {
    type: entry.type,
    id: catalogId(String(externalId)),
    attributes,
    ...(relationships ? { relationships } : {}),
  };
}

/**
 * Runs a create job; entries Klaviyo reports as already existing are then updated to the same values, so a
 * create is an upsert: a job retried after its answer was lost, or a race with real-time sync, loses nothing.
 * Errors are keyed by the index of the create entry.
 */
export async function runCatalogUpsertJob(
  http: KlaviyoHttp,
  resource: CatalogResource,
  entries: CatalogEntry[],
  signal?: AbortSignal,
): Promise<CatalogJobResult> {
  const created = await runCatalogJob(http, resource, 'create', entries, signal);
  const existing = [...created.errors].filter(([, e]) => isAlreadyExists(e)).map(([index]) => index);
  if (existing.length === 0) return created;
  const updated = await runCatalogJob(
    http,
    resource,
    'update',
    existing.map((i) => createAsUpdate(entries[i])),
    signal,
  );
  const errors = new Map(created.errors);
  existing.forEach((entryIndex, updateIndex) => {
    const e = updated.errors.get(updateIndex);
    if (e) errors.set(entryIndex, e);
    else errors.delete(entryIndex);
  });
  return { ...created, errors };
}

/**
 * Runs any number of entries as jobs of ≤ 100 side by side; returns Klaviyo's first reason for each key that
 * failed (a key may own several entries: a product's variants). Creates are upserts; deletes of resources
 * already gone count as done.
 */
export async function runCatalogJobsByKey(
  http: KlaviyoHttp,
  resource: CatalogResource,
  action: CatalogAction,
  entries: Array<{ key: string; entry: CatalogEntry }>,
  signal?: AbortSignal,
): Promise<Map<string, RowError & { reason: string }>> {
  const failures = new Map<string, RowError & { reason: string }>();
  const chunks: Array<typeof entries> = [];
  for (let i = 0; i < entries.length; i += MAX_CATALOG_JOB_RESOURCES)
    chunks.push(entries.slice(i, i + MAX_CATALOG_JOB_RESOURCES));
  await Promise.all(
    chunks.map(async (chunk) => {
      const jobEntries = chunk.map((c) => c.entry);
      const result =
        action === 'create'
          ? await runCatalogUpsertJob(http, resource, jobEntries, signal)
          : await runCatalogJob(http, resource, action, jobEntries, signal);
      for (const [index, e] of result.errors) {
        const { key, entry } = chunk[index];
        if ((action === 'delete' && isAlreadyGone(e)) || failures.has(key)) continue;
        failures.set(key, {
          ...e,
          reason: `Klaviyo could not ${action} ${resource} ${entry.id ?? String(entry.attributes?.external_id)}: ${e.detail}`,
        });
      }
    }),
  );
  return failures;
}
