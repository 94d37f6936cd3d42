import type { Column, Row } from './table.js';

export const REPORT_TEMPLATES = { daily: { period: '1d', step: '5m' }, weekly: { period: '1w', step: '1h' }, monthly: { period: '1m', step: '6h' } } as const;
export type ReportTemplate = keyof typeof REPORT_TEMPLATES;

/** The span a report covers, and when it was made: steps after `now` have not happened, so they are not gaps. */
export interface ReportPeriod {
  start: number;
  /** Exclusive. */
  end: number;
  step: number;
  now: number;
}

/** The electricity price (clouds.onprem.electricityPrice); 0 leaves every cost empty. */
export interface ReportPricing {
  pricePerKwh: number;
  currency: string;
}

export interface FleetTotals {
  energy_kwh: number | null;
  cost: number | null;
  /** Mean over the steps with data of the fleet's summed power. */
  average_power_watts: number | null;
  /** Highest step average of the fleet's summed power (not a single sample). */
  peak_power_watts: number | null;
  peak_at: number | null;
  clusters: number;
  nodes: number;
  gpus: number;
  /** Share of the elapsed steps in which some node sent data. */
  coverage_percent: number | null;
  /** Rows of the gaps table (fleet and node gaps). */
  gaps: number;
}

export interface ReportData {
  period: ReportPeriod;
  pricing: ReportPricing;
  fleet: FleetTotals;
  clusters: Row[];
  nodes: Row[];
  gpus: Row[];
  namespaces: Row[];
  top: Row[];
  gaps: Row[];
  /** Fleet power per step with data, ascending: the chart. */
  series: [number, number][];
  /** The fleet's gaps (no node sent anything): shaded on the chart. */
  fleetGaps: { from: number; to: number }[];
}

const col = (key: string, type: Column['type'] = 'double'): Column => ({ key, type });

export const CLUSTER_COLUMNS: readonly Column[] = [
  col('cluster', 'string'),
  col('nodes'),
  col('gpus'),
  col('energy_kwh'),
  col('cost'),
  col('share_percent'),
  col('average_power_watts'),
  col('peak_power_watts'),
  col('peak_at', 'timestamp'),
];

export const NODE_COLUMNS: readonly Column[] = [
  col('cluster', 'string'),
  col('node', 'string'),
  col('energy_kwh'),
  col('cost'),
  col('share_percent'),
  col('average_power_watts'),
  col('peak_power_watts'),
  col('peak_at', 'timestamp'),
  col('average_gpu_power_watts'),
  col('coverage_percent'),
  col('energy_method', 'string'),
];

export const GPU_COLUMNS: readonly Column[] = [
  col('cluster', 'string'),
  col('node', 'string'),
  col('gpu', 'string'),
  col('uuid', 'string'),
  col('energy_kwh'),
  col('cost'),
  col('average_power_watts'),
  col('peak_power_watts'),
  col('average_utilization_percent'),
  col('max_temperature_celsius'),
];

export const NAMESPACE_COLUMNS: readonly Column[] = [col('cluster', 'string'), col('kind', 'string'), col('namespace', 'string'), col('energy_kwh'), col('cost'), col('share_percent')];

export const TOP_COLUMNS: readonly Column[] = [col('kind', 'string'), col('rank'), col('name', 'string'), col('energy_kwh'), col('cost'), col('share_percent')];

export const GAP_COLUMNS: readonly Column[] = [col('scope', 'string'), col('from', 'timestamp'), col('to', 'timestamp'), col('duration', 'string'), col('steps')];

export const SUMMARY_COLUMNS: readonly Column[] = [col('metric', 'string'), col('value', 'string')];

export const SERIES_COLUMNS: readonly Column[] = [col('timestamp', 'timestamp'), col('total_power_watts')];

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The report's facts as label/value rows (the summary sheet and the PDF's first table). */
export function summaryRows(r: ReportData): Row[] {
  const f = r.fleet;
  return [
    { metric: 'from', value: iso(r.period.start) },
    { metric: 'to', value: iso(r.period.end) },
    { metric: 'energy_kwh', value: f.energy_kwh },
    { metric: 'cost', value: f.cost },
    { metric: 'currency', value: r.pricing.currency },
    { metric: 'price_per_kwh', value: r.pricing.pricePerKwh > 0 ? r.pricing.pricePerKwh : null },
    { metric: 'average_power_watts', value: f.average_power_watts },
    { metric: 'peak_power_watts', value: f.peak_power_watts },
    { metric: 'peak_at', value: iso(f.peak_at) },
    { metric: 'clusters', value: f.clusters },
    { metric: 'nodes', value: f.nodes },
    { metric: 'gpus', value: f.gpus },
    { metric: 'coverage_percent', value: f.coverage_percent },
    { metric: 'gaps', value: f.gaps },
  ];
}
