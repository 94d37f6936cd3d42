import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { actionsColumn, DataTable, type Column } from '../components/data-table';
import { ErrorAlert, SelectField } from '../components/form';
import { Status } from '../components/status';
import { useForm, useSubmit, type FieldSetter } from '../use-form';
import { useResource } from '../use-resource';
import type { Server, Task, Backup, TaskStarted } from '../types';

type PowerState = 'running' | 'stopped' | 'rebooted';
const POWER_LABEL: Record<PowerState, string> = { running: 'Start', stopped: 'Stop', rebooted: 'Reboot' };
const POWER_VERB: Record<PowerState, string> = { running: 'start', stopped: 'stop', rebooted: 'reboot' };

const ROLES = ['web', 'was', 'db'];

const done = (t: Task | null) => t?.status === 'completed' || t?.status === 'failed';

/**
 * A task's progress while it runs. The Proxmox manager API has no task
 * stream (GET /api/tasks/{id} only), so this asks once a second until the
 * task completes or fails, then stops.
 */
function TaskProgress(props: { id: string; label: string; onDone: () => void }) {
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const ask = async () => {
      try {
        const t = await request<Task>(`/api/tasks/${encodeURIComponent(props.id)}`);
        if (stopped) return;
        setTask(t);
        if (done(t)) return props.onDone();
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
      if (!stopped) timer = setTimeout(ask, 1000);
    };
    void ask();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The task id names the poll; onDone may change identity between renders.
  }, [props.id]);
  return (
    <li class={`task ${task?.status ?? 'pending'}`} data-testid="task" data-status={task?.status ?? 'pending'}>
      <span>{props.label}</span>
      <progress max={100} value={task?.progress ?? 0} aria-label={`${props.label}: progress`} />
      <span aria-live="polite">
        {task ? `${task.status} ${task.progress} %` : 'starting…'} {task?.step && `· ${task.step}`} {task?.error && <span class="error">{task.error}</span>}
      </span>
      {error && <span class="error">{error}</span>}
    </li>
  );
}

interface ServerSize {
  role: string;
  cpu: number;
  memory: number;
  disk_size: number;
}

/** Role, CPUs, memory and disk: a server's shape, in the one-server and the bulk form alike. */
function SizeFields(props: { form: ServerSize; set: FieldSetter<keyof ServerSize> }) {
  const { form, set } = props;
  return (
    <>
      <SelectField label="Role" name="role" value={form.role} onChange={set('role')} options={ROLES} />
      <label>
        CPUs <input name="cpu" type="number" min={1} required value={form.cpu} onInput={set('cpu')} />
      </label>
      <label>
        Memory (MB) <input name="memory" type="number" min={128} required value={form.memory} onInput={set('memory')} />
      </label>
      <label>
        Disk (GB) <input name="disk_size" type="number" min={1} required value={form.disk_size} onInput={set('disk_size')} />
      </label>
    </>
  );
}

/** The address (one, or a range in the bulk form), prefix length and gateway of the network_config. */
function NetworkFields<A extends 'ip_address' | 'ip_range'>(props: { address: A; label: string; placeholder?: string; form: Record<A | 'subnet' | 'gateway', string>; set: FieldSetter<A | 'subnet' | 'gateway'> }) {
  const { address, form, set } = props;
  return (
    <>
      <label>
        {props.label} <input name={address} required placeholder={props.placeholder} value={form[address]} onInput={set(address)} />
      </label>
      <label>
        Prefix length <input name="subnet" required value={form.subnet} onInput={set('subnet')} />
      </label>
      <label>
        Gateway <input name="gateway" required value={form.gateway} onInput={set('gateway')} />
      </label>
    </>
  );
}

function CreateServer(props: { onStarted: (taskId: string, name: string) => void }) {
  const [form, set] = useForm({ name: '', role: 'web', cpu: 2, memory: 4096, disk_size: 50, ip_address: '', subnet: '24', gateway: '' });
  const [submit, error] = useSubmit(async () => {
    const { name, role, cpu, memory, disk_size, ip_address, subnet, gateway } = form;
    const started = await request<TaskStarted>('/api/servers/create', { method: 'POST', body: { name, role, cpu, memory, disk_size, network_config: { ip_address, subnet, gateway } } });
    props.onStarted(started.task_id, name);
  });
  return (
    <form class="form" onSubmit={submit} aria-label="Create a server">
      <label>
        Name <input name="name" required maxLength={63} value={form.name} onInput={set('name')} />
      </label>
      <SizeFields form={form} set={set} />
      <NetworkFields address="ip_address" label="IP address" form={form} set={set} />
      <button type="submit">Create server</button>
      <ErrorAlert message={error} />
    </form>
  );
}

