/**
 * How much longer an open batch keeps filling (0: it goes now), for the coalescers of real time: while requests
 * could not go anyway (the rate limit: `waitMs`), it waits with them (re-checking at least every second); while
 * others are being written, until `maxHoldMs` after its first arrival; otherwise it goes.
 */
export function holdMs(o: { waitMs: number; ageMs: number; isBusy: boolean; maxHoldMs: number }): number {
  if (o.waitMs > 0) return Math.min(o.waitMs, 1_000);
  return o.isBusy ? o.maxHoldMs - o.ageMs : 0;
}

/** Keeps the last 1,000 values of a recent-values metric. */
export function remember(list: number[], value: number): void {
  list.push(value);
  if (list.length > 1000) list.shift();
}
