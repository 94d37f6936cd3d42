import type { Labels } from '../../shared/schema/message.js';
import type { ResultSeries } from '../../shared/query/types.js';
import { addEnergy, combineMethods, stepEnergy, type Energy, type EnergyMethod } from '../energy/energy.js';
import { nodeKey, round, sortedKeys, splitKey, stepsOf, sumBy, type StepValues } from './series-index.js';
import type { Column } from './table.js';

export const POWER_COLUMNS: readonly Column[] = [
  { key: 'timestamp', type: 'timestamp' },
  { key: 'cluster', type: 'string' },
  { key: 'node', type: 'string' },
  { key: 'gpu_power_watts', type: 'double' },
  { key: 'cpu_power_watts', type: 'double' },
  { key: 'memory_power_watts', type: 'double' },
  { key: 'bmc_power_watts', type: 'double' },
  { key: 'total_power_watts', type: 'double' },
  { key: 'energy_kwh', type: 'double' },
  { key: 'energy_method', type: 'string' },
];

export interface PowerRow {
  [key: string]: string | number | null;
  /** Step start, ms. */
  timestamp: number;
  cluster: string;
  /** Null in per-cluster rows. */
  node: string | null;
  gpu_power_watts: number | null;
  cpu_power_watts: number | null;
  memory_power_watts: number | null;
  bmc_power_watts: number | null;
  /** BMC power when the node has one (what the wall sees), else the sum of the known parts (as hub/fleet/power.ts). */
  total_power_watts: number | null;
  /** Not rounded: rounding every step would bias sums over many steps. */
  energy_kwh: number | null;
  energy_method: EnergyMethod | null;
}

/** One window of query results (avg per step per series; counters as increase per step). */
export interface PowerWindowData {
  start: number;
  step: number;
  /** Exclusive end of the range (ms): a last step cut short by it (a range ending now, mid-hour) integrates power over its own length only. */
  end?: number;
  gpuPower: ResultSeries[];
  raplPower: ResultSeries[];
  bmcPower: ResultSeries[];
  gpuEnergy: ResultSeries[];
  raplEnergy: ResultSeries[];
}

export interface NodeStepWatts {
  gpu: number | null;
  cpu: number | null;
  memory: number | null;
  bmc: number | null;
}

export interface NodeStepEnergy {
  gpu: Energy | null;
  cpu: Energy | null;
  memory: Energy | null;
}

const WATTS_DIGITS = 3;
const sumOrNull = (vals: (number | null)[]) => (vals.some((v) => v !== null) ? vals.reduce<number>((a, v) => a + (v ?? 0), 0) : null);

/**
 * A node's row for one step (`step`: its length in ms within the range). Energy: with a BMC reading, BMC power x step
 * (the BMC has no energy counter, and its total includes fans and PSU
 * losses that the parts miss); without one, the sum of the parts' energy.
 */
export function nodeStepRow(ts: number, cluster: string, node: string, w: NodeStepWatts, e: NodeStepEnergy, step: number): PowerRow {
  const total = w.bmc ?? sumOrNull([w.gpu, w.cpu, w.memory]);
  const energy = w.bmc !== null ? stepEnergy({ watts: w.bmc, joules: null }, step) : addEnergy([e.gpu, e.cpu, e.memory]);
  return {
    timestamp: ts,
    cluster,
    node,
    gpu_power_watts: round(w.gpu, WATTS_DIGITS),
    cpu_power_watts: round(w.cpu, WATTS_DIGITS),
    memory_power_watts: round(w.memory, WATTS_DIGITS),
    bmc_power_watts: round(w.bmc, WATTS_DIGITS),
    total_power_watts: round(total, WATTS_DIGITS),
    energy_kwh: energy?.kwh ?? null,
    energy_method: energy?.method ?? null,
  };
}

/** A device (GPU, RAPL zone) as `<node key>\0<its own labels>`, so it rolls up to its node. */
const deviceKey = (own: readonly string[]) => (l: Labels) => [nodeKey(l), ...own.map((k) => l[k] ?? '')].join('\u0000');
const nodeOf = (device: string) => splitKey(device).slice(0, 2).join('\u0000');

/**
 * Energy per node and step of one kind of device: each device by its own
 * counter when it has one in that step, else by its power x step, then
 * added up per node (so a node where only some GPUs have counters is
 * `mixed`, not short of the others).
 */
export function energyByNode(power: Map<string, StepValues>, counters: Map<string, StepValues>, span: (ts: number) => number): Map<string, Map<number, Energy>> {
  const out = new Map<string, Map<number, Energy>>();
  for (const device of new Set([...power.keys(), ...counters.keys()])) {
    const w = power.get(device);
    const j = counters.get(device);
    let steps = out.get(nodeOf(device));
    if (!steps) out.set(nodeOf(device), (steps = new Map()));
    for (const ts of stepsOf([w, j])) {
      const e = stepEnergy({ watts: w?.get(ts) ?? null, joules: j?.get(ts) ?? null }, span(ts));
      steps.set(ts, addEnergy([steps.get(ts) ?? null, e])!);
    }
  }
  return out;
}

