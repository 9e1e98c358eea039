import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CUSTOM_OBJECT_KEY_PATTERN } from '../../commercetools/custom-objects.ts';
import { InvalidRequestError } from '../../core/errors.ts';
import type { Envelope, Intake, IntakeResult } from '../../realtime/intake.ts';
import { bearerGuard, hasBearer } from '../api-auth.ts';
import type { PushAuthenticator } from '../push-auth.ts';

export interface RealtimeRouteOptions {
  /** The management API token: the dead-letter endpoints need it; push endpoints accept it too. */
  apiToken?: string;
  intake: Intake;
  auth: PushAuthenticator;
  skipBase64Decode: boolean;
}

/** Pushes carry up to 10 MB of commercetools payload, base64-encoded. */
export const PUSH_BODY_LIMIT = 16 * 1024 * 1024;

const ReplayBody = Type.Object(
  {
    keys: Type.Optional(
      Type.Array(Type.String({ pattern: CUSTOM_OBJECT_KEY_PATTERN }), {
        minItems: 1,
        maxItems: 1000,
        description: 'replay only the dead letters with these keys (exact match); without it, all of them',
      }),
    ),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.String({
        pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$',
        description: 'letters per page, 1-500 (default 100)',
      }),
    ),
    after: Type.Optional(
      Type.String({
        pattern: CUSTOM_OBJECT_KEY_PATTERN,
        description: "the previous page's `next`: list after this key",
      }),
    ),
  },
  { additionalProperties: false },
);

function reply(result: IntakeResult, res: FastifyReply): FastifyReply {
  // 2xx acknowledges (Pub/Sub stops redelivering); 503 asks for redelivery with backoff.
  return res.status(result.isAcknowledged ? 200 : 503).send({ status: result.status, detail: result.detail });
}

/**
 * Push endpoints (push credentials, or the management token) and the dead-letter endpoints (the management token
 * only: dead letters hold customer data). Every guard runs on the request's headers, before its body is read.
 */
export async function realtimeRoutes(app: FastifyInstance, opts: RealtimeRouteOptions): Promise<void> {
  const { intake } = opts;
  // A push whose body is not JSON can never succeed: it becomes a dead letter and is acknowledged (a 400 would
  // make Pub/Sub redeliver it forever). What is kept of it is bounded.
  app.removeContentTypeParser(['application/json', 'application/cloudevents+json']);
  app.addContentTypeParser(
    ['application/json', 'application/cloudevents+json'],
    { parseAs: 'string' },
    (_req, body, done) => {
      const text = String(body);
      try {
        done(null, text.trim() === '' ? undefined : JSON.parse(text));
      } catch {
        done(null, { unparsableBody: { bytes: Buffer.byteLength(text, 'utf8'), head: text.slice(0, 200) } });
      }
    },
  );
  const pushGuard = async (request: FastifyRequest, res: FastifyReply) => {
    if (opts.apiToken && hasBearer(request, opts.apiToken)) return undefined;
    if (!(await opts.auth.isAllowed(request.headers, request.query as Record<string, unknown>))) {
      // The body is never read: closing the connection ends its upload instead of draining megabytes.
      return res
        .status(401)
        .header('connection', 'close')
        .send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    }
    return undefined;
  };

  const handle = (envelope: Envelope) => async (request: FastifyRequest, res: FastifyReply) =>
    reply(await intake.receive({ body: request.body, envelope }), res);

  const push = { bodyLimit: PUSH_BODY_LIMIT, onRequest: pushGuard };
  const pubsub = handle(opts.skipBase64Decode ? 'platform' : 'pubsub');
  app.post('/', push, pubsub);
  app.post('/events/pubsub', push, pubsub);
  // A Platform or CloudEvents payload posted as is (e.g. from a relay of another queue).
  app.post('/events', push, handle('platform'));

  const management = { onRequest: bearerGuard(opts.apiToken) };
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/events/dead-letters',
    { ...management, schema: { querystring: ListQuery } },
    async (request) => {
      const limit = Number(request.query.limit ?? 100);
      const letters = await intake.deadLetters.list(limit, request.query.after);
      return {
        count: letters.length,
        deadLetters: letters.map(({ payload: _p, ...rest }) => rest),
        // The next page starts after the last key; absent on the last page.
        ...(letters.length === limit ? { next: letters[letters.length - 1].key } : {}),
      };
    },
  );

  app.post<{ Body: Static<typeof ReplayBody> | undefined }>(
    '/events/dead-letters/replay',
    {
      ...management,
      schema: { body: ReplayBody },
      // No body means "all of them"; anything else must match the schema.
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
        if (request.body && typeof request.body === 'object' && 'unparsableBody' in request.body)
          throw new InvalidRequestError('The request body is not valid JSON.');
      },
    },
    async (request) => {
      const results = await intake.replay(request.body?.keys);
      return { replayed: results.length, results };
    },
  );
}
