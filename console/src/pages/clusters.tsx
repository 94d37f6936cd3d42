import { useState } from 'preact/hooks';
import { monitor, request } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { watts } from '../format';
import { useResource } from '../use-resource';
import type { ClusterRow, ProxmoxCluster } from '../types';

async function loadClusters(signal: AbortSignal): Promise<(ClusterRow & { pve: ProxmoxCluster | null })[]> {
  const rows = await monitor<ClusterRow[]>('/clusters', signal);
  return Promise.all(rows.map(async (r) => ({ ...r, pve: r.id ? await request<ProxmoxCluster>(`/api/v1/clusters/${encodeURIComponent(r.id)}`, { signal }) : null })));
}

function RegisterCluster(props: { onDone: () => void }) {
  const [form, setForm] = useState({ name: '', api_endpoint: '', username: 'root@pam', password: '', tls_fingerprint: '' });
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const { tls_fingerprint, ...rest } = form;
      const c = await request<ProxmoxCluster>('/api/v1/clusters', { method: 'POST', body: { ...rest, ...(tls_fingerprint ? { tls_fingerprint } : {}) } });
      setMessage({ error: false, text: `Registered ${c.name}; certificate ${c.tls_fingerprint ?? 'verified by the CAs'}.` });
      setForm({ ...form, password: '' });
      props.onDone();
    } catch (err) {
      setMessage({ error: true, text: (err as Error).message });
    }
  };
  return (
    <form class="form" onSubmit={submit} aria-label="Register a Proxmox cluster">
      <label>
        Name <input required value={form.name} onInput={set('name')} />
      </label>
      <label>
        API endpoint <input required type="url" placeholder="https://pve:8006" value={form.api_endpoint} onInput={set('api_endpoint')} />
      </label>
      <label>
        User <input required value={form.username} onInput={set('username')} autocomplete="off" />
      </label>
      <label>
        Password <input required type="password" value={form.password} onInput={set('password')} autocomplete="new-password" />
      </label>
      <label>
        Certificate SHA-256 (optional) <input value={form.tls_fingerprint} onInput={set('tls_fingerprint')} placeholder="AB:CD:…" />
      </label>
      <button type="submit">Register cluster</button>
      {message && (
        <p role={message.error ? 'alert' : 'status'} class={message.error ? 'error' : ''}>
          {message.text}
        </p>
      )}
    </form>
  );
}

/** Every cluster (agents' and registered Proxmox ones) with health, power and, for Proxmox, the pinned certificate. */
export function Clusters(props: { canRegister: boolean }) {
  const clusters = useResource(loadClusters, []);
  type Row = NonNullable<typeof clusters.data>[number];
  const columns: Column<Row>[] = [
    { key: 'name', label: 'Cluster', value: (c) => c.name },
    { key: 'status', label: 'Health', value: (c) => c.pve?.status ?? c.status, render: (c) => <span title={c.pve?.status_reason ?? ''}>{c.pve?.status ?? c.status}{c.pve?.status_reason ? ` (${c.pve.status_reason})` : ''}</span> },
    { key: 'source', label: 'Source', value: (c) => (c.id ? 'proxmox' : c.data_source) },
    { key: 'nodes', label: 'Nodes', value: (c) => c.pve?.node_count ?? c.nodes_count, numeric: true },
    { key: 'gpus', label: 'GPUs', value: (c) => c.gpus_count, numeric: true },
    { key: 'power', label: 'Power', value: (c) => c.total_power_watts, render: (c) => watts(c.total_power_watts), numeric: true },
    { key: 'endpoint', label: 'API endpoint', value: (c) => c.api_endpoint },
    { key: 'version', label: 'PVE version', value: (c) => c.proxmox_version },
    { key: 'fp', label: 'Certificate (SHA-256)', value: (c) => c.pve?.tls_fingerprint ?? null, render: (c) => <code class="fp">{c.pve ? (c.pve.tls_fingerprint ?? 'CA-verified') : '–'}</code> },
  ];
  return (
    <>
      <h2>
        Clusters <button type="button" class="link" onClick={clusters.reload}>Refresh</button>
      </h2>
      <Status loading={clusters.loading} error={clusters.error}>
        {clusters.data && <DataTable caption="Clusters" filterLabel="Filter clusters" columns={columns} rows={clusters.data} rowKey={(c) => c.id ?? c.name} testId="cluster-table" />}
      </Status>
      {props.canRegister && (
        <section aria-labelledby="register-h" data-testid="mutation-controls">
          <h3 id="register-h">Register a Proxmox cluster</h3>
          <RegisterCluster onDone={clusters.reload} />
        </section>
      )}
    </>
  );
}
