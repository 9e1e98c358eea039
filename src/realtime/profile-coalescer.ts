import { PermanentRecordError } from '../core/errors.ts';
import type { KlaviyoHttp } from '../klaviyo/http.ts';
import { measureProfile, PROFILE_IMPORT_LIMITS, submitImport } from '../klaviyo/profiles.ts';
import type { ProfileUpsertResource } from '../klaviyo/types.ts';
import { holdMs, remember } from './batch-hold.ts';
import type { ProfileJobFinisher } from './profile-job-finisher.ts';
import type { JobNotification, JobProfile, ProfileJobRecord, ProfileJobStore } from './profile-job-store.ts';

export interface ProfileCoalescerOptions {
  /**
   * Profile writes a second (over the last 5 s) from which they go through bulk import jobs; below it each is
   * one `profile-import` call (lowest latency). 0: always in jobs.
   */
  bulkFromPerSecond: number;
  /** Longest a profile waits for others before its job goes (default 1,000 ms). */
  maxHoldMs: number;
  /** A job goes this long after the last arrival when nothing else comes (default 25 ms). */
  idleMs: number;
  /** Jobs being submitted at once (default 2); more arrivals meanwhile make the next jobs fuller. */
  maxInFlight: number;
  /** Profiles per job (default 2,500: the job's record in commercetools stays well under 1 MB). */
  maxProfiles: number;
  maxBytes: number;
  /** How long a single `profile-import` call would wait now for the rate limit (> 0: go in bulk instead). */
  singleWaitMs?: () => number;
  /** How long a job would wait now for the rate limit: while it would, an open job keeps filling. */
  bulkWaitMs?: () => number;
  instanceId: string;
  /** How long this instance keeps a job to itself before another may finish it. */
  leaseMs: number;
  /** Longest a customer's write waits for its earlier, unfinished job (default 10 s). */
  maxDeferMs?: number;
  /** commercetools writes of a job's record retry this long before the notifications are handed back. */
  ctBudgetMs: number;
}

export const DEFAULT_PROFILE_COALESCING = {
  bulkFromPerSecond: 5,
  maxHoldMs: 1_000,
  idleMs: 25,
  maxInFlight: 2,
  maxProfiles: 2_500,
  maxBytes: PROFILE_IMPORT_LIMITS.maxJobBytes - 64_000,
} as const;

/** A profile to write, with the notification it answers. */
export interface ProfileWrite {
  profile: ProfileUpsertResource;
  customerId: string;
  /** Lists the profile joins (the customers list, for a new customer). */
  listIds: readonly string[];
  notification: JobNotification;
  /** Sync its consent once the job has completed. */
  hasConsent: boolean;
  /** The customer's version this profile was mapped from: of two writes of a customer, the newer one goes. */
  version?: number;
}

interface Entry extends JobProfile {
  profile: ProfileUpsertResource;
  bytes: number;
  listIds: readonly string[];
  version?: number;
  waiters: Array<{ resolve: (jobId: string) => void; reject: (e: unknown) => void }>;
}

/** Two writes of one customer as one: the newer profile, every list, every notification and waiter. */
function merged(older: Entry, newer: Entry): Entry {
  const isNewer = older.version === undefined || newer.version === undefined || newer.version >= older.version;
  const latest = isNewer ? newer : older;
  return {
    customerId: older.customerId,
    profile: latest.profile,
    bytes: latest.bytes,
    version: latest.version,
    listIds: [...new Set([...older.listIds, ...newer.listIds])].sort(),
    notifications: [...older.notifications, ...newer.notifications],
    hasConsent: older.hasConsent || newer.hasConsent,
    waiters: [...older.waiters, ...newer.waiters],
  };
}

interface Batch {
  listIds: readonly string[];
  entries: Map<string, Entry>;
  bytes: number;
  firstArrivedMs: number;
}

export interface ProfileCoalescerStats {
  jobs: number;
  profiles: number;
  notifications: number;
  /** Profiles written one `profile-import` call each (below the bulk rate). */
  single: number;
  /** Profiles per job and milliseconds the first profile of a job was held, of the last 1,000 jobs. */
  recentJobProfiles: number[];
  recentHeldMs: number[];
}

const RATE_WINDOW_MS = 5_000;

/**
 * Real-time profiles through bulk profile import jobs when the volume calls for it. `isBulkNow` says whether a
 * profile should go in a job (the rate of profile writes is at or above `bulkFromPerSecond`, or a single call
 * would wait for its limit); `write` adds it to the open job of its lists (the same customer twice: one row, the
 * newest read) and settles once Klaviyo accepted the job and the job is recorded in commercetools — so a
 * notification is acknowledged only when a restart can still find its profile's fate. Klaviyo refusing the
 * profile itself rejects with a permanent error (dead letter); a refused or failed submission or record
 * rejects with that error (redelivered). The finisher then turns per-profile failures into dead letters.
 */
