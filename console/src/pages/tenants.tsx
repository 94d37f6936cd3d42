import { useEffect, useState } from 'preact/hooks';
import { request, type RequestInit } from '../api';
import { actionsColumn, DataTable, type Column } from '../components/data-table';
import { ErrorAlert, SelectField } from '../components/form';
import { Status } from '../components/status';
import { useForm, useSubmit } from '../use-form';
import { useResource } from '../use-resource';
import type { Tenant, TenantDeletion, TenantUpdated } from '../types';

interface DeploymentFrame {
  deployment_id: string;
  status: string;
  progress: number;
  phase: string;
  message: string;
}

const SERVICES = ['callbot', 'chatbot', 'advisor', 'stt', 'tts', 'ta', 'qa'];
const PRESETS = ['micro', 'small', 'medium', 'large'];

/** The ECP API wants `X-Demo-Mode` on every call (docs/ecp.md); it chooses demo data, never grants anything. */
const ecp = <T,>(path: string, demo: boolean, init: RequestInit = {}) => request<T>(`/api/v1${path}`, { ...init, headers: { 'x-demo-mode': String(demo), ...init.headers } });

/** A deployment's progress pushed by the hub over WS /ws/deployment/{id} (no polling); the socket closes when the page does. */
function DeploymentProgress(props: { id: string; label: string; onDone: () => void }) {
  const [frame, setFrame] = useState<DeploymentFrame | null>(null);
  const [closed, setClosed] = useState<string | null>(null);
  useEffect(() => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/deployment/${encodeURIComponent(props.id)}`);
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as Partial<DeploymentFrame> & { error?: { message: string } };
      if (msg.error) setClosed(msg.error.message);
      else if (typeof msg.progress === 'number') {
        setFrame(msg as DeploymentFrame);
        // The list shows the end state (running, re-sized, gone) once the task has one.
        if (msg.status !== 'deploying') props.onDone();
      }
    };
    ws.onclose = (e) => e.code !== 1000 && e.code !== 1005 && setClosed(`stream closed (${e.code})`);
    return () => ws.close();
    // The deployment id names the socket; onDone may change identity between renders.
  }, [props.id]);
  return (
    <li class="task" data-testid="deployment" data-status={frame?.status ?? 'pending'}>
      <span>{props.label}</span>
      <progress max={100} value={frame?.progress ?? 0} aria-label={`${props.label}: progress`} />
      <span aria-live="polite">{frame ? `${frame.status} ${frame.progress} % · ${frame.phase} ${frame.message}` : 'waiting…'}</span>
      {closed && <span class="muted">{closed}</span>}
    </li>
  );
}

function CreateTenant(props: { onCreated: (deploymentId: string, tenantId: string) => void }) {
  const [form, set] = useForm({ tenant_id: '', name: '', preset: '', service: 'chatbot', channels: 10, demo: true });
  const [submit, error] = useSubmit(async () => {
    const body = { tenant_id: form.tenant_id, name: form.name, ...(form.preset ? { preset: form.preset } : {}), service_requirements: { [form.service]: form.channels } };
    const created = await ecp<{ deployment_id: string }>('/tenants', form.demo, { method: 'POST', body });
    props.onCreated(created.deployment_id, form.tenant_id);
  });
  return (
    <form class="form" onSubmit={submit} aria-label="Create a tenant">
      <label>
        Tenant id <input required pattern="[a-z0-9]([-a-z0-9]*[a-z0-9])?" maxLength={56} value={form.tenant_id} onInput={set('tenant_id')} />
      </label>
      <label>
        Name <input required value={form.name} onInput={set('name')} />
      </label>
      <SelectField label="Preset" value={form.preset} onChange={set('preset')} options={PRESETS} placeholder="by size" />
      <SelectField label="Service" value={form.service} onChange={set('service')} options={SERVICES} />
      <label>
        Channels <input type="number" min={0} required value={form.channels} onInput={set('channels')} />
      </label>
      <label class="inline">
        <input type="checkbox" checked={form.demo} onChange={set('demo')} /> Demo (simulated deployment)
      </label>
      <button type="submit">Create tenant</button>
      <ErrorAlert message={error} />
    </form>
  );
}

/** Re-size a tenant: one service's channels (0 removes it); the hub re-applies the new sizing as a deployment. */
function ResizeTenant(props: { tenant: Tenant; onStarted: (deploymentId: string, label: string) => void; onError: (message: string) => void }) {
  const [form, set] = useForm({ service: 'chatbot', channels: 10 });
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const t = props.tenant;
      const updated = await ecp<TenantUpdated>(`/tenants/${encodeURIComponent(t.tenant_id)}`, t.is_demo, { method: 'PUT', body: { service_requirements: { [form.service]: form.channels } } });
      if (updated.deployment_id) props.onStarted(updated.deployment_id, `resize ${t.tenant_id}`);
    } catch (err) {
      props.onError((err as Error).message);
    }
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Resize ${props.tenant.tenant_id}`}>
      <SelectField label="Service" value={form.service} onChange={set('service')} options={SERVICES} />
      <label>
        Channels <input type="number" min={0} required class="narrow" value={form.channels} onInput={set('channels')} />
      </label>
      <button type="submit">Resize</button>
    </form>
  );
}

