import { useMemo, useState } from 'preact/hooks';
import { sky } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { LineChart } from '../components/line-chart';
import { Status } from '../components/status';
import { money, percent } from '../format';
import { useResource } from '../use-resource';
import type { CostAnalysis } from '../types';

const PERIODS = ['1d', '7d', '30d', '90d'] as const;

/** skyclust's cost analysis: the clouds the caller's credentials reach and the on-prem fleet's measured energy, side by side. */
export function Costs() {
  const [period, setPeriod] = useState<(typeof PERIODS)[number]>('30d');
  const costs = useResource((signal) => sky<CostAnalysis>(`/cost-analysis?period=${period}`, { signal }), [period]);
  const currency = costs.data?.currency ?? 'USD';
  const chart = useMemo(() => {
    const trend = costs.data?.trend ?? [];
    return { times: trend.map((t) => Date.parse(`${t.date}T00:00:00Z`) / 1000), series: [{ label: 'Cost per day', values: trend.map((t) => t.cost), color: '#2563eb' }] };
  }, [costs.data]);
  const columns: Column<CostAnalysis['breakdown'][number]>[] = [
    { key: 'provider', label: 'Provider', value: (r) => r.provider },
    { key: 'cost', label: 'Cost', value: (r) => r.cost, render: (r) => money(r.cost, currency), numeric: true },
    { key: 'share', label: 'Share', value: (r) => r.percentage, render: (r) => percent(r.percentage), numeric: true },
  ];
  return (
    <>
      <h2>Cost analysis</h2>
      <fieldset class="period">
        <legend>Period</legend>
        {PERIODS.map((p) => (
          <label key={p}>
            <input type="radio" name="cost-period" value={p} checked={period === p} onChange={() => setPeriod(p)} /> {p}
          </label>
        ))}
      </fieldset>
      <Status loading={costs.loading} error={costs.error}>
        {costs.data && (
          <>
            <p>
              Total <strong data-testid="cost-total">{money(costs.data.total_cost, currency)}</strong>
              {costs.data.estimated && <span class="muted"> (partly estimated)</span>}
            </p>
            <DataTable caption="Cost by provider (onprem: measured energy at the configured price)" filterLabel="Filter providers" columns={columns} rows={costs.data.breakdown} rowKey={(r) => r.provider} testId="cost-table" />
            <LineChart title="Cost per day" unit={currency} {...chart} />
          </>
        )}
      </Status>
    </>
  );
}
