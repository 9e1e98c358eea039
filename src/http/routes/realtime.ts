import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Envelope, Intake, IntakeResult } from '../../realtime/intake.ts';
import { hasBearer } from '../api-auth.ts';
import type { PushAuthenticator } from '../push-auth.ts';

export interface RealtimeRouteOptions {
  /** The management API token, also accepted on the dead-letter endpoints. */
  apiToken?: string;
  intake: Intake;
  auth: PushAuthenticator;
  skipBase64Decode: boolean;
}

/** Pushes carry up to 10 MB of commercetools payload, base64-encoded. */
export const PUSH_BODY_LIMIT = 16 * 1024 * 1024;

function reply(result: IntakeResult, res: FastifyReply): FastifyReply {
  // 2xx acknowledges (Pub/Sub stops redelivering); 503 asks for redelivery with backoff.
  return res.status(result.isAcknowledged ? 200 : 503).send({ status: result.status, detail: result.detail });
}

export async function realtimeRoutes(app: FastifyInstance, opts: RealtimeRouteOptions): Promise<void> {
  const { intake } = opts;
  const guard = async (request: FastifyRequest, res: FastifyReply) => {
    if (opts.apiToken && hasBearer(request, opts.apiToken)) return undefined;
    if (!(await opts.auth.isAllowed(request.headers, request.query as Record<string, unknown>))) {
      return res.status(401).send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    }
    return undefined;
  };

  const handle = (envelope: Envelope) => async (request: FastifyRequest, res: FastifyReply) =>
    reply(await intake.receive({ body: request.body, envelope }), res);

  const pubsub = handle(opts.skipBase64Decode ? 'platform' : 'pubsub');
  app.post('/', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, pubsub);
  app.post('/events/pubsub', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, pubsub);
  // A Platform or CloudEvents payload posted as is (e.g. from a relay of another queue).
  app.post('/events', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, handle('platform'));

  // Dead letters hold customer data: with a management token configured, they need it (or push auth).
  const managementGuard = async (request: FastifyRequest, res: FastifyReply) => {
    if (
      opts.apiToken &&
      !hasBearer(request, opts.apiToken) &&
      !(opts.auth.isEnabled && (await opts.auth.isAllowed(request.headers, request.query as Record<string, unknown>)))
    ) {
      return res.status(401).send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    }
    return guard(request, res);
  };

  app.get('/events/dead-letters', { preHandler: managementGuard }, async () => {
    const letters = await intake.deadLetters.list();
    return { count: letters.length, deadLetters: letters.map(({ payload: _p, ...rest }) => rest) };
  });

  app.post<{ Body: { keys?: string[] } | undefined }>(
    '/events/dead-letters/replay',
    { preHandler: managementGuard },
    async (request) => {
      const results = await intake.replay(request.body?.keys);
      return { replayed: results.length, results };
    },
  );
}
