import type { SeriesSource } from '../../shared/query/types.js';
import { namespaceEnergyInSteps } from '../integrations/clouds/onprem-cost.js';
import type { PodLookup } from '../integrations/kubernetes/pod-labels.js';
import { metricsTable } from './metrics-table.js';
import { powerRows } from './power-table.js';
import { ReportAccumulator } from './report-accumulator.js';
import type { ReportData, ReportPricing } from './report-data.js';
import type { ExportInput, ExportRange } from './store-reader.js';

export interface ReportInputs {
  /** The hub's own store: the namespace split reads it alone (remote read serves the power and GPU tables). */
  local: SeriesSource;
  pricing: ReportPricing;
  /** Names pods by UID for the namespace split (the hub's pod directory), when kubernetes.clusters are watched. */
  pods: PodLookup | null;
  now: number;
  onRow?: () => void;
}

/**
 * Reads the report's range from the store (power per node, then GPUs,
 * window by window; then the GPU energy per namespace as the on-prem cost
 * breakdown computes it, on the report's steps up to `now`).
 */
export async function buildReport(source: ExportInput, range: ExportRange, inputs: ReportInputs): Promise<ReportData> {
  const acc = new ReportAccumulator();
  const onRow = inputs.onRow ?? (() => {});
  // Read up to now: a period ending later counts only the elapsed part of the step under way (power-rows.ts stepSpan), as the namespace split does.
  const end = Math.min(range.end, inputs.now);
  const elapsed = { ...range, end };
  for await (const row of powerRows(source, elapsed, 'node')) {
    acc.addPower(row);
    onRow();
  }
  for await (const row of metricsTable(source, elapsed, 'gpu').rows) {
    acc.addGpu(row);
    onRow();
  }
  const split = end > range.start ? await namespaceEnergyInSteps(inputs.local, elapsed, inputs.pods) : [];
  const namespaces = range.cluster === undefined ? split : split.filter((n) => n.cluster === range.cluster);
  return acc.result({ start: range.start, end: range.end, step: range.step, now: inputs.now }, inputs.pricing, namespaces);
}
