import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SharedTickers } from '../../../hub/streams/shared-ticker.js';

describe('SharedTickers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('computes once per tick for all subscribers of an interval', () => {
    const compute = vi.fn((now: number) => ({ now }));
    const tickers = new SharedTickers(compute, (err) => {
      throw err;
    });
    const got: number[][] = [[], [], []];
    for (const list of got) tickers.subscribe(1000, (v) => list.push(v.now));
    vi.advanceTimersByTime(3000);
    expect(compute).toHaveBeenCalledTimes(3);
    expect(got[0]).toHaveLength(3);
    // Every subscriber got the very same values.
    expect(got[1]).toEqual(got[0]);
    expect(got[2]).toEqual(got[0]);
    tickers.stop();
  });

  it('runs a timer per interval only while it has subscribers', () => {
    const compute = vi.fn(() => 1);
    const tickers = new SharedTickers(compute, () => {});
    const a = vi.fn();
    const b = vi.fn();
    const leaveA = tickers.subscribe(1000, a);
    const leaveB = tickers.subscribe(5000, b);
    expect(tickers.intervals().sort()).toEqual([1000, 5000]);
    vi.advanceTimersByTime(5000);
    expect(a).toHaveBeenCalledTimes(5);
    expect(b).toHaveBeenCalledTimes(1);
    leaveA();
    expect(tickers.intervals()).toEqual([5000]);
    vi.advanceTimersByTime(5000);
    expect(a).toHaveBeenCalledTimes(5);
    leaveB();
    expect(tickers.intervals()).toEqual([]);
    // 5 + 1 ticks in the first 5 s, 1 in the next; none once both left.
    expect(compute).toHaveBeenCalledTimes(7);
    vi.advanceTimersByTime(10_000);
    expect(compute).toHaveBeenCalledTimes(7);
  });

  it('keeps serving the others when one subscriber throws', () => {
    const errors: unknown[] = [];
    const tickers = new SharedTickers(() => 1, (err) => errors.push(err));
    const ok = vi.fn();
    tickers.subscribe(1000, () => {
      throw new Error('boom');
    });
    tickers.subscribe(1000, ok);
    vi.advanceTimersByTime(1000);
    expect(ok).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    tickers.stop();
  });
});
