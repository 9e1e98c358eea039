import { ulid } from 'ulid';

export type JobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface JobError {
  id: string;
  code: string;
  title: string;
  detail: string;
  source: { pointer: string };
  /** For profile import errors: the entry that failed. */
  original_payload?: unknown;
}

export interface JobOutcome {
  completed: number;
  failed: number;
  errors: JobError[];
  resultIds: string[];
}

export interface Job {
  id: string;
  /** JSON:API type, e.g. `profile-bulk-import-job` or `catalog-item-bulk-create-job`. */
  type: string;
  status: JobStatus;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  expires_at: string | null;
  total_count: number;
  completed_count: number;
  failed_count: number;
  errors: JobError[];
  resultIds: string[];
  /** Lists a job names (suppression jobs by list, profile imports into lists). */
  listIds?: string[];
  polls: number;
  processingAt: number;
  completeAt: number;
  run: () => JobOutcome;
}

export interface JobTiming {
  /** `time`: jobs advance on the clock; `polls`: each GET of a job moves it one state (queued → processing → complete). */
  mode: 'time' | 'polls';
  queuedMs: number;
  processingMs: number;
  processingMsPerEntry: number;
  /**
   * When set, every job takes exactly this long from creation to `complete`, whatever its size: queued for the
   * first tenth, then processing, with `completed_count` growing while it processes (`--job-duration`).
   */
  durationMs?: number;
  /**
   * `entry` (default): job errors point at the entry, `/data/attributes/profiles/data/3/attributes/email`.
   * `field`: they point at the field only, `/data/attributes/email`, and import errors carry no
   * `original_payload` — all Klaviyo's spec promises is a `source.pointer` (`--job-error-pointers field`).
   */
  errorPointers?: 'entry' | 'field';
}

/** `/data/attributes/<collection>/data/<i>/attributes/name` → `/data/attributes/name` (the entry index removed). */
export function withoutEntryIndex(pointer: string): string {
  const m = /^\/data\/attributes\/[^/]+\/data\/\d+(\/.*)?$/.exec(pointer);
  if (!m) return pointer;
  return m[1] ? `/data${m[1]}` : '/data';
}

export const DEFAULT_JOB_TIMING: JobTiming = {
  mode: 'time',
  queuedMs: 20,
  processingMs: 30,
  processingMsPerEntry: 0.002,
};
const EXPIRY_MS = 7 * 24 * 3600 * 1000;

export class JobStore {
  readonly jobs = new Map<string, Job>();

  constructor(private readonly timing: JobTiming) {}

  create(type: string, total: number, nowMs: number, run: () => JobOutcome): Job {
    const job: Job = {
      id: ulid(),
      type,
      status: 'queued',
      created_at: new Date(nowMs).toISOString(),
      started_at: null,
      completed_at: null,
      expires_at: null,
      total_count: total,
      completed_count: 0,
      failed_count: 0,
      errors: [],
      resultIds: [],
      polls: 0,
      ...this.schedule(nowMs, total),
      run,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  private schedule(nowMs: number, total: number): { processingAt: number; completeAt: number } {
    const { durationMs, queuedMs, processingMs, processingMsPerEntry } = this.timing;
    if (durationMs !== undefined) return { processingAt: nowMs + durationMs / 10, completeAt: nowMs + durationMs };
    return {
      processingAt: nowMs + queuedMs,
      completeAt: nowMs + queuedMs + processingMs + total * processingMsPerEntry,
    };
  }

  /** Moves clock-driven jobs forward; jobs finish in creation order, as a queue would. */
  advance(nowMs: number): void {
    if (this.timing.mode !== 'time') return;
    for (const job of this.jobs.values()) {
      if (job.status === 'queued' && nowMs >= job.processingAt) this.start(job, nowMs);
      if (job.status === 'processing' && nowMs >= job.completeAt) this.finish(job, nowMs);
      else if (job.status === 'processing') {
        // Entries are worked through while the job processes; their outcome is known only at the end.
        const done = (nowMs - job.processingAt) / Math.max(1, job.completeAt - job.processingAt);
        job.completed_count = Math.min(job.total_count - 1, Math.floor(job.total_count * done));
      }
    }
  }

  /** A GET of the job: in `polls` mode this is what moves it. */
  poll(job: Job, nowMs: number): void {
    job.polls++;
    if (this.timing.mode !== 'polls') return;
    if (job.status === 'queued') this.start(job, nowMs);
    else if (job.status === 'processing') this.finish(job, nowMs);
  }

  /** Runs every unfinished job now (inspection and tests). */
  finishAll(nowMs: number): void {
    for (const job of this.jobs.values()) {
      if (job.status === 'queued') this.start(job, nowMs);
      if (job.status === 'processing') this.finish(job, nowMs);
    }
  }

  cancel(job: Job, nowMs: number): void {
    if (job.status === 'complete' || job.status === 'cancelled') return;
    job.status = 'cancelled';
    job.completed_at = new Date(nowMs).toISOString();
    job.run = () => ({ completed: 0, failed: 0, errors: [], resultIds: [] });
  }

  inProgress(typePrefix: string): number {
    let n = 0;
    for (const job of this.jobs.values())
      if (job.type.startsWith(typePrefix) && (job.status === 'queued' || job.status === 'processing')) n++;
    return n;
  }

  private start(job: Job, nowMs: number): void {
    job.status = 'processing';
    job.started_at = new Date(nowMs).toISOString();
  }

  private finish(job: Job, nowMs: number): void {
    const outcome = this.withPointerStyle(job.run());
    job.status = 'complete';
    job.completed_count = outcome.completed;
    job.failed_count = outcome.failed;
    job.errors = outcome.errors;
    job.resultIds = outcome.resultIds;
    job.completed_at = new Date(nowMs).toISOString();
    job.expires_at = new Date(nowMs + EXPIRY_MS).toISOString();
    job.run = () => outcome;
  }

  private withPointerStyle(outcome: JobOutcome): JobOutcome {
    if (this.timing.errorPointers !== 'field') return outcome;
    const errors = outcome.errors.map((e) => ({
      ...e,
      source: { pointer: withoutEntryIndex(e.source.pointer) },
      original_payload: null,
    }));
    return { ...outcome, errors };
  }

  clear(): void {
    this.jobs.clear();
  }
}
