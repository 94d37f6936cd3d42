import type { ClusterResourcesResult } from '../integrations/proxmox/api-types.js';
import { SERVER_ROLES, type ServerRole } from './config.js';
import { HOSTNAME, isPlainIpv4, prefixLength } from './network.js';

/**
 * Adoption: a VM made outside the hub joins the managed servers when an
 * operator tags it the way the hub tags its own (`kcloud;role-web`). The
 * tag is the operator's explicit act, so a VM nobody tagged is never
 * listed, and everything the hub needs (name, role, static address) must
 * be there: a VM that lacks one is skipped with the reason, never adopted
 * half-known.
 */

export interface AdoptionCandidate {
  vmid: number;
  node: string;
  name: string;
  role: ServerRole;
  cpu: number;
  memoryMb: number;
  diskGb: number;
}

export interface Skipped {
  vmid: number;
  reason: string;
}

/** PVE keeps tags as one string split by `;` (older API input also used `,` and spaces). */
export const tagsOf = (tags: string | undefined): string[] => (tags ?? '').split(/[;, ]+/).filter(Boolean);

/** The tagged, not yet managed VMs of `cluster/resources`, and why the other tagged ones cannot be adopted. */
export function adoptionCandidates(resources: ClusterResourcesResult, isManaged: (vmid: number) => boolean): { candidates: AdoptionCandidate[]; skipped: Skipped[] } {
  const candidates: AdoptionCandidate[] = [];
  const skipped: Skipped[] = [];
  for (const r of resources) {
    if (r.type !== 'qemu' || r.vmid === undefined || r.template === 1 || isManaged(r.vmid)) continue;
    const tags = tagsOf(r.tags);
    if (!tags.includes('kcloud')) continue;
    const roles = tags.filter((t) => t.startsWith('role-')).map((t) => t.slice('role-'.length));
    const role = roles.find((x): x is ServerRole => (SERVER_ROLES as readonly string[]).includes(x));
    if (!role) {
      skipped.push({ vmid: r.vmid, reason: `tagged kcloud without a role tag (one of ${SERVER_ROLES.map((x) => `role-${x}`).join(', ')})` });
      continue;
    }
    if (!r.name || !HOSTNAME.test(r.name)) {
      skipped.push({ vmid: r.vmid, reason: `its name '${r.name ?? ''}' is not a valid hostname` });
      continue;
    }
    if (!r.node) {
      skipped.push({ vmid: r.vmid, reason: 'PVE does not say which node it is on' });
      continue;
    }
    candidates.push({
      vmid: r.vmid,
      node: r.node,
      name: r.name,
      role,
      cpu: Math.max(1, Math.round(r.maxcpu ?? 1)),
      memoryMb: Math.round((r.maxmem ?? 0) / 2 ** 20),
      diskGb: Math.round((r.maxdisk ?? 0) / 2 ** 30),
    });
  }
  return { candidates, skipped };
}

/** `ipconfig0` of a cloud-init VM (`ip=10.0.0.5/24,gw=10.0.0.1`): its static IPv4 address; null for dhcp, IPv6 only or nothing. */
export function staticAddress(ipconfig: string | undefined): { ip: string; prefix: number; gateway: string } | null {
  if (!ipconfig) return null;
  const fields = new Map(ipconfig.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const [ip, prefixText] = (fields.get('ip') ?? '').split('/');
  const gateway = fields.get('gw');
  const prefix = prefixText === undefined ? null : prefixLength(prefixText);
  if (!ip || !isPlainIpv4(ip) || prefix === null || !gateway || !isPlainIpv4(gateway)) return null;
  return { ip, prefix, gateway };
}
