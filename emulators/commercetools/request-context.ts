import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Query parameters the mock's HTTP layer does not pass down to storage (`sort`, `withTotal`). A request hook
 * puts them here so the indexed storage can honour them as the real API does.
 */
export interface QueryContext {
  sort?: string[];
  withTotal?: boolean;
}

export const queryContext = new AsyncLocalStorage<QueryContext>();