export class ProfileCoalescer {
  readonly stats: ProfileCoalescerStats = {
    jobs: 0,
    profiles: 0,
    notifications: 0,
    single: 0,
    recentJobProfiles: [],
    recentHeldMs: [],
  };
  /** Arrival times of the last RATE_WINDOW_MS, from `arrivalsHead` on. */
  private arrivals: number[] = [];
  private arrivalsHead = 0;
  private readonly open = new Map<string, Batch>();
  /** Customers in jobs being submitted or not finished yet (how many), and their writes that wait for them. */
  private readonly pending = new Map<string, number>();
  private readonly deferred = new Map<string, Entry>();
  private readonly ready: Batch[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly http: KlaviyoHttp,
    private readonly store: ProfileJobStore,
    private readonly finisher: ProfileJobFinisher,
    private readonly options: ProfileCoalescerOptions,
  ) {}

  /** Profiles waiting for a job (held, or in jobs waiting for a slot). */
  get waiting(): number {
    let n = 0;
    for (const b of this.open.values()) n += b.entries.size;
    for (const b of this.ready) n += b.entries.size;
    return n + this.deferred.size;
  }

  /** Counts a profile write and says whether it goes in a bulk job. */
  isBulkNow(nowMs = Date.now()): boolean {
    this.arrivals.push(nowMs);
    while (this.arrivals[this.arrivalsHead] < nowMs - RATE_WINDOW_MS) this.arrivalsHead++;
    if (this.arrivalsHead > 4096) {
      this.arrivals = this.arrivals.slice(this.arrivalsHead);
      this.arrivalsHead = 0;
    }
    const perSecond = (this.arrivals.length - this.arrivalsHead) / (RATE_WINDOW_MS / 1000);
    // While any job is unfinished, writes go in jobs too: a single call must never overtake a job carrying an
    // older read of the same customer.
    const isBusy = this.waiting > 0 || this.inFlight > 0 || this.pending.size > 0;
    const bulk =
      this.options.bulkFromPerSecond === 0 ||
      perSecond >= this.options.bulkFromPerSecond ||
      isBusy ||
      (this.options.singleWaitMs?.() ?? 0) > 0;
    if (!bulk) this.stats.single++;
    return bulk;
  }

  /**
   * Adds a profile to the open job of its lists; settles with the job id once the job is accepted and recorded.
   * A customer already in an open job is merged into it (the newer read, both lists); one whose earlier job is
   * being submitted or has not completed waits for that job to finish before its own is submitted, so an older
   * read never lands after a newer one.
   */
  write(w: ProfileWrite): Promise<string> {
    const size = measureProfile(w.profile);
    if (size.problem) return Promise.reject(new PermanentRecordError('PROFILE_REFUSED', size.problem));
    return new Promise<string>((resolve, reject) => {
      const entry: Entry = {
        customerId: w.customerId,
        profile: w.profile,
        bytes: size.bytes,
        version: w.version,
        listIds: [...w.listIds].sort(),
        notifications: [w.notification],
        hasConsent: w.hasConsent,
        waiters: [{ resolve, reject }],
      };
      if (this.pending.has(w.customerId)) {
        const deferred = this.deferred.get(w.customerId);
        this.deferred.set(w.customerId, deferred ? merged(deferred, entry) : entry);
        // Waiting is bounded: an earlier job whose outcome cannot be learned (Klaviyo's job reads failing) must not
        // hold the customer's writes back for good; Klaviyo runs an account's jobs in order anyway.
        if (!deferred) {
          const timer = setTimeout(() => this.undefer(w.customerId), this.options.maxDeferMs ?? 10_000);
          timer.unref();
        }
        return;
      }
      this.add(entry);
    });
  }

  /** Puts an entry in the open job of its lists (merged with the customer's entry if one is open). */
  private add(incoming: Entry): void {
    let entry = incoming;
    for (const [key, b] of this.open) {
      const existing = b.entries.get(entry.customerId);
      if (!existing) continue;
      b.entries.delete(entry.customerId);
      b.bytes -= existing.bytes;
      entry = merged(existing, entry);
      if (b.entries.size === 0) this.open.delete(key);
      break;
    }
    const listKey = entry.listIds.join(',');
    let batch = this.open.get(listKey);
    if (
      batch &&
      (batch.entries.size + 1 > this.options.maxProfiles || batch.bytes + entry.bytes > this.options.maxBytes)
    ) {
      this.close(listKey);
      batch = undefined;
    }
    if (!batch) {
      batch = { listIds: entry.listIds, entries: new Map(), bytes: 0, firstArrivedMs: Date.now() };
      this.open.set(listKey, batch);
    }
    batch.entries.set(entry.customerId, entry);
    batch.bytes += entry.bytes;
    if (batch.entries.size >= this.options.maxProfiles) this.close(listKey);
    else this.schedule();
  }

