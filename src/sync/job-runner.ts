import { setMaxListeners } from 'node:events';
import { isAbortError } from '../core/abort.ts';
import { AppError, dispositionOf, KlaviyoApiError } from '../core/errors.ts';
import type { JobRef } from '../core/job-progress.ts';
import type { Logger } from '../core/logger.ts';
import { Batcher } from './batcher.ts';
import {
  type CountField,
  emptyCounts,
  type FailureReport,
  type InFlightSegment,
  MAX_KEPT_FAILURES,
  MAX_LAST_ERRORS,
  type RecordOutcomeNote,
  type RunReport,
} from './run-report.ts';
import { type Segment, SegmentLedger } from './segment-ledger.ts';
import type { Mapped, RecordOutcome, StreamDefinition } from './stream.ts';

export interface RunHooks {
  /** Persists the report (checkpoint). Called after finished batches (at most every `saveEveryMs`) and at the end. */
  save(report: RunReport): Promise<void>;
  /** Persists the failure report; called every few seconds when it changed, and at the end. */
  saveFailures?(failures: FailureReport): Promise<void>;
  /** Renews the lease; throws LockLostError when it is gone. Returns true when a stop was requested elsewhere. */
  heartbeat(): Promise<boolean>;
  heartbeatEveryMs: number;
  saveEveryMs?: number;
  progressEveryMs?: number;
  /**
   * How long in-flight batches may finish after a stop before they are abandoned. A stream that can recover
   * its jobs does not wait: its accepted jobs are recorded in the checkpoint and finished by the resume.
   */
  drainTimeoutMs?: number;
}

/**
 * One run of one stream: page → map → batch → write, with bounded read-ahead and in-flight batches. Every
 * record ends succeeded, failed or skipped; the checkpoint cursor only ever passes records whose outcome is
 * known, in id order, so a resume neither skips nor repeats finished work. Jobs Klaviyo has accepted are
 * recorded in the checkpoint, and a resume finishes them first instead of sending their records again.
 */
export class JobRunner<R extends { id: string }, I> {
  readonly report: RunReport;
  private readonly stopController = new AbortController();
  private readonly writeController = new AbortController();
  private readonly ledger: SegmentLedger;
  private lastSaveMs = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  /** The segments a resume can take over, as they were when the run ended (their counts are then taken out). */
  private finalInFlight: InFlightSegment[] | undefined;
  private saving: Promise<void> = Promise.resolve();
  readonly failures: FailureReport;
  private failuresChanged = false;
  private lastFailuresSaveMs = 0;
  private readonly startedMs = Date.now();
  private readonly baseCounts: RunReport['counts'];
  private stopReason: 'stopped' | 'interrupted' | undefined;
  done: Promise<RunReport> | undefined;

  constructor(
    private readonly stream: StreamDefinition<R, I>,
    report: RunReport,
    private readonly hooks: RunHooks,
    private readonly logger: Logger,
  ) {
    this.report = report;
    this.ledger = new SegmentLedger(report);
    this.baseCounts = { ...report.counts };
    this.failures = { jobId: report.jobId, type: report.type, failures: [], notKept: 0 };
    // Every in-flight request and backoff listens to these signals; dozens at once is expected.
    setMaxListeners(0, this.stopController.signal, this.writeController.signal);
  }

  start(): Promise<RunReport> {
    this.done = this.run();
    return this.done;
  }

