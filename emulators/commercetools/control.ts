import type { FastifyInstance } from 'fastify';
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
  app.post(`${CONTROL_PREFIX}/reset`, async () => {
    await deps.storage.clear();
    deps.faults.clear();
    return { ok: true };
  });
}
