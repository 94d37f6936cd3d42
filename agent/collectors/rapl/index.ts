import { access, constants, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../../config.js';
import { parseDuration } from '../../../shared/duration.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, Detection, Sample } from '../types.js';
import { energyDeltaUj, zoneLabel, ZONE_DIR } from './parse.js';
import { readZones } from './source.js';

async function detect(root: string): Promise<Detection> {
  let dirs: string[];
  try {
    dirs = (await readdir(root)).filter((d) => ZONE_DIR.test(d));
  } catch {
    return { available: false, reason: `no powercap at ${root} (not an Intel/AMD RAPL host, or the kernel lacks intel_rapl)` };
  }
  if (dirs.length === 0) return { available: false, reason: `no intel-rapl zones under ${root}` };
  const probe = join(root, dirs[0]!, 'energy_uj');
  try {
    await access(probe, constants.R_OK);
  } catch {
    return {
      available: false,
      reason: `${probe} is readable by root only (CVE-2020-8694); install systemd/kcloud-agent.tmpfiles.conf or run with CAP_DAC_READ_SEARCH (see README)`,
    };
  }
  return { available: true, reason: `${dirs.length} RAPL zones under ${root}` };
}

/** CPU package / DRAM / platform power from RAPL energy counters. */
export function createRaplCollector(config: AgentConfig, _deps: CollectorDeps): Collector {
  const root = config.collectors.rapl.root;
  const prev = new Map<string, { energyUj: number; ts: number }>();
  const joules = new Map<string, number>();
  return pollingCollector({
    name: 'rapl',
    intervalMs: parseDuration(config.collectors.rapl.interval),
    detect: () => detect(root),
    async onStart(sink) {
      const zones = await readZones(root);
      sink.inventory({ rapl: zones.map((z) => ({ zone: zoneLabel(z), domain: z.domain, maxEnergyRangeUj: z.maxEnergyRangeUj })) });
    },
    async collect(now) {
      const samples: Sample[] = [];
      for (const z of await readZones(root)) {
        const labels = { zone: zoneLabel(z), domain: z.domain };
        const before = prev.get(z.dir);
        prev.set(z.dir, { energyUj: z.energyUj, ts: now });
        // A rate needs two readings: the first run only sets the baseline.
        if (!before || now <= before.ts) continue;
        const deltaUj = energyDeltaUj(before.energyUj, z.energyUj, z.maxEnergyRangeUj);
        const total = (joules.get(z.dir) ?? 0) + deltaUj / 1e6;
        joules.set(z.dir, total);
        samples.push({ metric: 'rapl_power_watts', labels, value: deltaUj / 1e6 / ((now - before.ts) / 1000), ts: now });
        samples.push({ metric: 'rapl_energy_joules', labels, value: total, ts: now });
      }
      return samples;
    },
  });
}