/** ECP-AI tenants: list, manifest preview, create with live deployment progress (infra:manage only). */
export function Tenants(props: { canManage: boolean }) {
  const tenants = useResource(async (signal) => {
    const [demo, real] = await Promise.all([ecp<{ tenants: Tenant[] }>('/tenants', true, { signal }), ecp<{ tenants: Tenant[] }>('/tenants', false, { signal })]);
    const seen = new Set<string>();
    return [...real.tenants, ...demo.tenants].filter((t) => !seen.has(t.tenant_id) && seen.add(t.tenant_id));
  }, []);
  const [manifest, setManifest] = useState<{ tenant: string; text: string } | null>(null);
  const [deployments, setDeployments] = useState<{ id: string; label: string }[]>([]);
  const [actionError, setActionError] = useState<string | null>(null);
  const follow = (id: string, label: string) => {
    setActionError(null);
    setDeployments((ds) => [{ id, label }, ...ds]);
    tenants.reload();
  };
  const remove = async (t: Tenant) => {
    if (!window.confirm(`Delete tenant ${t.tenant_id} and its namespace? This cannot be undone.`)) return;
    try {
      const deletion = await ecp<TenantDeletion>(`/tenants/${encodeURIComponent(t.tenant_id)}`, t.is_demo, { method: 'DELETE' });
      follow(deletion.deletion_id, `delete ${t.tenant_id}`);
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  const preview = async (t: Tenant) => setManifest({ tenant: t.tenant_id, text: await ecp<string>(`/tenants/${encodeURIComponent(t.tenant_id)}/manifest?format=yaml`, t.is_demo, { text: true }).catch((e: Error) => e.message) });
  const columns: Column<Tenant>[] = [
    { key: 'id', label: 'Tenant', value: (t) => t.tenant_id },
    { key: 'name', label: 'Name', value: (t) => t.name },
    { key: 'preset', label: 'Preset', value: (t) => t.preset },
    { key: 'status', label: 'Status', value: (t) => t.status },
    { key: 'demo', label: 'Demo', value: (t) => (t.is_demo ? 'yes' : 'no') },
    { key: 'services', label: 'Services', value: (t) => t.services_count, numeric: true },
    { key: 'gpus', label: 'GPUs', value: (t) => t.gpu_limit, render: (t) => `${t.gpu_limit}${t.gpu_type ? ` × ${t.gpu_type}` : ''}`, numeric: true },
    { key: 'manifest', label: 'Manifest', value: () => null, render: (t) => <button type="button" class="link" onClick={() => void preview(t)} aria-label={`Manifest of ${t.tenant_id}`}>Manifest</button> },
    ...actionsColumn(props.canManage, (t: Tenant) => (
      <span class="actions">
        <ResizeTenant tenant={t} onStarted={follow} onError={setActionError} />
        <button type="button" onClick={() => void remove(t)} aria-label={`Delete ${t.tenant_id}`}>
          Delete
        </button>
      </span>
    )),
  ];
  return (
    <>
      <h2>
        ECP-AI tenants <button type="button" class="link" onClick={tenants.reload}>Refresh</button>
      </h2>
      <Status loading={tenants.loading} error={tenants.error}>
        {tenants.data && <DataTable caption="Tenants" filterLabel="Filter tenants" columns={columns} rows={tenants.data} rowKey={(t) => t.tenant_id} testId="tenant-table" />}
      </Status>
      <ErrorAlert message={actionError} />
      {deployments.length > 0 && (
        <ul class="tasks" aria-label="Deployments">
          {deployments.map((d) => (
            <DeploymentProgress key={d.id} id={d.id} label={d.label} onDone={tenants.reload} />
          ))}
        </ul>
      )}
      {manifest && (
        <section aria-labelledby="manifest-h">
          <h3 id="manifest-h">Manifest of {manifest.tenant}</h3>
          <pre class="manifest" data-testid="manifest" tabIndex={0}>
            {manifest.text}
          </pre>
        </section>
      )}
      {props.canManage && (
        <section aria-labelledby="tenant-create-h" data-testid="mutation-controls">
          <h3 id="tenant-create-h">Create a tenant</h3>
          <CreateTenant onCreated={(id, tenant) => follow(id, `deploy ${tenant}`)} />
        </section>
      )}
    </>
  );
}
