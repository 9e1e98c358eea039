import { randomBytes } from 'node:crypto';
import { CheckpointStore } from '../commercetools/checkpoint-store.ts';
import type { CustomObjectStore } from '../commercetools/custom-objects.ts';
import { LockLease } from '../commercetools/lock.ts';
import { isCalendarDate } from '../core/calendar-date.ts';
import type { EntityKind } from '../core/entity-kind.ts';
import { ENTITY_KINDS } from '../core/entity-kind.ts';
import { InvalidRequestError, LockHeldError, NotFoundError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { freshReport, JobRunner } from './job-runner.ts';
import { copyCounts, type FailureReport, type RunOptions, type RunReport } from './run-report.ts';
import type { StreamDefinition } from './stream.ts';

export type AnyStream = StreamDefinition<{ id: string }, unknown>;

export interface JobRegistryDeps {
  store: CustomObjectStore;
  /** Builds the stream of a run; may throw InvalidRequestError when the options or configuration cannot work. */
  streams: Partial<Record<EntityKind, (options: RunOptions) => AnyStream>>;
  owner: string;
  lockTtlMs: number;
  /** A delta from the high-water mark starts this much earlier (default DEFAULT_DELTA_OVERLAP_MS). */
  deltaOverlapMs?: number;
  logger: Logger;
  /** Checkpoint save interval; default 1 s. */
  saveEveryMs?: number;
  progressEveryMs?: number;
}

export interface StopResult {
  /** 'stopped' when this process ran it and it has ended; 'stopping' when another instance was asked to stop. */
  state: 'stopped' | 'stopping';
  report: RunReport | undefined;
}

const RESUMABLE = new Set(['interrupted', 'stopped', 'failed']);
/** A delta from the high-water mark starts this much earlier, so that clocks a little apart lose nothing. */
export const DEFAULT_DELTA_OVERLAP_MS = 60_000;

/** The high-water mark of a type: when its last completed full or delta run started (everything before it is in). */
export interface Watermark {
  asOf: string;
  jobId: string;
  /** The records that run failed: the next delta reads them again. */
  retryIds?: string[];
}

/** Failed records a high-water mark carries to the next delta at most. */
export const MAX_RETRY_IDS = 1_000;

export function watermarkKey(kind: EntityKind): string {
  return `watermark-${kind}`;
}
const STATUS_READ_BUDGET_MS = 15_000;

/** Starts, stops and reports the bulk import runs of this process, with the lock and checkpoint in commercetools. */
export class JobRegistry {
  private readonly active = new Map<EntityKind, JobRunner<{ id: string }, unknown>>();
  private readonly leases = new Map<EntityKind, LockLease>();
  private readonly last = new Map<EntityKind, RunReport>();
  /** Settles when a run has ended and released its lock. */
  private readonly finished = new Map<EntityKind, Promise<void>>();
  private readonly checkpoints: CheckpointStore<RunReport>;
  private readonly lastFailures = new Map<EntityKind, FailureReport>();

  constructor(private readonly deps: JobRegistryDeps) {
    this.checkpoints = new CheckpointStore<RunReport>(deps.store);
  }

  /** Failed and skipped records of the current or last run (deduplicated by id, last outcome wins). */
  async failures(kind: EntityKind): Promise<FailureReport | undefined> {
    const runner = this.active.get(kind);
    const report = runner
      ? runner.failures
      : (this.lastFailures.get(kind) ?? (await this.deps.store.get<FailureReport>(`failures-${kind}`))?.value);
    if (!report) return undefined;
    const byId = new Map(report.failures.map((f) => [f.id, f]));
    return { ...report, failures: [...byId.values()] };
  }

  /** Validates, takes the lock, starts the run in the background and returns its first report. */
  async start(kind: EntityKind, options: RunOptions): Promise<RunReport> {
    const makeStream = this.deps.streams[kind];
    if (!makeStream) throw new InvalidRequestError(`Bulk import of ${kind} is not available in this version.`);
    // A run that has ended but is still releasing its lock is waited for, not reported as a conflict.
    if (this.active.get(kind) && this.active.get(kind)?.report.status !== 'running') await this.finished.get(kind);
    const running = this.active.get(kind);
    if (running) {
      const lease = this.leases.get(kind);
      throw new LockHeldError(
        lease?.holder ?? {
          owner: this.deps.owner,
          jobId: running.report.jobId,
          acquiredAt: running.report.startedAt,
          expiresAt: running.report.updatedAt,
        },
      );
    }
    if (options.ids && options.startId) throw new InvalidRequestError("Use either 'ids' or 'startId', not both.");
    if (
      options.resume &&
      (options.ids ||
        options.startId ||
        options.since ||
        options.until ||
        options.backfill !== undefined ||
        options.delta !== undefined ||
        options.modifiedSince)
    ) {
      throw new InvalidRequestError(
        "'resume' continues the last run with its own options; do not combine it with other options.",
      );
    }
    for (const field of ['since', 'until'] as const) {
      const v = options[field];
      if (v !== undefined && !isCalendarDate(v))
        throw new InvalidRequestError(
          `'${field}' must be an ISO 8601 date or date-time that exists, e.g. 2024-01-31T00:00:00Z (got '${v}').`,
        );
    }
    if (options.since && options.until && Date.parse(options.since) >= Date.parse(options.until))
      throw new InvalidRequestError("'since' must be earlier than 'until'.");
    if (options.ids && (options.since || options.until))
      throw new InvalidRequestError("Use either 'ids' or a 'since'/'until' window, not both.");
    if (options.modifiedSince !== undefined && !isCalendarDate(options.modifiedSince))
      throw new InvalidRequestError(
        `'modifiedSince' must be an ISO 8601 date or date-time that exists, e.g. 2024-01-31T00:00:00Z (got '${options.modifiedSince}').`,
      );
    if (options.delta !== undefined && options.modifiedSince !== undefined)
      throw new InvalidRequestError(
        "Use either 'delta' (from the last completed run) or 'modifiedSince' (from a given instant), not both.",
      );
    if ((options.delta || options.modifiedSince) && (options.ids || options.startId || options.since || options.until))
      throw new InvalidRequestError(
        "A delta ('delta' or 'modifiedSince') reads what changed; it cannot be combined with 'ids', 'startId', 'since' or 'until'.",
      );
    if (options.asOf !== undefined || options.retryIds !== undefined)
      throw new InvalidRequestError("'asOf' and 'retryIds' are set by the service; do not send them.");
    if (options.deleteAll !== undefined || options.confirmDeletion !== undefined) {
      if (options.deleteAll !== true || options.confirmDeletion !== kind) {
        throw new InvalidRequestError(
          `To delete every ${kind === 'products' ? 'item and variant' : 'category'} in the Klaviyo catalog send both "deleteAll": true and "confirmDeletion": "${kind}". This removes all of them, including those not created by this service.`,
        );
      }
      if (options.ids || options.startId || options.resume || options.delta || options.modifiedSince)
        throw new InvalidRequestError(
          "'deleteAll' cannot be combined with 'ids', 'startId', 'resume', 'delta' or 'modifiedSince'.",
        );
    }
    const startedAt = new Date();
    let modifiedSince = options.modifiedSince ? new Date(options.modifiedSince).toISOString() : undefined;
    let retryIds: string[] | undefined;
    if (options.delta === true) {
      const mark = await this.watermark(kind);
      if (!mark)
        throw new InvalidRequestError(
          `There is no completed ${kind} import to take a delta from: run a full import first, or send 'modifiedSince'.`,
        );
      modifiedSince = new Date(
        Date.parse(mark.asOf) - (this.deps.deltaOverlapMs ?? DEFAULT_DELTA_OVERLAP_MS),
      ).toISOString();
      retryIds = mark.retryIds;
    }
    options = {
      ...options,
      ...(options.since ? { since: new Date(options.since).toISOString() } : {}),
      ...(options.until ? { until: new Date(options.until).toISOString() } : {}),
      ...(modifiedSince ? { modifiedSince } : {}),
      ...(retryIds?.length ? { retryIds } : {}),
      // What the run reads as of (a delta's upper bound) and, once it completes, the next delta's starting point.
      ...(options.resume || options.deleteAll ? {} : { asOf: startedAt.toISOString() }),
    };

    const jobId = `${kind}-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    let report = freshReport({
      jobId,
      type: kind,
      options,
      owner: this.deps.owner,
      startedAt: startedAt.toISOString(),
    });
    if (options.resume) {
      const previous = await this.status(kind);
      if (!previous || !RESUMABLE.has(previous.status)) {
        throw new InvalidRequestError(
          previous
            ? `There is no ${kind} run to resume: the last one (${previous.jobId}) is ${previous.status}. Start a new import instead.`
            : `There is no ${kind} run to resume. Start a new import instead.`,
        );
      }
      report = {
        ...report,
        options: { ...previous.options, resume: true },
        cursor: previous.cursor,
        counts: copyCounts(previous.counts),
        total: previous.total,
        lastErrors: [...previous.lastErrors],
        inFlight: previous.inFlight,
        resumedFrom: previous.jobId,
      };
    }

    const baseStream = makeStream(report.options);
    const isDryRun = report.options.dryRun === true;
    const samples: unknown[] = [];
    const stream: AnyStream = isDryRun
      ? {
          ...baseStream,
          // Everything is read, mapped and checked against Klaviyo's limits by the runner; nothing is written.
          recover: undefined,
          write: async (batch, signal) => {
            for (const b of batch) if (samples.length < 3) samples.push(b.item);
            report.samples = samples;
            if (baseStream.dryWrite) return baseStream.dryWrite(batch, signal);
            return batch.map((b) => ({ id: b.id, outcome: 'succeeded' as const }));
          },
        }
      : baseStream;
    const lease = await LockLease.acquire(this.deps.store, kind, this.deps.owner, jobId, this.deps.lockTtlMs);
    const runner = new JobRunner<{ id: string }, unknown>(
      stream,
      report,
      {
        // A dry run leaves no checkpoint behind (and no failure report): only the lock, for its duration.
        save: (r) => (isDryRun ? Promise.resolve() : this.checkpoints.save(kind, r)),
        saveFailures: (f) => {
          this.lastFailures.set(kind, f);
          return isDryRun ? Promise.resolve() : this.deps.store.put(`failures-${kind}`, f).then(() => undefined);
        },
        heartbeat: async () => {
          await lease.renew();
          return lease.stopRequested;
        },
        heartbeatEveryMs: Math.max(200, Math.floor(this.deps.lockTtlMs / 3)),
        saveEveryMs: this.deps.saveEveryMs,
        progressEveryMs: this.deps.progressEveryMs,
      },
      this.deps.logger,
    );
    this.active.set(kind, runner);
    this.leases.set(kind, lease);
    if (report.resumedFrom) {
      const previous = await this.failures(kind).catch(() => undefined);
      if (previous?.jobId === report.resumedFrom) runner.carryFailures(previous);
    }
    try {
      if (!isDryRun) await this.checkpoints.save(kind, report);
    } catch (e) {
      this.active.delete(kind);
      this.leases.delete(kind);
      await lease.release().catch(() => undefined);
      throw e;
    }
    this.deps.logger.info(
      { kind, jobId, resumedFrom: report.resumedFrom, cursor: report.cursor, ids: options.ids?.length },
      `${kind} import started`,
    );
    const finished = runner
      .start()
      .catch((e: unknown) => this.deps.logger.error({ kind, jobId, err: String(e) }, 'run ended unexpectedly'))
      .finally(async () => {
        await this.saveWatermark(kind, runner.report, runner.failures);
        await lease
          .release()
          .catch((e: unknown) =>
            this.deps.logger.warn({ kind, jobId, err: String(e) }, 'could not release the lock; it expires by itself'),
          );
        this.last.set(kind, { ...runner.report });
        this.active.delete(kind);
        this.leases.delete(kind);
      });
    this.finished.set(
      kind,
      finished.then(() => undefined),
    );
    return { ...report, counts: copyCounts(report.counts) };
  }

  /** The options of a scheduled delta of `kind`: from its high-water mark, or a full import when it has none. */
  async deltaOptions(kind: EntityKind): Promise<RunOptions> {
    return (await this.watermark(kind)) ? { delta: true } : {};
  }

  /** The high-water mark of `kind`: when its last completed full or delta run started. */
  async watermark(kind: EntityKind): Promise<Watermark | undefined> {
    return (await this.deps.store.get<Watermark>(watermarkKey(kind)))?.value;
  }

  /**
   * A completed run that read every record changed before it started (a full run, or a delta) moves the
   * high-water mark to its start; a run of some ids, a window of dates, a dry run or a deletion does not.
   */
  private async saveWatermark(kind: EntityKind, report: RunReport, failures: FailureReport): Promise<void> {
    const o = report.options;
    const isWhole = !o.ids && !o.startId && !o.since && !o.until && !o.deleteAll && !o.dryRun;
    if (report.status !== 'completed' || !isWhole || !o.asOf) return;
    // The records that failed are read again by the next delta; when too many failed to carry, the mark stays
    // where it was and the next delta reads the whole span again.
    const failed = [...new Set(failures.failures.filter((f) => f.outcome === 'failed').map((f) => f.id))];
    if (failures.notKept > 0 || failed.length > MAX_RETRY_IDS) {
      this.deps.logger.warn(
        { kind, jobId: report.jobId, failed: failed.length + failures.notKept },
        'too many records failed to carry them to the next delta: the high-water mark stays where it was',
      );
      return;
    }
    try {
      const previous = await this.watermark(kind);
      if (previous && previous.asOf >= o.asOf) return;
      // A delta from a given instant moves the mark only when it starts at or before it: else what changed
      // between the mark and that instant would never be read.
      if (o.modifiedSince && (!previous || o.modifiedSince > previous.asOf)) return;
      await this.deps.store.put<Watermark>(watermarkKey(kind), {
        asOf: o.asOf,
        jobId: report.jobId,
        ...(failed.length ? { retryIds: failed } : {}),
      });
    } catch (e) {
      // The next delta starts from the previous mark: more is read again, nothing is lost.
      this.deps.logger.warn(
        { kind, jobId: report.jobId, err: e instanceof Error ? e.message : String(e) },
        'could not save the high-water mark',
      );
    }
  }

  /** Stops this process's run (cooperatively) or asks the instance that holds the lock to stop. */
  async stop(kind: EntityKind, reason: 'stopped' | 'interrupted' = 'stopped'): Promise<StopResult> {
    const runner = this.active.get(kind);
    if (runner) {
      runner.stop(reason);
      const report = await runner.done;
      await this.finished.get(kind);
      return { state: 'stopped', report: report ? { ...report } : undefined };
    }
    const holder = await LockLease.requestStop(this.deps.store, kind);
    if (holder) return { state: 'stopping', report: await this.status(kind) };
    throw new NotFoundError(`No ${kind} import is running.`);
  }

  /** The current or last run: this process's own, else the checkpoint (a dead holder's run shows as interrupted). */
  async status(kind: EntityKind): Promise<RunReport | undefined> {
    const runner = this.active.get(kind);
    // An ended run is reported once its lock is released, so whoever sees it ended can start the next one.
    if (runner && runner.report.status !== 'running') await this.finished.get(kind);
    else if (runner) return snapshot(runner);
    // A status answer may not wait minutes on a failing commercetools: retry briefly, then report the error.
    const stored = await this.checkpoints.load(kind, undefined, STATUS_READ_BUDGET_MS);
    const local = this.last.get(kind);
    // This process's last run, unless the checkpoint is of a later one (another instance's); a dry run leaves no
    // checkpoint, so after one the stored run is an earlier one.
    const report =
      local && (!stored || stored.jobId === local.jobId || local.startedAt >= stored.startedAt) ? local : stored;
    if (!report) return undefined;
    if (report.status === 'running') {
      const lock = await LockLease.read(this.deps.store, kind, STATUS_READ_BUDGET_MS);
      const isAlive = lock?.state === 'held' && lock.jobId === report.jobId && Date.parse(lock.expiresAt) > Date.now();
      if (!isAlive) return { ...report, status: 'interrupted' };
    }
    return report;
  }

  async statusAll(): Promise<Record<EntityKind, RunReport | null>> {
    const entries = await Promise.all(ENTITY_KINDS.map(async (k) => [k, (await this.status(k)) ?? null] as const));
    return Object.fromEntries(entries) as Record<EntityKind, RunReport | null>;
  }

  /** Starts a run of exactly the records that failed in the last run (up to 10,000). */
  async retryFailed(kind: EntityKind): Promise<{ report: RunReport; retried: number; notRetried: number }> {
    const f = await this.failures(kind);
    const ids = [...new Set((f?.failures ?? []).filter((x) => x.outcome === 'failed').map((x) => x.id))];
    if (ids.length === 0) throw new InvalidRequestError(`The last ${kind} run has no failed records to retry.`);
    const take = ids.slice(0, 10_000);
    const report = await this.start(kind, { ids: take });
    return { report, retried: take.length, notRetried: ids.length - take.length + (f?.notKept ?? 0) };
  }

  /** Resolves when the current run of `kind` (if any) has ended and released its lock. */
  async settled(kind: EntityKind): Promise<void> {
    await this.finished.get(kind);
  }

  /** Graceful shutdown: every local run stops at a checkpoint and releases its lock. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.active.keys()].map((k) => this.stop(k, 'interrupted').catch(() => undefined)));
  }
}

function snapshot(runner: JobRunner<{ id: string }, unknown>): RunReport {
  const r = runner.report;
  const elapsed = (Date.now() - Date.parse(r.startedAt)) / 1000;
  return {
    ...r,
    counts: copyCounts(r.counts),
    lastErrors: [...r.lastErrors],
    elapsedSeconds: Math.round(elapsed * 10) / 10,
  };
}
