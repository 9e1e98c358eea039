import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FaultRule, FaultRuleError, validateFaultRule } from '../shared/faults.ts';
import type { KlaviyoEmulatorState } from './build-emulator.ts';
import { accountLabel, VALIDATION_OFF_WARNING } from './build-emulator.ts';
import { Account } from './store/account.ts';
import { type DeletionIdentifierType, digestOf } from './store/deletion-requests.ts';
import { DEFAULT_JOB_TIMING } from './store/jobs.ts';
import { profileSubscriptions } from './store/profiles.ts';

/** Emulator-only endpoints under a prefix Klaviyo does not use: state, request log, faults, reset. */
export const INSPECTION_PREFIX = '/__emulator';

type Query = Record<string, string | undefined>;

class InspectionError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function pickAccount(state: KlaviyoEmulatorState, q: Query): Account {
  if (q.key) return state.accounts.get(q.key) ?? new Account(q.key, DEFAULT_JOB_TIMING);
  if (q.account) {
    const found = [...state.accounts.values()].find((a) => accountLabel(a.apiKey) === q.account);
    if (!found) throw new InspectionError(404, `No account with label '${q.account}'.`);
    return found;
  }
  if (state.accounts.size === 0) return new Account('', DEFAULT_JOB_TIMING);
  if (state.accounts.size === 1) return [...state.accounts.values()][0];
  throw new InspectionError(400, `There are ${state.accounts.size} accounts; pass ?key=<api key> or ?account=<label>.`);
}

function bodyJson(request: FastifyRequest): unknown {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InspectionError(400, 'The request body is not valid JSON.');
  }
}

function route(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  fn: (q: Query, request: FastifyRequest) => { status?: number; body: unknown },
): void {
  app.route({
    method,
    url: `${INSPECTION_PREFIX}${path}`,
    handler: (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const { status, body } = fn(request.query as Query, request);
        return reply
          .status(status ?? 200)
          .header('content-type', 'application/json')
          .send(JSON.stringify(body));
      } catch (e) {
        const status = e instanceof InspectionError ? e.status : e instanceof FaultRuleError ? 400 : 500;
        return reply.status(status).send({ error: e instanceof Error ? e.message : String(e) });
      }
    },
  });
}

/** The state of the job behind a deletion or merge request (a reset clears the requests and the jobs together). */
function jobStatus(account: Account, jobId: string, completedAt: string | null): string {
  return account.jobs.jobs.get(jobId)?.status ?? (completedAt ? 'complete' : 'queued');
}

