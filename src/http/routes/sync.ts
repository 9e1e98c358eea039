import type { FastifyInstance } from 'fastify';
import { ENTITY_KINDS, type EntityKind } from '../../core/entity-kind.ts';
import { AppError, NotFoundError } from '../../core/errors.ts';
import type { JobRegistry } from '../../sync/job-registry.ts';
import { bearerGuard } from '../api-auth.ts';
import { BODY_SCHEMAS, TypeParams, type SyncBody } from '../schemas.ts';

export async function syncRoutes(app: FastifyInstance, opts: { registry: JobRegistry; apiToken?: string }): Promise<void> {
  const { registry } = opts;
  app.addHook('onRequest', bearerGuard(opts.apiToken));
  // No body at all means "no options" (the seed's users POST without one).
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && (request.body === undefined || request.body === null)) request.body = {};
  });

  app.get('/sync/status', async () => registry.statusAll());

  for (const kind of ENTITY_KINDS) {
    app.post<{ Body: SyncBody }>(`/sync/${kind}`, { schema: { body: BODY_SCHEMAS[kind] } }, async (request, reply) => {
      if (!registry.supports(kind)) throw new AppError('NOT_IMPLEMENTED', `Bulk import of ${kind} is not implemented in this version yet.`);
      const report = await registry.start(kind, request.body);
      return reply.status(202).send({ jobId: report.jobId, type: kind, status: report.status, statusUrl: `/sync/${kind}`, ...(report.resumedFrom ? { resumedFrom: report.resumedFrom, cursor: report.cursor } : {}) });
    });
  }

  app.post<{ Params: TypeParams }>('/sync/:type/stop', { schema: { params: TypeParams } }, async (request, reply) => {
    const kind = request.params.type as EntityKind;
    const result = await registry.stop(kind);
    if (result.state === 'stopping') return reply.status(202).send({ state: 'stopping', message: `Asked the instance running the ${kind} import to stop; it stops at its next heartbeat.`, report: result.report });
    return reply.status(200).send(result.report);
  });

  app.get<{ Params: TypeParams }>('/sync/:type', { schema: { params: TypeParams } }, async (request) => {
    const kind = request.params.type as EntityKind;
    const report = await registry.status(kind);
    if (!report) throw new NotFoundError(`No ${kind} import has run yet.`);
    return report;
  });
}
