import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, waitTask, webServer } from './pve-helpers.js';

describe('server manager: bulk create, power, delete, bulk delete (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const post = (path: string, body: unknown) => hub.request(path, { method: 'POST', headers: json, body: JSON.stringify(body) });
  const bulk = (prefix: string, count: number) => ({
    servers: Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i + 1}`, role: i % 2 ? 'was' : 'web', cpu: 1, memory: 1024, disk_size: 20 })),
    network_config: { ip_range: '192.168.1.10-192.168.1.29', subnet: '24', gateway: '192.168.1.1' },
  });
  const listed = async () => (await hub.json('/api/servers')).servers as { id: number; name: string; ip_address: string; vmid: number; status: string }[];

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    hub = await startManagerHub(fake);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('two bulk creates at once (5 + 5 from one template): 10 servers, unique VMIDs and IPs from the range, no lock error, parents complete', async () => {
    const [a, b] = await Promise.all([post('/api/servers/bulk-create', bulk('bulk-a', 5)), post('/api/servers/bulk-create', bulk('bulk-b', 5))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const answers = [await a.json(), await b.json()];
    for (const answer of answers) {
      expect(answer).toMatchObject({ success: true, task_id: expect.stringMatching(/^task_/) });
      expect(answer.servers).toHaveLength(5);
    }
    const parents = await Promise.all(answers.map(async (x) => (await waitTask(hub, x.task_id)).at(-1)!));
    expect(parents.map((p) => [p.status, p.progress, p.error])).toEqual([
      ['completed', 100, null],
      ['completed', 100, null],
    ]);
    const children = answers.flatMap((x) => x.servers);
    for (const c of children) expect((await hub.json(`/api/tasks/${c.task_id}`)).status).toBe('completed');
    const ips = children.map((c) => c.ip_address);
    expect(new Set(ips).size).toBe(10);
    for (const ip of ips) expect(Number(ip.split('.')[3])).toBeGreaterThanOrEqual(10);
    const servers = (await listed()).filter((s) => s.name.startsWith('bulk-'));
    expect(servers).toHaveLength(10);
    expect(new Set(servers.map((s) => s.vmid)).size).toBe(10);
    expect(servers.every((s) => s.status === 'running')).toBe(true);
    expect(new Set(fake.calls('POST', /\/clone$/).map((c) => c.params.newid)).size).toBe(10);
  });

  it('refuses a range too small (IPs held by managed servers do not count) and names the field', async () => {
    const res = await post('/api/servers/bulk-create', { ...bulk('small', 11) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'network_config.ip_range', reason: expect.stringContaining('10 free addresses for 11 servers') } });
    const dup = await post('/api/servers/bulk-create', { ...bulk('dup', 2), servers: [webServer('same', '0.0.0.0'), webServer('same', '0.0.0.0')].map(({ network_config: _, ...s }) => s) });
    expect((await dup.json()).error.details.field).toBe('servers[1].name');
    expect((await post('/api/servers/bulk-create', { ...bulk('r', 1), network_config: { ip_range: '192.168.1.9-192.168.1.1', subnet: '24', gateway: '192.168.1.1' } })).status).toBe(400);
  });

  it('PUT status: stopped is a shutdown that PVE forces after the timeout, running a start, rebooted a reboot', async () => {
    const server = (await listed()).find((s) => s.name === 'bulk-a-1')!;
    const put = async (status: string) => {
      const res = await hub.request(`/api/servers/${server.id}/status`, { method: 'PUT', headers: json, body: JSON.stringify({ status }) });
      expect(res.status).toBe(200);
      return (await waitTask(hub, (await res.json()).task_id)).at(-1)!;
    };
    expect((await put('stopped')).status).toBe('completed');
    expect(fake.calls('POST', `/nodes/${fake.vms.get(server.vmid)!.node}/qemu/${server.vmid}/status/shutdown`).at(-1)!.params).toMatchObject({ forceStop: '1', timeout: '60' });
    expect(fake.vms.get(server.vmid)!.status).toBe('stopped');
    expect((await put('running')).status).toBe('completed');
    expect(fake.vms.get(server.vmid)!.status).toBe('running');
    expect((await put('rebooted')).status).toBe('completed');
    expect(fake.calls('POST', /\/status\/reboot$/)).toHaveLength(1);
    const bad = await hub.request(`/api/servers/${server.id}/status`, { method: 'PUT', headers: json, body: JSON.stringify({ status: 'exploded' }) });
    expect([bad.status, (await bad.json()).error.details.field]).toEqual([400, 'status']);
  });

  it('DELETE stops, then deletes with purge and unreferenced disks; the server is gone; unknown ids 404', async () => {
    const server = (await listed()).find((s) => s.name === 'bulk-b-1')!;
    const node = fake.vms.get(server.vmid)!.node;
    const res = await hub.request(`/api/servers/${server.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer).toMatchObject({ success: true, task_id: expect.any(String) });
    expect((await waitTask(hub, answer.task_id)).at(-1)).toMatchObject({ status: 'completed', progress: 100, message: '서버가 성공적으로 삭제되었습니다' });
    expect(fake.calls('POST', `/nodes/${node}/qemu/${server.vmid}/status/stop`)).toHaveLength(1);
    expect(fake.calls('DELETE', `/nodes/${node}/qemu/${server.vmid}`)[0]!.params).toMatchObject({ purge: '1', 'destroy-unreferenced-disks': '1' });
    expect(fake.vms.has(server.vmid)).toBe(false);
    expect((await listed()).map((s) => s.id)).not.toContain(server.id);
    const gone = await hub.request(`/api/servers/${server.id}`, { method: 'DELETE' });
    expect([gone.status, (await gone.json()).error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await hub.request('/api/servers/abc', { method: 'DELETE' })).status).toBe(400);
  });

  it('bulk-delete: one parent task over the deletes; an unknown id is refused naming it, nothing deleted', async () => {
    const bulkServers = (await listed()).filter((s) => s.name.startsWith('bulk-'));
    const refused = await post('/api/servers/bulk-delete', { server_ids: [bulkServers[0]!.id, 999_999] });
    expect([refused.status, (await refused.json()).error.details.field]).toEqual([400, 'server_ids[1]']);
    expect((await listed()).filter((s) => s.name.startsWith('bulk-'))).toHaveLength(bulkServers.length);
    const res = await post('/api/servers/bulk-delete', { server_ids: bulkServers.map((s) => s.id) });
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.results).toHaveLength(bulkServers.length);
    expect((await waitTask(hub, answer.task_id)).at(-1)).toMatchObject({ status: 'completed', progress: 100 });
    expect((await listed()).filter((s) => s.name.startsWith('bulk-'))).toEqual([]);
    for (const s of bulkServers) expect(fake.vms.has(s.vmid)).toBe(false);
  });
});
