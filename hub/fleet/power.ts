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
  sources: { gpu: string | null; cpu: string | null; memory: string | null; total: 'bmc_dcmi' | 'sum_of_components' | null };
  /** Newest sample time among the parts (ms). */
  ts: number | null;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function sum(samples: readonly LatestSample[]): number | null {
  if (samples.length === 0) return null;
  let s = 0;
  for (const x of samples) s += x.value;
  return round(s);
}

/** Which GPU source a node runs: DCGM when its agent reports it active (the nvidia-smi stream is then off). */
function gpuSource(node: NodeView): string {
  return node.sources.dcgm?.enabled ? 'dcgm' : 'nvidia-smi';
}

/** A node's power from the newest samples not older than `since` (ms). */
export function nodePower(node: NodeView, latest: LatestValues, since: number): NodePower {
  const where = { node: node.name };
  const gpu = latest.select('gpu_power_watts', where, since);
  const rapl = latest.select('rapl_power_watts', where, since);
  const bmc = latest.select('node_power_watts', where, since);
  const gpuWatts = sum(gpu);
  const cpuWatts = sum(rapl.filter((s) => s.labels.domain === 'package'));
  const memoryWatts = sum(rapl.filter((s) => s.labels.domain === 'dram'));
  const bmcWatts = sum(bmc);
  const parts = [gpuWatts, cpuWatts, memoryWatts].filter((v): v is number => v !== null);
  const partsSum = parts.length ? round(parts.reduce((a, b) => a + b, 0)) : null;
  const totalWatts = bmcWatts ?? partsSum;
  const all = [...gpu, ...rapl, ...bmc];
  return {
    node: node.name,
    cluster: node.cluster,
    gpuWatts,
    cpuWatts,
    memoryWatts,
    bmcWatts,
    totalWatts,
    // Negative would mean the parts' sensors disagree with the BMC; report 0 rather than invent a negative load.
    otherWatts: bmcWatts === null ? null : round(Math.max(0, bmcWatts - (partsSum ?? 0))),
    sources: {
      gpu: gpuWatts === null ? null : gpuSource(node),
      cpu: cpuWatts === null ? null : 'rapl',
      memory: memoryWatts === null ? null : 'rapl',
      total: bmcWatts !== null ? 'bmc_dcmi' : partsSum !== null ? 'sum_of_components' : null,
    },
    ts: all.length ? Math.max(...all.map((s) => s.ts)) : null,
  };
}
