import { readFileSync } from 'node:fs';

/**
 * Where one commercetools store's records go: its own Klaviyo account, locale and currency (and optionally its
 * price channel, customer group and lists). Records of no store follow the default route: the single-account
 * configuration (KLAVIYO_AUTH_KEY, PREFERRED_LOCALE, PREFERRED_CURRENCY, ...).
 */
export interface StoreRoute {
  /** The commercetools store key. */
  store: string;
  klaviyoApiKey: string;
  locale?: string;
  currency?: string;
  priceChannelId?: string;
  customerGroupId?: string;
  consentListId?: string;
  customersListId?: string;
}

const STORE_KEY = /^[A-Za-z0-9_-]{2,256}$/;
const FIELDS = new Set([
  'store',
  'klaviyoAuthKey',
  'klaviyoAuthKeyEnv',
  'locale',
  'currency',
  'priceChannelId',
  'customerGroupId',
  'consentListId',
  'customersListId',
]);

/**
 * The store routes of STORE_ROUTES (JSON) or STORE_ROUTES_FILE (a path to the same JSON): an array of
 * `{store, klaviyoAuthKeyEnv | klaviyoAuthKey, locale?, currency?, priceChannelId?, customerGroupId?,
 * consentListId?, customersListId?}`. The key is best named by the environment variable holding it
 * (`klaviyoAuthKeyEnv`), so the JSON holds no secret. Problems are added to `problems`, never with a key's value.
 */
export function parseStoreRoutes(env: NodeJS.ProcessEnv, problems: string[]): StoreRoute[] {
  const inline = env.STORE_ROUTES?.trim();
  const file = env.STORE_ROUTES_FILE?.trim();
  if (!inline && !file) return [];
  if (inline && file) {
    problems.push('Set STORE_ROUTES or STORE_ROUTES_FILE, not both');
    return [];
  }
  let text = inline ?? '';
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(`STORE_ROUTES_FILE '${file}' cannot be read: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }
  const name = file ? 'STORE_ROUTES_FILE' : 'STORE_ROUTES';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push(
      `${name} is not valid JSON: expected an array of routes like [{"store":"de","klaviyoAuthKeyEnv":"KLAVIYO_KEY_DE","locale":"de-DE","currency":"EUR"}]`,
    );
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push(`${name} must be a non-empty JSON array of routes`);
    return [];
  }
  const routes: StoreRoute[] = [];
  const seen = new Set<string>();
  parsed.forEach((raw: unknown, i) => {
    const where = `${name}[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!FIELDS.has(k)) problems.push(`${where} has an unknown field '${k}' (known: ${[...FIELDS].join(', ')})`);
    const text = (k: string): string | undefined => {
      const v = r[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v.trim() === '') {
        problems.push(`${where}.${k} must be a non-empty string`);
        return undefined;
      }
      return v.trim();
    };
    const store = text('store');
    if (!store || !STORE_KEY.test(store)) {
      problems.push(`${where}.store must be a commercetools store key (2-256 of A-Z a-z 0-9 _ -)`);
      return;
    }
    if (seen.has(store)) problems.push(`${where}: store '${store}' is routed twice`);
    seen.add(store);
    const keyEnv = text('klaviyoAuthKeyEnv');
    const inlineKey = text('klaviyoAuthKey');
    if ((keyEnv === undefined) === (inlineKey === undefined)) {
      problems.push(`${where} needs exactly one of klaviyoAuthKeyEnv (the variable holding the key) or klaviyoAuthKey`);
      return;
    }
    const apiKey = keyEnv ? env[keyEnv]?.trim() : inlineKey;
    if (!apiKey) {
      problems.push(`${where}.klaviyoAuthKeyEnv names ${keyEnv}, which is not set`);
      return;
    }
    const currency = text('currency');
    if (currency !== undefined && !/^[A-Z]{3}$/.test(currency))
      problems.push(`${where}.currency must be an ISO 4217 code like EUR, got '${currency}'`);
    const locale = text('locale');
    if (locale !== undefined && !/^[a-z]{2}(-[A-Za-z0-9]{2,8})*$/.test(locale))
      problems.push(`${where}.locale must be a language tag like de-DE, got '${locale}'`);
    routes.push({
      store,
      klaviyoApiKey: apiKey,
      ...(locale ? { locale } : {}),
      ...(currency ? { currency } : {}),
      ...optional('priceChannelId', text('priceChannelId')),
      ...optional('customerGroupId', text('customerGroupId')),
      ...optional('consentListId', text('consentListId')),
      ...optional('customersListId', text('customersListId')),
    });
  });
  return routes;
}

function optional<K extends string>(k: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [k]: v } as Record<K, string>);
}
