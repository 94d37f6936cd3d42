import type { Workload } from './cgroup.js';

/** What the Kubernetes API knows about a pod; the cgroup path only carries its UID. */
export interface PodInfo {
  namespace: string;
  name: string;
  /** Container id (without the `containerd://` prefix of `status.containerStatuses[].containerID`) -> container name. */
  containers?: Readonly<Record<string, string>>;
}

/** Looks pods up by UID (a Kubernetes-API implementation comes with the hub integration). */
export interface PodResolver {
  byUid(uid: string): PodInfo | undefined;
}

/** Fills namespace, pod and container names from the resolver; without one (or for an unknown UID) they stay unset. */
export function resolvePod(workload: Workload, pods: PodResolver | undefined): Workload {
  if (!pods || !workload.podUid) return workload;
  const pod = pods.byUid(workload.podUid);
  if (!pod) return workload;
  const container = workload.containerId ? pod.containers?.[workload.containerId] : undefined;
  return { ...workload, namespace: pod.namespace, podName: pod.name, ...(container !== undefined ? { container } : {}) };
}

/** The workload labels every gpu_process_* series carries (empty strings when unknown). */
export function workloadLabels(w: Workload): { container_id: string; pod_uid: string; namespace: string; pod: string; container: string } {
  return { container_id: w.containerId, pod_uid: w.podUid, namespace: w.namespace ?? '', pod: w.podName ?? '', container: w.container ?? '' };
}
