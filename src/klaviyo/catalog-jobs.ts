import { catalogId } from '../core/catalog-id.ts';
import { AbortedError } from '../core/errors.ts';
import type { JobRef, RecoveredBatch } from '../core/job-progress.ts';
import type { KlaviyoHttp } from './http.ts';
import { acceptedJobId, type JobResource, type PollSchedule, waitForJob } from './jobs.ts';
import { catalogJobOperations } from './operations.ts';
import { type RowError, rowIndex } from './row-errors.ts';

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
  errors?: Array<{ code: string; detail: string; source?: { pointer?: string | null } | null }> | null;
}

function catalogJobPath(resource: CatalogResource, action: CatalogAction): string {
  return `/api/catalog-${resource}-bulk-${action}-jobs`;
}

/** The catalog id an entry writes: its `id`, or for a create the id Klaviyo gives its external id. */
function entryId(entry: CatalogEntry): string {
  return entry.id ?? catalogId(String(entry.attributes?.external_id));
}

/**
 * Klaviyo allows at most 500 catalog jobs in progress per account and refuses more with 429. Submissions wait
 * here for one of (a little fewer than) 500 slots instead, so that many batches in flight keep Klaviyo's job
 * capacity busy without bursts of refusals; a slot is freed when its job is seen finished (or after ten
 * minutes, should a job never be looked at again).
 */
export const MAX_CATALOG_JOBS_IN_PROGRESS = 480;
const SLOT_EXPIRY_MS = 10 * 60_000;

export class CatalogJobSlots {
  private readonly held = new Map<number, number>();
  private readonly waiters: Array<() => void> = [];
  private next = 0;

  async acquire(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      const now = Date.now();
      for (const [slot, expiresAt] of this.held) if (expiresAt <= now) this.held.delete(slot);
      if (this.held.size < MAX_CATALOG_JOBS_IN_PROGRESS) break;
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(wake), 1);
          reject(new AbortedError());
        };
        // Wake at the latest when the oldest slot expires.
        const timer = setTimeout(wake, Math.max(10, Math.min(...this.held.values()) - now));
        timer.unref();
        this.waiters.push(wake);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    const slot = this.next++;
    this.held.set(slot, Date.now() + SLOT_EXPIRY_MS);
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.held.delete(slot);
      this.waiters.shift()?.();
    };
  }
}

const slotsByClient = new WeakMap<KlaviyoHttp, CatalogJobSlots>();

function slotsOf(http: KlaviyoHttp): CatalogJobSlots {
  let slots = slotsByClient.get(http);
  if (!slots) {
    slots = new CatalogJobSlots();
    slotsByClient.set(http, slots);
  }
  return slots;
}

/** A catalog job Klaviyo has accepted: what is needed to finish it (not the entries' payloads). */
export interface SubmittedCatalogJob {
  ref: JobRef;
  resource: CatalogResource;
  action: CatalogAction;
  /** The catalog id of each entry, in the order sent. */
  ids: string[];
  submittedAtMs: number;
  /** Frees the job's slot (finishing the job does). */
  release?: () => void;
}

/** Submits one catalog bulk job (≤ 100 resources) and returns once Klaviyo accepted it. */
export async function submitCatalogJob(
  http: KlaviyoHttp,
  resource: CatalogResource,
  action: CatalogAction,
  entries: CatalogEntry[],
  signal?: AbortSignal,
): Promise<SubmittedCatalogJob> {
  const key = CATALOG_PLURAL[resource];
  const release = await slotsOf(http).acquire(signal);
  try {
    const created = await http.request<{ data?: JobResource<CatalogJobAttributes> }>(
      catalogJobOperations(resource, action).post,
      {
        method: 'POST',
        path: catalogJobPath(resource, action),
        body: { data: { type: `catalog-${resource}-bulk-${action}-job`, attributes: { [key]: { data: entries } } } },
        signal,
      },
    );
    const id = acceptedJobId(created.body, `catalog ${resource} ${action}`);
    return {
      ref: { kind: `catalog:${resource}:${action}`, id },
      resource,
      action,
      ids: entries.map(entryId),
      submittedAtMs: Date.now(),
      release,
    };
  } catch (e) {
    release();
    throw e;
  }
}

