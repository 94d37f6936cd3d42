import { gpuInfoOf, type GpuInfo } from '../../../agent/metrics/gpu-info.js';
import { METRICS } from '../../../shared/metrics/index.js';
import type { LatestSample } from '../../fleet/latest-values.js';
import type { NodeView } from '../../fleet/node-directory.js';
import { gpuPods, withPodLabels, type PodLabels } from '../../integrations/kubernetes/pod-labels.js';
import type { ApiDeps } from '../deps.js';

/** What one /metrics render of fleet series needs. */
export interface FleetSeries {
  nodes: NodeView[];
  byMetric: Map<string, LatestSample[]>;
  gpus: Map<string, GpuInfo>;
  /** GPU UUID -> the one pod using it (dcgm-exporter's pod, namespace and container labels on its GPU series). */
  gpuPods: Map<string, PodLabels>;
  count: number;
}

/** Series with a `pod_uid` that get the watched pod's names: GPU processes and the agents' per-pod cgroup series. */
const POD_UID_METRICS = new Set(['gpu_process_memory_used_bytes', 'gpu_process_utilization_percent', 'gpu_process_power_watts', 'gpu_process_energy_joules', 'pod_cpu_usage_seconds_total', 'pod_memory_usage_bytes']);

/**
 * The fleet's fresh series per catalogue metric, of every node or of `only`
 * one. An offline node's last values are not current (its Last Will or a
 * clean offline said so): dropped at once, as the agent's own endpoint does,
 * instead of lingering until they go stale. GPU facts (model, PCI bus id,
 * driver) come from every node's inventory, nvidia-smi's or DCGM's.
 */
export function fleetSeries(deps: ApiDeps, now: number, only?: string): FleetSeries {
  const since = deps.fleet.freshSince(now);
  // Re-read registrations: the directory refreshes every few seconds, and a scrape must count a node the CLI has just added.
  deps.fleet.nodes.reload();
  const nodes = deps.fleet.nodes.list();
  const offline = new Set(nodes.filter((n) => n.state === 'offline').map((n) => n.name));
  const current = (samples: LatestSample[]) => (offline.size === 0 ? samples : samples.filter((s) => !offline.has(s.labels.node ?? '')));
  const select = (metric: string) => current(deps.fleet.latest.select(metric, only === undefined ? {} : { node: only }, since));
  // Pod UIDs get the watched pod's namespace, name and container (Kubernetes integration).
  const kube = deps.kubernetes;
  const named = (metric: string) => (kube && POD_UID_METRICS.has(metric) ? withPodLabels(select(metric), kube.currentPod) : select(metric));
  const byMetric = new Map<string, LatestSample[]>(METRICS.map((m) => [m.name, named(m.name)]));
  let count = 0;
  for (const s of byMetric.values()) count += s.length;
  const gpus = new Map<string, GpuInfo>();
  for (const n of nodes) for (const [uuid, info] of gpuInfoOf(n.inventory)) gpus.set(uuid, info);
  return { nodes, byMetric, gpus, gpuPods: gpuPods(byMetric.get('gpu_process_power_watts') ?? []), count };
}
