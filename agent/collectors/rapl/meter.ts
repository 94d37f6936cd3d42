import type { Sample } from '../types.js';
import { energyDeltaUj, zoneLabel, type ZoneReading } from './parse.js';

/**
 * Turns successive counter readings into power (Δenergy/Δt) and a
 * wrap-corrected energy counter that only grows from agent start.
 */
export class RaplMeter {
  private readonly prev = new Map<string, { energyUj: number; ts: number }>();
  private readonly joules = new Map<string, number>();

  update(zones: readonly ZoneReading[], now: number): Sample[] {
    const samples: Sample[] = [];
    for (const z of zones) {
      const labels = { zone: zoneLabel(z), domain: z.domain };
      const before = this.prev.get(z.dir);
      this.prev.set(z.dir, { energyUj: z.energyUj, ts: now });
      // A rate needs two readings: the first one only sets the baseline.
      if (!before || now <= before.ts) continue;
      const deltaUj = energyDeltaUj(before.energyUj, z.energyUj, z.maxEnergyRangeUj);
      const total = (this.joules.get(z.dir) ?? 0) + deltaUj / 1e6;
      this.joules.set(z.dir, total);
      samples.push({ metric: 'rapl_power_watts', labels, value: deltaUj / 1e6 / ((now - before.ts) / 1000), ts: now });
      samples.push({ metric: 'rapl_energy_joules', labels, value: total, ts: now });
    }
    return samples;
  }
}
