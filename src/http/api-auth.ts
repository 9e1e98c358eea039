import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Compares two secrets in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The credentials of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 9110 §11.1). */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const match = typeof auth === 'string' ? /^bearer[ \t]+(\S+)[ \t]*$/i.exec(auth) : null;
  return match?.[1];
}

/** True when the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function hasBearer(request: FastifyRequest, token: string): boolean {
  const given = bearerToken(request.headers);
  return given !== undefined && safeEqual(given, token);
}

/**
 * Requires the management API token, when one is configured; 401 says nothing more. Meant for `onRequest`, so
 * that a request without it is refused on its headers, before its body is read.
 */
export function bearerGuard(token: string | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (token && !hasBearer(request, token))
      // The body is never read: closing the connection ends its upload.
      return reply
        .status(401)
        .header('connection', 'close')
        .send({ error: 'UNAUTHENTICATED', message: 'Authentication required.' });
    return undefined;
  };
}
