import type { Labels } from '../../../shared/schema/message.js';
import type { TsdbRow } from '../../tsdb/store.js';
import type { Tenant } from './tenant-store.js';

/**
 * What a tenant may post (the seed's `POST /tenants/{id}/monitoring` body
 * keys) and the series each becomes: the unit is in the stored name, the
 * range is what the unit allows. Only these names are taken, so a tenant
 * cannot make the hub create series of its choosing: one series per key
 * and tenant at most.
 */
export const POSTED_METRICS = {
  cpu_usage: { series: 'ecp_tenant_cpu_usage_percent', key: 'cpu', max: 100, unit: 'percent' },
  memory_usage: { series: 'ecp_tenant_memory_usage_percent', key: 'memory', max: 100, unit: 'percent' },
  gpu_usage: { series: 'ecp_tenant_gpu_usage_percent', key: 'gpu', max: 100, unit: 'percent' },
  network_in: { series: 'ecp_tenant_network_in_bytes_per_second', key: 'network_in', max: 1e15, unit: 'bytes/s' },
  network_out: { series: 'ecp_tenant_network_out_bytes_per_second', key: 'network_out', max: 1e15, unit: 'bytes/s' },
  storage_used: { series: 'ecp_tenant_storage_used_bytes', key: 'storage', max: 1e18, unit: 'bytes' },
  request_count: { series: 'ecp_tenant_request_count', key: 'requests', max: 1e12, unit: 'requests' },
  response_time: { series: 'ecp_tenant_response_time_milliseconds', key: 'response_time', max: 3_600_000, unit: 'ms' },
  error_rate: { series: 'ecp_tenant_error_ratio', key: 'error_rate', max: 1, unit: 'ratio (0..1)' },
} as const;

export type PostedName = keyof typeof POSTED_METRICS;
export const POSTED_NAMES = Object.keys(POSTED_METRICS) as PostedName[];

/**
 * Measured for the tenant's namespace from the agents' series (labelled with
 * `namespace`, or only `pod_uid` for the pod watch to place): GPU process
 * series, and the per-pod cgroup series of the `pod-cgroups` collector.
 */
export const MEASURED_METRICS = {
  gpu_power_watts: 'gpu_process_power_watts',
  gpu_memory_bytes: 'gpu_process_memory_used_bytes',
  gpu_utilization: 'gpu_process_utilization_percent',
  cpu_cores: 'pod_cpu_usage_seconds_total',
  memory_bytes: 'pod_memory_usage_bytes',
} as const;
export type MeasuredKey = keyof typeof MEASURED_METRICS;
export const isMeasured = (key: string): key is MeasuredKey => Object.hasOwn(MEASURED_METRICS, key);

/**
 * How a measured key adds up over the tenant's processes: power and memory
 * are summed (the agent's per-process power adds up to the GPU's); SM
 * utilisation is summed per GPU (the tenant's share of that GPU) and
 * averaged over the GPUs its processes run on, so it stays a percentage.
 */
export const MEASURED_COMBINE: Record<MeasuredKey, 'sum' | 'per-gpu-mean'> = { gpu_power_watts: 'sum', gpu_memory_bytes: 'sum', gpu_utilization: 'per-gpu-mean', cpu_cores: 'sum', memory_bytes: 'sum' };

/** Measured keys read from a counter: each series' value in a step is its rate per second (CPU seconds per second: cores), not its mean. */
export const MEASURED_RATE: ReadonlySet<MeasuredKey> = new Set(['cpu_cores']);

/** What a measured key's series are, for the reason an answer gives when there are none. */
export const MEASURED_FROM: Record<MeasuredKey, string> = {
  gpu_power_watts: 'GPU process',
  gpu_memory_bytes: 'GPU process',
  gpu_utilization: 'GPU process',
  cpu_cores: "pod cgroup (the agents' pod-cgroups collector)",
  memory_bytes: "pod cgroup (the agents' pod-cgroups collector)",
};

/** Keys of the monitoring answers (GET and the WebSocket): posted ones by their short key, measured ones by theirs. */
export type MetricKey = (typeof POSTED_METRICS)[PostedName]['key'] | MeasuredKey;
export const METRIC_KEYS: MetricKey[] = [...POSTED_NAMES.map((n) => POSTED_METRICS[n].key), 'gpu_power_watts', 'gpu_memory_bytes', 'gpu_utilization', 'cpu_cores', 'memory_bytes'];

/** The seed's `metric_type` values and the keys each answers. */
export const METRIC_TYPES = {
  cpu: ['cpu', 'cpu_cores'],
  memory: ['memory', 'memory_bytes'],
  gpu: ['gpu', 'gpu_power_watts', 'gpu_memory_bytes', 'gpu_utilization'],
  network: ['network_in', 'network_out'],
  storage: ['storage'],
} as const satisfies Record<string, readonly MetricKey[]>;
export type MetricType = keyof typeof METRIC_TYPES;

/** The posted name behind a key (null for measured keys). */
export function postedNameOf(key: MetricKey): PostedName | null {
  return POSTED_NAMES.find((n) => POSTED_METRICS[n].key === key) ?? null;
}

/** A tenant's series are labelled with its id and namespace, never with anything the client sent. */
export const tenantLabels = (t: Pick<Tenant, 'tenantId' | 'namespace'>): Labels => ({ tenant_id: t.tenantId, namespace: t.namespace });

/**
 * The rows of one post. The route's schema has already checked names and
 * ranges; the values are checked again here (finite, in range) because
 * this is what reaches the store, whoever calls it.
 */
export function postedRows(t: Pick<Tenant, 'tenantId' | 'namespace'>, metrics: Partial<Record<PostedName, number>>, ts: number): TsdbRow[] {
  const labels = tenantLabels(t);
  return Object.entries(metrics).map(([name, value]) => {
    const def = POSTED_METRICS[name as PostedName];
    if (!def) throw new Error(`${name}: not a tenant metric`);
    if (!Number.isFinite(value) || value < 0 || value > def.max) throw new Error(`${name}: ${value} is outside 0..${def.max}`);
    return { metric: def.series, labels, ts, value };
  });
}
