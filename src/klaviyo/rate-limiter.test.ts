import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KlaviyoRateLimiter } from './rate-limiter.ts';

const OP = { id: 'op', burstPerSecond: 3, steadyPerMinute: 5 };

describe('KlaviyoRateLimiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function acquiredBy(limiter: KlaviyoRateLimiter, count: number, ms: number, op = OP): Promise<number> {
    let done = 0;
    for (let i = 0; i < count; i++) void limiter.acquire(op).then(() => done++);
    await vi.advanceTimersByTimeAsync(ms);
    return done;
  }

  it('admits the burst at once and the next request only after a second', async () => {
    const limiter = new KlaviyoRateLimiter();
    let done = 0;
    for (let i = 0; i < 4; i++) void limiter.acquire(OP).then(() => done++);
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(3);
    // A margin past the second absorbs the jitter between leaving here and arriving at Klaviyo.
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(4);
  });

  it('keeps to the steady limit per minute', async () => {
    const limiter = new KlaviyoRateLimiter();
    expect(await acquiredBy(limiter, 7, 5_000)).toBe(5);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(limiter.stats.waits).toBeGreaterThan(0);
  });

  it('pauses an operation for Retry-After, and only that operation', async () => {
    const limiter = new KlaviyoRateLimiter();
    limiter.pause(OP, 2_000);
    let paused = false;
    let other = false;
    void limiter.acquire(OP).then(() => (paused = true));
    void limiter.acquire({ ...OP, id: 'other' }).then(() => (other = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(other).toBe(true);
    expect(paused).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(paused).toBe(true);
  });

  it('uses configured limits instead of the published ones', async () => {
    const limiter = new KlaviyoRateLimiter({ op: { burstPerSecond: 1, steadyPerMinute: 100 } });
    expect(await acquiredBy(limiter, 3, 10)).toBe(1);
  });

  it('spreads what the account has left over the rest of its window when other instances use it too', async () => {
    const limiter = new KlaviyoRateLimiter();
    const op = { id: 'shared', burstPerSecond: 10, steadyPerMinute: 150 };
    await limiter.acquire(op);
    // Half the window left, but only 9 requests of the account's budget (others used the rest): one per 3 s.
    limiter.observe(op, 9, 30);
    expect(limiter.waitMsFor(op)).toBe(3_000);
    expect(await acquiredBy(limiter, 3, 2_900, op)).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    // Plenty left (more than this instance alone could use before the reset): no spacing.
    limiter.observe(op, 120, 30);
    expect(limiter.waitMsFor(op)).toBe(0);
    // Alone on the account (what Klaviyo counted is what this instance sent): no spacing, however little is left.
    const alone = new KlaviyoRateLimiter();
    const small = { id: 'alone', burstPerSecond: 10, steadyPerMinute: 5 };
    for (let i = 0; i < 3; i++) await alone.acquire(small);
    alone.observe(small, 2, 50);
    expect(alone.waitMsFor(small)).toBe(0);
    // Nothing left: paused until the reset.
    limiter.observe(op, 0, 12);
    expect(limiter.waitMsFor(op)).toBe(12_000);
  });
});
