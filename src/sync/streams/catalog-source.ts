import { fetchAllCategories } from '../../commercetools/categories.ts';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import type { PageQuery } from '../../commercetools/keyset-pager.ts';
import { type CategoryNode, categoryTree } from '../../mapping/category-tree.ts';
import type { SourcePage, StreamReader } from '../stream.ts';

export interface CatalogSource<R> extends StreamReader<R> {
  /** The category tree read at the start of this run. */
  tree(): ReadonlyMap<string, CategoryNode>;
}

/**
 * The reading side the catalog streams share: the category tree (which names categories and links items to
 * them) is read once per run, before the first page; then the resources are paged by id.
 */
export function catalogSource<R extends { id: string }>(
  ct: CommercetoolsApi,
  pager: (q: PageQuery) => AsyncIterable<SourcePage<R>>,
  count: (ct: CommercetoolsApi, signal: AbortSignal) => Promise<number | undefined>,
): CatalogSource<R> {
  let tree: ReadonlyMap<string, CategoryNode> = new Map();
  return {
    tree: () => tree,
    async *pages(options, cursor, signal) {
      tree = categoryTree(await fetchAllCategories(ct, signal));
      yield* pager({ cursor: cursor ?? options.startId, ids: options.ids, signal });
    },
    countTotal: async (options, signal) =>
      options.ids ? new Set(options.ids).size : options.startId || options.resume ? undefined : count(ct, signal),
  };
}
