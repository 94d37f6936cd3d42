import type { V1Node } from '@kubernetes/client-node';
import { parseQuantity } from './quantity.js';

/** What one cluster can hold now: the allocatable resources of its Ready nodes. */
export interface Capacity {
  cpuMilli: number;
  memoryBytes: number;
  gpu: number;
}

export type ClusterCapacity =
  | { name: string; status: 'up'; nodes: number; readyNodes: number; allocatable: Capacity; reason: null }
  | { name: string; status: 'down'; nodes: null; readyNodes: null; allocatable: null; reason: string };

export interface NodeLister {
  readonly name: string;
  listNodes(): Promise<V1Node[]>;
}

const isReady = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * The sum of the Ready nodes' allocatable CPU, memory and `nvidia.com/gpu`
 * (a NotReady or cordoned node takes no pods); a quantity that does not
 * parse counts as 0 for that node rather than poisoning the sum.
 */
export function capacityOf(nodes: readonly V1Node[]): { nodes: number; readyNodes: number; allocatable: Capacity } {
  const allocatable: Capacity = { cpuMilli: 0, memoryBytes: 0, gpu: 0 };
  let readyNodes = 0;
  for (const n of nodes) {
    if (!isReady(n) || n.spec?.unschedulable) continue;
    readyNodes++;
    const a = n.status?.allocatable ?? {};
    allocatable.cpuMilli += Math.round((parseQuantity(a.cpu) ?? 0) * 1000);
    allocatable.memoryBytes += parseQuantity(a.memory) ?? 0;
    allocatable.gpu += Math.floor(parseQuantity(a['nvidia.com/gpu']) ?? 0);
  }
  return { nodes: nodes.length, readyNodes, allocatable };
}

/** One cluster's live capacity; one that does not answer within `timeoutMs` (or refuses) is `down` with the reason, never zero capacity. */
export async function readClusterCapacity(cluster: NodeLister, timeoutMs: number): Promise<ClusterCapacity> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const nodes = await Promise.race([cluster.listNodes(), timeout]);
    return { name: cluster.name, status: 'up', reason: null, ...capacityOf(nodes) };
  } catch (err) {
    return { name: cluster.name, status: 'down', nodes: null, readyNodes: null, allocatable: null, reason: `listing nodes failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}
