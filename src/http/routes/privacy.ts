import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { InvalidRequestError } from '../../core/errors.ts';
import type { EraseRequest, EraseResult } from '../../privacy/erase-person.ts';
import { bearerGuard } from '../api-auth.ts';
import { MAX_ID_LENGTH } from '../schemas.ts';

export const EraseBody = Type.Object(
  {
    customerId: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: 'the commercetools customer to erase' }),
    ),
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, description: 'the email address of the person to erase' }),
    ),
  },
  { additionalProperties: false },
);

export interface PrivacyRouteOptions {
  erase(request: EraseRequest): Promise<EraseResult>;
  apiToken?: string;
}

/** POST /privacy/erase: a person's right to erasure (GDPR art. 17), by customer id or email. */
export async function privacyRoutes(app: FastifyInstance, opts: PrivacyRouteOptions): Promise<void> {
  app.addHook('onRequest', bearerGuard(opts.apiToken));
  app.post<{ Body: Static<typeof EraseBody> }>(
    '/privacy/erase',
    { schema: { body: EraseBody } },
    async (request, reply) => {
      const { customerId, email } = request.body ?? {};
      if ((customerId === undefined) === (email === undefined))
        throw new InvalidRequestError("Send exactly one of 'customerId' or 'email'.");
      if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email.trim()))
        throw new InvalidRequestError("'email' is not an email address.");
      const result = await opts.erase(customerId !== undefined ? { customerId } : { email: email as string });
      return reply.status(result.status === 'erased' ? 202 : 200).send(result);
    },
  );
}
