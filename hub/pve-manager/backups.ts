import type { PveClient } from '../integrations/proxmox/client.js';
import type { ManagedServer } from './server-store.js';
import type { Step } from './task-runner.js';

/** A vzdump archive of a managed server, as GET /api/backups lists it. */
export interface Backup {
  /** The archive's file name (`vzdump-qemu-101-2024_01_15-02_00_00.vma.zst`): unique per storage, safe in a URL. */
  backupId: string;
  volid: string;
  node: string;
  vmid: number;
  bytes: number;
  ctime: number;
}

/** An archive name vzdump writes for a VM. */
export const BACKUP_ID = /^vzdump-qemu-(\d+)-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.vma(\.(zst|lzo|gz))?$/;

/** "2.5GB" as the seed shows sizes (binary multiples, one decimal). */
export function humanSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))}${units[unit]}`;
}

/** Every vzdump archive on `storage` across the online nodes (a shared storage lists the same volume on each: kept once). */
export async function listBackups(client: PveClient, storage: string): Promise<Backup[]> {
  const nodes = (await client.clusterResources({ type: 'node' })).filter((n) => n.status === 'online' && n.node).map((n) => n.node!);
  const seen = new Map<string, Backup>();
  for (const node of nodes) {
    for (const item of await client.storageContent(node, storage, { content: 'backup' })) {
      const backupId = item.volid.split('/').at(-1) ?? '';
      if (!BACKUP_ID.test(backupId) || seen.has(item.volid)) continue;
      seen.set(item.volid, { backupId, volid: item.volid, node, vmid: Number(item.vmid), bytes: Number(item.size), ctime: Number(item.ctime ?? 0) });
    }
  }
  return [...seen.values()].sort((a, b) => b.ctime - a.ctime || a.backupId.localeCompare(b.backupId));
}

/** Where a managed server's VM is; throws when PVE has none. */
async function vmOf(client: PveClient, server: ManagedServer): Promise<{ node: string; vmid: number; status: string }> {
  const hit = server.vmid === null ? undefined : (await client.clusterResources({ type: 'vm' })).find((r) => r.vmid === server.vmid);
  if (!hit?.node) throw new Error(`VM ${server.vmid} of ${server.name} does not exist on the cluster`);
  return { node: hit.node, vmid: server.vmid!, status: hit.status ?? 'unknown' };
}

/** vzdump in snapshot mode with zstd to the backup storage. */
export function backupPlan(client: PveClient, server: () => ManagedServer, storage: string): Step[] {
  return [
    {
      name: 'vzdump',
      message: '백업 중 (vzdump snapshot, zstd)',
      progress: 100,
      async run(io) {
        const vm = await vmOf(client, server());
        await io.pveTask(() => client.vzdump(vm.node, { vmid: String(vm.vmid), storage, mode: 'snapshot', compress: 'zstd' }));
      },
    },
  ];
}

/** Restore onto the target's VMID: stop it, restore (force: the route allowed overwriting), start it. */
export function restorePlan(client: PveClient, target: () => ManagedServer, backup: Pick<Backup, 'volid' | 'node'>, overwrite: boolean): Step[] {
  return [
    {
      name: 'stop',
      message: '대상 VM 정지 중 (stopping the target)',
      progress: 20,
      async run(io) {
        const vm = await vmOf(client, target()).catch(() => null);
        if (vm && vm.status !== 'stopped') await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'stop'));
      },
    },
    {
      name: 'restore',
      message: '복원 중 (qmrestore)',
      progress: 90,
      async run(io) {
        const t = target();
        const node = (await vmOf(client, t).catch(() => null))?.node ?? t.node ?? backup.node;
        await io.pveTask(() => client.qemuCreate(node, { vmid: t.vmid!, archive: backup.volid, ...(overwrite && { force: 1 }) }));
      },
    },
    {
      name: 'start',
      message: 'VM 시작 중 (starting)',
      progress: 100,
      async run(io) {
        const vm = await vmOf(client, target());
        if (vm.status !== 'running') await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'start'));
      },
    },
  ];
}
