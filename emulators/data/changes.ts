import { Random } from './random.ts';

/** What a day in a shop changes, to apply to a loaded project: for delta imports, erasure and identity conflicts. */
export interface ChangePlan {
  /** Customers whose name changes (a new version, lastModifiedAt = `at`). */
  customers?: number;
  /** Orders touched (a new version: e.g. a state change). */
  orders?: number;
  /** Products touched. */
  products?: number;
  /** Customers whose email changes to a guest's (an email Klaviyo already has a profile for, after an orders import). */
  emailMoves?: number;
  /** Customers deleted. */
  deletions?: number;
  seed?: number;
  /** When the changes happen (default now). */
  at?: string;
}

export interface AppliedChanges {
  at: string;
  modified: Record<'customer' | 'order' | 'product', string[]>;
  emailMoves: Array<{ customerId: string; email: string }>;
  deleted: string[];
}

type Doc = { id: string; version: number; lastModifiedAt: string; [k: string]: unknown };

/** The storage the changes are applied to (the commercetools stand-in's). */
export interface ChangeTarget {
  all(typeId: 'customer' | 'order' | 'product'): Promise<Doc[]>;
  put(typeId: 'customer' | 'order' | 'product', doc: Doc): void;
  remove(typeId: 'customer', id: string): Promise<void>;
}

/** Picks `n` distinct items, deterministically for a seed. */
function sample<T>(items: readonly T[], n: number, random: Random): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(random.int(0, pool.length - 1), 1)[0]);
  return out;
}

/**
 * Applies a plan of changes, each as commercetools would record it (version + 1, lastModifiedAt = `at`), and says
 * exactly which records changed: a delta from before `at` must import exactly these.
 */
export async function applyChanges(target: ChangeTarget, plan: ChangePlan): Promise<AppliedChanges> {
  const random = new Random(plan.seed ?? 7);
  const at = plan.at ?? new Date().toISOString();
  const touch = (doc: Doc, change: Record<string, unknown> = {}): Doc => ({
    ...doc,
    ...change,
    version: doc.version + 1,
    lastModifiedAt: at,
  });
  const applied: AppliedChanges = {
    at,
    modified: { customer: [], order: [], product: [] },
    emailMoves: [],
    deleted: [],
  };
  const customers = await target.all('customer');
  const picked = sample(customers, (plan.customers ?? 0) + (plan.emailMoves ?? 0) + (plan.deletions ?? 0), random);
  const renamed = picked.slice(0, plan.customers ?? 0);
  const moved = picked.slice(renamed.length, renamed.length + (plan.emailMoves ?? 0));
  const deleted = picked.slice(renamed.length + moved.length);
  for (const c of renamed) {
    target.put('customer', touch(c, { firstName: `${String(c.firstName ?? 'Changed')}·` }));
    applied.modified.customer.push(c.id);
  }
  if (moved.length > 0) {
    const orders = await target.all('order');
    const guestEmails = [
      ...new Set(
        orders.filter((o) => !o.customerId && typeof o.customerEmail === 'string').map((o) => String(o.customerEmail)),
      ),
    ];
    for (const [i, c] of moved.entries()) {
      const email = guestEmails[i % Math.max(1, guestEmails.length)] ?? `moved-${c.id.slice(0, 8)}@example.com`;
      target.put('customer', touch(c, { email }));
      applied.emailMoves.push({ customerId: c.id, email });
    }
  }
  for (const c of deleted) {
    await target.remove('customer', c.id);
    applied.deleted.push(c.id);
  }
  for (const typeId of ['order', 'product'] as const) {
    const n = typeId === 'order' ? (plan.orders ?? 0) : (plan.products ?? 0);
    if (n === 0) continue;
    for (const doc of sample(await target.all(typeId), n, random)) {
      target.put(typeId, touch(doc));
      applied.modified[typeId].push(doc.id);
    }
  }
  return applied;
}
