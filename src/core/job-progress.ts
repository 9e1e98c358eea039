import type { RecordOutcome } from './record-outcome.ts';

/** A job an external service accepted for a batch, as a checkpoint records it so that another process can finish it. */
export interface JobRef {
  /** What the job is, for the writer that finishes it (e.g. `profile-import`, `catalog:category:create`). */
  kind: string;
  id: string;
}

/** What a writer tells the runner while a batch is in flight. */
export interface WriteProgress {
  /** Klaviyo accepted the batch's jobs; `settled` are the records whose outcome is already final (refused before). */
  submitted(jobs: JobRef[], settled: RecordOutcome[]): void;
}

/** The outcome of a batch whose jobs a stopped or crashed run left in flight, finished by a later run. */
export interface RecoveredBatch {
  succeeded: number;
  failures: Array<Extract<RecordOutcome, { outcome: 'failed' }>>;
}
