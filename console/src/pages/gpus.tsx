import { monitor, query } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { celsius, mib, percent, watts } from '../format';
import { useResource } from '../use-resource';
import type { Gpu, QuerySeries } from '../types';

/** nvidia-smi's `clocks_event_reasons.active` bits (NVML's nvmlClocksEventReasons), the ones worth a name. */
const REASONS: [number, string][] = [
  [0x4, 'SW power cap'],
  [0x8, 'HW slowdown'],
  [0x20, 'SW thermal'],
  [0x40, 'HW thermal'],
  [0x80, 'power brake'],
  [0x2, 'app clocks'],
  [0x10, 'sync boost'],
  [0x1, 'idle'],
];
export const throttleText = (mask: number | undefined): string => {
  if (mask === undefined) return '–';
  const names = REASONS.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
  return names.length ? names.join(', ') : 'none';
};

/** The newest throttle bitmask per node/GPU (kcloud's own query API: one call for the fleet). */
async function throttleMasks(signal: AbortSignal): Promise<Map<string, number>> {
  const body = await monitor<{ series: QuerySeries[] }>(`/monitoring/query${query({ selector: 'gpu_throttle_reasons', since: '2m', step: '2m', agg: 'last' })}`, signal);
  return new Map(body.series.map((s) => [`${s.labels.node}/${s.labels.gpu}`, s.points.at(-1)?.[1] ?? 0]));
}

export const gpuHref = (g: Pick<Gpu, 'node' | 'gpu_id'>) => `#/gpus/${encodeURIComponent(g.node)}/${encodeURIComponent(g.gpu_id)}`;

export function Gpus() {
  const gpus = useResource((signal) => monitor<Gpu[]>('/accelerators/gpus?include_metrics=true', signal), []);
  const throttle = useResource((signal) => throttleMasks(signal), []);
  const mask = (g: Gpu) => throttle.data?.get(`${g.node}/${g.gpu_id.replace(/^nvidia/, '')}`);
  const columns: Column<Gpu>[] = [
    { key: 'node', label: 'Node', value: (g) => g.node },
    { key: 'gpu', label: 'GPU', value: (g) => g.gpu_id, render: (g) => <a href={gpuHref(g)}>{g.gpu_id}</a> },
    { key: 'model', label: 'Model', value: (g) => g.model },
    { key: 'status', label: 'Status', value: (g) => g.status, render: (g) => <span class={`badge ${g.status}`}>{g.status}</span> },
    { key: 'power', label: 'Power', value: (g) => g.power_watts, render: (g) => watts(g.power_watts), numeric: true },
    { key: 'util', label: 'Utilisation', value: (g) => g.utilization_percent, render: (g) => percent(g.utilization_percent), numeric: true },
    { key: 'mem', label: 'Memory used', value: (g) => g.memory_used_mb, render: (g) => `${mib(g.memory_used_mb)} / ${mib(g.memory_total_mb)}`, numeric: true },
    { key: 'temp', label: 'Temperature', value: (g) => g.temperature_celsius, render: (g) => celsius(g.temperature_celsius), numeric: true },
    { key: 'throttle', label: 'Throttling', value: (g) => throttleText(mask(g)) },
  ];
  return (
    <>
      <h2>
        GPUs <button type="button" class="link" onClick={() => (gpus.reload(), throttle.reload())}>Refresh</button>
      </h2>
      <Status loading={gpus.loading} error={gpus.error}>
        {gpus.data && <DataTable caption="Every GPU of the fleet" filterLabel="Filter GPUs" columns={columns} rows={gpus.data} rowKey={(g) => `${g.node}/${g.gpu_id}`} testId="gpu-table" />}
      </Status>
    </>
  );
}
