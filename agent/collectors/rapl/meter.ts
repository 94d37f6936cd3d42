import type { Sample } from '../types.js';
import { energyDelta, powerWatts, type RaplZone } from './parse.js';

interface ZoneState {
  energyUj: number;
  ts: number;
  /** µJ since the agent started; a BigInt so months of summing stay exact. */
  totalUj: bigint;
}

/**
 * Turns successive counter readings into power (Δenergy/Δt) and a
 * wrap-corrected energy counter that only grows from agent start. Pure
 * apart from its memory of the previous reading: the caller supplies `now`.
 */
export class RaplMeter {
  private readonly state = new Map<string, ZoneState>();

  /** Samples for this reading; none for a zone seen for the first time (a rate needs two readings). */
  update(zones: readonly RaplZone[], now: number): Sample[] {
    const samples: Sample[] = [];
    for (const z of zones) {
      const before = this.state.get(z.path);
      if (!before) {
        this.state.set(z.path, { energyUj: z.energyUj, ts: now, totalUj: 0n });
        continue;
      }
      // A clock that did not advance (or stepped back) gives no rate; keep the older baseline.
      if (now <= before.ts) continue;
      const deltaUj = energyDelta(before.energyUj, z.energyUj, z.maxEnergyRangeUj);
      const totalUj = before.totalUj + BigInt(deltaUj);
      this.state.set(z.path, { energyUj: z.energyUj, ts: now, totalUj });
      const labels = { zone: z.label, domain: z.domain };
      samples.push({ metric: 'rapl_power_watts', labels, value: powerWatts(deltaUj, now - before.ts), ts: now });
      samples.push({ metric: 'rapl_energy_joules', labels, value: Number(totalUj) / 1e6, ts: now });
    }
    return samples;
  }
}