/**
 * Waits for a submitted catalog job and attributes each error to its entry: by the entry index in the error's
 * pointer, and otherwise by the resources the job reports it processed (`relationships`) — an entry Klaviyo
 * neither processed nor clearly failed is failed with the errors it did not attribute, never counted as done.
 * A cancelled job fails every entry it did not report on.
 */
export async function finishCatalogJob(
  http: KlaviyoHttp,
  job: SubmittedCatalogJob,
  signal?: AbortSignal,
): Promise<CatalogJobResult> {
  const key = CATALOG_PLURAL[job.resource];
  const ops = catalogJobOperations(job.resource, job.action);
  const done = await waitForJob<CatalogJobAttributes>(
    http,
    ops.get,
    `${catalogJobPath(job.resource, job.action)}/${job.ref.id}`,
    CATALOG_POLL,
    signal,
    job.submittedAtMs,
  ).finally(() => job.release?.());
  const errors = new Map<number, RowError>();
  const unattributed: RowError[] = [];
  for (const e of done.attributes.errors ?? []) {
    const pointer = e.source?.pointer ?? '';
    const index = rowIndex(pointer, `/data/attributes/${key}/data`, job.ids.length);
    if (index !== undefined) errors.set(index, { code: e.code, detail: e.detail, pointer });
    else unattributed.push({ code: e.code, detail: e.detail, pointer });
  }
  if (unattributed.length) {
    const processed = new Set((done.relationships?.[key]?.data ?? []).map((r) => r.id));
    const detail = `Klaviyo reported ${unattributed.length} error(s) it did not attribute to an entry (${unattributed.map((e) => `${e.code}: ${e.detail}${e.pointer ? ` at ${e.pointer}` : ''}`).join('; ')}), and does not list this one as processed`;
    job.ids.forEach((id, i) => {
      if (!errors.has(i) && !processed.has(id))
        errors.set(i, { code: unattributed[0].code, detail, pointer: unattributed[0].pointer });
    });
  }
  if (done.attributes.status === 'cancelled') {
    for (let i = 0; i < job.ids.length; i++) {
      if (!errors.has(i))
        errors.set(i, { code: 'cancelled', detail: `Klaviyo cancelled job ${job.ref.id}`, pointer: '' });
    }
  }
  return { jobId: job.ref.id, status: done.attributes.status, errors };
}

