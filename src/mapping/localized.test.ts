import { describe, expect, it } from 'vitest';
import { pickLocalized } from './localized.ts';

describe('pickLocalized', () => {
  const value = { 'en-US': 'Pants (US)', en: 'Trousers', de: 'Hosen', 'fr-CA': 'Pantalons' };
  it.each([
    ['en-US', 'Pants (US)'],
    ['en-GB', 'Trousers'],
    ['de-AT', 'Hosen'],
    ['fr', 'Pantalons'],
    ['it', 'Pants (US)'],
    [undefined, 'Pants (US)'],
  ])('preferred %s → %s', (locale, expected) => {
    expect(pickLocalized(value, locale)).toBe(expected);
  });

  it('skips empty values and handles absence', () => {
    expect(pickLocalized({ en: '', de: 'Hosen' }, 'en')).toBe('Hosen');
    expect(pickLocalized(undefined, 'en')).toBeUndefined();
    expect(pickLocalized({}, 'en')).toBeUndefined();
  });
});
