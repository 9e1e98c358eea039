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
} as const satisfies Record<string, KlaviyoOperation>;
