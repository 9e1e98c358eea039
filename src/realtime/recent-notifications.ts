import type { Notification } from './notification.ts';

/**
 * Remembers recently handled notifications, so a redelivered one is applied once. Keyed by what the notification
 * is (its project, id, resource, version and type), never by the transport's delivery id alone, so a reused
 * delivery id cannot hide a different notification. Bounded by count, bytes and age.
 */
export class RecentNotifications {
  private readonly seen = new Map<string, number>();
  private bytes = 0;

  constructor(
    private readonly limits = { maxEntries: 20_000, maxBytes: 8_000_000, maxAgeMs: 60 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {}

  static keyOf(n: Notification): string {
    return JSON.stringify([
      n.projectKey ?? null,
      n.id,
      n.resourceType ?? null,
      n.resourceId ?? null,
      n.version ?? null,
      n.type ?? null,
    ]);
  }

  has(n: Notification): boolean {
    const at = this.seen.get(RecentNotifications.keyOf(n));
    return at !== undefined && this.now() - at < this.limits.maxAgeMs;
  }

  add(n: Notification): void {
    const key = RecentNotifications.keyOf(n);
    if (this.seen.has(key)) this.forget(key);
    this.seen.set(key, this.now());
    this.bytes += key.length * 2;
    for (const [oldest, at] of this.seen) {
      const isOver = this.seen.size > this.limits.maxEntries || this.bytes > this.limits.maxBytes;
      if (!isOver && this.now() - at < this.limits.maxAgeMs) break;
      this.forget(oldest);
    }
  }

  private forget(key: string): void {
    this.seen.delete(key);
    this.bytes -= key.length * 2;
  }
}
