/**
 * The metric catalogue: every metric the agent may publish, with its unit and
 * type. The hub uses it to pick rollups (gauges vs counters) and to render
 * /metrics under dcgm-exporter's names so existing Grafana dashboards work.
 */
export type MetricType = 'gauge' | 'counter';

export interface MetricDef {
  /** kcloud name; the suffix is the unit (`_watts`, `_joules`, `_bytes`, `_percent`, `_celsius`, `_mhz`, `_rpm`, `_volts`, `_amperes`, `_ratio` (0 to 1), `_total`); a 0/1 flag or a code (`gpu_row_remap_failure`, `gpu_xid_last`) has none. */
  name: string;
  type: MetricType;
  help: string;
  /** Labels the metric carries (besides the node and cluster of its message). */
  labels: readonly string[];
  /** dcgm-exporter name, when one exists, and the factor from kcloud units to DCGM units. */
  dcgm?: { name: string; scale: number };
}

export function defineMetrics<const T extends readonly MetricDef[]>(defs: T): T {
  return defs;
}
