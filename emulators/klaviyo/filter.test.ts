import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, matchesCondition, parseFilter } from './filter.ts';

describe('parseFilter', () => {
  it.each([
    ['equals(external_id,"ct-1")', [{ operator: 'equals', field: 'external_id', value: 'ct-1' }]],
    ["equals(status,'queued')", [{ operator: 'equals', field: 'status', value: 'queued' }]],
    [
      'any(ids,["$custom:::$default:::A","$custom:::$default:::B"])',
      [{ operator: 'any', field: 'ids', value: ['$custom:::$default:::A', '$custom:::$default:::B'] }],
    ],
    ['equals(published,true)', [{ operator: 'equals', field: 'published', value: true }]],
    [
      'greater-than(created,2024-01-01T00:00:00Z),equals(email,"a@b.co")',
      [
        { operator: 'greater-than', field: 'created', value: '2024-01-01T00:00:00Z' },
        { operator: 'equals', field: 'email', value: 'a@b.co' },
      ],
    ],
    ['has(profile)', [{ operator: 'has', field: 'profile', value: null }]],
    ['equals(title,"say \\"hi\\"")', [{ operator: 'equals', field: 'title', value: 'say "hi"' }]],
  ])('parses %s', (input, expected) => {
    expect(parseFilter(input)).toEqual(expected);
  });

  it.each(['', 'equals', 'equals(a)', 'equals(a,"b"', 'equals(a,"b")x', 'any(ids,["a" "b"])'])(
    'rejects %j with a position',
    (input) => {
      expect(() => parseFilter(input)).toThrow(FilterSyntaxError);
    },
  );
});

describe('matchesCondition', () => {
  it('compares dates as instants, lists by membership, strings by substring', () => {
    expect(
      matchesCondition('2025-01-02T00:00:00Z', {
        operator: 'greater-than',
        field: 'x',
        value: '2025-01-01T23:59:59+00:00',
      }),
    ).toBe(true);
    expect(matchesCondition('b', { operator: 'any', field: 'x', value: ['a', 'b'] })).toBe(true);
    expect(matchesCondition('c', { operator: 'any', field: 'x', value: ['a', 'b'] })).toBe(false);
    expect(matchesCondition('Jeans Slim', { operator: 'contains', field: 'x', value: 'Slim' })).toBe(true);
    expect(matchesCondition(true, { operator: 'equals', field: 'x', value: 'true' })).toBe(true);
  });
});
