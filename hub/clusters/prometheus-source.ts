import { LatestValues } from '../fleet/latest-values.js';
import type { NodeView } from '../fleet/node-directory.js';
import type { SampleRow } from '../ingest/types.js';
import type { PrometheusClient, VectorSample } from '../prometheus/client.js';
import { exportedName, toSampleRow } from '../prometheus/to-samples.js';
import type { ClusterData } from './cluster-data.js';

/** What the cluster answers need: GPU power, utilisation and health, processes, RAPL and BMC power. */
const CURRENT_METRICS = [
  'gpu_power_watts',
  'gpu_utilization_percent',
  'gpu_memory_total_bytes',
  'gpu_ecc_uncorrected_errors_total',
  'gpu_process_memory_used_bytes',
  'rapl_power_watts',
  'node_power_watts',
];
/** A kcloud agent's /metrics always has it, GPUs or not: it names the node. */
const AGENT_INFO = 'kcloud_agent_info';

/** Every series the answers read, current (Prometheus's 5-minute lookback). */
export const CURRENT_QUERY = `{__name__=~"${[...CURRENT_METRICS.map(exportedName), AGENT_INFO].join('|')}"}`;
/** Nodes seen within the last hour: those not current now count as not ready. */
export const SEEN_QUERY = `group by (Hostname) (last_over_time(${exportedName('gpu_power_watts')}[1h])) or group by (Hostname) (last_over_time(${AGENT_INFO}[1h]))`;

function nodeView(name: string, cluster: string, ready: boolean, gpus: { uuid: string; index: number; name: string | null }[]): NodeView {
  return {
    id: 0,
    name,
    cluster,
    state: ready ? 'online' : 'offline',
    stateTs: null,
    lastSeen: null,
    agentVersion: null,
    // The GPU series are dcgm-exporter's (names and units), whoever exported them.
    sources: gpus.length ? { dcgm: { enabled: true, reason: 'prometheus', lastSampleTs: null, errors: 0 } } : {},
    inventory: { gpus },
    inventoryTs: null,
  };
}

/**
 * A cluster's data from answers of its Prometheus, in the fleet view's
 * shape: a node per `Hostname` (ready when it has a current series), its
 * GPUs from the dcgm-exporter series (`gpu`, `UUID`, `modelName`), and the
 * current values back in kcloud names and units. Pure: the queries' results in.
 */
export function clusterDataFromPrometheus(cluster: string, current: readonly VectorSample[], seen: readonly VectorSample[]): ClusterData {
  const rows: SampleRow[] = [];
  const ready = new Set<string>();
  const gpus = new Map<string, Map<string, { uuid: string; index: number; name: string | null }>>();
  const powerName = exportedName('gpu_power_watts');
  for (const s of current) {
    const host = s.labels.Hostname;
    if (!host) continue;
    ready.add(host);
    const row = toSampleRow(s, cluster);
    if (row) rows.push(row);
    const { UUID: uuid, gpu } = s.labels;
    if (s.labels.__name__ === powerName && uuid && gpu !== undefined && /^\d+$/.test(gpu)) {
      if (!gpus.has(host)) gpus.set(host, new Map());
      gpus.get(host)!.set(uuid, { uuid, index: Number(gpu), name: s.labels.modelName || null });
    }
  }
  const names = new Set([...ready, ...seen.map((s) => s.labels.Hostname).filter((h): h is string => !!h)]);
  const latest = new LatestValues();
  latest.update(rows);
  const nodes = [...names].sort().map((n) => nodeView(n, cluster, ready.has(n), [...(gpus.get(n)?.values() ?? [])]));
  return { nodes, latest, since: -Infinity };
}

/** Reads a cluster from its Prometheus (two instant queries); throws ApiError PROMETHEUS_ERROR. */
export async function readPrometheusCluster(client: PrometheusClient, cluster: string): Promise<ClusterData> {
  const [current, seen] = await Promise.all([client.query(CURRENT_QUERY), client.query(SEEN_QUERY)]);
  return clusterDataFromPrometheus(cluster, current, seen);
}
