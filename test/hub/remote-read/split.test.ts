import { describe, expect, it } from 'vitest';
import { splitPoint } from '../../../hub/remote-read/split.js';
import { HOUR, MINUTE } from '../../../hub/tsdb/options.js';

const retention = { raw: 1 * HOUR, '1m': 6 * HOUR, '1h': 48 * HOUR };
const now = 100 * HOUR + 17_000;

describe('splitPoint', () => {
  it('cuts at now minus the longest retention of the tiers that fit the step, moved up to a step boundary', () => {
    // 1m steps fit raw and 1m: 6 h are kept locally; now - 6h is 17 s past a minute, so the cut is the next minute.
    expect(splitPoint({ start: 90 * HOUR, end: now, step: MINUTE }, retention, now, 'beyond-retention')).toBe(94 * HOUR + MINUTE);
    // 10 s steps fit raw only: 1 h.
    expect(splitPoint({ start: 90 * HOUR, end: now, step: 10_000 }, retention, now, 'beyond-retention')).toBe(99 * HOUR + 20_000);
    // 1 h steps fit every tier: 48 h.
    expect(splitPoint({ start: 0, end: now, step: HOUR }, retention, now, 'beyond-retention')).toBe(53 * HOUR);
  });

  it('keeps the step grid of a start that is not aligned', () => {
    const start = 90 * HOUR + 5_000;
    const cut = splitPoint({ start, end: now, step: MINUTE }, retention, now, 'beyond-retention');
    expect((cut - start) % MINUTE).toBe(0);
    expect(cut).toBeGreaterThanOrEqual(now - 6 * HOUR);
    expect(cut - MINUTE).toBeLessThan(now - 6 * HOUR);
  });

  it('reads nothing remotely for a range the local store keeps, everything in always mode, and never past the end', () => {
    expect(splitPoint({ start: now - HOUR, end: now, step: MINUTE }, retention, now, 'beyond-retention')).toBe(now - HOUR);
    expect(splitPoint({ start: now - HOUR, end: now, step: MINUTE }, retention, now, 'always')).toBe(now);
    expect(splitPoint({ start: 10 * HOUR, end: 20 * HOUR, step: MINUTE }, retention, now, 'beyond-retention')).toBe(20 * HOUR);
  });
});
