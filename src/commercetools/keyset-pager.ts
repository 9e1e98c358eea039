export const PAGE_SIZE = 500;

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
    for (let i = 0; i < wanted.length; i += 100) {
      const chunk = wanted.slice(i, i + 100);
      const records = await fetchPage([`id in (${chunk.map((id) => JSON.stringify(id)).join(', ')})`], 100);
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
