import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adoptionCandidates, staticAddress, tagsOf } from '../../../../hub/pve-manager/adoption.js';
import { FakePve, type FakeVm } from '../../../fakes/proxmox/server.js';
import type { ApiHub } from '../../../helpers/api.js';
import { json, startManagerHub, waitTask } from './pve-helpers.js';

interface Listed {
  id: number;
  name: string;
  role: string;
  ip_address: string;
  status: string;
  cpu: number;
  memory: number;
  disk_size: number;
  vmid: number;
  node: string;
}

const vm = (vmid: number, name: string, config: FakeVm['config']): FakeVm => ({ vmid, node: 'pve2', name, status: 'running', template: 0, config: { cores: 4, memory: 8192, scsi0: `local-lvm:vm-${vmid}-disk-0,size=40G`, ...config } });

describe('adoption: pure parts', () => {
  it('reads PVE tag strings in every separator PVE has used', () => {
    expect(tagsOf('kcloud;role-web')).toEqual(['kcloud', 'role-web']);
    expect(tagsOf('kcloud, role-db')).toEqual(['kcloud', 'role-db']);
    expect(tagsOf(undefined)).toEqual([]);
  });

  it('takes a static ipconfig0 and refuses dhcp, IPv6-only and malformed ones', () => {
    expect(staticAddress('ip=10.0.0.5/24,gw=10.0.0.1')).toEqual({ ip: '10.0.0.5', prefix: 24, gateway: '10.0.0.1' });
    for (const bad of [undefined, '', 'ip=dhcp', 'ip6=2001:db8::5/64,gw6=2001:db8::1', 'ip=10.0.0.5/24', 'ip=10.0.0.500/24,gw=10.0.0.1', 'ip=10.0.0.5,gw=10.0.0.1', 'ip=10.0.0.5/99,gw=10.0.0.1']) expect(staticAddress(bad)).toBeNull();
  });

  it('picks tagged, unmanaged, non-template VMs with a known role and a hostname, and says why it skips the other tagged ones', () => {
    const { candidates, skipped } = adoptionCandidates(
      [
        { type: 'qemu', vmid: 101, node: 'pve1', name: 'ok-1', tags: 'kcloud;role-db', maxcpu: 2, maxmem: 4 * 2 ** 30, maxdisk: 20 * 2 ** 30, id: 'qemu/101' },
        { type: 'qemu', vmid: 102, node: 'pve1', name: 'managed', tags: 'kcloud;role-web', id: 'qemu/102' },
        { type: 'qemu', vmid: 103, node: 'pve1', name: 'untagged', id: 'qemu/103' },
        { type: 'qemu', vmid: 104, node: 'pve1', name: 'no-role', tags: 'kcloud', id: 'qemu/104' },
        { type: 'qemu', vmid: 105, node: 'pve1', name: 'bad_name!', tags: 'kcloud;role-web', id: 'qemu/105' },
        { type: 'qemu', vmid: 106, node: 'pve1', name: 'tmpl', tags: 'kcloud;role-web', template: 1, id: 'qemu/106' },
        { type: 'lxc', vmid: 107, node: 'pve1', name: 'ct', tags: 'kcloud;role-web', id: 'lxc/107' },
      ],
      (vmid) => vmid === 102,
    );
    expect(candidates).toEqual([{ vmid: 101, node: 'pve1', name: 'ok-1', role: 'db', cpu: 2, memoryMb: 4096, diskGb: 20 }]);
    expect(skipped.map((s) => s.vmid)).toEqual([104, 105]);
    expect(skipped[0]!.reason).toContain('role-web');
    expect(skipped[1]!.reason).toContain('hostname');
  });
});

describe('adoption: VMs made outside the hub and tagged kcloud join the managed servers (real hub, fake PVE)', () => {
  let fake: FakePve;
  let hub: ApiHub;
  const listed = async () => (await hub.json<{ servers: Listed[]; total: number }>('/api/servers')).servers;

  beforeAll(async () => {
    fake = await FakePve.start({ loginDelayMs: 0 });
    hub = await startManagerHub(fake);
  });
  afterAll(async () => {
    await hub.close();
    await fake.close();
  });

  it('lists a tagged VM with what PVE says of it, once, even when two lists race; then manages it like its own', async () => {
    fake.vms.set(601, vm(601, 'legacy-web', { tags: 'kcloud;role-web', ipconfig0: 'ip=192.168.0.61/24,gw=192.168.0.1' }));
    const [a, b] = await Promise.all([listed(), listed()]);
    expect(a.filter((s) => s.vmid === 601)).toHaveLength(1);
    expect(b.filter((s) => s.vmid === 601)).toHaveLength(1);
    const server = (await listed()).filter((s) => s.vmid === 601);
    expect(server).toEqual([expect.objectContaining({ name: 'legacy-web', role: 'web', ip_address: '192.168.0.61', status: 'running', cpu: 4, memory: 8192, disk_size: 40, vmid: 601, node: 'pve2' })]);
    expect(hub.db.prepare('SELECT count(*) AS n FROM pve_servers WHERE vmid = 601').get()).toEqual({ n: 1 });

    const res = await hub.request(`/api/servers/${server[0]!.id}/status`, { method: 'PUT', headers: json, body: JSON.stringify({ status: 'stopped' }) });
    expect(res.status).toBe(200);
    expect((await waitTask(hub, (await res.json()).task_id)).at(-1)!.status).toBe('completed');
    expect(fake.vms.get(601)!.status).toBe('stopped');
    // Its address is now taken for new servers.
    const clash = await hub.request('/api/servers/create', { method: 'POST', headers: json, body: JSON.stringify({ name: 'new-one', role: 'web', cpu: 2, memory: 4096, disk_size: 50, network_config: { ip_address: '192.168.0.61', subnet: '24', gateway: '192.168.0.1' } }) });
    expect(clash.status).toBe(400);
    expect((await clash.json()).error.details.field).toBe('network_config.ip_address');
  });

  it('leaves alone untagged VMs and tagged ones it cannot know fully (no role, dhcp, a clashing name or address)', async () => {
    fake.vms.set(602, vm(602, 'someone-elses', { ipconfig0: 'ip=192.168.0.62/24,gw=192.168.0.1' }));
    fake.vms.set(603, vm(603, 'no-role', { tags: 'kcloud', ipconfig0: 'ip=192.168.0.63/24,gw=192.168.0.1' }));
    fake.vms.set(604, vm(604, 'on-dhcp', { tags: 'kcloud;role-db', ipconfig0: 'ip=dhcp' }));
    fake.vms.set(605, vm(605, 'legacy-web', { tags: 'kcloud;role-web', ipconfig0: 'ip=192.168.0.65/24,gw=192.168.0.1' }));
    fake.vms.set(606, vm(606, 'same-address', { tags: 'kcloud;role-was', ipconfig0: 'ip=192.168.0.61/24,gw=192.168.0.1' }));
    const vmids = (await listed()).map((s) => s.vmid);
    for (const v of [602, 603, 604, 605, 606]) expect(vmids).not.toContain(v);
    expect(vmids).toContain(601);
  });
});
