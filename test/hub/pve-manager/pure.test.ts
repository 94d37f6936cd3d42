import { describe, expect, it } from 'vitest';
import type { ClusterResourcesResult } from '../../../hub/integrations/proxmox/api-types.js';
import { humanSize } from '../../../hub/pve-manager/backups.js';
import { expandRange, HOSTNAME, isPlainIpv4, prefixLength, sameSubnet } from '../../../hub/pve-manager/network.js';
import { bootDisk, findTemplate, pickNode } from '../../../hub/pve-manager/placement.js';
import { KeyedSerial } from '../../../hub/pve-manager/serial.js';

describe('server manager: pure parts', () => {
  it('IPv4, prefixes, subnets and ranges', () => {
    expect([isPlainIpv4('192.168.0.1'), isPlainIpv4('192.168.00.1'), isPlainIpv4('256.1.1.1'), isPlainIpv4(7)]).toEqual([true, false, false, false]);
    expect([prefixLength('24'), prefixLength(16), prefixLength('255.255.255.0'), prefixLength('255.0.255.0'), prefixLength('33'), prefixLength('0'), prefixLength('x')]).toEqual([24, 16, 24, null, null, null, null]);
    expect([sameSubnet('10.0.1.5', '10.0.1.1', 24), sameSubnet('10.0.2.5', '10.0.1.1', 24), sameSubnet('10.0.2.5', '10.0.1.1', 16), sameSubnet('10.0.1.1', '10.0.1.1', 32)]).toEqual([true, false, true, true]);
    expect(expandRange('192.168.0.254-192.168.1.1', 10)).toEqual(['192.168.0.254', '192.168.0.255', '192.168.1.0', '192.168.1.1']);
    expect([expandRange('10.0.0.5-10.0.0.4', 10), expandRange('10.0.0.1-10.0.0.20', 10), expandRange('10.0.0.1', 10), expandRange('a-b', 10)]).toEqual([null, null, null, null]);
  });

  it('hostnames as PVE takes VM names', () => {
    for (const ok of ['web-01', 'a', 'db.internal', 'A1']) expect(HOSTNAME.test(ok), ok).toBe(true);
    for (const bad of ['-web', 'web-', 'we_b', 'a..b', '', 'x'.repeat(64), 'web 1']) expect(HOSTNAME.test(bad), bad).toBe(false);
  });

  it('templates by VMID or name, the least loaded online node, the boot disk size', () => {
    const resources: ClusterResourcesResult = [
      { id: 'node/pve1', type: 'node', node: 'pve1', status: 'online', mem: 30, maxmem: 100 },
      { id: 'node/pve2', type: 'node', node: 'pve2', status: 'online', mem: 10, maxmem: 100 },
      { id: 'node/pve3', type: 'node', node: 'pve3', status: 'offline' },
      { id: 'qemu/9000', type: 'qemu', vmid: 9000, node: 'pve1', name: 'tpl', template: 1 },
      { id: 'qemu/100', type: 'qemu', vmid: 100, node: 'pve1', name: 'tpl', template: 0 },
    ];
    expect(findTemplate(resources, '9000')).toEqual({ vmid: 9000, node: 'pve1' });
    expect(findTemplate(resources, 'tpl')).toEqual({ vmid: 9000, node: 'pve1' });
    expect(findTemplate(resources, 'nope')).toBeNull();
    expect(pickNode(resources, [])).toBe('pve2');
    expect(pickNode(resources, ['pve1', 'pve3'])).toBe('pve1');
    expect(pickNode(resources, ['pve3'])).toBeNull();
    expect(bootDisk({ ide2: 'local:cloudinit,media=cdrom', scsi0: 'local-lvm:vm-1-disk-0,size=10G' })).toEqual({ key: 'scsi0', sizeGb: 10 });
    expect(bootDisk({ virtio0: 'local-lvm:vm-1-disk-0,size=2048M' })).toEqual({ key: 'virtio0', sizeGb: 2 });
    expect(bootDisk({ net0: 'virtio' })).toBeNull();
  });

  it('sizes as the seed shows them', () => {
    expect([humanSize(0), humanSize(1023), humanSize(2.5 * 2 ** 30), humanSize(123_456_789), humanSize(2 ** 40)]).toEqual(['0B', '1023B', '2.5GB', '117.7MB', '1TB']);
  });

  it('runs one function at a time per key, even when one fails', async () => {
    const serial = new KeyedSerial();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = serial.run('t', async () => {
      order.push('a-start');
      await gate;
      order.push('a-end');
      throw new Error('a failed');
    });
    const second = serial.run('t', async () => {
      order.push('b');
    });
    const other = serial.run('u', async () => {
      order.push('u');
    });
    await other;
    expect(order).toEqual(['a-start', 'u']);
    release();
    await expect(first).rejects.toThrow('a failed');
    await second;
    expect(order).toEqual(['a-start', 'u', 'a-end', 'b']);
  });
});
