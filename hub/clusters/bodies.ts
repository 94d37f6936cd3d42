import type { ClusterInfo } from './catalog.js';
import { sumPower } from '../fleet/power.js';
import type { ClusterFigures } from './cluster-data.js';

/** `connected`: a node reports (agents) or the Prometheus answered; `disconnected`: neither; `unknown`: configured, no url, no node yet. */
export type ClusterStatus = 'connected' | 'disconnected' | 'unknown';

/**
 * One entry of GET /clusters (kcloud-monitor-api 6.1); counts null when the
 * cluster could not be read. The Prometheus url (already without
 * credentials) is internal: only admins see it, others get null.
 */
export function clusterListEntry(info: ClusterInfo, figures: ClusterFigures | null, error: string | null, showUrl: boolean) {
  let status: ClusterStatus;
  if (info.source === 'prometheus') status = figures ? 'connected' : 'disconnected';
  else if (!figures || figures.nodesTotal === 0) status = 'unknown';
  else status = figures.nodesReady > 0 ? 'connected' : 'disconnected';
  return {
    name: info.name,
    url: showUrl ? info.url : null,
    region: info.region,
    status,
    data_source: info.source,
    nodes_count: figures?.nodesTotal ?? null,
    gpus_count: figures?.gpus.length ?? null,
    total_power_watts: figures ? sumPower(figures.power).totalWatts : null,
    error,
  };
}

/** `healthy`: every node ready; `degraded`: some; `down`: none; `unknown`: no node at all. */
function summaryStatus(f: ClusterFigures): 'healthy' | 'degraded' | 'down' | 'unknown' {
  if (f.nodesTotal === 0) return 'unknown';
  if (f.nodesReady === f.nodesTotal) return 'healthy';
  return f.nodesReady > 0 ? 'degraded' : 'down';
}

/**
 * GET /clusters/{name}/summary (6.2). Node roles, pods and PUE are not
 * known to kcloud (no Kubernetes API, no facility meter): null, not 0.
 */
export function clusterSummary(info: ClusterInfo, f: ClusterFigures) {
  const power = sumPower(f.power);
  const count = (status: string) => f.gpus.filter((g) => g.status === status).length;
  return {
    name: info.name,
    region: info.region,
    status: summaryStatus(f),
    nodes: { total: f.nodesTotal, ready: f.nodesReady, masters: null, workers: null },
    gpus: {
      total: f.gpus.length,
      active: count('active'),
      idle: count('idle'),
      error: count('error'),
      models: [...new Set(f.gpus.map((g) => g.inventory?.name).filter((m): m is string => !!m))].sort(),
    },
    pods: { total: null, running: null, pending: null },
    power: { total_watts: power.totalWatts, gpu_watts: power.gpuWatts, cpu_watts: power.cpuWatts, memory_watts: power.memoryWatts, efficiency_pue: null },
  };
}

/** GET /clusters/{name}/power (6.3): the cluster's power and each node's, with where each number comes from. */
export function clusterPower(info: ClusterInfo, f: ClusterFigures) {
  const t = sumPower(f.power);
  return {
    cluster: info.name,
    total_power_watts: t.totalWatts,
    gpu_power_watts: t.gpuWatts,
    cpu_power_watts: t.cpuWatts,
    memory_power_watts: t.memoryWatts,
    other_power_watts: t.otherWatts,
    bmc_power_watts: t.bmcWatts,
    efficiency_pue: null,
    node_count: f.nodesTotal,
    nodes: f.power.map((p) => ({
      node: p.node,
      total_power_watts: p.totalWatts,
      gpu_power_watts: p.gpuWatts,
      cpu_power_watts: p.cpuWatts,
      memory_power_watts: p.memoryWatts,
      other_power_watts: p.otherWatts,
      bmc_power_watts: p.bmcWatts,
      sources: p.sources,
      timestamp: p.ts === null ? null : new Date(p.ts).toISOString(),
    })),
  };
}
