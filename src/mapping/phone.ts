import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A phone number in E.164 (`+4930123456`), or undefined when it cannot be made valid. `country` (the
 * address's ISO country) resolves national formats such as `030 1234567`.
 */
export function toE164(raw: string | undefined, country?: string): string | undefined {
  if (!raw || raw.trim() === '') return undefined;
  const cleaned = raw.trim().replace(/^00/, '+');
  const parsed = parsePhoneNumberFromString(
    cleaned,
    country && /^[A-Z]{2}$/.test(country) ? (country as CountryCode) : undefined,
  );
  if (!parsed?.isValid()) return undefined;
  return parsed.format('E.164');
}
