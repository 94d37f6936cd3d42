import type { LatestSample } from '../../fleet/latest-values.js';
import type { KubePod } from './cluster-watch.js';

/** Looks up a current pod by cluster and UID (KubernetesDirectory.pod's facts, or null). */
export type PodLookup = (cluster: string, uid: string) => KubePod | null;

/** Labels a GPU series gets from the pod using its GPU, as dcgm-exporter's Kubernetes mapping names them. */
export interface PodLabels {
  namespace: string;
  pod: string;
  container: string;
}

/** The container of a pod process: by its container ID when the watch knows it, else the agent's label, else the pod's only container. */
function containerOf(pod: KubePod, labels: Readonly<Record<string, string>>): string {
  const byId = labels.container_id ? pod.containerIds[labels.container_id] : undefined;
  if (byId) return byId;
  if (labels.container) return labels.container;
  return pod.containers.length === 1 ? pod.containers[0]! : '';
}

/**
 * gpu_process_* samples with `namespace`, `pod` and `container` from the
 * watched pod of their `pod_uid`. A pod the watch does not know now
 * (cluster unreachable, no connection, deleted) keeps what the agent sent:
 * its own resolver's names, or empty.
 */
export function withPodLabels(samples: readonly LatestSample[], lookup: PodLookup): LatestSample[] {
  return samples.map((s) => {
    const uid = s.labels.pod_uid;
    if (!uid) return s;
    const pod = lookup(s.labels.cluster ?? '', uid);
    if (!pod) return s;
    return { ...s, labels: { ...s.labels, namespace: pod.namespace, pod: pod.name, container: containerOf(pod, s.labels) } };
  });
}

/**
 * GPU UUID -> the pod using it, from fresh (already relabelled) process
 * samples: only a GPU used by exactly one pod gets pod labels on its
 * dcgm-style series. A GPU shared by several pods gets none, so sums of
 * DCGM_FI_DEV_POWER_USAGE stay the GPUs' power (dcgm-exporter would repeat
 * the series per pod); their shares are the gpu_process_* series.
 */
export function gpuPods(processSamples: readonly LatestSample[]): Map<string, PodLabels> {
  const byGpu = new Map<string, Map<string, PodLabels>>();
  for (const s of processSamples) {
    const { uuid, pod_uid: uid, pod, namespace, container } = s.labels;
    if (!uuid || !uid || !pod) continue;
    let pods = byGpu.get(uuid);
    if (!pods) byGpu.set(uuid, (pods = new Map()));
    const seen = pods.get(uid);
    // Two containers of one pod on a GPU: the pod is still one, its container is not.
    if (seen && seen.container !== (container ?? '')) seen.container = '';
    else if (!seen) pods.set(uid, { namespace: namespace ?? '', pod, container: container ?? '' });
  }
  const out = new Map<string, PodLabels>();
  for (const [uuid, pods] of byGpu) if (pods.size === 1) out.set(uuid, [...pods.values()][0]!);
  return out;
}
