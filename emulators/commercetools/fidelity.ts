import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from '../shared/faults.ts';
import { CONTROL_PREFIX } from './control.ts';
import type { IndexedStorage } from './indexed-storage.ts';
import { queryContext } from './request-context.ts';

/** The real API's paging limits (docs.commercetools.com/api/limits; api/general-concepts#paging). */
export const MAX_LIMIT = 500;
export const MAX_OFFSET = 10_000;

/** Custom-object container and key (docs: CustomObject; the API reference's RAML says a key has at least 2 characters). */
const CUSTOM_OBJECT_NAME = /^[-_~.a-zA-Z0-9]+$/;

function customObjectNameProblem(what: 'container' | 'key', value: string): string | undefined {
  const min = what === 'key' ? 2 : 1;
  if (CUSTOM_OBJECT_NAME.test(value) && value.length >= min && value.length <= 256) return undefined;
  return `The ${what} '${value}' is invalid: it must be ${min} to 256 of the characters a-z, A-Z, 0-9, '-', '_', '~' and '.'.`;
}

type Query = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function ctError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply.status(status).send({ statusCode: status, message, errors: [{ code, message, ...extra }] });
}

/** `/{projectKey}/{resource}/...` → `{projectKey, resource, rest}`. */
export function splitPath(url: string): { projectKey: string; resource: string; rest: string[] } | undefined {
  const path = url.split('?')[0];
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length < 2 || parts[0] === 'oauth') return undefined;
  return { projectKey: parts[0], resource: parts[1], rest: parts.slice(2) };
}

const EXISTING_CUSTOM_OBJECT = Symbol('existingCustomObject');

/**
 * Hooks that make @labdigital/commercetools-mock answer like the real API where this product depends on it.
 * Each rule names the commercetools documentation it follows; the README lists them.
 */
