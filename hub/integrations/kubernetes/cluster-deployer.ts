import type { HubBus } from '../../bus.js';
import type { HubDb } from '../../core/db.js';
import { forgetProgress, publishProgress } from './deployment-progress.js';
import { DeploymentTaskStore, taskPhase, taskProgress, type DeploymentTask } from './deployment-tasks.js';
import type { KubeCluster } from './kube-cluster.js';
import { KubeError } from './kube-error.js';
import type { NamespaceWatch, NamespaceWatchOptions } from './namespace-watch.js';
import { liveView, type TaskView } from './task-rollout.js';
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
 *
 * An apply (create, re-size) ends only when its Deployments have rolled
 * out: while a task is open its namespace's Deployments and Events are
 * watched (NamespaceWatch), every change is published on the bus as the
 * task's live progress (`ecp-deployment`, what /ws/deployment pushes), and
 * once every object is applied the task completes when every Deployment is
 * available, or fails (DEPLOYMENT_FAILED) when one passes its progress
 * deadline. While the watch is not synced (the cluster unreachable) the
 * task waits: nothing is concluded from a state that is not current.
 */
export class ClusterDeployer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly tasks: DeploymentTaskStore;
  private readonly tenants: TenantStore;
  /** namespace -> the watch of an open apply task's namespace. */
  private readonly watches = new Map<string, { watch: NamespaceWatch; off: () => void }>();
  /** Namespaces whose watch changed, handled together on the next turn. */
  private readonly changed = new Set<string>();
  /** task id -> what was last published for it (no event repeats the one before). */
  private readonly published = new Map<string, { key: string; states: Map<string, string> }>();

  constructor(
    db: HubDb,
    private readonly bus: HubBus,
    private readonly cluster: KubeCluster,
    private readonly stepMs: number,
    private readonly watchOptions: NamespaceWatchOptions,
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
    const held = [...this.watches.values()];
    this.watches.clear();
    for (const w of held) w.off();
    await Promise.all(held.map((w) => w.watch.stop()));
  }

  /** A namespace's Deployments and Events from the watch of its open task; null when no watch holds it. */
  live(namespace: string): ReturnType<NamespaceWatch['live']> | null {
    return this.watches.get(namespace)?.watch.live() ?? null;
  }

  async step(): Promise<void> {
    const open = this.tasks.open().filter((t) => !t.isDemo);
    this.watchNamespaces(open);
    for (const task of open) {
      const t = await this.advance(task.id);
      if (t) this.publish(t);
    }
  }

  /** The open apply task of a tenant namespace. */
  private openApply(namespace: string): DeploymentTask | null {
    for (const t of this.tasks.open()) if (!t.isDemo && t.kind !== 'delete' && this.tenants.get(t.tenantId)?.namespace === namespace) return t;
    return null;
  }

  /** Watches the namespaces of the open apply tasks, and no other. */
  private watchNamespaces(open: DeploymentTask[]) {
    const wanted = new Set<string>();
    for (const t of open) {
      const ns = t.kind === 'delete' ? undefined : this.tenants.get(t.tenantId)?.namespace;
      if (ns) wanted.add(ns);
    }
    for (const [ns, w] of this.watches) {
      if (wanted.has(ns)) continue;
      this.watches.delete(ns);
      w.off();
      void w.watch.stop();
    }
    for (const ns of wanted) {
      if (this.watches.has(ns)) continue;
      const watch = this.cluster.watchNamespace(ns, this.watchOptions);
      const off = watch.onChange(() => this.onLiveChange(ns));
      this.watches.set(ns, { watch, off });
      watch.start();
    }
    const ids = new Set(open.map((t) => t.id));
    for (const id of this.published.keys()) if (!ids.has(id)) this.published.delete(id);
    forgetProgress(this.bus, (id) => ids.has(id));
  }

  /** A watch saw a change: its task's live progress is published, and a task waiting on its rollouts may end (next turn, changes coalesced). */
  private onLiveChange(namespace: string) {
    if (this.changed.size === 0) setImmediate(() => this.applyLiveChanges());
    this.changed.add(namespace);
  }

  private applyLiveChanges() {
    const namespaces = [...this.changed];
    this.changed.clear();
    for (const ns of namespaces) {
      if (!this.watches.has(ns)) continue;
      const task = this.openApply(ns);
      if (!task) continue;
      // Only a task with every object applied is written here: no apply of it is in flight then (advance() of such a task does not wait).
      const t = task.done >= task.steps.length ? this.settle({ ...task, logs: [...task.logs] }, ns) : null;
      this.publish(t ?? task);
    }
  }

  /**
   * An apply task with every object applied, against its live namespace:
   * completed when every Deployment is available, failed when one passed
   * its progress deadline; null while they roll out or the watch is not
   * synced (nothing is concluded from a state that is not current).
   */
  private settle(t: DeploymentTask, namespace: string): DeploymentTask | null {
    const state = this.live(namespace);
    if (!state?.live) return null;
    const { outcome } = liveView(t, state.live);
    if (outcome.state === 'available') return this.finish(t);
    if (outcome.state === 'failed') return this.fail(t, `DEPLOYMENT_FAILED: ${outcome.message}`);
    return null;
  }

  private log(t: DeploymentTask, level: 'info' | 'warning' | 'error', message: string) {
    t.logs.push({ timestamp: new Date(this.now()).toISOString(), level, message });
  }

  /** Takes the task's next step; null when nothing changed (a namespace still terminating, Deployments still rolling out). */
  private async advance(id: string): Promise<DeploymentTask | null> {
    // Read afresh: a watch change may have ended it while an earlier task's step was waiting on the apiserver.
    const task = this.tasks.get(id);
    if (!task || task.status !== 'deploying') return null;
    const tenant = this.tenants.get(task.tenantId);
    const t: DeploymentTask = { ...task, logs: [...task.logs] };
    const step = t.steps[t.done];
    if (!tenant) return this.finish(t);
    if (!step) return task.kind === 'delete' ? this.finish(t) : this.settle(t, tenant.namespace);
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
      return this.fail(t, `DEPLOYMENT_FAILED: ${step.type} ${step.name}: ${e.message}`);
    }
    t.done++;
    t.updatedAt = this.now();
    if (t.done >= t.steps.length && task.kind === 'delete') return this.finish(t);
    this.tasks.save(t);
    // The last object applied: done at once if the Deployments are already available.
    if (t.done >= t.steps.length) return this.settle(t, tenant.namespace) ?? t;
    return t;
  }

  private fail(t: DeploymentTask, message: string): DeploymentTask {
    this.log(t, 'error', message);
    t.status = 'failed';
    t.finishedAt = t.updatedAt = this.now();
    // Not when the task was cancelled meanwhile (a forced delete): the tenant is the deletion's then.
    if (this.tasks.save(t)) this.tenants.setStatus(t.tenantId, 'failed', this.now());
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

  /**
   * The task's progress on the bus: its live view while its namespace is
   * watched and synced (each Deployment available counts), else its steps.
   * The message names a Deployment whose rollout state changed, else the
   * newest log line (an event of the namespace, or the task's own). Not
   * repeated when nothing changed.
   */
  private publish(t: DeploymentTask) {
    const ns = t.kind === 'delete' ? undefined : this.tenants.get(t.tenantId)?.namespace;
    const state = ns ? this.live(ns) : null;
    const view: TaskView | null = state?.live ? liveView(t, state.live) : null;
    const progress = view?.progress ?? taskProgress(t);
    const phase = view?.phase ?? taskPhase(t);
    const states = new Map<string, string>();
    for (const r of view ? [...view.created, ...view.pending] : []) if (r.type === 'Deployment') states.set(r.name, `${r.status}${r.replicas ? ` (${r.replicas})` : ''}`);
    const before = this.published.get(t.id);
    const turned = [...states].filter(([name, s]) => before?.states.get(name) !== s && !s.startsWith('Pending'));
    const newest = (t.status === 'deploying' ? view?.logs : t.logs)?.at(-1)?.message ?? t.logs.at(-1)?.message ?? '';
    const message = t.status === 'deploying' && turned.length > 0 && before ? turned.map(([name, s]) => `Deployment ${name}: ${s}`).join('; ') : newest;
    const key = `${t.status}|${progress}|${phase}|${message}`;
    if (before?.key === key) return;
    this.published.set(t.id, { key, states });
    publishProgress(this.bus, { deploymentId: t.id, tenantId: t.tenantId, status: t.status, progress, phase, message });
  }
}
