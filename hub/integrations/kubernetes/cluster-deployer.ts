import type { HubBus } from '../../bus.js';
import type { HubDb } from '../../core/db.js';
import { DeploymentTaskStore, taskPhase, taskProgress, type DeploymentTask } from './deployment-tasks.js';
import type { KubeCluster } from './kube-cluster.js';
import { KubeError } from './kube-cluster.js';
import { manifestOf } from './tenant-manifest.js';
import { TenantStore } from './tenant-store.js';

/**
 * Carries out real (non-demo) tenants' tasks on the cluster, one step per
 * tick: apply the step's object by server-side apply, or for a deletion
 * delete a Deployment, then delete the namespace and stay on that step until
 * the apiserver no longer has it. The position is in hub.db, so a restarted
 * hub goes on from the step it was at (apply is idempotent). A refusal (4xx)
 * fails the task (DEPLOYMENT_FAILED in its log, tenant `failed`); no answer
 * or a 5xx is retried next tick.
 */
export class ClusterDeployer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly tasks: DeploymentTaskStore;
  private readonly tenants: TenantStore;

  constructor(
    db: HubDb,
    private readonly bus: HubBus,
    private readonly cluster: KubeCluster,
    private readonly stepMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tasks = new DeploymentTaskStore(db);
    this.tenants = new TenantStore(db);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // One tick at a time: a slow apiserver must not make ticks overlap.
      this.running ??= this.step().finally(() => (this.running = null));
    }, this.stepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  async step(): Promise<void> {
    for (const task of this.tasks.open()) {
      if (task.isDemo) continue;
      const t = await this.advance(task);
      if (t) this.publish(t);
    }
  }

  private log(t: DeploymentTask, level: 'info' | 'warning' | 'error', message: string) {
    t.logs.push({ timestamp: new Date(this.now()).toISOString(), level, message });
  }

  /** Takes the task's next step; null when nothing changed (a namespace still terminating). */
  private async advance(task: DeploymentTask): Promise<DeploymentTask | null> {
    const tenant = this.tenants.get(task.tenantId);
    const t: DeploymentTask = { ...task, logs: [...task.logs] };
    const step = t.steps[t.done];
    if (!tenant || !step) return this.finish(t);
    const object = manifestOf(tenant).find((o) => o.kind === step.type && o.metadata.name === step.name);
    try {
      if (task.kind === 'delete') {
        if (step.type === 'Namespace') {
          // Deleting again while it terminates is harmless (and 404 once gone); the step ends when the apiserver no longer has it.
          await this.cluster.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: step.name } });
          if (!(await this.cluster.namespaceGone(step.name))) {
            t.updatedAt = this.now();
            this.tasks.save(t);
            return null;
          }
        } else if (object) {
          await this.cluster.delete(object);
        }
        this.log(t, 'info', `${step.type} ${step.name} deleted`);
      } else {
        if (!object) throw new KubeError(`${step.type} ${step.name} is no longer in the tenant's manifest`, 400);
        await this.cluster.apply(object);
        this.log(t, 'info', `${step.type} ${step.name} applied`);
      }
    } catch (err) {
      const e = err instanceof KubeError ? err : new KubeError(String(err), null);
      if (e.transient) {
        this.log(t, 'warning', `${step.type} ${step.name}: ${e.message}; retrying`);
        t.updatedAt = this.now();
        this.tasks.save(t);
        return t;
      }
      this.log(t, 'error', `DEPLOYMENT_FAILED: ${step.type} ${step.name}: ${e.message}`);
      t.status = 'failed';
      t.finishedAt = t.updatedAt = this.now();
      // Not when the task was cancelled meanwhile (a forced delete): the tenant is the deletion's then.
      if (this.tasks.save(t)) this.tenants.setStatus(t.tenantId, 'failed', this.now());
      return t;
    }
    t.done++;
    t.updatedAt = this.now();
    if (t.done >= t.steps.length) return this.finish(t);
    this.tasks.save(t);
    return t;
  }

  private finish(t: DeploymentTask): DeploymentTask {
    const now = this.now();
    t.status = 'completed';
    t.finishedAt = t.updatedAt = now;
    this.log(t, 'info', t.kind === 'delete' ? 'tenant deleted' : 'tenant running');
    // Not when the task was cancelled meanwhile (a forced delete or a re-size took over).
    if (!this.tasks.save(t)) return t;
    if (t.kind === 'delete') this.tenants.remove(t.tenantId);
    else this.tenants.setStatus(t.tenantId, 'running', now);
    return t;
  }

  private publish(t: DeploymentTask) {
    this.bus.emit('ecp-deployment', { deploymentId: t.id, tenantId: t.tenantId, status: t.status, progress: taskProgress(t), phase: taskPhase(t), message: t.logs.at(-1)?.message ?? '' });
  }
}