/** Watts per node: the device series added up. */
function wattsByNode(devices: Map<string, StepValues>): Map<string, StepValues> {
  const out = new Map<string, StepValues>();
  for (const [device, steps] of devices) {
    const k = nodeOf(device);
    let m = out.get(k);
    if (!m) out.set(k, (m = new Map()));
    for (const [ts, v] of steps) m.set(ts, (m.get(ts) ?? 0) + v);
  }
  return out;
}

/** How long each step of the window lasts within the range: the step, or less for a last step the range's end cuts short. */
export function stepSpan(w: Pick<PowerWindowData, 'step' | 'end'>): (ts: number) => number {
  return (ts) => Math.max(0, Math.min(w.step, (w.end ?? Infinity) - ts));
}

/** Per-node rows of one window, by step then node. */
export function nodePowerRows(w: PowerWindowData): PowerRow[] {
  const gpuDevice = deviceKey(['gpu', 'uuid']);
  const zone = (domain: string) => (l: Labels) => (l.domain === domain ? deviceKey(['zone'])(l) : null);
  const gpu = { w: sumBy(w.gpuPower, gpuDevice, w.start), j: sumBy(w.gpuEnergy, gpuDevice, w.start) };
  const cpu = { w: sumBy(w.raplPower, zone('package'), w.start), j: sumBy(w.raplEnergy, zone('package'), w.start) };
  const mem = { w: sumBy(w.raplPower, zone('dram'), w.start), j: sumBy(w.raplEnergy, zone('dram'), w.start) };
  const watts = { gpu: wattsByNode(gpu.w), cpu: wattsByNode(cpu.w), memory: wattsByNode(mem.w), bmc: sumBy(w.bmcPower, nodeKey, w.start) };
  const span = stepSpan(w);
  const energy = { gpu: energyByNode(gpu.w, gpu.j, span), cpu: energyByNode(cpu.w, cpu.j, span), memory: energyByNode(mem.w, mem.j, span) };

  const keys = sortedKeys(new Set([...Object.values(watts), ...Object.values(energy)].flatMap((m) => [...m.keys()])));
  const rows: PowerRow[] = [];
  for (const key of keys) {
    const [cluster = '', node = ''] = splitKey(key);
    const own = { gpu: watts.gpu.get(key), cpu: watts.cpu.get(key), memory: watts.memory.get(key), bmc: watts.bmc.get(key) };
    const ownE = { gpu: energy.gpu.get(key), cpu: energy.cpu.get(key), memory: energy.memory.get(key) };
    // A step where only a counter moved has no power: it still carries energy.
    for (const ts of stepsOf([...Object.values(own), ...Object.values(ownE)])) {
      const at = (m: StepValues | undefined) => m?.get(ts) ?? null;
      const en = (m: Map<number, Energy> | undefined) => m?.get(ts) ?? null;
      rows.push(
        nodeStepRow(ts, cluster, node, { gpu: at(own.gpu), cpu: at(own.cpu), memory: at(own.memory), bmc: at(own.bmc) }, { gpu: en(ownE.gpu), cpu: en(ownE.cpu), memory: en(ownE.memory) }, span(ts)),
      );
    }
  }
  return rows.sort((a, b) => a.timestamp - b.timestamp);
}

/** Per-cluster rows: the node rows of the same step and cluster added up. */
export function clusterPowerRows(nodeRows: readonly PowerRow[]): PowerRow[] {
  const groups = new Map<string, PowerRow[]>();
  for (const r of nodeRows) {
    const k = `${r.timestamp}\u0000${r.cluster}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: PowerRow[] = [];
  for (const g of groups.values()) {
    const sum = (col: keyof PowerRow) => round(sumOrNull(g.map((r) => r[col] as number | null)), WATTS_DIGITS);
    out.push({
      timestamp: g[0]!.timestamp,
      cluster: g[0]!.cluster,
      node: null,
      gpu_power_watts: sum('gpu_power_watts'),
      cpu_power_watts: sum('cpu_power_watts'),
      memory_power_watts: sum('memory_power_watts'),
      bmc_power_watts: sum('bmc_power_watts'),
      total_power_watts: sum('total_power_watts'),
      energy_kwh: sumOrNull(g.map((r) => r.energy_kwh)),
      energy_method: combineMethods(g.map((r) => r.energy_method)),
    });
  }
  return out.sort((a, b) => a.timestamp - b.timestamp || a.cluster.localeCompare(b.cluster));
}
