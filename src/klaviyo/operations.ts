/** A Klaviyo operation we call, with its published rate limits (revision 2026-07-15, `x-klaviyo-ratelimit`). */
export interface KlaviyoOperation {
  id: string;
  burstPerSecond: number;
  steadyPerMinute: number;
}

const op = (id: string, burstPerSecond: number, steadyPerMinute: number): KlaviyoOperation => ({
  id,
  burstPerSecond,
  steadyPerMinute,
});

export const OPERATIONS = {
  createOrUpdateProfile: op('create_or_update_profile', 75, 750),
  getProfiles: op('get_profiles', 75, 750),
  bulkImportProfiles: op('bulk_import_profiles', 10, 150),
  getBulkImportProfilesJob: op('get_bulk_import_profiles_job', 10, 150),
  getImportErrors: op('get_errors_for_bulk_import_profiles_job', 10, 150),
  getProfilesOfImportJob: op('get_profiles_for_bulk_import_profiles_job', 10, 150),
  getCatalogItems: op('get_catalog_items', 350, 3500),
  bulkCreateEvents: op('bulk_create_events', 10, 150),
  createEvent: op('create_event', 350, 3500),
  getCatalogCategories: op('get_catalog_categories', 350, 3500),
  getCatalogVariants: op('get_catalog_variants', 350, 3500),
  getVariantIdsForItem: op('get_variant_ids_for_catalog_item', 350, 3500),
  createCatalogCategory: op('create_catalog_category', 75, 750),
  updateCatalogCategory: op('update_catalog_category', 75, 750),
  deleteCatalogCategory: op('delete_catalog_category', 75, 750),
  deleteCatalogItem: op('delete_catalog_item', 75, 750),
  updateCatalogVariant: op('update_catalog_variant', 75, 750),
  bulkSubscribeProfiles: op('bulk_subscribe_profiles', 75, 750),
  bulkUnsubscribeProfiles: op('bulk_unsubscribe_profiles', 75, 750),
  addProfilesToList: op('add_profiles_to_list', 10, 150),
  getList: op('get_list', 75, 750),
  getListProfiles: op('get_profiles_for_list', 75, 750),
  requestProfileDeletion: op('request_profile_deletion', 3, 60),
  mergeProfiles: op('merge_profiles', 10, 150),
} as const satisfies Record<string, KlaviyoOperation>;

const JOB_GET_IDS: Record<string, string> = {
  'item:create': 'get_bulk_create_catalog_items_job',
  'item:update': 'get_bulk_update_catalog_items_job',
  'item:delete': 'get_bulk_delete_catalog_items_job',
  'variant:create': 'get_bulk_create_variants_job',
  'variant:update': 'get_bulk_update_variants_job',
  'variant:delete': 'get_bulk_delete_variants_job',
  'category:create': 'get_bulk_create_categories_job',
  'category:update': 'get_bulk_update_categories_job',
  'category:delete': 'get_bulk_delete_categories_job',
};

const PLURALS: Record<string, string> = { item: 'items', variant: 'variants', category: 'categories' };

/**
 * The nine catalog bulk jobs, each its own rate-limit bucket as Klaviyo counts them: POST 75/s · 750/m; job
 * GET 75/s · 750/m for item and variant create/update, 350/s · 3500/m for deletes and categories.
 */
export function catalogJobOperations(
  resource: 'item' | 'variant' | 'category',
  action: 'create' | 'update' | 'delete',
): { post: KlaviyoOperation; get: KlaviyoOperation } {
  const isFastGet = action === 'delete' || resource === 'category';
  return {
    post: op(`bulk_${action}_catalog_${PLURALS[resource]}`, 75, 750),
    get: op(JOB_GET_IDS[`${resource}:${action}`], isFastGet ? 350 : 75, isFastGet ? 3500 : 750),
  };
}
