import { keyring, SecretStore } from '../../../../hub/identity/secrets.js';
import type { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';

export const json = { 'content-type': 'application/json' };

/** The server manager's settings in these tests: cluster `lab` on the fake, template 9000 (by VMID and by name), fast polls. */
export const managerConfig = {
  proxmox: { healthInterval: '1h' },
  pveManager: { cluster: 'lab', templates: { web: '9000', was: 'ubuntu-template', db: '9000' }, taskPollInterval: '5ms', nameserver: '10.0.0.53', ciUser: 'kcloud' },
};

export async function startManagerHub(fake: FakePve, dataDir?: string): Promise<ApiHub> {
  const hub = await startApiHub({ ...managerConfig, ...(dataDir && { dataDir }) });
  if (!dataDir) {
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: json, body: JSON.stringify({ name: 'lab', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
    if (res.status !== 201) throw new Error(`cluster registration: ${res.status} ${await res.text()}`);
  }
  return hub;
}

/** Writes vault path secret/ssh into the hub's secrets box, as POST /api/vault/secrets/secret/ssh does. */
export function storeSshKey(hub: ApiHub, publicKey: string): void {
  new SecretStore(hub.db, keyring(hub.dataDir)).put('vault/secret/ssh', JSON.stringify({ public_key: publicKey }));
}

export interface TaskAnswer {
  task_id: string;
  status: string;
  progress: number;
  message: string;
  step: string | null;
  error: string | null;
  server_id: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** Polls GET /api/tasks/{id} until `done` holds (bounded by the test's timeout); answers every distinct state seen. */
export async function waitTask(hub: ApiHub, id: string, done: (t: TaskAnswer) => boolean = (t) => t.status === 'completed' || t.status === 'failed'): Promise<TaskAnswer[]> {
  const seen: TaskAnswer[] = [];
  for (;;) {
    const t = await hub.json<TaskAnswer>(`/api/tasks/${id}`);
    if (seen.at(-1)?.updated_at !== t.updated_at) seen.push(t);
    if (done(t)) return seen;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const webServer = (name: string, ip: string, extra: Record<string, unknown> = {}) => ({
  name,
  role: 'web',
  cpu: 2,
  memory: 4096,
  disk_size: 50,
  network_config: { ip_address: ip, subnet: '24', gateway: '192.168.0.1' },
  ...extra,
});