export function installFidelityLayer(app: FastifyInstance, storage: IndexedStorage, faults: FaultInjector): void {
  // Carry `sort` and `withTotal` to the storage, which the mock's HTTP layer drops.
  app.addHook('onRequest', (request, _reply, done) => {
    const q = request.query as Query;
    const sortParam = q.sort;
    const withTotal = first(q.withTotal);
    queryContext.run(
      {
        sort: sortParam === undefined ? undefined : Array.isArray(sortParam) ? sortParam : [sortParam],
        withTotal: withTotal === undefined ? undefined : withTotal !== 'false',
      },
      done,
    );
  });

  // `lose-response`: the request is handled, then the connection is cut before the answer goes out.
  const losesResponse = new WeakSet<object>();
  app.addHook('onSend', async (request: FastifyRequest, _reply: FastifyReply, payload: unknown) => {
    if (losesResponse.has(request.raw)) request.raw.socket.destroy();
    return payload;
  });

  // Fault injection, by resource (`customers`, `orders`, `custom-objects`, `oauth`, ... or `*`).
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // The emulator's own inspection endpoints never fail: they are how a test reads what happened.
    if (request.url.startsWith(CONTROL_PREFIX)) return undefined;
    const target = request.url.startsWith('/oauth') ? 'oauth' : (splitPath(request.url)?.resource ?? '');
    for (const fault of faults.pick(target)) {
      if (fault.kind === 'slow') await delay(fault.delayMs ?? 0);
      if (fault.kind === 'lose-response') losesResponse.add(request.raw);
      if (fault.kind === 'drop') {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (fault.kind === 'status') {
        const status = fault.status ?? 503;
        if (status === 429) reply.header('Retry-After', String(fault.retryAfterSeconds ?? 1));
        const code =
          status === 429
            ? 'TooManyRequests'
            : status === 502
              ? 'BadGateway'
              : status === 503
                ? 'ServiceUnavailable'
                : 'General';
        return ctError(reply, status, code, `Injected fault: HTTP ${status}.`);
      }
    }
    return undefined;
  });

  // Paging limits: limit ≤ 500, offset ≤ 10,000 (the mock accepts anything).
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    const q = request.query as Query;
    const limit = first(q.limit);
    const offset = first(q.offset);
    if (limit !== undefined && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT)) {
      return ctError(
        reply,
        400,
        'InvalidInput',
        `The limit '${limit}' is invalid: it must be an integer between 1 and ${MAX_LIMIT}.`,
      );
    }
    if (offset !== undefined && (!/^\d+$/.test(offset) || Number(offset) > MAX_OFFSET)) {
      return ctError(
        reply,
        400,
        'InvalidInput',
        `The offset '${offset}' is invalid: it must be an integer between 0 and ${MAX_OFFSET}.`,
      );
    }
    return undefined;
  });

  // Custom objects: container and key checked; `version: 0` means "create only"; a versioned delete must match.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const p = splitPath(request.url);
    if (p?.resource !== 'custom-objects') return undefined;
    const body = request.body as { container?: string; key?: string; version?: number } | undefined;
    const container = p.rest[0] ?? (request.method === 'POST' ? body?.container : undefined);
    const key = p.rest[1] ?? (request.method === 'POST' ? body?.key : undefined);
    const problem =
      (typeof container === 'string' ? customObjectNameProblem('container', container) : undefined) ??
      (typeof key === 'string' ? customObjectNameProblem('key', key) : undefined);
    if (problem) return ctError(reply, 400, 'InvalidInput', problem);
    if (request.method === 'POST') {
      if (!container || !key) return undefined;
      const current = await storage.getByContainerAndKey(p.projectKey, container, key);
      if (current) (request as unknown as Record<symbol, boolean>)[EXISTING_CUSTOM_OBJECT] = true;
      if (current && body?.version === 0) {
        const message = `Object ${current.id} has a different version than expected. Expected: 0 - Actual: ${current.version}.`;
        return ctError(reply, 409, 'ConcurrentModification', message, { currentVersion: current.version });
      }
    }
    if (request.method === 'DELETE' && p.rest.length === 2) {
      const version = first((request.query as Query).version);
      if (version === undefined) return undefined;
      const current = await storage.getByContainerAndKey(p.projectKey, p.rest[0], p.rest[1]);
      if (current && Number(version) !== current.version) {
        const message = `Object ${current.id} has a different version than expected. Expected: ${version} - Actual: ${current.version}.`;
        return ctError(reply, 409, 'ConcurrentModification', message, { currentVersion: current.version });
      }
    }
    return undefined;
  });

  // Versioned deletes of other resources (`DELETE /{resource}/{id}?version=N`) check the version too.
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'DELETE') return undefined;
    const p = splitPath(request.url);
    if (!p || p.resource === 'custom-objects' || p.rest.length !== 1) return undefined;
    const version = first((request.query as Query).version);
    if (version === undefined) return undefined;
    const typeId = RESOURCE_TYPE_IDS[p.resource];
    if (!typeId) return undefined;
    const idOrKey = p.rest[0];
    const current = (
      idOrKey.startsWith('key=')
        ? await storage.getByKey(p.projectKey, typeId as never, idOrKey.slice(4))
        : await storage.get(p.projectKey, typeId as never, idOrKey)
    ) as { id: string; version: number } | null;
    if (current && Number(version) !== current.version) {
      const message = `Object ${current.id} has a different version than expected. Expected: ${version} - Actual: ${current.version}.`;
      return ctError(reply, 409, 'ConcurrentModification', message, { currentVersion: current.version });
    }
    return undefined;
  });

  // Responses: 200 (not 201) when a custom-object POST updated an existing object; no `total` with withTotal=false.
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if ((request as unknown as Record<symbol, boolean>)[EXISTING_CUSTOM_OBJECT] && reply.statusCode === 201)
      reply.status(200);
    if (
      request.method === 'GET' &&
      first((request.query as Query).withTotal) === 'false' &&
      typeof payload === 'string'
    ) {
      // Paged results are {count, total?, offset, limit, results}: drop a top-level total ahead of results
      // without re-parsing megabytes of JSON (the indexed storage already omits it; projections do not).
      const head = payload.indexOf('"results":');
      if (head > 0) {
        const prefix = payload.slice(0, head).replace(/"total":\d+,/, '');
        return prefix + payload.slice(head);
      }
    }
    return payload;
  });
}

/** URL segment → storage type id, for the resources this product reads or writes. */
export const RESOURCE_TYPE_IDS: Record<string, string> = {
  customers: 'customer',
  orders: 'order',
  carts: 'cart',
  categories: 'category',
  products: 'product',
  payments: 'payment',
  inventory: 'inventory-entry',
  channels: 'channel',
  'customer-groups': 'customer-group',
  subscriptions: 'subscription',
  types: 'type',
};
