import { describe, expect, it } from 'vitest';
import { outcomesByRow, rowIndex } from './row-errors.ts';

describe('rowIndex', () => {
  const profiles = '/data/attributes/profiles/data';
  it.each([
    ['/data/attributes/profiles/data/17/attributes/email', 17],
    ['/data/attributes/profiles/data/0', 0],
    ['/data/attributes/profiles/data/3/', 3],
  ])('%s → %d', (pointer, index) => {
    expect(rowIndex(pointer, profiles, 20)).toBe(index);
  });

  it.each([
    ['a pointer without a row', '/data/attributes/profiles/data'],
    ['a pointer at the field, without an index', '/data/attributes/email'],
    ['a row past the batch', '/data/attributes/profiles/data/20/attributes/email'],
    ['another collection', '/data/attributes/events-bulk-create/data/1'],
    ['digits that run into letters', '/data/attributes/profiles/data/1x/attributes'],
    ['no pointer', undefined],
  ])('%s → no row', (_what, pointer) => {
    expect(rowIndex(pointer, profiles, 20)).toBeUndefined();
  });
});

describe('outcomesByRow', () => {
  it('fails the rows with an error, with its reason, code and pointer, and succeeds the rest', () => {
    const errors = new Map([
      [
        1,
        {
          code: 'invalid',
          detail: "'price' must be a number.",
          pointer: '/data/attributes/items/data/1/attributes/price',
        },
      ],
    ]);
    expect(outcomesByRow([{ id: 'a' }, { id: 'b' }], errors, 'Klaviyo could not update the category')).toEqual([
      { id: 'a', outcome: 'succeeded' },
      {
        id: 'b',
        outcome: 'failed',
        reason: "Klaviyo could not update the category: 'price' must be a number.",
        code: 'invalid',
        pointer: '/data/attributes/items/data/1/attributes/price',
      },
    ]);
  });
});
