import type { MetricDef } from './catalogue.js';
import { AGENT_METRICS } from './agent.js';
import { GPU_METRICS } from './gpu.js';
import { HOST_METRICS } from './host.js';
import { IPMI_METRICS } from './ipmi.js';
import { POD_METRICS } from './pod.js';
import { RAPL_METRICS } from './rapl.js';

export type { MetricDef, MetricType } from './catalogue.js';

export const METRICS: readonly MetricDef[] = [...GPU_METRICS, ...IPMI_METRICS, ...RAPL_METRICS, ...HOST_METRICS, ...POD_METRICS, ...AGENT_METRICS];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** The definition of a metric, or undefined for names outside the catalogue. */
export function metricDef(name: string): MetricDef | undefined {
  return BY_NAME.get(name);
}
