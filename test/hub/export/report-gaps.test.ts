import { describe, expect, it } from 'vitest';
import { durationText, elapsedSteps, gapRuns } from '../../../hub/export/report-gaps.js';

const STEP = 300_000;
const START = Date.parse('2024-01-01T00:00:00Z');
const at = (k: number) => START + k * STEP;

describe('report gaps', () => {
  it('counts the steps that ended, and the one under way only once it has data', () => {
    const end = at(10);
    const now = at(4) + STEP / 2;
    expect(elapsedSteps(START, end, STEP, now, () => false)).toEqual([0, 1, 2, 3].map(at));
    expect(elapsedSteps(START, end, STEP, now, (t) => t === at(4))).toEqual([0, 1, 2, 3, 4].map(at));
    // Data stamped after now (clock skew) does not make a future step count.
    expect(elapsedSteps(START, end, STEP, now, (t) => t === at(6))).toEqual([0, 1, 2, 3].map(at));
    expect(elapsedSteps(START, end, STEP, at(20), () => false)).toHaveLength(10);
  });

  it('lists runs of missing steps, a run kept only when some step of it is kept', () => {
    const steps = [0, 1, 2, 3, 4, 5, 6, 7].map(at);
    const missing = new Set([0, 1, 3, 4, 7].map(at));
    expect(gapRuns(steps, STEP, 'fleet', (t) => missing.has(t))).toEqual([
      { scope: 'fleet', from: at(0), to: at(2), steps: 2 },
      { scope: 'fleet', from: at(3), to: at(5), steps: 2 },
      { scope: 'fleet', from: at(7), to: at(8), steps: 1 },
    ]);
    // Only runs touching step 4 are kept: the middle one, whole.
    expect(gapRuns(steps, STEP, 'c1/n1', (t) => missing.has(t), (t) => t === at(4))).toEqual([{ scope: 'c1/n1', from: at(3), to: at(5), steps: 2 }]);
    expect(gapRuns(steps, STEP, 'fleet', () => false)).toEqual([]);
  });

  it('writes a duration in days, hours and minutes', () => {
    expect(durationText(30 * 60_000)).toBe('30m');
    expect(durationText(90 * 60_000)).toBe('1h 30m');
    expect(durationText(86_400_000)).toBe('1d');
    expect(durationText(86_400_000 + 5 * 60_000)).toBe('1d 5m');
    expect(durationText(0)).toBe('0m');
  });
});
