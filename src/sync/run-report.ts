import type { EntityKind } from '../core/entity-kind.ts';
import type { JobRef } from '../core/job-progress.ts';
import type { ConsentResult, RecordOutcome } from '../core/record-outcome.ts';

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
  /** A delta: only the records whose lastModifiedAt is at or after this instant (ISO 8601). */
  modifiedSince?: string;
  /** A delta from the high-water mark of the last completed run of the type (less a small overlap). */
  delta?: boolean;
  /** A delta: the records the previous delta failed, read again after its window. Set by the service. */
  retryIds?: string[];
  /**
   * When the run (its first part, for a resumed run) started: a delta reads what was modified before it, and a
   * completed full or delta run leaves it as the high-water mark of the next delta. Set by the service.
   */
  asOf?: string;
}

/** The window of lastModifiedAt a delta run reads, or undefined for a full run. */
export function modifiedWindow(options: RunOptions): { since: string; before: string } | undefined {
  return options.modifiedSince && options.asOf ? { since: options.modifiedSince, before: options.asOf } : undefined;
}

export interface RecordOutcomeNote {
  id: string;
  /**
   * `warning`: the record was imported, with something left out (e.g. a variant without SKU). A record whose
   * marketing consent was not sent is `skipped` with `consent` naming the channels, though its profile was imported.
   */
  outcome: 'failed' | 'skipped' | 'warning';
  consent?: Array<ConsentResult['channel']>;
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
  /** Runs that sync marketing consent: what happened to each channel (a dry run: what would). */
  consent?: ConsentCounts;
}

export type ConsentTally = Record<ConsentResult['result'], number>;
export type ConsentCounts = Record<ConsentResult['channel'], ConsentTally>;

const COUNT_KEYS = ['read', 'succeeded', 'failed', 'skipped'] as const;
/** A record count of a run (the consent counts aside). */
export type CountField = (typeof COUNT_KEYS)[number];

function emptyTally(): ConsentTally {
  return { subscribed: 0, unsubscribed: 0, unchanged: 0, skipped: 0, failed: 0 };
}

export function emptyConsentCounts(): ConsentCounts {
  return { email: emptyTally(), sms: emptyTally() };
}

/** A deep copy of counts. */
export function copyCounts(c: RunCounts): RunCounts {
  return {
    ...c,
    ...(c.consent ? { consent: { email: { ...c.consent.email }, sms: { ...c.consent.sms } } } : {}),
  };
}

/** Adds `from` (times `sign`) into `into`, consent included. */
export function addCounts(into: RunCounts, from: RunCounts, sign: 1 | -1 = 1): void {
  for (const k of COUNT_KEYS) into[k] += sign * from[k];
  if (!from.consent) return;
  into.consent ??= emptyConsentCounts();
  for (const ch of ['email', 'sms'] as const)
    for (const [k, v] of Object.entries(from.consent[ch]) as Array<[keyof ConsentTally, number]>)
      into.consent[ch][k] += sign * v;
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
