import { sleep } from '../core/abort.ts';
import { catalogId } from '../core/catalog-id.ts';
import type { KlaviyoHttp } from './http.ts';
import { catalogJobOperations, OPERATIONS } from './operations.ts';

export type CatalogResource = 'item' | 'variant' | 'category';
export type CatalogAction = 'create' | 'update' | 'delete';

export const MAX_CATALOG_JOB_RESOURCES = 100;
const PLURAL: Record<CatalogResource, string> = { item: 'items', variant: 'variants', category: 'categories' };


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
  errors: Map<number, { code: string; detail: string; pointer: string }>;
}

interface JobDoc {
  data: { id: string; attributes: { status: string; errors?: Array<{ code: string; detail: string; source?: { pointer?: string } }> | null } };
}

function jobPath(resource: CatalogResource, action: CatalogAction): string {
  return `/api/catalog-${resource}-bulk-${action}-jobs`;
}


/**
 * Runs one catalog bulk job (≤ 100 resources) to the end: submit, poll with backoff until `complete` or
 * `cancelled` (queued and processing are not finished), and attribute each error to its entry by pointer.
 */
export async function runCatalogJob(http: KlaviyoHttp, resource: CatalogResource, action: CatalogAction, entries: CatalogEntry[], signal?: AbortSignal): Promise<CatalogJobResult> {
  const key = PLURAL[resource];
  const ops = catalogJobOperations(resource, action);
  const created = await http.request<JobDoc>(ops.post, {
    method: 'POST',
    path: jobPath(resource, action),
    body: { data: { type: `catalog-${resource}-bulk-${action}-job`, attributes: { [key]: { data: entries } } } },
    signal,
  });
  const jobId = created.body?.data.id;
  if (!jobId) throw new Error(`Klaviyo accepted the catalog ${resource} ${action} job but returned no id`);
  // Job GETs have the same per-minute budget as job POSTs, so a job should cost about one poll: wait a
  // second before the first look and back off from there.
  let delayMs = 1000;
  await sleep(delayMs, signal);
  for (;;) {
    const res = await http.request<JobDoc>(ops.get, { method: 'GET', path: `${jobPath(resource, action)}/${jobId}`, signal });
    const a = res.body?.data.attributes;
    if (a && (a.status === 'complete' || a.status === 'cancelled')) {
      const errors = new Map<number, { code: string; detail: string; pointer: string }>();
      const pattern = new RegExp(`^/data/attributes/${key}/data/(\\d+)`);
      for (const e of a.errors ?? []) {
        const m = pattern.exec(e.source?.pointer ?? '');
        if (m) errors.set(Number(m[1]), { code: e.code, detail: e.detail, pointer: e.source?.pointer ?? '' });
      }
      if (a.status === 'cancelled') entries.forEach((_e, i) => errors.has(i) || errors.set(i, { code: 'cancelled', detail: `Klaviyo cancelled job ${jobId}`, pointer: '' }));
      return { jobId, status: a.status, errors };
    }
    delayMs = Math.min(delayMs * 1.5, 10_000);
    await sleep(delayMs, signal);
  }
}

/** Klaviyo's answer for a create of an id that exists (our own earlier attempt whose answer was lost, or another writer). */
export function isAlreadyExists(e: { code: string; detail: string }): boolean {
  return e.code === 'conflict' || e.code === 'duplicate' || /already exists/i.test(e.detail);
}

/** The update that gives an existing catalog resource what a create entry would have given it. */
export function createAsUpdate(entry: CatalogEntry): CatalogEntry {
  const { external_id: externalId, integration_type: _i, catalog_type: _c, ...attributes } = entry.attributes ?? {};
  // An update cannot move a variant to another item; an item's categories are part of its update.
  const relationships = entry.type === 'catalog-item' ? entry.relationships : undefined;
  return { type: entry.type, id: catalogId(String(externalId)), attributes, ...(relationships ? { relationships } : {}) };
}

/**
 * Runs a create job; entries Klaviyo reports as already existing are then updated to the same values, so a
 * create is an upsert: a job retried after its answer was lost, or a race with real-time sync, loses nothing.
 * Errors are keyed by the index of the create entry.
 */
export async function runCatalogUpsertJob(http: KlaviyoHttp, resource: CatalogResource, entries: CatalogEntry[], signal?: AbortSignal): Promise<CatalogJobResult> {
  const created = await runCatalogJob(http, resource, 'create', entries, signal);
  const existing = [...created.errors].filter(([, e]) => isAlreadyExists(e)).map(([index]) => index);
  if (existing.length === 0) return created;
  const updated = await runCatalogJob(http, resource, 'update', existing.map((i) => createAsUpdate(entries[i])), signal);
  const errors = new Map(created.errors);
  existing.forEach((entryIndex, updateIndex) => {
    const e = updated.errors.get(updateIndex);
    if (e) errors.set(entryIndex, e);
    else errors.delete(entryIndex);
  });
  return { ...created, errors };
}

interface Collection {
  data: Array<{ id: string }>;
  links?: { next?: string | null };
}

/** Which of these catalog ids exist, 100 per `filter=any(ids,[...])` request. */
export async function existingCatalogIds(http: KlaviyoHttp, resource: 'item' | 'category' | 'variant', ids: string[], signal?: AbortSignal): Promise<Set<string>> {
  const found = new Set<string>();
  const op = resource === 'item' ? OPERATIONS.getCatalogItems : resource === 'category' ? OPERATIONS.getCatalogCategories : OPERATIONS.getCatalogVariants;
  const plural = resource === 'item' ? 'items' : resource === 'category' ? 'categories' : 'variants';
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const filter = encodeURIComponent(`any(ids,[${chunk.map((id) => JSON.stringify(id)).join(',')}])`);
    let path: string | null | undefined = `/api/catalog-${plural}?filter=${filter}&page[size]=100&fields[catalog-${resource}]=external_id`;
    while (path) {
      const res: { body: Collection | undefined } = await http.request<Collection>(op, { method: 'GET', path, signal });
      for (const r of res.body?.data ?? []) found.add(r.id);
      path = res.body?.links?.next;
    }
  }
  return found;
}

/** Every variant id of an item (a product with 150 variants takes two pages). */
export async function variantIdsOfItem(http: KlaviyoHttp, itemId: string, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  let path: string | null | undefined = `/api/catalog-items/${encodeURIComponent(itemId)}/relationships/variants?page[size]=100`;
  while (path) {
    const res: { body: Collection | undefined } = await http.request<Collection>(OPERATIONS.getVariantIdsForItem, { method: 'GET', path, signal });
    for (const r of res.body?.data ?? []) ids.push(r.id);
    path = res.body?.links?.next;
  }
  return ids;
}

/** Every id of a catalog resource type in the account (for delete-all). */
export async function allCatalogIds(http: KlaviyoHttp, resource: 'item' | 'category' | 'variant', signal?: AbortSignal): Promise<string[]> {
  const op = resource === 'item' ? OPERATIONS.getCatalogItems : resource === 'category' ? OPERATIONS.getCatalogCategories : OPERATIONS.getCatalogVariants;
  const plural = resource === 'item' ? 'items' : resource === 'category' ? 'categories' : 'variants';
  const ids: string[] = [];
  let path: string | null | undefined = `/api/catalog-${plural}?page[size]=100&fields[catalog-${resource}]=external_id`;
  while (path) {
    const res: { body: Collection | undefined } = await http.request<Collection>(op, { method: 'GET', path, signal });
    for (const r of res.body?.data ?? []) ids.push(r.id);
    path = res.body?.links?.next;
  }
  return ids;
}
