import type { Config } from './load-config.ts';
import type { StoreRoute } from './store-routes.ts';

/** Which records a route takes: one store's, or (the default route) those of no routed store. */
export interface RouteScope {
  /** The store key; absent for the default route. */
  store?: string;
  /** The stores that have routes of their own (the default route takes records in none of them). */
  routedStores: readonly string[];
}

export interface Route {
  /** `default`, or the store key. */
  name: string;
  scope: RouteScope;
  config: Config;
}

/** The routes of a configuration: the default one (the configuration itself), then one per routed store. */
export function routesOf(config: Config): Route[] {
  const routedStores = config.storeRoutes.map((r) => r.store);
  return [
    { name: 'default', scope: { routedStores }, config },
    ...config.storeRoutes.map((r) => ({
      name: r.store,
      scope: { store: r.store, routedStores },
      config: routeConfig(config, r),
    })),
  ];
}

/** The configuration a store's route runs with: its account, locale, currency, price scope and lists. */
export function routeConfig(config: Config, route: StoreRoute): Config {
  return Object.freeze({
    ...config,
    klaviyo: Object.freeze({ ...config.klaviyo, apiKey: route.klaviyoApiKey }),
    preferredLocale: route.locale ?? config.preferredLocale,
    preferredCurrency: route.currency ?? config.preferredCurrency,
    ...(route.priceChannelId ? { priceChannelId: route.priceChannelId } : {}),
    ...(route.customerGroupId ? { priceCustomerGroupId: route.customerGroupId } : {}),
    consent:
      config.consent && route.consentListId ? { ...config.consent, listId: route.consentListId } : config.consent,
    customersListId: route.customersListId ?? config.customersListId,
  });
}
