import type { ByProjectKeyRequestBuilder } from '@commercetools/platform-sdk';
import { countResources, fetchAllCategories } from '../../commercetools/catalog-reader.ts';
import { categoryTree, type CategoryNode } from '../../mapping/category-tree.ts';
import type { RunOptions } from '../run-report.ts';
import type { SourcePage, StreamDefinition } from '../stream.ts';

type Pager<R> = (q: { cursor?: string; ids?: string[]; signal?: AbortSignal }) => AsyncIterable<SourcePage<R>>;

/**
 * The reading side the catalog streams share: the category tree (which names categories and links items to
 * them) is read once per run, before the first page; then the resources are paged by id.
 */
export function catalogSource<R extends { id: string }>(ct: ByProjectKeyRequestBuilder, resource: 'categories' | 'products', pager: Pager<R>): Pick<StreamDefinition<R, unknown>, 'pages' | 'countTotal'> & { tree(): ReadonlyMap<string, CategoryNode> } {
  let tree: ReadonlyMap<string, CategoryNode> = new Map();
  return {
    tree: () => tree,
    async *pages(options: RunOptions, cursor: string | undefined, signal: AbortSignal) {
      tree = categoryTree(await fetchAllCategories(ct, signal));
      yield* pager({ cursor: cursor ?? options.startId, ids: options.ids, signal });
    },
    countTotal: async (options, signal) => (options.ids ? new Set(options.ids).size : options.startId || options.resume ? undefined : countResources(ct, resource, signal)),
  };
}
