import type { RateLimit } from './operations.ts';

export interface RateDecision {
  isAllowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the steady window resets (for RateLimit-Reset). */
  resetSeconds: number;
  /** Seconds until a throttled caller may try again (for Retry-After). */
  retryAfterSeconds: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * Klaviyo's model: per account and operation, a burst window of 1 s and a steady window of 60 s, both fixed
 * windows. `speedUp` shrinks both windows (a factor of 60 makes the steady window one second) so tests can
 * cross window boundaries quickly; the counts stay the published ones. Operations with a published daily
 * limit (`create_list`: 150/d) also have a fixed 24 h window, shrunk by the same factor.
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, { burst: Window; steady: Window; day: Window }>();

  constructor(private readonly speedUp: number) {}

  private get burstMs(): number {
    return 1000 / this.speedUp;
  }

  private get steadyMs(): number {
    return 60_000 / this.speedUp;
  }

  private get dayMs(): number {
    return 86_400_000 / this.speedUp;
  }

  take(key: string, limit: RateLimit, now: number): RateDecision {
    let w = this.windows.get(key);
    if (!w) {
      w = { burst: { start: now, count: 0 }, steady: { start: now, count: 0 }, day: { start: now, count: 0 } };
      this.windows.set(key, w);
    }
    if (now - w.burst.start >= this.burstMs)
      w.burst = { start: now - ((now - w.burst.start) % this.burstMs), count: 0 };
    if (now - w.steady.start >= this.steadyMs)
      w.steady = { start: now - ((now - w.steady.start) % this.steadyMs), count: 0 };
    if (now - w.day.start >= this.dayMs) w.day = { start: now - ((now - w.day.start) % this.dayMs), count: 0 };
    const steadyResetMs = w.steady.start + this.steadyMs - now;
    const burstResetMs = w.burst.start + this.burstMs - now;
    const dayResetMs = w.day.start + this.dayMs - now;
    const isDayFull = limit.perDay !== undefined && w.day.count >= limit.perDay;
    const isSteadyFull = w.steady.count >= limit.steadyPerMinute;
    const isBurstFull = w.burst.count >= limit.burstPerSecond;
    if (isDayFull || isSteadyFull || isBurstFull) {
      const waitMs = isDayFull ? dayResetMs : isSteadyFull ? steadyResetMs : burstResetMs;
      return {
        isAllowed: false,
        limit: limit.steadyPerMinute,
        remaining: 0,
        // With the day's budget spent, the steady window's reset would promise room that is not there.
        resetSeconds: this.toSeconds(isDayFull ? dayResetMs : steadyResetMs),
        retryAfterSeconds: this.toSeconds(waitMs),
      };
    }
    w.burst.count++;
    w.steady.count++;
    w.day.count++;
    return {
      isAllowed: true,
      limit: limit.steadyPerMinute,
      // Never more room than the day has left: the 150th create_list of a day leaves 0, not the minute's 149.
      remaining: Math.min(
        limit.steadyPerMinute - w.steady.count,
        limit.perDay === undefined ? Number.POSITIVE_INFINITY : limit.perDay - w.day.count,
      ),
      resetSeconds: this.toSeconds(
        limit.perDay !== undefined && w.day.count >= limit.perDay ? dayResetMs : steadyResetMs,
      ),
      retryAfterSeconds: 0,
    };
  }

  /** Whole seconds at real speed (as Klaviyo sends); fractional seconds when sped up. */
  private toSeconds(ms: number): number {
    const s = Math.max(ms, 0) / 1000;
    return this.speedUp === 1 ? Math.max(1, Math.ceil(s)) : Math.max(0.001, Math.round(s * 1000) / 1000);
  }

  reset(): void {
    this.windows.clear();
  }
}
