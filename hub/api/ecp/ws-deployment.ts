import type { EcpDeploymentEvent } from '../../bus.js';
import { lastProgress } from '../../integrations/kubernetes/deployment-progress.js';
import { taskPhase, taskProgress, type DeploymentTaskStore } from '../../integrations/kubernetes/deployment-tasks.js';
import type { ApiDeps } from '../deps.js';
import type { EcpSession } from './ws-session.js';

/** The seed's frame: `{deployment_id, status, progress, phase, message}`. */
const frameOf = (e: EcpDeploymentEvent) => ({ deployment_id: e.deploymentId, tenant_id: e.tenantId, status: e.status, progress: e.progress, phase: e.phase, message: e.message });

/**
 * /ws/deployment/{deployment_id}: the task's state at once, then every step
 * as the deployer (demo simulation or the cluster) takes it and, for a real
 * task, every change its namespace's watch sees (Deployments rolling out,
 * events), from the hub bus's `ecp-deployment` events; closed with 1000 once the task is
 * completed, failed or cancelled (a cancelled task is seen at the first step
 * of the tenant's task that cancelled it).
 */
export function deploymentSocket(session: EcpSession, deploymentId: string, deps: ApiDeps, tasks: DeploymentTaskStore): void {
  let tenantId: string | null = null;
  const send = (e: EcpDeploymentEvent) => {
    session.send(frameOf(e));
    if (e.status !== 'deploying') session.close(1000, `deployment ${e.status}`);
  };
  const fromStore = () => {
    const task = tasks.get(deploymentId);
    if (!task) return session.close(1000, 'deployment not found');
    tenantId = task.tenantId;
    // An open real task's progress is its live view (Deployments rolling out), last published by the deployer; the row has its steps only.
    const published = task.status === 'deploying' ? lastProgress(deps.bus, task.id) : undefined;
    send(published ?? { deploymentId: task.id, tenantId: task.tenantId, status: task.status, progress: taskProgress(task), phase: taskPhase(task), message: task.logs.at(-1)?.message ?? '' });
  };
  const forward = (e: EcpDeploymentEvent) => {
    if (e.deploymentId === deploymentId) return send(e);
    // A cancellation (a forced delete, a re-size) writes the task without an event of its own: the newer task's first step tells.
    if (e.tenantId === tenantId) {
      const task = tasks.get(deploymentId);
      if (task && task.status !== 'deploying') fromStore();
    }
  };
  // Listening before the read: a step taken in between is not lost (both run in this turn anyway).
  deps.bus.on('ecp-deployment', forward);
  session.onEnd(() => deps.bus.off('ecp-deployment', forward));
  fromStore();
}
