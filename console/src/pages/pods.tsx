import { monitor, sky } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { kwh, money, number, percent, watts } from '../format';
import { useResource } from '../use-resource';
import type { CostBreakdown, NamespacePower, PodRow } from '../types';

type NamespaceEnergy = NonNullable<CostBreakdown['namespaces']>[number];
const nsName = (ns: string | null, kind: string) => ns ?? `(${kind})`;

/**
 * GPU power by namespace now (the hub splits each GPU's board power over
 * its processes, so the rows add up to the fleet's GPU power), GPU energy
 * by namespace today, and the pods with their power and energy.
 */
export function Pods() {
  const now = useResource((signal) => monitor<NamespacePower[]>('/monitoring/power/breakdown?breakdown_by=namespace', signal), []);
  const today = useResource((signal) => sky<CostBreakdown>('/cost-analysis/breakdown?provider=onprem&period=1d', { signal }), []);
  const pods = useResource((signal) => monitor<PodRow[]>('/infrastructure/pods', signal), []);
  const nowCols: Column<NamespacePower>[] = [
    { key: 'ns', label: 'Namespace', value: (r) => nsName(r.namespace, r.kind) },
    { key: 'kind', label: 'Kind', value: (r) => r.kind },
    { key: 'power', label: 'GPU power', value: (r) => r.power_watts, render: (r) => watts(r.power_watts), numeric: true },
    { key: 'share', label: 'Share', value: (r) => r.percentage, render: (r) => percent(r.percentage), numeric: true },
  ];
  const energyCols: Column<NamespaceEnergy>[] = [
    { key: 'cluster', label: 'Cluster', value: (r) => r.cluster },
    { key: 'ns', label: 'Namespace', value: (r) => nsName(r.namespace, r.kind) },
    { key: 'kind', label: 'Kind', value: (r) => r.kind },
    { key: 'energy', label: 'GPU energy', value: (r) => r.energy_kwh, render: (r) => kwh(r.energy_kwh), numeric: true },
    { key: 'cost', label: 'Cost', value: (r) => r.cost, render: (r) => money(r.cost, today.data?.currency ?? 'USD'), numeric: true },
  ];
  const podCols: Column<PodRow>[] = [
    { key: 'ns', label: 'Namespace', value: (p) => p.namespace },
    { key: 'pod', label: 'Pod', value: (p) => p.pod_name ?? p.pod_uid ?? null },
    { key: 'node', label: 'Node', value: (p) => p.node },
    { key: 'power', label: 'GPU power', value: (p) => p.power_watts, render: (p) => watts(p.power_watts), numeric: true },
    { key: 'energy', label: 'GPU energy', value: (p) => p.energy_joules, render: (p) => (p.energy_joules === null ? '–' : `${number(p.energy_joules / 3.6e6, 4)} kWh`), numeric: true },
  ];
  return (
    <>
      <h2>Namespaces: GPU power now</h2>
      <Status loading={now.loading} error={now.error}>
        {now.data && <DataTable caption="GPU power by namespace" filterLabel="Filter namespaces" columns={nowCols} rows={now.data} rowKey={(r) => `${r.kind}/${r.namespace}`} testId="namespace-power" />}
      </Status>
      <h2>Namespaces: GPU energy today (UTC)</h2>
      {today.error ? (
        <p class="muted">Energy by namespace comes from the on-prem cost analysis, which needs clouds.onprem.electricityPrice ({today.error}).</p>
      ) : (
        <Status loading={today.loading} error={null}>
          {today.data?.namespaces && <DataTable caption="GPU energy by namespace since 00:00 UTC" filterLabel="Filter energy rows" columns={energyCols} rows={today.data.namespaces} rowKey={(r) => `${r.cluster}/${r.kind}/${r.namespace}`} />}
        </Status>
      )}
      <h2>Pods</h2>
      <Status loading={pods.loading} error={pods.error}>
        {pods.data && <DataTable caption="Pods with GPU processes" filterLabel="Filter pods" columns={podCols} rows={pods.data} rowKey={(p) => `${p.namespace}/${p.pod_name ?? p.pod_uid}`} />}
      </Status>
    </>
  );
}
