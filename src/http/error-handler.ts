import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  CommercetoolsError,
  InvalidRequestError,
  KlaviyoApiError,
  LockHeldError,
  NotFoundError,
  UnexpectedResponseError,
} from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { nearestName } from './nearest-name.ts';

/** The only place that decides the HTTP status of our own API's errors. */
export function statusOf(e: AppError): number {
  if (e instanceof InvalidRequestError) return 400;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof LockHeldError) return 409;
  const isUpstream =
    e instanceof KlaviyoApiError || e instanceof CommercetoolsError || e instanceof UnexpectedResponseError;
  if (isUpstream) return 502;
  return 500;
}

type ValidationProblem = NonNullable<FastifyError['validation']>[number];

/** One validation problem in words; an unknown top-level field comes with the known one it most likely meant. */
function describeProblem(v: ValidationProblem, context: string, known: string[]): string {
  if (v.keyword !== 'additionalProperties') return `${context}${v.instancePath} ${v.message}`;
  const field = String((v.params as { additionalProperty?: string }).additionalProperty);
  const isTopLevel = v.instancePath === '';
  const meant = isTopLevel ? nearestName(field, known) : undefined;
  let hint = '';
  if (meant) hint = `; did you mean '${meant}'?`;
  else if (isTopLevel && known.length) hint = ` (known fields: ${known.join(', ')})`;
  return `${context}${v.instancePath} has an unknown field '${field}'${hint}`;
}

export function errorHandler(logger: Logger) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const fe = error as FastifyError;
    if (fe.validation) {
      const context = fe.validationContext ?? 'body';
      const schema = request.routeOptions.schema?.[context] as { properties?: Record<string, unknown> } | undefined;
      const known = Object.keys(schema?.properties ?? {});
      const message = fe.validation.map((v) => describeProblem(v, context, known)).join('; ');
      return reply.status(400).send({ error: 'REQUEST_INVALID', message: `Invalid request: ${message}` });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: fe.code ?? 'REQUEST_INVALID', message: fe.message });
    }
    if (error instanceof AppError) {
      const status = statusOf(error);
      if (status >= 500) logger.error({ code: error.code, route: request.routeOptions.url }, error.message);
      const body: Record<string, unknown> = { error: error.code, message: error.message };
      if (error instanceof LockHeldError)
        body.holder = {
          owner: error.holder.owner,
          jobId: error.holder.jobId,
          since: error.holder.acquiredAt,
          leaseExpiresAt: error.holder.expiresAt,
        };
      return reply.status(status).send(body);
    }
    logger.error({ route: request.routeOptions.url, err: error.message }, 'unhandled error');
    return reply.status(500).send({ error: 'INTERNAL', message: 'An unexpected error occurred; see the service log.' });
  };
}
