import { InvalidRequestError } from '../core/errors.ts';
import { type CommercetoolsApi, ctCall, ctFind } from './client.ts';

const PAGE = 500;
/** commercetools answers offsets up to 10,000 (docs: api/limits, "Queries"). */
const MAX_OFFSET = 10_000;

/**
 * The products a store sells: those of its active product selections (Stores, `productSelections`); undefined when
 * it has none, which in commercetools means every product. A store that does not exist is a configuration error.
 */
export async function storeProductIds(
  api: CommercetoolsApi,
  storeKey: string,
  options: { signal?: AbortSignal; budgetMs?: number } = {},
): Promise<Set<string> | undefined> {
  const store = await ctFind(
    `store ${storeKey}`,
    () => api.stores().withKey({ key: storeKey }).get().execute(),
    options,
  );
  if (!store)
    throw new InvalidRequestError(
      `Store '${storeKey}' (STORE_ROUTES) is not in commercetools: check the store key, or remove the route.`,
    );
  const selections = (store.productSelections ?? []).filter((s) => s.active).map((s) => s.productSelection.id);
  if (selections.length === 0) return undefined;
  const ids = new Set<string>();
  for (const id of selections) {
    // The assigned products are paged by offset (the endpoint offers nothing else).
    for (let offset = 0; ; offset += PAGE) {
      if (offset > MAX_OFFSET)
        throw new InvalidRequestError(
          `Product selection ${id} of store '${storeKey}' holds more products than commercetools pages (${MAX_OFFSET + PAGE}).`,
        );
      const body = await ctCall(
        `products of product selection ${id}`,
        () =>
          api
            .productSelections()
            .withId({ ID: id })
            .products()
            .get({ queryArgs: { limit: PAGE, offset } })
            .execute(),
        options,
      );
      for (const r of body.results) ids.add(r.product.id);
      if (body.results.length < PAGE) break;
    }
  }
  return ids;
}
