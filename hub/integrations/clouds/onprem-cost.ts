import type { ResultSeries, SeriesSource } from '../../../shared/query/types.js';
import { ExportStores } from '../../export/export-stores.js';
import { stepSpan } from '../../export/power-rows.js';
import { powerRows } from '../../export/power-table.js';
import type { ExportInput } from '../../export/store-reader.js';
import { runQuery } from '../../../shared/query/engine.js';
import type { RemoteReader } from '../../remote-read/remote-read.js';
import type { LatestSample } from '../../fleet/latest-values.js';
import { attributeGpuPower, gpuKey, type AttributionKind } from '../../streams/gpu-attribution.js';
import { withPodLabels, type PodLookup } from '../kubernetes/pod-labels.js';
import type { CostItem, DateRange } from './cost-analysis.js';

const HOUR_MS = 3_600_000;

/** The hourly steps of the range up to `now` (nothing when the range has not begun). */
function hourlyRange(range: DateRange, now: number): { start: number; end: number; step: number } | null {
  const start = Date.parse(`${range.start}T00:00:00Z`);
  const end = Math.min(Date.parse(`${range.end}T00:00:00Z`), now);
  return end > start ? { start, end, step: HOUR_MS } : null;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Steps of a range: start on the step grid, end exclusive. */
export interface StepRange {
  start: number;
  end: number;
  step: number;
}

/**
 * The stores the on-prem cost of `range` reads: with storage.remoteRead,
 * the remote store for the hours the local one no longer keeps (or all of
 * them in `always` mode), as the exports read them (docs/scale-out.md
 * "Remote read"); the local store alone without it.
 */
export function onpremStores(local: SeriesSource, remote: RemoteReader | null, range: DateRange, now: number): ExportStores {
  const hours = hourlyRange(range, now);
  return new ExportStores(local, remote, hours ?? { start: now, end: now, step: HOUR_MS });
}

/** One day of steps and the source that holds it (for stores, the day's remote part fetched for `metrics` alone). */
interface DaySource {
  source: SeriesSource;
  start: number;
  end: number;
}

/** The range a day at a time (memory holds one day of series), each day's source ready for average-per-step queries of `metrics`. */
async function* byDay(input: ExportInput, metrics: readonly string[], steps: StepRange): AsyncGenerator<DaySource> {
  for (let start = steps.start; start < steps.end; start += 24 * HOUR_MS) {
    const end = Math.min(start + 24 * HOUR_MS, steps.end);
    const requests = metrics.map((metric) => ({ metric, agg: 'avg' as const, matchers: [] }));
    const source = input instanceof ExportStores ? await input.windowSource(requests, { start, end, step: steps.step }) : input;
    yield { source, start, end };
  }
}

/** One day's average per step of `metric`. */
const dayQuery = (day: DaySource, metric: string, step: number): ResultSeries[] => runQuery(day.source, { metric, matchers: [], start: day.start, end: day.end, step, agg: 'avg' });

/** Energy of one node on one day. */
export interface NodeDayEnergy {
  date: string;
  cluster: string;
  node: string;
  kwh: number;
}

/**
 * The fleet's measured energy per node and day over the range, from the
 * hub's store (or `onpremStores`) the same way /export/power computes it (energy counters'
 * increase where a device has one, else power x time; BMC power when the
 * node has a BMC), in hourly steps up to `now`.
 */
export async function fleetEnergy(source: ExportInput, range: DateRange, now: number): Promise<NodeDayEnergy[]> {
  const hours = hourlyRange(range, now);
  const sums = new Map<string, NodeDayEnergy>();
  if (!hours) return [];
  for await (const row of powerRows(source, hours)) {
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

/** GPU-hours of one node on one day: each GPU counts each hour it reported its power in. */
export interface NodeDayGpuHours {
  date: string;
  cluster: string;
  node: string;
  gpuHours: number;
}

/** Every node's GPU-hours per day over the range (gpu_power_watts series with a sample in the hour; the hour under way counts up to now). */
export async function fleetGpuHours(source: ExportInput, range: DateRange, now: number): Promise<NodeDayGpuHours[]> {
  const hours = hourlyRange(range, now);
  if (!hours) return [];
  const sums = new Map<string, NodeDayGpuHours>();
  const span = stepSpan(hours);
  for await (const day of byDay(source, ['gpu_power_watts'], hours)) {
    for (const series of dayQuery(day, 'gpu_power_watts', hours.step)) {
      for (const [t] of series.points) {
        const date = isoDate(t);
        const cluster = series.labels.cluster ?? '';
        const node = series.labels.node ?? '';
        const key = `${date}\u0000${cluster}\u0000${node}`;
        const sum = sums.get(key) ?? { date, cluster, node, gpuHours: 0 };
        sum.gpuHours += span(t) / HOUR_MS;
        sums.set(key, sum);
      }
    }
  }
  return [...sums.values()];
}

/** Per-GPU-hour amortisation: one item per node and day (service `<cluster>/<node> GPU hours`). */
export function gpuHourCostItems(hours: readonly NodeDayGpuHours[], pricePerGpuHour: number): CostItem[] {
  return hours.map((h) => ({ provider: 'onprem', date: h.date, service: `${h.cluster}/${h.node} GPU hours`, cost: h.gpuHours * pricePerGpuHour, estimated: true }));
}

/** GPU energy of one Kubernetes namespace (or of what no namespace holds) in one cluster. */
export interface NamespaceEnergy {
  cluster: string;
  /** `pod`: a namespace's pods; `host`: processes outside pods; `idle`: power no process drew; `unattributed`: GPUs whose agent sends no per-process split. */
  kind: AttributionKind;
  /** The namespace for `pod`; empty when neither the agent nor the hub's pod directory knows the pod's namespace. Null for the other kinds. */
  namespace: string | null;
  kwh: number;
  /** GPU-hours: each GPU's hour split by the same power shares (a GPU that drew nothing: to its idle or unattributed part). */
  gpuHours: number;
}

/** A day's series as latest-value samples (what the attribution takes) per step. */
function samplesByStep(series: readonly ResultSeries[]): Map<number, LatestSample[]> {
  const out = new Map<number, LatestSample[]>();
  for (const s of series) {
    for (const [t, value] of s.points) {
      const at = out.get(t);
      const sample = { metric: s.metric, labels: s.labels, ts: t, value };
      if (at) at.push(sample);
      else out.set(t, [sample]);
    }
  }
  return out;
}

/**
 * A process sample with its pod's namespace: the agent's when it resolved
 * the pod, else the directory's for a pod that exists now; a process in a
 * pod neither can name keeps its `pod_uid` as pod name, so it counts as a
 * pod of an unknown (empty) namespace rather than as a host process.
 */
function inPod(p: LatestSample, lookup: PodLookup | null): LatestSample {
  if (!p.labels.pod_uid || p.labels.namespace) return p;
  const named = lookup ? withPodLabels([p], lookup)[0]! : p;
  return named.labels.pod ? named : { ...named, labels: { ...named.labels, pod: p.labels.pod_uid } };
}

/**
 * The fleet's GPU energy per cluster and Kubernetes namespace over the
 * range: each hour, each GPU's average power split by its processes'
 * shares (gpu_process_power_watts, as /monitor/power splits current power:
 * hub/streams/gpu-attribution.ts), x 1 h. A process's namespace is the one
 * its series carries (the agent's resolver), else the hub's pod directory
 * by `pod_uid` (`lookup`; only pods that exist now); a pod neither knows
 * has an empty namespace. Only GPU energy: a node's CPU, memory and the
 * rest of its power belong to no namespace. Each GPU's hours are split by
 * the same shares, GPU by GPU (for the per-GPU-hour amortisation).
 */
export async function namespaceEnergy(source: ExportInput, range: DateRange, now: number, lookup: PodLookup | null): Promise<NamespaceEnergy[]> {
  const hours = hourlyRange(range, now);
  return hours ? namespaceEnergyInSteps(source, hours, lookup) : [];
}

/** namespaceEnergy over any step grid (the reports' 5 m, 1 h, 6 h): each step's average power x the step's length within the range (a last step the range's end cuts short counts only its part). */
export async function namespaceEnergyInSteps(source: ExportInput, steps: StepRange, lookup: PodLookup | null): Promise<NamespaceEnergy[]> {
  const span = stepSpan(steps);
  const sums = new Map<string, NamespaceEnergy>();
  const add = (b: NamespaceEnergy) => {
    const key = `${b.cluster}\u0000${b.kind}\u0000${b.namespace ?? ''}`;
    const sum = sums.get(key) ?? { ...b, kwh: 0, gpuHours: 0 };
    sum.kwh += b.kwh;
    sum.gpuHours += b.gpuHours;
    sums.set(key, sum);
  };
  for await (const day of byDay(source, ['gpu_power_watts', 'gpu_process_power_watts'], steps)) {
    const processes = samplesByStep(dayQuery(day, 'gpu_process_power_watts', steps.step));
    for (const [t, gpuNow] of samplesByStep(dayQuery(day, 'gpu_power_watts', steps.step))) {
      const hoursPerStep = span(t) / HOUR_MS;
      const named = (processes.get(t) ?? []).map((p) => inPod(p, lookup));
      for (const cluster of new Set(gpuNow.map((g) => g.labels.cluster ?? ''))) {
        const inCluster = (x: LatestSample) => (x.labels.cluster ?? '') === cluster;
        for (const b of attributeGpuPower(gpuNow.filter(inCluster), named.filter(inCluster), 'namespace')) {
          add({ cluster, kind: b.kind, namespace: b.namespace, kwh: (b.watts * hoursPerStep) / 1000, gpuHours: 0 });
        }
      }
      // The step's hour of each GPU, split by that GPU's own shares.
      const ofGpu = (x: LatestSample) => `${x.labels.cluster ?? ''}\u0000${gpuKey(x.labels)}`;
      const splits = new Map<string, LatestSample[]>();
      for (const p of named) {
        const list = splits.get(ofGpu(p));
        if (list) list.push(p);
        else splits.set(ofGpu(p), [p]);
      }
      for (const gpu of gpuNow) {
        const buckets = attributeGpuPower([gpu], splits.get(ofGpu(gpu)) ?? [], 'namespace');
        const watts = buckets.reduce((s, b) => s + b.watts, 0);
        for (const b of buckets) add({ cluster: gpu.labels.cluster ?? '', kind: b.kind, namespace: b.namespace, kwh: 0, gpuHours: watts > 0 ? (hoursPerStep * b.watts) / watts : hoursPerStep / buckets.length });
      }
    }
  }
  // Largest first; ties in a fixed order (cluster, kind, namespace).
  return [...sums.values()].sort((a, b) => b.kwh - a.kwh || a.cluster.localeCompare(b.cluster) || a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? ''));
}

/** Energy, GPU-hours and cost (energy x the kWh price + GPU-hours x the GPU-hour price) per cluster and namespace for the on-prem breakdown. */
export function namespaceCosts(energy: readonly NamespaceEnergy[], pricePerKwh: number, pricePerGpuHour: number) {
  return energy.map((e) => ({
    cluster: e.cluster,
    kind: e.kind,
    namespace: e.namespace,
    energy_kwh: Math.round(e.kwh * 1000) / 1000,
    gpu_hours: Math.round(e.gpuHours * 1000) / 1000,
    cost: Math.round((e.kwh * pricePerKwh + e.gpuHours * pricePerGpuHour) * 100) / 100,
  }));
}
