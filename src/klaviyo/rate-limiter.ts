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
  /** What Klaviyo last said is left of the account's window (all instances sharing the key): spread over its rest. */
  spacingMs = 0;
  spacingUntil = 0;

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
      let waitMs = Math.max(0, w.pausedUntil - now, spacingWait(w, now));
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
    let waitMs = Math.max(0, w.pausedUntil - now, spacingWait(w, now));
    if (w.sent.length >= limits.steadyPerMinute)
      waitMs = Math.max(waitMs, w.sent[w.sent.length - limits.steadyPerMinute] + MINUTE_MS - now);
    if (w.countSince(now - SECOND_MS) >= limits.burstPerSecond)
      waitMs = Math.max(waitMs, w.sent[w.sent.length - limits.burstPerSecond] + SECOND_MS - now);
    return waitMs;
  }

  /**
   * What Klaviyo said is left of the account's current window for `op` (`RateLimit-Remaining`, `RateLimit-Reset`),
   * which counts every instance using the key. Nothing left: paused until the reset. Less left than this instance
   * alone could use before the reset: its requests are spread evenly over the rest of the window, so instances
   * sharing an account slow down together (their batches grow meanwhile) instead of running out early and stalling.
   */
  observe(op: KlaviyoOperation, remaining: number, resetSeconds: number): void {
    if (!Number.isFinite(remaining) || !Number.isFinite(resetSeconds) || resetSeconds <= 0 || remaining < 0) return;
    const w = this.window(op);
    const now = this.now();
    const resetMs = resetSeconds * 1000;
    if (remaining === 0) {
      this.pause(op, resetMs);
      return;
    }
    const limits = this.limitsOf(op);
    // Alone on the account, what Klaviyo counted is what this instance sent (all of it within its last minute):
    // nothing to spread, the instance's own pacing suffices. Others' requests show as budget used beyond its own.
    w.prune(now);
    const usedByOthers = limits.steadyPerMinute - remaining - w.sent.length;
    // What this instance alone would be allowed before the reset: only a smaller budget needs spreading.
    const ownShare = (limits.steadyPerMinute * resetMs) / MINUTE_MS;
    w.spacingMs = usedByOthers > OTHERS_SLACK && remaining < ownShare ? resetMs / (remaining + 1) : 0;
    w.spacingUntil = now + resetMs;
  }

  /** Klaviyo said to wait (429 Retry-After, or nothing remaining until reset). */
  pause(op: KlaviyoOperation, ms: number): void {
    const w = this.window(op);
    w.pausedUntil = Math.max(w.pausedUntil, this.now() + ms);
  }
}

/** Requests of the account's window not explained by this instance's before it counts others as sharing it. */
const OTHERS_SLACK = 2;

/** How long the account-wide spacing (`observe`) still asks to wait after this instance's last request. */
function spacingWait(w: Window, now: number): number {
  if (w.spacingMs <= 0 || now >= w.spacingUntil || w.sent.length === 0) return 0;
  return Math.max(0, w.sent[w.sent.length - 1] + w.spacingMs - now);
}
