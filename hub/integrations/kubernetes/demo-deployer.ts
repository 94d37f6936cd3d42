import type { HubBus } from '../../bus.js';
import type { HubDb } from '../../core/db.js';
import { DeploymentTaskStore, taskPhase, taskProgress, type DeploymentTask } from './deployment-tasks.js';
import { TenantStore } from './tenant-store.js';

/**
 * Runs demo tenants' deployment tasks in simulation: every `stepMs` each
 * open demo task takes its next step (one object "applied" or "deleted"),
 * written to hub.db in one transaction with the tenant's status, so a hub
 * restarted mid-way resumes where it stopped. Nothing reaches a cluster.
 */
export class DemoDeployer {
  private timer: NodeJS.Timeout | null = null;
  private readonly tasks: DeploymentTaskStore;
  private readonly tenants: TenantStore;

  constructor(
    private readonly db: HubDb,
    private readonly bus: HubBus,
    private readonly stepMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tasks = new DeploymentTaskStore(db);
    this.tenants = new TenantStore(db);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(), this.stepMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One step of every open demo task (public for the restart test's clock-free drive). */
  step(): void {
    const changed = this.db.transaction(() => {
      const out: DeploymentTask[] = [];
      for (const task of this.tasks.open()) {
        if (!task.isDemo) continue;
        out.push(this.advance(task));
      }
      return out;
    })();
    for (const t of changed) {
      const current = t.steps[t.done - 1];
      this.bus.emit('ecp-deployment', {
        deploymentId: t.id,
        tenantId: t.tenantId,
        status: t.status,
        progress: taskProgress(t),
        phase: taskPhase(t),
        message: t.logs.at(-1)?.message ?? (current ? `${current.type} ${current.name}` : ''),
      });
    }
  }

  private advance(task: DeploymentTask): DeploymentTask {
    const now = this.now();
    const step = task.steps[task.done];
    const t = { ...task, logs: [...task.logs], updatedAt: now };
    if (step) {
      t.done++;
      const verb = task.kind === 'delete' ? 'deleted' : 'applied';
      t.logs.push({ timestamp: new Date(now).toISOString(), level: 'info', message: `${step.type} ${step.name} ${verb} (simulated)` });
    }
    if (t.done >= t.steps.length) {
      t.status = 'completed';
      t.finishedAt = now;
      if (task.kind === 'delete') this.tenants.remove(task.tenantId);
      else this.tenants.setStatus(task.tenantId, 'running', now);
      t.logs.push({ timestamp: new Date(now).toISOString(), level: 'info', message: task.kind === 'delete' ? 'tenant deleted' : 'tenant running' });
    }
    this.tasks.save(t);
    return t;
  }
}
