import { sleep } from '../core/abort.ts';
import type { KlaviyoOperation } from './operations.ts';

/**
 * The windows, widened a little: a request counted when it leaves here reaches Klaviyo a moment later (the
 * event loop, the network), and Klaviyo counts fixed windows by arrival. With many requests of one operation
 * in flight (job polls), that jitter alone could put one request too many into a window; the margin absorbs it.
 */
const SECOND_MS = 1000 + 100;
const MINUTE_MS = 60_000 + 1000;

/** Requests sent in the last minute, oldest first. */
class Window {
  readonly sent: number[] = [];
  pausedUntil = 0;

  prune(now: number): void {
    while (this.sent.length && this.sent[0] <= now - MINUTE_MS) this.sent.shift();
  }

  countSince(t: number): number {
    let n = 0;
    for (let i = this.sent.length - 1; i >= 0 && this.sent[i] > t; i--) n++;
    return n;
  }
}

export interface RateLimiterStats {
  waits: number;
  waitedMs: number;
}

/**
 * Client-side pacing per Klaviyo operation for one API key. Klaviyo counts fixed 1 s and 60 s windows; we
 * keep the same counts over sliding windows, which is never more than any fixed window allows, so we do not
 * trip them. A 429's Retry-After, or `RateLimit-Remaining: 0`, pauses the operation until the window resets.
 * Callers of one operation are served in order (no thundering herd after a pause).
 */
export class KlaviyoRateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly queues = new Map<string, Promise<void>>();
  readonly stats: RateLimiterStats = { waits: 0, waitedMs: 0 };

  constructor(
    private readonly overrides: Readonly<Record<string, { burstPerSecond: number; steadyPerMinute: number }>> = {},
    private readonly now: () => number = Date.now,
  ) {}

  /** The limits in force for an operation: configured overrides, else the published ones. */
  limitsOf(op: KlaviyoOperation): KlaviyoOperation {
    const o = this.overrides[op.id];
    return o ? { id: op.id, ...o } : op;
  }

  private window(op: KlaviyoOperation): Window {
    let w = this.windows.get(op.id);
    if (!w) {
      w = new Window();
      this.windows.set(op.id, w);
    }
    return w;
  }

  /** Resolves when a request of `op` may be sent, and counts it as sent. */
  acquire(op: KlaviyoOperation, signal?: AbortSignal): Promise<void> {
    const previous = this.queues.get(op.id) ?? Promise.resolve();
    const limits = this.limitsOf(op);
    const mine = previous.catch(() => undefined).then(() => this.waitForSlot(limits, signal));
    this.queues.set(
      op.id,
      mine.catch(() => undefined),
    );
    return mine;
  }

  private async waitForSlot(op: KlaviyoOperation, signal?: AbortSignal): Promise<void> {
    const w = this.window(op);
    for (;;) {
      const now = this.now();
      w.prune(now);
      let waitMs = Math.max(0, w.pausedUntil - now);
      if (w.sent.length >= op.steadyPerMinute)
        waitMs = Math.max(waitMs, w.sent[w.sent.length - op.steadyPerMinute] + MINUTE_MS - now);
      const inLastSecond = w.countSince(now - SECOND_MS);
      if (inLastSecond >= op.burstPerSecond)
        waitMs = Math.max(waitMs, w.sent[w.sent.length - op.burstPerSecond] + SECOND_MS - now);
      if (waitMs <= 0) {
        w.sent.push(now);
        return;
      }
      this.stats.waits++;
      this.stats.waitedMs += waitMs;
      await sleep(waitMs + 1, signal);
    }
  }

  /** How long a request of `op` would wait now for its slot (0: it could go at once); counts nothing. */
  waitMsFor(op: KlaviyoOperation): number {
    const limits = this.limitsOf(op);
    const w = this.window(limits);
    const now = this.now();
    w.prune(now);
    let waitMs = Math.max(0, w.pausedUntil - now);
    if (w.sent.length >= limits.steadyPerMinute)
      waitMs = Math.max(waitMs, w.sent[w.sent.length - limits.steadyPerMinute] + MINUTE_MS - now);
    if (w.countSince(now - SECOND_MS) >= limits.burstPerSecond)
      waitMs = Math.max(waitMs, w.sent[w.sent.length - limits.burstPerSecond] + SECOND_MS - now);
    return waitMs;
  }

  /** Klaviyo said to wait (429 Retry-After, or nothing remaining until reset). */
  pause(op: KlaviyoOperation, ms: number): void {
    const w = this.window(op);
    w.pausedUntil = Math.max(w.pausedUntil, this.now() + ms);
  }
}
