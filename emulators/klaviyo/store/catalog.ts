import { conflict, invalid, jsonBytes, KB, notFound } from '../jsonapi.ts';

export interface CatalogItem {
  id: string;
  attributes: Record<string, unknown>;
  categoryIds: Set<string>;
  variantIds: Set<string>;
  created: string;
  updated: string;
}

export interface CatalogVariant {
  id: string;
  itemId: string;
  attributes: Record<string, unknown>;
  created: string;
  updated: string;
}

export interface CatalogCategory {
  id: string;
  attributes: Record<string, unknown>;
  itemIds: Set<string>;
  updated: string;
}

export interface ResourceInput {
  type?: string;
  id?: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: { type: string; id: string } | Array<{ type: string; id: string }> }>;
}

const MAX_METADATA_BYTES = 100 * KB;
const CREATE_ONLY = ['external_id', 'integration_type', 'catalog_type'];

/** `$custom:::$default:::<external_id>`: the only catalog Klaviyo supports for custom integrations. */
export function compoundId(attributes: Record<string, unknown>): string {
  const integration = (attributes.integration_type as string | undefined) ?? '$custom';
  const catalog = (attributes.catalog_type as string | undefined) ?? '$default';
  return `${integration}:::${catalog}:::${String(attributes.external_id)}`;
}

function relIds(input: ResourceInput, name: string): string[] | undefined {
  const data = input.relationships?.[name]?.data;
  if (data === undefined) return undefined;
  return (Array.isArray(data) ? data : [data]).map((d) => d.id);
}

function checkMetadata(attributes: Record<string, unknown>, pointer: string): void {
  if (attributes.custom_metadata !== undefined && jsonBytes(attributes.custom_metadata) > MAX_METADATA_BYTES) {
    throw invalid('custom_metadata must be at most 100 KB.', { pointer: `${pointer}/attributes/custom_metadata` });
  }
}

function checkUpdatable(attributes: Record<string, unknown>, pointer: string): void {
  for (const k of CREATE_ONLY) {
    if (k in attributes) throw invalid(`'${k}' cannot be updated.`, { pointer: `${pointer}/attributes/${k}` });
  }
}

function checkCatalogType(attributes: Record<string, unknown>, pointer: string): void {
  if (attributes.catalog_type !== undefined && attributes.catalog_type !== '$default') {
    throw invalid("Only the '$default' catalog is supported.", { pointer: `${pointer}/attributes/catalog_type` });
  }
}

export class CatalogStore {
  readonly items = new Map<string, CatalogItem>();
  readonly variants = new Map<string, CatalogVariant>();
  readonly categories = new Map<string, CatalogCategory>();

  private requireCategories(ids: string[], pointer: string): void {
    ids.forEach((id, i) => {
      if (!this.categories.has(id))
        throw invalid(`Catalog category '${id}' does not exist.`, {
          pointer: `${pointer}/relationships/categories/data/${i}/id`,
        });
    });
  }

  private requireItems(ids: string[], pointer: string): void {
    ids.forEach((id, i) => {
      if (!this.items.has(id))
        throw invalid(`Catalog item '${id}' does not exist.`, {
          pointer: `${pointer}/relationships/items/data/${i}/id`,
        });
    });
  }

  getItem(id: string): CatalogItem {
    const item = this.items.get(id);
    if (!item) throw notFound(`A catalog item with id '${id}' does not exist.`);
    return item;
  }

  getVariant(id: string): CatalogVariant {
    const v = this.variants.get(id);
    if (!v) throw notFound(`A catalog variant with id '${id}' does not exist.`);
    return v;
  }

  getCategory(id: string): CatalogCategory {
    const c = this.categories.get(id);
    if (!c) throw notFound(`A catalog category with id '${id}' does not exist.`);
    return c;
  }

