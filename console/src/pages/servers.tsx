import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { DataTable, type Column } from '../components/data-table';
import { Status } from '../components/status';
import { useResource } from '../use-resource';

interface Server {
  id: number;
  name: string;
  ip_address: string;
  role: string;
  status: string;
  cpu: number;
  memory: number;
  disk_size: number;
  vmid: number | null;
  node: string | null;
}

interface Task {
  task_id: string;
  type: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  progress: number;
  message: string;
  step: string | null;
  error: string | null;
}

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

function CreateServer(props: { onStarted: (taskId: string, name: string) => void }) {
  const [form, setForm] = useState({ name: '', role: 'web', cpu: 2, memory: 4096, disk_size: 50, ip_address: '', subnet: '24', gateway: '' });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => {
    const el = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [k]: el.type === 'number' ? Number(el.value) : el.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const { name, role, cpu, memory, disk_size, ip_address, subnet, gateway } = form;
      const started = await request<{ task_id: string }>('/api/servers/create', { method: 'POST', body: { name, role, cpu, memory, disk_size, network_config: { ip_address, subnet, gateway } } });
      props.onStarted(started.task_id, name);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="form" onSubmit={submit} aria-label="Create a server">
      <label>
        Name <input name="name" required maxLength={63} value={form.name} onInput={set('name')} />
      </label>
      <label>
        Role
        <select name="role" value={form.role} onChange={set('role')}>
          <option value="web">web</option>
          <option value="was">was</option>
          <option value="db">db</option>
        </select>
      </label>
      <label>
        CPUs <input name="cpu" type="number" min={1} required value={form.cpu} onInput={set('cpu')} />
      </label>
      <label>
        Memory (MB) <input name="memory" type="number" min={128} required value={form.memory} onInput={set('memory')} />
      </label>
      <label>
        Disk (GB) <input name="disk_size" type="number" min={1} required value={form.disk_size} onInput={set('disk_size')} />
      </label>
      <label>
        IP address <input name="ip_address" required value={form.ip_address} onInput={set('ip_address')} />
      </label>
      <label>
        Prefix length <input name="subnet" required value={form.subnet} onInput={set('subnet')} />
      </label>
      <label>
        Gateway <input name="gateway" required value={form.gateway} onInput={set('gateway')} />
      </label>
      <button type="submit">Create server</button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}

/** The Proxmox server manager: servers live from PVE, create (infra:manage only), tasks with their progress. */
export function Servers(props: { canManage: boolean }) {
  const servers = useResource((signal) => request<{ servers: Server[] }>('/api/servers', { signal }), []);
  const [tasks, setTasks] = useState<{ id: string; label: string }[]>([]);
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
  ];
  return (
    <>
      <h2>
        Servers <button type="button" class="link" onClick={servers.reload}>Refresh</button>
      </h2>
      <Status loading={servers.loading} error={servers.error}>
        {servers.data && <DataTable caption="Servers managed on Proxmox" filterLabel="Filter servers" columns={columns} rows={servers.data.servers} rowKey={(s) => String(s.id)} testId="server-table" />}
      </Status>
      {tasks.length > 0 && (
        <section aria-labelledby="tasks-h">
          <h3 id="tasks-h">Tasks</h3>
          <ul class="tasks">
            {tasks.map((t) => (
              <TaskProgress key={t.id} id={t.id} label={t.label} onDone={servers.reload} />
            ))}
          </ul>
        </section>
      )}
      {props.canManage && (
        <section aria-labelledby="create-h" data-testid="mutation-controls">
          <h3 id="create-h">Create a server</h3>
          <CreateServer onStarted={(id, name) => setTasks((ts) => [{ id, label: `create ${name}` }, ...ts])} />
        </section>
      )}
    </>
  );
}
