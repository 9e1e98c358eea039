import type { EntityKind } from '../core/entity-kind.ts';
import { LockHeldError, LockLostError } from '../core/errors.ts';
import { VersionConflictError, type VersionedStore } from './custom-objects.ts';

export interface LockValue {
  state: 'held' | 'free';
  owner: string;
  jobId: string;
  acquiredAt: string;
  expiresAt: string;
  renewedAt: string;
  /** Set by another instance's stop request; the holder sees it on its next heartbeat. */
  stopRequested?: boolean;
}

/** How long a lock write may retry transient commercetools failures before giving up. */
const WRITE_BUDGET_MS = 20_000;

export function lockKey(kind: EntityKind): string {
  return `lock-${kind}`;
}

/**
 * A lease per entity kind in a commercetools custom object. Acquisition is atomic: `version: 0` creates the
 * object only if it does not exist, and taking over a free or expired lease is a write conditioned on the
 * version just read, so of two racing processes exactly one wins. The holder renews the lease; a crashed
 * holder's lease simply expires.
 */
export class LockLease {
  private version: number;
  private value: LockValue;
  private isReleased = false;

  private constructor(
    private readonly store: VersionedStore,
    readonly kind: EntityKind,
    version: number,
    value: LockValue,
    private readonly ttlMs: number,
  ) {
    this.version = version;
    this.value = value;
  }

  get jobId(): string {
    return this.value.jobId;
  }

  get holder(): { owner: string; jobId: string; acquiredAt: string; expiresAt: string } {
    const { owner, jobId, acquiredAt, expiresAt } = this.value;
    return { owner, jobId, acquiredAt, expiresAt };
  }

  get stopRequested(): boolean {
    return this.value.stopRequested === true;
  }

  static async acquire(
    store: VersionedStore,
    kind: EntityKind,
    owner: string,
    jobId: string,
    ttlMs: number,
    now: () => number = Date.now,
  ): Promise<LockLease> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await store.get<LockValue>(lockKey(kind));
      const t = now();
      if (current && current.value.state === 'held' && Date.parse(current.value.expiresAt) > t) {
        const { owner: o, jobId: j, acquiredAt, expiresAt } = current.value;
        throw new LockHeldError({ owner: o, jobId: j, acquiredAt, expiresAt });
      }
      const value: LockValue = {
        state: 'held',
        owner,
        jobId,
        acquiredAt: new Date(t).toISOString(),
        renewedAt: new Date(t).toISOString(),
        expiresAt: new Date(t + ttlMs).toISOString(),
      };
      try {
        const version = await store.put(
          lockKey(kind),
          value,
          current ? current.version : 0,
          undefined,
          WRITE_BUDGET_MS,
        );
        return new LockLease(store, kind, version, value, ttlMs);
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
        // Someone wrote between our read and write: read again and decide.
      }
    }
    const current = await store.get<LockValue>(lockKey(kind));
    const v = current?.value;
    throw new LockHeldError({
      owner: v?.owner ?? 'unknown',
      jobId: v?.jobId ?? 'unknown',
      acquiredAt: v?.acquiredAt ?? '',
      expiresAt: v?.expiresAt ?? '',
    });
  }

  /** Current holder, if any (for status and 409 answers). */
  static async read(store: VersionedStore, kind: EntityKind, budgetMs?: number): Promise<LockValue | undefined> {
    return (await store.get<LockValue>(lockKey(kind), undefined, budgetMs))?.value;
  }

  /** Asks the holder of a live lease to stop (used when the run lives in another process). */
  static async requestStop(
    store: VersionedStore,
    kind: EntityKind,
    now: () => number = Date.now,
  ): Promise<LockValue | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.get<LockValue>(lockKey(kind));
      if (current?.value.state !== 'held' || Date.parse(current.value.expiresAt) <= now()) return undefined;
      try {
        await store.put(
          lockKey(kind),
          { ...current.value, stopRequested: true },
          current.version,
          undefined,
          WRITE_BUDGET_MS,
        );
        return current.value;
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
      }
    }
    return undefined;
  }

  /** Extends the lease; throws LockLostError if another process took it over. Picks up stop requests. */
  async renew(now: () => number = Date.now): Promise<void> {
    if (this.isReleased) return;
    for (let attempt = 0; attempt < 3; attempt++) {
      const t = now();
      const next: LockValue = {
        ...this.value,
        renewedAt: new Date(t).toISOString(),
        expiresAt: new Date(t + this.ttlMs).toISOString(),
      };
      // Transient failures are retried while the lease still holds; past that, another process may own it.
      const budgetMs = Math.max(0, Date.parse(this.value.expiresAt) - t - 250);
      try {
        this.version = await this.store.put(lockKey(this.kind), next, this.version, undefined, budgetMs);
        this.value = next;
        return;
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
        const current = await this.store.get<LockValue>(lockKey(this.kind));
        if (
          !current ||
          current.value.jobId !== this.value.jobId ||
          current.value.owner !== this.value.owner ||
          current.value.state !== 'held'
        ) {
          throw new LockLostError(`The ${this.kind} lock was taken over by job ${current?.value.jobId ?? 'unknown'}.`);
        }
        // Our own lease, changed by a stop request: adopt it and write again.
        this.version = current.version;
        this.value = current.value;
      }
    }
    throw new LockLostError(`The ${this.kind} lock could not be renewed.`);
  }

  /** Frees the lease (a versioned write, never a delete), if it is still ours. */
  async release(now: () => number = Date.now): Promise<void> {
    if (this.isReleased) return;
    this.isReleased = true;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.store.put(
          lockKey(this.kind),
          { ...this.value, state: 'free', stopRequested: false, expiresAt: new Date(now()).toISOString() },
          this.version,
          undefined,
          WRITE_BUDGET_MS,
        );
        return;
      } catch (e) {
        if (!(e instanceof VersionConflictError)) throw e;
        const current = await this.store.get<LockValue>(lockKey(this.kind));
        if (!current || current.value.jobId !== this.value.jobId) return;
        this.version = current.version;
        this.value = current.value;
      }
    }
  }
}
