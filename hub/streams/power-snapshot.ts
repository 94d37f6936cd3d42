import type { Fleet } from '../fleet/fleet.js';
import { integratedPower, type IntegratedPower, type PowerWatts } from './integrated-power.js';

/** What the WebSocket and SSE streams push (seed 4.4): the integrated power now. */
export interface PowerSnapshot extends PowerWatts {
  timestamp: string;
  /** The same object as GET /monitoring/power's `breakdown`. */
  breakdown: IntegratedPower['breakdown'];
  /**
   * Time of the newest power sample behind these numbers (a node's GPU, RAPL
   * or BMC reading); null when no node reports power. `timestamp` says when
   * the snapshot was computed, this how fresh its data is.
   */
  latest_sample_timestamp: string | null;
}

/** The fleet's power now, from the in-memory latest values (no store read). */
export function powerSnapshot(fleet: Fleet, now: number): PowerSnapshot {
  const { data, nodes } = integratedPower(fleet, { now });
  let newest: number | null = null;
  for (const n of nodes) if (n.ts !== null) newest = Math.max(newest ?? n.ts, n.ts);
  return {
    timestamp: new Date(now).toISOString(),
    total_power_watts: data.total_power_watts,
    gpu_power_watts: data.gpu_power_watts,
    cpu_power_watts: data.cpu_power_watts,
    memory_power_watts: data.memory_power_watts,
    other_power_watts: data.other_power_watts,
    breakdown: data.breakdown,
    latest_sample_timestamp: newest === null ? null : new Date(newest).toISOString(),
  };
}
