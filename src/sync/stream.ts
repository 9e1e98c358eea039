import type { EntityKind } from '../core/entity-kind.ts';
import type { JobRef, RecoveredBatch, WriteProgress } from '../core/job-progress.ts';
import type { BatchEntry, RecordOutcome } from '../core/record-outcome.ts';
import type { RunOptions } from './run-report.ts';

export type { RecordOutcome };

export interface SourcePage<R> {
  records: R[];
  missingIds: string[];
  /** The cursor a record stands at when it is not its id (a delta pages by lastModifiedAt and id). */
  cursorOf?(record: R): string;
}

export type Mapped<I> =
  | {
      kind: 'item';
      id: string;
      item: I;
      bytes: number /** Counted against maxBatchItems; default 1. */;
      weight?: number;
      warnings?: string[];
    }
  | { kind: 'skip'; id: string; reason: string }
  /** Mapped, but known to be refused by Klaviyo (e.g. over a size limit): failed without sending. */
  | { kind: 'fail'; id: string; reason: string };

/** Where the records of a run come from. */
export interface StreamReader<R> {
  pages(options: RunOptions, cursor: string | undefined, signal: AbortSignal): AsyncIterable<SourcePage<R>>;
  /** Total records this run will read, when cheap to know (for the ETA). */
  countTotal?(options: RunOptions, signal: AbortSignal): Promise<number | undefined>;
}

/** How batches are cut and how many are written at once. */
export interface BatchLimits {
  /** Bound on the summed weights of a batch (items, or events for orders). */
  maxBatchItems: number;
  maxBatchBytes: number;
  /** Batches written concurrently (for writers of jobs: batches whose jobs are in flight). */
  maxInFlight: number;
  /**
   * Batches whose payloads are held at once, until Klaviyo has accepted them (default: maxInFlight). Writers of
   * jobs keep only ids once a job is accepted, so a small number here keeps memory flat however many jobs run.
   */
  maxSending?: number;
}

/**
 * What one entity type plugs into the job runner, as a declaration: a reader (commercetools), a mapper (pure),
 * the limits of its Klaviyo endpoint, and a writer (one Klaviyo adapter function). Nothing here builds a request.
 */
export interface StreamDefinition<R extends { id: string }, I> {
  kind: EntityKind;
  reader: StreamReader<R>;
  map(record: R): Mapped<I>;
  limits: BatchLimits;
  /**
   * Writes one batch; every id of the batch gets exactly one outcome. Throws only for run-level failures. A
   * writer of jobs tells `progress` once Klaviyo has accepted them, so that the run can record them, and may
   * empty `batch` then, so that the payloads are collected while the jobs run (the runner keeps only ids).
   */
  write(batch: Array<BatchEntry<I>>, signal: AbortSignal, progress?: WriteProgress): Promise<RecordOutcome[]>;
  /**
   * What a dry run reports for a batch: it may read Klaviyo (e.g. the consent a profile has) but writes nothing.
   * Without it, every record of a dry run succeeds.
   */
  dryWrite?(batch: Array<BatchEntry<I>>, signal: AbortSignal): Promise<RecordOutcome[]>;
  /**
   * Finishes the jobs of a batch that a stopped or crashed run left in flight (recorded through `progress`);
   * undefined when their outcomes cannot be attributed, and the batch is then read and sent again. `unconfirmed`
   * is how many records of the batch the jobs carry (unknown in checkpoints written before it was recorded).
   */
  recover?(jobs: JobRef[], signal: AbortSignal, unconfirmed?: number): Promise<RecoveredBatch | undefined>;
}