  createItem(input: ResourceInput, now: string, pointer = '/data'): CatalogItem {
    const a = { ...(input.attributes ?? {}) };
    checkCatalogType(a, pointer);
    checkMetadata(input.attributes ?? {}, pointer);
    const id = compoundId(a);
    if (this.items.has(id)) throw conflict('conflict', `A catalog item with id '${id}' already exists.`);
    const categoryIds = relIds(input, 'categories') ?? [];
    this.requireCategories(categoryIds, pointer);
    const item: CatalogItem = {
      id,
      attributes: { published: true, ...a },
      categoryIds: new Set(),
      variantIds: new Set(),
      created: now,
      updated: now,
    };
    this.items.set(id, item);
    this.setItemCategories(item, categoryIds);
    return item;
  }

  updateItem(id: string, input: ResourceInput, now: string, pointer = '/data'): CatalogItem {
    const item = this.getItem(id);
    const a = input.attributes ?? {};
    checkUpdatable(a, pointer);
    checkMetadata(a, pointer);
    const categoryIds = relIds(input, 'categories');
    if (categoryIds) this.requireCategories(categoryIds, pointer);
    Object.assign(item.attributes, a);
    if (categoryIds) this.setItemCategories(item, categoryIds);
    item.updated = now;
    return item;
  }

  deleteItem(id: string): void {
    const item = this.getItem(id);
    for (const vid of item.variantIds) this.variants.delete(vid);
    for (const cid of item.categoryIds) this.categories.get(cid)?.itemIds.delete(id);
    this.items.delete(id);
  }

  setItemCategories(item: CatalogItem, categoryIds: string[]): void {
    for (const cid of item.categoryIds) this.categories.get(cid)?.itemIds.delete(item.id);
    item.categoryIds = new Set(categoryIds);
    for (const cid of categoryIds) this.categories.get(cid)?.itemIds.add(item.id);
  }

  addItemCategories(itemId: string, categoryIds: string[], remove = false): void {
    const item = this.getItem(itemId);
    if (!remove) this.requireCategories(categoryIds, '');
    for (const cid of categoryIds) {
      if (remove) {
        item.categoryIds.delete(cid);
        this.categories.get(cid)?.itemIds.delete(itemId);
      } else {
        item.categoryIds.add(cid);
        this.categories.get(cid)?.itemIds.add(itemId);
      }
    }
  }

  setCategoryItems(category: CatalogCategory, itemIds: string[]): void {
    for (const iid of category.itemIds) this.items.get(iid)?.categoryIds.delete(category.id);
    category.itemIds = new Set(itemIds);
    for (const iid of itemIds) this.items.get(iid)?.categoryIds.add(category.id);
  }

  addCategoryItems(categoryId: string, itemIds: string[], remove = false): void {
    const category = this.getCategory(categoryId);
    if (!remove) this.requireItems(itemIds, '');
    for (const iid of itemIds) {
      if (remove) {
        category.itemIds.delete(iid);
        this.items.get(iid)?.categoryIds.delete(categoryId);
      } else {
        category.itemIds.add(iid);
        this.items.get(iid)?.categoryIds.add(categoryId);
      }
    }
  }

  createVariant(input: ResourceInput, now: string, pointer = '/data'): CatalogVariant {
    const a = { ...(input.attributes ?? {}) };
    checkCatalogType(a, pointer);
    checkMetadata(a, pointer);
    const itemId = relIds(input, 'item')?.[0];
    if (!itemId)
      throw invalid("'item' is a required relationship for the resource 'catalog-variant'.", {
        pointer: `${pointer}/relationships/item`,
      });
    const item = this.items.get(itemId);
    if (!item)
      throw invalid(`Catalog item '${itemId}' does not exist.`, { pointer: `${pointer}/relationships/item/data/id` });
    const id = compoundId(a);
    if (this.variants.has(id)) throw conflict('conflict', `A catalog variant with id '${id}' already exists.`);
    const variant: CatalogVariant = {
      id,
      itemId,
      attributes: { published: true, inventory_policy: 0, ...a },
      created: now,
      updated: now,
    };
    this.variants.set(id, variant);
    item.variantIds.add(id);
    return variant;
  }

