import { describe, expect, it } from 'vitest';
import { LockHeldError, LockLostError } from '../core/errors.ts';
import { type StoredObject, VersionConflictError, type VersionedStore } from './custom-objects.ts';
import { LockLease, type LockValue, lockKey } from './lock.ts';

/** Custom objects with the real API's version rules: version 0 creates only, version N updates only N. */
class MemoryStore implements VersionedStore {
  readonly objects = new Map<string, StoredObject<unknown>>();
  /** Runs once before the next write is applied (another process writing in between). */
  beforeNextWrite?: () => void;

  async get<T>(key: string): Promise<StoredObject<T> | undefined> {
    const o = this.objects.get(key);
    return o ? { version: o.version, value: structuredClone(o.value) as T } : undefined;
  }

  async put<T>(key: string, value: T, version?: number): Promise<number> {
    const hook = this.beforeNextWrite;
    this.beforeNextWrite = undefined;
    hook?.();
    const current = this.objects.get(key);
    if (version !== undefined && (current?.version ?? 0) !== version) throw new VersionConflictError(current?.version);
    const next = (current?.version ?? 0) + 1;
    this.objects.set(key, { version: next, value: structuredClone(value) });
    return next;
  }

  value(key: string): LockValue {
    return this.objects.get(key)?.value as LockValue;
  }
}

const TTL = 10_000;

describe('LockLease', () => {
  it('is taken when free, and refused to a second owner while its lease runs, naming the holder', async () => {
    const store = new MemoryStore();
    const now = () => 1_000;
    const lease = await LockLease.acquire(store, 'customers', 'a', 'job-a', TTL, now);
    expect(lease.jobId).toBe('job-a');
    expect(store.value(lockKey('customers'))).toMatchObject({
      state: 'held',
      owner: 'a',
      expiresAt: new Date(1_000 + TTL).toISOString(),
    });
    const refused = LockLease.acquire(store, 'customers', 'b', 'job-b', TTL, now);
    await expect(refused).rejects.toBeInstanceOf(LockHeldError);
    await expect(refused).rejects.toMatchObject({ holder: { owner: 'a', jobId: 'job-a' } });
  });

  it('a lease of another type does not block this one', async () => {
    const store = new MemoryStore();
    await LockLease.acquire(store, 'customers', 'a', 'job-a', TTL);
    await expect(LockLease.acquire(store, 'orders', 'b', 'job-b', TTL)).resolves.toBeInstanceOf(LockLease);
  });

  it('an expired lease (a crashed holder) is taken over, and its holder then learns it lost it', async () => {
    const store = new MemoryStore();
    let t = 0;
    const crashed = await LockLease.acquire(store, 'orders', 'a', 'job-a', TTL, () => t);
    t = TTL + 1;
    const taker = await LockLease.acquire(store, 'orders', 'b', 'job-b', TTL, () => t);
    expect(taker.holder.owner).toBe('b');
    await expect(crashed.renew(() => t)).rejects.toBeInstanceOf(LockLostError);
  });

  it('of two processes racing for a free lock exactly one wins', async () => {
    const store = new MemoryStore();
    // B reads the free lock, then A writes first: B's conditioned write conflicts, B reads again and is refused.
    store.beforeNextWrite = () => {
      store.objects.set(lockKey('products'), {
        version: 1,
        value: {
          state: 'held',
          owner: 'a',
          jobId: 'job-a',
          acquiredAt: '',
          renewedAt: '',
          expiresAt: new Date(Date.now() + TTL).toISOString(),
        },
      });
    };
    await expect(LockLease.acquire(store, 'products', 'b', 'job-b', TTL)).rejects.toBeInstanceOf(LockHeldError);
    expect(store.value(lockKey('products')).owner).toBe('a');
  });

  it('renewal extends the lease; a stop requested from another instance is seen at the next renewal', async () => {
    const store = new MemoryStore();
    let t = 0;
    const lease = await LockLease.acquire(store, 'categories', 'a', 'job-a', TTL, () => t);
    t = 5_000;
    await lease.renew(() => t);
    expect(store.value(lockKey('categories')).expiresAt).toBe(new Date(5_000 + TTL).toISOString());
    expect(lease.stopRequested).toBe(false);
    expect(await LockLease.requestStop(store, 'categories', () => t)).toMatchObject({ jobId: 'job-a' });
    t = 6_000;
    await lease.renew(() => t);
    expect(lease.stopRequested).toBe(true);
    expect(store.value(lockKey('categories'))).toMatchObject({
      state: 'held',
      stopRequested: true,
      expiresAt: new Date(6_000 + TTL).toISOString(),
    });
  });

  it('a stop request for a lock nobody holds (or whose lease ran out) finds no one', async () => {
    const store = new MemoryStore();
    expect(await LockLease.requestStop(store, 'customers')).toBeUndefined();
    let t = 0;
    await LockLease.acquire(store, 'customers', 'a', 'job-a', TTL, () => t);
    t = TTL + 1;
    expect(await LockLease.requestStop(store, 'customers', () => t)).toBeUndefined();
  });

  it('release frees the lock for the next run (a versioned write, not a delete), and only once', async () => {
    const store = new MemoryStore();
    const lease = await LockLease.acquire(store, 'customers', 'a', 'job-a', TTL);
    await lease.release();
    expect(store.value(lockKey('customers'))).toMatchObject({ state: 'free', jobId: 'job-a' });
    const version = store.objects.get(lockKey('customers'))?.version;
    await lease.release();
    expect(store.objects.get(lockKey('customers'))?.version).toBe(version);
    await expect(LockLease.acquire(store, 'customers', 'b', 'job-b', TTL)).resolves.toBeInstanceOf(LockLease);
  });

  it('release leaves alone a lock another run has taken since', async () => {
    const store = new MemoryStore();
    let t = 0;
    const old = await LockLease.acquire(store, 'orders', 'a', 'job-a', TTL, () => t);
    t = TTL + 1;
    await LockLease.acquire(store, 'orders', 'b', 'job-b', TTL, () => t);
    await old.release(() => t);
    expect(store.value(lockKey('orders'))).toMatchObject({ state: 'held', owner: 'b', jobId: 'job-b' });
  });
});
