import type { PropertyFilter } from './mapping-options.ts';

/**
 * Custom fields → Klaviyo properties: `include` (empty = all), then `exclude`, then `rename`. Falsy values
 * (0, false, "") are kept: they are data, not absence.
 */
export function filterProperties(
  fields: Record<string, unknown> | undefined,
  filter: PropertyFilter,
): Record<string, unknown> | undefined {
  if (!fields) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    if (filter.include.length > 0 && !filter.include.includes(name)) continue;
    if (filter.exclude.includes(name)) continue;
    out[filter.rename[name] ?? name] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
