/**
 * Loads by key, many at once: keys asked for within `waitMs` of each other (or until `maxKeys`) are fetched in
 * one call of `load`, and each caller gets its own value. Concurrent notifications that each need an order or
 * a product thus share one commercetools query instead of one each. A value may be kept for `ttlMs` (products:
 * their names and images change rarely; orders are never kept). A failed load fails every caller of that load.
 */
export class BatchLoader<V> {
  private pending = new Map<string, Array<{ resolve: (v: V | undefined) => void; reject: (e: unknown) => void }>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly cache = new Map<string, { at: number; value: V }>();

  constructor(
    private readonly load: (keys: string[]) => Promise<Map<string, V>>,
    private readonly options: { waitMs: number; maxKeys: number; ttlMs?: number; maxCached?: number },
  ) {}

  get(key: string): Promise<V | undefined> {
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < (this.options.ttlMs ?? 0)) return Promise.resolve(cached.value);
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (this.pending.size >= this.options.maxKeys) this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.options.waitMs);
        this.timer.unref();
      }
    });
  }

  async getMany(keys: string[]): Promise<V[]> {
    const values = await Promise.all([...new Set(keys)].map((k) => this.get(k)));
    return values.filter((v): v is Awaited<V> => v !== undefined) as V[];
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    this.load([...batch.keys()]).then(
      (values) => {
        const now = Date.now();
        for (const [key, callers] of batch) {
          const value = values.get(key);
          if (value !== undefined && this.options.ttlMs) {
            this.cache.set(key, { at: now, value });
            if (this.cache.size > (this.options.maxCached ?? 10_000))
              this.cache.delete(this.cache.keys().next().value as string);
          }
          for (const c of callers) c.resolve(value);
        }
      },
      (e: unknown) => {
        for (const callers of batch.values()) for (const c of callers) c.reject(e);
      },
    );
  }
}
