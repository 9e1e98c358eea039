import { type FilterCondition, matchesCondition, parseFilter } from '../filter.ts';
import { paginate } from '../jsonapi.ts';
import {
  type CatalogCategory,
  type CatalogItem,
  type CatalogVariant,
  categoryResource,
  itemResource,
  type ResourceInput,
  variantResource,
} from '../store/catalog.ts';
import { collection, type OpContext, type OpHandler, requireData, requireIdentifiers, single } from './context.ts';

const enc = encodeURIComponent;

function conditionsOf(ctx: OpContext): FilterCondition[] {
  const f = ctx.url.searchParams.get('filter');
  return f ? parseFilter(f) : [];
}

function itemField(item: CatalogItem, field: string): unknown {
  if (field === 'ids') return item.id;
  if (field === 'category.id') return undefined;
  return item.attributes[field];
}

function matchItem(item: CatalogItem, c: FilterCondition): boolean {
  if (c.field === 'category.id') return item.categoryIds.has(String(c.value));
  return matchesCondition(itemField(item, c.field), c);
}

function matchVariant(v: CatalogVariant, c: FilterCondition): boolean {
  if (c.field === 'ids') return matchesCondition(v.id, c);
  if (c.field === 'item.id') return matchesCondition(v.itemId, c);
  return matchesCondition(v.attributes[c.field], c);
}

function matchCategory(cat: CatalogCategory, c: FilterCondition): boolean {
  if (c.field === 'ids') return matchesCondition(cat.id, c);
  if (c.field === 'item.id') return cat.itemIds.has(String(c.value));
  return matchesCondition(cat.attributes[c.field], c);
}

function sorted<T extends { created?: string; updated: string }>(list: T[], sort: string | null): T[] {
  if (!sort) return list;
  const field = sort.replace(/^-/, '') as 'created' | 'updated';
  const dir = sort.startsWith('-') ? -1 : 1;
  return [...list].sort((a, b) => (String(a[field] ?? '') < String(b[field] ?? '') ? -dir : dir));
}

function includedVariants(ctx: OpContext, items: CatalogItem[]): unknown[] | undefined {
  if (!(ctx.url.searchParams.get('include') ?? '').split(',').includes('variants')) return undefined;
  return items.flatMap((i) =>
    [...i.variantIds]
      .map((vid) => ctx.account.catalog.variants.get(vid))
      .filter((v) => v !== undefined)
      .map((v) => variantResource(v, ctx.baseUrl)),
  );
}

const getItems: OpHandler = (ctx) => {
  const cs = conditionsOf(ctx);
  const items = sorted(
    [...ctx.account.catalog.items.values()].filter((i) => cs.every((c) => matchItem(i, c))),
    ctx.url.searchParams.get('sort'),
  );
  const { page, links } = paginate(items, ctx.url, 100);
  return collection(
    page.map((i) => itemResource(i, ctx.baseUrl)),
    links,
    includedVariants(ctx, page),
  );
};

const getItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.getItem(ctx.params.id);
  return single(
    200,
    itemResource(item, ctx.baseUrl),
    `${ctx.baseUrl}/api/catalog-items/${enc(item.id)}`,
    includedVariants(ctx, [item]),
  );
};

const createItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.createItem(requireData(ctx.body, 'catalog-item') as ResourceInput, ctx.nowIso);
  return single(201, itemResource(item, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-items`);
};

const updateItem: OpHandler = (ctx) => {
  const d = requireData(ctx.body, 'catalog-item');
  const item = ctx.account.catalog.updateItem(ctx.params.id, d as ResourceInput, ctx.nowIso);
  return single(200, itemResource(item, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-items/${enc(item.id)}`);
};

const deleteItem: OpHandler = (ctx) => {
  ctx.account.catalog.deleteItem(ctx.params.id);
  return { status: 204 };
};

