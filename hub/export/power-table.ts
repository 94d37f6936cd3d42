import { clusterPowerRows, nodePowerRows, POWER_COLUMNS, type PowerRow, type PowerWindowData } from './power-rows.js';
import { windowed, type ExportInput, type ExportRange, type WindowQuery, type WindowRead } from './store-reader.js';
import type { ExportTable } from './table.js';
import type { StepWindow } from './windows.js';

export type PowerBreakdown = 'node' | 'cluster';

/** What queryPowerWindow reads of each window. */
export const POWER_READS: readonly WindowRead[] = [
  { metric: 'gpu_power_watts', agg: 'avg' },
  { metric: 'rapl_power_watts', agg: 'avg' },
  { metric: 'node_power_watts', agg: 'avg' },
  { metric: 'gpu_energy_joules', agg: 'increase' },
  { metric: 'rapl_energy_joules', agg: 'increase' },
];

/** The store reads behind one window of power rows: power averaged per step, energy counters' increase. */
export function queryPowerWindow(w: StepWindow, step: number, query: WindowQuery): PowerWindowData {
  return {
    start: w.start,
    step,
    end: w.end,
    gpuPower: query('gpu_power_watts', 'avg'),
    raplPower: query('rapl_power_watts', 'avg'),
    bmcPower: query('node_power_watts', 'avg'),
    gpuEnergy: query('gpu_energy_joules', 'increase'),
    raplEnergy: query('rapl_energy_joules', 'increase'),
  };
}

/** Per-step power rows (per node, or per cluster), read lazily window by window. */
export function powerRows(source: ExportInput, range: ExportRange, breakdown: PowerBreakdown = 'node'): AsyncGenerator<PowerRow> {
  return windowed(source, range, POWER_READS, (w, query) => {
    const rows = nodePowerRows(queryPowerWindow(w, range.step, query));
    return breakdown === 'cluster' ? clusterPowerRows(rows) : rows;
  });
}

/** The /export/power table. */
export function powerTable(source: ExportInput, range: ExportRange, breakdown: PowerBreakdown = 'node'): ExportTable {
  return { title: 'power', columns: POWER_COLUMNS, rows: powerRows(source, range, breakdown), chartColumn: 'total_power_watts' };
}
