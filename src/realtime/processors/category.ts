import { findCategory } from '../../commercetools/categories.ts';
import { deleteCategory, upsertCategory } from '../../klaviyo/catalog-categories.ts';
import { categoryToCatalogAttributes } from '../../mapping/category-to-catalog.ts';
import type { LocalizedString } from '../../mapping/localized.ts';
import { applied, ignored, type Processor } from '../processor.ts';

/**
 * Any category notification → the category as commercetools has it now: upserted with its breadcrumb name when it
 * exists, removed from the catalog when it does not (a deletion message for a category that exists is stale).
 */
export const categoryProcessor: Processor = {
  name: 'category',
  handles: (n) => n.resourceType === 'category',
  async process(n, ctx) {
    const categoryId = n.resourceId as string;
    const category = await findCategory(ctx.ct, categoryId, ctx.ctBudgetMs);
    if (!category) {
      const result = await deleteCategory(ctx.klaviyo, categoryId);
      return result === 'deleted'
        ? applied(`catalog category ${categoryId} deleted`)
        : ignored(`category ${categoryId} was not in Klaviyo`);
    }
    const name = category.name as LocalizedString;
    const tree = new Map(await ctx.categoryTree());
    tree.set(category.id, { id: category.id, name, parentId: category.parent?.id });
    const result = await upsertCategory(
      ctx.klaviyo,
      categoryToCatalogAttributes({ id: category.id, name }, tree, ctx.settings.preferredLocale),
    );
    return applied(`catalog category ${category.id} ${result}`);
  },
};
