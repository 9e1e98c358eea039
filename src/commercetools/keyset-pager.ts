import { ctCall } from './client.ts';

export const PAGE_SIZE = 500;
/** Ids per `id in (…)` query. */
const IDS_PER_QUERY = 100;

/** The predicate naming exactly these ids. */
function idsPredicate(ids: string[]): string {
  return `id in (${quotedIds(ids)})`;
}

function quotedIds(ids: string[]): string {
  return ids.map((id) => JSON.stringify(id)).join(', ');
}

/** The arguments of one `id in (…)` query (a type literal, so that it fits the SDK's query argument maps). */
export type IdsQueryArgs = { where: string[]; limit: number; withTotal: false };

/**
 * Records by id, 100 a query (`query` turns the arguments into the SDK request, adding `expand` where needed);
 * ids commercetools does not have are absent. `predicate` names them another way (orders by their payments' ids:
 * then a query may match more records than ids, and the limit is the most a query returns).
 */
export async function queryByIds<T>(
  what: string,
  ids: string[],
  query: (args: IdsQueryArgs) => { execute(): Promise<{ body: { results: T[] } }> },
  options: { signal?: AbortSignal; budgetMs?: number; predicate?: (quotedIds: string) => string } = {},
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const chunk = ids.slice(i, i + IDS_PER_QUERY);
    const args: IdsQueryArgs = {
      where: [options.predicate ? options.predicate(quotedIds(chunk)) : idsPredicate(chunk)],
      limit: options.predicate ? 500 : IDS_PER_QUERY,
      withTotal: false,
    };
    out.push(...(await ctCall(what, () => query(args).execute(), options)).results);
  }
  return out;
}

/**
 * A delta: the records whose `lastModifiedAt` is at or after `since` and before `before` (the instant the run
 * started: what changes during the run is the next delta's). Paged on (`lastModifiedAt`, `id`), never by offset.
 */
export interface ModifiedWindow {
  since: string;
  before: string;
}

/** Where a paged read starts: after `cursor`, or exactly these `ids`; within `modified` for a delta. */
export interface PageQuery {
  cursor?: string;
  ids?: string[];
  modified?: ModifiedWindow;
  /** Predicates every page must also meet (a store route's records). */
  where?: string[];
  /** A delta: records that failed in the previous one, read again after the window. */
  retryIds?: string[];
  signal?: AbortSignal;
}

export interface Page<T> {
  records: T[];
  /** Ids asked for (by-ids mode) that commercetools does not have. */
  missingIds: string[];
  /** The checkpoint cursor a record stands at, when it is not its id (a delta: its lastModifiedAt and id). */
  cursorOf?(record: T): string;
}

/** A delta's cursor: the record's `lastModifiedAt` and id (ISO instants sort as strings; ids never hold a space). */
export function deltaCursor(record: { id: string; lastModifiedAt?: string }): string {
  return `${record.lastModifiedAt ?? ''} ${record.id}`;
}

/** The predicate of the records after a delta cursor, in (`lastModifiedAt`, `id`) order. */
function afterDeltaCursor(cursor: string): string {
  const space = cursor.lastIndexOf(' ');
  const at = JSON.stringify(cursor.slice(0, space));
  const id = JSON.stringify(cursor.slice(space + 1));
  return `(lastModifiedAt > ${at} or (lastModifiedAt = ${at} and id > ${id}))`;
}

/** The predicates of a delta window. */
function windowPredicates(w: ModifiedWindow): string[] {
  return [`lastModifiedAt >= ${JSON.stringify(w.since)}`, `lastModifiedAt < ${JSON.stringify(w.before)}`];
}

/**
 * Pages a delta window on (`lastModifiedAt`, `id`): `sort=lastModifiedAt asc, id asc`, after the cursor, until a
 * short page. A record modified during the run moves past the window's end: the next delta reads it.
 */
