import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher } from '../../../agent/publish/batcher.js';
import type { Sample } from '../../../shared/schema/message.js';

const T0 = 1_760_000_000_000;
const samples = (n: number, from = 0): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ metric: 'rapl_power_watts', labels: { zone: `package-${from + i}` }, value: from + i, ts: T0 }));

describe('Batcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('coalesces everything added within a second into one batch', () => {
    const batches: Sample[][] = [];
    const b = new Batcher((s) => batches.push(s));
    b.add(samples(3));
    vi.advanceTimersByTime(400);
    b.add(samples(2, 3));
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(600);
    expect(batches).toEqual([samples(5)]);
    vi.advanceTimersByTime(5000);
    expect(batches).toHaveLength(1);
  });

  it('cuts a batch at 5000 samples without waiting for the timer', () => {
    const batches: Sample[][] = [];
    const b = new Batcher((s) => batches.push(s));
    b.add(samples(4000));
    b.add(samples(2500, 4000));
    expect(batches.map((x) => x.length)).toEqual([5000]);
    expect(batches[0]!.at(-1)!.value).toBe(4999);
    vi.advanceTimersByTime(1000);
    expect(batches.map((x) => x.length)).toEqual([5000, 1500]);
    expect(batches[1]![0]!.value).toBe(5000);
  });

  it('leaves out values JSON cannot carry (NaN, Infinity)', () => {
    const batches: Sample[][] = [];
    const b = new Batcher((s) => batches.push(s));
    b.add([
      { metric: 'gpu_power_watts', value: Number.NaN, ts: T0 },
      { metric: 'gpu_power_watts', value: Number.POSITIVE_INFINITY, ts: T0 },
      { metric: 'gpu_temperature_celsius', value: 41, ts: T0 },
    ]);
    b.flush();
    expect(batches).toEqual([[{ metric: 'gpu_temperature_celsius', value: 41, ts: T0 }]]);
  });

  it('flushes what is pending on demand and sends no empty batch', () => {
    const batches: Sample[][] = [];
    const b = new Batcher((s) => batches.push(s));
    b.flush();
    b.add(samples(1));
    b.flush();
    vi.advanceTimersByTime(2000);
    expect(batches).toEqual([samples(1)]);
  });
});
