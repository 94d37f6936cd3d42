import { describe, expect, it } from 'vitest';
import { COUNTER_GAP_MS, counterRates, lastRate } from '../../../../hub/integrations/kubernetes/counter-rate.js';
import { rawBucket, summarize } from '../../../../shared/query/bucket.js';

const raw = (pairs: [number, number][]) => pairs.map(([ts, v]) => rawBucket(ts, v));

describe('counter rates per step (CPU seconds -> cores)', () => {
  it('each pair of readings counts in the step of the later one; a step is its increase over its measured time, not over the whole step', () => {
    // 0..60 s: +30 s of CPU every 20 s (1.5 cores); then 60..120 s one pair: +10 s in 20 s (0.5 cores).
    const got = counterRates(raw([[5_000, 100], [25_000, 130], [45_000, 160], [65_000, 170]]), 0, 120_000, 60_000);
    expect([...got]).toEqual([[0, 1.5], [60_000, 0.5]]);
  });

  it('a reading before start only serves as the previous one; readings at or after end are ignored', () => {
    const got = counterRates(raw([[-10_000, 0], [10_000, 40], [70_000, 1_000]]), 0, 60_000, 60_000);
    expect([...got]).toEqual([[0, 2]]);
  });

  it('a counter reset (new container, agent restart) counts from zero, as PromQL increase() does', () => {
    const got = counterRates(raw([[0, 500], [10_000, 510], [20_000, 4]]), 0, 60_000, 60_000);
    // 10 + 4 over 20 s
    expect([...got]).toEqual([[0, 0.7]]);
  });

  it('readings further apart than the gap limit give no rate (agent down): nothing is spread over the gap', () => {
    const got = counterRates(raw([[0, 0], [COUNTER_GAP_MS + 1, 1_000], [COUNTER_GAP_MS + 10_001, 1_010]]), 0, 3_600_000, 3_600_000);
    expect([...got]).toEqual([[0, 1]]);
    expect(counterRates(raw([[0, 0]]), 0, 60_000, 60_000).size).toBe(0);
  });

  it('on rollup buckets: the increase inside each bucket plus the boundary, over the time between bucket starts', () => {
    const b0 = summarize(0, [0, 6, 12])!;
    const b1 = summarize(60_000, [18, 24, 30])!;
    // 12 -> 18 across the boundary plus 12 inside b1: 18 s of CPU in 60 s.
    expect([...counterRates([b0, b1], 0, 120_000, 60_000)]).toEqual([[60_000, 0.3]]);
  });

  it('lastRate: between the last two readings; null with fewer than two, across a gap, or on a clock that did not advance', () => {
    expect(lastRate(raw([[0, 1], [10_000, 11], [20_000, 41]]))).toBe(3);
    expect(lastRate(raw([[0, 1]]))).toBeNull();
    expect(lastRate([])).toBeNull();
    expect(lastRate(raw([[0, 1], [COUNTER_GAP_MS + 1, 5]]))).toBeNull();
    expect(lastRate(raw([[5, 1], [5, 9]]))).toBeNull();
  });
});
