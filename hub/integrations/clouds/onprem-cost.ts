import type { SeriesSource } from '../../../shared/query/types.js';
import { powerRows } from '../../export/power-table.js';
import type { CostItem, DateRange } from './cost-analysis.js';

const HOUR_MS = 3_600_000;

/** Energy of one node on one day. */
export interface NodeDayEnergy {
  date: string;
  cluster: string;
  node: string;
  kwh: number;
}

/**
 * The fleet's measured energy per node and day over the range, from the
 * hub's store the same way /export/power computes it (energy counters'
 * increase where a device has one, else power x time; BMC power when the
 * node has a BMC), in hourly steps up to `now`.
 */
export async function fleetEnergy(source: SeriesSource, range: DateRange, now: number): Promise<NodeDayEnergy[]> {
  const start = Date.parse(`${range.start}T00:00:00Z`);
  const end = Math.min(Date.parse(`${range.end}T00:00:00Z`), now);
  const sums = new Map<string, NodeDayEnergy>();
  if (end <= start) return [];
  for await (const row of powerRows(source, { start, end, step: HOUR_MS })) {
    if (row.energy_kwh === null || row.node === null) continue;
    const date = new Date(row.timestamp).toISOString().slice(0, 10);
    const key = `${date}\u0000${row.cluster}\u0000${row.node}`;
    const sum = sums.get(key) ?? { date, cluster: row.cluster, node: row.node, kwh: 0 };
    sum.kwh += row.energy_kwh;
    sums.set(key, sum);
  }
  return [...sums.values()];
}

/** On-prem cost: energy x the configured price per kWh, one item per node and day (service `<cluster>/<node>`); computed, so `estimated`. */
export function onpremCostItems(energy: readonly NodeDayEnergy[], pricePerKwh: number): CostItem[] {
  return energy.map((e) => ({ provider: 'onprem', date: e.date, service: `${e.cluster}/${e.node}`, cost: e.kwh * pricePerKwh, estimated: true }));
}

/** Energy and cost per cluster for the on-prem breakdown. */
export function clusterCosts(energy: readonly NodeDayEnergy[], pricePerKwh: number) {
  const byCluster = new Map<string, number>();
  for (const e of energy) byCluster.set(e.cluster, (byCluster.get(e.cluster) ?? 0) + e.kwh);
  return [...byCluster].sort((a, b) => b[1] - a[1]).map(([cluster, kwh]) => ({ cluster, energy_kwh: Math.round(kwh * 1000) / 1000, cost: Math.round(kwh * pricePerKwh * 100) / 100 }));
}
