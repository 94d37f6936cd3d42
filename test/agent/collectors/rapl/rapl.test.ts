import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRaplCollector, detectRapl } from '../../../../agent/collectors/rapl/index.js';
import { cpuTotalWatts, domainOf, energyDeltaUj, zoneLabel } from '../../../../agent/collectors/rapl/parse.js';
import { readZones } from '../../../../agent/collectors/rapl/source.js';
import { RaplMeter } from '../../../../agent/collectors/rapl/meter.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { fakePowercap } from '../../../helpers/powercap.js';
import { unpackTtar } from '../../../helpers/ttar.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const TTAR = resolve(import.meta.dirname, '../../../../../shared/fixtures/rapl/procfs-sys-class-powercap.ttar');

describe('RAPL parsing', () => {
  it('reads the real procfs fixture tree, names from the name file, hex ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-ttar-'));
    unpackTtar(TTAR, dir);
    const zones = await readZones(join(dir, 'fixtures/sys/class/powercap'));
    expect(zones.map((z) => [z.dir, z.name, z.domain, z.parent, z.energyUj, z.maxEnergyRangeUj])).toEqual([
      ['intel-rapl:0', 'package-0', 'package', null, 240422366267, 262143328850],
      ['intel-rapl:0:0', 'core', 'core', 'package-0', 118821284256, 262143328850],
      ['intel-rapl:a', 'package-10', 'package', null, 240422366267, 262143328850],
    ]);
    expect(zoneLabel(zones[1]!)).toBe('package-0/core');
  });

  it('corrects counter wrap at max_energy_range_uj', () => {
    expect(energyDeltaUj(100, 350, 1000)).toBe(250);
    expect(energyDeltaUj(900, 100, 1000)).toBe(200);
    expect(energyDeltaUj(262143328000, 500, 262143328850)).toBe(1350);
  });

  it('knows domains and does not double count core inside package', () => {
    expect(['package-0', 'package-1-die-0', 'core', 'uncore', 'dram', 'psys', 'weird'].map(domainOf)).toEqual(['package', 'package', 'core', 'uncore', 'dram', 'psys', 'other']);
    expect(cpuTotalWatts([{ domain: 'package', watts: 100 }, { domain: 'core', watts: 60 }, { domain: 'dram', watts: 10 }, { domain: 'psys', watts: 150 }])).toBe(110);
  });
});

describe('RAPL meter and collector', () => {
  it('turns energy deltas into watts and a wrap-corrected joule counter', async () => {
    const max = 262_143_328_850;
    const tree = fakePowercap([
      { dir: 'intel-rapl:0', name: 'package-0', energyUj: max - 50_000_000, maxEnergyRangeUj: max },
      { dir: 'intel-rapl:0:2', name: 'dram', energyUj: 5_000_000 },
    ]);
    const meter = new RaplMeter();
    expect(meter.update(await readZones(tree.root), 10_000)).toEqual([]);
    // 2 s later: package used 50 J before the wrap + 150 J after it = 200 J -> 100 W; dram 20 J -> 10 W.
    tree.set('intel-rapl:0', 150_000_000);
    tree.set('intel-rapl:0:2', 25_000_000);
    const s1 = meter.update(await readZones(tree.root), 12_000);
    expect(s1).toEqual([
      { metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 100, ts: 12_000 },
      { metric: 'rapl_energy_joules', labels: { zone: 'package-0', domain: 'package' }, value: 200, ts: 12_000 },
      { metric: 'rapl_power_watts', labels: { zone: 'package-0/dram', domain: 'dram' }, value: 10, ts: 12_000 },
      { metric: 'rapl_energy_joules', labels: { zone: 'package-0/dram', domain: 'dram' }, value: 20, ts: 12_000 },
    ]);
    tree.set('intel-rapl:0', 250_000_000);
    const s2 = meter.update(await readZones(tree.root), 13_000);
    expect(s2.find((s) => s.metric === 'rapl_energy_joules' && s.labels!.zone === 'package-0')!.value).toBe(300);
    expect(s2.find((s) => s.metric === 'rapl_power_watts' && s.labels!.zone === 'package-0/dram')!.value).toBe(0);
  });

  it('detects the zones, publishes inventory and samples on its timer', async () => {
    const tree = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 }]);
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_RAPL_ROOT: tree.root, KCLOUD_COLLECTORS_RAPL_INTERVAL: '100ms' });
    const c = createRaplCollector(config, { log: memoryLogger().log, latest: new LatestValues() });
    expect(await c.detect()).toEqual({ available: true, reason: `1 RAPL zones under ${tree.root}` });
    const rec = recordingSink();
    await c.start(rec.sink);
    let e = 1_000_000;
    const t = setInterval(() => tree.set('intel-rapl:0', (e += 1_000_000)), 20);
    await waitFor(() => rec.batches.length >= 2, 5000, 'two RAPL samples');
    clearInterval(t);
    await c.stop();
    expect(rec.inventories[0]).toEqual({ rapl: [{ zone: 'package-0', domain: 'package', maxEnergyRangeUj: 262143328850 }] });
    expect(rec.batches[0]!.map((s) => s.metric)).toEqual(['rapl_power_watts', 'rapl_energy_joules']);
    expect(rec.batches[0]![0]!.value).toBeGreaterThan(0);
  });

  it('reports missing powercap and unreadable counters as off, with the reason', async () => {
    const none = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_RAPL_ROOT: '/nonexistent/powercap' });
    expect((await createRaplCollector(none, { log: memoryLogger().log, latest: new LatestValues() }).detect()).reason).toMatch(/no powercap/);
    const tree = fakePowercap([{ dir: 'intel-rapl:0', name: 'package-0', energyUj: 1 }]);
    const denied = await detectRapl(tree.root, async () => false);
    expect(denied).toEqual({ available: false, reason: expect.stringMatching(/intel-rapl:0\/energy_uj is readable by root only \(CVE-2020-8694\)/) });
  });
});
