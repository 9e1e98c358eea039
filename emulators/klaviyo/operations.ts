/**
 * The Klaviyo operations this emulator serves, with the rate limits Klaviyo publishes for them
 * (revision 2026-07-15, `x-klaviyo-ratelimit`). The table is embedded so the emulator runs without the
 * OpenAPI file; when the file is present its limits win and a test checks that the two agree.
 */
export interface RateLimit {
  burstPerSecond: number;
  steadyPerMinute: number;
  /** A daily limit, where Klaviyo publishes one (`create_list`: 150/d). */
  perDay?: number;
}

export interface OperationDef {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  rateLimit: RateLimit;
}

const XL: RateLimit = { burstPerSecond: 350, steadyPerMinute: 3500 };
const L: RateLimit = { burstPerSecond: 75, steadyPerMinute: 750 };
const M: RateLimit = { burstPerSecond: 10, steadyPerMinute: 150 };
const S: RateLimit = { burstPerSecond: 3, steadyPerMinute: 60 };

function op(method: OperationDef['method'], path: string, operationId: string, rateLimit: RateLimit): OperationDef {
  return { method, path, operationId, rateLimit };
}

const CATALOG_JOB_KINDS = [
  {
    resource: 'item',
    plural: 'items',
    post: ['bulk_create_catalog_items', 'bulk_update_catalog_items', 'bulk_delete_catalog_items'],
    get: [
      'get_bulk_create_catalog_items_job',
      'get_bulk_update_catalog_items_job',
      'get_bulk_delete_catalog_items_job',
    ],
    list: [
      'get_bulk_create_catalog_items_jobs',
      'get_bulk_update_catalog_items_jobs',
      'get_bulk_delete_catalog_items_jobs',
    ],
    getLimits: [L, L, XL],
  },
  {
    resource: 'variant',
    plural: 'variants',
    post: ['bulk_create_catalog_variants', 'bulk_update_catalog_variants', 'bulk_delete_catalog_variants'],
    get: ['get_bulk_create_variants_job', 'get_bulk_update_variants_job', 'get_bulk_delete_variants_job'],
    list: ['get_bulk_create_variants_jobs', 'get_bulk_update_variants_jobs', 'get_bulk_delete_variants_jobs'],
    getLimits: [L, L, XL],
  },
  {
    resource: 'category',
    plural: 'categories',
    post: ['bulk_create_catalog_categories', 'bulk_update_catalog_categories', 'bulk_delete_catalog_categories'],
    get: ['get_bulk_create_categories_job', 'get_bulk_update_categories_job', 'get_bulk_delete_categories_job'],
    list: ['get_bulk_create_categories_jobs', 'get_bulk_update_categories_jobs', 'get_bulk_delete_categories_jobs'],
    getLimits: [XL, XL, XL],
  },
] as const;

export const CATALOG_JOB_ACTIONS = ['create', 'update', 'delete'] as const;
export type CatalogJobAction = (typeof CATALOG_JOB_ACTIONS)[number];
export type CatalogResource = 'item' | 'variant' | 'category';

function catalogJobOperations(): OperationDef[] {
  const ops: OperationDef[] = [];
  for (const kind of CATALOG_JOB_KINDS) {
    CATALOG_JOB_ACTIONS.forEach((action, i) => {
      const path = `/api/catalog-${kind.resource}-bulk-${action}-jobs`;
      ops.push(op('POST', path, kind.post[i], L));
      ops.push(op('GET', path, kind.list[i], kind.getLimits[i]));
      ops.push(op('GET', `${path}/{job_id}`, kind.get[i], kind.getLimits[i]));
    });
  }
  return ops;
}

