import type { EnergyMethod } from '../energy/energy.js';
import { combineMethods } from '../energy/energy.js';
import type { NamespaceEnergy } from '../integrations/clouds/onprem-cost.js';
import type { PowerRow } from './power-rows.js';
import { durationText, elapsedSteps, gapRuns, type DataGap } from './report-gaps.js';
import type { ReportData, ReportPeriod, ReportPricing } from './report-data.js';
import { round, sortedKeys } from './series-index.js';
import type { Row } from './table.js';

/** Consumers of each kind (nodes, GPUs, namespaces) in the top consumers table. */
export const TOP_PER_KIND = 5;

/** Running mean and max of the values seen (nulls skipped), with the time of the max. */
class Stat {
  sum = 0;
  n = 0;
  max: number | null = null;
  maxAt: number | null = null;
  add(v: number | string | null | undefined, at: number | null = null): void {
    if (typeof v !== 'number') return;
    this.sum += v;
    this.n++;
    if (this.max === null || v > this.max) {
      this.max = v;
      this.maxAt = at;
    }
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

/** A sum per step (ms -> value): a cluster's or the fleet's power. */
class StepSums extends Map<number, number> {
  addAt(t: number, v: number | null): void {
    if (v !== null) this.set(t, (this.get(t) ?? 0) + v);
  }
  stat(): Stat {
    const s = new Stat();
    for (const [t, v] of [...this].sort((a, b) => a[0] - b[0])) s.add(v, t);
    return s;
  }
}

interface NodeAcc {
  cluster: string;
  node: string;
  energy: Total;
  power: Stat;
  gpu: Stat;
  methods: Set<EnergyMethod | null>;
  /** Steps with a row: the rest are the node's gaps. */
  steps: Set<number>;
}

interface GpuAcc {
  labels: { cluster: string; node: string; gpu: string; uuid: string };
  energy: Total;
  power: Stat;
  util: Stat;
  temp: Stat;
}

const W = 3;
const percent = (part: number | null, whole: number | null) => (part === null || !whole ? null : round((part / whole) * 100, 1));

/**
 * Folds per-step power rows (per node) and GPU metric rows into the
 * report's totals and tables, one row at a time: memory grows with nodes,
 * GPUs and steps, not with rows.
 */
export class ReportAccumulator {
  private readonly nodes = new Map<string, NodeAcc>();
  private readonly gpus = new Map<string, GpuAcc>();
  private readonly clusterPower = new Map<string, StepSums>();
  private readonly clusterEnergy = new Map<string, Total>();
  private readonly fleetPower = new StepSums();
  private readonly fleetSteps = new Set<number>();
  private readonly fleetEnergy = new Total();

  addPower(r: PowerRow): void {
    const key = `${r.cluster}\u0000${r.node ?? ''}`;
    let n = this.nodes.get(key);
    if (!n) this.nodes.set(key, (n = { cluster: r.cluster, node: r.node ?? '', energy: new Total(), power: new Stat(), gpu: new Stat(), methods: new Set(), steps: new Set() }));
    n.energy.add(r.energy_kwh);
    n.power.add(r.total_power_watts, r.timestamp);
    n.gpu.add(r.gpu_power_watts);
    n.methods.add(r.energy_method);
    n.steps.add(r.timestamp);
    this.fleetSteps.add(r.timestamp);
    this.fleetEnergy.add(r.energy_kwh);
    this.fleetPower.addAt(r.timestamp, r.total_power_watts);
    if (!this.clusterPower.has(r.cluster)) {
      this.clusterPower.set(r.cluster, new StepSums());
      this.clusterEnergy.set(r.cluster, new Total());
    }
    this.clusterPower.get(r.cluster)!.addAt(r.timestamp, r.total_power_watts);
    this.clusterEnergy.get(r.cluster)!.add(r.energy_kwh);
  }

  addGpu(r: Row): void {
    const labels = { cluster: String(r.cluster ?? ''), node: String(r.node ?? ''), gpu: String(r.gpu ?? ''), uuid: String(r.uuid ?? '') };
    const key = Object.values(labels).join('\u0000');
    let g = this.gpus.get(key);
    if (!g) this.gpus.set(key, (g = { labels, energy: new Total(), power: new Stat(), util: new Stat(), temp: new Stat() }));
    g.energy.add(r.energy_kwh);
    g.power.add(r.power_watts);
    g.util.add(r.utilization_percent);
    g.temp.add(r.temperature_celsius);
  }

  /** The report; `namespaces` is the GPU energy split by namespace over the same steps (onprem-cost.ts namespaceEnergyInSteps). */
  result(period: ReportPeriod, pricing: ReportPricing, namespaces: readonly NamespaceEnergy[]): ReportData {
    const cost = (kwh: number | null) => (kwh === null || !(pricing.pricePerKwh > 0) ? null : round(kwh * pricing.pricePerKwh, 2));
    const fleetKwh = this.fleetEnergy.kwh;
    const gpus = sortedKeys(this.gpus.keys()).map((k) => {
      const g = this.gpus.get(k)!;
      return {
        ...g.labels,
        energy_kwh: g.energy.kwh,
        cost: cost(g.energy.kwh),
        average_power_watts: round(g.power.mean(), W),
        peak_power_watts: round(g.power.max, W),
        average_utilization_percent: round(g.util.mean(), W),
        max_temperature_celsius: round(g.temp.max, W),
      };
    });

    const fleetMissing = (t: number) => !this.fleetSteps.has(t);
    const steps = elapsedSteps(period.start, period.end, period.step, period.now, (t) => !fleetMissing(t));
    const ended = (t: number) => t + period.step <= period.now;
    const gaps: DataGap[] = gapRuns(steps, period.step, 'fleet', fleetMissing);
    const nodeKeys = sortedKeys(this.nodes.keys());
    for (const k of nodeKeys) {
      const n = this.nodes.get(k)!;
      gaps.push(...gapRuns(steps, period.step, `${n.cluster}/${n.node}`, (t) => !n.steps.has(t) && ended(t), (t) => !fleetMissing(t)));
    }
    const nodes = nodeKeys.map((k) => {
      const n = this.nodes.get(k)!;
      return {
        cluster: n.cluster,
        node: n.node,
        energy_kwh: n.energy.kwh,
        cost: cost(n.energy.kwh),
        share_percent: percent(n.energy.kwh, fleetKwh),
        average_power_watts: round(n.power.mean(), W),
        peak_power_watts: round(n.power.max, W),
        peak_at: n.power.maxAt,
        average_gpu_power_watts: round(n.gpu.mean(), W),
        coverage_percent: percent(steps.filter((t) => n.steps.has(t)).length, steps.length),
        energy_method: combineMethods(n.methods),
      };
    });

    const clusters = sortedKeys(this.clusterPower.keys()).map((c) => {
      const power = this.clusterPower.get(c)!.stat();
      const kwh = this.clusterEnergy.get(c)!.kwh;
      return {
        cluster: c,
        nodes: nodes.filter((n) => n.cluster === c).length,
        gpus: gpus.filter((g) => g.cluster === c).length,
        energy_kwh: kwh,
        cost: cost(kwh),
        share_percent: percent(kwh, fleetKwh),
        average_power_watts: round(power.mean(), W),
        peak_power_watts: round(power.max, W),
        peak_at: power.maxAt,
      };
    });

    const gpuKwh = namespaces.reduce((a, n) => a + n.kwh, 0);
    const nsRows = namespaces.map((n) => ({ cluster: n.cluster, kind: n.kind, namespace: n.namespace, energy_kwh: n.kwh, cost: cost(n.kwh), share_percent: percent(n.kwh, gpuKwh) }));

    const top = (kind: string, rows: { name: string; kwh: number | null }[]) =>
      rows
        .filter((r): r is { name: string; kwh: number } => r.kwh !== null)
        .sort((a, b) => b.kwh - a.kwh)
        .slice(0, TOP_PER_KIND)
        .map((r, i) => ({ kind, rank: i + 1, name: r.name, energy_kwh: r.kwh, cost: cost(r.kwh), share_percent: percent(r.kwh, fleetKwh) }));
    const topRows = [
      ...top('node', nodes.map((n) => ({ name: `${n.cluster}/${n.node}`, kwh: n.energy_kwh }))),
      ...top('gpu', gpus.map((g) => ({ name: `${g.cluster}/${g.node}/gpu ${g.gpu}`, kwh: g.energy_kwh }))),
      ...top('namespace', namespaces.map((n) => ({ name: n.kind === 'pod' ? `${n.cluster}/${n.namespace || '(unknown namespace)'}` : `${n.cluster} (${n.kind})`, kwh: n.kwh }))),
    ];

    const fleet = this.fleetPower.stat();
    return {
      period,
      pricing,
      fleet: {
        energy_kwh: fleetKwh,
        cost: cost(fleetKwh),
        average_power_watts: round(fleet.mean(), W),
        peak_power_watts: round(fleet.max, W),
        peak_at: fleet.maxAt,
        clusters: clusters.length,
        nodes: nodes.length,
        gpus: gpus.length,
        coverage_percent: percent(steps.filter((t) => !fleetMissing(t)).length, steps.length),
        gaps: gaps.length,
      },
      clusters,
      nodes,
      gpus,
      namespaces: nsRows,
      top: topRows,
      gaps: gaps.map((g) => ({ scope: g.scope, from: g.from, to: g.to, duration: durationText(g.to - g.from), steps: g.steps })),
      series: [...this.fleetPower.entries()].sort((a, b) => a[0] - b[0]),
      fleetGaps: gaps.filter((g) => g.scope === 'fleet').map(({ from, to }) => ({ from, to })),
    };
  }
}
