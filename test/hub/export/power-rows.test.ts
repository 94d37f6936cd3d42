import { describe, expect, it } from 'vitest';
import { addEnergy, combineMethods, stepEnergy } from '../../../hub/energy/energy.js';
import { clusterPowerRows, nodePowerRows, nodeStepRow } from '../../../hub/export/power-rows.js';
import type { ResultSeries } from '../../../shared/query/types.js';

const STEP = 60_000;
const noWatts = { gpu: null, cpu: null, memory: null, bmc: null };
const noEnergy = { gpu: null, cpu: null, memory: null };
const kwh = (joules: number) => joules / 3.6e6;
const series = (metric: string, labels: Record<string, string>, points: [number, number][]): ResultSeries => ({ metric, labels: { cluster: 'c1', node: 'n1', ...labels }, points });

describe('energy of a step', () => {
  it('takes a counter increase over power x step, and says which it used', () => {
    expect(stepEnergy({ watts: 100, joules: 7200 }, STEP)).toEqual({ kwh: kwh(7200), method: 'counter' });
    expect(stepEnergy({ watts: 100, joules: null }, STEP)).toEqual({ kwh: kwh(6000), method: 'power_integral' });
    expect(stepEnergy({ watts: null, joules: null }, STEP)).toBeNull();
    expect(addEnergy([stepEnergy({ watts: 100, joules: 7200 }, STEP), stepEnergy({ watts: 50, joules: null }, STEP), null])).toEqual({ kwh: kwh(7200 + 3000), method: 'mixed' });
    expect(addEnergy([null])).toBeNull();
    expect(combineMethods(['power_integral', null, 'power_integral'])).toBe('power_integral');
    expect(combineMethods(['power_integral', 'counter'])).toBe('mixed');
    expect(combineMethods([null])).toBeNull();
  });
});

describe('power rows', () => {
  it('totals the parts without a BMC and uses their counters for energy', () => {
    const counter = (j: number) => ({ kwh: kwh(j), method: 'counter' as const });
    const r = nodeStepRow(0, 'c1', 'n1', { gpu: 200, cpu: 80, memory: 20, bmc: null }, { gpu: counter(12_000), cpu: counter(4800), memory: counter(1200) }, STEP);
    expect(r).toMatchObject({ total_power_watts: 300, bmc_power_watts: null, energy_method: 'counter' });
    expect(r.energy_kwh).toBeCloseTo(kwh(18_000), 15);
  });

  it('prefers the BMC for total and energy (power x step: the BMC has no counter)', () => {
    const r = nodeStepRow(0, 'c1', 'n1', { ...noWatts, gpu: 200, bmc: 450 }, { ...noEnergy, gpu: { kwh: kwh(12_000), method: 'counter' } }, STEP);
    expect(r).toMatchObject({ total_power_watts: 450, gpu_power_watts: 200, energy_kwh: kwh(450 * 60), energy_method: 'power_integral' });
  });

  it('leaves unavailable parts null, never 0', () => {
    const r = nodeStepRow(0, 'c1', 'n1', { ...noWatts, cpu: 60 }, noEnergy, STEP);
    expect(r).toMatchObject({ gpu_power_watts: null, memory_power_watts: null, bmc_power_watts: null, total_power_watts: 60 });
  });

  it('sums GPUs and RAPL domains per node, and drops the extra step counters are read with', () => {
    const rows = nodePowerRows({
      start: STEP,
      step: STEP,
      gpuPower: [series('gpu_power_watts', { gpu: '0' }, [[STEP, 100]]), series('gpu_power_watts', { gpu: '1' }, [[STEP, 50], [2 * STEP, 60]])],
      raplPower: [series('rapl_power_watts', { domain: 'package' }, [[STEP, 80]]), series('rapl_power_watts', { domain: 'dram' }, [[STEP, 20]])],
      bmcPower: [],
      gpuEnergy: [series('gpu_energy_joules', { gpu: '1' }, [[0, 999], [STEP, 3000]])],
      raplEnergy: [],
    });
    expect(rows.map((r) => [r.timestamp, r.gpu_power_watts, r.cpu_power_watts, r.memory_power_watts, r.total_power_watts, r.energy_method])).toEqual([
      [STEP, 150, 80, 20, 250, 'mixed'],
      [2 * STEP, 60, null, null, 60, 'power_integral'],
    ]);
    // GPU 1 by its counter, GPU 0 (no counter) and RAPL by power x step.
    expect(rows[0]!.energy_kwh).toBeCloseTo(kwh(3000 + 100 * 60 + 80 * 60 + 20 * 60), 15);
    expect(rows[1]!.energy_kwh).toBeCloseTo(kwh(60 * 60), 15);
  });

  it("integrates power over a last step only as far as the range's end (a range ending now, mid-step)", () => {
    const rows = nodePowerRows({
      start: STEP,
      step: STEP,
      end: 2 * STEP + STEP / 4,
      gpuPower: [series('gpu_power_watts', { gpu: '0' }, [[STEP, 100], [2 * STEP, 100]])],
      raplPower: [],
      bmcPower: [series('node_power_watts', { node: 'n2' }, [[2 * STEP, 400]])],
      gpuEnergy: [],
      raplEnergy: [],
    });
    const energy = (node: string, ts: number) => rows.find((r) => r.node === node && r.timestamp === ts)!.energy_kwh;
    expect(energy('n1', STEP)).toBeCloseTo(kwh(100 * 60), 15);
    // A quarter of the step has elapsed: a quarter of power x step.
    expect(energy('n1', 2 * STEP)).toBeCloseTo(kwh((100 * 60) / 4), 15);
    expect(energy('n2', 2 * STEP)).toBeCloseTo(kwh((400 * 60) / 4), 15);
  });

  it('adds node rows up per cluster and step', () => {
    const a = nodeStepRow(0, 'c1', 'a', { ...noWatts, gpu: 100 }, { ...noEnergy, gpu: { kwh: kwh(6000), method: 'counter' } }, STEP);
    const b = nodeStepRow(0, 'c1', 'b', { ...noWatts, bmc: 200 }, noEnergy, STEP);
    const c = nodeStepRow(0, 'c2', 'c', { ...noWatts, cpu: 10 }, { ...noEnergy, cpu: { kwh: kwh(600), method: 'power_integral' } }, STEP);
    const rows = clusterPowerRows([a, b, c]);
    expect(rows).toEqual([
      { timestamp: 0, cluster: 'c1', node: null, gpu_power_watts: 100, cpu_power_watts: null, memory_power_watts: null, bmc_power_watts: 200, total_power_watts: 300, energy_kwh: a.energy_kwh! + b.energy_kwh!, energy_method: 'mixed' },
      { ...c, node: null },
    ]);
  });
});
