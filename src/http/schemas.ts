import { Type, type Static } from '@sinclair/typebox';

export const MAX_IDS = 10_000;

export const SyncBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: MAX_IDS, description: 'import exactly these ids' })),
    startId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'start after this id' })),
    resume: Type.Optional(Type.Boolean({ description: 'continue the last interrupted, stopped or failed run from its checkpoint' })),
  },
  { additionalProperties: false },
);
export type SyncBody = Static<typeof SyncBody>;

export const TypeParams = Type.Object({ type: Type.Union([Type.Literal('customers'), Type.Literal('orders'), Type.Literal('categories'), Type.Literal('products')]) });
export type TypeParams = Static<typeof TypeParams>;
