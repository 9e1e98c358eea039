import { type LocalizedString, pickLocalized } from './localized.ts';

/** One category of the tree that names categories by breadcrumb. */
export interface CategoryNode {
  id: string;
  name: LocalizedString;
  parentId?: string;
}

/** The category tree (id → node) from commercetools categories. */
export function categoryTree(
  categories: ReadonlyArray<{ id: string; name: object; parent?: { id: string } }>,
): Map<string, CategoryNode> {
  return new Map(categories.map((c) => [c.id, { id: c.id, name: c.name as LocalizedString, parentId: c.parent?.id }]));
}

/** Breadcrumbs of a category and each ancestor: `Women`, `Women > Pants`, `Women > Pants > Jeans`. */
export function categoryBreadcrumbs(
  categoryId: string,
  categories: ReadonlyMap<string, CategoryNode>,
  locale?: string,
): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  let current = categories.get(categoryId);
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    chain.unshift(pickLocalized(current.name, locale) ?? current.id);
    current = current.parentId ? categories.get(current.parentId) : undefined;
  }
  return chain.map((_n, i) => chain.slice(0, i + 1).join(' > '));
}
