import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

describe('Batcher', () => {
  it('closes a batch at the item limit', () => {
    const b = new Batcher<number>(3, 1_000_000, () => 1);
    const closed = [1, 2, 3, 4, 5, 6, 7].map((n) => b.add(n)).filter(Boolean);
    expect(closed).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(b.flush()).toEqual([7]);
    expect(b.flush()).toBeUndefined();
  });

  it('closes a batch before the byte limit would be passed, counting the envelope', () => {
    const b = new Batcher<string>(100, 100, (s) => s.length, 10);
    expect(b.add('a'.repeat(40))).toBeUndefined();
    expect(b.add('b'.repeat(40))).toBeUndefined();
    expect(b.add('c'.repeat(40))).toEqual(['a'.repeat(40), 'b'.repeat(40)]);
    expect(b.size).toBe(1);
  });

  it('bounds the sum of weights (events per order) when a weight is given', () => {
    const b = new Batcher<number>(
      10,
      1_000_000,
      () => 1,
      0,
      (n) => n,
    );
    expect(b.add(4)).toBeUndefined();
    expect(b.add(6)).toBeUndefined();
    expect(b.add(1)).toEqual([4, 6]);
  });

  it('never returns an empty batch, even for an item larger than the limit on its own', () => {
    const b = new Batcher<string>(10, 50, (s) => s.length);
    expect(b.add('x'.repeat(500))).toBeUndefined();
    expect(b.add('y')).toEqual(['x'.repeat(500)]);
  });
});
