import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePve } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, waitTask, webServer } from './pve-helpers.js';

describe('server manager: backups (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  let serverId: number;
  let vmid: number;
  const post = (path: string, body: unknown) => hub.request(path, { method: 'POST', headers: json, body: JSON.stringify(body) });

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0, cloneTaskPolls: 1 });
    hub = await startManagerHub(fake);
    const { task_id } = await (await post('/api/servers/create', webServer('db-01', '192.168.0.80', { role: 'db' }))).json();
    const done = (await waitTask(hub, task_id)).at(-1)!;
    serverId = done.server_id!;
    vmid = (await hub.json('/api/servers')).servers[0].vmid;
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('creates a backup as a task (vzdump snapshot, zstd, to the backup storage) and lists it with a human size and bytes', async () => {
    const res = await post('/api/backups/create', { server_id: serverId, backup_type: 'full' });
    expect(res.status).toBe(200);
    const { task_id } = await res.json();
    expect((await waitTask(hub, task_id)).at(-1)).toMatchObject({ status: 'completed', progress: 100, server_id: serverId });
    expect(fake.calls('POST', /\/vzdump$/)[0]!.params).toMatchObject({ vmid: String(vmid), storage: 'local', mode: 'snapshot', compress: 'zstd' });
    const list = await hub.json('/api/backups');
    expect(list.total).toBe(1);
    const [b] = list.backups;
    expect(b).toEqual({
      id: b.backup_id,
      backup_id: expect.stringMatching(new RegExp(`^vzdump-qemu-${vmid}-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.vma\\.zst$`)),
      server_id: serverId,
      server_name: 'db-01',
      status: 'completed',
      size: '117.7MB',
      size_bytes: 123_456_789,
      volid: `local:backup/${b.backup_id}`,
      node: expect.any(String),
      created_at: expect.any(String),
    });
    // Backups of VMs the hub does not manage are not listed.
    fake.backups.push({ volid: 'local:backup/vzdump-qemu-9000-2024_01_15-02_00_00.vma.zst', storage: 'local', node: 'pve1', vmid: 9000, size: 1, ctime: 1 });
    expect((await hub.json('/api/backups')).total).toBe(1);
  });

  it('restore onto an existing VM: 409 without overwrite; with overwrite a task that restores with force and starts it', async () => {
    const [b] = (await hub.json('/api/backups')).backups;
    const refused = await post(`/api/backups/${b.backup_id}/restore`, { target_server_id: serverId });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatchObject({ code: 'CONFLICT', details: { field: 'overwrite' } });
    expect(fake.calls('POST', /\/qemu$/)).toHaveLength(0);
    const res = await post(`/api/backups/${b.backup_id}/restore`, { target_server_id: serverId, overwrite: true });
    expect(res.status).toBe(200);
    expect((await waitTask(hub, (await res.json()).task_id)).at(-1)).toMatchObject({ status: 'completed' });
    expect(fake.calls('POST', /\/qemu$/)[0]!.params).toMatchObject({ vmid: String(vmid), archive: b.volid, force: '1' });
    expect(fake.vms.get(vmid)!.status).toBe('running');
  });

  it('refuses unknown and malformed backup ids and unknown servers in the seed\'s error body', async () => {
    const unknown = await post('/api/backups/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst/restore', { target_server_id: serverId, overwrite: true });
    expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, 'NOT_FOUND']);
    const malformed = await hub.request('/api/backups/..%2F..%2Fetc%2Fpasswd', { method: 'DELETE' });
    expect([malformed.status, (await malformed.json()).error.details.field]).toEqual([400, 'backup_id']);
    const noServer = await post('/api/backups/create', { server_id: 424242, backup_type: 'full' });
    expect([noServer.status, (await noServer.json()).error.details.field]).toEqual([400, 'server_id']);
    const badType = await post('/api/backups/create', { server_id: serverId, backup_type: 'incremental' });
    expect([badType.status, (await badType.json()).error.details.field]).toEqual([400, 'backup_type']);
  });

  it('DELETE removes the archive from the storage', async () => {
    const [b] = (await hub.json('/api/backups')).backups;
    const res = await hub.request(`/api/backups/${b.backup_id}`, { method: 'DELETE' });
    expect([res.status, await res.json()]).toEqual([200, { success: true, message: '백업이 삭제되었습니다' }]);
    expect(fake.backups.map((x) => x.volid)).not.toContain(b.volid);
    expect((await hub.json('/api/backups')).total).toBe(0);
    expect((await hub.request(`/api/backups/${b.backup_id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('monitoring/metrics/{server_id}: the newest PVE rrddata point in % and bytes/s, with its source', async () => {
    const m = await hub.json(`/api/monitoring/metrics/${serverId}`);
    // The fake's newest point: cpu 0.3, mem 1 GiB of 2 GiB, netin 2000, netout 1000.
    expect(m).toEqual({ server_id: serverId, server_name: 'db-01', source: 'pve_rrddata', metrics: { cpu_usage: 30, memory_usage: 50, disk_usage: null, network_in: 2000, network_out: 1000, timestamp: expect.any(String) } });
    expect(fake.calls('GET', `/nodes/${fake.vms.get(vmid)!.node}/qemu/${vmid}/rrddata`).at(-1)!.params).toMatchObject({ timeframe: 'hour' });
    const missing = await hub.request('/api/monitoring/metrics/424242');
    expect([missing.status, (await missing.json()).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});