export function registerInspection(app: FastifyInstance, state: KlaviyoEmulatorState): void {
  const withAccount = (q: Query): Account => {
    const a = pickAccount(state, q);
    a.jobs.advance(Date.now());
    return a;
  };

  const validation = () =>
    state.spec ? { isOn: true, specVersion: state.spec.version } : { isOn: false, warning: VALIDATION_OFF_WARNING };

  route(app, 'GET', '/health', () => ({
    body: {
      ok: true,
      validation: validation(),
      spec: state.spec ? { path: state.spec.path, version: state.spec.version } : null,
      rateLimits: state.options.rateLimits,
      speedUp: state.options.speedUp,
    },
  }));

  route(app, 'GET', '/accounts', () => ({
    body: [...state.accounts.values()].map((a) => ({ account: accountLabel(a.apiKey), ...a.summary() })),
  }));

  route(app, 'GET', '/summary', (q) => ({ body: { ...withAccount(q).summary(), validation: validation() } }));

  route(app, 'GET', '/profiles', (q) => {
    const a = withAccount(q);
    let list = [...a.profiles.byId.values()];
    if (q.external_id) list = list.filter((p) => p.attributes.external_id === q.external_id);
    if (q.email)
      list = list.filter(
        (p) => typeof p.attributes.email === 'string' && p.attributes.email.toLowerCase() === q.email?.toLowerCase(),
      );
    if (q.phone_number) list = list.filter((p) => p.attributes.phone_number === q.phone_number);
    if (q.id) list = list.filter((p) => p.id === q.id);
    return {
      body: list.map((p) => ({
        id: p.id,
        ...p.attributes,
        subscriptions: profileSubscriptions(p),
        lists: a.lists.listsOf(p.id).map((l) => l.id),
        pendingOptIns: a.pendingDoubleOptIns.filter((x) => x.profileId === p.id),
        created: p.created,
        updated: p.updated,
      })),
    };
  });

  route(app, 'GET', '/lists', (q) => {
    const a = withAccount(q);
    return {
      body: [...a.lists.lists.values()].map((l) => ({
        id: l.id,
        name: l.name,
        opt_in_process: l.opt_in_process,
        created: l.created,
        members: [...l.members.entries()].map(([profileId, joinedAt]) => ({ profileId, joinedAt })),
        pendingDoubleOptIns: a.pendingDoubleOptIns.filter((x) => x.listId === l.id),
      })),
    };
  });

  route(app, 'GET', '/events', (q) => {
    const a = withAccount(q);
    let list = a.events.events;
    if (q.metric) list = list.filter((e) => e.metricName === q.metric);
    if (q.unique_id) list = list.filter((e) => e.unique_id === q.unique_id);
    // `limit`: the first N only (half a million events do not fit in one answer).
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && Number.isInteger(limit) && limit >= 0) list = list.slice(0, limit);
    return {
      body: list.map((e) => {
        const p = a.profiles.get(e.profileId);
        return {
          id: e.id,
          metric: e.metricName,
          profileId: e.profileId,
          profile: { external_id: p?.attributes.external_id ?? null, email: p?.attributes.email ?? null },
          time: e.time,
          value: e.value,
          value_currency: e.value_currency,
          unique_id: e.unique_id,
          backfill: e.backfill,
          properties: e.properties,
        };
      }),
    };
  });

  // Deletion requests, without their identifiers: `?email=`, `?phone_number=` or `?profile_id=` finds the
  // requests made for that identifier (compared by digest), `?status=` those in one job state.
  route(app, 'GET', '/deletions', (q) => {
    const a = withAccount(q);
    const asked: Array<[DeletionIdentifierType, string | undefined]> = [
      ['email', q.email],
      ['phone_number', q.phone_number],
      ['id', q.profile_id],
    ];
    const digests = new Set(asked.filter(([, v]) => v).map(([type, v]) => digestOf(type, v as string)));
    return {
      body: a.deletionRequests.requests
        .filter((r) => digests.size === 0 || digests.has(r.identifierDigest))
        .map(({ identifierDigest: _digest, ...r }) => ({ ...r, status: jobStatus(a, r.id, r.completedAt) }))
        .filter((r) => !q.status || r.status === q.status),
    };
  });

  route(app, 'GET', '/merges', (q) => {
    const a = withAccount(q);
    return {
      body: a.mergeRequests.requests
        .filter((r) => (!q.destination || r.destinationId === q.destination) && (!q.source || r.sourceId === q.source))
        .map((r) => ({ ...r, status: jobStatus(a, r.id, r.completedAt) }))
        .filter((r) => !q.status || r.status === q.status),
    };
  });

  route(app, 'GET', '/events/dropped', (q) => ({ body: withAccount(q).events.dropped }));

  route(app, 'GET', '/catalog/items', (q) => ({
    body: [...withAccount(q).catalog.items.values()].map((i) => ({
      id: i.id,
      ...i.attributes,
      categories: [...i.categoryIds],
      variants: [...i.variantIds],
      created: i.created,
      updated: i.updated,
    })),
  }));
  route(app, 'GET', '/catalog/variants', (q) => ({
    body: [...withAccount(q).catalog.variants.values()].map((v) => ({
      id: v.id,
      item: v.itemId,
      ...v.attributes,
      created: v.created,
      updated: v.updated,
    })),
  }));
  route(app, 'GET', '/catalog/categories', (q) => ({
    body: [...withAccount(q).catalog.categories.values()].map((c) => ({
      id: c.id,
      ...c.attributes,
      items: [...c.itemIds],
      updated: c.updated,
    })),
  }));

  route(app, 'GET', '/jobs', (q) => ({
    body: [...withAccount(q).jobs.jobs.values()].map(({ run: _run, ...job }) => job),
  }));
  route(app, 'POST', '/jobs/finish', (q) => {
    const a = pickAccount(state, q);
    a.jobs.finishAll(Date.now());
    return { body: a.summary() };
  });
  route(app, 'POST', '/jobs/:id/cancel', (q, request) => {
    const a = pickAccount(state, q);
    const id = (request.params as { id: string }).id;
    const job = a.jobs.jobs.get(id);
    if (!job) throw new InspectionError(404, `No job '${id}'.`);
    a.jobs.cancel(job, Date.now());
    return { body: { id, status: job.status } };
  });

  route(app, 'GET', '/requests', (q) => ({
    body: { ...state.log.snapshot(Math.min(Number(q.limit ?? 100), 5000)), validation: validation() },
  }));

  route(app, 'GET', '/faults', () => ({ body: state.faults.list() }));
  route(app, 'POST', '/faults', (_q, request) => {
    const body = bodyJson(request);
    const rules = (Array.isArray(body) ? body : [body]) as FaultRule[];
    rules.forEach(validateFaultRule);
    return { status: 201, body: rules.map((r) => state.faults.add(r)) };
  });
  route(app, 'DELETE', '/faults', () => {
    state.faults.clear();
    return { body: [] };
  });

  route(app, 'POST', '/reset', (q) => {
    if (q.key) state.accounts.get(q.key)?.clear();
    else {
      state.accounts.clear();
      state.log.clear();
      state.limiter.reset();
      state.faults.clear();
    }
    return { body: { ok: true } };
  });
}
