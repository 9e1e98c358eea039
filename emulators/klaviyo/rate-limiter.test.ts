import { describe, expect, it } from 'vitest';
import { FixedWindowRateLimiter } from './rate-limiter.ts';

const LIMIT = { burstPerSecond: 3, steadyPerMinute: 5 };

describe('FixedWindowRateLimiter', () => {
  it('throttles past the burst window and allows again in the next second', () => {
    const rl = new FixedWindowRateLimiter(1);
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => rl.take('k', LIMIT, t0).isAllowed)).toEqual([true, true, true]);
    const denied = rl.take('k', LIMIT, t0 + 10);
    expect(denied.isAllowed).toBe(false);
    expect(denied.retryAfterSeconds).toBe(1);
    expect(rl.take('k', LIMIT, t0 + 1000).isAllowed).toBe(true);
  });

  it('throttles past the steady window until the minute is over, and reports remaining and reset', () => {
    const rl = new FixedWindowRateLimiter(1);
    const t0 = 5_000_000;
    const first = rl.take('k', LIMIT, t0);
    expect(first).toMatchObject({ isAllowed: true, limit: 5, remaining: 4, resetSeconds: 60 });
    for (let i = 1; i < 5; i++) expect(rl.take('k', LIMIT, t0 + i * 1000).isAllowed).toBe(true);
    const denied = rl.take('k', LIMIT, t0 + 10_000);
    expect(denied).toMatchObject({ isAllowed: false, remaining: 0, retryAfterSeconds: 50 });
    expect(rl.take('k', LIMIT, t0 + 60_000).isAllowed).toBe(true);
  });

  it('keeps separate windows per key (account and operation)', () => {
    const rl = new FixedWindowRateLimiter(1);
    for (let i = 0; i < 3; i++) rl.take('a', LIMIT, 0);
    expect(rl.take('a', LIMIT, 1).isAllowed).toBe(false);
    expect(rl.take('b', LIMIT, 1).isAllowed).toBe(true);
  });

  it('shrinks both windows by the speed-up factor and reports fractional Retry-After', () => {
    const rl = new FixedWindowRateLimiter(60);
    for (let i = 0; i < 5; i++) rl.take('k', LIMIT, i * 20);
    const denied = rl.take('k', LIMIT, 100);
    expect(denied.isAllowed).toBe(false);
    expect(denied.retryAfterSeconds).toBeCloseTo(0.9, 3);
    expect(rl.take('k', LIMIT, 1000).isAllowed).toBe(true);
  });

  it('with a daily limit spent: remaining 0 on the last allowed call, and the wait and reset run to the day', () => {
    const rl = new FixedWindowRateLimiter(1);
    const limit = { burstPerSecond: 10, steadyPerMinute: 150, perDay: 3 };
    expect(rl.take('d', limit, 0).remaining).toBe(2);
    expect(rl.take('d', limit, 1000).remaining).toBe(1);
    const last = rl.take('d', limit, 2000);
    expect(last).toMatchObject({ isAllowed: true, remaining: 0 });
    expect(last.resetSeconds).toBeGreaterThan(60);
    const denied = rl.take('d', limit, 120_000);
    expect(denied.isAllowed).toBe(false);
    expect(denied.retryAfterSeconds).toBeGreaterThan(60);
    expect(denied.resetSeconds).toBe(denied.retryAfterSeconds);
  });
});
