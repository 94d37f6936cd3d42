import { sky } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { time } from '../format';
import { useResource } from '../use-resource';
import type { Credential, Vm } from '../types';

/** Cloud credentials (names and providers: the hub never sends their secrets back) and the VMs made with them. */
export function Clouds() {
  const creds = useResource((signal) => sky<{ credentials: Credential[] }>('/credentials?limit=100', { signal }), []);
  const vms = useResource((signal) => sky<{ vms: Vm[] }>('/vms?limit=100', { signal }), []);
  const credCols: Column<Credential>[] = [
    { key: 'name', label: 'Name', value: (c) => c.name },
    { key: 'provider', label: 'Provider', value: (c) => c.provider },
    { key: 'active', label: 'Active', value: (c) => (c.is_active ? 'yes' : 'no') },
    { key: 'workspace', label: 'Workspace', value: (c) => c.workspace_id },
    { key: 'created', label: 'Created', value: (c) => c.created_at, render: (c) => time(c.created_at) },
  ];
  const vmCols: Column<Vm>[] = [
    { key: 'name', label: 'Name', value: (v) => v.name },
    { key: 'provider', label: 'Provider', value: (v) => v.provider },
    { key: 'type', label: 'Type', value: (v) => v.instance_type },
    { key: 'status', label: 'Status', value: (v) => v.status, render: (v) => <span title={v.status_reason ?? ''}>{v.status}</span> },
    { key: 'region', label: 'Region', value: (v) => v.zone ?? v.region },
    { key: 'ip', label: 'IP', value: (v) => v.public_ip ?? v.private_ip },
  ];
  return (
    <>
      <h2>Cloud credentials</h2>
      <Status loading={creds.loading} error={creds.error}>
        {creds.data && <DataTable caption="Credentials (secrets are never shown)" filterLabel="Filter credentials" columns={credCols} rows={creds.data.credentials} rowKey={(c) => c.id} testId="credential-table" />}
      </Status>
      <h2>Cloud VMs</h2>
      <Status loading={vms.loading} error={vms.error}>
        {vms.data && <DataTable caption="VMs" filterLabel="Filter VMs" columns={vmCols} rows={vms.data.vms} rowKey={(v) => v.id} testId="vm-table" />}
      </Status>
    </>
  );
}
