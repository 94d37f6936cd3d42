import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRaplCollector, raplSpec } from '../../../../agent/collectors/rapl/index.js';
import { cpuTotalWatts } from '../../../../agent/collectors/rapl/parse.js';
import { RaplPermissionError } from '../../../../agent/collectors/rapl/source.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import type { Sample } from '../../../../agent/collectors/types.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';
import { copyTree, setEnergy } from './trees.js';

function configFor(root: string, interval = '1s') {
  return loadAgentConfig(undefined, { KCLOUD_COLLECTORS_RAPL_ROOT: root, KCLOUD_COLLECTORS_RAPL_INTERVAL: interval });
}

const deps = () => ({ log: memoryLogger().log, latest: new LatestValues() });

/** `{ 'package-0': 150, ... }` for one metric of a run. */
function byZone(samples: Sample[], metric: string): Record<string, number> {
  return Object.fromEntries(samples.filter((s) => s.metric === metric).map((s) => [s.labels!.zone!, s.value]));
}

describe('RAPL collection runs (clock injected through collect(now))', () => {
  it('gives exact watts and wrap-corrected joules on a two-socket tree that wraps', async () => {
    const root = copyTree('two-socket-server');
    const spec = raplSpec(configFor(root), deps());
    // First read: baseline only, a rate needs two.
    expect(await spec.collect(1_000_000)).toEqual([]);

    // 2 s later. package-0 was 200 J below its wrap at 262143328850 µJ and is now at 100 J: 300 J -> 150 W.
    // package-0/dram was 10 J below 65712999613 and is now at 30 J: 40 J -> 20 W.
    setEnergy(root, 'intel-rapl:0', 100_000_000);
    setEnergy(root, 'intel-rapl:0:0', 30_000_000);
    setEnergy(root, 'intel-rapl:1', 100_240_000_000); // +240 J -> 120 W
    setEnergy(root, 'intel-rapl:1:0', 5_036_000_000); // +36 J -> 18 W
    setEnergy(root, 'intel-rapl:2', 13_045_678_901); // +700 J -> 350 W
    const run1 = await spec.collect(1_002_000);
    expect(run1.slice(0, 2)).toEqual([
      { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 150, ts: 1_002_000 },
      { metric: 'rapl_energy_joules', labels: { zone: 'package-0', domain: 'package' }, value: 300, ts: 1_002_000 },
    ]);
    expect(byZone(run1, 'rapl_power_watts')).toEqual({ 'package-0': 150, 'package-0/dram': 20, 'package-1': 120, 'package-1/dram': 18, psys: 350 });
    expect(byZone(run1, 'rapl_energy_joules')).toEqual({ 'package-0': 300, 'package-0/dram': 40, 'package-1': 240, 'package-1/dram': 36, psys: 700 });
    expect(run1.filter((s) => s.metric === 'rapl_power_watts').map((s) => s.labels!.domain)).toEqual(['package', 'dram', 'package', 'dram', 'psys']);
    const power = run1.filter((s) => s.metric === 'rapl_power_watts').map((s) => ({ zone: s.labels!.zone!, domain: s.labels!.domain!, watts: s.value }));
    expect(cpuTotalWatts(power)).toBe(308); // 150 + 20 + 120 + 18, psys left out

    // 500 ms later: package-0 +75 J -> 150 W; the joule counter keeps growing across the wrap; idle zones read 0 W.
    setEnergy(root, 'intel-rapl:0', 175_000_000);
    const run2 = await spec.collect(1_002_500);
    expect(byZone(run2, 'rapl_power_watts')).toEqual({ 'package-0': 150, 'package-0/dram': 0, 'package-1': 0, 'package-1/dram': 0, psys: 0 });
    expect(byZone(run2, 'rapl_energy_joules')).toEqual({ 'package-0': 375, 'package-0/dram': 40, 'package-1': 240, 'package-1/dram': 36, psys: 700 });
  });

  it('publishes MMIO zones under their own label, and core/uncore beside their package', async () => {
    const root = copyTree('client-mmio');
    const spec = raplSpec(configFor(root), deps());
    await spec.collect(5_000);
    setEnergy(root, 'intel-rapl:0', 40_028_000_000); // +28 J in 1 s
    setEnergy(root, 'intel-rapl:0:0', 20_020_000_000); // +20 J
    setEnergy(root, 'intel-rapl:0:1', 1_002_000_000); // +2 J
    setEnergy(root, 'intel-rapl:1', 90_045_000_000); // +45 J
    setEnergy(root, 'intel-rapl-mmio:0', 40_029_000_000); // +28.5 J
    const run = await spec.collect(6_000);
    expect(byZone(run, 'rapl_power_watts')).toEqual({ 'package-0': 28, 'package-0/core': 20, 'package-0/uncore': 2, psys: 45, 'mmio/package-0': 28.5 });
    const power = run.filter((s) => s.metric === 'rapl_power_watts').map((s) => ({ zone: s.labels!.zone!, domain: s.labels!.domain!, watts: s.value }));
    expect(cpuTotalWatts(power)).toBe(28);
  });

  it('starts a zone that appears later from its own baseline', async () => {
    const root = copyTree('client-mmio');
    const spec = raplSpec(configFor(root), deps());
    await spec.collect(10_000);
    mkdirSync(join(root, 'intel-rapl:0:2'));
    writeFileSync(join(root, 'intel-rapl:0:2', 'name'), 'dram\n');
    writeFileSync(join(root, 'intel-rapl:0:2', 'max_energy_range_uj'), '65712999613\n');
    setEnergy(root, 'intel-rapl:0:2', 7_000_000);
    const first = await spec.collect(11_000);
    expect(Object.keys(byZone(first, 'rapl_power_watts'))).not.toContain('package-0/dram');
    setEnergy(root, 'intel-rapl:0:2', 12_000_000); // +5 J in 1 s
    expect(byZone(await spec.collect(12_000), 'rapl_power_watts')['package-0/dram']).toBe(5);
  });

  it('publishes the zone inventory on start and samples on its own timer', async () => {
    const root = copyTree('two-socket-server');
    const c = createRaplCollector(configFor(root, '100ms'), deps());
    expect(await c.detect()).toEqual({
      available: true,
      reason: `5 RAPL zones under ${root} (package-0, package-0/dram, package-1, package-1/dram, psys)`,
    });
    const rec = recordingSink();
    await c.start(rec.sink);
    let e = 100_000_000_000;
    const ticker = setInterval(() => setEnergy(root, 'intel-rapl:1', (e += 1_000_000)), 20);
    try {
      await waitFor(() => rec.batches.length >= 2, 5000, 'two RAPL runs with samples');
    } finally {
      clearInterval(ticker);
      await c.stop();
    }
    expect(rec.errors).toEqual([]);
    expect(rec.inventories[0]).toEqual({
      rapl: [
        { zone: 'package-0', dir: 'intel-rapl:0', domain: 'package', package: 0, maxEnergyRangeUj: 262143328850 },
        { zone: 'package-0/dram', dir: 'intel-rapl:0:0', domain: 'dram', package: 0, maxEnergyRangeUj: 65712999613 },
        { zone: 'package-1', dir: 'intel-rapl:1', domain: 'package', package: 1, maxEnergyRangeUj: 262143328850 },
        { zone: 'package-1/dram', dir: 'intel-rapl:1:0', domain: 'dram', package: 1, maxEnergyRangeUj: 65712999613 },
        { zone: 'psys', dir: 'intel-rapl:2', domain: 'psys', package: null, maxEnergyRangeUj: 262143328850 },
      ],
    });
    expect(rec.batches[0]!).toHaveLength(10);
    expect(byZone(rec.batches[0]!, 'rapl_power_watts')['package-1']).toBeGreaterThan(0);
  });

  it('reports root-only counters as a clear error when started anyway (enabled: true), without throwing from start', async () => {
    const root = copyTree('two-socket-server');
    const read = async (p: string) => {
      if (p.endsWith('/energy_uj')) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES', path: p });
      return readFile(p, 'utf8');
    };
    const spec = raplSpec(configFor(root), deps(), read);
    const rec = recordingSink();
    await spec.onStart!(rec.sink);
    expect(rec.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^energy_uj is readable by root only; run the agent with CAP_DAC_READ_SEARCH or as root — see README/)]);
    await expect(spec.collect(1)).rejects.toBeInstanceOf(RaplPermissionError);
  });

  it('logs an unreadable zone once and keeps the others', async () => {
    const root = copyTree('two-socket-server');
    const log = memoryLogger();
    const read = async (p: string) => {
      if (p.endsWith('intel-rapl:2/energy_uj')) throw Object.assign(new Error('ENODATA: no data available'), { code: 'ENODATA' });
      return readFile(p, 'utf8');
    };
    const spec = raplSpec(configFor(root), { log: log.log, latest: new LatestValues() }, read);
    await spec.collect(1000);
    const run = await spec.collect(2000);
    expect(Object.keys(byZone(run, 'rapl_power_watts'))).toEqual(['package-0', 'package-0/dram', 'package-1', 'package-1/dram']);
    expect(log.lines().filter((l) => l.msg === 'RAPL zone unreadable; skipped')).toEqual([
      expect.objectContaining({ zone: 'intel-rapl:2', err: 'ENODATA: no data available', level: 40 }),
    ]);
  });
});
