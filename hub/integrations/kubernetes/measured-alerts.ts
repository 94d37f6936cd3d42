import { MEASURED_METRICS, type MeasuredKey } from './tenant-metrics.js';

/** The measured keys alerts are checked on (thresholds `ecp.monitoring.alertThresholds.<key>`). */
export const ALERTED_MEASURED: readonly MeasuredKey[] = ['gpu_utilization', 'gpu_power_watts'];
const ALERTED_SERIES = new Set<string>(ALERTED_MEASURED.map((k) => MEASURED_METRICS[k]));

const PREFIX = 'ecp-ai-';

/**
 * The tenants a stored telemetry batch has measured values of, with the
 * newest sample time of each: GPU process rows (utilisation, power) whose
 * `namespace` label — or, without one, the namespace the pod watch gives
 * their `pod_uid` now — is a tenant namespace (`ecp-ai-<tenant>`).
 */
export function measuredTenants(rows: readonly { metric: string; labels: Record<string, string>; ts: number }[], podNamespace: (cluster: string, uid: string) => string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    if (!ALERTED_SERIES.has(r.metric)) continue;
    const ns = r.labels.namespace || (r.labels.pod_uid ? podNamespace(r.labels.cluster ?? '', r.labels.pod_uid) : null);
    if (!ns?.startsWith(PREFIX)) continue;
    const tenant = ns.slice(PREFIX.length);
    out.set(tenant, Math.max(out.get(tenant) ?? 0, r.ts));
  }
  return out;
}
