import { randomUUID } from 'node:crypto';
import { invalid, KlaviyoError, notFound, paginate } from '../jsonapi.ts';
import {
  CATALOG_JOB_ACTIONS,
  type CatalogJobAction,
  type CatalogResource,
  parseCatalogJobPath,
  SERVED_OPERATIONS,
} from '../operations.ts';
import {
  type CatalogStore,
  categoryResource,
  itemResource,
  type ResourceInput,
  variantResource,
} from '../store/catalog.ts';
import type { Job, JobError, JobOutcome } from '../store/jobs.ts';
import {
  bulkEntries,
  collection,
  type JsonObject,
  type OpContext,
  type OpHandler,
  requireData,
  single,
} from './context.ts';
import { filterJobs } from './profile-jobs.ts';

export const MAX_RESOURCES_PER_CATALOG_JOB = 100;
export const MAX_CATALOG_JOBS_IN_PROGRESS = 500;

const PLURAL: Record<CatalogResource, 'items' | 'variants' | 'categories'> = {
  item: 'items',
  variant: 'variants',
  category: 'categories',
};

function jobType(resource: CatalogResource, action: CatalogJobAction): string {
  return `catalog-${resource}-bulk-${action}-job`;
}

function applyEntry(
  store: CatalogStore,
  resource: CatalogResource,
  action: CatalogJobAction,
  entry: ResourceInput,
  now: string,
  pointer: string,
): string {
  const id = entry.id as string;
  switch (`${resource}:${action}`) {
    case 'item:create':
      return store.createItem(entry, now, pointer).id;
    case 'item:update':
      return store.updateItem(id, entry, now, pointer).id;
    case 'item:delete':
      store.deleteItem(id);
      return id;
    case 'variant:create':
      return store.createVariant(entry, now, pointer).id;
    case 'variant:update':
      return store.updateVariant(id, entry, now, pointer).id;
    case 'variant:delete':
      store.deleteVariant(id);
      return id;
    case 'category:create':
      return store.createCategory(entry, now, pointer).id;
    case 'category:update':
      return store.updateCategory(id, entry, now, pointer).id;
    default:
      store.deleteCategory(id);
      return id;
  }
}

function runJob(
  store: CatalogStore,
  resource: CatalogResource,
  action: CatalogJobAction,
  entries: JsonObject[],
): JobOutcome {
  const key = PLURAL[resource];
  const errors: JobError[] = [];
  const resultIds: string[] = [];
  entries.forEach((entry, i) => {
    const pointer = `/data/attributes/${key}/data/${i}`;
    try {
      resultIds.push(applyEntry(store, resource, action, entry as ResourceInput, new Date().toISOString(), pointer));
    } catch (e) {
      if (!(e instanceof KlaviyoError)) throw e;
      errors.push({
        id: randomUUID(),
        code: e.code,
        title: e.title,
        detail: e.detail,
        source: { pointer: e.source.pointer?.startsWith(pointer) ? e.source.pointer : pointer },
      });
    }
  });
  return { completed: entries.length - errors.length, failed: errors.length, errors, resultIds };
}

function jobResource(job: Job, resource: CatalogResource, action: CatalogJobAction, baseUrl: string): JsonObject {
  const self = `${baseUrl}/api/catalog-${resource}-bulk-${action}-jobs/${job.id}`;
  const key = PLURAL[resource];
  const attributes = {
    job_id: job.id,
    status: job.status,
    created_at: job.created_at,
    total_count: job.total_count,
    completed_count: job.completed_count,
    failed_count: job.failed_count,
    completed_at: job.completed_at,
    errors: job.errors.map(({ id, code, title, detail, source }) => ({ id, code, title, detail, source })),
    expires_at: job.expires_at,
  };
  // Every catalog job lists the resources it processed ("IDs of the created / updated / deleted ..."); only
  // create and update jobs link to them.
  const data = job.resultIds.map((id) => ({ type: `catalog-${resource}`, id }));
  const relationships =
    action === 'delete'
      ? { [key]: { data } }
      : { [key]: { data, links: { self: `${self}/relationships/${key}`, related: `${self}/${key}` } } };
  return { type: jobType(resource, action), id: job.id, attributes, relationships, links: { self } };
}

