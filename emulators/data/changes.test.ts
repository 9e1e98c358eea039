import { describe, expect, it } from 'vitest';
import { applyChanges, type ChangeTarget } from './changes.ts';

type Doc = { id: string; version: number; lastModifiedAt: string; [k: string]: unknown };

function memory(docs: Record<string, Doc[]>): ChangeTarget & { docs: Record<string, Map<string, Doc>> } {
  const stores = Object.fromEntries(Object.entries(docs).map(([t, list]) => [t, new Map(list.map((d) => [d.id, d]))]));
  return {
    docs: stores,
    all: async (t) => [...(stores[t]?.values() ?? [])],
    put: (t, d) => void stores[t].set(d.id, d),
    remove: async (t, id) => void stores[t].delete(id),
  };
}

const old = '2024-01-01T00:00:00.000Z';
const customers = Array.from({ length: 50 }, (_v, i) => ({
  id: `c${String(i).padStart(2, '0')}`,
  version: 1,
  lastModifiedAt: old,
  email: `c${i}@example.com`,
  firstName: 'Ann',
}));
const orders = [
  { id: 'o1', version: 1, lastModifiedAt: old, customerEmail: 'guest@example.com' },
  { id: 'o2', version: 1, lastModifiedAt: old, customerId: 'c01', customerEmail: 'c1@example.com' },
];

describe('applyChanges', () => {
  it('changes exactly the records it reports, as commercetools would, deterministically', async () => {
    const at = '2026-06-01T00:00:00.000Z';
    const target = memory({ customer: customers, order: orders, product: [] });
    const applied = await applyChanges(target, { customers: 5, emailMoves: 2, deletions: 3, orders: 1, at, seed: 3 });
    const changed = [...target.docs.customer.values()].filter((c) => c.lastModifiedAt === at);
    expect(changed.map((c) => c.id).sort()).toEqual(
      [...applied.modified.customer, ...applied.emailMoves.map((m) => m.customerId)].sort(),
    );
    expect(changed.every((c) => c.version === 2)).toBe(true);
    expect(applied.emailMoves.map((m) => m.email)).toEqual(['guest@example.com', 'guest@example.com']);
    expect(target.docs.customer.size).toBe(customers.length - 3);
    for (const id of applied.deleted) expect(target.docs.customer.has(id)).toBe(false);
    expect(applied.modified.order).toHaveLength(1);
    // No record is picked twice.
    const all = [...applied.modified.customer, ...applied.emailMoves.map((m) => m.customerId), ...applied.deleted];
    expect(new Set(all).size).toBe(10);
    const again = await applyChanges(memory({ customer: customers, order: orders, product: [] }), {
      customers: 5,
      emailMoves: 2,
      deletions: 3,
      orders: 1,
      at,
      seed: 3,
    });
    expect(again).toEqual(applied);
  });
});
