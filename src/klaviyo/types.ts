/** Klaviyo wire types (JSON:API, snake_case), named after the components of the pinned OpenAPI file. */

export interface ProfileLocation {
  address1?: string;
  address2?: string;
  city?: string;
  country?: string;
  region?: string;
  zip?: string;
}

export interface ProfileAttributes {
  email?: string;
  phone_number?: string;
  external_id?: string;
  first_name?: string;
  last_name?: string;
  organization?: string;
  title?: string;
  locale?: string;
  location?: ProfileLocation;
  properties?: Record<string, unknown>;
}

/** `ProfileUpsertQueryResourceObject`. */
export interface ProfileUpsertResource {
  type: 'profile';
  id?: string;
  attributes: ProfileAttributes;
}

export type ProfileImportJobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface ProfileImportJobAttributes {
  status: ProfileImportJobStatus;
  created_at: string;
  total_count: number;
  completed_count?: number | null;
  failed_count?: number | null;
  completed_at?: string | null;
  expires_at?: string | null;
  started_at?: string | null;
}

export interface JobDocument<A> {
  data: { type: string; id: string; attributes: A };
}

export interface ImportErrorResource {
  type: 'import-error';
  id: string;
  attributes: {
    code: string;
    title?: string;
    detail: string;
    source: { pointer: string };
    original_payload?: { attributes?: ProfileAttributes } | null;
  };
}

export interface CollectionDocument<R> {
  data: R[];
  links?: { next?: string | null };
}

/** `BaseEventCreateQueryBulkEntryResourceObject` attributes. */
export interface EventAttributes {
  properties: Record<string, unknown>;
  time?: string;
  value?: number;
  value_currency?: string;
  unique_id?: string;
  backfill?: boolean;
  metric: { data: { type: 'metric'; attributes: { name: string } } };
}

/** The profile an event belongs to (`OnsiteProfileCreateQueryResourceObject`). */
export interface EventProfile {
  type: 'profile';
  attributes: { email?: string; external_id?: string; phone_number?: string };
}

/** `EventsBulkCreateQueryResourceObject`: one profile and its events. */
export interface EventBulkEntry {
  type: 'event-bulk-create';
  attributes: {
    profile: { data: EventProfile };
    events: { data: Array<{ type: 'event'; attributes: EventAttributes }> };
  };
}

/** What a catalog category holds for us: its external id (the commercetools id) and its name. */
export interface CatalogCategoryAttributes {
  external_id: string;
  name: string;
}
