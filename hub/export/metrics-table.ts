import { GPU_COLUMNS, gpuRows, NODE_COLUMNS, nodeRows, POD_COLUMNS, podRows } from './metric-rows.js';
import { nodePowerRows } from './power-rows.js';
import { POWER_READS, queryPowerWindow } from './power-table.js';
import { windowed, type ExportInput, type ExportRange, type WindowRead } from './store-reader.js';
import type { ExportTable } from './table.js';

export const RESOURCE_TYPES = ['gpu', 'node', 'pod'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

const avg = (metric: string): WindowRead => ({ metric, agg: 'avg' });
const increase = (metric: string): WindowRead => ({ metric, agg: 'increase' });

/** What each table reads of every window (store-reader.ts windowed). */
const READS: Record<ResourceType, readonly WindowRead[]> = {
  gpu: [avg('gpu_power_watts'), increase('gpu_energy_joules'), avg('gpu_utilization_percent'), avg('gpu_memory_used_bytes'), avg('gpu_temperature_celsius')],
  node: [avg('host_cpu_utilization_percent'), avg('host_memory_used_bytes'), avg('host_memory_total_bytes'), ...POWER_READS],
  pod: [avg('gpu_process_power_watts'), increase('gpu_process_energy_joules')],
};

/** The /export/metrics table of a resource type, read lazily window by window. */
export function metricsTable(source: ExportInput, range: ExportRange, resource: ResourceType): ExportTable {
  switch (resource) {
    case 'gpu':
      return {
        title: 'gpu_metrics',
        columns: GPU_COLUMNS,
        chartColumn: 'power_watts',
        rows: windowed(source, range, READS[resource], (w, query) =>
          gpuRows({
            start: w.start,
            step: range.step,
            end: w.end,
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
        rows: windowed(source, range, READS[resource], (w, query) =>
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
        rows: windowed(source, range, READS[resource], (w, query) =>
          podRows({ start: w.start, step: range.step, end: w.end, power: query('gpu_process_power_watts', 'avg'), energy: query('gpu_process_energy_joules', 'increase') }),
        ),
      };
  }
}