  /** Cooperative stop: reading ends, in-flight batches finish (or are abandoned after the drain timeout). */
  stop(reason: 'stopped' | 'interrupted' = 'stopped'): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stopController.abort();
    // Batches whose jobs Klaviyo has accepted stop waiting at once: the checkpoint records their jobs and the
    // resume finishes them. A batch still being sent is let finish sending (then stops waiting), so that no job
    // is created twice; whatever is left after the drain timeout is abandoned and read again by the resume.
    if (this.stream.recover) for (const s of this.ledger.unfinished()) if (s.jobs) s.stopWaiting?.();
    setTimeout(() => this.writeController.abort(), this.hooks.drainTimeoutMs ?? 30_000).unref();
  }

  /** Carries the failures of the run being resumed. */
  carryFailures(previous: FailureReport | undefined): void {
    if (!previous) return;
    this.failures.failures.push(...previous.failures);
    this.failures.notKept += previous.notKept;
  }

  /** Keeps the last notes; when full, a skip makes way before a failure does. */
  private note(n: Omit<RecordOutcomeNote, 'at'>): void {
    const list = this.report.lastErrors;
    const entry = { ...n, at: new Date().toISOString() };
    if (n.outcome !== 'warning') {
      if (this.failures.failures.length < MAX_KEPT_FAILURES) this.failures.failures.push(entry);
      else this.failures.notKept++;
      this.failuresChanged = true;
    }
    list.push(entry);
    while (list.length > MAX_LAST_ERRORS) {
      const skip = list.findIndex((e) => e.outcome !== 'failed');
      list.splice(Math.max(skip, 0), 1);
    }
  }

  private refreshRates(): void {
    const elapsed = (Date.now() - this.startedMs) / 1000;
    const c = this.report.counts;
    const processedThisRun =
      c.succeeded +
      c.failed +
      c.skipped -
      (this.baseCounts.succeeded + this.baseCounts.failed + this.baseCounts.skipped);
    this.report.elapsedSeconds = Math.round(elapsed * 10) / 10;
    this.report.recordsPerSecond = elapsed > 0 ? Math.round((processedThisRun / elapsed) * 10) / 10 : 0;
    if (this.report.total !== undefined && this.report.recordsPerSecond > 0) {
      const remaining = Math.max(0, this.report.total - (c.succeeded + c.failed + c.skipped));
      this.report.etaSeconds = Math.round(remaining / this.report.recordsPerSecond);
    }
    Object.assign(this.report, this.ledger.stats());
    this.report.updatedAt = new Date().toISOString();
  }

  private async saveIfDue(force = false): Promise<void> {
    const every = this.hooks.saveEveryMs ?? 1000;
    if (!force && Date.now() - this.lastSaveMs < every) return;
    this.lastSaveMs = Date.now();
    this.refreshRates();
    // The checkpoint counts only what its cursor covers, so a resume after a crash counts nothing twice; the
    // segments past the cursor that a resume can take over travel with their own counts.
    // Saves are chained so a later checkpoint is never overwritten by an earlier one.
    const inFlight = this.finalInFlight ?? this.ledger.inFlight();
    const checkpoint: RunReport = {
      ...this.report,
      counts: this.ledger.coveredCounts(),
      lastErrors: [...this.report.lastErrors],
      ...(inFlight.length ? { inFlight } : { inFlight: undefined }),
    };
    this.saving = this.saving.catch(() => undefined).then(() => this.hooks.save(checkpoint));
    await this.saving;
    await this.saveFailures(force);
  }

  /** A save within `saveEveryMs` (after jobs were accepted: the checkpoint should know them soon). */
  private saveSoon(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      if (this.report.status === 'running') void this.saveIfDue(true).catch((e: unknown) => this.fail(e));
    }, this.hooks.saveEveryMs ?? 1000);
    this.saveTimer.unref();
  }

  private count(segment: Segment, field: CountField): void {
    this.ledger.count(segment, field);
  }

  private apply(outcomes: RecordOutcome[], segment: Segment): void {
    for (const o of outcomes) {
      if (o.outcome === 'succeeded') this.count(segment, 'succeeded');
      else {
        this.count(segment, 'failed');
        this.note({ id: o.id, outcome: 'failed', reason: o.reason, code: o.code, pointer: o.pointer });
      }
      if (!o.consent) continue;
      for (const r of o.consent) this.ledger.countConsent(segment, r);
      // A consent not sent is reported with its reasons (one note per record: the failure report keeps one per id).
      const skipped = o.consent.filter((r) => r.result === 'skipped');
      if (o.outcome === 'succeeded' && skipped.length > 0)
        this.note({
          id: o.id,
          outcome: 'skipped',
          consent: skipped.map((r) => r.channel),
          reason: skipped
            .map((r) => `${r.channel === 'sms' ? 'SMS' : 'email'} consent not sent: ${r.reason}`)
            .join('; '),
        });
    }
  }

  /**
   * A resume first finishes what the interrupted run left past its cursor: done segments are counted as they
   * were, accepted jobs are polled to the end. The cursor moves over each in order; at the first segment whose
   * jobs cannot be finished or attributed, the rest is read and sent again (writes are safe to repeat).
   */
  private async recoverInFlight(): Promise<void> {
    const pending = this.report.inFlight ?? [];
    this.report.inFlight = undefined;
    if (pending.length === 0) return;
    const recover = this.stream.recover;
    const signal = this.writeController.signal;
    const results = await Promise.all(
      pending.map((p) =>
        p.isDone
          ? Promise.resolve(undefined)
          : recover && p.jobs
            ? recover(p.jobs, signal, p.unconfirmed).catch(() => undefined)
            : Promise.resolve(undefined),
      ),
    );
    let recovered = 0;
    for (const [i, p] of pending.entries()) {
      const result = results[i];
      if (!p.isDone && !result) break;
      const segment = this.ledger.open();
      segment.endId = p.endId;
      this.ledger.countAll(segment, p.counts);
      if (result) {
        this.apply([...(p.settled ?? []), ...result.failures], segment);
        this.ledger.count(segment, 'succeeded', result.succeeded);
      }
      segment.isDone = true;
      this.ledger.advance();
      recovered++;
    }
    this.logger.info(
      { kind: this.stream.kind, jobId: this.report.jobId, recovered, of: pending.length, cursor: this.report.cursor },
      'finished the batches the interrupted run left in flight',
    );
    await this.saveIfDue(true);
  }

  private async saveFailures(force: boolean): Promise<void> {
    if (!this.hooks.saveFailures || (!this.failuresChanged && !force)) return;
    if (!force && Date.now() - this.lastFailuresSaveMs < 5000) return;
    this.failuresChanged = false;
    this.lastFailuresSaveMs = Date.now();
    await this.hooks.saveFailures({ ...this.failures, failures: [...this.failures.failures] });
  }

  private async run(): Promise<RunReport> {
    const kind = this.stream.kind;
    let isBeating = false;
    const heartbeat = setInterval(() => {
      // A renewal that is still retrying is not overtaken by the next one.
      if (isBeating) return;
      isBeating = true;
      this.hooks
        .heartbeat()
        .finally(() => (isBeating = false))
        .then((isStopRequested) => {
          if (isStopRequested && !this.stopController.signal.aborted) {
            this.logger.info({ kind, jobId: this.report.jobId }, 'stop requested by another instance');
            this.stop();
          }
        })
        .catch((e: unknown) => this.fail(e));
    }, this.hooks.heartbeatEveryMs);
    heartbeat.unref();
    const progress = setInterval(() => {
      this.refreshRates();
      const c = this.report.counts;
      this.logger.info(
        {
          kind,
          jobId: this.report.jobId,
          ...c,
          recordsPerSecond: this.report.recordsPerSecond,
          etaSeconds: this.report.etaSeconds,
          cursor: this.report.cursor,
        },
        'import progress',
      );
    }, this.hooks.progressEveryMs ?? 5000);
    progress.unref();

    const inFlight = new Set<Promise<void>>();
    try {
      const { reader, limits } = this.stream;
      await this.recoverInFlight();
      if (reader.countTotal && this.report.total === undefined) {
        this.report.total = await reader
          .countTotal(this.report.options, this.stopController.signal)
          .catch(() => undefined);
      }
      const batcher = new Batcher<{ id: string; item: I; bytes: number; weight?: number }>(
        limits.maxBatchItems,
        limits.maxBatchBytes,
        (x) => x.bytes,
        256,
        (x) => x.weight ?? 1,
      );
      let open: Segment = this.ledger.open();
      // Batches whose payloads are still held (not yet accepted by Klaviyo): bounded apart from the batches in
      // flight, so that many slow jobs in flight never mean many payloads in memory.
      const sending = new Set<Promise<void>>();
      const maxSending = limits.maxSending ?? limits.maxInFlight;
      const dispatch = async (batch: Array<{ id: string; item: I }>, segment: Segment) => {
        while (inFlight.size >= limits.maxInFlight || sending.size >= maxSending)
          await Promise.race([...inFlight, ...sending]);
        // Stopped (or failed) while this batch waited for a slot: it is not written, and a resume reads it again.
        if (this.stopController.signal.aborted) return;
        let markSent = () => {};
        const sent: Promise<void> = new Promise<void>((resolve) => {
          markSent = resolve;
        }).finally(() => sending.delete(sent));
        sending.add(sent);
        const p = this.writeBatch(batch, segment, markSent).then(async () => {
          segment.isDone = true;
          // Every move of the cursor is saved at once (one small write per batch of up to 10,000 records).
          await this.saveIfDue(this.ledger.advance());
        });
        // A batch that fails the run (lock lost, Klaviyo auth) fails it here, whenever it settles.
        const tracked: Promise<void> = p.catch((e: unknown) => this.fail(e)).finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
      };

      for await (const page of reader.pages(this.report.options, this.report.cursor, this.stopController.signal)) {
        for (const id of page.missingIds) {
          this.count(open, 'read');
          this.count(open, 'skipped');
          this.note({ id, outcome: 'skipped', reason: 'not found in commercetools' });
        }
        let sinceYield = 0;
        for (const record of page.records) {
          if (this.stopController.signal.aborted) break;
          // Mapping is synchronous: give the event loop a turn now and then so the API stays responsive.
          if (++sinceYield % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
          this.count(open, 'read');
          let mapped: Mapped<I>;
          try {
            mapped = this.stream.map(record);
          } catch (e) {
            mapped = {
              kind: 'skip' as const,
              id: record.id,
              reason: `could not be mapped: ${e instanceof Error ? e.message : String(e)}`,
            };
          }
          if (mapped.kind === 'skip') {
            this.count(open, 'skipped');
            this.note({ id: mapped.id, outcome: 'skipped', reason: mapped.reason });
          } else if (mapped.kind === 'fail') {
            this.count(open, 'failed');
            this.note({ id: mapped.id, outcome: 'failed', reason: mapped.reason });
          } else if (mapped.bytes > limits.maxBatchBytes) {
            this.count(open, 'failed');
            this.note({
              id: mapped.id,
              outcome: 'failed',
              reason: `payload of ${mapped.bytes} bytes exceeds Klaviyo's request limit`,
            });
          } else {
            for (const w of mapped.warnings ?? []) this.note({ id: mapped.id, outcome: 'warning', reason: w });
            const closed = batcher.add(mapped);
            if (closed) {
              // The closed batch ended with the record read before this one, which now opens a new segment.
              const seg = open;
              open = this.ledger.open();
              seg.counts.read--;
              open.counts.read++;
              await dispatch(closed, seg);
            }
          }
          open.endId = page.cursorOf?.(record) ?? record.id;
        }
        const lastMissing = page.missingIds[page.missingIds.length - 1];
        if (lastMissing !== undefined && (open.endId === undefined || lastMissing > open.endId))
          open.endId = lastMissing;
        if (this.stopController.signal.aborted) break;
        await this.saveIfDue();
      }
      if (!this.stopController.signal.aborted) {
        const last = batcher.flush();
        if (last) await dispatch(last, open);
        else {
          open.isDone = true;
          this.ledger.advance();
        }
      }
      await Promise.all(inFlight);
      if (this.report.status === 'running') this.report.status = this.stopReason ?? 'completed';
    } catch (e) {
      await Promise.allSettled(inFlight);
      this.fail(e);
    } finally {
      clearInterval(heartbeat);
      clearInterval(progress);
      clearTimeout(this.saveTimer);
    }
    this.ledger.advance();
    // The final checkpoint keeps the segments a resume can take over; then what the cursor does not cover is
    // taken out of the report's counts (a resume reads it again, or counts it when it takes it over).
    this.finalInFlight = this.ledger.inFlight();
    this.ledger.uncountUncovered();
    this.report.endedAt = new Date().toISOString();
    if (this.report.status === 'running') this.report.status = this.stopReason ?? 'completed';
    this.report.inFlight = this.finalInFlight.length ? this.finalInFlight : undefined;
    await this.saveIfDue(true).catch((e: unknown) =>
      this.logger.error(
        { kind, jobId: this.report.jobId, err: errorSummary(e) },
        'could not save the final checkpoint',
      ),
    );
    const c = this.report.counts;
    this.logger.info(
      {
        kind,
        jobId: this.report.jobId,
        status: this.report.status,
        ...c,
        elapsedSeconds: this.report.elapsedSeconds,
        recordsPerSecond: this.report.recordsPerSecond,
        cursor: this.report.cursor,
      },
      `${kind} import ${this.report.status}: ${c.succeeded} imported, ${c.failed} failed, ${c.skipped} skipped of ${c.read} read in ${this.report.elapsedSeconds} s`,
    );
    return this.report;
  }

  private fail(e: unknown): void {
    if (this.report.status !== 'running') return;
    if (isAbortError(e) && this.stopReason) return;
    this.report.status = 'failed';
    this.report.error = errorSummary(e);
    this.logger.error({ kind: this.stream.kind, jobId: this.report.jobId, err: this.report.error }, 'import failed');
    this.stopController.abort();
    this.writeController.abort();
  }

  /**
   * Writes a batch. An error of the whole batch fails the run when it is fatal (credentials, a lost lease);
   * otherwise (refused, or still failing after the client's retries) it fails the batch's records, with the reason.
   */
  private async writeBatch(
    batch: Array<{ id: string; item: I }>,
    segment: Segment,
    markSent: () => void,
  ): Promise<void> {
    // Only the ids are kept here while the batch is in flight: the writer lets the payloads go once it can.
    const ids = batch.map((b) => b.id);
    segment.unconfirmed = ids.length;
    const waiting = new AbortController();
    setMaxListeners(0, waiting.signal);
    segment.stopWaiting = () => waiting.abort();
    const progress = {
      submitted: (jobs: JobRef[], settled: RecordOutcome[]) => {
        markSent();
        segment.jobs = jobs;
        segment.settled = settled;
        segment.unconfirmed = ids.length - settled.length;
        this.saveSoon();
        if (this.stopReason && this.stream.recover) waiting.abort();
      },
    };
    try {
      const signal = AbortSignal.any([this.writeController.signal, waiting.signal]);
      // A batch of products runs a dozen jobs, each listening for the abort while it is sent and polled.
      setMaxListeners(0, signal);
      const outcomes = await this.stream.write(batch, signal, progress);
      this.apply(outcomes, segment);
      segment.unconfirmed = 0;
    } catch (e) {
      if (isAbortError(e) || dispositionOf(e) === 'fatal') throw e;
      const reason = e instanceof AppError ? e.message : `write failed: ${e instanceof Error ? e.message : String(e)}`;
      const code =
        e instanceof KlaviyoApiError
          ? (e.errors[0]?.code ?? String(e.status))
          : e instanceof AppError
            ? e.code
            : undefined;
      this.apply(
        ids.map((id) => ({ id, outcome: 'failed' as const, reason, code })),
        segment,
      );
      segment.unconfirmed = 0;
    } finally {
      markSent();
    }
  }
}

export function errorSummary(e: unknown): { code: string; message: string } {
  if (e instanceof AppError) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function freshReport(
  base: Omit<RunReport, 'counts' | 'lastErrors' | 'recordsPerSecond' | 'elapsedSeconds' | 'updatedAt' | 'status'>,
): RunReport {
  return {
    ...base,
    status: 'running',
    counts: emptyCounts(),
    lastErrors: [],
    recordsPerSecond: 0,
    elapsedSeconds: 0,
    updatedAt: base.startedAt,
  };
}