  updateVariant(id: string, input: ResourceInput, now: string, pointer = '/data'): CatalogVariant {
    const v = this.getVariant(id);
    const a = input.attributes ?? {};
    checkUpdatable(a, pointer);
    checkMetadata(a, pointer);
    Object.assign(v.attributes, a);
    v.updated = now;
    return v;
  }

  deleteVariant(id: string): void {
    const v = this.getVariant(id);
    this.items.get(v.itemId)?.variantIds.delete(id);
    this.variants.delete(id);
  }

  createCategory(input: ResourceInput, now: string, pointer = '/data'): CatalogCategory {
    const a = { ...(input.attributes ?? {}) };
    checkCatalogType(a, pointer);
    const id = compoundId(a);
    if (this.categories.has(id)) throw conflict('conflict', `A catalog category with id '${id}' already exists.`);
    const itemIds = relIds(input, 'items') ?? [];
    this.requireItems(itemIds, pointer);
    const category: CatalogCategory = { id, attributes: a, itemIds: new Set(), updated: now };
    this.categories.set(id, category);
    this.setCategoryItems(category, itemIds);
    return category;
  }

  updateCategory(id: string, input: ResourceInput, now: string, pointer = '/data'): CatalogCategory {
    const c = this.getCategory(id);
    const a = input.attributes ?? {};
    checkUpdatable(a, pointer);
    const itemIds = relIds(input, 'items');
    if (itemIds) this.requireItems(itemIds, pointer);
    Object.assign(c.attributes, a);
    if (itemIds) this.setCategoryItems(c, itemIds);
    c.updated = now;
    return c;
  }

  deleteCategory(id: string): void {
    const c = this.getCategory(id);
    for (const iid of c.itemIds) this.items.get(iid)?.categoryIds.delete(id);
    this.categories.delete(id);
  }

  clear(): void {
    this.items.clear();
    this.variants.clear();
    this.categories.clear();
  }
}

const enc = encodeURIComponent;

export function itemResource(item: CatalogItem, baseUrl: string): Record<string, unknown> {
  return {
    type: 'catalog-item',
    id: item.id,
    attributes: {
      ...withoutIdentityFields(item.attributes),
      external_id: item.attributes.external_id,
      created: item.created,
      updated: item.updated,
    },
    relationships: {
      variants: {
        data: [...item.variantIds].map((id) => ({ type: 'catalog-variant', id })),
        links: {
          self: `${baseUrl}/api/catalog-items/${enc(item.id)}/relationships/variants`,
          related: `${baseUrl}/api/catalog-items/${enc(item.id)}/variants`,
        },
      },
    },
    links: { self: `${baseUrl}/api/catalog-items/${enc(item.id)}` },
  };
}

export function variantResource(v: CatalogVariant, baseUrl: string): Record<string, unknown> {
  return {
    type: 'catalog-variant',
    id: v.id,
    attributes: {
      ...withoutIdentityFields(v.attributes),
      external_id: v.attributes.external_id,
      created: v.created,
      updated: v.updated,
    },
    relationships: { item: { data: { type: 'catalog-item', id: v.itemId } } },
    links: { self: `${baseUrl}/api/catalog-variants/${enc(v.id)}` },
  };
}

export function categoryResource(c: CatalogCategory, baseUrl: string): Record<string, unknown> {
  return {
    type: 'catalog-category',
    id: c.id,
    attributes: { external_id: c.attributes.external_id, name: c.attributes.name, updated: c.updated },
    links: { self: `${baseUrl}/api/catalog-categories/${enc(c.id)}` },
  };
}

function withoutIdentityFields(a: Record<string, unknown>): Record<string, unknown> {
  const { integration_type: _i, catalog_type: _c, ...rest } = a;
  return rest;
}
