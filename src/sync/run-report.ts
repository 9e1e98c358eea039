import type { EntityKind } from '../core/entity-kind.ts';
import type { JobRef } from '../core/job-progress.ts';
import type { RecordOutcome } from '../core/record-outcome.ts';

export type RunStatus = 'running' | 'completed' | 'failed' | 'stopped' | 'interrupted';

export interface RunOptions {
  ids?: string[];
  startId?: string;
  resume?: boolean;
  /** Orders: only those created at or after this instant (ISO 8601). */
  since?: string;
  /** Orders: only those created before this instant. */
  until?: string;
  /** Orders: send events with Klaviyo's backfill flag (no flows triggered). Default true. */
  backfill?: boolean;
  /** Categories/products: delete every catalog resource of this type in Klaviyo instead of importing. */
  deleteAll?: boolean;
  /** Must name the type (`categories` or `products`) when deleteAll is set. */
  confirmDeletion?: string;
  /** Read and map everything and check it against Klaviyo's limits, but write nothing. */
  dryRun?: boolean;
}

export interface RecordOutcomeNote {
  id: string;
  /** `warning`: the record was imported, with something left out (e.g. a variant without SKU). */
  outcome: 'failed' | 'skipped' | 'warning';
  reason: string;
  code?: string;
  pointer?: string;
  at: string;
}

export interface RunCounts {
  read: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

/**
 * A segment past the checkpoint's cursor that a later process can take over: done (its counts are final), or
 * with jobs Klaviyo accepted (finished by polling them, not by sending the records again).
 */
export interface InFlightSegment {
  endId: string;
  /** Its counts so far: for a segment with jobs, what was read, skipped and failed before sending. */
  counts: RunCounts;
  isDone: boolean;
  jobs?: JobRef[];
  settled?: RecordOutcome[];
  /** Records the jobs carry (the batch less its settled records). */
  unconfirmed?: number;
}

/** What GET /sync/<type> shows, and what the checkpoint in commercetools holds. */
export interface RunReport {
  jobId: string;
  type: EntityKind;
  status: RunStatus;
  options: RunOptions;
  owner: string;
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  /** Last id whose record, and every record before it, has a known outcome. Resume continues after it. */
  cursor?: string;
  counts: RunCounts;
  /** Records per second over this run's elapsed time. */
  recordsPerSecond: number;
  total?: number;
  etaSeconds?: number;
  elapsedSeconds: number;
  lastErrors: RecordOutcomeNote[];
  error?: { code: string; message: string };
  resumedFrom?: string;
  /** Dry runs: a few payloads as they would have been sent. */
  samples?: unknown[];
  /** Bulk jobs Klaviyo has accepted and not finished yet, and the records they carry. */
  jobsInFlight?: number;
  recordsUnconfirmed?: number;
  /** Checkpoint: the segments past the cursor a resume takes over (see InFlightSegment). */
  inFlight?: InFlightSegment[];
}

/** Every failed or skipped record of a run (bounded), for GET /sync/<type>/failures and retry-failed. */
export interface FailureReport {
  jobId: string;
  type: EntityKind;
  failures: RecordOutcomeNote[];
  /** Records that failed or were skipped beyond the bound, counted but not kept. */
  notKept: number;
}

export const MAX_KEPT_FAILURES = 5_000;

export const MAX_LAST_ERRORS = 50;

export function emptyCounts(): RunCounts {
  return { read: 0, succeeded: 0, failed: 0, skipped: 0 };
}
