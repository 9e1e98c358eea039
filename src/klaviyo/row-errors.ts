import type { RecordOutcome } from '../core/record-outcome.ts';

/** Klaviyo's reason for one row of a batch: its error code, detail and JSON pointer. */
export interface RowError {
  code: string;
  detail: string;
  pointer: string;
}

/**
 * The row a Klaviyo error points at: the index after `collection` in its JSON pointer
 * (`/data/attributes/profiles/data/17/attributes/email` → 17 for `/data/attributes/profiles/data`), or
 * undefined when the pointer names no row of a batch of `size`.
 */
export function rowIndex(pointer: string | undefined, collection: string, size: number): number | undefined {
  if (!pointer?.startsWith(`${collection}/`)) return undefined;
  const m = /^(\d+)(?:\/|$)/.exec(pointer.slice(collection.length + 1));
  if (!m) return undefined;
  const index = Number(m[1]);
  return index < size ? index : undefined;
}

/** The outcome of each entry of a batch from the errors by row: failed with Klaviyo's reason, or succeeded. */
export function outcomesByRow(
  batch: ReadonlyArray<{ id: string }>,
  errors: ReadonlyMap<number, RowError>,
  what: string,
): RecordOutcome[] {
  return batch.map((b, i) => {
    const e = errors.get(i);
    return e
      ? { id: b.id, outcome: 'failed', reason: `${what}: ${e.detail}`, code: e.code, pointer: e.pointer }
      : { id: b.id, outcome: 'succeeded' };
  });
}
