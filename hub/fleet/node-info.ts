import type { HostInventory } from '../../agent/collectors/host/inventory.js';
import type { LatestValues } from './latest-values.js';
import type { NodeView } from './node-directory.js';
import { nodePower, type NodePower } from './power.js';

/**
 * What only Kubernetes knows about a node. Empty (every field null) until a
 * Kubernetes integration supplies a KubernetesNodeSource; the node view
 * already carries the slot so that integration only has to fill it.
 */
export interface KubernetesNodeFacts {
  /** `master` (control plane) or `worker`, from the node-role.kubernetes.io labels. */
  role: 'master' | 'worker' | null;
  kubernetesVersion: string | null;
  containerRuntime: string | null;
  podsCapacity: number | null;
  podsCount: number | null;
}

/** Looks up a node's Kubernetes facts; null when the node is not (known to be) a Kubernetes node. */
export type KubernetesNodeSource = (node: NodeView) => KubernetesNodeFacts | null;

export const NO_KUBERNETES: KubernetesNodeFacts = { role: null, kubernetesVersion: null, containerRuntime: null, podsCapacity: null, podsCount: null };

/** A node as /infrastructure/nodes shows it: registration, host inventory, current utilisation and power. */
export interface NodeInfo {
  name: string;
  cluster: string;
  /**
   * `ready` while the agent is online and has sent something within the
   * freshness window (api.staleAfter); `not_ready` otherwise. The agent's
   * view, not the kubelet's: a Kubernetes integration may refine it.
   */
  status: 'ready' | 'not_ready';
  host: HostInventory | null;
  cpuUtilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  diskUsedBytes: number | null;
  diskSizeBytes: number | null;
  power: NodePower;
  kubernetes: KubernetesNodeFacts;
  lastSeen: number | null;
  agentVersion: string | null;
}

/** The `host` section of a node's inventory when it has the fields the API reads. */
export function hostInventory(node: NodeView): HostInventory | null {
  const h = node.inventory.host as Partial<HostInventory> | undefined;
  return h && typeof h === 'object' && typeof h.cores === 'number' && typeof h.memoryBytes === 'number' ? (h as HostInventory) : null;
}

function sumOrNull(values: readonly number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) : null;
}

/** A node's info from its view and the newest samples not older than `since`. */
export function nodeInfo(node: NodeView, latest: LatestValues, since: number, kubernetes: KubernetesNodeSource = () => null): NodeInfo {
  const where = { node: node.name };
  const one = (metric: string) => latest.select(metric, where, since)[0]?.value ?? null;
  const fresh = node.state === 'online' && node.lastSeen !== null && node.lastSeen >= since;
  return {
    name: node.name,
    cluster: node.cluster,
    status: fresh ? 'ready' : 'not_ready',
    host: hostInventory(node),
    cpuUtilizationPercent: one('host_cpu_utilization_percent'),
    memoryUsedBytes: one('host_memory_used_bytes'),
    memoryTotalBytes: one('host_memory_total_bytes'),
    // Every real filesystem the host collector reports (it already drops bind mounts and repeats of one device).
    diskUsedBytes: sumOrNull(latest.select('host_disk_used_bytes', where, since).map((s) => s.value)),
    diskSizeBytes: sumOrNull(latest.select('host_disk_size_bytes', where, since).map((s) => s.value)),
    power: nodePower(node, latest, since),
    kubernetes: kubernetes(node) ?? NO_KUBERNETES,
    lastSeen: node.lastSeen,
    agentVersion: node.agentVersion,
  };
}