/** Runs one catalog bulk job (≤ 100 resources) to the end: submit, wait, and attribute its errors. */
export async function runCatalogJob(
  http: KlaviyoHttp,
  resource: CatalogResource,
  action: CatalogAction,
  entries: CatalogEntry[],
  signal?: AbortSignal,
): Promise<CatalogJobResult> {
  return finishCatalogJob(http, await submitCatalogJob(http, resource, action, entries, signal), signal);
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
 * Finishes a submitted create job as an upsert: entries Klaviyo reports as already existing are then updated to
 * the same values, so a job retried after its answer was lost, or a race with real-time sync, loses nothing.
 * Errors are keyed by the index of the create entry. `entriesOf` gives the entries the job was sent, and is
 * called only when some already existed (so a caller may keep them compact meanwhile).
 */
export async function finishCatalogUpsert(
  http: KlaviyoHttp,
  job: SubmittedCatalogJob,
  entriesOf: () => CatalogEntry[],
  signal?: AbortSignal,
): Promise<CatalogJobResult> {
  const created = await finishCatalogJob(http, job, signal);
  const existing = [...created.errors].filter(([, e]) => isAlreadyExists(e)).map(([index]) => index);
  if (existing.length === 0) return created;
  const entries = entriesOf();
  const updated = await runCatalogJob(
    http,
    job.resource,
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
 * Finishes catalog jobs a stopped or crashed run left in flight: their entries all done when every job
 * completed without an error; undefined otherwise (the batch is then sent again, which is harmless).
 */
export async function recoverCatalogJobs(
  http: KlaviyoHttp,
  refs: JobRef[],
  signal?: AbortSignal,
): Promise<RecoveredBatch | undefined> {
  let succeeded = 0;
  for (const ref of refs) {
    const [kind, resource, action] = ref.kind.split(':') as [string, CatalogResource, CatalogAction];
    if (kind !== 'catalog' || !(resource in CATALOG_PLURAL)) return undefined;
    const done = await waitForJob<CatalogJobAttributes & { total_count: number }>(
      http,
      catalogJobOperations(resource, action).get,
      `${catalogJobPath(resource, action)}/${ref.id}`,
      CATALOG_POLL,
      signal,
    );
    if (done.attributes.status !== 'complete' || (done.attributes.errors ?? []).length > 0) return undefined;
    succeeded += done.attributes.total_count;
  }
  return { succeeded, failures: [] };
}

/** Klaviyo's first reason for each key (record) that failed. */
export type KeyedFailures = Map<string, RowError & { reason: string }>;

/**
 * Catalog jobs Klaviyo accepted for entries keyed by record: what finishing them needs — the job, and per
 * entry its key and label — not the entries: a create keeps them as one compact string, read only should some
 * already exist (the upsert's update).
 */
export interface KeyedCatalogJobs {
  action: CatalogAction;
  jobs: Array<{ job: SubmittedCatalogJob; keys: string[]; labels: string[]; createEntries?: string }>;
}

const entryLabel = (entry: CatalogEntry) => entry.id ?? String(entry.attributes?.external_id);

/**
 * Submits any number of entries as jobs of ≤ 100 side by side, and returns once Klaviyo accepted them all (a
 * refusal of one throws, after freeing the slots of the others).
 */
export async function submitCatalogJobsByKey(
  http: KlaviyoHttp,
  resource: CatalogResource,
  action: CatalogAction,
  entries: Array<{ key: string; entry: CatalogEntry }>,
  signal?: AbortSignal,
): Promise<KeyedCatalogJobs> {
  const chunks: Array<typeof entries> = [];
  for (let i = 0; i < entries.length; i += MAX_CATALOG_JOB_RESOURCES)
    chunks.push(entries.slice(i, i + MAX_CATALOG_JOB_RESOURCES));
  const submissions = await Promise.allSettled(
    chunks.map(async (chunk) => {
      const jobEntries = chunk.map((c) => c.entry);
      return {
        job: await submitCatalogJob(http, resource, action, jobEntries, signal),
        keys: chunk.map((c) => c.key),
        labels: jobEntries.map(entryLabel),
        ...(action === 'create' ? { createEntries: JSON.stringify(jobEntries) } : {}),
      };
    }),
  );
  const refused = submissions.find((r) => r.status === 'rejected');
  if (refused) {
    for (const r of submissions) if (r.status === 'fulfilled') r.value.job.release?.();
    throw refused.reason;
  }
  return { action, jobs: submissions.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])) };
}

/** Waits for keyed jobs; creates are upserts, and deletes of resources already gone count as done. */
export async function finishCatalogJobsByKey(
  http: KlaviyoHttp,
  submitted: KeyedCatalogJobs,
  signal?: AbortSignal,
): Promise<KeyedFailures> {
  const failures: KeyedFailures = new Map();
  const { action } = submitted;
  await Promise.all(
    submitted.jobs.map(async ({ job, keys, labels, createEntries }) => {
      const result = createEntries
        ? await finishCatalogUpsert(http, job, () => JSON.parse(createEntries) as CatalogEntry[], signal)
        : await finishCatalogJob(http, job, signal);
      for (const [index, e] of result.errors) {
        const key = keys[index];
        if ((action === 'delete' && isAlreadyGone(e)) || failures.has(key)) continue;
        failures.set(key, {
          ...e,
          reason: `Klaviyo could not ${action} ${job.resource} ${labels[index]}: ${e.detail}`,
        });
      }
    }),
  );
  return failures;
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
): Promise<KeyedFailures> {
  return finishCatalogJobsByKey(http, await submitCatalogJobsByKey(http, resource, action, entries, signal), signal);
}
