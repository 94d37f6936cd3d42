import { describe, expect, it } from 'vitest';
import { isVirtualMachine } from '../../../../agent/collectors/host/virtual.js';

describe('isVirtualMachine', () => {
  it('trusts the hypervisor CPU flag whatever DMI says', () => {
    expect(isVirtualMachine(true, 'Supermicro', 'SYS-420GP')).toBe(true);
  });

  it.each([
    ['QEMU', 'Standard PC (Q35 + ICH9, 2009)'],
    ['innotek GmbH', 'VirtualBox'],
    ['VMware, Inc.', 'VMware7,1'],
    ['Xen', 'HVM domU'],
    ['DigitalOcean', 'Droplet'],
    ['Red Hat', 'KVM'],
  ])('knows a hypervisor by its DMI names without the flag (%s %s)', (vendor, model) => {
    expect(isVirtualMachine(false, vendor, model)).toBe(true);
  });

  it('reads a server, or no DMI at all, as physical without the flag', () => {
    expect(isVirtualMachine(false, 'Supermicro', 'AS -8125GS-TNHR')).toBe(false);
    expect(isVirtualMachine(false, null, null)).toBe(false);
  });
});
