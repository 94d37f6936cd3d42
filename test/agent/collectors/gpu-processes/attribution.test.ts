import { describe, expect, it } from 'vitest';
import { EnergyAccumulator, IDLE_PID, splitGpuPower, type ProcessLoad } from '../../../../agent/collectors/gpu-processes/attribution.js';
import { prng } from '../../../helpers/prng.js';

const MiB = 1024 * 1024;
const watts = (shares: { pid: string; watts: number }[]) => Object.fromEntries(shares.map((s) => [s.pid, s.watts]));

describe('splitGpuPower: hand cases from the real captures', () => {
  it('H100 load: SM% from pmon (gpu_burn 99, memhogs `-`), 631.95 W from --query-gpu', () => {
    const procs: ProcessLoad[] = [
      { pid: '11327', smPercent: null, memoryBytes: 2566 * MiB },
      { pid: '11328', smPercent: null, memoryBytes: 1542 * MiB },
      { pid: '11345', smPercent: 99, memoryBytes: 15690 * MiB },
    ];
    const r = splitGpuPower(631.95, procs, true);
    expect(r.weighting).toBe('sm');
    const w = watts(r.shares);
    expect(w['11345']).toBeCloseTo(625.6305, 9);
    expect(w['11327']).toBe(0);
    expect(w['11328']).toBe(0);
    expect(w[IDLE_PID]).toBeCloseTo(6.3195, 9);
    expect(r.shares.at(-1)!.pid).toBe(IDLE_PID);
  });

  it('H200 load, 4th pmon interval (memhog 19, gpu_burn 79) at 632 W from dmon', () => {
    const r = splitGpuPower(632, [
      { pid: '10291', smPercent: 19, memoryBytes: 2566 * MiB },
      { pid: '10293', smPercent: null, memoryBytes: 1542 * MiB },
      { pid: '10309', smPercent: 79, memoryBytes: 28234 * MiB },
    ], true);
    const w = watts(r.shares);
    expect(w['10291']).toBeCloseTo(120.08, 9);
    expect(w['10309']).toBeCloseTo(499.28, 9);
    expect(w['10293']).toBe(0);
    expect(w[IDLE_PID]).toBeCloseTo(12.64, 9);
  });

  it('H100 MIG load: no SM%, split by used memory (2296/1272/7484 MiB) at 438 W', () => {
    const r = splitGpuPower(438, [
      { pid: '21180', smPercent: null, memoryBytes: 2296 * MiB },
      { pid: '21181', smPercent: null, memoryBytes: 1272 * MiB },
      { pid: '21198', smPercent: null, memoryBytes: 7484 * MiB },
    ], false);
    expect(r.weighting).toBe('memory');
    const w = watts(r.shares);
    expect(w['21180']).toBeCloseTo(90.99239956568947, 9);
    expect(w['21181']).toBeCloseTo(50.41042345276873, 9);
    expect(w['21198']).toBeCloseTo(296.5971769815418, 9);
    expect(w[IDLE_PID]).toBeCloseTo(0, 9);
  });

  it('Windows WDDM: no memory either, equal split (97 W, two ffmpeg)', () => {
    const r = splitGpuPower(97, [
      { pid: '25704', smPercent: null, memoryBytes: null },
      { pid: '26660', smPercent: null, memoryBytes: null },
    ], false);
    expect(r.weighting).toBe('equal');
    expect(watts(r.shares)).toEqual({ '25704': 48.5, '26660': 48.5, [IDLE_PID]: 0 });
  });

  it('an idle GPU: everything to "idle"', () => {
    expect(splitGpuPower(69, [], true)).toEqual({ weighting: 'none', shares: [{ pid: IDLE_PID, watts: 69 }] });
  });

  it('processes with no kernel in the interval on a GPU that measures SM%: everything to "idle"', () => {
    const r = splitGpuPower(77, [{ pid: '1', smPercent: null, memoryBytes: 100 * MiB }], true);
    expect(watts(r.shares)).toEqual({ '1': 0, [IDLE_PID]: 77 });
  });

  it('normalises SM% that sums above 100 (MPS): no idle part', () => {
    const w = watts(splitGpuPower(200, [{ pid: 'a', smPercent: 70, memoryBytes: null }, { pid: 'b', smPercent: 60, memoryBytes: null }], true).shares);
    expect(w.a).toBeCloseTo(107.6923076923077, 9);
    expect(w.b).toBeCloseTo(92.3076923076923, 9);
    expect(w[IDLE_PID]).toBe(0);
  });
});


