import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ENTITY_KINDS, type EntityKind } from '../../core/entity-kind.ts';
import { InvalidRequestError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { JobRegistry } from '../../sync/job-registry.ts';
import type { RunOptions } from '../../sync/run-report.ts';
import { bearerGuard } from '../api-auth.ts';
import { BODY_SCHEMAS, JobBody, type SyncBody, TypeParams } from '../schemas.ts';

/** The run options of a request body: the seed guide's `confirmDeletetion` is the same field as `confirmDeletion`. */
export function runOptions(body: SyncBody): RunOptions {
  const { confirmDeletetion, ...options } = body;
  if (confirmDeletetion === undefined) return options;
  if (options.confirmDeletion !== undefined && options.confirmDeletion !== confirmDeletetion) {
    throw new InvalidRequestError(
      `'confirmDeletion' and its alias 'confirmDeletetion' disagree ('${options.confirmDeletion}' and '${confirmDeletetion}'): send one.`,
    );
  }
  return { ...options, confirmDeletion: confirmDeletetion };
}

export async function syncRoutes(
  app: FastifyInstance,
  opts: {
    registry: JobRegistry;
    logger: Logger;
    apiToken?: string;
    scheduledTypes?: EntityKind[];
    scheduledMode?: 'full' | 'delta';
  },
): Promise<void> {
  const { registry } = opts;
  app.addHook('onRequest', bearerGuard(opts.apiToken));
  // No body at all means "no options" (the seed's users POST without one).
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && (request.body === undefined || request.body === null)) request.body = {};
  });

  app.get('/sync/status', async () => registry.statusAll());

  // A scheduled import (a commercetools Connect job, cron + curl, ...): the configured types, one after another;
  // deltas (SCHEDULED_IMPORT_MODE=delta, or {"delta": true}) from each type's high-water mark, or a full import
  // of a type that has none yet.
  app.post<{ Body: Static<typeof JobBody> }>('/job', { schema: { body: JobBody } }, async (request, reply) => {
    const types = opts.scheduledTypes ?? [];
    const isDelta = request.body.delta ?? opts.scheduledMode === 'delta';
    void (async () => {
      for (const kind of types) {
        try {
          await registry.start(kind, isDelta ? await registry.deltaOptions(kind) : {});
          await registry.settled(kind);
        } catch (e) {
          // Logged through the service's logger (Fastify's own is off): a scheduled import that cannot start is seen.
          opts.logger.warn({ kind, err: e instanceof Error ? e.message : String(e) }, 'scheduled import skipped');
        }
      }
    })();
    return reply.status(202).send({ status: 'started', types, mode: isDelta ? 'delta' : 'full' });
  });

  for (const kind of ENTITY_KINDS) {
    app.post<{ Body: SyncBody }>(`/sync/${kind}`, { schema: { body: BODY_SCHEMAS[kind] } }, async (request, reply) => {
      const report = await registry.start(kind, runOptions(request.body));
      return reply.status(202).send({
        jobId: report.jobId,
        type: kind,
        status: report.status,
        statusUrl: `/sync/${kind}`,
        ...(report.resumedFrom ? { resumedFrom: report.resumedFrom, cursor: report.cursor } : {}),
      });
    });
  }

  app.post<{ Params: TypeParams }>('/sync/:type/stop', { schema: { params: TypeParams } }, async (request, reply) => {
    const kind = request.params.type as EntityKind;
    const result = await registry.stop(kind);
    if (result.state === 'stopping')
      return reply.status(202).send({
        state: 'stopping',
        message: `Asked the instance running the ${kind} import to stop; it stops at its next heartbeat.`,
        report: result.report,
      });
    return reply.status(200).send(result.report);
  });

  app.get<{ Params: TypeParams; Querystring: { format?: string } }>(
    '/sync/:type/failures',
    { schema: { params: TypeParams } },
    async (request, reply) => {
      const kind = request.params.type as EntityKind;
      const report = await registry.failures(kind);
      if (!report) throw new NotFoundError(`No ${kind} import has run yet.`);
      const rows = report.failures;
      reply.header('x-failures-not-kept', String(report.notKept)).header('x-job-id', report.jobId);
      if (request.query.format === 'csv') {
        const cell = (v: unknown) =>
          v === undefined || v === null
            ? ''
            : /[",\n]/.test(String(v))
              ? `"${String(v).replace(/"/g, '""')}"`
              : String(v);
        const lines = [
          'id,outcome,reason,code,pointer,at,consent',
          ...rows.map((r) =>
            [r.id, r.outcome, r.reason, r.code, r.pointer, r.at, r.consent?.join(' ')].map(cell).join(','),
          ),
        ];
        return reply.type('text/csv; charset=utf-8').send(`${lines.join('\n')}\n`);
      }
      return reply
        .type('application/x-ndjson')
        .send(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    },
  );

  app.post<{ Params: TypeParams }>(
    '/sync/:type/retry-failed',
    { schema: { params: TypeParams } },
    async (request, reply) => {
      const kind = request.params.type as EntityKind;
      const { report, retried, notRetried } = await registry.retryFailed(kind);
      return reply.status(202).send({
        jobId: report.jobId,
        type: kind,
        status: report.status,
        statusUrl: `/sync/${kind}`,
        retried,
        notRetried,
      });
    },
  );

  app.get<{ Params: TypeParams }>('/sync/:type', { schema: { params: TypeParams } }, async (request) => {
    const kind = request.params.type as EntityKind;
    const report = await registry.status(kind);
    if (!report) throw new NotFoundError(`No ${kind} import has run yet.`);
    return report;
  });
}
