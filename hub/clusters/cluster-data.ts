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

