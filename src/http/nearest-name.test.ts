import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from './nearest-name.ts';

describe('nearestName', () => {
  const fields = ['ids', 'startId', 'resume', 'dryRun', 'deleteAll', 'confirmDeletion'];

  it.each([
    ['confirmDeletoin', 'confirmDeletion'],
    ['confirm_deletion', 'confirmDeletion'],
    ['startid', 'startId'],
    ['dry_run', 'dryRun'],
    ['deleteall', 'deleteAll'],
    ['id', 'ids'],
  ])('%s → %s', (typed, meant) => {
    expect(nearestName(typed, fields)).toBe(meant);
  });

  it('suggests nothing for a word that is not a typo of a known one', () => {
    expect(nearestName('customerGroup', fields)).toBeUndefined();
    expect(nearestName('force', fields)).toBeUndefined();
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('abcd', 'abdc')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
