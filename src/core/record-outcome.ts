/**
 * What happened to one record of a batch, in the one shape every writer returns and the job runner counts:
 * succeeded, or failed with a reason (Klaviyo's `code` and JSON `pointer` when it gave them).
 */
export type RecordOutcome =
  | { id: string; outcome: 'succeeded' }
  | { id: string; outcome: 'failed'; reason: string; code?: string; pointer?: string };

/** A record of a batch: the caller's id and what is written for it. */
export interface BatchEntry<T> {
  id: string;
  item: T;
}
