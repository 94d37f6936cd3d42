import type { LatestSample, LatestValues } from './latest-values.js';
import { roundWatts } from './power.js';

/** One process of a pod on one GPU, from its gpu_process_* series. */
export interface PodProcess {
  pid: string;
  gpu: string;
  uuid: string;
  containerId: string | null;
  container: string | null;
  /** Fresh gpu_process_power_watts; null when stale or absent. */
  powerWatts: number | null;
  /** Fresh gpu_process_memory_used_bytes; null when stale or absent. */
  memoryUsedBytes: number | null;
}

/**
 * A pod as GPU process attribution knows it: the agent maps each GPU
 * process's cgroup to a pod UID (agent/collectors/gpu-processes/cgroup.ts);
 * namespace and name only when a pod resolver filled them.
 */
export interface PodView {
  podUid: string;
  namespace: string | null;
  name: string | null;
  node: string;
  cluster: string;
  /**
   * `running` while any of its processes has a fresh sample; null once they
   * all stopped reporting (finished, failed or moved: only Kubernetes can
   * tell, so no status is guessed).
   */
  status: 'running' | null;
  /** Σ of its processes' fresh gpu_process_power_watts; null when none is fresh. */
  powerWatts: number | null;
  /** Σ of its processes' fresh GPU memory; null when none is fresh. */
  gpuMemoryUsedBytes: number | null;
  /** Σ of its processes' fresh gpu_process_energy_joules (each counts from when the agent first saw the process); null when none is fresh. */
  energyJoules: number | null;
  /** GPU indexes (`gpu` label) it has processes on, ascending. */
  gpus: string[];
  uuids: string[];
  processes: PodProcess[];
  /** Newest sample of any of its processes (ms). */
  lastSeen: number;
}

const PROCESS_METRICS = ['gpu_process_power_watts', 'gpu_process_memory_used_bytes', 'gpu_process_energy_joules'] as const;
const orNull = (s: string | undefined) => (s ? s : null);

/**
 * Pods known from the gpu_process_* series held in memory (fresh or not),
 * keyed by node and pod UID. The `idle` remainder series carry no pod and
 * are left out. Sorted by cluster, node, namespace, name.
 */
export function listPods(latest: LatestValues, since: number): PodView[] {
  const pods = new Map<string, PodView>();
  const procs = new Map<string, PodProcess>();
  const take = (metric: (typeof PROCESS_METRICS)[number], s: LatestSample) => {
    const l = s.labels;
    if (!l.pod_uid || !l.node) return;
    const podKey = `${l.node}\u0000${l.pod_uid}`;
    let pod = pods.get(podKey);
    if (!pod) {
      pod = { podUid: l.pod_uid, namespace: orNull(l.namespace), name: orNull(l.pod), node: l.node, cluster: l.cluster ?? '', status: null, powerWatts: null, gpuMemoryUsedBytes: null, energyJoules: null, gpus: [], uuids: [], processes: [], lastSeen: s.ts };
      pods.set(podKey, pod);
    }
    pod.lastSeen = Math.max(pod.lastSeen, s.ts);
    const procKey = `${podKey}\u0000${l.uuid ?? ''}\u0000${l.pid ?? ''}`;
    let proc = procs.get(procKey);
    if (!proc) {
      proc = { pid: l.pid ?? '', gpu: l.gpu ?? '', uuid: l.uuid ?? '', containerId: orNull(l.container_id), container: orNull(l.container), powerWatts: null, memoryUsedBytes: null };
      procs.set(procKey, proc);
      pod.processes.push(proc);
    }
    if (s.ts < since) return;
    pod.status = 'running';
    if (metric === 'gpu_process_power_watts') {
      proc.powerWatts = s.value;
      pod.powerWatts = roundWatts((pod.powerWatts ?? 0) + s.value);
    } else if (metric === 'gpu_process_energy_joules') {
      pod.energyJoules = (pod.energyJoules ?? 0) + s.value;
    } else {
      proc.memoryUsedBytes = s.value;
      pod.gpuMemoryUsedBytes = (pod.gpuMemoryUsedBytes ?? 0) + s.value;
    }
  };
  for (const metric of PROCESS_METRICS) for (const s of latest.select(metric)) take(metric, s);
  for (const pod of pods.values()) {
    pod.gpus = [...new Set(pod.processes.map((p) => p.gpu))].sort((a, b) => Number(a) - Number(b));
    pod.uuids = [...new Set(pod.processes.map((p) => p.uuid))].sort();
    pod.processes.sort((a, b) => Number(a.gpu) - Number(b.gpu) || Number(a.pid) - Number(b.pid));
  }
  const text = (s: string | null) => s ?? '';
  return [...pods.values()].sort(
    (a, b) => a.cluster.localeCompare(b.cluster) || a.node.localeCompare(b.node) || text(a.namespace).localeCompare(text(b.namespace)) || text(a.name).localeCompare(text(b.name)) || a.podUid.localeCompare(b.podUid),
  );
}
