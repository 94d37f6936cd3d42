import { useMemo, useState } from 'preact/hooks';
import { monitor, query } from '../api';
import { LineChart } from '../components/line-chart';
import { Card, Status } from '../components/status';
import { celsius, mib, number, percent, watts } from '../format';
import { useResource } from '../use-resource';
import type { Gpu, GpuMetrics } from '../types';

const PERIODS = { '1h': { step: '1m', seconds: 3600 }, '1d': { step: '15m', seconds: 86_400 }, '1w': { step: '1h', seconds: 7 * 86_400 } } as const;
type Period = keyof typeof PERIODS;

export function GpuDetail(props: { node: string; gpuId: string }) {
  const { node, gpuId } = props;
  const [period, setPeriod] = useState<Period>('1h');
  const path = `/accelerators/gpus/${encodeURIComponent(gpuId)}`;
  const facts = useResource((signal) => monitor<Gpu>(`${path}${query({ node })}`, signal), [node, gpuId]);
  const metrics = useResource((signal) => monitor<GpuMetrics>(`${path}/metrics${query({ node, period, step: PERIODS[period].step })}`, signal), [node, gpuId, period]);
  // Built once per answer: the charts are redrawn only when these change.
  const charts = useMemo(() => {
    const ts = metrics.data?.timeseries ?? [];
    const pick = (k: keyof (typeof ts)[number]) => ts.map((p) => p[k] as number | null);
    const now = Date.now() / 1000;
    const common = { xRange: [now - PERIODS[period].seconds, now] as [number, number], times: ts.map((p) => Date.parse(p.timestamp) / 1000) };
    return [
      { ...common, title: 'Power', unit: 'W', series: [{ label: 'Power', values: pick('power_watts'), color: '#2563eb' }] },
      { ...common, title: 'Utilisation', unit: '%', series: [{ label: 'GPU', values: pick('utilization_percent'), color: '#16a34a' }, { label: 'Memory', values: pick('memory_utilization_percent'), color: '#9333ea' }] },
      { ...common, title: 'Temperature', unit: '°C', series: [{ label: 'GPU', values: pick('temperature_celsius'), color: '#dc2626' }] },
      { ...common, title: 'Memory used', unit: 'MiB', series: [{ label: 'Used', values: pick('memory_used_mb'), color: '#ca8a04' }] },
    ];
  }, [metrics.data, period]);
  const cur = metrics.data?.current ?? {};
  const num = (k: string) => (typeof cur[k] === 'number' ? (cur[k] as number) : null);
  return (
    <>
      <p>
        <a href="#/gpus">← All GPUs</a>
      </p>
      <h2>
        GPU {gpuId} on {node}
      </h2>
      <Status loading={facts.loading} error={facts.error}>
        {facts.data && (
          <dl class="facts" data-testid="gpu-facts">
            <dt>Model</dt>
            <dd>{facts.data.model ?? '–'}</dd>
            <dt>UUID</dt>
            <dd>{facts.data.uuid ?? '–'}</dd>
            <dt>Driver</dt>
            <dd>{facts.data.driver_version ?? '–'}</dd>
            <dt>Status</dt>
            <dd>{facts.data.status}</dd>
            <dt>Power limit</dt>
            <dd>{watts(facts.data.power_limit_watts)}</dd>
            <dt>MIG</dt>
            <dd>{facts.data.mig_mode ?? '–'}</dd>
          </dl>
        )}
      </Status>
      <div class="cards">
        <Card label="Power" value={watts(num('power_watts'))} testId="gpu-detail-power" />
        <Card label="Utilisation" value={percent(num('gpu_utilization_percent'))} />
        <Card label="Memory used" value={mib(num('memory_used_mb'))} />
        <Card label="Temperature" value={celsius(num('temperature_celsius'))} />
        <Card label="SM clock" value={`${number(num('sm_clock_mhz'), 0)} MHz`} />
      </div>
      <fieldset class="period">
        <legend>History</legend>
        {(Object.keys(PERIODS) as Period[]).map((p) => (
          <label key={p}>
            <input type="radio" name="period" value={p} checked={period === p} onChange={() => setPeriod(p)} /> {p}
          </label>
        ))}
      </fieldset>
      <Status loading={metrics.loading} error={metrics.error}>
        <div class="grid2">
          {charts.map((c) => (
            <LineChart key={c.title} {...c} />
          ))}
        </div>
      </Status>
    </>
  );
}
