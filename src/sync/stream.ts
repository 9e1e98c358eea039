import type { EntityKind } from '../core/entity-kind.ts';
import type { RunOptions } from './run-report.ts';

export interface SourcePage<R> {
  records: R[];
  missingIds: string[];
}

export type Mapped<I> =
  | { kind: 'item'; id: string; item: I; bytes: number; /** Counted against maxBatchItems; default 1. */ weight?: number; warnings?: string[] }
  | { kind: 'skip'; id: string; reason: string }
  /** Mapped, but known to be refused by Klaviyo (e.g. over a size limit): failed without sending. */
  | { kind: 'fail'; id: string; reason: string };

export type ItemOutcome = { id: string; outcome: 'succeeded' } | { id: string; outcome: 'failed'; reason: string; code?: string; pointer?: string };

/** What one entity type plugs into the job runner: where records come from, how they map, how they are written. */
export interface StreamDefinition<R extends { id: string }, I> {
  kind: EntityKind;
  pages(options: RunOptions, cursor: string | undefined, signal: AbortSignal): AsyncIterable<SourcePage<R>>;
  /** Total records this run will read, when cheap to know (for the ETA). */
  countTotal?(options: RunOptions, signal: AbortSignal): Promise<number | undefined>;
  map(record: R): Mapped<I>;
  /** Bound on the summed weights of a batch (items, or events for orders). */
  maxBatchItems: number;
  maxBatchBytes: number;
  /** Batches written concurrently. */
  maxInFlight: number;
  /** Writes one batch; every id of the batch gets exactly one outcome. Throws only for run-level failures. */
  write(batch: Array<{ id: string; item: I }>, signal: AbortSignal): Promise<ItemOutcome[]>;
}
