import type { FastifyInstance } from 'fastify';
import { applyChanges, type ChangePlan, type ChangeTarget } from '../data/changes.ts';
import { type FaultInjector, type FaultRule, FaultRuleError, validateFaultRule } from '../shared/faults.ts';
import type { IndexedStorage } from './indexed-storage.ts';

/** Emulator-only endpoints (not part of commercetools' API): counts, faults, reset. */
export const CONTROL_PREFIX = '/__emulator';

const COUNTED_TYPES = [
  'customer',
  'order',
  'cart',
  'payment',
  'category',
  'product',
  'inventory-entry',
  'key-value-document',
  'channel',
];

export function registerControl(
  app: FastifyInstance,
  deps: { storage: IndexedStorage; faults: FaultInjector; projectKey: string },
): void {
  // API requests by method and resource (`GET customers`, `POST custom-objects`), for tests that count reads.
  const requests = new Map<string, number>();
  app.addHook('onRequest', async (request) => {
    const [, project, resource] = request.url.split('?')[0].split('/');
    if (!project || !resource || project === CONTROL_PREFIX.slice(1) || project === 'oauth') return;
    const key = `${request.method} ${resource}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
  });
  app.get(`${CONTROL_PREFIX}/requests`, async () => {
    const byResource = Object.fromEntries([...requests].sort(([a], [b]) => (a < b ? -1 : 1)));
    return { total: [...requests.values()].reduce((n, c) => n + c, 0), byResource };
  });
  app.get(`${CONTROL_PREFIX}/summary`, async (request) => {
    const projectKey = (request.query as { project?: string }).project ?? deps.projectKey;
    return {
      projectKey,
      counts: Object.fromEntries(COUNTED_TYPES.map((t) => [t, deps.storage.sizeOf(projectKey, t)])),
    };
  });
  app.get(`${CONTROL_PREFIX}/faults`, async () => deps.faults.list());
  app.post(`${CONTROL_PREFIX}/faults`, async (request, reply) => {
    const body = request.body as FaultRule | FaultRule[] | undefined;
    const rules = Array.isArray(body) ? body : [body as FaultRule];
    try {
      rules.forEach(validateFaultRule);
    } catch (e) {
      if (e instanceof FaultRuleError) return reply.status(400).send({ error: e.message });
      throw e;
    }
    return reply.status(201).send(rules.map((r) => deps.faults.add(r)));
  });
  app.delete(`${CONTROL_PREFIX}/faults`, async () => {
    deps.faults.clear();
    return [];
  });
  // Changes as a shop makes them (renames, email moves to a guest's, deletions), for deltas and erasure.
  app.post(`${CONTROL_PREFIX}/changes`, async (request) => {
    const projectKey = (request.query as { project?: string }).project ?? deps.projectKey;
    const target: ChangeTarget = {
      all: async (typeId) => (await deps.storage.all(projectKey, typeId)) as never,
      put: (typeId, doc) => deps.storage.put(projectKey, typeId, doc),
      remove: async (typeId, id) => {
        await deps.storage.delete(projectKey, typeId, id);
      },
    };
    return applyChanges(target, (request.body ?? {}) as ChangePlan);
  });
  app.post(`${CONTROL_PREFIX}/reset`, async () => {
    await deps.storage.clear();
    deps.faults.clear();
    requests.clear();
    return { ok: true };
  });
}
