import type { QemuRrdDataResult } from '../integrations/proxmox/api-types.js';

export interface VmMetrics {
  cpu_usage: number | null;
  memory_usage: number | null;
  /** PVE does not see inside a guest's file systems: null from rrddata. */
  disk_usage: number | null;
  network_in: number | null;
  network_out: number | null;
  timestamp: string;
}

const pct = (v: number) => Math.round(v * 1000) / 10;

/** The newest complete `rrddata` point (hour timeframe) as the seed's metrics; null when PVE has none yet. */
export function metricsFromRrd(rows: QemuRrdDataResult): VmMetrics | null {
  const last = [...rows].sort((a, b) => b.time - a.time).find((r) => typeof r.cpu === 'number');
  if (!last) return null;
  return {
    cpu_usage: pct(last.cpu!),
    memory_usage: typeof last.mem === 'number' && last.maxmem ? pct(last.mem / last.maxmem) : null,
    disk_usage: null,
    network_in: typeof last.netin === 'number' ? last.netin : null,
    network_out: typeof last.netout === 'number' ? last.netout : null,
    timestamp: new Date(last.time * 1000).toISOString(),
  };
}
