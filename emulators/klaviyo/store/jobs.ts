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
      processingAt: nowMs + this.timing.queuedMs,
      completeAt: nowMs + this.timing.queuedMs + this.timing.processingMs + total * this.timing.processingMsPerEntry,
      run,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** Moves clock-driven jobs forward; jobs finish in creation order, as a queue would. */
  advance(nowMs: number): void {
    if (this.timing.mode !== 'time') return;
    for (const job of this.jobs.values()) {
      if (job.status === 'queued' && nowMs >= job.processingAt) this.start(job, nowMs);
      if (job.status === 'processing' && nowMs >= job.completeAt) this.finish(job, nowMs);
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
    const outcome = job.run();
    job.status = 'complete';
    job.completed_count = outcome.completed;
    job.failed_count = outcome.failed;
    job.errors = outcome.errors;
    job.resultIds = outcome.resultIds;
    job.completed_at = new Date(nowMs).toISOString();
    job.expires_at = new Date(nowMs + EXPIRY_MS).toISOString();
    job.run = () => outcome;
  }

  clear(): void {
    this.jobs.clear();
  }
}
