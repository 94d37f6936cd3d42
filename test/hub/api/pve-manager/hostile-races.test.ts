import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, waitTask, webServer } from './pve-helpers.js';

describe('server manager: racing requests on one server (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const post = (path: string, body: unknown, method = 'POST') => hub.request(path, { method, headers: json, body: JSON.stringify(body) });
  const answer = async (res: Response) => [res.status, await res.json()];
  const rows = () => hub.db.prepare('SELECT name, ip_address FROM pve_servers ORDER BY id').all() as { name: string; ip_address: string }[];
  const done = async (res: Response) => (await waitTask(hub, (await res.json()).task_id)).at(-1)!;

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    hub = await startManagerHub(fake);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('10 creates at once of one name in different cases: one server, the others 400 naming name', async () => {
    const names = ['Race-1', 'race-1', 'RACE-1', 'rAcE-1', 'race-1', 'Race-1', 'RACE-1', 'race-1', 'Race-1', 'race-1'];
    const answers = await Promise.all(names.map((name, i) => post('/api/servers/create', webServer(name, `192.168.0.${100 + i}`)).then(answer)));
    expect(answers.filter(([s]) => s === 200)).toHaveLength(1);
    for (const [status, body] of answers.filter(([s]) => s !== 200)) expect([status, body.error.code, body.error.details.field]).toEqual([400, 'INVALID_REQUEST', 'name']);
    expect(rows().filter((r) => r.name.toLowerCase() === 'race-1')).toHaveLength(1);
  });

  it('10 creates at once of one IP under different names: one server, the others 400 naming the address', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post('/api/servers/create', webServer(`ip-race-${i}`, '192.168.0.120')).then(answer)));
    expect(answers.filter(([s]) => s === 200)).toHaveLength(1);
    for (const [status, body] of answers.filter(([s]) => s !== 200)) expect([status, body.error.details.field]).toEqual([400, 'network_config.ip_address']);
    expect(rows().filter((r) => r.ip_address === '192.168.0.120')).toHaveLength(1);
  });

  it('restore racing a delete of its target (PVE slow to list the VMs): the restore is 409, PVE never restores over the deleted server', async () => {
    const created = await done(await post('/api/servers/create', webServer('restore-race', '192.168.0.130')));
    expect(created.status).toBe('completed');
    const id = created.server_id!;
    expect((await done(await post('/api/backups/create', { server_id: id }))).status).toBe('completed');
    const [backup] = (await hub.json('/api/backups')).backups.filter((b: { server_id: number }) => b.server_id === id);
    // The restore has checked its target and waits for PVE's VM list; the delete comes in meanwhile.
    const slow = fake.hold((r) => r.method === 'GET' && r.path === '/cluster/resources' && r.params.type === 'vm');
    const restore = post(`/api/backups/${backup.backup_id}/restore`, { target_server_id: id, overwrite: true });
    await slow.arrived;
    const deleting = await hub.request(`/api/servers/${id}`, { method: 'DELETE' });
    expect(deleting.status).toBe(200);
    slow.release();
    const [status, body] = await answer(await restore);
    expect([status, body.error?.code]).toEqual([409, 'CONFLICT']);
    expect((await done(deleting)).status).toBe('completed');
    expect(fake.calls('POST', /\/qemu$/).filter((c) => c.params.archive === backup.volid)).toHaveLength(0);
    expect(rows().some((r) => r.name === 'restore-race')).toBe(false);
  });

  it('while a server is being created or deleted: power, backup, restore onto it and a second delete are 409; no task is made for them', async () => {
    const base = await done(await post('/api/servers/create', webServer('race-backup-src', '192.168.0.140')));
    expect((await done(await post('/api/backups/create', { server_id: base.server_id }))).status).toBe('completed');
    const [backup] = (await hub.json('/api/backups')).backups.filter((b: { server_id: number }) => b.server_id === base.server_id);
    fake.holdTasks = true;
    const creating = await post('/api/servers/create', webServer('race-busy', '192.168.0.141'));
    const { task_id } = await creating.json();
    const busyId = (await hub.json(`/api/tasks/${task_id}`)).server_id as number;
    const deleting = await hub.request(`/api/servers/${base.server_id}`, { method: 'DELETE' });
    expect(deleting.status).toBe(200);
    const tasksOf = (id: number) => (hub.db.prepare('SELECT COUNT(*) AS n FROM pve_tasks WHERE server_id = ?').get(id) as { n: number }).n;
    // Backups and restores only these requests could start (the running create and delete make their own PVE calls meanwhile).
    const backupsAndRestores = () => fake.calls('POST', /\/vzdump$/).length + fake.calls('POST', /\/qemu$/).filter((c) => c.params.archive).length;
    for (const id of [busyId, base.server_id!]) {
      const [tasks, asked] = [tasksOf(id), backupsAndRestores()];
      const tries = [
        await post(`/api/servers/${id}/status`, { status: 'stopped' }, 'PUT'),
        await post('/api/backups/create', { server_id: id }),
        await post(`/api/backups/${backup.backup_id}/restore`, { target_server_id: id, overwrite: true }),
        await hub.request(`/api/servers/${id}`, { method: 'DELETE' }),
        await post('/api/servers/bulk-delete', { server_ids: [id] }),
      ];
      for (const res of tries) expect([res.status, (await res.json()).error.code]).toEqual([409, 'CONFLICT']);
      expect(tasksOf(id)).toBe(tasks);
      expect(backupsAndRestores()).toBe(asked);
    }
    fake.releaseTasks();
    expect((await waitTask(hub, task_id)).at(-1)!.status).toBe('completed');
    expect((await done(deleting)).status).toBe('completed');
  });

  it('restore onto a server whose create failed before it had a VMID: 409 naming target_server_id, no task, PVE not asked to restore', async () => {
    const src = await done(await post('/api/servers/create', webServer('restore-src', '192.168.0.150')));
    expect((await done(await post('/api/backups/create', { server_id: src.server_id }))).status).toBe('completed');
    const [backup] = (await hub.json('/api/backups')).backups.filter((b: { server_id: number }) => b.server_id === src.server_id);
    for (const node of ['pve1', 'pve2']) fake.setNodeOnline(node, false);
    const failed = await done(await post('/api/servers/create', webServer('no-vmid', '192.168.0.151')));
    for (const node of ['pve1', 'pve2']) fake.setNodeOnline(node, true);
    expect([failed.status, failed.step]).toEqual(['failed', 'allocate']);
    const tasks = () => (hub.db.prepare('SELECT COUNT(*) AS n FROM pve_tasks WHERE server_id = ?').get(failed.server_id) as { n: number }).n;
    const before = tasks();
    for (const overwrite of [false, true]) {
      const [status, body] = await answer(await post(`/api/backups/${backup.backup_id}/restore`, { target_server_id: failed.server_id, overwrite }));
      expect([status, body.error?.code, body.error?.details.field]).toEqual([409, 'CONFLICT', 'target_server_id']);
    }
    expect(tasks()).toBe(before);
    expect(fake.calls('POST', /\/qemu$/).filter((c) => c.params.archive === backup.volid)).toHaveLength(0);
  });

  it('a backup being restored cannot be deleted, and one being deleted cannot be restored: 409 naming backup_id', async () => {
    const src = await done(await post('/api/servers/create', webServer('restore-del', '192.168.0.160')));
    expect((await done(await post('/api/backups/create', { server_id: src.server_id }))).status).toBe('completed');
    const [backup] = (await hub.json('/api/backups')).backups.filter((b: { server_id: number }) => b.server_id === src.server_id);
    const removes = () => fake.calls('DELETE', /\/content\//).filter((c) => c.path.endsWith(encodeURIComponent(backup.volid)) || c.path.endsWith(backup.volid)).length;

    fake.holdTasks = true;
    const restoring = await post(`/api/backups/${backup.backup_id}/restore`, { target_server_id: src.server_id, overwrite: true });
    expect(restoring.status).toBe(200);
    const { task_id } = await restoring.json();
    await waitTask(hub, task_id, (t) => t.status === 'running');
    const [status, body] = await answer(await hub.request(`/api/backups/${backup.backup_id}`, { method: 'DELETE' }));
    expect([status, body.error?.code, body.error?.details.field]).toEqual([409, 'CONFLICT', 'backup_id']);
    expect(removes()).toBe(0);
    fake.releaseTasks();
    expect((await waitTask(hub, task_id)).at(-1)!.status).toBe('completed');

    // The delete waits for PVE; a restore of that archive meanwhile is refused.
    const slow = fake.hold((r) => r.method === 'DELETE' && r.path.includes('/content/'));
    const deleting = hub.request(`/api/backups/${backup.backup_id}`, { method: 'DELETE' });
    await slow.arrived;
    const [rs, rb] = await answer(await post(`/api/backups/${backup.backup_id}/restore`, { target_server_id: src.server_id, overwrite: true }));
    expect([rs, rb.error?.code, rb.error?.details.field]).toEqual([409, 'CONFLICT', 'backup_id']);
    slow.release();
    expect((await deleting).status).toBe(200);
    expect(fake.calls('POST', /\/qemu$/).filter((c) => c.params.archive === backup.volid)).toHaveLength(1);
  });
});
