/**
 * Groups items into batches bounded by count and by serialized size. Pure: feed items, get full batches.
 */
export class Batcher<T> {
  private items: T[] = [];
  private bytes: number;

  constructor(
    private readonly maxItems: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
    private readonly envelopeBytes = 256,
  ) {
    this.bytes = envelopeBytes;
  }

  /** Adds an item; returns the batch that was full before it, if any. */
  add(item: T): T[] | undefined {
    const size = this.sizeOf(item) + 1;
    let closed: T[] | undefined;
    if (this.items.length > 0 && (this.items.length >= this.maxItems || this.bytes + size > this.maxBytes)) closed = this.flush();
    this.items.push(item);
    this.bytes += size;
    return closed;
  }

  flush(): T[] | undefined {
    if (this.items.length === 0) return undefined;
    const out = this.items;
    this.items = [];
    this.bytes = this.envelopeBytes;
    return out;
  }

  get size(): number {
    return this.items.length;
  }
}