function randomLoads(r: () => number, n: number): ProcessLoad[] {
  return Array.from({ length: n }, (_, i) => ({
    pid: String(1000 + i),
    smPercent: r() < 0.3 ? null : Math.round(r() * 100),
    memoryBytes: r() < 0.2 ? null : Math.round(r() * 80 * 1024) * MiB,
  }));
}

describe('splitGpuPower: properties over random inputs', () => {
  it('shares are non-negative and sum to the GPU power (5000 seeded cases)', () => {
    const r = prng(0x6b636c64);
    for (let i = 0; i < 5000; i++) {
      const gpuWatts = r() < 0.05 ? 0 : r() * 1000;
      const loads = randomLoads(r, Math.floor(r() * 9));
      const { shares } = splitGpuPower(gpuWatts, loads, r() < 0.5);
      expect(shares.map((s) => s.pid)).toEqual([...loads.map((l) => l.pid), IDLE_PID]);
      for (const s of shares) expect(s.watts).toBeGreaterThanOrEqual(0);
      const sum = shares.reduce((a, s) => a + s.watts, 0);
      expect(Math.abs(sum - gpuWatts)).toBeLessThanOrEqual(1e-9 * Math.max(1, gpuWatts));
    }
  });
});

describe('EnergyAccumulator (left Riemann)', () => {
  it('hand case: 600 W split 450/150 for 2 s, then 300 W all idle for 1 s', () => {
    const e = new EnergyAccumulator(5000);
    expect(e.step('gpu0', 1_000, 600, new Map([['a', 450], ['idle', 150]]))).toEqual(new Map([['a', 0], ['idle', 0]]));
    expect(e.step('gpu0', 3_000, 300, new Map([['idle', 300]]))).toEqual(new Map([['a', 900], ['idle', 300]]));
    // `a` left: reported once with its final value above, then forgotten.
    expect(e.step('gpu0', 4_000, 300, new Map([['idle', 300]]))).toEqual(new Map([['idle', 600]]));
    expect(e.gpuJoules('gpu0')).toBe(1500);
  });

  it('skips an interval longer than the gap limit for the GPU and its processes alike', () => {
    const e = new EnergyAccumulator(5000);
    e.step('gpu0', 0, 100, new Map([['a', 100]]));
    e.step('gpu0', 1_000, 100, new Map([['a', 100]]));
    expect(e.step('gpu0', 61_000, 100, new Map([['a', 100]])).get('a')).toBe(100);
    expect(e.gpuJoules('gpu0')).toBe(100);
  });

  it('Σ process energy equals the GPU energy, and that equals Σ P·Δt, for random runs with churn and gaps', () => {
    const r = prng(42);
    for (let run = 0; run < 200; run++) {
      const e = new EnergyAccumulator(5000);
      // Latest total of every live series; a series that left adds its final total to `closed`.
      const live = new Map<string, number>();
      let closed = 0;
      let expectedGpu = 0;
      let prev: { ts: number; watts: number } | undefined;
      let ts = 1_700_000_000_000;
      for (let k = 0; k < 60; k++) {
        ts += r() < 0.05 ? 10_000 + Math.floor(r() * 50_000) : Math.floor(r() * 2000);
        const gpuWatts = r() * 700;
        // Up to 4 of 6 possible pids, so processes come, go and come back.
        const pids = [...new Set(Array.from({ length: Math.floor(r() * 5) }, () => String(Math.floor(r() * 6))))];
        const loads = randomLoads(r, pids.length).map((l, i) => ({ ...l, pid: pids[i]! }));
        const { shares } = splitGpuPower(gpuWatts, loads, r() < 0.5);
        if (prev && ts - prev.ts > 0 && ts - prev.ts <= 5000) expectedGpu += (prev.watts * (ts - prev.ts)) / 1000;
        const split = new Map(shares.map((s) => [s.pid, s.watts]));
        for (const [key, joules] of e.step('gpu0', ts, gpuWatts, split)) live.set(key, joules);
        for (const [key, joules] of live) {
          if (split.has(key)) continue;
          closed += joules;
          live.delete(key);
        }
        prev = { ts, watts: gpuWatts };
      }
      const total = closed + [...live.values()].reduce((a, b) => a + b, 0);
      expect(e.gpuJoules('gpu0')).toBeCloseTo(expectedGpu, 6);
      expect(total).toBeCloseTo(e.gpuJoules('gpu0'), 6);
    }
  });
});
