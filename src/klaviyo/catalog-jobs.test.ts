import { describe, expect, it } from 'vitest';
import { CatalogJobSlots, createAsUpdate, isAlreadyExists, MAX_CATALOG_JOBS_IN_PROGRESS } from './catalog-jobs.ts';

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

describe('CatalogJobSlots', () => {
  it('lets at most 480 catalog jobs be in progress; the next submission waits for a slot to be freed', async () => {
    const slots = new CatalogJobSlots();
    const held = await Promise.all(Array.from({ length: MAX_CATALOG_JOBS_IN_PROGRESS }, () => slots.acquire()));
    let isGranted = false;
    const next = slots.acquire().then((release) => {
      isGranted = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(isGranted).toBe(false);
    held[0]();
    held[0]();
    (await next)();
    expect(isGranted).toBe(true);
  });

  it('a waiting submission gives up when its run stops', async () => {
    const slots = new CatalogJobSlots();
    await Promise.all(Array.from({ length: MAX_CATALOG_JOBS_IN_PROGRESS }, () => slots.acquire()));
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('The run was stopped.');
  });
});
