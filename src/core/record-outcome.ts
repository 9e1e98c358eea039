/**
 * What happened to one record of a batch, in the one shape every writer returns and the job runner counts:
 * succeeded, or failed with a reason (Klaviyo's `code` and JSON `pointer` when it gave them).
 */
export type RecordOutcome =
  | { id: string; outcome: 'succeeded'; consent?: ConsentResult[] }
  | { id: string; outcome: 'failed'; reason: string; code?: string; pointer?: string; consent?: ConsentResult[] };

/**
 * What happened to one channel of a record's marketing consent (a customer's, or a guest order's): `skipped` and
 * `failed` carry the reason; `unchanged` may (an opt-out of someone not on the list).
 */
export interface ConsentResult {
  channel: 'email' | 'sms';
  result: 'subscribed' | 'unsubscribed' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
}

/** A record of a batch: the caller's id and what is written for it. */
export interface BatchEntry<T> {
  id: string;
  item: T;
}
