import { describe, expect, it } from 'vitest';
import { createAsUpdate, isAlreadyExists } from './catalog-jobs.ts';

describe('createAsUpdate', () => {
  it('turns an item create into the update of the same id, keeping its categories', () => {
    const update = createAsUpdate({
      type: 'catalog-item',
      attributes: {
        external_id: 'p-1',
        title: 'Lamp',
        price: 12.5,
        integration_type: '$custom',
        catalog_type: '$default',
      },
      relationships: { categories: { data: [{ type: 'catalog-category', id: '$custom:::$default:::c-1' }] } },
    });
    expect(update).toEqual({
      type: 'catalog-item',
      id: '$custom:::$default:::p-1',
      attributes: { title: 'Lamp', price: 12.5 },
      relationships: { categories: { data: [{ type: 'catalog-category', id: '$custom:::$default:::c-1' }] } },
    });
  });

  it('drops the item relationship of a variant (an update cannot move it) and keeps falsy attributes', () => {
    const update = createAsUpdate({
      type: 'catalog-variant',
      attributes: {
        external_id: 'SKU-1',
        inventory_quantity: 0,
        published: false,
        integration_type: '$custom',
        catalog_type: '$default',
      },
      relationships: { item: { data: { type: 'catalog-item', id: '$custom:::$default:::p-1' } } },
    });
    expect(update).toEqual({
      type: 'catalog-variant',
      id: '$custom:::$default:::SKU-1',
      attributes: { inventory_quantity: 0, published: false },
    });
  });
});

describe('isAlreadyExists', () => {
  it('recognises a conflict, and nothing else', () => {
    expect(isAlreadyExists({ code: 'conflict', detail: 'A catalog item with id x already exists.' })).toBe(true);
    expect(isAlreadyExists({ code: 'invalid', detail: 'An item with this id already exists' })).toBe(true);
    expect(isAlreadyExists({ code: 'invalid', detail: "'price' must be a number." })).toBe(false);
  });
});
