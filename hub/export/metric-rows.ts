import type { Labels } from '../../shared/schema/message.js';
import type { ResultSeries } from '../../shared/query/types.js';
import { stepEnergy } from '../energy/energy.js';
import { stepSpan, type PowerRow, type PowerWindowData } from './power-rows.js';
import { nodeKey, round, sortedKeys, splitKey, stepsOf, sumBy, type StepValues } from './series-index.js';
import type { Column, Row } from './table.js';

const MIB = 1024 * 1024;
const col = (key: string, type: Column['type'] = 'double'): Column => ({ key, type });
const head = [col('timestamp', 'timestamp'), col('cluster', 'string'), col('node', 'string')];

export const GPU_COLUMNS: readonly Column[] = [
  ...head,
  col('gpu', 'string'),
  col('uuid', 'string'),
  col('power_watts'),
  col('energy_kwh'),
  col('energy_method', 'string'),
  col('utilization_percent'),
  col('memory_used_mb'),
  col('temperature_celsius'),
];
export const NODE_COLUMNS: readonly Column[] = [...head, col('cpu_utilization_percent'), col('memory_used_mb'), col('memory_utilization_percent'), col('power_watts'), col('energy_kwh'), col('energy_method', 'string')];
export const POD_COLUMNS: readonly Column[] = [...head, col('namespace', 'string'), col('pod', 'string'), col('gpu_power_watts'), col('gpu_energy_kwh'), col('energy_method', 'string')];

/** Rows of named per-key step maps: one row per key and step where any map has a value, by step then key. */
function rowsOf(maps: Record<string, Map<string, StepValues>>, make: (ts: number, key: string, at: (name: string) => number | null) => Row): Row[] {
  const keys = sortedKeys(new Set(Object.values(maps).flatMap((m) => [...m.keys()])));
  const rows: Row[] = [];
  for (const key of keys) {
    const own = Object.fromEntries(Object.entries(maps).map(([name, m]) => [name, m.get(key)]));
    for (const ts of stepsOf(Object.values(own))) rows.push(make(ts, key, (name) => own[name]?.get(ts) ?? null));
  }
  return rows.sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
}

/** One window of GPU query results (avg per step; gpu_energy_joules as increase). */
export interface GpuWindowData {
  start: number;
  step: number;
  /** As PowerWindowData's: a last step the range's end cuts short integrates power over its own length only. */
  end?: PowerWindowData['end'];
  power: ResultSeries[];
  energy: ResultSeries[];
  utilization: ResultSeries[];
  memoryUsed: ResultSeries[];
  temperature: ResultSeries[];
}

const gpuKey = (l: Labels) => [l.cluster ?? '', l.node ?? '', l.gpu ?? '', l.uuid ?? ''].join('\u0000');

/** Per-GPU rows of one window. */
export function gpuRows(w: GpuWindowData): Row[] {
  const by = (r: ResultSeries[]) => sumBy(r, gpuKey, w.start);
  const span = stepSpan(w);
  return rowsOf({ power: by(w.power), energy: by(w.energy), util: by(w.utilization), mem: by(w.memoryUsed), temp: by(w.temperature) }, (ts, key, at) => {
    const [cluster, node, gpu, uuid] = splitKey(key);
    const energy = stepEnergy({ watts: at('power'), joules: at('energy') }, span(ts));
    const mem = at('mem');
    return {
      timestamp: ts,
      cluster: cluster ?? null,
      node: node ?? null,
      gpu: gpu || null,
      uuid: uuid || null,
      power_watts: round(at('power'), 3),
      energy_kwh: energy?.kwh ?? null,
      energy_method: energy?.method ?? null,
      utilization_percent: round(at('util'), 3),
      memory_used_mb: mem === null ? null : round(mem / MIB, 3),
      temperature_celsius: round(at('temp'), 3),
    };
  });
}

/** One window of host query results plus the window's per-node power rows. */
export interface NodeWindowData {
  start: number;
  cpu: ResultSeries[];
  memoryUsed: ResultSeries[];
  memoryTotal: ResultSeries[];
  power: readonly PowerRow[];
}

/** Per-node rows of one window: host utilisation with the node's total power and energy. */
export function nodeRows(w: NodeWindowData): Row[] {
  const power = new Map<string, StepValues>();
  const energy = new Map<string, StepValues>();
  const methods = new Map<string, string>();
  for (const r of w.power) {
    const key = nodeKey({ cluster: r.cluster, node: r.node ?? '' });
    if (r.total_power_watts !== null) (power.get(key) ?? power.set(key, new Map()).get(key)!).set(r.timestamp, r.total_power_watts);
    if (r.energy_kwh !== null) (energy.get(key) ?? energy.set(key, new Map()).get(key)!).set(r.timestamp, r.energy_kwh);
    if (r.energy_method !== null) methods.set(`${key}\u0000${r.timestamp}`, r.energy_method);
  }
  const by = (r: ResultSeries[]) => sumBy(r, nodeKey, w.start);
  return rowsOf({ cpu: by(w.cpu), used: by(w.memoryUsed), total: by(w.memoryTotal), power, energy }, (ts, key, at) => {
    const [cluster, node] = splitKey(key);
    const used = at('used');
    const total = at('total');
    return {
      timestamp: ts,
      cluster: cluster ?? null,
      node: node ?? null,
      cpu_utilization_percent: round(at('cpu'), 3),
      memory_used_mb: used === null ? null : round(used / MIB, 3),
      memory_utilization_percent: used === null || !total ? null : round((used / total) * 100, 3),
      power_watts: at('power'),
      energy_kwh: at('energy'),
      energy_method: methods.get(`${key}\u0000${ts}`) ?? null,
    };
  });
}

/** One window of per-process GPU power (avg) and energy (increase) results. */
export interface PodWindowData {
  start: number;
  step: number;
  /** As GpuWindowData's. */
  end?: PowerWindowData['end'];
  power: ResultSeries[];
  energy: ResultSeries[];
}

// Series without a pod (pid "idle", host processes) belong to no pod row.
const podKey = (l: Labels) => (l.pod ? [l.cluster ?? '', l.node ?? '', l.namespace ?? '', l.pod].join('\u0000') : null);

/** Per-pod rows of one window: its processes' GPU power added up, per node. */
export function podRows(w: PodWindowData): Row[] {
  const span = stepSpan(w);
  return rowsOf({ power: sumBy(w.power, podKey, w.start), energy: sumBy(w.energy, podKey, w.start) }, (ts, key, at) => {
    const [cluster, node, namespace, pod] = splitKey(key);
    const energy = stepEnergy({ watts: at('power'), joules: at('energy') }, span(ts));
    return {
      timestamp: ts,
      cluster: cluster ?? null,
      node: node ?? null,
      namespace: namespace || null,
      pod: pod ?? null,
      gpu_power_watts: round(at('power'), 3),
      gpu_energy_kwh: energy?.kwh ?? null,
      energy_method: energy?.method ?? null,
    };
  });
}
