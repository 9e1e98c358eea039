/**
 * Groups items into batches bounded by count and by serialized size. Pure: feed items, get full batches.
 */
export class Batcher<T> {
  private items: T[] = [];
  private bytes: number;
  private weight = 0;

  /**
   * `maxWeight` bounds the sum of `weightOf` (1 per item by default: a count of items; the number of events
   * for orders).
   */
  constructor(
    private readonly maxWeight: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
    private readonly envelopeBytes = 256,
    private readonly weightOf: (item: T) => number = () => 1,
  ) {
    this.bytes = envelopeBytes;
  }

  /** Adds an item; returns the batch that was full before it, if any. */
  add(item: T): T[] | undefined {
    const size = this.sizeOf(item) + 1;
    const weight = this.weightOf(item);
    let closed: T[] | undefined;
    if (this.items.length > 0 && (this.weight + weight > this.maxWeight || this.bytes + size > this.maxBytes))
      closed = this.flush();
    this.items.push(item);
    this.bytes += size;
    this.weight += weight;
    return closed;
  }

  flush(): T[] | undefined {
    if (this.items.length === 0) return undefined;
    const out = this.items;
    this.items = [];
    this.bytes = this.envelopeBytes;
    this.weight = 0;
    return out;
  }

  get size(): number {
    return this.items.length;
  }
}
