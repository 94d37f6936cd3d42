import { listGpus, type GpuView } from '../fleet/gpus.js';
import type { LatestValues } from '../fleet/latest-values.js';
import type { NodeView } from '../fleet/node-directory.js';
import { nodePower, type NodePower } from '../fleet/power.js';

/**
 * What a cluster's answers are computed from, whichever its source (the
 * agents' fleet view, or a Prometheus read back into the same shape): its
 * nodes and their newest samples.
 */
export interface ClusterData {
  nodes: readonly NodeView[];
  latest: LatestValues;
  /** Samples older than this (ms) are not current. */
  since: number;
}

export interface ClusterFigures {
  nodesTotal: number;
  /** Nodes online (agents) or with a current series (Prometheus). */
  nodesReady: number;
  gpus: GpuView[];
  power: NodePower[];
}

/** Nodes, GPUs (with their status) and per-node power of a cluster. */
export function clusterFigures(d: ClusterData): ClusterFigures {
  return {
    nodesTotal: d.nodes.length,
    nodesReady: d.nodes.filter((n) => n.state === 'online').length,
    gpus: listGpus(d.nodes, d.latest, d.since),
    power: d.nodes.map((n) => nodePower(n, d.latest, d.since)),
  };
}

/** Sum of the known values; null when none is known (unavailable is null, never 0). */
export function sumKnown(values: readonly (number | null)[]): number | null {
  let sum: number | null = null;
  for (const v of values) if (v !== null) sum = (sum ?? 0) + v;
  return sum === null ? null : Math.round(sum * 1000) / 1000;
}

export interface PowerTotals {
  totalWatts: number | null;
  gpuWatts: number | null;
  cpuWatts: number | null;
  memoryWatts: number | null;
  otherWatts: number | null;
  bmcWatts: number | null;
}

/** A cluster's power: each part summed over the nodes that report it. */
export function powerTotals(power: readonly NodePower[]): PowerTotals {
  return {
    totalWatts: sumKnown(power.map((p) => p.totalWatts)),
    gpuWatts: sumKnown(power.map((p) => p.gpuWatts)),
    cpuWatts: sumKnown(power.map((p) => p.cpuWatts)),
    memoryWatts: sumKnown(power.map((p) => p.memoryWatts)),
    otherWatts: sumKnown(power.map((p) => p.otherWatts)),
    bmcWatts: sumKnown(power.map((p) => p.bmcWatts)),
  };
}
