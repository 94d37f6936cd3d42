import type { LatestValues, LatestSample } from './latest-values.js';
import type { NodeView } from './node-directory.js';

/** Power of one node now, each part from its own source; null where no source reports it. */
export interface NodePower {
  node: string;
  cluster: string;
  /** Sum of the node's GPUs' board power (nvidia-smi or DCGM). */
  gpuWatts: number | null;
  /** Sum of RAPL `package` domains (CPU sockets). */
  cpuWatts: number | null;
  /** Sum of RAPL `dram` domains. */
  memoryWatts: number | null;
  /** Whole-node input power from the BMC (DCMI power reading). */
  bmcWatts: number | null;
  /** BMC power when there is one (it is what the wall sees), else the sum of the parts that are known. */
  totalWatts: number | null;
  /** BMC power minus GPU, CPU and memory (fans, disks, NICs, PSU losses); null without a BMC reading. */
  otherWatts: number | null;
  /** Where each number comes from, so a client can tell a measured total from a partial sum. */
  sources: { gpu: string | null; cpu: string | null; memory: string | null; total: TotalSource | null };
  /** Newest sample time among the parts (ms). */
  ts: number | null;
}

export type TotalSource = 'bmc_dcmi' | 'sum_of_components';

/** The measured parts of a node's power; null where nothing reports the part. */
export interface PowerParts {
  gpuWatts: number | null;
  cpuWatts: number | null;
  memoryWatts: number | null;
  bmcWatts: number | null;
}

/** What the parts add up to: a node's total and "other" power, and where the total comes from. */
export interface CombinedPower {
  totalWatts: number | null;
  otherWatts: number | null;
  totalSource: TotalSource | null;
}

export const roundWatts = (n: number) => Math.round(n * 1000) / 1000;

/** Sum of the non-null values, or null when every value is null (an unknown is never 0). */
export function sumKnown(values: Iterable<number | null>): number | null {
  let s: number | null = null;
  for (const v of values) if (v !== null) s = (s ?? 0) + v;
  return s === null ? null : roundWatts(s);
}

/**
 * A node's total: the BMC reading when there is one (it is what the wall
 * sees), else the sum of the parts that are known. Used for the current
 * values and for each step of a time series, so both agree.
 */
export function combinePower(p: PowerParts): CombinedPower {
  const partsSum = sumKnown([p.gpuWatts, p.cpuWatts, p.memoryWatts]);
  return {
    totalWatts: p.bmcWatts ?? partsSum,
    // Negative would mean the parts' sensors disagree with the BMC; report 0 rather than invent a negative load.
    otherWatts: p.bmcWatts === null ? null : roundWatts(Math.max(0, p.bmcWatts - (partsSum ?? 0))),
    totalSource: p.bmcWatts !== null ? 'bmc_dcmi' : partsSum !== null ? 'sum_of_components' : null,
  };
}

function sum(samples: readonly LatestSample[]): number | null {
  return sumKnown(samples.map((s) => s.value));
}

/** Which GPU source a node runs: DCGM when its agent reports it active (the nvidia-smi stream is then off). */
function gpuSource(node: NodeView): string {
  return node.sources.dcgm?.enabled ? 'dcgm' : 'nvidia-smi';
}

interface NodeSamples {
  gpu: LatestSample[];
  rapl: LatestSample[];
  bmc: LatestSample[];
}

function fromSamples(node: NodeView, { gpu, rapl, bmc }: NodeSamples): NodePower {
  const parts: PowerParts = {
    gpuWatts: sum(gpu),
    cpuWatts: sum(rapl.filter((s) => s.labels.domain === 'package')),
    memoryWatts: sum(rapl.filter((s) => s.labels.domain === 'dram')),
    bmcWatts: sum(bmc),
  };
  const combined = combinePower(parts);
  let ts: number | null = null;
  for (const s of [...gpu, ...rapl, ...bmc]) ts = Math.max(ts ?? s.ts, s.ts);
  return {
    node: node.name,
    cluster: node.cluster,
    ...parts,
    totalWatts: combined.totalWatts,
    otherWatts: combined.otherWatts,
    sources: {
      gpu: parts.gpuWatts === null ? null : gpuSource(node),
      cpu: parts.cpuWatts === null ? null : 'rapl',
      memory: parts.memoryWatts === null ? null : 'rapl',
      total: combined.totalSource,
    },
    ts,
  };
}

/** A node's power from the newest samples not older than `since` (ms). */
export function nodePower(node: NodeView, latest: LatestValues, since: number): NodePower {
  const where = { node: node.name };
  return fromSamples(node, {
    gpu: latest.select('gpu_power_watts', where, since),
    rapl: latest.select('rapl_power_watts', where, since),
    bmc: latest.select('node_power_watts', where, since),
  });
}

function byNode(samples: readonly LatestSample[]): Map<string, LatestSample[]> {
  const out = new Map<string, LatestSample[]>();
  for (const s of samples) {
    const node = s.labels.node ?? '';
    const list = out.get(node);
    if (list) list.push(s);
    else out.set(node, [s]);
  }
  return out;
}

/**
 * nodePower for many nodes in one pass over the latest values (nodePower per
 * node would scan every series once per node: quadratic in the fleet size,
 * and the threshold monitor runs this every second).
 */
export function fleetPower(nodes: readonly NodeView[], latest: LatestValues, since: number): NodePower[] {
  const gpu = byNode(latest.select('gpu_power_watts', {}, since));
  const rapl = byNode(latest.select('rapl_power_watts', {}, since));
  const bmc = byNode(latest.select('node_power_watts', {}, since));
  return nodes.map((n) => fromSamples(n, { gpu: gpu.get(n.name) ?? [], rapl: rapl.get(n.name) ?? [], bmc: bmc.get(n.name) ?? [] }));
}

/** Power of a group of nodes (a cluster, the fleet): each part summed over the nodes that report it. */
export interface PowerTotals {
  totalWatts: number | null;
  gpuWatts: number | null;
  cpuWatts: number | null;
  memoryWatts: number | null;
  /** Summed over the nodes with a BMC reading only. */
  otherWatts: number | null;
  bmcWatts: number | null;
}

/** Adds up nodes' power part by part; a part no node reports stays null. */
export function sumPower(nodes: readonly NodePower[]): PowerTotals {
  return {
    totalWatts: sumKnown(nodes.map((n) => n.totalWatts)),
    gpuWatts: sumKnown(nodes.map((n) => n.gpuWatts)),
    cpuWatts: sumKnown(nodes.map((n) => n.cpuWatts)),
    memoryWatts: sumKnown(nodes.map((n) => n.memoryWatts)),
    otherWatts: sumKnown(nodes.map((n) => n.otherWatts)),
    bmcWatts: sumKnown(nodes.map((n) => n.bmcWatts)),
  };
}
