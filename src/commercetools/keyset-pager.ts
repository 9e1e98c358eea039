import { ctCall } from './client.ts';

export const PAGE_SIZE = 500;
/** Ids per `id in (…)` query. */
const IDS_PER_QUERY = 100;

/** The predicate naming exactly these ids. */
function idsPredicate(ids: string[]): string {
  return `id in (${ids.map((id) => JSON.stringify(id)).join(', ')})`;
}

/** The arguments of one `id in (…)` query (a type literal, so that it fits the SDK's query argument maps). */
export type IdsQueryArgs = { where: string[]; limit: number; withTotal: false };

/**
 * Records by id, 100 a query (`query` turns the arguments into the SDK request, adding `expand` where needed);
 * ids commercetools does not have are absent.
 */
export async function queryByIds<T>(
  what: string,
  ids: string[],
  query: (args: IdsQueryArgs) => { execute(): Promise<{ body: { results: T[] } }> },
  options: { signal?: AbortSignal; budgetMs?: number } = {},
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const args: IdsQueryArgs = {
      where: [idsPredicate(ids.slice(i, i + IDS_PER_QUERY))],
      limit: IDS_PER_QUERY,
      withTotal: false,
    };
    out.push(...(await ctCall(what, () => query(args).execute(), options)).results);
  }
  return out;
}

/** Where a paged read starts: after `cursor`, or exactly these `ids`. */
export interface PageQuery {
  cursor?: string;
  ids?: string[];
  signal?: AbortSignal;
}

export interface Page<T> {
  records: T[];
  /** Ids asked for (by-ids mode) that commercetools does not have. */
  missingIds: string[];
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
export type KeysetQueryArgs = { sort: string; limit: number; withTotal: false; where?: string[] };

/**
 * Pages one query endpoint of the SDK by id: `query` turns the arguments of a page into the SDK request
 * (adding `expand` where needed); `fixedWhere` narrows every page (published products, a window of dates).
 */
export function keysetPages<T extends { id: string }>(
  what: string,
  query: (args: KeysetQueryArgs) => { execute(): Promise<{ body: { results: T[] } }> },
  q: PageQuery,
  fixedWhere: string[] = [],
): AsyncGenerator<Page<T>> {
  return pageById<T>(
    async (where, limit) => {
      const all = [...fixedWhere, ...where];
      const args: KeysetQueryArgs = { sort: 'id asc', limit, withTotal: false, ...(all.length ? { where: all } : {}) };
      return (await ctCall(what, () => query(args).execute(), { signal: q.signal })).results;
    },
    { cursor: q.cursor, ids: q.ids, signal: q.signal },
  );
}
