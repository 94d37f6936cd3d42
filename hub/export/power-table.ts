import type { SeriesSource } from '../../shared/query/types.js';
import { clusterPowerRows, nodePowerRows, POWER_COLUMNS, type PowerRow, type PowerWindowData } from './power-rows.js';
import { windowed, type ExportRange, type WindowQuery } from './store-reader.js';
import type { ExportTable } from './table.js';
import type { StepWindow } from './windows.js';

export type PowerBreakdown = 'node' | 'cluster';

/** The store reads behind one window of power rows: power averaged per step, energy counters' increase. */
export function queryPowerWindow(w: StepWindow, step: number, query: WindowQuery): PowerWindowData {
  return {
    start: w.start,
    step,
    gpuPower: query('gpu_power_watts', 'avg'),
    raplPower: query('rapl_power_watts', 'avg'),
    bmcPower: query('node_power_watts', 'avg'),
    gpuEnergy: query('gpu_energy_joules', 'increase'),
    raplEnergy: query('rapl_energy_joules', 'increase'),
  };
}

/** Per-step power rows (per node, or per cluster), read lazily window by window. */
export function powerRows(source: SeriesSource, range: ExportRange, breakdown: PowerBreakdown = 'node'): AsyncGenerator<PowerRow> {
  return windowed(source, range, (w, query) => {
    const rows = nodePowerRows(queryPowerWindow(w, range.step, query));
    return breakdown === 'cluster' ? clusterPowerRows(rows) : rows;
  });
}

/** The /export/power table. */
export function powerTable(source: SeriesSource, range: ExportRange, breakdown: PowerBreakdown = 'node'): ExportTable {
  return { title: 'power', columns: POWER_COLUMNS, rows: powerRows(source, range, breakdown), chartColumn: 'total_power_watts' };
}
