import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeadLetterStore } from '../../commercetools/dead-letter-store.ts';
import { decodeCommercetoolsPayload, decodePubSubPush } from '../../realtime/envelopes/decode.ts';
import type { Dispatcher, DispatchResult } from '../../realtime/dispatcher.ts';
import { InvalidNotificationError, parsePlatformPayload, type Notification } from '../../realtime/notification.ts';
import { hasBearer } from '../api-auth.ts';
import type { PushAuthenticator } from '../push-auth.ts';

export interface RealtimeRouteOptions {
  /** The management API token, also accepted on the dead-letter endpoints. */
  apiToken?: string;
  dispatcher: Dispatcher;
  deadLetters: DeadLetterStore;
  auth: PushAuthenticator;
  skipBase64Decode: boolean;
}

/** Pushes carry up to 10 MB of commercetools payload, base64-encoded. */
export const PUSH_BODY_LIMIT = 16 * 1024 * 1024;

function reply(result: DispatchResult, res: FastifyReply): FastifyReply {
  // 2xx acknowledges (Pub/Sub stops redelivering); 503 asks for redelivery with backoff.
  return res.status(result.isAcknowledged ? 200 : 503).send({ status: result.status, detail: result.detail });
}

export async function realtimeRoutes(app: FastifyInstance, opts: RealtimeRouteOptions): Promise<void> {
  const guard = async (request: FastifyRequest, res: FastifyReply) => {
    if (opts.apiToken && hasBearer(request, opts.apiToken)) return undefined;
    if (!(await opts.auth.isAllowed(request.headers, request.query as Record<string, unknown>))) {
      return res.status(401).send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    }
    return undefined;
  };

  const handle = (decode: (body: unknown) => { notification: Notification; messageId?: string }) => async (request: FastifyRequest, res: FastifyReply) => {
    let decoded: { notification: Notification; messageId?: string };
    try {
      decoded = decode(request.body);
    } catch (e) {
      if (!(e instanceof InvalidNotificationError)) throw e;
      // A malformed delivery can never succeed: keep it as a dead letter and acknowledge it.
      const notification: Notification = { kind: 'unknown', id: `invalid:${Date.now()}:${Math.random().toString(36).slice(2)}`, isPayloadIncluded: false, raw: { body: request.body as unknown } as Record<string, unknown> };
      await opts.deadLetters.put({ notificationId: notification.id, reason: e.message, code: 'invalid_notification', payload: request.body });
      return res.status(200).send({ status: 'dead-lettered', detail: e.message });
    }
    return reply(await opts.dispatcher.dispatch(decoded.notification, { deliveryId: decoded.messageId }), res);
  };

  const pubsub = handle((body) => decodePubSubPush(body, { skipBase64Decode: opts.skipBase64Decode }));
  app.post('/', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, pubsub);
  app.post('/events/pubsub', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, pubsub);
  // A Platform or CloudEvents payload posted as is (e.g. from a relay of another queue).
  app.post('/events', { bodyLimit: PUSH_BODY_LIMIT, preHandler: guard }, handle((body) => ({ notification: decodeCommercetoolsPayload(body) })));

  // Dead letters hold customer data: with a management token configured, they need it (or push auth).
  const managementGuard = async (request: FastifyRequest, res: FastifyReply) => {
    if (opts.apiToken && !hasBearer(request, opts.apiToken) && !(opts.auth.isEnabled && (await opts.auth.isAllowed(request.headers, request.query as Record<string, unknown>)))) {
      return res.status(401).send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    }
    return guard(request, res);
  };

  app.get('/events/dead-letters', { preHandler: managementGuard }, async () => {
    const letters = await opts.deadLetters.list();
    return { count: letters.length, deadLetters: letters.map(({ payload: _p, ...rest }) => rest) };
  });

  app.post<{ Body: { keys?: string[] } | undefined }>('/events/dead-letters/replay', { preHandler: managementGuard }, async (request) => {
    const wanted = request.body?.keys;
    const letters = (await opts.deadLetters.list()).filter((l) => !wanted || wanted.includes(l.key));
    const results = [];
    for (const letter of letters) {
      let result: DispatchResult;
      try {
        result = await opts.dispatcher.dispatch(parsePlatformPayload(letter.payload), { isReplay: true });
      } catch (e) {
        result = { isAcknowledged: false, status: 'retry', detail: e instanceof Error ? e.message : String(e) };
      }
      // Applied or ignored now: the letter is done. Dead-lettered again: dispatch updated it.
      if (result.status === 'applied' || result.status === 'ignored') await opts.deadLetters.remove(letter.key, letter.version);
      results.push({ key: letter.key, notificationId: letter.notificationId, status: result.status, detail: result.detail });
    }
    return { replayed: results.length, results };
  });
}