const getVariants: OpHandler = (ctx) => {
  const cs = conditionsOf(ctx);
  const list = sorted(
    [...ctx.account.catalog.variants.values()].filter((v) => cs.every((c) => matchVariant(v, c))),
    ctx.url.searchParams.get('sort'),
  );
  const { page, links } = paginate(list, ctx.url, 100);
  return collection(
    page.map((v) => variantResource(v, ctx.baseUrl)),
    links,
  );
};

const getVariant: OpHandler = (ctx) => {
  const v = ctx.account.catalog.getVariant(ctx.params.id);
  return single(200, variantResource(v, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-variants/${enc(v.id)}`);
};

const createVariant: OpHandler = (ctx) => {
  const v = ctx.account.catalog.createVariant(requireData(ctx.body, 'catalog-variant') as ResourceInput, ctx.nowIso);
  return single(201, variantResource(v, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-variants`);
};

const updateVariant: OpHandler = (ctx) => {
  const v = ctx.account.catalog.updateVariant(
    ctx.params.id,
    requireData(ctx.body, 'catalog-variant') as ResourceInput,
    ctx.nowIso,
  );
  return single(200, variantResource(v, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-variants/${enc(v.id)}`);
};

const deleteVariant: OpHandler = (ctx) => {
  ctx.account.catalog.deleteVariant(ctx.params.id);
  return { status: 204 };
};

const getCategories: OpHandler = (ctx) => {
  const cs = conditionsOf(ctx);
  const list = sorted(
    [...ctx.account.catalog.categories.values()].filter((c) => cs.every((cond) => matchCategory(c, cond))),
    ctx.url.searchParams.get('sort'),
  );
  const { page, links } = paginate(list, ctx.url, 100);
  return collection(
    page.map((c) => categoryResource(c, ctx.baseUrl)),
    links,
  );
};

const getCategory: OpHandler = (ctx) => {
  const c = ctx.account.catalog.getCategory(ctx.params.id);
  return single(200, categoryResource(c, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-categories/${enc(c.id)}`);
};

const createCategory: OpHandler = (ctx) => {
  const c = ctx.account.catalog.createCategory(requireData(ctx.body, 'catalog-category') as ResourceInput, ctx.nowIso);
  return single(201, categoryResource(c, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-categories`);
};

const updateCategory: OpHandler = (ctx) => {
  const c = ctx.account.catalog.updateCategory(
    ctx.params.id,
    requireData(ctx.body, 'catalog-category') as ResourceInput,
    ctx.nowIso,
  );
  return single(200, categoryResource(c, ctx.baseUrl), `${ctx.baseUrl}/api/catalog-categories/${enc(c.id)}`);
};

const deleteCategory: OpHandler = (ctx) => {
  ctx.account.catalog.deleteCategory(ctx.params.id);
  return { status: 204 };
};

const variantsForItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.getItem(ctx.params.id);
  const list = [...item.variantIds].map((id) => ctx.account.catalog.variants.get(id)).filter((v) => v !== undefined);
  const { page, links } = paginate(list, ctx.url, 100);
  return collection(
    page.map((v) => variantResource(v, ctx.baseUrl)),
    links,
  );
};

const variantIdsForItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.getItem(ctx.params.id);
  const { page, links } = paginate([...item.variantIds], ctx.url, 100);
  return collection(
    page.map((id) => ({ type: 'catalog-variant', id })),
    links,
  );
};

const categoriesForItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.getItem(ctx.params.id);
  const list = [...item.categoryIds].map((id) => ctx.account.catalog.categories.get(id)).filter((c) => c !== undefined);
  const { page, links } = paginate(list, ctx.url, 100);
  return collection(
    page.map((c) => categoryResource(c, ctx.baseUrl)),
    links,
  );
};

const categoryIdsForItem: OpHandler = (ctx) => {
  const item = ctx.account.catalog.getItem(ctx.params.id);
  const { page, links } = paginate([...item.categoryIds], ctx.url, 100);
  return collection(
    page.map((id) => ({ type: 'catalog-category', id })),
    links,
  );
};

const itemsForCategory: OpHandler = (ctx) => {
  const c = ctx.account.catalog.getCategory(ctx.params.id);
  const list = [...c.itemIds].map((id) => ctx.account.catalog.items.get(id)).filter((i) => i !== undefined);
  const { page, links } = paginate(list, ctx.url, 100);
  return collection(
    page.map((i) => itemResource(i, ctx.baseUrl)),
    links,
  );
};

const itemIdsForCategory: OpHandler = (ctx) => {
  const c = ctx.account.catalog.getCategory(ctx.params.id);
  const { page, links } = paginate([...c.itemIds], ctx.url, 100);
  return collection(
    page.map((id) => ({ type: 'catalog-item', id })),
    links,
  );
};

const addCategoriesToItem: OpHandler = (ctx) => {
  ctx.account.catalog.addItemCategories(ctx.params.id, requireIdentifiers(ctx.body, 'catalog-category'));
  return { status: 204 };
};

const updateCategoriesForItem: OpHandler = (ctx) => {
  const ids = requireIdentifiers(ctx.body, 'catalog-category');
  const item = ctx.account.catalog.getItem(ctx.params.id);
  ctx.account.catalog.addItemCategories(item.id, ids);
  ctx.account.catalog.setItemCategories(item, ids);
  return { status: 204 };
};

const removeCategoriesFromItem: OpHandler = (ctx) => {
  ctx.account.catalog.addItemCategories(ctx.params.id, requireIdentifiers(ctx.body, 'catalog-category'), true);
  return { status: 204 };
};

const addItemsToCategory: OpHandler = (ctx) => {
  ctx.account.catalog.addCategoryItems(ctx.params.id, requireIdentifiers(ctx.body, 'catalog-item'));
  return { status: 204 };
};

const updateItemsForCategory: OpHandler = (ctx) => {
  const ids = requireIdentifiers(ctx.body, 'catalog-item');
  const c = ctx.account.catalog.getCategory(ctx.params.id);
  ctx.account.catalog.addCategoryItems(c.id, ids);
  ctx.account.catalog.setCategoryItems(c, ids);
  return { status: 204 };
};

const removeItemsFromCategory: OpHandler = (ctx) => {
  ctx.account.catalog.addCategoryItems(ctx.params.id, requireIdentifiers(ctx.body, 'catalog-item'), true);
  return { status: 204 };
};

export const catalogHandlers: Record<string, OpHandler> = {
  get_catalog_items: getItems,
  get_catalog_item: getItem,
  create_catalog_item: createItem,
  update_catalog_item: updateItem,
  delete_catalog_item: deleteItem,
  get_catalog_variants: getVariants,
  get_catalog_variant: getVariant,
  create_catalog_variant: createVariant,
  update_catalog_variant: updateVariant,
  delete_catalog_variant: deleteVariant,
  get_catalog_categories: getCategories,
  get_catalog_category: getCategory,
  create_catalog_category: createCategory,
  update_catalog_category: updateCategory,
  delete_catalog_category: deleteCategory,
  get_variants_for_catalog_item: variantsForItem,
  get_variant_ids_for_catalog_item: variantIdsForItem,
  get_categories_for_catalog_item: categoriesForItem,
  get_category_ids_for_catalog_item: categoryIdsForItem,
  get_items_for_catalog_category: itemsForCategory,
  get_item_ids_for_catalog_category: itemIdsForCategory,
  add_categories_to_catalog_item: addCategoriesToItem,
  update_categories_for_catalog_item: updateCategoriesForItem,
  remove_categories_from_catalog_item: removeCategoriesFromItem,
  add_items_to_catalog_category: addItemsToCategory,
  update_items_for_catalog_category: updateItemsForCategory,
  remove_items_from_catalog_category: removeItemsFromCategory,
};