function included(ctx: OpContext, job: Job, resource: CatalogResource): unknown[] | undefined {
  if (!(ctx.url.searchParams.get('include') ?? '').split(',').includes(PLURAL[resource])) return undefined;
  const c = ctx.account.catalog;
  return job.resultIds
    .map((id) => {
      if (resource === 'item')
        return (
          c.items.get(id) && itemResource(c.items.get(id) as NonNullable<ReturnType<typeof c.items.get>>, ctx.baseUrl)
        );
      if (resource === 'variant')
        return (
          c.variants.get(id) &&
          variantResource(c.variants.get(id) as NonNullable<ReturnType<typeof c.variants.get>>, ctx.baseUrl)
        );
      return (
        c.categories.get(id) &&
        categoryResource(c.categories.get(id) as NonNullable<ReturnType<typeof c.categories.get>>, ctx.baseUrl)
      );
    })
    .filter(Boolean);
}

function postHandler(resource: CatalogResource, action: CatalogJobAction): OpHandler {
  return (ctx) => {
    const d = requireData(ctx.body, jobType(resource, action));
    const key = PLURAL[resource];
    const entries = bulkEntries(d, key);
    if (entries.length === 0)
      throw invalid(`At least one entry is required in '${key}'.`, { pointer: `/data/attributes/${key}/data` });
    if (entries.length > MAX_RESOURCES_PER_CATALOG_JOB) {
      throw invalid(
        `A catalog bulk job can contain at most ${MAX_RESOURCES_PER_CATALOG_JOB} resources (got ${entries.length}).`,
        { pointer: `/data/attributes/${key}/data` },
      );
    }
    entries.forEach((e, i) => {
      if (action !== 'create' && typeof e.id !== 'string')
        throw invalid("'id' is a required field.", { pointer: `/data/attributes/${key}/data/${i}/id` });
    });
    if (ctx.account.jobs.inProgress('catalog-') >= MAX_CATALOG_JOBS_IN_PROGRESS) {
      throw new KlaviyoError(
        429,
        'throttled',
        'Request was throttled.',
        `At most ${MAX_CATALOG_JOBS_IN_PROGRESS} catalog jobs can be in progress at once.`,
        { pointer: '/data' },
        {},
        { 'Retry-After': '1' },
      );
    }
    const store = ctx.account.catalog;
    const job = ctx.account.jobs.create(jobType(resource, action), entries.length, ctx.nowMs, () =>
      runJob(store, resource, action, entries),
    );
    return single(
      202,
      jobResource(job, resource, action, ctx.baseUrl),
      `${ctx.baseUrl}/api/catalog-${resource}-bulk-${action}-jobs`,
    );
  };
}

function getHandler(resource: CatalogResource, action: CatalogJobAction): OpHandler {
  return (ctx) => {
    const job = ctx.account.jobs.jobs.get(ctx.params.job_id);
    if (!job || job.type !== jobType(resource, action))
      throw notFound(`A ${jobType(resource, action)} with id '${ctx.params.job_id}' does not exist.`);
    ctx.account.jobs.poll(job, ctx.nowMs);
    return single(
      200,
      jobResource(job, resource, action, ctx.baseUrl),
      `${ctx.baseUrl}/api/catalog-${resource}-bulk-${action}-jobs/${job.id}`,
      included(ctx, job, resource),
    );
  };
}

function listHandler(resource: CatalogResource, action: CatalogJobAction): OpHandler {
  return (ctx) => {
    const jobs = filterJobs(
      [...ctx.account.jobs.jobs.values()].filter((j) => j.type === jobType(resource, action)),
      ctx.url.searchParams.get('filter'),
    );
    const { page, links } = paginate(jobs, ctx.url, 100);
    return collection(
      page.map((j) => jobResource(j, resource, action, ctx.baseUrl)),
      links,
    );
  };
}

function buildHandlers(): Record<string, OpHandler> {
  const handlers: Record<string, OpHandler> = {};
  for (const op of SERVED_OPERATIONS) {
    const parsed = parseCatalogJobPath(op.path);
    if (!parsed || !CATALOG_JOB_ACTIONS.includes(parsed.action)) continue;
    const isItemPath = op.path.endsWith('{job_id}');
    handlers[op.operationId] =
      op.method === 'POST'
        ? postHandler(parsed.resource, parsed.action)
        : isItemPath
          ? getHandler(parsed.resource, parsed.action)
          : listHandler(parsed.resource, parsed.action);
  }
  return handlers;
}

export const catalogJobHandlers: Record<string, OpHandler> = buildHandlers();
