import { describe, expect, it } from 'vitest';
import { BatchLoader } from './batch-loader.ts';

describe('BatchLoader', () => {
  it('loads keys asked for together in one call, each caller getting its own value', async () => {
    const calls: string[][] = [];
    const loader = new BatchLoader<string>(
      async (keys) => {
        calls.push(keys);
        return new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.toUpperCase()]));
      },
      { waitMs: 5, maxKeys: 100 },
    );
    const values = await Promise.all(['a', 'b', 'a', 'gone'].map((k) => loader.get(k)));
    expect(values).toEqual(['A', 'B', 'A', undefined]);
    expect(calls).toEqual([['a', 'b', 'gone']]);
  });

  it('loads at once when maxKeys are waiting, and splits the rest into the next call', async () => {
    const calls: number[] = [];
    const loader = new BatchLoader<number>(
      async (keys) => {
        calls.push(keys.length);
        return new Map(keys.map((k) => [k, Number(k)]));
      },
      { waitMs: 1_000, maxKeys: 3 },
    );
    const gets = ['1', '2', '3', '4'].map((k) => loader.get(k));
    // The first three went without waiting for the window; the fourth waits for its own call.
    expect(calls).toEqual([3]);
    expect(await Promise.all(gets.slice(0, 3))).toEqual([1, 2, 3]);
    expect(calls).toEqual([3]);
    expect(await gets[3]).toBe(4);
    expect(calls).toEqual([3, 1]);
  });

  it('keeps values for ttlMs when asked, and fails every caller of a failed load', async () => {
    let loads = 0;
    const loader = new BatchLoader<string>(
      async (keys) => {
        loads++;
        if (keys.includes('boom')) throw new Error('commercetools unavailable');
        return new Map(keys.map((k) => [k, k]));
      },
      { waitMs: 1, maxKeys: 100, ttlMs: 60_000 },
    );
    await loader.get('p1');
    await loader.get('p1');
    expect(loads).toBe(1);
    const both = await Promise.allSettled([loader.get('boom'), loader.get('p2')]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
