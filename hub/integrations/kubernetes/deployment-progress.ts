import type { EcpDeploymentEvent, HubBus } from '../../bus.js';

/** Per hub bus: the newest `ecp-deployment` event of each open task. */
const latest = new WeakMap<HubBus, Map<string, EcpDeploymentEvent>>();

/**
 * Emits a deployment's progress on the hub bus and remembers it while the
 * task is open: a real task's progress is its live view (Deployments
 * rolling out), which the task row does not hold, so a deployment
 * WebSocket that opens mid-rollout starts from this, not from the steps.
 */
export function publishProgress(bus: HubBus, e: EcpDeploymentEvent): void {
  let m = latest.get(bus);
  if (!m) latest.set(bus, (m = new Map()));
  if (e.status === 'deploying') m.set(e.deploymentId, e);
  else m.delete(e.deploymentId);
  bus.emit('ecp-deployment', e);
}

/** The newest progress published for an open task; undefined when none was. */
export function lastProgress(bus: HubBus, deploymentId: string): EcpDeploymentEvent | undefined {
  return latest.get(bus)?.get(deploymentId);
}

/** Forgets tasks that are no longer open without a last event of their own (cancelled by a newer task). */
export function forgetProgress(bus: HubBus, keep: (deploymentId: string) => boolean): void {
  const m = latest.get(bus);
  if (m) for (const id of [...m.keys()]) if (!keep(id)) m.delete(id);
}
