import type { KlaviyoHttp } from './http.ts';
import type { KlaviyoOperation } from './operations.ts';
import type { CollectionDocument } from './types.ts';

/** Every resource of a paged collection, page by page, following `links.next`. */
export async function* collectionPages<R>(
  http: KlaviyoHttp,
  op: KlaviyoOperation,
  firstPath: string,
  signal?: AbortSignal,
): AsyncGenerator<R[]> {
  let path: string | null | undefined = firstPath;
  while (path) {
    const res: { body: CollectionDocument<R> | undefined } = await http.request<CollectionDocument<R>>(op, {
      method: 'GET',
      path,
      signal,
    });
    yield res.body?.data ?? [];
    path = res.body?.links?.next;
  }
}

/** The URL-encoded filter `any(<field>,["a","b",…])`. */
export function anyFilter(field: string, values: readonly string[]): string {
  return encodeURIComponent(`any(${field},[${values.map((v) => JSON.stringify(v)).join(',')}])`);
}
