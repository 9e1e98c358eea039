import { describe, expect, it } from 'vitest';
import { parseStoreRoutes } from './store-routes.ts';

const parse = (env: Record<string, string>) => {
  const problems: string[] = [];
  return { routes: parseStoreRoutes(env, problems), problems };
};

describe('parseStoreRoutes', () => {
  it('reads routes, the key from the variable it names', () => {
    const { routes, problems } = parse({
      STORE_ROUTES: JSON.stringify([
        { store: 'de-shop', klaviyoAuthKeyEnv: 'KEY_DE', locale: 'de-DE', currency: 'EUR', consentListId: 'L1' },
        { store: 'us', klaviyoAuthKey: 'pk_us', priceChannelId: 'ch', customerGroupId: 'g' },
      ]),
      KEY_DE: 'pk_de',
    });
    expect(problems).toEqual([]);
    expect(routes).toEqual([
      { store: 'de-shop', klaviyoApiKey: 'pk_de', locale: 'de-DE', currency: 'EUR', consentListId: 'L1' },
      { store: 'us', klaviyoApiKey: 'pk_us', priceChannelId: 'ch', customerGroupId: 'g' },
    ]);
    expect(parse({}).routes).toEqual([]);
  });

  it('says what is wrong, never showing a key', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['{"store":', /not valid JSON/],
      [[], /non-empty JSON array/],
      [[{ store: 'x y', klaviyoAuthKey: 'pk_secret' }], /store must be a commercetools store key/],
      [[{ store: 'de', klaviyoAuthKeyEnv: 'MISSING' }], /names MISSING, which is not set/],
      [[{ store: 'de' }], /exactly one of klaviyoAuthKeyEnv/],
      [[{ store: 'de', klaviyoAuthKey: 'pk_secret', currency: 'euro' }], /ISO 4217/],
      [[{ store: 'de', klaviyoAuthKey: 'pk_secret', colour: 'red' }], /unknown field 'colour'/],
      [
        [
          { store: 'de', klaviyoAuthKey: 'pk_secret' },
          { store: 'de', klaviyoAuthKey: 'pk_secret' },
        ],
        /routed twice/,
      ],
    ];
    for (const [value, message] of cases) {
      const { problems } = parse({ STORE_ROUTES: typeof value === 'string' ? value : JSON.stringify(value) });
      expect(problems.join('\n'), JSON.stringify(value)).toMatch(message);
      expect(problems.join('\n')).not.toContain('pk_secret');
    }
    expect(parse({ STORE_ROUTES: '[]', STORE_ROUTES_FILE: '/x' }).problems).toEqual([
      'Set STORE_ROUTES or STORE_ROUTES_FILE, not both',
    ]);
  });
});
