import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import { startApiHub, type ApiHub } from '../../../helpers/api.js';
import { keyring, SecretStore } from '../../../../hub/identity/secrets.js';
import { BoxSecrets } from '../../../../hub/pve-manager/vault.js';
import { json, managerConfig, waitTask, webServer } from './pve-helpers.js';

describe('server manager: what a client can make the hub hold (tasks, vault paths)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const put = (path: string, body: unknown) => hub.request(path, { method: 'PUT', headers: json, body: JSON.stringify(body) });
  const taskRows = () => (hub.db.prepare('SELECT COUNT(*) AS n FROM pve_tasks').get() as { n: number }).n;

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    hub = await startApiHub({ ...managerConfig, pveManager: { ...managerConfig.pveManager, keepFinishedTasks: 3 } });
    const res = await hub.request('/api/v1/clusters', { method: 'POST', headers: json, body: JSON.stringify({ name: 'lab', api_endpoint: fake.url, username: 'root@pam', password: 'pve-root-password' }) });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('power changes one after the other: only the newest finished tasks stay, the oldest answer 404; the server and a running task are kept', async () => {
    const created = await hub.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify(webServer('limits-1', '192.168.0.50')) });
    const createTask = (await created.json()).task_id as string;
    const server = (await waitTask(hub, createTask)).at(-1)!;
    expect(server.status).toBe('completed');
    const ids: string[] = [createTask];
    for (const status of ['stopped', 'running', 'rebooted', 'stopped', 'running', 'rebooted']) {
      const res = await put(`/api/servers/${server.server_id}/status`, { status });
      expect(res.status).toBe(200);
      const { task_id } = await res.json();
      expect((await waitTask(hub, task_id)).at(-1)!.status).toBe('completed');
      ids.push(task_id);
      expect(taskRows()).toBeLessThanOrEqual(3);
    }
    expect(taskRows()).toBe(3);
    for (const id of ids.slice(0, -3)) expect([id, (await hub.request(`/api/tasks/${id}`)).status]).toEqual([id, 404]);
    for (const id of ids.slice(-3)) expect([id, (await hub.request(`/api/tasks/${id}`)).status]).toEqual([id, 200]);
    expect((await hub.json('/api/servers')).servers.map((s: { name: string }) => s.name)).toEqual(['limits-1']);

    // A task still running is never removed, however many finish after it.
    fake.holdTasks = true;
    const held = await (await put(`/api/servers/${server.server_id}/status`, { status: 'stopped' })).json();
    await waitTask(hub, held.task_id, (t) => t.status === 'running');
    const other = await hub.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify(webServer('limits-2', '192.168.0.51')) });
    expect(other.status).toBe(200);
    expect((await hub.request(`/api/tasks/${held.task_id}`)).status).toBe(200);
    fake.releaseTasks();
    expect((await waitTask(hub, held.task_id)).at(-1)!.status).toBe('completed');
    expect((await waitTask(hub, (await other.json()).task_id)).at(-1)!.status).toBe('completed');
  });

  it('refuses a keepFinishedTasks under 1 at start, naming the key', async () => {
    await expect(startApiHub({ ...managerConfig, pveManager: { ...managerConfig.pveManager, keepFinishedTasks: 0 } })).rejects.toThrow(/keepFinishedTasks/);
  });

  it('the secrets box keeps at most so many vault paths: a new one past it is 409 naming path and nothing is stored; existing ones can still be written', async () => {
    // The hub's own box (real SQLite, its key) with a small bound, so the test need not write a thousand paths.
    const store = new SecretStore(hub.db, keyring(hub.dataDir));
    const box = new BoxSecrets(store, 3);
    for (const path of ['secret/a', 'secret/b', 'secret/c']) await box.write(path, { v: path });
    const names = store.names();
    await expect(box.write('secret/d', { v: 'd' })).rejects.toMatchObject({ statusCode: 409, code: 'CONFLICT', details: { field: 'path' } });
    expect(store.names()).toEqual(names);
    expect(await box.write('secret/a', { v: 'again' })).toEqual({ keys: ['v'] });
    expect((await box.read('secret/a')).data).toEqual({ v: 'again' });
  });
});
