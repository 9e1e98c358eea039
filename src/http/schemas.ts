import { type Static, Type } from '@sinclair/typebox';

export const MAX_IDS = 10_000;
/** commercetools ids are UUIDs and keys at most 256 characters. */
export const MAX_ID_LENGTH = 256;

const common = {
  ids: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }), {
      minItems: 1,
      maxItems: MAX_IDS,
      description: 'import exactly these ids',
    }),
  ),
  startId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: 'start after this id' })),
  resume: Type.Optional(
    Type.Boolean({ description: 'continue the last interrupted, stopped or failed run from its checkpoint' }),
  ),
  dryRun: Type.Optional(
    Type.Boolean({ description: "read and map everything and check it against Klaviyo's limits, but write nothing" }),
  ),
  modifiedSince: Type.Optional(
    Type.String({
      minLength: 10,
      maxLength: 40,
      description: 'a delta: only the records whose lastModifiedAt is at or after this ISO 8601 instant',
    }),
  ),
  store: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: "a routed store's key (STORE_ROUTES): import only its records into its account; none: every route",
    }),
  ),
  delta: Type.Optional(
    Type.Boolean({
      description:
        'a delta from the high-water mark of the last completed run of this type (when it started, less a minute)',
    }),
  ),
};

export const CustomersBody = Type.Object(common, { additionalProperties: false });

export const OrdersBody = Type.Object(
  {
    ...common,
    since: Type.Optional(
      Type.String({
        minLength: 10,
        maxLength: 40,
        description: 'only orders created at or after this ISO 8601 instant',
      }),
    ),
    until: Type.Optional(
      Type.String({ minLength: 10, maxLength: 40, description: 'only orders created before this ISO 8601 instant' }),
    ),
    backfill: Type.Optional(
      Type.Boolean({ description: "send events with Klaviyo's backfill flag so no flows fire (default true)" }),
    ),
  },
  { additionalProperties: false },
);

export const CatalogBody = Type.Object(
  {
    ...common,
    deleteAll: Type.Optional(
      Type.Boolean({ description: 'delete every resource of this type in the Klaviyo catalog instead of importing' }),
    ),
    confirmDeletion: Type.Optional(
      Type.String({ maxLength: 32, description: "must be 'categories' or 'products' (the type) with deleteAll" }),
    ),
    confirmDeletetion: Type.Optional(
      Type.String({
        maxLength: 32,
        description: "the seed guide's spelling of 'confirmDeletion', accepted as the same field",
      }),
    ),
  },
  { additionalProperties: false },
);

export const BODY_SCHEMAS = {
  customers: CustomersBody,
  orders: OrdersBody,
  categories: CatalogBody,
  products: CatalogBody,
} as const;

export type SyncBody = Static<typeof OrdersBody> & Static<typeof CatalogBody>;

export const JobBody = Type.Object(
  {
    delta: Type.Optional(
      Type.Boolean({
        description:
          "deltas from each type's high-water mark (a full import of a type with none) instead of SCHEDULED_IMPORT_MODE",
      }),
    ),
  },
  { additionalProperties: false },
);

export const TypeParams = Type.Object({
  type: Type.Union([
    Type.Literal('customers'),
    Type.Literal('orders'),
    Type.Literal('categories'),
    Type.Literal('products'),
  ]),
});
export type TypeParams = Static<typeof TypeParams>;
