import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from './push-auth.ts';

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function hasBearer(request: FastifyRequest, token: string): boolean {
  const auth = request.headers.authorization;
  return typeof auth === 'string' && auth.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), token);
}

/** Requires the management API token, when one is configured; 401 says nothing more. */
export function bearerGuard(token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (token && !hasBearer(request, token))
      return reply.status(401).send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    return undefined;
  };
}
