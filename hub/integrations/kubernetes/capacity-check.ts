import type { Capacity, ClusterCapacity } from './cluster-capacity.js';

/**
 * What a manifest or a tenant asks of the cluster against what the cluster
 * has now (docs/ecp.md, "Cluster capacity"): pure, from one live reading of
 * the nodes (cluster-capacity.ts) and the quotas other real tenants hold.
 */

/** Above this share of a cluster's allocatable a manifest gets a warning (the seed's "GPU above 80% of the cluster's capacity"). */
export const CAPACITY_WARNING_SHARE = 0.8;

const RESOURCES = [
  { key: 'gpu', name: 'nvidia.com/gpu', show: (v: number) => String(v) },
  { key: 'cpuMilli', name: 'CPU', show: (v: number) => `${Math.round(v)}m` },
  { key: 'memoryBytes', name: 'memory', show: (v: number) => `${Math.ceil(v / 1024 ** 2)}Mi` },
] as const;

export type Shortage = { resource: string; requested: string; free: string; allocatable: string; held: string };

/** The reason capacity could not be checked (no cluster configured, or it did not answer); null when it was read. */
function uncheckedReason(capacity: ClusterCapacity | null): string | null {
  if (capacity === null) return 'cluster capacity not checked: no Kubernetes cluster is configured (kubernetes.clusters)';
  if (capacity.status === 'down') return `cluster capacity could not be checked: cluster ${capacity.name}: ${capacity.reason}`;
  return null;
}

/**
 * Warnings for a demand (a manifest's requests x replicas) on a cluster:
 * more than the cluster's Ready nodes can hold, more than is left beside
 * the other real tenants' quotas (`held`), or above 80 % of the cluster.
 * A cluster that could not be read is a warning saying so, never a pass.
 */
export function capacityWarnings(demand: Capacity, capacity: ClusterCapacity | null, held: Capacity): string[] {
  const unchecked = uncheckedReason(capacity);
  if (unchecked !== null) return [unchecked];
  const { name, allocatable } = capacity as Extract<ClusterCapacity, { status: 'up' }>;
  const out: string[] = [];
  for (const r of RESOURCES) {
    const want = demand[r.key];
    const total = allocatable[r.key];
    if (want <= 0) continue;
    const free = Math.max(0, total - held[r.key]);
    if (want > total) out.push(`${r.name}: the manifest requests ${r.show(want)}, beyond cluster ${name}'s capacity (${r.show(total)} allocatable on its Ready nodes)`);
    else if (want > free) out.push(`${r.name}: the manifest requests ${r.show(want)}, more than cluster ${name} has free (${r.show(free)} of ${r.show(total)}; other tenants' quotas hold ${r.show(held[r.key])})`);
    else if (want > total * CAPACITY_WARNING_SHARE) out.push(`${r.name}: the manifest requests ${r.show(want)}, more than ${CAPACITY_WARNING_SHARE * 100}% of cluster ${name}'s capacity (${r.show(total)})`);
  }
  return out;
}

/**
 * Whether a tenant's requests fit beside the other real tenants' quotas on
 * the cluster: the first resource that does not (INSUFFICIENT_RESOURCES),
 * `unchecked` with the reason when the cluster could not be read, or null.
 */
export function shortageOf(demand: Capacity, capacity: ClusterCapacity | null, held: Capacity): { shortage: Shortage } | { unchecked: string } | null {
  const unchecked = uncheckedReason(capacity);
  if (unchecked !== null) return { unchecked };
  const { allocatable } = capacity as Extract<ClusterCapacity, { status: 'up' }>;
  for (const r of RESOURCES) {
    const free = Math.max(0, allocatable[r.key] - held[r.key]);
    if (demand[r.key] > free) {
      return { shortage: { resource: r.name, requested: r.show(demand[r.key]), free: r.show(free), allocatable: r.show(allocatable[r.key]), held: r.show(held[r.key]) } };
    }
  }
  return null;
}
