import { MAX_TASK_LOGS, ROLLOUT_PHASE, taskPhase, taskProgress, type DeploymentTask, type TaskLog } from './deployment-tasks.js';
import type { LiveNamespace } from './namespace-watch.js';

export interface ResourceState {
  type: string;
  name: string;
  status: string;
  replicas?: string;
  reason?: string;
}

/** Where an apply task stands against the live Deployments. */
export type RolloutOutcome = { state: 'applying' } | { state: 'rolling-out' } | { state: 'available' } | { state: 'failed'; message: string };

export interface TaskView {
  progress: number;
  phase: string;
  created: ResourceState[];
  pending: ResourceState[];
  logs: TaskLog[];
  outcome: RolloutOutcome;
}

const DONE_STATUS: Record<string, string> = { Namespace: 'Active', Deployment: 'Available', Service: 'Active' };

/** Events as log lines: `<kind> <name>: <reason>: <message>`, Warning events as warnings. */
function eventLogs(live: LiveNamespace, since: number): TaskLog[] {
  return live.events
    .filter((e) => e.at >= since)
    .map((e) => ({ timestamp: new Date(e.at).toISOString(), level: e.type === 'Warning' ? ('warning' as const) : ('info' as const), message: `${e.object}: ${e.reason}: ${e.message}` }));
}

/**
 * A task's view without the cluster (a demo task, a deletion, or a real
 * apply while the cluster cannot be read): what the task has applied or
 * deleted and what is left. `liveUnknown`: a real apply whose Deployments
 * could not be read, so their state is `Unknown`, never shown as available.
 */
export function stepView(task: DeploymentTask, plannedReplicas: Map<string, number>, liveUnknown = false): TaskView {
  const deleting = task.kind === 'delete';
  const created: ResourceState[] = [];
  const pending: ResourceState[] = [];
  for (const s of task.steps.slice(0, task.done)) {
    const n = s.type === 'Deployment' ? plannedReplicas.get(s.name) : undefined;
    if (deleting) created.push({ type: s.type, name: s.name, status: 'Deleted' });
    else if (liveUnknown && s.type === 'Deployment') created.push({ type: s.type, name: s.name, status: 'Unknown' });
    else created.push({ type: s.type, name: s.name, status: DONE_STATUS[s.type] ?? 'Created', ...(n !== undefined ? { replicas: `${n}/${n}` } : {}) });
  }
  const open = task.status === 'deploying';
  task.steps.slice(task.done).forEach((s, i) => pending.push({ type: s.type, name: s.name, status: !open ? 'Cancelled' : i === 0 ? (deleting ? 'Terminating' : 'Progressing') : 'Pending' }));
  const outcome: RolloutOutcome = task.done < task.steps.length ? { state: 'applying' } : { state: 'available' };
  return { progress: taskProgress(task), phase: taskPhase(task), created, pending, logs: task.logs.slice(-MAX_TASK_LOGS), outcome };
}

/**
 * A real apply task against its namespace as it is now: each applied
 * Deployment is created only once its rollout is available (else pending:
 * `Progressing` with its available/desired replicas, or `Failed` past its
 * progress deadline; `Missing` when the cluster no longer has it), progress
 * counts each object applied and each Deployment available, the phase is
 * `scaling-services` once all is applied and a rollout is still going, and
 * the logs are the task's merged with the namespace's events since the task
 * began (newest last, at most 100).
 */
export function liveView(task: DeploymentTask, live: LiveNamespace): TaskView {
  const created: ResourceState[] = [];
  const rollouts: ResourceState[] = [];
  let available = 0;
  let failure: string | null = null;
  const deploymentSteps = task.steps.filter((s) => s.type === 'Deployment');
  for (const s of task.steps.slice(0, task.done)) {
    if (s.type !== 'Deployment') {
      created.push({ type: s.type, name: s.name, status: DONE_STATUS[s.type] ?? 'Created' });
      continue;
    }
    const d = live.deployments.get(s.name);
    if (!d) {
      rollouts.push({ type: s.type, name: s.name, status: 'Missing', reason: 'applied, but the cluster has no such Deployment now' });
      continue;
    }
    const replicas = `${d.available}/${d.desired}`;
    if (d.state === 'available') {
      available++;
      created.push({ type: s.type, name: s.name, status: 'Available', replicas });
    } else {
      rollouts.push({ type: s.type, name: s.name, status: d.state === 'failed' ? 'Failed' : 'Progressing', replicas, ...(d.reason ? { reason: d.reason } : {}) });
      if (d.state === 'failed') failure ??= `Deployment ${s.name}: ${d.reason}`;
    }
  }
  const open = task.status === 'deploying';
  const notApplied = task.steps.slice(task.done).map((s, i) => ({ type: s.type, name: s.name, status: !open ? 'Cancelled' : i === 0 ? 'Progressing' : 'Pending' }));
  const applied = task.done >= task.steps.length;
  const outcome: RolloutOutcome = failure ? { state: 'failed', message: failure } : !applied ? { state: 'applying' } : available === deploymentSteps.length ? { state: 'available' } : { state: 'rolling-out' };
  const units = task.steps.length + deploymentSteps.length;
  const progress = !open ? taskProgress(task) : units === 0 ? 100 : Math.min(99, Math.round(((task.done + available) / units) * 100));
  const phase = open && applied ? ROLLOUT_PHASE : taskPhase(task);
  // Events keep whole seconds: from the start of the task's second.
  const since = Math.floor(task.createdAt / 1000) * 1000;
  const logs = [...task.logs, ...eventLogs(live, since)].sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(-MAX_TASK_LOGS);
  return { progress, phase, created, pending: [...rollouts, ...notApplied], logs, outcome };
}
