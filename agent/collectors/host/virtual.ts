/**
 * Whether the host is a virtual machine: the x86 `hypervisor` CPU flag (set
 * by every common hypervisor), else the DMI names hypervisors give their
 * machines (arm64 guests have no such flag), as systeminformation matched them.
 */
export function isVirtualMachine(hypervisorFlag: boolean, manufacturer: string | null, model: string | null): boolean {
  if (hypervisorFlag) return true;
  const m = (model ?? '').toLowerCase();
  const v = (manufacturer ?? '').toLowerCase();
  return ['virtualbox', 'kvm', 'virtual machine', 'bochs'].includes(m) || /^(vmware|droplet)/.test(m) || /^(vmware|qemu)/.test(v) || v === 'xen';
}
