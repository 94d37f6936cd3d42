import type { EnergyMethod } from '../energy/energy.js';
import { combineMethods } from '../energy/energy.js';
import type { PowerRow } from './power-rows.js';
import { round, sortedKeys } from './series-index.js';
import type { Column, Row } from './table.js';

export const REPORT_TEMPLATES = { daily: { period: '1d', step: '5m' }, weekly: { period: '1w', step: '1h' }, monthly: { period: '1m', step: '6h' } } as const;
export type ReportTemplate = keyof typeof REPORT_TEMPLATES;

export interface FleetTotals {
  energy_kwh: number | null;
  /** Mean over the steps with data of the fleet's summed power. */
  average_power_watts: number | null;
  /** Highest step average of the fleet's summed power (not a single sample). */
  peak_power_watts: number | null;
  peak_at: number | null;
  nodes: number;
  gpus: number;
}

export interface ReportData {
  fleet: FleetTotals;
  nodes: Row[];
  gpus: Row[];
  /** Fleet power per step, ascending: the chart. */
  series: [number, number][];
}

export const NODE_SUMMARY_COLUMNS: readonly Column[] = [
  { key: 'cluster', type: 'string' },
  { key: 'node', type: 'string' },
  { key: 'energy_kwh', type: 'double' },
  { key: 'average_power_watts', type: 'double' },
  { key: 'peak_power_watts', type: 'double' },
  { key: 'average_gpu_power_watts', type: 'double' },
  { key: 'energy_method', type: 'string' },
];

export const GPU_SUMMARY_COLUMNS: readonly Column[] = [
  { key: 'cluster', type: 'string' },
  { key: 'node', type: 'string' },
  { key: 'gpu', type: 'string' },
  { key: 'uuid', type: 'string' },
  { key: 'energy_kwh', type: 'double' },
  { key: 'average_power_watts', type: 'double' },
  { key: 'peak_power_watts', type: 'double' },
  { key: 'average_utilization_percent', type: 'double' },
  { key: 'max_temperature_celsius', type: 'double' },
];

/** Running mean and max of the values seen (nulls skipped). */
class Stat {
  sum = 0;
  n = 0;
  max: number | null = null;
  add(v: number | string | null | undefined): void {
    if (typeof v !== 'number') return;
    this.sum += v;
    this.n++;
    if (this.max === null || v > this.max) this.max = v;
  }
  mean(): number | null {
    return this.n ? this.sum / this.n : null;
  }
}

/** Energy added up over steps; null until some step has a value. */
class Total {
  kwh: number | null = null;
  add(v: number | string | null | undefined): void {
    if (typeof v === 'number') this.kwh = (this.kwh ?? 0) + v;
  }
}

interface NodeAcc {
  cluster: string;
  node: string;
  energy: Total;
  power: Stat;
  gpu: Stat;
  methods: Set<EnergyMethod | null>;
}

interface GpuAcc {
  labels: Row;
  energy: Total;
  power: Stat;
  util: Stat;
  temp: Stat;
}

/**
 * Folds per-step power rows (per node) and GPU metric rows into the
 * report's totals and tables, one row at a time: memory grows with nodes,
 * GPUs and steps, not with rows.
 */
export class ReportAccumulator {
  private readonly nodes = new Map<string, NodeAcc>();
  private readonly gpus = new Map<string, GpuAcc>();
  private readonly fleetPower = new Map<number, number>();
  private readonly fleetEnergy = new Total();

  addPower(r: PowerRow): void {
    const key = `${r.cluster}\u0000${r.node ?? ''}`;
    let n = this.nodes.get(key);
    if (!n) this.nodes.set(key, (n = { cluster: r.cluster, node: r.node ?? '', energy: new Total(), power: new Stat(), gpu: new Stat(), methods: new Set() }));
    n.energy.add(r.energy_kwh);
    n.power.add(r.total_power_watts);
    n.gpu.add(r.gpu_power_watts);
    n.methods.add(r.energy_method);
    this.fleetEnergy.add(r.energy_kwh);
    if (r.total_power_watts !== null) this.fleetPower.set(r.timestamp, (this.fleetPower.get(r.timestamp) ?? 0) + r.total_power_watts);
  }

  addGpu(r: Row): void {
    const key = `${r.cluster}\u0000${r.node}\u0000${r.gpu}\u0000${r.uuid}`;
    let g = this.gpus.get(key);
    if (!g) this.gpus.set(key, (g = { labels: { cluster: r.cluster ?? null, node: r.node ?? null, gpu: r.gpu ?? null, uuid: r.uuid ?? null }, energy: new Total(), power: new Stat(), util: new Stat(), temp: new Stat() }));
    g.energy.add(r.energy_kwh);
    g.power.add(r.power_watts);
    g.util.add(r.utilization_percent);
    g.temp.add(r.temperature_celsius);
  }

  result(): ReportData {
    const series = [...this.fleetPower.entries()].sort((a, b) => a[0] - b[0]);
    const fleet = new Stat();
    let peakAt: number | null = null;
    for (const [ts, w] of series) {
      if (fleet.max === null || w > fleet.max) peakAt = ts;
      fleet.add(w);
    }
    const nodes = sortedKeys(this.nodes.keys()).map((k) => {
      const n = this.nodes.get(k)!;
      return {
        cluster: n.cluster,
        node: n.node,
        energy_kwh: n.energy.kwh,
        average_power_watts: round(n.power.mean(), 3),
        peak_power_watts: round(n.power.max, 3),
        average_gpu_power_watts: round(n.gpu.mean(), 3),
        energy_method: combineMethods(n.methods),
      };
    });
    const gpus = sortedKeys(this.gpus.keys()).map((k) => {
      const g = this.gpus.get(k)!;
      return {
        ...g.labels,
        energy_kwh: g.energy.kwh,
        average_power_watts: round(g.power.mean(), 3),
        peak_power_watts: round(g.power.max, 3),
        average_utilization_percent: round(g.util.mean(), 3),
        max_temperature_celsius: round(g.temp.max, 3),
      };
    });
    return {
      fleet: {
        energy_kwh: this.fleetEnergy.kwh,
        average_power_watts: round(fleet.mean(), 3),
        peak_power_watts: round(fleet.max, 3),
        peak_at: peakAt,
        nodes: nodes.length,
        gpus: gpus.length,
      },
      nodes,
      gpus,
      series,
    };
  }
}

/** The fleet totals as label/value rows (the summary sheet and the PDF's first table). */
export function summaryRows(f: FleetTotals): Row[] {
  return [
    { metric: 'energy_kwh', value: f.energy_kwh },
    { metric: 'average_power_watts', value: f.average_power_watts },
    { metric: 'peak_power_watts', value: f.peak_power_watts },
    { metric: 'peak_at', value: f.peak_at === null ? null : new Date(f.peak_at).toISOString() },
    { metric: 'nodes', value: f.nodes },
    { metric: 'gpus', value: f.gpus },
  ];
}

export const SUMMARY_COLUMNS: readonly Column[] = [
  { key: 'metric', type: 'string' },
  { key: 'value', type: 'string' },
];

export const SERIES_COLUMNS: readonly Column[] = [
  { key: 'timestamp', type: 'timestamp' },
  { key: 'total_power_watts', type: 'double' },
];
