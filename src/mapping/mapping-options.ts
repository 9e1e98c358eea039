export interface PropertyFilter {
  include: string[];
  exclude: string[];
  rename: Record<string, string>;
}

export const NO_FILTER: PropertyFilter = { include: [], exclude: [], rename: {} };