export async function* pageByModified<T extends { id: string; lastModifiedAt?: string }>(
  fetchPage: (where: string[], sort: string[], limit: number) => Promise<T[]>,
  window: ModifiedWindow,
  options: { cursor?: string; pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<Page<T>> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let cursor = options.cursor;
  for (;;) {
    if (options.signal?.aborted) return;
    const where = [...windowPredicates(window), ...(cursor === undefined ? [] : [afterDeltaCursor(cursor)])];
    const records = await fetchPage(where, ['lastModifiedAt asc', 'id asc'], pageSize);
    if (records.length > 0) yield { records, missingIds: [], cursorOf: deltaCursor };
    if (records.length < pageSize) return;
    cursor = deltaCursor(records[records.length - 1]);
  }
}

/**
 * Pages a collection by id: `sort=id asc`, `where id > "<cursor>"`, `limit=500`, `withTotal=false`, until a
 * short page. With `ids`, asks for exactly those ids (100 per query, in id order, past the cursor) and
 * reports the ones not found.
 */
export async function* pageById<T extends { id: string }>(
  fetchPage: (where: string[], limit: number) => Promise<T[]>,
  options: { cursor?: string; ids?: string[]; pageSize?: number; signal?: AbortSignal },
): AsyncGenerator<Page<T>> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  if (options.ids) {
    const wanted = [...new Set(options.ids)].sort().filter((id) => options.cursor === undefined || id > options.cursor);
    for (let i = 0; i < wanted.length; i += IDS_PER_QUERY) {
      const chunk = wanted.slice(i, i + IDS_PER_QUERY);
      const records = await fetchPage([idsPredicate(chunk)], IDS_PER_QUERY);
      const found = new Set(records.map((r) => r.id));
      yield {
        records: records.sort((a, b) => (a.id < b.id ? -1 : 1)),
        missingIds: chunk.filter((id) => !found.has(id)),
      };
    }
    return;
  }
  let cursor = options.cursor;
  for (;;) {
    if (options.signal?.aborted) return;
    const records = await fetchPage(cursor === undefined ? [] : [`id > ${JSON.stringify(cursor)}`], pageSize);
    if (records.length > 0) yield { records, missingIds: [] };
    if (records.length < pageSize) return;
    cursor = records[records.length - 1].id;
  }
}

/** The query arguments of one keyset page (a type literal, so that it fits the SDK's query argument maps). */
export type KeysetQueryArgs = { sort: string | string[]; limit: number; withTotal: false; where?: string[] };

/**
 * Pages one query endpoint of the SDK by id (or, for a delta, by `lastModifiedAt` and id): `query` turns the
 * arguments of a page into the SDK request (adding `expand` where needed); `fixedWhere` narrows every page
 * (published products, a window of dates).
 */
export function keysetPages<T extends { id: string; lastModifiedAt?: string }>(
  what: string,
  query: (args: KeysetQueryArgs) => { execute(): Promise<{ body: { results: T[] } }> },
  q: PageQuery,
  fixedWhere: string[] = [],
): AsyncGenerator<Page<T>> {
  fixedWhere = [...fixedWhere, ...(q.where ?? [])];
  if (q.modified && !q.ids) return deltaPages(q, q.modified, fixedWhere, what, query);
  return pageById<T>(
    async (where, limit) => {
      const all = [...fixedWhere, ...where];
      const args: KeysetQueryArgs = { sort: 'id asc', limit, withTotal: false, ...(all.length ? { where: all } : {}) };
      return (await ctCall(what, () => query(args).execute(), { signal: q.signal })).results;
    },
    { cursor: q.cursor, ids: q.ids, signal: q.signal },
  );
}

/** A delta's cursor once it reads the records the previous delta failed. */
const RETRY_PHASE = 'retry ';

/**
 * A delta: the window on (`lastModifiedAt`, `id`), then the records the previous delta failed (by id, those the
 * window did not read already), each part resumable from its own cursor.
 */
async function* deltaPages<T extends { id: string; lastModifiedAt?: string }>(
  q: PageQuery,
  window: ModifiedWindow,
  fixedWhere: string[],
  what: string,
  query: (args: KeysetQueryArgs) => { execute(): Promise<{ body: { results: T[] } }> },
): AsyncGenerator<Page<T>> {
  const fetch = async (args: KeysetQueryArgs) =>
    (await ctCall(what, () => query(args).execute(), { signal: q.signal })).results;
  const isRetrying = q.cursor?.startsWith(RETRY_PHASE) === true;
  if (!isRetrying)
    yield* pageByModified<T>(
      (where, sort, limit) => fetch({ sort, limit, withTotal: false, where: [...fixedWhere, ...where] }),
      window,
      { cursor: q.cursor, signal: q.signal },
    );
  if (!q.retryIds?.length) return;
  const inWindow = (r: T) =>
    r.lastModifiedAt !== undefined && r.lastModifiedAt >= window.since && r.lastModifiedAt < window.before;
  const pages = pageById<T>(
    (where, limit) => {
      const all = [...fixedWhere, ...where];
      return fetch({ sort: 'id asc', limit, withTotal: false, ...(all.length ? { where: all } : {}) });
    },
    { ids: q.retryIds, cursor: isRetrying ? q.cursor?.slice(RETRY_PHASE.length) : undefined, signal: q.signal },
  );
  for await (const page of pages) {
    // Those gone from commercetools since are not retried (nothing is left to write).
    const records = page.records.filter((r) => !inWindow(r));
    if (records.length > 0) yield { records, missingIds: [], cursorOf: (r) => `${RETRY_PHASE}${r.id}` };
  }
}
