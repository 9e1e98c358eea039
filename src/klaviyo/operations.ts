/** A Klaviyo operation we call, with its published rate limits (revision 2026-07-15, `x-klaviyo-ratelimit`). */
export interface KlaviyoOperation {
  id: string;
  burstPerSecond: number;
  steadyPerMinute: number;
}

const op = (id: string, burstPerSecond: number, steadyPerMinute: number): KlaviyoOperation => ({ id, burstPerSecond, steadyPerMinute });

export const OPERATIONS = {
  createOrUpdateProfile: op('create_or_update_profile', 75, 750),
  getProfiles: op('get_profiles', 75, 750),
  bulkImportProfiles: op('bulk_import_profiles', 10, 150),
  getBulkImportProfilesJob: op('get_bulk_import_profiles_job', 10, 150),
  getImportErrors: op('get_errors_for_bulk_import_profiles_job', 10, 150),
  getCatalogItems: op('get_catalog_items', 350, 3500),
  bulkCreateEvents: op('bulk_create_events', 10, 150),
  createEvent: op('create_event', 350, 3500),
  getCatalogCategories: op('get_catalog_categories', 350, 3500),
  getCatalogVariants: op('get_catalog_variants', 350, 3500),
  getVariantIdsForItem: op('get_variant_ids_for_catalog_item', 350, 3500),
  catalogJobPost: op('catalog_bulk_job_post', 75, 750),
  catalogJobGetCreateUpdate: op('catalog_bulk_job_get', 75, 750),
  catalogJobGetDelete: op('catalog_bulk_delete_job_get', 350, 3500),
} as const satisfies Record<string, KlaviyoOperation>;
