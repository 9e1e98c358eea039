import type { Category } from '@commercetools/platform-sdk';
import { fetchAllCategories } from '../../commercetools/categories.ts';
import type { CommercetoolsApi } from '../../commercetools/client.ts';
import type { ModifiedWindow, PageQuery } from '../../commercetools/keyset-pager.ts';
import { type CategoryNode, categoryTree } from '../../mapping/category-tree.ts';
import { modifiedWindow } from '../run-report.ts';
import type { SourcePage, StreamReader } from '../stream.ts';

export interface CatalogSource<R> extends StreamReader<R> {
  /** The category tree read at the start of this run. */
  tree(): ReadonlyMap<string, CategoryNode>;
}

/**
 * The categories a delta of categories writes: those modified in the window, and every category below one of
 * them (a category is named by its breadcrumb, so renaming a parent renames its descendants in Klaviyo).
 */
export function changedCategoryIds(all: readonly Category[], w: ModifiedWindow): string[] {
  const changed = new Set(
    all.filter((c) => c.lastModifiedAt >= w.since && c.lastModifiedAt < w.before).map((c) => c.id),
  );
  return all.filter((c) => changed.has(c.id) || c.ancestors.some((a) => changed.has(a.id))).map((c) => c.id);
}

/**
 * The reading side the catalog streams share: the category tree (which names categories and links items to
 * them) is read once per run, before the first page that needs it; then the resources are paged by id (a delta:
 * by lastModifiedAt and id). With `deltaIds`, a delta writes the ids it names instead (categories: the changed
 * ones and their descendants, from the tree).
 */
export function catalogSource<R extends { id: string }>(
  ct: CommercetoolsApi,
  pager: (q: PageQuery) => AsyncIterable<SourcePage<R>>,
  count: (ct: CommercetoolsApi, signal: AbortSignal) => Promise<number | undefined>,
  deltaIds?: (all: readonly Category[], w: ModifiedWindow) => string[],
  /** Which records the route takes (a store's product selection); undefined: all of them. */
  scope?: (signal: AbortSignal) => Promise<ReadonlySet<string> | undefined>,
): CatalogSource<R> {
  let tree: ReadonlyMap<string, CategoryNode> | undefined;
  const readTree = async (signal: AbortSignal) => {
    const all = await fetchAllCategories(ct, signal);
    tree = categoryTree(all);
    return all;
  };
  return {
    tree: () => tree ?? new Map(),
    async *pages(options, cursor, signal) {
      tree = undefined;
      const window = modifiedWindow(options);
      if (window && deltaIds) {
        const ids = [...new Set([...deltaIds(await readTree(signal), window), ...(options.retryIds ?? [])])];
        yield* pager({ cursor: cursor ?? options.startId, ids, signal });
        return;
      }
      const inScope = await scope?.(signal);
      // A delta that finds nothing reads nothing else: the tree only once there is something to name.
      for await (const page of pager({
        cursor: cursor ?? options.startId,
        ids: options.ids,
        modified: window,
        retryIds: options.retryIds,
        signal,
      })) {
        if (!tree) await readTree(signal);
        // Records outside the route's scope are not this route's: not read, not counted.
        yield inScope ? { ...page, records: page.records.filter((r) => inScope.has(r.id)) } : page;
      }
    },
    countTotal: async (options, signal) =>
      options.ids
        ? new Set(options.ids).size
        : options.startId || options.resume || options.modifiedSince || scope
          ? undefined
          : count(ct, signal),
  };
}
