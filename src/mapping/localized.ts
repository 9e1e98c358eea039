export type LocalizedString = Record<string, string>;

/**
 * The best text of a LocalizedString: the preferred locale exactly, then its language (`en` for `en-US`),
 * then any locale of that language, then the first available.
 */
export function pickLocalized(value: LocalizedString | undefined, preferredLocale?: string): string | undefined {
  if (!value) return undefined;
  const keys = Object.keys(value).filter((k) => typeof value[k] === 'string' && value[k] !== '');
  if (keys.length === 0) return undefined;
  if (preferredLocale) {
    if (value[preferredLocale]) return value[preferredLocale];
    const language = preferredLocale.split('-')[0];
    if (value[language]) return value[language];
    const sameLanguage = keys.find((k) => k.split('-')[0] === language);
    if (sameLanguage) return value[sameLanguage];
  }
  return value[keys[0]];
}
