/** The one vocabulary: used unchanged in routes, job ids, checkpoint keys, logs and metrics. */
export const ENTITY_KINDS = ['customers', 'orders', 'categories', 'products'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export function isEntityKind(value: string): value is EntityKind {
  return (ENTITY_KINDS as readonly string[]).includes(value);
}
