import { describe, expect, it } from 'vitest';
import { LatestValues } from '../../../hub/fleet/latest-values.js';
import type { NodeView } from '../../../hub/fleet/node-directory.js';
import { combinePower, fleetPower, nodePower, sumKnown, sumPower } from '../../../hub/fleet/power.js';
import { prng } from '../../helpers/prng.js';

const view = (name: string, cluster: string, dcgm = false): NodeView => ({
  id: 1,
  name,
  cluster,
  state: 'online',
  stateTs: null,
  lastSeen: null,
  agentVersion: null,
  sources: dcgm ? { dcgm: { enabled: true, reason: '', lastSampleTs: null, errors: 0 } } : {},
  inventory: {},
  inventoryTs: null,
});
const row = (metric: string, node: string, labels: Record<string, string>, value: number, ts = 10_000) => ({ metric, labels: { ...labels, node, cluster: 'c' }, ts, value });

describe('node power', () => {
  it('takes the BMC reading as the total and the rest of it as "other"', () => {
    const lv = new LatestValues();
    lv.update([
      row('gpu_power_watts', 'a', { gpu: '0' }, 200),
      row('gpu_power_watts', 'a', { gpu: '1' }, 150.5),
      row('rapl_power_watts', 'a', { zone: '0', domain: 'package' }, 60),
      row('rapl_power_watts', 'a', { zone: '1', domain: 'package' }, 40),
      row('rapl_power_watts', 'a', { zone: '0:0', domain: 'dram' }, 12),
      row('rapl_power_watts', 'a', { zone: '0:1', domain: 'core' }, 30),
      row('node_power_watts', 'a', { source: 'dcmi' }, 600, 12_000),
    ]);
    expect(nodePower(view('a', 'c'), lv, 0)).toEqual({
      node: 'a',
      cluster: 'c',
      gpuWatts: 350.5,
      cpuWatts: 100,
      memoryWatts: 12,
      bmcWatts: 600,
      totalWatts: 600,
      otherWatts: 600 - 350.5 - 100 - 12,
      sources: { gpu: 'nvidia-smi', cpu: 'rapl', memory: 'rapl', total: 'bmc_dcmi' },
      ts: 12_000,
    });
  });

  it('sums the known parts without a BMC, keeps unknown parts null and ignores stale samples', () => {
    const lv = new LatestValues();
    lv.update([row('gpu_power_watts', 'a', { gpu: '0' }, 200), row('node_power_watts', 'a', { source: 'dcmi' }, 600, 1000)]);
    const p = nodePower(view('a', 'c', true), lv, 5000);
    expect(p).toMatchObject({ gpuWatts: 200, cpuWatts: null, memoryWatts: null, bmcWatts: null, totalWatts: 200, otherWatts: null });
    expect(p.sources).toEqual({ gpu: 'dcgm', cpu: null, memory: null, total: 'sum_of_components' });
    expect(nodePower(view('b', 'c'), lv, 0)).toMatchObject({ totalWatts: null, sources: { total: null }, ts: null });
  });

  it('combinePower never reports a negative "other"', () => {
    expect(combinePower({ gpuWatts: 500, cpuWatts: 200, memoryWatts: null, bmcWatts: 600 })).toEqual({ totalWatts: 600, otherWatts: 0, totalSource: 'bmc_dcmi' });
    expect(combinePower({ gpuWatts: null, cpuWatts: null, memoryWatts: null, bmcWatts: null })).toEqual({ totalWatts: null, otherWatts: null, totalSource: null });
  });

  it('fleetPower agrees with nodePower node by node (random fleets)', () => {
    const rand = prng(7);
    for (let round = 0; round < 20; round++) {
      const lv = new LatestValues();
      const nodes = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => view(`n${i}`, `c${i % 2}`));
      for (const n of nodes) {
        for (let g = 0; g < Math.floor(rand() * 4); g++) lv.update([row('gpu_power_watts', n.name, { gpu: String(g) }, Math.round(rand() * 4000) / 10, 1000 + Math.floor(rand() * 9000))]);
        if (rand() < 0.7) lv.update([row('rapl_power_watts', n.name, { zone: '0', domain: 'package' }, rand() * 100)]);
        if (rand() < 0.5) lv.update([row('rapl_power_watts', n.name, { zone: '0:0', domain: 'dram' }, rand() * 20)]);
        if (rand() < 0.5) lv.update([row('node_power_watts', n.name, { source: 'dcmi' }, 300 + rand() * 900)]);
      }
      const since = 4000;
      expect(fleetPower(nodes, lv, since)).toEqual(nodes.map((n) => nodePower(n, lv, since)));
    }
  });

  it('sumPower adds each part over the nodes that report it; a part none reports is null', () => {
    const lv = new LatestValues();
    lv.update([row('gpu_power_watts', 'a', { gpu: '0' }, 100), row('node_power_watts', 'a', { source: 'dcmi' }, 300), row('gpu_power_watts', 'b', { gpu: '0' }, 50)]);
    const totals = sumPower(fleetPower([view('a', 'c'), view('b', 'c')], lv, 0));
    expect(totals).toEqual({ totalWatts: 350, gpuWatts: 150, cpuWatts: null, memoryWatts: null, otherWatts: 200, bmcWatts: 300 });
    expect(sumKnown([])).toBeNull();
    expect(sumKnown([null, 0])).toBe(0);
  });
});
