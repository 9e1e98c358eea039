import type { RouteScope } from '../config/route-config.ts';

const keys = (stores: readonly string[]) => stores.map((s) => JSON.stringify(s)).join(', ');

/**
 * The customers a route takes: those of its store; for the default route, those in none of the routed stores
 * (nothing when no store is routed: everyone).
 */
export function customerScope(scope: RouteScope | undefined): string[] {
  if (!scope) return [];
  if (scope.store) return [`stores(key = ${JSON.stringify(scope.store)})`];
  return scope.routedStores.length ? [`not(stores(key in (${keys(scope.routedStores)})))`] : [];
}

/** The orders (and carts) a route takes: those of its store; for the default route, those of no routed store. */
export function orderScope(scope: RouteScope | undefined): string[] {
  if (!scope) return [];
  if (scope.store) return [`store(key = ${JSON.stringify(scope.store)})`];
  return scope.routedStores.length
    ? [`(store is not defined or not(store(key in (${keys(scope.routedStores)}))))`]
    : [];
}
