import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { energyUsed, gpuMatchers, gpuTimeseries, rangeStats } from '../../../hub/fleet/gpu-history.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { metricDef } from '../../../shared/metrics/index.js';
import { prng } from '../../helpers/prng.js';

const MIN = 60_000;
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000; // a whole hour ago, minute-aligned
const labels = (uuid: string) => ({ node: 'gpu-01', cluster: 'lab', gpu: '0', uuid });

describe('GPU history over the store', () => {
  const tsdb = openTsdb(join(mkdtempSync(join(tmpdir(), 'kcloud-gpu-history-')), 'tsdb.db'), { isCounter: (m) => metricDef(m)?.type === 'counter' });
  afterAll(() => tsdb.close());
  const rand = prng(7);
  // 10 minutes of power every 10 s for GPU-A (no energy counter, as with nvidia-smi).
  const power: { ts: number; value: number }[] = [];
  for (let ts = T0; ts < T0 + 10 * MIN; ts += 10_000) power.push({ ts, value: Math.round(100 + rand() * 200) });
  tsdb.write(power.map((p) => ({ metric: 'gpu_power_watts', labels: labels('GPU-A'), ...p })));
  tsdb.write(power.map((p) => ({ metric: 'gpu_temperature_celsius', labels: labels('GPU-A'), ts: p.ts, value: 50 })));
  // GPU-B has a DCGM energy counter that resets (driver reload) on the way: 1000 -> 1600, reset, 0 -> 250.
  const counter = [
    [T0, 1000],
    [T0 + MIN, 1300],
    [T0 + 2 * MIN, 1600],
    [T0 + 3 * MIN, 100],
    [T0 + 4 * MIN, 250],
  ] as const;
  tsdb.write(counter.map(([ts, value]) => ({ metric: 'gpu_energy_joules', labels: labels('GPU-B'), ts, value })));
  tsdb.write(counter.map(([ts]) => ({ metric: 'gpu_power_watts', labels: labels('GPU-B'), ts, value: 5 })));

  it('averages, minima and maxima equal those of the samples in range', () => {
    const inRange = power.filter((p) => p.ts >= T0 + 2 * MIN && p.ts < T0 + 7 * MIN).map((p) => p.value);
    const s = rangeStats(tsdb, 'gpu_power_watts', gpuMatchers('gpu-01', 'GPU-A'), T0 + 2 * MIN, T0 + 7 * MIN);
    expect(s.avg).toBeCloseTo(inRange.reduce((a, b) => a + b, 0) / inRange.length, 9);
    expect(s.min).toBe(Math.min(...inRange));
    expect(s.max).toBe(Math.max(...inRange));
    expect(rangeStats(tsdb, 'gpu_power_watts', gpuMatchers('gpu-01', 'GPU-none'), T0, T0 + MIN)).toEqual({ avg: null, min: null, max: null });
  });

  it('integrates power per minute when there is no energy counter', () => {
    const e = energyUsed(tsdb, gpuMatchers('gpu-01', 'GPU-A'), T0, T0 + 60 * MIN);
    let want = 0;
    for (let m = 0; m < 10; m++) {
      const minute = power.filter((p) => p.ts >= T0 + m * MIN && p.ts < T0 + (m + 1) * MIN).map((p) => p.value);
      want += (minute.reduce((a, b) => a + b, 0) / minute.length) * 60;
    }
    expect(e.method).toBe('power_integral');
    expect(e.joules).toBeCloseTo(want, 6);
  });

  it('uses the counter increase, across a reset, when the GPU has one', () => {
    const e = energyUsed(tsdb, gpuMatchers('gpu-01', 'GPU-B'), T0, T0 + 60 * MIN);
    expect(e).toEqual({ method: 'counter', joules: 600 + 100 + 150 });
  });

  it('builds per-step rows with nulls where a metric has no sample', () => {
    tsdb.write([{ metric: 'gpu_temperature_celsius', labels: labels('GPU-A'), ts: T0 + 20 * MIN, value: 61 }]);
    const rows = gpuTimeseries(tsdb, { power: 'gpu_power_watts', temp: 'gpu_temperature_celsius' }, gpuMatchers('gpu-01', 'GPU-A'), T0, T0 + 30 * MIN, 5 * MIN);
    expect(rows.map((r) => r.ts)).toEqual([T0, T0 + 5 * MIN, T0 + 20 * MIN]);
    const first = power.filter((p) => p.ts < T0 + 5 * MIN).map((p) => p.value);
    expect(rows[0]!.values.power).toBeCloseTo(first.reduce((a, b) => a + b, 0) / first.length, 9);
    expect(rows[2]!.values).toEqual({ power: null, temp: 61 });
  });
});
