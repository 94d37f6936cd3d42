import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, storeSshKey, waitTask, webServer } from './pve-helpers.js';

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0test kcloud@hub';

describe('server manager: servers and tasks (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const create = (body: unknown, headers: Record<string, string> = {}) => hub.request('/api/servers/create', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 2 });
    hub = await startManagerHub(fake);
    storeSshKey(hub, SSH_KEY);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('the seed\'s create: answers a task at once; the task clones the role\'s template, configures cloud-init, resizes, starts', async () => {
    const res = await create(webServer('web-server-02', '192.168.0.22'));
    expect(res.status).toBe(200);
    const started = await res.json();
    expect(started).toEqual({ success: true, message: '서버 생성이 시작되었습니다', task_id: expect.stringMatching(/^task_[0-9a-f]{24}$/) });
    const states = await waitTask(hub, started.task_id);
    const last = states.at(-1)!;
    expect(last).toMatchObject({ status: 'completed', progress: 100, error: null, finished_at: expect.any(String) });
    // Progress only grows and comes from the steps.
    const progress = states.map((s) => s.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(states.some((s) => s.status === 'running' && s.progress > 0 && s.progress < 100)).toBe(true);

    const clone = fake.calls('POST', /\/qemu\/9000\/clone$/);
    expect(clone).toHaveLength(1);
    const vmid = Number(clone[0]!.params.newid);
    const vm = fake.vms.get(vmid)!;
    expect(vm).toMatchObject({ name: 'web-server-02', status: 'running' });
    expect(vm.config).toMatchObject({ cores: 2, memory: 4096, ipconfig0: 'ip=192.168.0.22/24,gw=192.168.0.1', ciuser: 'kcloud', nameserver: '10.0.0.53', tags: 'kcloud;role-web', net0: 'virtio,bridge=vmbr0' });
    // PVE decodes sshkeys once more: the hub sends it URL-encoded.
    expect(decodeURIComponent(String(vm.config.sshkeys))).toBe(SSH_KEY);
    expect(vm.config.scsi0).toContain('size=50G');

    const list = await hub.json('/api/servers');
    const server = list.servers.find((s: { name: string }) => s.name === 'web-server-02');
    expect(server).toEqual({ id: expect.any(Number), name: 'web-server-02', ip_address: '192.168.0.22', role: 'web', status: 'running', cpu: 2, memory: 4096, disk_size: 50, vmid, node: expect.any(String), created_at: expect.any(String), updated_at: expect.any(String) });
    expect(Number.isInteger(server.id)).toBe(true);
    expect(list.total).toBe(list.servers.length);
    expect(last.server_id).toBe(server.id);
    // Status is read live: a VM stopped on PVE shows stopped.
    vm.status = 'stopped';
    expect((await hub.json('/api/servers')).servers.find((s: { id: number }) => s.id === server.id).status).toBe('stopped');
  });

  it('lists only servers the hub manages (the template and VMs made elsewhere are not listed)', async () => {
    fake.vms.set(555, { vmid: 555, node: 'pve1', name: 'someone-elses', status: 'running', template: 0, config: { cores: 1 } });
    const names = (await hub.json('/api/servers')).servers.map((s: { name: string }) => s.name);
    expect(names).not.toContain('someone-elses');
    expect(names).not.toContain('ubuntu-template');
  });

  it('refuses bad requests with the seed\'s error body naming the field, and stores nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [webServer('bad_name!', '192.168.0.40'), 'name'],
      [webServer('web-server-02', '192.168.0.40'), 'name'],
      [webServer('WEB-SERVER-02', '192.168.0.40'), 'name'],
      [webServer('x'.repeat(64), '192.168.0.40'), 'name'],
      [webServer('ok-1', '192.168.0.40', { role: 'mail' }), 'role'],
      [webServer('ok-1', '192.168.0.40', { cpu: 0 }), 'cpu'],
      [webServer('ok-1', '192.168.0.40', { cpu: 10_000 }), 'cpu'],
      [webServer('ok-1', '192.168.0.40', { cpu: 2.5 }), 'cpu'],
      [webServer('ok-1', '192.168.0.40', { memory: 1 }), 'memory'],
      [webServer('ok-1', '192.168.0.40', { disk_size: 1e9 }), 'disk_size'],
      [webServer('ok-1', '192.168.0.22'), 'network_config.ip_address'],
      [webServer('ok-1', '192.168.0.256'), 'network_config.ip_address'],
      [webServer('ok-1', '192.168.0.1'), 'network_config.ip_address'],
      [webServer('ok-1', '192.168.0.40', { network_config: { ip_address: '192.168.0.40', subnet: '33', gateway: '192.168.0.1' } }), 'network_config.subnet'],
      [webServer('ok-1', '192.168.0.40', { network_config: { ip_address: '192.168.0.40', subnet: '24', gateway: '10.0.0.1' } }), 'network_config.gateway'],
      [webServer('ok-1', '192.168.0.40', { network_config: undefined }), 'network_config'],
      [{ ...webServer('ok-1', '192.168.0.40'), name: undefined }, 'name'],
    ];
    const before = hub.db.prepare('SELECT count(*) AS n FROM pve_servers').get();
    for (const [body, field] of cases) {
      const res = await create(body);
      const answer = await res.json();
      expect([res.status, answer.error?.code, answer.error?.details?.field], JSON.stringify(body)).toEqual([400, 'INVALID_REQUEST', field]);
      expect(answer.error.details.reason).toEqual(expect.any(String));
    }
    expect(hub.db.prepare('SELECT count(*) AS n FROM pve_servers').get()).toEqual(before);
  });

  it('two creates at once from one template: clones one after the other (no lock error), distinct VMIDs', async () => {
    const clonesBefore = fake.calls('POST', /\/clone$/).length;
    const answers = await Promise.all([create(webServer('par-a', '192.168.0.31')), create(webServer('par-b', '192.168.0.32', { role: 'was' }))]);
    const ids = await Promise.all(answers.map(async (r) => (await r.json()).task_id as string));
    const ends = await Promise.all(ids.map(async (id) => (await waitTask(hub, id)).at(-1)!));
    expect(ends.map((t) => [t.status, t.error])).toEqual([
      ['completed', null],
      ['completed', null],
    ]);
    const clones = fake.calls('POST', /\/clone$/).slice(clonesBefore);
    expect(clones).toHaveLength(2);
    expect(new Set(clones.map((c) => c.params.newid)).size).toBe(2);
  });

  it('a failing step shows in the task: status failed, the step, PVE\'s error; the server shows error', async () => {
    fake.failingTaskTypes.set('qmstart', 'start failed: QEMU exited with code 1');
    try {
      const { task_id } = await (await create(webServer('fails-to-start', '192.168.0.50'))).json();
      const last = (await waitTask(hub, task_id)).at(-1)!;
      expect(last).toMatchObject({ status: 'failed', step: 'start', message: expect.stringContaining('start failed: QEMU exited with code 1'), error: expect.stringContaining('start failed: QEMU exited with code 1') });
      expect(last.progress).toBe(85);
      const server = (await hub.json('/api/servers')).servers.find((s: { name: string }) => s.name === 'fails-to-start');
      expect(server.status).toBe('error');
    } finally {
      fake.failingTaskTypes.delete('qmstart');
    }
  });

  it('answers 404 in the seed\'s body for an unknown task, and works with a Bearer API key', async () => {
    const res = await hub.request('/api/tasks/task_000000000000000000000000');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
    const key = await (await hub.request('/api/v1/api-keys', { method: 'POST', headers: json, body: JSON.stringify({ name: 'pve', scopes: ['metrics:read', 'infra:manage'] }) })).json();
    const bearer = { authorization: `Bearer ${key.data.key}` };
    const list = await hub.request('/api/servers', { user: null, headers: bearer });
    expect(list.status).toBe(200);
    expect((await list.json()).servers.map((s: { name: string }) => s.name)).toContain('web-server-02');
    const started = await hub.request('/api/servers/create', { method: 'POST', user: null, headers: { ...json, ...bearer }, body: JSON.stringify(webServer('via-key', '192.168.0.60')) });
    expect(started.status).toBe(200);
    expect((await waitTask(hub, (await started.json()).task_id)).at(-1)!.status).toBe('completed');
    expect((await hub.request('/api/servers', { user: null })).status).toBe(401);
    // The configured, registered cluster counts as a running service.
    expect((await hub.json('/api/system/status')).services.proxmox).toBe('running');
  });

  it('lifecycle events are notifications in the hub\'s one store: listed, latest first, deletable; others\' ids 404', async () => {
    const list = await hub.json('/api/notifications');
    const created = list.notifications.find((n: { message: string }) => n.message.includes('web-server-02'));
    expect(created).toMatchObject({ id: expect.any(String), type: 'success', category: 'server_lifecycle', created_at: expect.any(String) });
    expect(list.notifications.find((n: { message: string }) => n.message.includes('fails-to-start'))).toMatchObject({ type: 'error', message: expect.stringContaining('QEMU exited with code 1') });
    expect(list.total).toBe(list.notifications.length);
    // The skyclust API shows the same store.
    expect((await hub.json('/api/v1/notifications?category=server_lifecycle')).data.notifications.map((n: { id: string }) => n.id)).toContain(created.id);
    const latest = await hub.json('/api/notifications/latest?limit=1');
    expect(latest.notifications).toHaveLength(1);
    expect(latest.notifications[0].id).toBe(list.notifications[0].id);
    const other = await hub.addUser('olga', 'user');
    expect((await hub.request(`/api/notifications/${created.id}`, { method: 'DELETE', user: other })).status).toBe(404);
    const res = await hub.request(`/api/notifications/${created.id}`, { method: 'DELETE' });
    expect([res.status, (await res.json()).success]).toEqual([200, true]);
    expect((await hub.json('/api/notifications')).notifications.map((n: { id: string }) => n.id)).not.toContain(created.id);
  });

  it('the seed\'s curl examples with the seed\'s session login (cookie) instead of Basic', async () => {
    await hub.addUser('sam', 'user', 'sam-password');
    const login = await hub.request('/api/auth/login', { method: 'POST', user: null, headers: json, body: JSON.stringify({ username: 'sam', password: 'sam-password' }) });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const list = await hub.request('/api/servers', { user: null, headers: { cookie } });
    expect(list.status).toBe(200);
    expect((await list.json()).servers.map((s: { name: string }) => s.name)).toContain('web-server-02');
    const started = await hub.request('/api/servers/create', { method: 'POST', user: null, headers: { ...json, cookie }, body: JSON.stringify(webServer('via-cookie', '192.168.0.61')) });
    expect(started.status).toBe(200);
    const task = (await waitTask(hub, (await started.json()).task_id)).at(-1)!;
    expect(task.status).toBe('completed');
    expect((await hub.request(`/api/tasks/${task.task_id}`, { user: null, headers: { cookie } })).status).toBe(200);
    // The vault's values are for admins only, whatever the credential.
    expect((await hub.request('/api/vault/secrets/secret/ssh', { user: null, headers: { cookie } })).status).toBe(403);
  });
});
