import type { PveClient } from '../integrations/proxmox/client.js';
import type { ManagedServer } from './server-store.js';
import type { Step } from './task-runner.js';

/** Seconds a guest gets to shut down before PVE stops it (shutdown's `forceStop`). */
export const SHUTDOWN_TIMEOUT_S = 60;

/** Where the server's VM is now (it may have migrated); null when PVE has no such VM. */
async function locate(client: PveClient, server: ManagedServer): Promise<{ node: string; vmid: number; status: string } | null> {
  if (server.vmid === null) return null;
  const hit = (await client.clusterResources({ type: 'vm' })).find((r) => r.vmid === server.vmid);
  return hit?.node ? { node: hit.node, vmid: server.vmid, status: hit.status ?? 'unknown' } : null;
}

/** A server's deletion: stop (hard: the VM is going away), then delete with purge and unreferenced disks. A VM already gone is skipped. */
export function deletePlan(client: PveClient, server: () => ManagedServer): Step[] {
  return [
    {
      name: 'stop',
      message: 'VM 정지 중 (stopping)',
      progress: 40,
      async run(io) {
        const vm = await locate(client, server());
        if (vm && vm.status !== 'stopped') await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'stop'));
      },
    },
    {
      name: 'destroy',
      message: 'VM 삭제 중 (destroying, disks purged)',
      progress: 100,
      async run(io) {
        const vm = await locate(client, server());
        if (vm) await io.pveTask(() => client.qemuDelete(vm.node, vm.vmid, { purge: 1, 'destroy-unreferenced-disks': 1 }));
      },
    },
  ];
}

export const POWER_STATES = ['running', 'stopped', 'rebooted'] as const;
export type PowerState = (typeof POWER_STATES)[number];

/** PUT /servers/{id}/status: running = start, stopped = shutdown (PVE stops it after the timeout), rebooted = reboot. */
export function powerPlan(client: PveClient, server: () => ManagedServer, wanted: PowerState): Step[] {
  return [
    {
      name: wanted === 'running' ? 'start' : wanted === 'stopped' ? 'shutdown' : 'reboot',
      message: `VM ${wanted === 'running' ? 'starting' : wanted === 'stopped' ? 'shutting down' : 'rebooting'}`,
      progress: 100,
      async run(io) {
        const vm = await locate(client, server());
        if (!vm) throw new Error(`VM ${server().vmid} of ${server().name} does not exist on the cluster`);
        if (wanted === 'running' && vm.status !== 'running') await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'start'));
        if (wanted === 'stopped' && vm.status !== 'stopped') await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'shutdown', { timeout: SHUTDOWN_TIMEOUT_S, forceStop: 1 }));
        if (wanted === 'rebooted') {
          if (vm.status !== 'running') throw new Error('the VM is not running; start it instead');
          await io.pveTask(() => client.qemuAction(vm.node, vm.vmid, 'reboot'));
        }
      },
    },
  ];
}
