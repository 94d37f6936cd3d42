import type { ClusterResourcesResult } from '../integrations/proxmox/api-types.js';

type Resource = ClusterResourcesResult[number];

export interface Template {
  vmid: number;
  node: string;
}

/** The role's template from `cluster/resources`: by VMID when the setting is a number, else by name among templates. */
export function findTemplate(resources: ClusterResourcesResult, setting: string): Template | null {
  const vms = resources.filter((r) => r.type === 'qemu');
  const hit = /^\d+$/.test(setting) ? vms.find((r) => r.vmid === Number(setting)) : vms.find((r) => r.name === setting && Number(r.template) === 1);
  return hit && hit.vmid !== undefined && hit.node ? { vmid: hit.vmid, node: hit.node } : null;
}

/**
 * The node for a new server: among the configured ones (or every node),
 * those online, least loaded first: memory in use, then VMs on it, then
 * name (so equal nodes fill in turn). Null when none is online.
 */
export function pickNode(resources: ClusterResourcesResult, allowed: readonly string[]): string | null {
  const vmsOn = (node: string) => resources.filter((r) => r.type === 'qemu' && r.node === node && Number(r.template ?? 0) !== 1).length;
  const load = (r: Resource) => (r.maxmem ? (r.mem ?? 0) / r.maxmem : 0);
  const nodes = resources.filter((r) => r.type === 'node' && r.status === 'online' && r.node && (allowed.length === 0 || allowed.includes(r.node)));
  nodes.sort((a, b) => load(a) - load(b) || vmsOn(a.node!) - vmsOn(b.node!) || a.node!.localeCompare(b.node!));
  return nodes[0]?.node ?? null;
}

/** The boot disk's key and size in GiB from a VM config (`scsi0: local-lvm:vm-101-disk-0,size=10G`). */
export function bootDisk(config: Record<string, unknown>): { key: string; sizeGb: number } | null {
  for (const key of ['scsi0', 'virtio0', 'sata0', 'ide0']) {
    const value = config[key];
    if (typeof value !== 'string' || value.includes('media=cdrom')) continue;
    const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)/.exec(value);
    const factor = { '': 1 / 2 ** 30, K: 1 / 2 ** 20, M: 1 / 1024, G: 1, T: 1024 }[m?.[2] ?? 'G']!;
    return { key, sizeGb: m ? Number(m[1]) * factor : 0 };
  }
  return null;
}