  /** A deferred write goes now (its wait is over). */
  private undefer(customerId: string): void {
    const deferred = this.deferred.get(customerId);
    if (!deferred) return;
    this.deferred.delete(customerId);
    this.add(deferred);
  }

  /** The customers of a job that has finished (or was never accepted): their deferred writes may go now. */
  private release(customerIds: readonly string[]): void {
    for (const id of customerIds) {
      const n = (this.pending.get(id) ?? 1) - 1;
      if (n > 0) {
        this.pending.set(id, n);
        continue;
      }
      this.pending.delete(id);
      this.undefer(id);
    }
  }

  /** The open jobs go `idleMs` after the last arrival, at the latest `maxHoldMs` after their first. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.open.size === 0) return;
    const oldest = Math.min(...[...this.open.values()].map((b) => b.firstArrivedMs));
    const untilDeadline = oldest + this.options.maxHoldMs - Date.now();
    this.timer = setTimeout(() => this.due(), Math.max(0, Math.min(this.options.idleMs, untilDeadline)));
    this.timer.unref();
  }

  /**
   * On the timer: the open jobs go, unless jobs could not go now anyway (the rate limit) or others are being
   * submitted and they are younger than `maxHoldMs` — then they keep filling.
   */
  private due(): void {
    if (this.open.size === 0) return;
    const waitMs = this.options.bulkWaitMs?.() ?? 0;
    const oldest = Math.min(...[...this.open.values()].map((b) => b.firstArrivedMs));
    const ageMs = Date.now() - oldest;
    const hold = holdMs({
      waitMs,
      ageMs,
      isBusy: this.inFlight > 0 || this.ready.length > 0,
      maxHoldMs: this.options.maxHoldMs,
    });
    if (hold > 0) {
      this.timer = setTimeout(() => this.due(), hold);
      this.timer.unref();
      return;
    }
    for (const key of [...this.open.keys()]) this.close(key);
  }

  private close(listKey: string): void {
    const batch = this.open.get(listKey);
    if (!batch) return;
    this.open.delete(listKey);
    for (const id of batch.entries.keys()) this.pending.set(id, (this.pending.get(id) ?? 0) + 1);
    if (this.open.size === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.ready.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.ready.length > 0) {
      const batch = this.ready.shift() as Batch;
      this.inFlight++;
      void this.submit(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.open.size > 0 && this.ready.length === 0) this.schedule();
      });
    }
  }

  private async submit(batch: Batch): Promise<void> {
    const entries = [...batch.entries.values()];
    const notifications = entries.reduce((n, e) => n + e.notifications.length, 0);
    this.stats.jobs++;
    this.stats.profiles += entries.length;
    this.stats.notifications += notifications;
    remember(this.stats.recentJobProfiles, entries.length);
    remember(this.stats.recentHeldMs, Date.now() - batch.firstArrivedMs);
    const fail = (list: Entry[], e: unknown) => {
      for (const entry of list) for (const w of entry.waiters) w.reject(e);
      this.release(list.map((entry) => entry.customerId));
    };
    try {
      const { job, refused } = await submitImport(
        this.http,
        entries.map((e) => ({ id: e.customerId, item: e.profile })),
        undefined,
        batch.listIds,
      );
      const byId = new Map(entries.map((e) => [e.customerId, e]));
      for (const r of refused) {
        const entry = byId.get(r.id);
        byId.delete(r.id);
        if (entry && r.outcome === 'failed')
          fail([entry], new PermanentRecordError(r.code ?? 'PROFILE_REFUSED', r.reason));
      }
      if (!job) return;
      const accepted = [...byId.values()];
      const acceptedIds = accepted.map((e) => e.customerId);
      const nowMs = Date.now();
      const record: ProfileJobRecord = {
        jobId: job.jobId,
        submittedAt: new Date(job.submittedAtMs).toISOString(),
        owner: this.options.instanceId,
        leaseUntil: new Date(nowMs + this.options.leaseMs).toISOString(),
        profiles: accepted.map((e) => ({
          customerId: e.customerId,
          notifications: e.notifications,
          hasConsent: e.hasConsent,
        })),
      };
      let version: number;
      try {
        version = await this.store.create(record, this.options.ctBudgetMs);
      } catch (e) {
        // Not recorded: a restart could not find these profiles' fate. Handed back: the redelivery imports them
        // again (harmless: an upsert).
        fail(accepted, e);
        return;
      }
      for (const entry of accepted) for (const w of entry.waiters) w.resolve(job.jobId);
      this.finisher.track(record, version, () => this.release(acceptedIds));
    } catch (e) {
      fail(entries, e);
    }
  }
}
