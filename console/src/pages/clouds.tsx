import { useEffect, useState } from 'preact/hooks';
import { sky } from '../api';
import { actionsColumn, DataTable, type Column } from '../components/data-table';
import { ErrorAlert, SelectField } from '../components/form';
import { Status } from '../components/status';
import { time } from '../format';
import { useForm, useSubmit } from '../use-form';
import { useResource } from '../use-resource';
import type { Credential, Vm, Workspace } from '../types';

type Provider = 'aws' | 'gcp' | 'azure';

/** Each provider's credential fields (hub/integrations/clouds/credential-data.ts); `secret` ones are password inputs, sent once and never shown back. */
const CREDENTIAL_FIELDS: Record<Provider, { key: string; label: string; secret?: boolean; optional?: boolean }[]> = {
  aws: [
    { key: 'access_key', label: 'Access key' },
    { key: 'secret_key', label: 'Secret key', secret: true },
    { key: 'region', label: 'Region' },
    { key: 'role_arn', label: 'Role ARN', optional: true },
  ],
  gcp: [
    { key: 'service_account_json', label: 'Service account key (JSON)', secret: true },
    { key: 'project', label: 'Project' },
  ],
  azure: [
    { key: 'tenant_id', label: 'Tenant id' },
    { key: 'client_id', label: 'Client id' },
    { key: 'client_secret', label: 'Client secret', secret: true },
    { key: 'subscription_id', label: 'Subscription id' },
  ],
};

const EMPTY_FIELDS = Object.fromEntries(Object.values(CREDENTIAL_FIELDS).flatMap((fs) => fs.map((f) => [f.key, '']))) as Record<string, string>;

function WorkspaceSelect(props: { workspaces: Workspace[]; value: string; onChange: (e: Event) => void; optional?: boolean }) {
  const options = props.workspaces.map((w) => ({ value: w.id, label: w.name }));
  return <SelectField label="Workspace" value={props.value} onChange={props.onChange} options={options} placeholder={props.optional ? 'none' : 'choose…'} required={!props.optional} />;
}

/** A credential: the hub asks the provider whether it works before storing it (encrypted); the form is emptied after (the page keeps no secret). */
function CreateCredential(props: { workspaces: Workspace[]; onCreated: () => void }) {
  const [form, set] = useForm<Record<string, string>>({ name: '', provider: 'gcp', workspace_id: '', ...EMPTY_FIELDS });
  const fields = CREDENTIAL_FIELDS[form.provider as Provider];
  const [submit, error] = useSubmit(async () => {
    const data = Object.fromEntries(fields.filter((f) => !f.optional || form[f.key]).map((f) => [f.key, form[f.key]]));
    await sky('/credentials', { method: 'POST', body: { name: form.name, provider: form.provider, data, ...(form.workspace_id ? { workspace_id: form.workspace_id } : {}) } });
    props.onCreated();
  });
  return (
    <form class="form" onSubmit={submit} aria-label="Add a cloud credential">
      <label>
        Name <input required maxLength={100} value={form.name} onInput={set('name')} />
      </label>
      <SelectField label="Provider" value={form.provider ?? ''} onChange={set('provider')} options={Object.keys(CREDENTIAL_FIELDS)} />
      <WorkspaceSelect workspaces={props.workspaces} value={form.workspace_id ?? ''} onChange={set('workspace_id')} optional />
      {fields.map((f) => (
        <label key={`${form.provider}-${f.key}`}>
          {f.label}
          <input type={f.secret ? 'password' : 'text'} autoComplete={f.secret ? 'new-password' : 'off'} required={!f.optional} value={form[f.key] ?? ''} onInput={set(f.key)} />
        </label>
      ))}
      <button type="submit">Add credential</button>
      <ErrorAlert message={error} />
    </form>
  );
}

/** A VM: the hub answers pending at once; the provider's progress comes as vm_status_changed (useVmStatuses). */
function CreateVm(props: { workspaces: Workspace[]; credentials: Credential[]; onCreated: () => void }) {
  const [form, set] = useForm({ name: '', workspace_id: '', credential_id: '', instance_type: '', region: '', image_id: '' });
  const credential = props.credentials.find((c) => c.id === form.credential_id);
  const [submit, error] = useSubmit(async () => {
    const { name, workspace_id, credential_id, instance_type, region, image_id } = form;
    await sky('/vms', { method: 'POST', body: { name, workspace_id, credential_id, provider: credential!.provider, instance_type, region, image_id } });
    props.onCreated();
  });
  return (
    <form class="form" onSubmit={submit} aria-label="Create a cloud VM">
      <label>
        Name <input required maxLength={255} value={form.name} onInput={set('name')} />
      </label>
      <WorkspaceSelect workspaces={props.workspaces} value={form.workspace_id} onChange={set('workspace_id')} />
      <SelectField label="Credential" value={form.credential_id} onChange={set('credential_id')} options={props.credentials.map((c) => ({ value: c.id, label: `${c.name} (${c.provider})` }))} placeholder="choose…" required />
      <label>
        Instance type <input required value={form.instance_type} onInput={set('instance_type')} />
      </label>
      <label>
        Region or zone <input required value={form.region} onInput={set('region')} />
      </label>
      <label>
        Image <input required value={form.image_id} onInput={set('image_id')} />
      </label>
      <button type="submit">Create VM</button>
      <ErrorAlert message={error} />
    </form>
  );
}

