import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ENTITY_KINDS, type EntityKind } from '../../core/entity-kind.ts';
import { InvalidRequestError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { JobRegistry } from '../../sync/job-registry.ts';
import type { RunOptions, RunReport } from '../../sync/run-report.ts';
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
    /** The runs of each routed store (STORE_ROUTES), by store key; `registry` is the default route's. */
    stores?: ReadonlyMap<string, JobRegistry>;
  },
): Promise<void> {
  const stores = opts.stores ?? new Map<string, JobRegistry>();
  /** The registry of a store's route (`?store=` or the body's `store`), or the default route's. */
  const registryOf = (store: string | undefined): JobRegistry => {
    if (store === undefined || store === '') return opts.registry;
    const found = stores.get(store);
    if (!found)
      throw new InvalidRequestError(
        stores.size
          ? `No route for store '${store.slice(0, 64)}': the routed stores are ${[...stores.keys()].join(', ')} (STORE_ROUTES).`
          : `No store is routed (STORE_ROUTES is not set): send no 'store'.`,
      );
    return found;
  };
  const registry = opts.registry;
  app.addHook('onRequest', bearerGuard(opts.apiToken));
  // No body at all means "no options" (the seed's users POST without one).
  app.addHook('preValidation', async (request) => {
    if (request.method === 'POST' && (request.body === undefined || request.body === null)) request.body = {};
  });

  app.get<{ Querystring: { store?: string } }>('/sync/status', async (request) =>
    registryOf(request.query.store).statusAll(),
  );

  // A scheduled import (a commercetools Connect job, cron + curl, ...): the configured types, one after another;
  // deltas (SCHEDULED_IMPORT_MODE=delta, or {"delta": true}) from each type's high-water mark, or a full import
  // of a type that has none yet.
  app.post<{ Body: Static<typeof JobBody> }>('/job', { schema: { body: JobBody } }, async (request, reply) => {
    const types = opts.scheduledTypes ?? [];
    const isDelta = request.body.delta ?? opts.scheduledMode === 'delta';
    // Every route at once (each has its own account and limits), its types one after another.
    for (const [store, r] of [[undefined, registry] as const, ...stores])
      void (async () => {
        for (const kind of types) {
          try {
            await r.start(kind, isDelta ? await r.deltaOptions(kind) : {});
            await r.settled(kind);
          } catch (e) {
            // Logged through the service's logger (Fastify's own is off): a scheduled import that cannot start is seen.
            opts.logger.warn(
              { kind, store, err: e instanceof Error ? e.message : String(e) },
              'scheduled import skipped',
            );
          }
        }
      })();
    return reply.status(202).send({ status: 'started', types, mode: isDelta ? 'delta' : 'full' });
  });

  for (const kind of ENTITY_KINDS) {
    app.post<{ Body: SyncBody }>(`/sync/${kind}`, { schema: { body: BODY_SCHEMAS[kind] } }, async (request, reply) => {
      const { store, ...body } = request.body;
      const answer = (report: RunReport, key?: string) => ({
        jobId: report.jobId,
        type: kind,
        status: report.status,
        statusUrl: key ? `/sync/${kind}?store=${encodeURIComponent(key)}` : `/sync/${kind}`,
        ...(report.resumedFrom ? { resumedFrom: report.resumedFrom, cursor: report.cursor } : {}),
      });
      const options = runOptions(body);
      if (store !== undefined || stores.size === 0)
        return reply
          .status(202)
          .send({ ...answer(await registryOf(store).start(kind, options), store), ...(store ? { store } : {}) });
      // No store named: every route runs (the default one answers as before; each store's run is listed).
      const started = await registry.start(kind, options);
      const byStore: Record<string, unknown> = {};
      for (const [key, r] of stores) {
        try {
          byStore[key] = answer(await r.start(kind, options), key);
        } catch (e) {
          byStore[key] = { error: e instanceof Error ? e.message : String(e) };
        }
      }
      return reply.status(202).send({ ...answer(started), stores: byStore });
    });
  }

  app.post<{ Params: TypeParams; Querystring: { store?: string } }>(
    '/sync/:type/stop',
    { schema: { params: TypeParams } },
    async (request, reply) => {
      const kind = request.params.type as EntityKind;
      const result = await registryOf(request.query.store).stop(kind);
      if (result.state === 'stopping')
        return reply.status(202).send({
          state: 'stopping',
          message: `Asked the instance running the ${kind} import to stop; it stops at its next heartbeat.`,
          report: result.report,
        });
      return reply.status(200).send(result.report);
    },
  );

  app.get<{ Params: TypeParams; Querystring: { format?: string; store?: string } }>(
    '/sync/:type/failures',
    { schema: { params: TypeParams } },
    async (request, reply) => {
      const kind = request.params.type as EntityKind;
      const report = await registryOf(request.query.store).failures(kind);
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

  app.post<{ Params: TypeParams; Querystring: { store?: string } }>(
    '/sync/:type/retry-failed',
    { schema: { params: TypeParams } },
    async (request, reply) => {
      const kind = request.params.type as EntityKind;
      const { report, retried, notRetried } = await registryOf(request.query.store).retryFailed(kind);
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

  app.get<{ Params: TypeParams; Querystring: { store?: string } }>(
    '/sync/:type',
    { schema: { params: TypeParams } },
    async (request) => {
      const kind = request.params.type as EntityKind;
      const report = await registryOf(request.query.store).status(kind);
      if (!report) throw new NotFoundError(`No ${kind} import has run yet.`);
      return report;
    },
  );
}
