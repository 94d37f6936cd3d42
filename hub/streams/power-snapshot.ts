import type { Fleet } from '../fleet/fleet.js';
import { integratedPower, type IntegratedPower } from './integrated-power.js';

/** What the WebSocket and SSE streams push (seed 4.4): the integrated power now. */
export interface PowerSnapshot {
  timestamp: string;
  total_power_watts: number | null;
  gpu_power_watts: number | null;
  cpu_power_watts: number | null;
  memory_power_watts: number | null;
  other_power_watts: number | null;
  /** The same object as GET /monitoring/power's `breakdown`. */
  breakdown: IntegratedPower['breakdown'];
}

/** The fleet's power now, from the in-memory latest values (no store read). */
export function powerSnapshot(fleet: Fleet, now: number): PowerSnapshot {
  const { data } = integratedPower(fleet, { now });
  return {
    timestamp: new Date(now).toISOString(),
    total_power_watts: data.total_power_watts,
    gpu_power_watts: data.gpu_power_watts,
    cpu_power_watts: data.cpu_power_watts,
    memory_power_watts: data.memory_power_watts,
    other_power_watts: data.other_power_watts,
    breakdown: data.breakdown,
  };
}
