import type { SeriesSource } from '../../shared/query/types.js';
import { GPU_COLUMNS, gpuRows, NODE_COLUMNS, nodeRows, POD_COLUMNS, podRows } from './metric-rows.js';
import { nodePowerRows } from './power-rows.js';
import { queryPowerWindow } from './power-table.js';
import { windowed, type ExportRange } from './store-reader.js';
import type { ExportTable } from './table.js';

export const RESOURCE_TYPES = ['gpu', 'node', 'pod'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The /export/metrics table of a resource type, read lazily window by window. */
export function metricsTable(source: SeriesSource, range: ExportRange, resource: ResourceType): ExportTable {
  switch (resource) {
    case 'gpu':
      return {
        title: 'gpu_metrics',
        columns: GPU_COLUMNS,
        chartColumn: 'power_watts',
        rows: windowed(source, range, (w, query) =>
          gpuRows({
            start: w.start,
            step: range.step,
            power: query('gpu_power_watts', 'avg'),
            energy: query('gpu_energy_joules', 'increase'),
            utilization: query('gpu_utilization_percent', 'avg'),
            memoryUsed: query('gpu_memory_used_bytes', 'avg'),
            temperature: query('gpu_temperature_celsius', 'avg'),
          }),
        ),
      };
    case 'node':
      return {
        title: 'node_metrics',
        columns: NODE_COLUMNS,
        chartColumn: 'power_watts',
        rows: windowed(source, range, (w, query) =>
          nodeRows({
            start: w.start,
            cpu: query('host_cpu_utilization_percent', 'avg'),
            memoryUsed: query('host_memory_used_bytes', 'avg'),
            memoryTotal: query('host_memory_total_bytes', 'avg'),
            power: nodePowerRows(queryPowerWindow(w, range.step, query)),
          }),
        ),
      };
    case 'pod':
      return {
        title: 'pod_metrics',
        columns: POD_COLUMNS,
        chartColumn: 'gpu_power_watts',
        rows: windowed(source, range, (w, query) =>
          podRows({ start: w.start, step: range.step, power: query('gpu_process_power_watts', 'avg'), energy: query('gpu_process_energy_joules', 'increase') }),
        ),
      };
  }
}