/**
 * VM statuses pushed by skyclust's /ws (`vm_status_changed`, no polling):
 * the socket signs in with the session cookie (`{"type":"auth"}` with no
 * token) and lives as long as the view. Each VM's newest status by id.
 */
function useVmStatuses(): Record<string, string> {
  const [statuses, setStatuses] = useState<Record<string, string>>({});
  useEffect(() => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth' }));
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as { type: string; data: { vm_id?: string; status?: string } };
      const { vm_id: id, status } = msg.data;
      if (msg.type === 'vm_status_changed' && id && status) setStatuses((s) => ({ ...s, [id]: status }));
    };
    return () => ws.close();
  }, []);
  return statuses;
}

/** Cloud credentials (names and providers: the hub never sends their secrets back) and the VMs made with them; add and delete both with infra:manage. */
export function Clouds(props: { canManage: boolean }) {
  const creds = useResource((signal) => sky<{ credentials: Credential[] }>('/credentials?limit=100', { signal }), []);
  const vms = useResource((signal) => sky<{ vms: Vm[] }>('/vms?limit=100', { signal }), []);
  const workspaces = useResource((signal) => sky<{ workspaces: Workspace[] }>('/workspaces?limit=100', { signal }), []);
  const statuses = useVmStatuses();
  // A VM shows its pushed status over the one it was read with; a terminated one is gone from the provider and from the list.
  const vmRows = (vms.data?.vms ?? []).map((v) => ({ ...v, status: statuses[v.id] ?? v.status })).filter((v) => v.status !== 'terminated');
  const [added, setAdded] = useState(0);
  const [actionError, setActionError] = useState<string | null>(null);
  const remove = async (what: string, path: string, reload: () => void) => {
    if (!window.confirm(`Delete ${what}? This cannot be undone.`)) return;
    setActionError(null);
    try {
      await sky(path, { method: 'DELETE' });
      reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  const deleteButton = (label: string, onClick: () => void) => (
    <button type="button" onClick={onClick} aria-label={label}>
      Delete
    </button>
  );
  const credCols: Column<Credential>[] = [
    { key: 'name', label: 'Name', value: (c) => c.name },
    { key: 'provider', label: 'Provider', value: (c) => c.provider },
    { key: 'active', label: 'Active', value: (c) => (c.is_active ? 'yes' : 'no') },
    { key: 'workspace', label: 'Workspace', value: (c) => c.workspace_id },
    { key: 'created', label: 'Created', value: (c) => c.created_at, render: (c) => time(c.created_at) },
    ...actionsColumn(props.canManage, (c: Credential) => deleteButton(`Delete credential ${c.name}`, () => void remove(`credential ${c.name}`, `/credentials/${c.id}`, creds.reload))),
  ];
  const vmCols: Column<Vm>[] = [
    { key: 'name', label: 'Name', value: (v) => v.name },
    { key: 'provider', label: 'Provider', value: (v) => v.provider },
    { key: 'type', label: 'Type', value: (v) => v.instance_type },
    { key: 'status', label: 'Status', value: (v) => v.status, render: (v) => <span title={v.status_reason ?? ''}>{v.status}</span> },
    { key: 'region', label: 'Region', value: (v) => v.zone ?? v.region },
    { key: 'ip', label: 'IP', value: (v) => v.public_ip ?? v.private_ip },
    ...actionsColumn(props.canManage, (v: Vm) => deleteButton(`Delete VM ${v.name}`, () => void remove(`VM ${v.name}`, `/vms/${v.id}`, vms.reload))),
  ];
  return (
    <>
      <h2>Cloud credentials</h2>
      <Status loading={creds.loading} error={creds.error}>
        {creds.data && <DataTable caption="Credentials (secrets are never shown)" filterLabel="Filter credentials" columns={credCols} rows={creds.data.credentials} rowKey={(c) => c.id} testId="credential-table" />}
      </Status>
      <h2>
        Cloud VMs <button type="button" class="link" onClick={vms.reload}>Refresh</button>
      </h2>
      <Status loading={vms.loading} error={vms.error}>
        {vms.data && <DataTable caption="VMs" filterLabel="Filter VMs" columns={vmCols} rows={vmRows} rowKey={(v) => v.id} testId="vm-table" />}
      </Status>
      <ErrorAlert message={actionError} />
      {props.canManage && (
        <section aria-labelledby="cloud-create-h" data-testid="mutation-controls">
          <h3 id="cloud-create-h">Add a cloud credential</h3>
          {/* A new key after each success: the form starts empty again, so no secret stays in the page. */}
          <CreateCredential
            key={added}
            workspaces={workspaces.data?.workspaces ?? []}
            onCreated={() => {
              setAdded((n) => n + 1);
              creds.reload();
            }}
          />
          <h3>Create a cloud VM</h3>
          <CreateVm workspaces={workspaces.data?.workspaces ?? []} credentials={creds.data?.credentials ?? []} onCreated={vms.reload} />
        </section>
      )}
    </>
  );
}