export const SERVED_OPERATIONS: readonly OperationDef[] = [
  op('POST', '/api/profile-import', 'create_or_update_profile', L),
  op('GET', '/api/profiles', 'get_profiles', L),
  op('POST', '/api/profiles', 'create_profile', L),
  op('GET', '/api/profiles/{id}', 'get_profile', L),
  op('PATCH', '/api/profiles/{id}', 'update_profile', L),
  op('POST', '/api/profile-merge', 'merge_profiles', M),
  op('POST', '/api/data-privacy-deletion-jobs', 'request_profile_deletion', S),
  op('GET', '/api/profile-bulk-import-jobs', 'get_bulk_import_profiles_jobs', M),
  op('POST', '/api/profile-bulk-import-jobs', 'bulk_import_profiles', M),
  op('GET', '/api/profile-bulk-import-jobs/{job_id}', 'get_bulk_import_profiles_job', M),
  op('GET', '/api/profile-bulk-import-jobs/{id}/import-errors', 'get_errors_for_bulk_import_profiles_job', M),
  op('GET', '/api/profile-bulk-import-jobs/{id}/profiles', 'get_profiles_for_bulk_import_profiles_job', M),
  op(
    'GET',
    '/api/profile-bulk-import-jobs/{id}/relationships/profiles',
    'get_profile_ids_for_bulk_import_profiles_job',
    M,
  ),
  op('POST', '/api/profile-subscription-bulk-create-jobs', 'bulk_subscribe_profiles', L),
  op('POST', '/api/profile-subscription-bulk-delete-jobs', 'bulk_unsubscribe_profiles', L),
  op('POST', '/api/profile-suppression-bulk-create-jobs', 'bulk_suppress_profiles', L),
  op('GET', '/api/profile-suppression-bulk-create-jobs', 'get_bulk_suppress_profiles_jobs', L),
  op('GET', '/api/profile-suppression-bulk-create-jobs/{job_id}', 'get_bulk_suppress_profiles_job', L),
  op('POST', '/api/profile-suppression-bulk-delete-jobs', 'bulk_unsuppress_profiles', L),
  op('GET', '/api/profile-suppression-bulk-delete-jobs', 'get_bulk_unsuppress_profiles_jobs', L),
  op('GET', '/api/profile-suppression-bulk-delete-jobs/{job_id}', 'get_bulk_unsuppress_profiles_job', L),
  op('GET', '/api/lists', 'get_lists', L),
  op('POST', '/api/lists', 'create_list', { ...M, perDay: 150 }),
  op('GET', '/api/lists/{id}', 'get_list', L),
  op('GET', '/api/lists/{id}/profiles', 'get_profiles_for_list', L),
  op('GET', '/api/lists/{id}/relationships/profiles', 'get_profile_ids_for_list', L),
  op('POST', '/api/lists/{id}/relationships/profiles', 'add_profiles_to_list', M),
  op('DELETE', '/api/lists/{id}/relationships/profiles', 'remove_profiles_from_list', M),
  op('GET', '/api/profiles/{id}/lists', 'get_lists_for_profile', S),
  op('GET', '/api/profiles/{id}/relationships/lists', 'get_list_ids_for_profile', S),
  op('GET', '/api/events', 'get_events', XL),
  op('POST', '/api/events', 'create_event', XL),
  op('POST', '/api/event-bulk-create-jobs', 'bulk_create_events', M),
  op('GET', '/api/catalog-items', 'get_catalog_items', XL),
  op('POST', '/api/catalog-items', 'create_catalog_item', L),
  op('GET', '/api/catalog-items/{id}', 'get_catalog_item', XL),
  op('PATCH', '/api/catalog-items/{id}', 'update_catalog_item', L),
  op('DELETE', '/api/catalog-items/{id}', 'delete_catalog_item', L),
  op('GET', '/api/catalog-variants', 'get_catalog_variants', XL),
  op('POST', '/api/catalog-variants', 'create_catalog_variant', L),
  op('GET', '/api/catalog-variants/{id}', 'get_catalog_variant', XL),
  op('PATCH', '/api/catalog-variants/{id}', 'update_catalog_variant', L),
  op('DELETE', '/api/catalog-variants/{id}', 'delete_catalog_variant', L),
  op('GET', '/api/catalog-categories', 'get_catalog_categories', XL),
  op('POST', '/api/catalog-categories', 'create_catalog_category', L),
  op('GET', '/api/catalog-categories/{id}', 'get_catalog_category', XL),
  op('PATCH', '/api/catalog-categories/{id}', 'update_catalog_category', L),
  op('DELETE', '/api/catalog-categories/{id}', 'delete_catalog_category', L),
  op('GET', '/api/catalog-items/{id}/variants', 'get_variants_for_catalog_item', XL),
  op('GET', '/api/catalog-items/{id}/relationships/variants', 'get_variant_ids_for_catalog_item', XL),
  op('GET', '/api/catalog-items/{id}/categories', 'get_categories_for_catalog_item', XL),
  op('GET', '/api/catalog-items/{id}/relationships/categories', 'get_category_ids_for_catalog_item', XL),
  op('POST', '/api/catalog-items/{id}/relationships/categories', 'add_categories_to_catalog_item', L),
  op('PATCH', '/api/catalog-items/{id}/relationships/categories', 'update_categories_for_catalog_item', L),
  op('DELETE', '/api/catalog-items/{id}/relationships/categories', 'remove_categories_from_catalog_item', L),
  op('GET', '/api/catalog-categories/{id}/items', 'get_items_for_catalog_category', XL),
  op('GET', '/api/catalog-categories/{id}/relationships/items', 'get_item_ids_for_catalog_category', XL),
  op('POST', '/api/catalog-categories/{id}/relationships/items', 'add_items_to_catalog_category', L),
  op('PATCH', '/api/catalog-categories/{id}/relationships/items', 'update_items_for_catalog_category', L),
  op('DELETE', '/api/catalog-categories/{id}/relationships/items', 'remove_items_from_catalog_category', L),
  ...catalogJobOperations(),
];

/** Maps a catalog bulk-job path segment (`catalog-item-bulk-create-jobs`) to its resource and action. */
export function parseCatalogJobPath(path: string): { resource: CatalogResource; action: CatalogJobAction } | undefined {
  const m = /^\/api\/catalog-(item|variant|category)-bulk-(create|update|delete)-jobs/.exec(path);
  if (!m) return undefined;
  return { resource: m[1] as CatalogResource, action: m[2] as CatalogJobAction };
}
