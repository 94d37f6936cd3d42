import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector, type PollingSpec } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { detectRapl } from './detect.js';
import { RaplMeter } from './meter.js';
import { readZones, type FileReader } from './source.js';

/**
 * The RAPL collector as a polling spec: each run reads every zone's
 * energy_uj and turns it into `rapl_power_watts` / `rapl_energy_joules`.
 * `collect(now)` uses the given clock, so tests drive Δt exactly.
 */
export function raplSpec(config: AgentConfig, deps: CollectorDeps, read?: FileReader): PollingSpec {
  const root = config.collectors.rapl.root;
  const meter = new RaplMeter();
  const reported = new Set<string>();
  return {
    name: 'rapl',
    intervalMs: parseDuration(config.collectors.rapl.interval),
    detect: () => detectRapl(root, read),
    async onStart(sink) {
      try {
        const { zones } = await readZones(root, read);
        sink.inventory({
          rapl: zones.map((z) => ({ zone: z.label, dir: z.dir, domain: z.domain, package: z.packageIndex, maxEnergyRangeUj: z.maxEnergyRangeUj })),
        });
      } catch (err) {
        // Started although detect() said no (enabled: true): every run will report the same error.
        sink.error(err as Error);
      }
    },
    async collect(now) {
      const { zones, failed } = await readZones(root, read);
      for (const f of failed) {
        const msg = `${f.dir}: ${f.error}`;
        if (!reported.has(msg)) deps.log.warn({ zone: f.dir, err: f.error }, 'RAPL zone unreadable; skipped');
        reported.add(msg);
      }
      if (zones.length === 0 && failed.length > 0) throw new Error(`no RAPL zone readable: ${failed.map((f) => `${f.dir}: ${f.error}`).join('; ')}`);
      return meter.update(zones, now);
    },
  };
}

/** CPU package / DRAM / platform power from RAPL energy counters under `collectors.rapl.root`. */
export function createRaplCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  return pollingCollector(raplSpec(config, deps));
}
