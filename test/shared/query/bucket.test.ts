import { describe, expect, it } from 'vitest';
import { counterDelta, rawBucket, summarize } from '../../../shared/query/bucket.js';

describe('buckets', () => {
  it.each([
    [10, 25, 15],
    [25, 25, 0],
    // A drop is a reset: the new value counts from zero.
    [25, 5, 5],
    [25, 0, 0],
  ])('counterDelta(%d, %d) = %d', (prev, next, delta) => {
    expect(counterDelta(prev, next)).toBe(delta);
  });

  it('summarises values into a rollup bucket with a reset-aware increase', () => {
    // 5 -> 7 (+2) -> 3 (reset, +3) -> 4 (+1).
    expect(summarize(60_000, [5, 7, 3, 4])).toEqual({ ts: 60_000, min: 3, max: 7, sum: 19, count: 4, first: 5, last: 4, increase: 6 });
    expect(summarize(0, [42])).toEqual(rawBucket(0, 42));
    expect(summarize(0, [])).toBeNull();
  });

  it('makes a raw sample a bucket of count 1 with no increase', () => {
    expect(rawBucket(5, 631.95)).toEqual({ ts: 5, min: 631.95, max: 631.95, sum: 631.95, count: 1, first: 631.95, last: 631.95, increase: 0 });
  });
});
