import { access, constants, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../../config.js';
import { parseDuration } from '../../../shared/duration.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, Detection } from '../types.js';
import { RaplMeter } from './meter.js';
import { zoneLabel, ZONE_DIR } from './parse.js';
import { readZones } from './source.js';

async function canRead(path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether RAPL can be read under `root`; `readable` is injectable because tests run as root, who reads anything. */
export async function detectRapl(root: string, readable: (path: string) => Promise<boolean> = canRead): Promise<Detection> {
  let dirs: string[];
  try {
    dirs = (await readdir(root)).filter((d) => ZONE_DIR.test(d));
  } catch {
    return { available: false, reason: `no powercap at ${root} (not an Intel/AMD RAPL host, or the kernel lacks intel_rapl)` };
  }
  if (dirs.length === 0) return { available: false, reason: `no intel-rapl zones under ${root}` };
  const probe = join(root, dirs[0]!, 'energy_uj');
  if (!(await readable(probe))) {
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
  const meter = new RaplMeter();
  return pollingCollector({
    name: 'rapl',
    intervalMs: parseDuration(config.collectors.rapl.interval),
    detect: () => detectRapl(root),
    async onStart(sink) {
      const zones = await readZones(root);
      sink.inventory({ rapl: zones.map((z) => ({ zone: zoneLabel(z), domain: z.domain, maxEnergyRangeUj: z.maxEnergyRangeUj })) });
    },
    collect: async (now) => meter.update(await readZones(root), now),
  });
}