/** Several servers of one shape on consecutive addresses of a range (POST /api/servers/bulk-create: one parent task). */
function BulkCreate(props: { onStarted: (taskId: string, label: string) => void }) {
  const [form, set] = useForm({ prefix: '', count: 2, role: 'web', cpu: 2, memory: 4096, disk_size: 50, ip_range: '', subnet: '24', gateway: '' });
  const [submit, error] = useSubmit(async () => {
    const { prefix, count, role, cpu, memory, disk_size, ip_range, subnet, gateway } = form;
    const servers = Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${String(i + 1).padStart(2, '0')}`, role, cpu, memory, disk_size }));
    const started = await request<TaskStarted>('/api/servers/bulk-create', { method: 'POST', body: { servers, network_config: { ip_range, subnet, gateway } } });
    props.onStarted(started.task_id, `bulk create ${count} × ${prefix}`);
  });
  return (
    <form class="form" onSubmit={submit} aria-label="Create several servers">
      <label>
        Name prefix <input required maxLength={58} value={form.prefix} onInput={set('prefix')} />
      </label>
      <label>
        How many <input type="number" min={1} max={100} required value={form.count} onInput={set('count')} />
      </label>
      <SizeFields form={form} set={set} />
      <NetworkFields address="ip_range" label="IP range" placeholder="192.168.0.50-192.168.0.59" form={form} set={set} />
      <button type="submit">Create servers</button>
      <ErrorAlert message={error} />
    </form>
  );
}

/** Restore an archive onto a chosen server; over a VM that exists only with "overwrite" ticked (the hub answers 409 otherwise). */
function RestoreBackup(props: { backup: Backup; servers: Server[]; onRestore: (b: Backup, targetId: number, overwrite: boolean) => Promise<void> }) {
  const [form, set] = useForm({ target: String(props.backup.server_id), overwrite: false });
  const submit = (e: Event) => {
    e.preventDefault();
    void props.onRestore(props.backup, Number(form.target), form.overwrite);
  };
  return (
    <form class="inline-form" onSubmit={submit} aria-label={`Restore ${props.backup.backup_id}`}>
      <SelectField label="Onto" value={form.target} onChange={set('target')} options={props.servers.map((s) => ({ value: String(s.id), label: s.name }))} />
      <label class="inline">
        <input type="checkbox" checked={form.overwrite} onChange={set('overwrite')} /> Overwrite
      </label>
      <button type="submit">Restore</button>
    </form>
  );
}

/** The Proxmox server manager: servers live from PVE, create (infra:manage only), tasks with their progress. */
export function Servers(props: { canManage: boolean }) {
  const servers = useResource((signal) => request<{ servers: Server[] }>('/api/servers', { signal }), []);
  const backups = useResource((signal) => request<{ backups: Backup[] }>('/api/backups', { signal }), []);
  const [tasks, setTasks] = useState<{ id: string; label: string }[]>([]);
  const track = (id: string, label: string) => setTasks((ts) => [{ id, label }, ...ts]);
  const [actionError, setActionError] = useState<string | null>(null);
  /** Starts a task-answering call and follows its task; a refusal (409 busy, 404 gone) shows as the alert. */
  const start = async (label: string, path: string, method: string, body: unknown) => {
    setActionError(null);
    try {
      const started = await request<TaskStarted>(path, { method, body });
      track(started.task_id, label);
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  const backUp = (s: Server) => start(`back up ${s.name}`, '/api/backups/create', 'POST', { server_id: s.id });
  const power = (s: Server, status: PowerState) => start(`${POWER_VERB[status]} ${s.name}`, `/api/servers/${s.id}/status`, 'PUT', { status });
  const remove = (s: Server) => {
    if (window.confirm(`Delete server ${s.name} and its VM? This cannot be undone.`)) void start(`delete ${s.name}`, `/api/servers/${s.id}`, 'DELETE', undefined);
  };
  const restore = (b: Backup, targetId: number, overwrite: boolean) => start(`restore ${b.backup_id}`, `/api/backups/${encodeURIComponent(b.backup_id)}/restore`, 'POST', { target_server_id: targetId, overwrite });
  const removeBackup = async (b: Backup) => {
    if (!window.confirm(`Delete backup ${b.backup_id}? This cannot be undone.`)) return;
    setActionError(null);
    try {
      await request(`/api/backups/${encodeURIComponent(b.backup_id)}`, { method: 'DELETE' });
      backups.reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  const backupCols: Column<Backup>[] = [
    { key: 'server', label: 'Server', value: (b) => b.server_name },
    { key: 'id', label: 'Archive', value: (b) => b.backup_id },
    { key: 'size', label: 'Size', value: (b) => b.size, numeric: true },
    { key: 'node', label: 'PVE node', value: (b) => b.node },
    { key: 'created', label: 'Created', value: (b) => b.created_at, render: (b) => new Date(b.created_at).toLocaleString() },
    ...actionsColumn(props.canManage, (b: Backup) => (
      <>
        <RestoreBackup backup={b} servers={servers.data?.servers ?? []} onRestore={restore} />{' '}
        <button type="button" onClick={() => void removeBackup(b)} aria-label={`Delete backup ${b.backup_id}`}>
          Delete
        </button>
      </>
    )),
  ];
  const columns: Column<Server>[] = [
    { key: 'name', label: 'Name', value: (s) => s.name },
    { key: 'role', label: 'Role', value: (s) => s.role },
    { key: 'status', label: 'Status', value: (s) => s.status, render: (s) => <span class={`badge ${s.status === 'running' ? 'active' : s.status === 'error' || s.status === 'missing' ? 'error' : 'idle'}`}>{s.status}</span> },
    { key: 'ip', label: 'IP', value: (s) => s.ip_address },
    { key: 'cpu', label: 'CPUs', value: (s) => s.cpu, numeric: true },
    { key: 'mem', label: 'Memory (MB)', value: (s) => s.memory, numeric: true },
    { key: 'disk', label: 'Disk (GB)', value: (s) => s.disk_size, numeric: true },
    { key: 'node', label: 'PVE node', value: (s) => s.node },
    { key: 'vmid', label: 'VMID', value: (s) => s.vmid, numeric: true },
    ...actionsColumn(props.canManage, (s: Server) => (
      <span class="actions">
        {(['running', 'stopped', 'rebooted'] as const).map((state) => (
          <button key={state} type="button" onClick={() => void power(s, state)} aria-label={`${POWER_LABEL[state]} ${s.name}`}>
            {POWER_LABEL[state]}
          </button>
        ))}
        <button type="button" onClick={() => void backUp(s)} aria-label={`Back up ${s.name}`}>
          Back up
        </button>
        <button type="button" onClick={() => remove(s)} aria-label={`Delete ${s.name}`}>
          Delete
        </button>
      </span>
    )),
  ];
  return (
    <>
      <h2>
        Servers <button type="button" class="link" onClick={servers.reload}>Refresh</button>
      </h2>
      <Status loading={servers.loading} error={servers.error}>
        {servers.data && <DataTable caption="Servers managed on Proxmox" filterLabel="Filter servers" columns={columns} rows={servers.data.servers} rowKey={(s) => String(s.id)} testId="server-table" />}
      </Status>
      <ErrorAlert message={actionError} />
      {tasks.length > 0 && (
        <section aria-labelledby="tasks-h">
          <h3 id="tasks-h">Tasks</h3>
          <ul class="tasks">
            {tasks.map((t) => (
              <TaskProgress key={t.id} id={t.id} label={t.label} onDone={() => (servers.reload(), backups.reload())} />
            ))}
          </ul>
        </section>
      )}
      <h2>Backups</h2>
      <Status loading={backups.loading} error={backups.error}>
        {backups.data && <DataTable caption="vzdump archives of the managed servers" filterLabel="Filter backups" columns={backupCols} rows={backups.data.backups} rowKey={(b) => b.backup_id} testId="backup-table" />}
      </Status>
      {props.canManage && (
        <section aria-labelledby="create-h" data-testid="mutation-controls">
          <h3 id="create-h">Create a server</h3>
          <CreateServer onStarted={(id, name) => track(id, `create ${name}`)} />
          <h3>Create several servers</h3>
          <BulkCreate onStarted={track} />
        </section>
      )}
    </>
  );
}
