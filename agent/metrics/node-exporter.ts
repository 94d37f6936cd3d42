import { Gauge, type Registry } from 'prom-client';

type Series = { labels: Record<string, string>; value: number };

/**
 * Host families under node_exporter's names and labels
 * (`metrics.nodeExporterNames: true`), for dashboards built on node_exporter
 * (NVIDIA DeepOps' GPU node dashboard). Only what the host collector reads
 * exactly: node_exporter's CPU seconds and network byte counters are
 * counters, the agent keeps percentages and rates, so they have no
 * counterpart; filesystem `avail` (free space minus root-reserved blocks) is
 * not read. `host_memory_used_bytes` is MemTotal − MemAvailable
 * (agent/collectors/host/map.ts), so MemAvailable is total − used exactly.
 * No `Hostname` label: node_exporter has none; `instance` names the host.
 */
export function addNodeExporterFamilies(registry: Registry, series: (metric: string) => Series[]): void {
  const gauge = (name: string, help: string, labelNames: string[], rows: Series[]) => {
    if (rows.length === 0) return;
    const g = new Gauge({ name, help, labelNames, registers: [registry] });
    for (const r of rows) g.set(r.labels, r.value);
  };
  gauge('node_load1', '1m load average (kcloud host_load1).', [], series('host_load1').map((s) => ({ labels: {}, value: s.value })));
  const total = series('host_memory_total_bytes')[0];
  const used = series('host_memory_used_bytes')[0];
  gauge('node_memory_MemTotal_bytes', 'Memory information field MemTotal_bytes (kcloud host_memory_total_bytes).', [], total ? [{ labels: {}, value: total.value }] : []);
  gauge(
    'node_memory_MemAvailable_bytes',
    'Memory information field MemAvailable_bytes (kcloud host_memory_total_bytes - host_memory_used_bytes).',
    [],
    total && used ? [{ labels: {}, value: total.value - used.value }] : [],
  );
  gauge(
    'node_filesystem_size_bytes',
    'Filesystem size in bytes (kcloud host_disk_size_bytes).',
    ['mountpoint'],
    series('host_disk_size_bytes').map((s) => ({ labels: { mountpoint: s.labels.mount ?? '' }, value: s.value })),
  );
}
