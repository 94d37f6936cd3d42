import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { monitor, query, sky } from '../api';
import { LineChart } from '../components/line-chart';
import { Card, Status } from '../components/status';
import { kwh, money, watts } from '../format';
import { useLivePower } from '../live-power';
import { useResource } from '../use-resource';
import type { CostBreakdown, Gpu, NodeRow, NotificationList, PowerPoint } from '../types';

const STREAM_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', ended: 'stream ended' } as const;

function PowerHistory(props: { period: '1h' | '1d'; step: string; title: string; round: number }) {
  const { data, error, loading } = useResource((signal) => monitor<PowerPoint[]>(`/monitoring/timeseries/power${query({ period: props.period, step: props.step })}`, signal), [props.period, props.round]);
  // Built once per answer: the chart is redrawn only when these change.
  const chart = useMemo(() => {
    const now = Date.now() / 1000;
    const points = data ?? [];
    return {
      xRange: [now - (props.period === '1h' ? 3600 : 86_400), now] as [number, number],
      times: points.map((p) => Date.parse(p.timestamp) / 1000),
      series: [
        { label: 'Total', values: points.map((p) => p.total_power_watts), color: '#2563eb' },
        { label: 'GPU', values: points.map((p) => p.gpu_power_watts), color: '#16a34a' },
      ],
    };
  }, [data, props.period]);
  return (
    <Status loading={loading} error={error}>
      <LineChart title={props.title} unit="W" {...chart} />
    </Status>
  );
}

/** Energy and cost since 00:00 UTC from the on-prem cost analysis (measured energy x `clouds.onprem.electricityPrice`). */
function EnergyToday() {
  const { data, error, loading } = useResource((signal) => sky<CostBreakdown>('/cost-analysis/breakdown?provider=onprem&period=1d', { signal }), []);
  if (error) return <Card label="Energy today (UTC)" value="–" hint={`Needs clouds.onprem.electricityPrice: ${error}`} />;
  const energy = data?.clusters?.reduce((s, c) => s + c.energy_kwh, 0) ?? null;
  return (
    <>
      <Card label="Energy today (UTC)" value={loading ? '…' : kwh(energy)} testId="energy-today" />
      <Card label="Cost today" value={loading ? '…' : money(data?.total_cost, data?.currency ?? 'USD')} testId="cost-today" hint="on-prem energy at the configured price" />
    </>
  );
}

/**
 * The cards the power stream updates: only these re-render on each
 * snapshot. `onNewMinute` is called when the stream's newest sample enters
 * a later minute than the one before, so the hour chart reads the minute
 * just completed: one read a minute while data flows, none otherwise.
 */
function LivePower(props: { onNewMinute: () => void }) {
  const { snapshot, state } = useLivePower();
  const minute = snapshot?.latest_sample_timestamp ? Math.floor(Date.parse(snapshot.latest_sample_timestamp) / 60_000) : null;
  const seen = useRef<number | null>(null);
  const { onNewMinute } = props;
  useEffect(() => {
    if (minute === null) return;
    if (seen.current !== null && minute > seen.current) onNewMinute();
    seen.current = minute;
  }, [minute, onNewMinute]);
  return (
    <>
      <Card label="Total power now" value={watts(snapshot?.total_power_watts)} testId="total-power" hint={<span data-testid="stream-state">{STREAM_TEXT[state]}</span>} />
      <Card label="GPU power now" value={watts(snapshot?.gpu_power_watts)} testId="gpu-power" hint={snapshot?.latest_sample_timestamp ? `sample ${new Date(snapshot.latest_sample_timestamp).toLocaleTimeString()}` : 'no sample yet'} />
      <Card label="CPU power now (RAPL)" value={watts(snapshot?.cpu_power_watts)} testId="cpu-power" />
    </>
  );
}

export function Overview() {
  // Minutes the stream has moved on since the page opened: the hour chart is read again at each, the day chart every 15.
  const [minutes, setMinutes] = useState(0);
  const newMinute = useCallback(() => setMinutes((m) => m + 1), []);
  const gpus = useResource((signal) => monitor<Gpu[]>('/accelerators/gpus?include_metrics=true', signal), []);
  const nodes = useResource((signal) => monitor<NodeRow[]>('/infrastructure/nodes', signal), []);
  const alerts = useResource((signal) => sky<NotificationList>('/notifications?limit=5', { signal }), []);
  const gpuOnline = gpus.data?.filter((g) => g.status !== 'error').length;
  const nodesOnline = nodes.data?.filter((n) => n.status === 'ready').length;
  return (
    <>
      <h2>Fleet overview</h2>
      <div class="cards">
        <LivePower onNewMinute={newMinute} />
        <EnergyToday />
        <Card label="GPUs online" value={gpus.data ? `${gpuOnline} / ${gpus.data.length}` : '…'} testId="gpus-online" />
        <Card label="Nodes online" value={nodes.data ? `${nodesOnline} / ${nodes.data.length}` : '…'} testId="nodes-online" />
      </div>
      <div class="grid2">
        <PowerHistory period="1h" step="1m" title="Power, last hour (1-minute averages)" round={minutes} />
        <PowerHistory period="1d" step="15m" title="Power, last day (15-minute averages)" round={Math.floor(minutes / 15)} />
      </div>
      <section aria-labelledby="alerts-h">
        <h3 id="alerts-h">
          Notifications and alerts <button type="button" class="link" onClick={alerts.reload}>Refresh</button>
        </h3>
        <Status loading={alerts.loading} error={alerts.error}>
          {alerts.data && alerts.data.notifications.length === 0 && <p class="muted">None.</p>}
          <ul class="alerts" data-testid="alerts">
            {alerts.data?.notifications.map((n) => (
              <li key={n.id} class={`sev-${n.type ?? 'info'}`}>
                <strong>{n.title}</strong> {n.message} <span class="muted small">{new Date(n.created_at).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        </Status>
      </section>
    </>
  );
}
