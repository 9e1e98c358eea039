import { type CategoryNode, categoryBreadcrumbs } from './category-tree.ts';
import { type LocalizedString, pickLocalized } from './localized.ts';

/** `Women > Pants > Jeans`: the category's localized name after its ancestors', root first. */
export function categoryBreadcrumbName(
  categoryId: string,
  tree: ReadonlyMap<string, CategoryNode>,
  locale?: string,
): string | undefined {
  return categoryBreadcrumbs(categoryId, tree, locale).at(-1);
}

/** The category and its ancestors, as ids (for an item's categories relationship). */
export function withAncestors(categoryId: string, tree: ReadonlyMap<string, CategoryNode>): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  let current = tree.get(categoryId);
  if (!current) return [categoryId];
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    ids.push(current.id);
    current = current.parentId ? tree.get(current.parentId) : undefined;
  }
  return ids;
}

export function categoryToCatalogAttributes(
  category: { id: string; name: LocalizedString },
  tree: ReadonlyMap<string, CategoryNode>,
  locale?: string,
): { external_id: string; name: string } {
  return {
    external_id: category.id,
    name: categoryBreadcrumbName(category.id, tree, locale) ?? pickLocalized(category.name, locale) ?? category.id,
  };
}
