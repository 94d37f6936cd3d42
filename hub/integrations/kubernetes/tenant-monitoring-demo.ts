import { createHash } from 'node:crypto';
import { SERVICE_PROFILES, type ServiceType } from './sizing.js';
import type { MetricKey } from './tenant-metrics.js';
import type { Tenant } from './tenant-store.js';

/** Band [low, high] of each simulated key; keys not listed are not simulated (GPU power: a demo tenant runs nowhere to measure). */
const BANDS: Partial<Record<MetricKey, [number, number]>> = {
  cpu: [35, 75],
  memory: [45, 80],
  gpu: [50, 90],
  network_in: [500_000, 2_000_000],
  network_out: [300_000, 1_200_000],
};

/** The values swing once per hour around the band's middle, each tenant and key at its own phase. */
const PERIOD_MS = 3_600_000;

const hasGpu = (t: Pick<Tenant, 'requirements'>) => Object.entries(t.requirements).some(([s, n]) => (n ?? 0) > 0 && SERVICE_PROFILES[s as ServiceType].gpu > 0);

function phaseOf(tenantId: string, key: string): number {
  return (createHash('sha256').update(`${tenantId}\0${key}`).digest().readUInt32BE(0) / 0x1_0000_0000) * 2 * Math.PI;
}

/**
 * A demo tenant's simulated value of a key at `ts` (answers mark it
 * `simulated`): deterministic in tenant, key and time, so two reads of the
 * same moment agree and a test can compute what it must see. Null where a
 * real tenant of this shape would have nothing either (GPU use without GPU
 * services) and for keys that are not simulated.
 */
export function simulatedValue(t: Pick<Tenant, 'tenantId' | 'requirements'>, key: MetricKey, ts: number): number | null {
  const band = BANDS[key];
  if (!band || (key === 'gpu' && !hasGpu(t))) return null;
  const [low, high] = band;
  const wave = Math.sin((2 * Math.PI * ts) / PERIOD_MS + phaseOf(t.tenantId, key));
  return Math.round((low + ((high - low) * (1 + wave)) / 2) * 10) / 10;
}
