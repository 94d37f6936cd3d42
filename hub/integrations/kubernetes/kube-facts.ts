import type { V1Node, V1OwnerReference, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';

/** The controller that owns a pod, resolved to what people deploy (a ReplicaSet's Deployment). */
export interface Owner {
  kind: string;
  name: string;
}

/** What the hub keeps of a pod (a watched object is reduced to this). */
export interface PodFacts {
  uid: string;
  namespace: string;
  name: string;
  /** spec.nodeName; empty while unscheduled. */
  node: string;
  phase: string | null;
  /** Container names, init containers first, in spec order. */
  containers: string[];
  /** Container ID without its runtime prefix (`containerd://`) -> container name, from status.containerStatuses. */
  containerIds: Record<string, string>;
  /** The pod's own controller reference (a ReplicaSet, StatefulSet, Job, DaemonSet...); null for a bare pod. */
  controller: Owner | null;
  labels: Record<string, string>;
}

/** What the hub keeps of a node. */
export interface NodeFacts {
  name: string;
  /** The `<role>` of each `node-role.kubernetes.io/<role>` label, sorted. */
  roles: string[];
  /** The Ready condition: true, false, or null when it is Unknown or absent (the kubelet stopped reporting). */
  ready: boolean | null;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  /** `nvidia.com/gpu` of capacity and allocatable (the device plugin's count); null when the node has none advertised. */
  gpuCapacity: number | null;
  gpuAllocatable: number | null;
  kubeletVersion: string | null;
  containerRuntime: string | null;
}

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const GPU_RESOURCE = 'nvidia.com/gpu';

const controllerOf = (refs: V1OwnerReference[] | undefined): Owner | null => {
  const ref = refs?.find((r) => r.controller) ?? null;
  return ref ? { kind: ref.kind, name: ref.name } : null;
};

/** `containerd://abc` -> `abc` (the agent's cgroup parser yields the bare ID). */
const bareId = (id: string) => id.replace(/^[a-z0-9-]+:\/\//, '');

export function podFacts(pod: V1Pod): PodFacts | null {
  const m = pod.metadata;
  if (!m?.uid || !m.name) return null;
  const containerIds: Record<string, string> = {};
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (s.containerID) containerIds[bareId(s.containerID)] = s.name;
  }
  return {
    uid: m.uid,
    namespace: m.namespace ?? '',
    name: m.name,
    node: pod.spec?.nodeName ?? '',
    phase: pod.status?.phase ?? null,
    containers: [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name),
    containerIds,
    controller: controllerOf(m.ownerReferences),
    labels: { ...(m.labels ?? {}) },
  };
}

/** A ReplicaSet's own controller (its Deployment), keyed by the ReplicaSet; null when it has none. */
export function replicaSetOwner(rs: V1ReplicaSet): Owner | null {
  return controllerOf(rs.metadata?.ownerReferences);
}

/**
 * The workload a pod belongs to: its controller, and for a ReplicaSet the
 * Deployment that owns it (from the ReplicaSet's ownerReferences, looked up
 * with `replicaSet`); a ReplicaSet not known (yet) or without an owner stays
 * the ReplicaSet.
 */
export function workloadOf(pod: PodFacts, replicaSet: (namespace: string, name: string) => Owner | null | undefined): Owner | null {
  const c = pod.controller;
  if (c?.kind !== 'ReplicaSet') return c;
  return replicaSet(pod.namespace, c.name) ?? c;
}

const count = (q: string | undefined): number | null => {
  if (q === undefined || !/^\d+$/.test(q)) return null;
  return Number(q);
};

export function nodeFacts(node: V1Node): NodeFacts | null {
  const m = node.metadata;
  if (!m?.name) return null;
  const roles = Object.keys(m.labels ?? {})
    .filter((l) => l.startsWith(ROLE_PREFIX) && l.length > ROLE_PREFIX.length)
    .map((l) => l.slice(ROLE_PREFIX.length))
    .sort();
  const readyCondition = node.status?.conditions?.find((c) => c.type === 'Ready');
  const capacity = { ...(node.status?.capacity ?? {}) };
  const allocatable = { ...(node.status?.allocatable ?? {}) };
  return {
    name: m.name,
    roles,
    ready: readyCondition?.status === 'True' ? true : readyCondition?.status === 'False' ? false : null,
    capacity,
    allocatable,
    gpuCapacity: count(capacity[GPU_RESOURCE]),
    gpuAllocatable: count(allocatable[GPU_RESOURCE]),
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion ?? null,
    containerRuntime: node.status?.nodeInfo?.containerRuntimeVersion ?? null,
  };
}

/** The monitoring API's role: `master` for a control-plane node (either label spelling), else `worker`, as kubectl's ROLES column reads them. */
export function nodeRole(roles: readonly string[]): 'master' | 'worker' {
  return roles.includes('control-plane') || roles.includes('master') ? 'master' : 'worker';
}
